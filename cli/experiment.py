"""``deepmotif experiment``: the paper's Table 1 sweep, its summary and figures."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ._common import console, err_console, fail, import_keras, user_errors
from .figures import figures as _figures
from .release import check_release as _check_release
from .release import release as _release

app = typer.Typer(help="Reproduce the paper's synthetic experiment (Table 1).",
                  no_args_is_help=True)
app.command("figures")(_figures)
app.command("release")(_release)
app.command("check-release")(_check_release)

Results = Annotated[Path, typer.Option("--results", help="Folder of the result files.")]
Runs = Annotated[Path, typer.Option("--runs", help="Folder of the training runs "
                                    "(checkpoints; resumable).")]
DataDir = Annotated[str | None, typer.Option("--data-dir", help="TFDS data folder.")]
Config = Annotated[str | None, typer.Option("--config", help="koo_synthetic config (default "
                                            "paper, the paper's 25,000 sequences).")]
Flavor = Annotated[str, typer.Option(
    "--flavor", help="'released' (default: the authors' code, which produced Table 1: Adam "
    "1e-3, beta_1 0.95, Glorot-uniform, BatchNorm after the dense layer) or 'paper' (the "
    "paper's text: Adam 3e-4, He-normal).")]
Epochs = Annotated[int, typer.Option("--epochs", help="Most epochs per training.")]
PresetOpt = Annotated[str, typer.Option(
    "--preset", help="Interpretation pipeline whose numbers fill the table: authors (default: "
    "the authors' scripts, which made the paper's numbers), paper-text or v0 (this library's "
    "former choice: Pearson, min overlap 5). Every result records all three.")]
ModelsOpt = Annotated[list[str] | None, typer.Option(
    "--models", "-m", help="Models (repeat the option; default: every row of Table 1; "
    "cnn-50-f60, cnn-50-f90, cnn-50-f120 test the CNN-25 (N) quirk).")]
Patience = Annotated[int, typer.Option("--patience", help="Early-stopping patience.")]


def _check_preset(preset: str) -> None:
    from deepmotif_arch.interpretation.presets import PRESETS

    if preset not in PRESETS:
        raise fail(f"--preset {preset!r} is not known; use one of {', '.join(PRESETS)}.")


def _check_flavor(flavor: str) -> None:
    from deepmotif_arch.zoo.architectures import FLAVORS

    if flavor not in FLAVORS:
        raise fail(f"--flavor {flavor!r} is not known; use one of {', '.join(FLAVORS)}.")


@app.command("table1")
def table1(
    models: ModelsOpt = None,
    trials: Annotated[int, typer.Option("--trials", "-n", help="Trials per model "
                                        "(0..N-1).")] = 5,
    backend: Annotated[str, typer.Option("--backend", help="auto (the fastest per model on "
                                         "CPU), jax, tensorflow or torch.")] = "auto",
    parallel: Annotated[int, typer.Option("--parallel", "-j", help="Trainings at once (each "
                                          "gets an equal share of the cores).")] = 1,
    results: Results = Path("results/table1"),
    runs: Runs = Path("runs/table1"),
    flavor: Flavor = "released",
    data_dir: DataDir = None,
    config: Config = None,
    epochs: Epochs = 100,
    patience: Patience = 20,
    preset: PresetOpt = "authors",
) -> None:
    """Train, evaluate and match every model of Table 1 for N trials; rerun to resume.

    Writes RESULTS/<model>/trial-<N>/result.json, the trained model.keras (kept, so that
    `deepmotif experiment reinterpret` can re-read it without training) and the filters as
    MEME files with their Tomtom matches, as each job finishes; finished jobs are skipped
    and an interrupted training resumes from its last completed epoch.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with user_errors():
        _check_flavor(flavor)
        _check_preset(preset)
        from deepmotif_arch.paper import experiment as ex

        jobs = ex.plan_jobs(models, trials)
        if parallel < 1:
            raise fail(f"--parallel is {parallel}; it must be 1 or more.")
        settings = ex.SweepSettings(results=results, runs=runs, flavor=flavor,
                                    data_dir=data_dir, config=config, epochs=epochs,
                                    patience=patience, preset=preset, backend=backend,
                                    parallel=parallel).validate()
        for job in jobs:
            ex.choose_backend(job.model, backend)
        todo = [j for j in jobs if not j.is_done(results)]
        console.print(f"{len(jobs)} jobs ({len(jobs) - len(todo)} already done), "
                      f"{parallel} at a time; results in {results}/, runs in {runs}/.")
        if not todo:
            return
        from deepmotif_arch.base.locking import lock_folder

        results.mkdir(parents=True, exist_ok=True)
        with lock_folder(results, holder="another `deepmotif experiment table1`",
                         hint="wait for it to finish or give another --results"):
            started: dict = {}
            failures = []
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=False) as progress:
                task = progress.add_task("Table 1", total=len(todo))

                def on_start(job, chosen):
                    started[job] = time.time()
                    progress.console.print(f"start  {job.model} trial {job.trial} ({chosen})")

                def on_done(job, result, error):
                    minutes = (time.time() - started.get(job, time.time())) / 60
                    if result is not None:
                        conv1 = result.layer("conv1")
                        progress.console.print(
                            f"done   {job.model} trial {job.trial}: AU-ROC "
                            f"{result.test['auroc_mean']:.3f}, JASPAR "
                            f"{conv1['fraction_jaspar']:.2f}, relevant "
                            f"{conv1['fraction_relevant']:.2f}, {minutes:.1f} min")
                    else:
                        failures.append((job, error))
                        progress.console.print(f"[red]failed[/] {job.model} trial {job.trial}: "
                                               f"{error}")
                    progress.advance(task)

                try:
                    ex.run_sweep(todo, settings, on_done=on_done, on_start=on_start)
                except KeyboardInterrupt:
                    err_console.print("Interrupted; run the same command again to resume.")
                    raise typer.Exit(130) from None
            if failures:
                raise fail(f"{len(failures)} job(s) failed (first: {failures[0][0].model} trial "
                           f"{failures[0][0].trial}: {failures[0][1]}); see "
                           f"{runs}/<model>/trial-<N>.log.", code=1)


@app.command("activations")
def activations(
    models: Annotated[list[str] | None, typer.Option(
        "--models", "-m", help="Base models (repeat; default cnn-2, cnn-50, cnn-deep; also "
        "kp-cnn-2, kp-cnn-50 at Koo & Ploenzke's widths).")] = None,
    acts: Annotated[list[str] | None, typer.Option(
        "--activations", "-a", help="First-layer activations (repeat; default all of relu, "
        "exponential, sigmoid, tanh, softplus, linear, elu).")] = None,
    trials: Annotated[int, typer.Option("--trials", "-n", help="Trials per cell "
                                        "(0..N-1).")] = 3,
    results: Annotated[Path, typer.Option("--results", help="Folder of the result "
                                          "files.")] = Path("results/activations"),
    runs: Annotated[Path, typer.Option("--runs", help="Folder of the training runs "
                                       "(resumable).")] = Path("runs/activations"),
    backend: Annotated[str, typer.Option("--backend", help="auto (JAX), jax, tensorflow or "
                                         "torch.")] = "auto",
    data_dir: DataDir = None,
    config: Config = None,
    epochs: Epochs = 100,
    patience: Patience = 20,
    summary_only: Annotated[bool, typer.Option(
        "--summary-only", help="Only write the summary and figure of the finished trials.")]
    = False,
) -> None:
    """Koo & Ploenzke's question on the zoo: does an exponential (or another) first-layer
    activation make CNN-2 and a deep CNN learn whole motifs? Rerun to resume.

    Trains every (model, activation, trial) with the Table 1 protocol, keeps its checkpoint
    and matches its first-layer filters (also with Koo & Ploenzke's own read-out, the kp21
    preset, cached in each trial's ablation.json); then writes RESULTS/summary.md, summary.csv and
    activations.png (relevant match fraction by activation, every trial, beside Koo &
    Ploenzke's published medians).
    """
    with user_errors():
        from deepmotif_arch.base.locking import lock_folder
        from deepmotif_arch.paper import activations as act
        from deepmotif_arch.paper import experiment as ex

        planned = act.plan(models, acts, trials)
        if not summary_only:
            todo = [j for j, _, _ in planned if not j.is_done(results)]
            console.print(f"{len(planned)} jobs ({len(planned) - len(todo)} already done); "
                          f"results in {results}/, runs in {runs}/.", highlight=False)
            for job in todo:
                ex.choose_backend(job.model, backend)
            if todo:
                results.mkdir(parents=True, exist_ok=True)
                with lock_folder(results, holder="another `deepmotif experiment activations`",
                                 hint="wait for it to finish or give another --results"), \
                        _progress("Activations", len(todo)) as (progress, task):
                    def on_done(job, result, error):
                        if result is None:
                            progress.console.print(f"failed {job.model} trial {job.trial}: "
                                                   f"{error}", highlight=False)
                        else:
                            conv1 = result.layer("conv1")
                            progress.console.print(
                                f"done   {job.model} trial {job.trial}: AU-ROC "
                                f"{result.test['auroc_mean']:.3f}, relevant "
                                f"{conv1['fraction_relevant']:.2f}", highlight=False)
                        progress.advance(task)

                    status = act.run(models, acts, trials, results=results, runs=runs,
                                     backend=backend, data_dir=data_dir, config=config,
                                     epochs=epochs, patience=patience, on_done=on_done)
                failed = [j for j, s in status.items() if s.startswith("failed")]
                if failed:
                    raise fail(f"{len(failed)} job(s) failed (first: {failed[0].model} trial "
                               f"{failed[0].trial}: {status[failed[0]][len('failed: '):]}); "
                               f"see {runs}/<model>/trial-<N>.log.", code=1)
        act.check_results_folder(results)
        finished = ex.finished_trials(results)
        with _progress("Their read-out", len(finished)) as (progress, task):
            act.read_out_as_theirs(results, data_dir=data_dir,
                                   on_done=lambda job, what: progress.advance(task))
        rows = act.summarize(results)  # every finished cell, whatever this run trained
        paths = act.write_summary(rows, results)
    typer.echo(act.to_markdown(rows))
    console.print("Wrote " + ", ".join(str(p) for p in paths), highlight=False)


@app.command("reinterpret")
def reinterpret(
    models: ModelsOpt = None,
    results: Results = Path("results/table1"),
    preset: PresetOpt = "authors",
    data_dir: DataDir = None,
    force: Annotated[bool, typer.Option("--force", help="Re-read trials already "
                                        "interpreted with these settings too.")] = False,
) -> None:
    """Re-read the kept checkpoints of finished trials with another read-out, no training.

    Rewrites each trial's result.json (training and test metrics kept) and its layer folders
    from RESULTS/<model>/trial-<N>/model.keras; then run `deepmotif experiment summary`.
    """
    with user_errors():
        _check_preset(preset)
        from deepmotif_arch.paper import experiment as ex

        trials = _finished(ex, results, models)
        with _progress("Re-reading", len(trials)) as (progress, task):
            def on_done(job, result, what):
                if result is not None:
                    conv1 = result.layer("conv1")
                    progress.console.print(
                        f"{job.model} trial {job.trial}: JASPAR {conv1['fraction_jaspar']:.3f}, "
                        f"relevant {conv1['fraction_relevant']:.3f}", highlight=False)
                progress.advance(task)

            count = ex.reinterpret(results, models=models, preset=preset, data_dir=data_dir,
                                   force=force, on_done=on_done)
    console.print(f"Re-read {count} of {len(trials)} trials with the {preset} preset "
                  f"({len(trials) - count} already up to date).", highlight=False)


@app.command("ablation")
def ablation(
    models: ModelsOpt = None,
    results: Results = Path("results/table1"),
    data_dir: DataDir = None,
) -> None:
    """Match fractions of every finished trial under each single departure from the
    authors' pipeline (distance, min overlap, window, weighting, edges, nsites, selection).

    Caches each trial's numbers in RESULTS/<model>/trial-<N>/ablation.json and writes
    RESULTS/ablation.md and ablation.csv.
    """
    with user_errors():
        from deepmotif_arch.paper import experiment as ex

        trials = _finished(ex, results, models)
        with _progress("Ablation", len(trials)) as (progress, task):
            def on_done(job, what):
                progress.advance(task)

            rows = ex.run_ablation(results, models=models, data_dir=data_dir,
                                   on_done=on_done)
        paths = ex.write_ablation(rows, results)
    typer.echo(ex.ablation_markdown(rows))
    console.print("Wrote " + ", ".join(str(p) for p in paths), highlight=False)


def _finished(ex, results, models) -> list:
    """The finished trials with kept checkpoints (a usage error when there are none); then
    the framework import."""
    trials = ex.finished_trials(results, models)
    if not trials:
        raise fail(f"{results} holds no finished trial with a kept checkpoint; run "
                   "`deepmotif experiment table1` first.")
    import_keras()
    return trials


class _progress:
    """A rich progress bar with one task (plain when output is not a terminal)."""

    def __init__(self, title: str, total: int):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=console)
        self.title, self.total = title, total

    def __enter__(self):
        self.progress.__enter__()
        return self.progress, self.progress.add_task(self.title, total=self.total)

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)


@app.command("summary")
def summary(
    results: Results = Path("results/table1"),
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Folder for summary.md, summary.csv and weak_classes.md "
        "(default: the results folder).")] = None,
) -> None:
    """Table 1 from the result files: ours (mean ± sd over trials) beside the paper's."""
    from rich.table import Table

    with user_errors():
        from deepmotif_arch.base.text import mean_sd
        from deepmotif_arch.paper import experiment as ex

        records = ex.load_results(results)
        rows = ex.summarize(records)
        if not rows:
            raise fail(f"{results} holds no finished result files yet; run `deepmotif "
                       "experiment table1` first.")
        paths = ex.write_summary(rows, output or results, records)
    if not console.is_terminal:  # piped or redirected: the Markdown, with whole names
        typer.echo(ex.to_markdown(rows, weak=ex.weak_classes(records)), nl=False)
        typer.echo("Wrote " + ", ".join(str(p) for p in paths))
        return
    table = Table(title="Table 1 (synthetic): ours vs the paper")
    for col in ("Model", "Layer", "n", "AU-ROC", "paper", "JASPAR", "paper", "Relevant",
                "paper", "min"):
        table.add_column(col)
    for r in rows:
        style = "yellow" if r["outside"] else None
        table.add_row(
            r["label"], r["layer"], str(r["trials"]),
            mean_sd(r["auroc"], r["auroc_sd"]) if r["layer"] == "conv1" else "–",
            mean_sd(r["paper_auroc"], r["paper_auroc_sd"]) if r["paper_auroc"] else "–",
            mean_sd(r["jaspar"], r["jaspar_sd"]),
            mean_sd(r["paper_jaspar"], r["paper_jaspar_sd"]),
            mean_sd(r["relevant"], r["relevant_sd"]),
            mean_sd(r["paper_relevant"], r["paper_relevant_sd"]),
            f"{r['training_minutes']:.1f}", style=style)
    console.print(table)
    outside = [r for r in rows if r["outside"]]
    if outside:
        console.print("Outside the paper's mean ± 2 sd (yellow): " + "; ".join(
            f"{r['label']} {r['layer']} ({', '.join(r['outside'])})" for r in outside))
    console.print("Wrote " + ", ".join(str(p) for p in paths))
