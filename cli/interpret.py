"""``deepmotif logos`` and ``deepmotif match``: what the filters of a checkpoint learned."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from ._common import (
    check_file,
    console,
    err_console,
    fail,
    import_keras,
    user_errors,
    working,
)

_SCAN = "Scanning filters"
_MATCH = "Matching (Tomtom)"
_DATA = "Data"


class Preset(str, Enum):
    authors = "authors"
    paper_text = "paper-text"
    kp21 = "kp21"
    v0 = "v0"


class Variant(str, Enum):
    authors = "authors"
    released = "released"
    paper = "paper"


class Distance(str, Enum):
    ed = "ed"
    pearson = "pearson"


class Nsites(str, Enum):
    width = "width"
    sites = "sites"


class SplitName(str, Enum):
    train = "train"
    validation = "validation"
    test = "test"


class Screen(str, Enum):
    table = "table"
    json = "json"
    tsv = "tsv"


Checkpoint = Annotated[Path, typer.Argument(help="A .keras file from deepmotif train.")]
Layer = Annotated[str, typer.Option(
    "--layer", "-l", help="Convolution layer: conv1, or a deeper one with no pooling before it "
    "(CNN-1's conv2; CNN-1-1-100's conv2, conv3).", rich_help_panel=_SCAN)]
Split = Annotated[SplitName, typer.Option("--split", help="Split to scan.",
                                          rich_help_panel=_DATA)]
DatasetOpt = Annotated[str | None, typer.Option(
    "--dataset", "-d", help="Default: the data set the checkpoint was trained on.",
    rich_help_panel=_DATA)]
ConfigOpt = Annotated[str | None, typer.Option("--config", help="Default: the checkpoint's.",
                                               rich_help_panel=_DATA)]
DataDir = Annotated[str | None, typer.Option("--data-dir", help="TFDS data folder.",
                                             rich_help_panel=_DATA)]
PresetOpt = Annotated[Preset, typer.Option(
    "--preset", help="The whole pipeline at once: authors (default: the authors' scripts, "
    "which made the paper's numbers: 50% of the maximum, 19-nt activation-weighted windows "
    "zero-padded at the ends, nsites = width, Tomtom ed with min overlap 1); paper-text (the "
    "paper's text: each sequence's maximum at >= 70%, matched as the authors did); kp21 (Koo "
    "& Ploenzke 2021: 20-nt windows counted once, off-end windows dropped, JASPAR without "
    "Gmeb1); v0 (this library's former pipeline: Pearson, min overlap 5). Options below "
    "override single "
    "choices.", rich_help_panel=_SCAN)]
VariantOpt = Annotated[Variant | None, typer.Option(
    "--variant", help="Which activations count: authors (every position above 50%, 19-nt "
    "weighted windows), released (the same positions, receptive-field windows counted once) or "
    "paper (each sequence's maximum at >= 70%). Default: the preset's.",
    rich_help_panel=_SCAN)]
Threshold = Annotated[float | None, typer.Option(
    "--threshold", help="Fraction of the filter's maximum activation over the split "
    "(default 0.5; 0.7 for the paper variant).", rich_help_panel=_SCAN)]
Window = Annotated[int | None, typer.Option(
    "--window", help="Window width in nt, centred on the receptive field (default 19 for the "
    "authors variant; the layer's receptive field otherwise).", rich_help_panel=_SCAN)]
Weighted = Annotated[bool | None, typer.Option(
    "--weighted/--counted", help="Weight each window by its activation, or count it once "
    "(default: the variant's; weighted for authors).", rich_help_panel=_SCAN)]
PadEdges = Annotated[bool | None, typer.Option(
    "--pad-edges/--drop-edges", help="Keep windows that run off a sequence end (zero-padded), "
    "or drop them (default: the variant's; padded for authors).", rich_help_panel=_SCAN)]
BatchSize = Annotated[int, typer.Option("--batch-size", help="Sequences per forward pass.",
                                        rich_help_panel=_SCAN)]
Database = Annotated[Path | None, typer.Option(
    "--database", help="MEME motif file to match against (default: JASPAR 2016 CORE "
    "vertebrates, 519 motifs, as in the paper).", rich_help_panel=_MATCH)]
Evalue = Annotated[float, typer.Option("--evalue", help="Report matches with E-value <= this.",
                                       rich_help_panel=_MATCH)]
DistOpt = Annotated[Distance | None, typer.Option(
    "--dist", help="Tomtom's column similarity: ed (Euclidean; MEME's default and the "
    "authors') or pearson. Default: the preset's.", rich_help_panel=_MATCH)]
MinOverlap = Annotated[int | None, typer.Option(
    "--min-overlap", help="Tomtom's minimum overlap in columns (MEME's default and the "
    "authors': 1). Default: the preset's.", rich_help_panel=_MATCH)]
NsitesOpt = Annotated[Nsites | None, typer.Option(
    "--nsites", help="What the query MEME file's nsites says, which weighs Tomtom's "
    "pseudocount: width (the authors' files) or sites (windows kept). Default: the "
    "preset's.", rich_help_panel=_MATCH)]
Clip = Annotated[bool, typer.Option(
    "--clip/--no-clip", help="Clip each filter to its columns above 0.5 bits plus 3 columns "
    "each side before matching (the released code's).", rich_help_panel=_MATCH)]
Output = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Output folder (default: <checkpoint folder>/interpretation/<layer>).")]


def _images(text: str) -> list[str]:
    from deepmotif_arch.base.errors import DeepMotifError
    from deepmotif_arch.interpretation.interpret import check_formats

    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise DeepMotifError("no image format given; use png, pdf, svg or a list such as "
                             "'png,svg'.")
    return check_formats(parts)


def settings_from_options(preset: Preset, **overrides):
    """The preset's InterpretSettings with the options the user gave (not None)."""
    from deepmotif_arch.interpretation.presets import PRESETS

    chosen = {k: (v.value if isinstance(v, Enum) else v) for k, v in overrides.items()
              if v is not None}
    return PRESETS[preset.value].replace(**chosen).validate()


def _run(checkpoint, *, layer, split, dataset, config, data_dir, settings, batch_size,
         database, match, quiet):
    """Load, scan and match with rich progress; returns the Interpretation."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from deepmotif_arch.interpretation.interpret import interpret_checkpoint

    # A terminal gets live bars; a pipe or a file gets one plain line per step, so that
    # nothing is silent for minutes when the output is redirected.
    plain = not err_console.is_terminal and not quiet
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                        transient=True, disable=quiet or plain)
    tasks: dict = {}

    def step(text: str) -> None:
        if plain:
            err_console.print(text, highlight=False, soft_wrap=True)

    def on_data(source):
        progress.remove_task(tasks.pop("load"))
        data = source["dataset"]
        what = f"{layer} on {data['name']}/{data['config']} {source['split']}"
        tasks["scan"] = progress.add_task(what, total=source["num_sequences"])
        step(f"Scanning {what} ({source['num_sequences']:,} sequences)")

    def on_batch(done, total):
        if "scan" in tasks:
            progress.update(tasks["scan"], completed=done)
        if done >= total and match:
            tasks["match"] = progress.add_task("Tomtom", total=None)
            step("Matching with Tomtom")

    with progress:
        tasks["load"] = progress.add_task("Loading the checkpoint and the data", total=None)
        step("Loading the checkpoint and the data")
        result = interpret_checkpoint(
            checkpoint, settings, layer=layer, split=split.value, dataset=dataset,
            config=config, data_dir=data_dir, database=database, match=match,
            batch_size=batch_size, progress=on_batch, on_data=on_data)
    return result


def _output(checkpoint: Path, output: Path | None, layer: str) -> Path:
    from deepmotif_arch.interpretation.filters import conv_index
    from deepmotif_arch.interpretation.interpret import default_output_dir

    if output is not None:
        return output
    index = conv_index(layer)
    return default_output_dir(checkpoint, f"conv{index}" if index is not None else layer)


def _write(result, folder: Path, **kwargs) -> list[Path]:
    from deepmotif_arch.interpretation.interpret import write_interpretation

    with working("Drawing logos and writing files"):
        return write_interpretation(result, folder, **kwargs)


def _check_files(checkpoint: Path, database: Path | None) -> None:
    """The files named on the command line exist (checked before the framework import)."""
    check_file(checkpoint, "checkpoint", "the path of a .keras file written by deepmotif train")
    check_file(database, "database", "the path of a MEME motif file")


_SCREENS = tuple(s.value for s in Screen)


def _screen(value: str) -> Screen:
    """``--format`` of match: what to print. Image formats are refused with a pointer."""
    key = str(value).strip().lower()
    if key in _SCREENS:
        return Screen(key)
    if key.lstrip(".") in ("png", "pdf", "svg") or "," in key:
        raise fail(f"--format {value!r} chooses what to print ({', '.join(_SCREENS)}); image "
                   f"formats go to --images, e.g. --images {key.lstrip('.')}.")
    raise fail(f"--format {value!r} is not known; use one of {', '.join(_SCREENS)}.")


def logos(
    checkpoint: Checkpoint,
    layer: Layer = "conv1",
    split: Split = "test",
    preset: PresetOpt = Preset.authors,
    variant: VariantOpt = None,
    threshold: Threshold = None,
    window: Window = None,
    weighted: Weighted = None,
    pad_edges: PadEdges = None,
    database: Database = None,
    evalue: Evalue = 0.1,
    dist: DistOpt = None,
    min_overlap: MinOverlap = None,
    nsites: NsitesOpt = None,
    clip: Clip = True,
    label: Annotated[bool, typer.Option(
        "--label/--no-label", help="Title each logo with its best Tomtom match (runs Tomtom).",
        rich_help_panel=_MATCH)] = True,
    images: Annotated[str, typer.Option(
        "--images", help="Image formats, comma-separated: png, pdf, svg.")] = "png,pdf,svg",
    old_format: Annotated[str | None, typer.Option("--format", hidden=True)] = None,
    per_filter: Annotated[bool, typer.Option(
        "--per-filter/--grid-only", help="One image per filter as well as the grid.")] = True,
    ground_truth: Annotated[bool | None, typer.Option(
        "--ground-truth/--no-ground-truth", help="Also draw the planted motifs and their "
        "reverse complements (default: for koo_synthetic).")] = None,
    output: Output = None,
    dataset: DatasetOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDir = None,
    batch_size: BatchSize = 500,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the output "
                                        "folder.")] = False,
) -> None:
    """Sequence logos of the filters of a layer: a grid, one per filter, and the ground truth.

    Scans the filters over a split, aligns the windows of their strong activations into
    probability matrices (the authors' way by default) and draws information logos, each
    titled with its best significant JASPAR match. Writes logos.<fmt>, filters/filter<i>.<fmt>,
    ground_truth.<fmt> (synthetic set) and filters.meme to the output folder.
    """
    if old_format is not None:
        raise fail(f"--format {old_format!r}: image formats are given with --images (as in "
                   f"deepmotif match), e.g. --images {old_format}.")
    _check_files(checkpoint, database)
    import_keras()
    with user_errors():
        formats = _images(images)
        settings = settings_from_options(
            preset, variant=variant, threshold=threshold, window=window, weighted=weighted,
            pad_edges=pad_edges, evalue=evalue, dist=dist, min_overlap=min_overlap,
            nsites=nsites, clip=clip)
        result = _run(checkpoint, layer=layer, split=split, dataset=dataset, config=config,
                      data_dir=data_dir, settings=settings, batch_size=batch_size,
                      database=database, match=label, quiet=quiet)
        folder = _output(checkpoint, output, layer)
        written = _write(result, folder, formats=formats, grid=True, per_filter=per_filter,
                         ground_truth=ground_truth, meme=True, tables=False)
    if quiet:
        typer.echo(str(folder))
        return
    if result.pwms.silent:
        err_console.print("Filters without a logo (no window kept):", highlight=False)
        _silent_lines(result)
    console.print(f"Wrote {len(written)} files to {folder}", highlight=False, soft_wrap=True)


def match(
    checkpoint: Checkpoint,
    layer: Layer = "conv1",
    split: Split = "test",
    preset: PresetOpt = Preset.authors,
    variant: VariantOpt = None,
    threshold: Threshold = None,
    window: Window = None,
    weighted: Weighted = None,
    pad_edges: PadEdges = None,
    database: Database = None,
    evalue: Evalue = 0.1,
    dist: DistOpt = None,
    min_overlap: MinOverlap = None,
    nsites: NsitesOpt = None,
    clip: Clip = True,
    fmt: Annotated[str, typer.Option(
        "--format", help="What to print: table, json (the statistics) or tsv (Tomtom's "
        "rows). Image formats go to --images.")] = "table",
    images: Annotated[str, typer.Option(
        "--images", help="Formats of the logo grid, comma-separated (png, pdf, svg).")]
    = "png,pdf,svg",
    output: Output = None,
    dataset: DatasetOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDir = None,
    batch_size: BatchSize = 500,
) -> None:
    """Match the filters of a layer against JASPAR (or any MEME file) with Tomtom.

    The defaults are the paper's as its authors ran it (--preset authors): their read-out
    and `tomtom -evalue -thresh 0.1` with MEME's defaults (Euclidean, min overlap 1).

    Prints each filter's best match with its E- and q-value and whether it is a ground-truth
    TF, then the paper's statistics: the share of filters with any match and with a relevant
    match, and which of the 12 TFs some filter covers. Writes filters.meme (the exact
    Tomtom queries), tomtom.tsv, matches.json, stats.json and logos.<fmt> to the output folder.
    """
    screen = _screen(fmt)
    _check_files(checkpoint, database)
    import_keras()
    with user_errors():
        formats = _images(images)
        settings = settings_from_options(
            preset, variant=variant, threshold=threshold, window=window, weighted=weighted,
            pad_edges=pad_edges, evalue=evalue, dist=dist, min_overlap=min_overlap,
            nsites=nsites, clip=clip)
        result = _run(checkpoint, layer=layer, split=split, dataset=dataset, config=config,
                      data_dir=data_dir, settings=settings, batch_size=batch_size,
                      database=database, match=True, quiet=screen is not Screen.table)
        folder = _output(checkpoint, output, layer)
        written = _write(result, folder, formats=formats, grid=True, per_filter=False,
                         ground_truth=False, meme=True, tables=True)
    if screen is Screen.json:
        console.print_json(json.dumps(result.statistics, default=str))
        return
    if screen is Screen.tsv:
        typer.echo((folder / "tomtom.tsv").read_text(), nl=False)
        return
    _table(result)
    console.print(f"Wrote {len(written)} files to {folder}", highlight=False, soft_wrap=True)


def _fmt_p(value) -> str:
    return "" if value is None else f"{value:.1e}"


def _table(result) -> None:
    report, pwms, source = result.report, result.pwms, result.source
    stats = report.statistics()
    data = source.get("dataset", {})
    trial = f" trial {source['trial']}" if source.get("trial") is not None else ""
    table = Table(title=f"{source.get('model')}{trial}: {pwms.layer} on {data.get('name')}/"
                  f"{data.get('config')} {source.get('split')} ({source.get('num_sequences'):,} "
                  f"sequences) vs {report.database}", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Filter", justify="right", no_wrap=True)
    table.add_column("Sites", justify="right", no_wrap=True)
    table.add_column("Match", no_wrap=True)
    table.add_column("Name", overflow="ellipsis", no_wrap=True, max_width=10)
    table.add_column("E-value", justify="right", no_wrap=True)
    table.add_column("q-value", justify="right", no_wrap=True)
    table.add_column("Relevant", overflow="fold", min_width=8)
    has_gt = any(f.ground_truth is not None for f in report.filters)
    if has_gt:
        table.add_column("Planted", overflow="fold")
    for f in report.filters:
        best = f.best
        if f.silent:
            cells = [str(f.index), "0", "[dim]silent[/]", "", "", "", ""]
        elif best is None:
            cells = [str(f.index), f"{f.sites:,}", "[dim]none[/]", "", "", "", "no"]
        else:
            cells = [str(f.index), f"{f.sites:,}", best.target_id,
                     report.target_names.get(best.target_id, ""), _fmt_p(best.e_value),
                     _fmt_p(best.q_value),
                     f"[green]{', '.join(f.relevant_tfs)}[/]" if f.relevant_tfs else "no"]
        if has_gt:
            gt = f.ground_truth
            cells.append("" if gt is None else f"{gt.tf}{gt.strand} {gt.similarity:.2f}")
        table.add_row(*cells)
    if console.is_terminal:
        console.print(table)
    else:  # piped or redirected: whole names, one tab-separated line per filter
        typer.echo(table.title)
        typer.echo("\t".join(str(c.header).lower().replace("-", "_") for c in table.columns))
        for f in report.filters:
            typer.echo("\t".join(_plain_row(f, report, has_gt)))
    n = stats["num_filters"]
    console.print(f"JASPAR match: {stats['num_matched']}/{n} = {stats['fraction_matched']:.3f}",
                  highlight=False)
    if stats["fraction_relevant"] is not None:
        covered = stats["tfs_covered"]
        console.print(f"Relevant match: {stats['num_relevant']}/{n} = "
                      f"{stats['fraction_relevant']:.3f}", highlight=False)
        console.print(f"TFs covered: {len(covered)}/{len(covered) + len(stats['tfs_missed'])}"
                      + (f" (missing {', '.join(stats['tfs_missed'])})" if stats["tfs_missed"]
                         else ""), highlight=False)
    else:
        console.print("Relevant match: n/a (the database holds none of the ground-truth "
                      "JASPAR IDs)", highlight=False)
    gt = stats.get("ground_truth_similarity")
    if gt:
        console.print(f"Similarity to the closest planted motif: mean "
                      f"{gt['mean_over_active_filters']:.3f}, median "
                      f"{gt['median_over_active_filters']:.3f} over active filters",
                      highlight=False)
    if stats["num_silent"]:
        console.print(f"Silent filters (no window kept; counted as no match): "
                      f"{stats['num_silent']}/{n}", highlight=False)
        _silent_lines(result, console)


def _plain_row(f, report, has_gt: bool) -> list[str]:
    best = f.best
    if f.silent:
        cells = [str(f.index), "0", "silent", "", "", "", ""]
    elif best is None:
        cells = [str(f.index), str(f.sites), "none", "", "", "", "no"]
    else:
        cells = [str(f.index), str(f.sites), best.target_id,
                 report.target_names.get(best.target_id, ""), _fmt_p(best.e_value),
                 _fmt_p(best.q_value), ",".join(f.relevant_tfs) or "no"]
    if has_gt:
        gt = f.ground_truth
        cells.append("" if gt is None else f"{gt.tf}{gt.strand} {gt.similarity:.2f}")
    return cells


def _silent_lines(result, out=None) -> None:
    pwms = result.pwms
    for i in pwms.silent:
        (out or err_console).print(f"  filter {i}: {pwms.silent_reason(i)}.", highlight=False)

