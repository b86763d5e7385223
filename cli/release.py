"""``deepmotif experiment release``: publish the best checkpoint of every Table 1 model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, import_keras, user_errors


def release(
    results: Annotated[Path, typer.Option(
        "--results", help="Folder of the result files.")] = Path("results/table1"),
    runs: Annotated[Path | None, typer.Option(
        "--runs", help="Folder of the training runs (default: the checkpoint path each "
        "result.json records).")] = None,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Release folder for the checkpoints, model cards, "
        "SHA256SUMS and index.json.")] = Path("releases/koo_synthetic"),
    models: Annotated[list[str] | None, typer.Option(
        "--models", "-m", help="Models to release (repeat the option; default: every Table 1 "
        "model with a finished trial).")] = None,
) -> None:
    """Release each model's lowest-validation-loss trial with a model card and hashes.

    Copies the checkpoint to OUTPUT/<model>.keras after checking its SHA-256 against
    result.json and writes OUTPUT/<model>.md, OUTPUT/SHA256SUMS and OUTPUT/index.json;
    nothing else. In a checkout the default OUTPUT is the folder the wheel ships as
    deepmotif_arch.releases (an editable install sees the new release at once, the
    next wheel ships it); elsewhere, point DEEPMOTIF_RELEASES at OUTPUT to load from it.
    Test metrics never take part in choosing the trial.
    """
    from rich.table import Table

    with user_errors():
        from deepmotif_arch.paper.release import release_checkpoints

        entries = release_checkpoints(results, runs=runs, out=output, models=models)
    table = Table(title=f"Released to {output}/")
    for col in ("Model", "Trial", "AU-ROC", "Relevant (conv1)", "SHA-256"):
        table.add_column(col)
    for e in entries:
        metrics = e.get("metrics") or {}
        relevant = ((metrics.get("layers") or {}).get("conv1") or {}).get("fraction_relevant")
        auroc = metrics.get("auroc_mean")
        table.add_row(
            e["label"], f"{e['trial']} of {len(e.get('trials_finished') or [])}",
            "–" if auroc is None else f"{auroc:.3f}",
            "–" if relevant is None else f"{relevant:.2f}", e["sha256"][:12])
    console.print(table)
    console.print(f"Wrote {len(entries)} checkpoint(s), their model cards, "
                  f"{output / 'SHA256SUMS'} and {output / 'index.json'}.")


def check_release(
    release_dir: Annotated[Path, typer.Option(
        "--release", help="Release folder with index.json.")] = Path("releases/koo_synthetic"),
    config: Annotated[str, typer.Option(
        "--config", help="Data set config to evaluate on (default independent: a second "
        "draw of the paper's set, seed 1).")] = "independent",
    split: Annotated[str, typer.Option("--split", help="train, validation or test.")] = "test",
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="TFDS data folder.")]
    = None,
    models: Annotated[list[str] | None, typer.Option(
        "--models", "-m", help="Released models to check (repeat; default all).")] = None,
) -> None:
    """Evaluate the released checkpoints on sequences none of them has seen.

    Checks each file's SHA-256, opens it with keras.models.load_model and reports its
    AU-ROC and AU-PR on SPLIT of the data set under CONFIG beside the values recorded
    at release; writes RELEASE/<config>-<split>.json and .md.
    """
    from rich.table import Table

    with user_errors():
        import_keras()
        from deepmotif_arch.paper.release import check_release as run_check

        rows = run_check(release_dir, config=config, split=split, data_dir=data_dir,
                         models=models)
    table = Table(title=f"Released checkpoints on koo_synthetic/{config} {split}")
    for col in ("Model", "AU-ROC at release", "AU-ROC here", "Difference"):
        table.add_column(col, justify="left" if col == "Model" else "right")
    for r in rows:
        released = r["released_auroc"]
        table.add_row(r["label"], "–" if released is None else f"{released:.3f}",
                      f"{r['auroc']:.3f}",
                      "–" if r["auroc_diff"] is None else f"{r['auroc_diff']:+.3f}")
    console.print(table)
    console.print(f"Wrote {release_dir / f'{config}-{split}.md'} and .json.")
