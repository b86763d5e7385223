"""The first-layer activation as an experiment (Koo & Ploenzke 2021, on Koo & Eddy's data).

Koo & Ploenzke (2021, Nat Mach Intell 3:258) found that an exponential activation in the
first convolutional layer makes CNNs that otherwise learn partial motifs (CNN-2, a deep CNN)
learn whole ones. ``deepmotif experiment activations`` asks that of the zoo with the Table 1
runner (:mod:`deepmotif_arch.paper.experiment`): every (model, activation, trial) is one
job, trained with the same protocol as Table 1 (``--flavor released``: Adam 1e-3,
BatchNorm before each activation, early stopping on the validation loss with patience
20), its checkpoint kept and its filters read out and matched with every interpretation preset::

    results/activations/<model>-<activation>/trial-<N>/   result.json, model.keras, conv1/
    results/activations/summary.md, summary.csv            match fractions per cell
    results/activations/activations.png                    the figure

A job's model is the zoo name of the variant (``cnn-2`` for ReLU, ``cnn-2-exp``,
``cnn-2-sigmoid``, ...; :func:`deepmotif_arch.zoo.architectures.get_spec` with ``activation=``).
The summary puts each cell's match fractions (mean and sd over trials) beside the values
read off Koo & Ploenzke's published boxplots (:data:`KP21_SYNTHETIC`, medians of 10 trials;
section 5 of ``tests/data/reference/EXP_ACTIVATIONS_FACTS.md`` in the repository). Their
"match fraction" is the share of filters with a Tomtom hit among the ground-truth TFs'
JASPAR IDs, our "relevant".

Where this differs from their runs (their code, as far as the facts file shows it): 25,000
sequences with 1-nt buffers (Koo & Eddy's set) instead of their 30,000 without; the
authors' Koo & Eddy read-out (19-nt weighted windows) by default, where theirs cut 20-nt
unweighted windows (the summary also gives every cell read out their way, the ``kp21``
preset, :func:`read_out_as_theirs`); best-validation-loss weights, where they kept the
last epoch; 3 trials, not 10; Koo & Eddy's widths for ``cnn-2``/``cnn-50``
(``kp-cnn-2``/``kp-cnn-50`` have theirs).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from deepmotif_arch.base.errors import DeepMotifError
from deepmotif_arch.base.io import atomic_write_text
from deepmotif_arch.base.text import mean_sd
from deepmotif_arch.interpretation.presets import PRESETS
from deepmotif_arch.paper.experiment import (
    ABLATION_FILE,
    ExperimentError,
    Job,
    SweepSettings,
    load_results,
    mean_and_sd,
    output_folder,
    run_sweep,
    score_ablation,
)
from deepmotif_arch.paper.records import TrialResult

__all__ = ["ACTIVATIONS", "DEFAULT_MODELS", "KP21_EXCLUDED_TARGETS", "KP21_SYNTHETIC",
           "THEIR_READOUT", "plan", "run", "read_out_as_theirs", "summarize",
           "jaspar_fraction_without", "write_summary", "figure"]

#: The activations Koo & Ploenzke compared (Keras's names), ReLU first.
ACTIVATIONS: tuple[str, ...] = ("relu", "exponential", "sigmoid", "tanh", "softplus", "linear",
                                "elu")
#: The architectures of their synthetic experiment, at Koo & Eddy's widths where both exist.
DEFAULT_MODELS: tuple[str, ...] = ("cnn-2", "cnn-50", "cnn-deep")
#: Koo & Ploenzke's "match JASPAR" leaves out filters whose only Tomtom hits are Gmeb1
#: (MA0615.1), a low-information JASPAR motif that near-uniform filters match under the
#: Euclidean distance; their database has it removed (EXP_ACTIVATIONS_FACTS sections 4, 6).
KP21_EXCLUDED_TARGETS: tuple[str, ...] = PRESETS["kp21"].exclude
#: The interpretation preset of Koo & Ploenzke's own read-out and database
#: (:data:`deepmotif_arch.interpretation.presets.PRESETS`), scored for every finished trial
#: beside the default (Koo & Eddy's authors' read-out) and cached in its ``ablation.json``.
THEIR_READOUT = "kp21"
#: Models the runner accepts as bases.
BASE_MODELS: tuple[str, ...] = ("cnn-2", "cnn-50", "cnn-deep", "kp-cnn-2", "kp-cnn-50",
                                "cnn-25", "cnn-4", "cnn-10")

#: Koo & Ploenzke's synthetic match fractions (medians read off their Fig. 1c boxplots of
#: 10 trials, 32 first-layer filters; EXP_ACTIVATIONS_FACTS.md section 5). Their CNN-2 and
#: CNN-50 are our kp-cnn-2 and kp-cnn-50 (32/124 filters); the values are shown beside both
#: widths.
KP21_SYNTHETIC: dict[tuple[str, str], float] = {
    **{("cnn-2", a): v for a, v in zip(ACTIVATIONS, (0.01, 0.94, 0.0, 0.0, 0.05, 0.0, 0.0))},
    **{("cnn-50", a): v for a, v in zip(ACTIVATIONS, (0.75, 0.84, 0.06, 0.28, 0.72, 0.81, 0.75))},
    **{("cnn-deep", a): v for a, v in zip(ACTIVATIONS, (0.0, 0.91, 0.0, 0.0, 0.02, 0.0, 0.0))},
}


def _kp21(base: str, activation: str) -> float | None:
    key = base[len("kp-"):] if base.startswith("kp-") else base
    return KP21_SYNTHETIC.get((key, activation))


def variant_name(base: str, activation: str) -> str:
    """The zoo name of ``base`` with ``activation`` in its first layer."""
    from deepmotif_arch.zoo.architectures import get_spec

    return get_spec(base, activation=activation).name


def _check(items: Sequence[str] | None, allowed: Sequence[str], what: str,
           default: Sequence[str]) -> list[str]:
    if not items:
        return list(default)
    out = []
    for item in items:
        key = str(item).strip().lower()
        if key == "exp":
            key = "exponential"
        if key not in allowed:
            raise ExperimentError(f"{what} {item!r} is not part of this experiment; use one of "
                                  f"{', '.join(allowed)}.")
        if key not in out:
            out.append(key)
    return out


def plan(models: Sequence[str] | None = None, activations: Sequence[str] | None = None,
         trials: int = 3) -> list[tuple[Job, str, str]]:
    """Every (job, base model, activation), trial-major so a partial run covers every cell."""
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ExperimentError(f"trials is {trials!r}; it must be a positive integer such as 3.")
    bases = _check(models, BASE_MODELS, "model", DEFAULT_MODELS)
    acts = _check(activations, ACTIVATIONS, "activation", ACTIVATIONS)
    return [(Job(variant_name(b, a), t), b, a) for t in range(trials) for b in bases
            for a in acts]


def run(models=None, activations=None, trials: int = 3, *, results="results/activations",
        runs="runs/activations", backend: str = "auto", data_dir: str | None = None,
        config: str | None = None, epochs: int = 100, patience: int = 20,
        on_done: Callable | None = None, on_start: Callable | None = None) -> dict:
    """Run the jobs of :func:`plan` not yet done (one process each); see
    :func:`deepmotif_arch.paper.experiment.run_sweep`."""
    jobs = [job for job, _, _ in plan(models, activations, trials)]
    settings = SweepSettings(results=results, runs=runs, backend=backend, flavor="released",
                             data_dir=data_dir, config=config, epochs=epochs,
                             patience=patience)
    return run_sweep(jobs, settings, on_done=on_done, on_start=on_start)


def read_out_as_theirs(results: str | os.PathLike = "results/activations", *,
                       data_dir: str | None = None,
                       on_done: Callable[[Job, str], None] | None = None) -> None:
    """Score every finished trial with Koo & Ploenzke's read-out (:data:`THEIR_READOUT`)
    into its ``ablation.json``; trials already scored cost nothing."""
    score_ablation(results, names=(THEIR_READOUT,), data_dir=data_dir, on_done=on_done)


def _their_readout(folder: Path) -> dict:
    """conv1's fractions under :data:`THEIR_READOUT` from a trial's ablation.json, or {}."""
    path = folder / ABLATION_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())["layers"][THEIR_READOUT]["conv1"]
    except (ValueError, KeyError, TypeError):
        return {}


def summarize(results: str | os.PathLike = "results/activations",
              models: Sequence[str] | None = None,
              activations: Sequence[str] | None = None) -> list[dict]:
    """One row per (model, activation) with finished trials: mean and sd over trials of the
    relevant and JASPAR match fractions and the test AU-ROC, beside Koo & Ploenzke's."""
    by_name: dict[str, list[TrialResult]] = {}
    for r in load_results(results):
        by_name.setdefault(r.model, []).append(r)
    rows = []
    for base in _check(models, BASE_MODELS, "model", BASE_MODELS):
        for act in _check(activations, ACTIVATIONS, "activation", ACTIVATIONS):
            trials = sorted(by_name.get(variant_name(base, act), []), key=lambda r: r.trial)
            if not trials:
                continue
            conv1 = [t.layer("conv1") for t in trials]
            row = {"model": base, "activation": act, "name": variant_name(base, act),
                   "trials": len(trials), "kp21_relevant": _kp21(base, act)}
            folders = [Job(t.model, t.trial).result_dir(results) for t in trials]
            theirs = [_their_readout(f) for f in folders]
            for key, values in (
                    ("relevant", [c.get("fraction_relevant") for c in conv1]),
                    ("relevant_their_readout", [c.get("fraction_relevant") for c in theirs]),
                    ("jaspar", [c.get("fraction_jaspar") for c in conv1]),
                    ("jaspar_kp21", [jaspar_fraction_without(f / "conv1" / "matches.json")
                                     for f in folders]),
                    ("jaspar_their_readout", [c.get("fraction_jaspar") for c in theirs]),
                    ("auroc", [t.test["auroc_mean"] for t in trials])):
                row[key], row[f"{key}_sd"] = mean_and_sd(values)
                row[f"{key}_values"] = [v for v in values if v is not None]
            rows.append(row)
    return rows


def jaspar_fraction_without(matches: str | os.PathLike,
                            excluded: Sequence[str] = KP21_EXCLUDED_TARGETS) -> float | None:
    """Share of a layer's filters with a Tomtom hit other than ``excluded`` (JASPAR IDs), from
    its ``matches.json``: Koo & Ploenzke's "match JASPAR". None when the file is missing."""
    path = Path(matches)
    if not path.is_file():
        return None
    try:
        filters = json.loads(path.read_text())["filters"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ExperimentError(f"{path} is not a matches.json written by deepmotif-arch "
                              f"({exc}); rerun `deepmotif experiment reinterpret` for "
                              "it.") from None
    if not filters:
        return None
    hit = sum(any(h["target_id"] not in excluded for h in f.get("hits") or []) for f in filters)
    return hit / len(filters)


_COLUMNS = ("model", "activation", "name", "trials", "relevant", "relevant_sd",
            "relevant_their_readout", "relevant_their_readout_sd", "kp21_relevant", "jaspar",
            "jaspar_sd", "jaspar_kp21", "jaspar_kp21_sd", "jaspar_their_readout",
            "jaspar_their_readout_sd", "auroc", "auroc_sd")


def _f(value, digits=3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def to_markdown(rows: Sequence[dict]) -> str:
    lines = ["| Model | First-layer activation | Trials | Relevant match | Relevant, their "
             "read-out | Koo & Ploenzke | JASPAR match | JASPAR, Gmeb1 apart | AU-ROC |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        theirs = mean_sd(r.get("relevant_their_readout"), r.get("relevant_their_readout_sd"),
                         missing="–")
        lines.append(
            f"| {r['model']} | {r['activation']} | {r['trials']} "
            f"| {mean_sd(r['relevant'], r['relevant_sd'], missing='')} | {theirs} "
            f"| {'≈ ' + _f(r['kp21_relevant'], 2) if r['kp21_relevant'] is not None else '–'} "
            f"| {mean_sd(r['jaspar'], r['jaspar_sd'], missing='')} "
            f"| {mean_sd(r.get('jaspar_kp21'), r.get('jaspar_kp21_sd'), missing='')} "
            f"| {mean_sd(r['auroc'], r['auroc_sd'], missing='')} |")
    return ("\n".join(lines) + "\n\nOurs: mean ± sd over trials (population sd), the authors' "
            "Koo & Eddy read-out and Tomtom settings (`authors` preset). Koo & Ploenzke: medians "
            "read off their Fig. 1c boxplots (10 trials, 32 filters, their own data draw and "
            "20-nt read-out); kp-cnn-2/kp-cnn-50 have their widths, cnn-2/cnn-50 Koo & Eddy's. "
            "Relevant, their read-out: the same checkpoints read out and matched as Koo & "
            "Ploenzke's code does (`kp21` preset: 20-nt windows counted once, off-end windows "
            "dropped, JASPAR without Gmeb1). "
            "JASPAR, Gmeb1 apart: filters with a hit other than Gmeb1 (MA0615.1), Koo & "
            "Ploenzke's \"match JASPAR\"; near-uniform filters match Gmeb1 and nothing else.\n")


def write_summary(rows: Sequence[dict], folder) -> list[Path]:
    """``summary.md``, ``summary.csv`` and ``activations.png`` in ``folder``."""
    if not rows:
        raise ExperimentError(f"{folder} holds no finished activation trials yet; run "
                              "`deepmotif experiment activations` first.")
    folder = output_folder(folder)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for r in rows:
        writer.writerow([_f(r.get(c), 4) if isinstance(r.get(c), float) else
                         ("" if r.get(c) is None else r.get(c)) for c in _COLUMNS])
    from deepmotif_arch.interpretation.logos import save_figure

    return [atomic_write_text(folder / "summary.md", to_markdown(rows)),
            atomic_write_text(folder / "summary.csv", buf.getvalue()),
            save_figure(figure(rows), folder / "activations.png")]


def figure(rows: Sequence[dict]):
    """Relevant match fraction by first-layer activation, one panel per model: every trial
    as a dot, the mean as a bar, Koo & Ploenzke's median as a red line."""
    from matplotlib.figure import Figure

    from deepmotif_arch.paper.figures import attach_agg

    models = list(dict.fromkeys(r["model"] for r in rows))
    fig = Figure(figsize=(3.4 * len(models) + 0.6, 4.0), layout="constrained")
    attach_agg(fig)
    axes = fig.subplots(1, len(models), sharey=True, squeeze=False)[0]
    for ax, model in zip(axes, models):
        mine = [r for r in rows if r["model"] == model]
        xs = range(len(mine))
        ax.bar(xs, [r["relevant"] or 0 for r in mine], color="#a6dba0", width=0.6,
               label="ours, mean")
        for x, r in zip(xs, mine):
            ax.plot([x] * len(r["relevant_values"]), r["relevant_values"], "o", color="#1b7837",
                    markersize=3.5, zorder=4, label="ours, each trial" if x == 0 else None)
            if r["kp21_relevant"] is not None:
                ax.hlines(r["kp21_relevant"], x - 0.3, x + 0.3, color="#d6604d", linewidth=2,
                          zorder=3, label="Koo & Ploenzke (median)" if x == 0 else None)
        ax.set_xticks(list(xs), [r["activation"][:4] for r in mine], rotation=45)
        ax.set_title(model)
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("filters matching a planted motif")
    # below the panels, so it never hides a bar or a published median
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3,
               fontsize=7, frameon=False)
    return fig


def check_results_folder(results) -> None:
    if not Path(results).is_dir():
        raise DeepMotifError(f"{results} does not exist; run `deepmotif experiment "
                             "activations` first or give the folder with --results.")
