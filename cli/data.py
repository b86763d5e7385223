"""``deepmotif data``: build the data sets and see what is built."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ._common import check_folder, console, err_console, import_keras, print_table, user_errors

app = typer.Typer(help="The data sets: koo_synthetic (generated), koo_invivo (DeepSEA) and your "
                  "own (import).",
                  no_args_is_help=True)

Name = Annotated[str, typer.Argument(
    help="koo_synthetic (default) or koo_invivo, optionally with a config (and version) as "
    "TFDS writes them: koo_synthetic/tiny, koo_synthetic/tiny:1.0.0.")]
Config = Annotated[str | None, typer.Option(
    "--config", "-c", help="Builder config, e.g. paper or tiny (default: the one in NAME, "
    "else the builder's).")]
DataDir = Annotated[str | None, typer.Option(
    "--data-dir", help="TFDS data folder (default $TFDS_DATA_DIR or ~/tensorflow_datasets).")]
_CUSTOM = "Custom koo_synthetic"
Size = Annotated[int | None, typer.Option("--size", help="Number of sequences.",
                                          rich_help_panel=_CUSTOM)]
Length = Annotated[int | None, typer.Option("--length", help="Sequence length (nt).",
                                            rich_help_panel=_CUSTOM)]
Seed = Annotated[int | None, typer.Option("--seed", help="Generator seed.",
                                          rich_help_panel=_CUSTOM)]
Buffer = Annotated[int | None, typer.Option(
    "--buffer", help="Least background nt around every motif (1, the paper's; 0 lets motifs "
    "abut, as in Koo & Ploenzke's set).", rich_help_panel=_CUSTOM)]


def _overrides(size, length, seed, buffer=None) -> dict:
    return {"num_sequences": size, "length": length, "seed": seed, "buffer": buffer}


@app.command("build")
def build(
    name: Name = "koo_synthetic",
    config: Config = None,
    data_dir: DataDir = None,
    size: Size = None,
    length: Length = None,
    seed: Seed = None,
    buffer: Buffer = None,
    overwrite: Annotated[bool, typer.Option("--overwrite",
                                            help="Rebuild even if already built.")] = False,
    manual_dir: Annotated[str | None, typer.Option(
        "--manual-dir", help="Folder with files downloaded by hand (koo_invivo: DeepSEA's "
        "bundle, its tarball or its extracted deepsea_train/ folder).")] = None,
) -> None:
    """Generate (koo_synthetic) or convert (koo_invivo) a data set, with progress bars.

    The build writes into a temporary folder and renames it when complete; an
    interrupted build leaves nothing that looks finished, and running the command
    again starts it over.
    """
    check_folder(manual_dir, "manual folder", "the folder that holds the downloaded files")
    import_keras(progress=True)
    try:
        with user_errors():
            from deepmotif_arch.data import datasets

            builder = datasets.build(name, config, data_dir, overwrite=overwrite,
                                     manual_dir=manual_dir,
                                     **_overrides(size, length, seed, buffer))
    except KeyboardInterrupt:
        err_console.print("Interrupted; nothing partial was kept. Run the same command again "
                          "to build from the start.", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    _print_info(builder)


@app.command("info")
def info(
    name: Name = "koo_synthetic",
    config: Config = None,
    data_dir: DataDir = None,
    size: Size = None,
    length: Length = None,
    seed: Seed = None,
    buffer: Buffer = None,
) -> None:
    """Show where a data set lives, whether it is built, and its splits."""
    import_keras(progress=True)
    with user_errors():
        from deepmotif_arch.data import datasets

        builder = datasets.get_builder(name, config, data_dir,
                                       **_overrides(size, length, seed, buffer))
        if builder.is_prepared():
            datasets.verify_prepared(builder)
    _print_info(builder)


def _print_info(builder) -> None:
    prepared = builder.is_prepared()
    table = Table(title=f"{builder.name}/{builder.builder_config.name} {builder.version}")
    table.add_column("Split")
    table.add_column("Examples", justify="right")
    table.add_column("Size", justify="right")
    if prepared:
        for split_name, split in builder.info.splits.items():
            table.add_row(split_name, f"{split.num_examples:,}", _size(int(split.num_bytes)))
    print_table(table)
    where = "Built in" if prepared else "Not built yet; it would go to"
    console.print(f"{where} {builder.data_dir}", soft_wrap=True, highlight=False)


def _size(num_bytes: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if num_bytes >= scale:
            return f"{num_bytes / scale:.1f} {unit}"
    return f"{num_bytes} B"


from .data_import import import_data  # noqa: E402  (after app: the command registers on it)

app.command("import")(import_data)
