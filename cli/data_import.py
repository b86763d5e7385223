"""``deepmotif data import``: your own sequences (FASTA or BED) as a versioned data set.

Registered in ``cli/data.py`` with ``app.command("import")(import_data)``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ._common import console, err_console, import_keras, user_errors

_INPUT = "Input (one form)"
_SPLIT = "Splits (default: random 0.7 / 0.1 / 0.2)"


def import_data(
    name: Annotated[str, typer.Argument(
        help="Name of the data set (lowercase letters, digits and _), e.g. my_peaks; "
        "train on it with `deepmotif train MODEL --dataset NAME`.")],
    fasta: Annotated[list[str] | None, typer.Option(
        "--fasta", metavar="CLASS=FASTA",
        help="CLASS=file.fa once per class (multi-class), or file.fa with --labels "
        "(multi-label); plain or gzip.", rich_help_panel=_INPUT)] = None,
    bed: Annotated[list[str] | None, typer.Option(
        "--bed", metavar="CLASS=BED",
        help="CLASS=peaks.bed once per class, or peaks.bed with --labels; needs --genome.",
        rich_help_panel=_INPUT)] = None,
    genome: Annotated[str | None, typer.Option(
        "--genome", metavar="FASTA",
        help="The genome FASTA of the BED intervals (indexed with pyfaidx; a .fai index is "
        "written beside it).", rich_help_panel=_INPUT)] = None,
    labels: Annotated[str | None, typer.Option(
        "--labels", metavar="TABLE",
        help="Label table (TSV or CSV): a header 'id, class1, class2, ...' and one row of 0/1 "
        "per sequence, matched by name.", rich_help_panel=_INPUT)] = None,
    length: Annotated[int | None, typer.Option(
        "--length", help="Sequence length (nt): longer sequences are cropped and shorter "
        "ones padded around their centre; BED windows are this long. Default: the common "
        "length of all sequences.", rich_help_panel=_INPUT)] = None,
    test_chroms: Annotated[str | None, typer.Option(
        "--test-chroms", metavar="CHROMS",
        help="Split by chromosome: these are the test split, e.g. chr8,chr9 (as DeepSEA). "
        "FASTA names must read chrom:start-end.", rich_help_panel=_SPLIT)] = None,
    valid_chroms: Annotated[str | None, typer.Option(
        "--valid-chroms", metavar="CHROMS",
        help="With --test-chroms: these are the validation split (default: a random share "
        "of the other chromosomes).", rich_help_panel=_SPLIT)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random split.",
                                      rich_help_panel=_SPLIT)] = 0,
    fractions: Annotated[str, typer.Option(
        "--fractions", help="Train, validation and test shares of a random split.",
        rich_help_panel=_SPLIT)] = "0.7,0.1,0.2",
    data_dir: Annotated[str | None, typer.Option(
        "--data-dir", help="TFDS data folder (default $TFDS_DATA_DIR or "
        "~/tensorflow_datasets).")] = None,
) -> None:
    """Import your own sequences as a versioned data set that train, evaluate, logos and
    match read by name.

    Three forms: one FASTA file per class (--fasta oct4=oct4.fa --fasta mafk=mafk.fa),
    FASTA plus a label table (--fasta peaks.fa --labels labels.tsv), or BED intervals
    plus a genome (--bed oct4=oct4.bed --bed ctcf=ctcf.bed --genome hg19.fa --length 200).
    Lowercase is read as uppercase; N and other IUPAC letters become all-zero rows and
    are counted. Importing the same files again changes nothing; changed files make a
    new version. Each version is written into a temporary folder and renamed when
    complete.
    """
    import_keras()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    plain = not err_console.is_terminal
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                        transient=True, disable=plain)
    tasks: dict[str, int] = {}

    def on_progress(task: str, done: int, total: int) -> None:
        if task not in tasks:
            tasks[task] = progress.add_task(task, total=total)
            if plain:
                err_console.print(task[:1].upper() + task[1:], highlight=False,
                                  soft_wrap=True)
        progress.update(tasks[task], completed=done, total=total)

    import tensorflow_datasets as tfds

    try:
        with user_errors():
            from deepmotif_arch.data import userdata

            options = {
                "fasta": userdata.parse_inputs(fasta, "--fasta"),
                "bed": userdata.parse_inputs(bed, "--bed"),
                "genome": genome, "labels": labels, "length": length,
                "test_chroms": test_chroms, "valid_chroms": valid_chroms, "seed": seed,
                "fractions": _fractions(fractions),
            }
            tfds.disable_progress_bar()  # one display: ours
            try:
                with progress:
                    result = userdata.import_sequences(name, data_dir=data_dir,
                                                       progress=on_progress, **options)
            finally:
                tfds.enable_progress_bar()
    except KeyboardInterrupt:
        err_console.print("Interrupted; the data set was left as it was before. Run the same "
                          "command again to import.", highlight=False)
        raise typer.Exit(130) from None
    _print_summary(result, data_dir)


def _fractions(text: str) -> tuple:
    from deepmotif_arch.base.errors import DatasetError

    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise DatasetError(f"--fractions {text!r} must be three numbers such as "
                           "0.7,0.1,0.2.") from None


def _print_summary(result, data_dir) -> None:
    """Counts per split and class, unknown and padded positions, where it went."""
    meta = result.metadata
    classes = meta["class_names"]
    console.print(f"[bold]{result.name} {result.version}[/]: {meta['num_sequences']:,} "
                  f"sequences of {meta['length']} nt, {meta['labels']}", highlight=False,
                  soft_wrap=True)
    table = Table()
    table.add_column("Split")
    table.add_column("Sequences", justify="right")
    for name in classes:
        table.add_column(name, justify="right")
    table.add_column("N positions", justify="right")
    table.add_column("Padded", justify="right")
    for split in ("train", "validation", "test"):
        counts = meta["splits"][split]
        table.add_row(split, f"{counts['sequences']:,}",
                      *(f"{counts['classes'][c]:,}" for c in classes),
                      f"{counts['unknown_positions']:,}", f"{counts['pad_positions']:,}")
    console.print(table)
    counts = meta["counts"]
    letters = ", ".join(f"{k} {v:,}" for k, v in counts["unknown_letters"].items())
    lines = []
    if counts["unknown_positions"]:
        lines.append(f"N and other IUPAC letters: {counts['unknown_positions']:,} positions "
                     f"({letters}) in {counts['sequences_with_unknown']:,} sequences, read as "
                     "all-zero rows.")
    if counts["padded_sequences"] or counts["cropped_sequences"]:
        lines.append(f"Centred to {meta['length']} nt: {counts['cropped_sequences']:,} cropped, "
                     f"{counts['padded_sequences']:,} padded.")
    if counts.get("merged"):
        lines.append(f"{counts['merged']:,} records in more than one class file were merged.")
    if counts.get("reverse_complemented"):
        lines.append(f"{counts['reverse_complemented']:,} intervals on the - strand were "
                     "reverse-complemented.")
    state = ("Already imported (same records); nothing was written:" if result.already else
             "Written to")
    lines.append(f"{state} {result.folder} (fingerprint {meta['fingerprint'][:12]}).")
    where = f" --data-dir {data_dir}" if data_dir else ""
    lines.append(f"Next: deepmotif train cnn-25 --dataset {result.name}{where}")
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)
