"""Figures of the Table 1 sweep: the pool-size argument and the paper's Fig 2 logos.

``deepmotif experiment figures`` (:func:`write_figures`) reads the result files of
``deepmotif experiment table1`` (see :mod:`deepmotif_arch.paper.experiment`) and draws

``figures/pool_size.png``
    :func:`pool_size_figure`: the paper's argument in one picture. For CNN-1 ...
    CNN-100, which differ only in the first layer's max-pool size, (a) the share of
    first-layer filters that match a ground-truth motif and JASPAR and (b) the test
    AU-ROC, ours (mean +- sd over trials) beside the paper's Table 1.
``figures/fig2_logos.png``
    :func:`fig2_figure`: the first-layer filters of CNN-2, CNN-4 and CNN-25 side by
    side, as in the paper's Fig 2, each logo titled with its best match.
``figures/logos_<model>.png``
    :func:`filter_logo_grid`: the same grid for each of those models on its own.

Logos are read back from each trial's ``filters_full.meme`` and ``matches.json``
(no model is loaded) and drawn with :mod:`deepmotif_arch.interpretation.logos`. Figures are drawn on
Matplotlib's Agg canvas without touching pyplot, and saved with
:func:`deepmotif_arch.interpretation.logos.save_figure` (atomically, without dates in the file), so
the same result files always give byte-identical images.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deepmotif_arch.paper.experiment import (
    ExperimentError,
    choose_trial,
    load_results,
    summarize,
)
from deepmotif_arch.paper.records import TrialResult, as_record
from deepmotif_arch.zoo.architectures import get_spec

__all__ = ["POOL_MODELS", "FIG2_MODELS", "pool_size_figure", "filter_logo_grid",
           "fig2_figure", "write_figures"]

#: The models that differ only in the first layer's max-pool size (Table 1's first rows).
POOL_MODELS: tuple[str, ...] = ("cnn-1", "cnn-2", "cnn-4", "cnn-10", "cnn-25", "cnn-50",
                                "cnn-100")

#: The models whose first-layer filters the paper's Fig 2 shows side by side.
FIG2_MODELS: tuple[str, ...] = ("cnn-2", "cnn-4", "cnn-25")

_RELEVANT_COLOR = "#1b7837"
_JASPAR_COLOR = "#2166ac"
_AUROC_COLOR = "#762a83"
_LOGO_COLUMNS = 3  # per model in Fig 2


def attach_agg(fig):
    """Attach Matplotlib's Agg canvas to ``fig`` (never pyplot) and return it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    return fig


def _first_pool(model: str) -> int:
    """Max-pool size after the first convolution of a zoo model (25 for CNN-25)."""
    return int(get_spec(model).blocks[0].pool)


# --------------------------------------------------------------------------- pool size


def _pool_rows(rows: Sequence[dict]) -> list[dict]:
    """The conv1 rows of :data:`POOL_MODELS` with a value, in pool-size order."""
    chosen = [r for r in rows if r.get("layer") == "conv1" and r.get("model") in POOL_MODELS]
    return sorted(chosen, key=lambda r: POOL_MODELS.index(r["model"]))


def _plot_metric(ax, rows: Sequence[dict], pools: Sequence[int], metric: str, *, color: str,
                 marker: str, shift: float, paper_shift: float) -> None:
    """Ours (filled, solid line) and the paper's (hollow, dotted) values of one metric."""
    for source, offset in (("ours", shift), ("paper", paper_shift)):
        key = metric if source == "ours" else f"paper_{metric}"
        xs, ys, sds = [], [], []
        for row, pool in zip(rows, pools):
            mean = row.get(key)
            if mean is None or (isinstance(mean, float) and math.isnan(mean)):
                continue
            xs.append(pool * offset)
            ys.append(mean)
            sds.append(row.get(f"{key}_sd") or 0.0)
        if not xs:
            continue
        hollow = source == "paper"
        ax.errorbar(xs, ys, yerr=sds, color=color, marker=marker, markersize=6,
                    markerfacecolor="white" if hollow else color, markeredgecolor=color,
                    linestyle=":" if hollow else "-", linewidth=0.9 if hollow else 1.4,
                    capsize=2.5, elinewidth=0.9, zorder=2 if hollow else 3)


def _pool_axis(ax, pools: Sequence[int], rows: Sequence[dict]) -> None:
    from matplotlib.ticker import FixedLocator, NullLocator

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(list(pools)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{p}\nn={r['trials']}" for p, r in zip(pools, rows)], fontsize=8)
    ax.set_xlim(min(pools) / 1.6, max(pools) * 1.6)
    ax.set_xlabel("max-pool size after the first layer (CNN-<size>); n = trials", fontsize=9)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", labelsize=8)


def pool_size_figure(rows: Sequence[dict]):
    """First-layer pool size against motif representation and AU-ROC, ours and the paper's.

    Parameters
    ----------
    rows : sequence of dict
        What :func:`deepmotif_arch.paper.experiment.summarize` returns. Only the ``conv1``
        rows of CNN-1, CNN-2, CNN-4, CNN-10, CNN-25, CNN-50 and CNN-100 are used;
        models without results are left out.

    Returns
    -------
    matplotlib.figure.Figure
        Panel (a): share of first-layer filters matching a relevant (ground-truth)
        motif and matching any JASPAR motif; panel (b): test AU-ROC. Filled markers
        and solid lines are ours (mean +- sd over trials, the trial count under each
        tick); hollow markers and dotted lines are the paper's Table 1 (mean +- sd over
        5 trials; its caption says the AU-ROC error is across classes, but the released
        table script computes it over trials).

    Raises
    ------
    ExperimentError
        When none of those seven models has a result.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    chosen = _pool_rows(rows)
    if not chosen:
        raise ExperimentError("there are no results for CNN-1, CNN-2, CNN-4, CNN-10, CNN-25, "
                              "CNN-50 or CNN-100 to draw; run `deepmotif experiment table1 "
                              "-m cnn-25` (or more models) first.")
    pools = [_first_pool(r["model"]) for r in chosen]
    fig = attach_agg(Figure(figsize=(10.5, 4.4), layout="constrained"))
    ax_a, ax_b = fig.subplots(1, 2)

    _plot_metric(ax_a, chosen, pools, "relevant", color=_RELEVANT_COLOR, marker="o",
                 shift=0.84, paper_shift=0.92)
    _plot_metric(ax_a, chosen, pools, "jaspar", color=_JASPAR_COLOR, marker="s",
                 shift=1.08, paper_shift=1.18)
    _pool_axis(ax_a, pools, chosen)
    ax_a.set_ylim(-0.04, 1.04)
    ax_a.set_ylabel("fraction of first-layer filters", fontsize=9)
    ax_a.set_title("(a) first-layer filters that match a motif", fontsize=10, loc="left")

    _plot_metric(ax_b, chosen, pools, "auroc", color=_AUROC_COLOR, marker="D", shift=0.92,
                 paper_shift=1.09)
    _pool_axis(ax_b, pools, chosen)
    ax_b.set_ylabel("test AU-ROC (mean over 12 classes)", fontsize=9)
    ax_b.set_title("(b) classification performance", fontsize=10, loc="left")

    def handle(color, marker, hollow, label):
        return Line2D([], [], color=color, marker=marker, markersize=6,
                      markerfacecolor="white" if hollow else color,
                      linestyle=":" if hollow else "-", label=label)

    ax_a.legend(handles=[
        handle(_RELEVANT_COLOR, "o", False, "relevant motif, ours"),
        handle(_RELEVANT_COLOR, "o", True, "relevant motif, paper"),
        handle(_JASPAR_COLOR, "s", False, "any JASPAR motif, ours"),
        handle(_JASPAR_COLOR, "s", True, "any JASPAR motif, paper"),
    ], fontsize=7.5, loc="best", frameon=False)
    ax_b.legend(handles=[
        handle(_AUROC_COLOR, "D", False, "ours (± sd over trials)"),
        handle(_AUROC_COLOR, "D", True, "paper (± sd over 5 trials)"),
    ], fontsize=7.5, loc="best", frameon=False)
    fig.suptitle("Synthetic data: first-layer max-pool size against what first-layer "
                 "filters learn; ours beside Koo & Eddy (2019), Table 1", fontsize=10.5)
    return fig


# --------------------------------------------------------------------------- logos


@dataclass(frozen=True)
class _StoredFilters:
    """What :func:`deepmotif_arch.interpretation.logos.filter_titles` reads of a layer's filters,
    rebuilt from ``matches.json`` (a stand-in for
    :class:`~deepmotif_arch.interpretation.filters.FilterPWMs`)."""

    sites: np.ndarray
    reasons: tuple[str | None, ...]

    @property
    def num_filters(self) -> int:
        return len(self.reasons)

    def silent_reason(self, index: int) -> str | None:
        return self.reasons[index]


@dataclass(frozen=True)
class _StoredLayer:
    """One trial's layer read back from its result folder."""

    model: str
    label: str
    trial: int | None
    layer: str
    matrices: list
    titles: list[str]
    colors: list[str]
    notes: list[str]
    num_jaspar: int
    num_relevant: int

    @property
    def num_filters(self) -> int:
        return len(self.matrices)

    @property
    def heading(self) -> str:
        trial = f" trial {self.trial}" if self.trial is not None else ""
        return (f"{self.label}{trial}, {self.layer}: {self.num_jaspar}/{self.num_filters} "
                f"filters match JASPAR, {self.num_relevant} a relevant motif")


def _read_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise ExperimentError(f"{path} does not exist; {what}")
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ExperimentError(f"{path} is not a readable JSON file ({exc}).") from None


def _load_layer(result_dir: Path, layer: str) -> _StoredLayer:
    """Matrices, titles and match counts of one trial's layer, from its result folder."""
    from deepmotif_arch.base.errors import ResultFileError
    from deepmotif_arch.interpretation.logos import filter_titles
    from deepmotif_arch.interpretation.motif_stats import MatchReport
    from deepmotif_arch.motifs.meme import read_meme

    result_dir = Path(result_dir)
    folder = result_dir / layer
    if not folder.is_dir():
        raise ExperimentError(f"{folder} does not exist; give a trial folder of `deepmotif "
                              f"experiment table1` (results/table1/<model>/trial-<N>) and a "
                              "layer it interpreted.")
    matches_path = folder / "matches.json"
    data = _read_json(matches_path, "the job did not finish matching this layer; rerun it.")
    try:
        report = MatchReport.from_dict(data, matches_path)
    except ResultFileError as exc:
        raise ExperimentError(str(exc)) from None
    stored = _StoredFilters(sites=np.array([f.sites for f in report.filters], dtype=np.int64),
                            reasons=tuple(f.silent_reason for f in report.filters))
    active = [f.index for f in report.filters if not f.silent]
    motifs: dict[str, np.ndarray] = {}
    full, queries = folder / "filters_full.meme", folder / "filters.meme"
    if full.is_file():
        motifs = {m.id: m.matrix for m in read_meme(full)}
    elif queries.is_file() and not report.settings.get("clip", True):
        motifs = {m.id: m.matrix for m in read_meme(queries)}  # queries were not clipped
    elif active:
        raise ExperimentError(f"{full} does not exist; the job did not finish writing this "
                              "layer's filters; rerun it.")
    matrices = []
    for f in report.filters:
        if f.silent:
            matrices.append(None)
        elif f.id in motifs:
            matrices.append(motifs[f.id])
        else:
            raise ExperimentError(f"{full} has no matrix for {f.id}, which matches.json lists "
                                  "as active; rerun the job to rewrite both files.")
    titles, colors, notes = filter_titles(stored, report)
    # A sweep's trial folder has a result.json (read strictly, as every reader does); a
    # folder written by `deepmotif interpret` has only the layer's files.
    result_path = result_dir / "result.json"
    if result_path.is_file():
        try:
            record = TrialResult.from_dict(_read_json(result_path, ""), result_path)
        except ResultFileError as exc:
            raise ExperimentError(str(exc)) from None
        model, label, trial = record.model, record.label or record.model, record.trial
    else:
        model = data.get("model") or result_dir.parent.name
        label, trial = model, data.get("trial")
    return _StoredLayer(model=model, label=label,
                        trial=None if trial is None else int(trial), layer=layer,
                        matrices=matrices, titles=titles, colors=colors, notes=notes,
                        num_jaspar=sum(bool(f.hits) for f in report.filters),
                        num_relevant=sum(bool(f.relevant_tfs) for f in report.filters))


def filter_logo_grid(result_dir: str | os.PathLike, layer: str = "conv1"):
    """Logo grid of one trial's filters, each titled with its best match.

    Parameters
    ----------
    result_dir : path
        A trial folder of the sweep, ``results/table1/<model>/trial-<N>``.
    layer : str, default "conv1"
        A layer the sweep interpreted (its sub-folder holds ``filters_full.meme``
        and ``matches.json``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per filter (silent filters as empty panels), titled as
        :func:`deepmotif_arch.interpretation.logos.filter_titles` does: the ground-truth TF's
        JASPAR name and ID in green when a relevant motif matched, else the best
        JASPAR match, else "no match".

    Raises
    ------
    ExperimentError
        When the folder lacks the layer's files or they disagree.
    """
    from deepmotif_arch.interpretation.logos import logo_grid

    stored = _load_layer(Path(result_dir), layer)
    if not stored.num_filters:
        raise ExperimentError(f"{Path(result_dir) / layer / 'matches.json'} lists no filters.")
    return attach_agg(logo_grid(stored.matrices, stored.titles, colors=stored.colors,
                          notes=stored.notes, suptitle=stored.heading))


def _choose_trials(results: Sequence[TrialResult | dict], root: Path, models: Sequence[str],
                   trial: int | None) -> list[tuple[str, Path]]:
    """Per model with a finished trial: the trial folder to draw (``trial``, or the
    one :func:`~deepmotif_arch.paper.experiment.choose_trial` picks). Models without
    one are left out."""
    chosen = []
    for model in models:
        mine = [r for r in map(as_record, results) if r.model == model]
        if trial is not None:
            mine = [r for r in mine if r.trial == int(trial)]
        if not mine:
            continue
        try:
            best = mine[0] if trial is not None else choose_trial(mine)
        except ExperimentError:  # no trial with a finite validation loss
            continue
        chosen.append((model, root / model / f"trial-{best.trial}"))
    return chosen


def _no_trials(models: Sequence[str], trial: int | None, root: Path) -> ExperimentError:
    which = f"a finished trial {trial}" if trial is not None else "a finished trial"
    return ExperimentError(f"none of {', '.join(models)} has {which} in {root}; run "
                           f"`deepmotif experiment table1 -m {models[-1]}` first.")


def _fig2(layers: Sequence[_StoredLayer], ncols: int = _LOGO_COLUMNS):
    """One figure with a column of logos per model (the paper's Fig 2 layout)."""
    from matplotlib.figure import Figure

    from deepmotif_arch.interpretation.logos import draw_logo

    nrows = max(math.ceil(s.num_filters / ncols) for s in layers)
    width = max((np.asarray(m).shape[0] for s in layers for m in s.matrices if m is not None),
                default=1)
    panel_w = max(2.4, 0.14 * width + 0.6)
    fig = attach_agg(Figure(figsize=(panel_w * ncols * len(layers) + 0.3 * (len(layers) - 1),
                               1.15 * nrows + 0.8), layout="constrained"))
    subfigs = np.atleast_1d(fig.subfigures(1, len(layers), wspace=0.02))
    for sub, stored in zip(subfigs, layers):
        axes = sub.subplots(nrows, ncols, squeeze=False).ravel()
        for k, ax in enumerate(axes):
            if k >= stored.num_filters:
                ax.set_visible(False)
            elif stored.matrices[k] is None:  # silent: its title and why, no logo
                ax.axis("off")
                ax.set_title(stored.titles[k], fontsize=7.5, color=stored.colors[k],
                             loc="left", pad=2)
                ax.text(0.5, 0.45, stored.notes[k], ha="center", va="center", fontsize=6.5,
                        color=stored.colors[k], transform=ax.transAxes, wrap=True)
            else:
                draw_logo(ax, stored.matrices[k], title=stored.titles[k],
                          title_color=stored.colors[k], width=width,
                          ylabel=(k % ncols == 0), fontsize=7.5)
        sub.suptitle(stored.heading, fontsize=9)
    fig.suptitle("First-layer filters (Koo & Eddy 2019, Fig 2): green titles match a "
                 "ground-truth motif", fontsize=10.5)
    return fig


def fig2_figure(results_root: str | os.PathLike = "results/table1",
                models: Sequence[str] = FIG2_MODELS, trial: int | None = None):
    """The paper's Fig 2: first-layer logos of CNN-2, CNN-4 and CNN-25 side by side.

    Parameters
    ----------
    results_root : path, default "results/table1"
        The sweep's result folder.
    models : sequence of str, default ("cnn-2", "cnn-4", "cnn-25")
        Canonical zoo names, one column of logos each, left to right. Models without
        a finished trial are left out.
    trial : int, optional
        The trial to draw for every model. By default, per model, the finished trial
        with the lowest validation loss (``training.best_val_loss``; test metrics
        play no part in the choice).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ExperimentError
        When none of ``models`` has a finished trial (of number ``trial``).
    """
    root = Path(results_root)
    return _fig2([_load_layer(path, "conv1") for _, path in
                  _require_trials(load_results(root), root, models, trial)])


def _require_trials(results, root: Path, models: Sequence[str], trial: int | None):
    chosen = _choose_trials(results, root, list(models), trial)
    if not chosen:
        raise _no_trials(list(models), trial, root)
    return chosen


def write_figures(results_root: str | os.PathLike = "results/table1",
                  out: str | os.PathLike | None = None) -> list[Path]:
    """Draw every figure of the sweep into ``<out or results_root>/figures/``.

    Writes ``pool_size.png`` (:func:`pool_size_figure`), ``fig2_logos.png``
    (:func:`fig2_figure`, lowest-validation-loss trials) and ``logos_<model>.png``
    (:func:`filter_logo_grid`) for each model of Fig 2 that has results. Each file is
    written through a temporary file and a rename, without dates, so rerunning on
    the same results rewrites identical bytes.

    Parameters
    ----------
    results_root : path, default "results/table1"
        The sweep's result folder.
    out : path, optional
        Folder to put ``figures/`` in (default: ``results_root``).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ExperimentError
        When there are no finished results, none for CNN-1 ... CNN-100, or none for
        CNN-2, CNN-4 and CNN-25. Nothing is written then.
    """
    from deepmotif_arch.interpretation.logos import logo_grid, save_figure

    root = Path(results_root)
    results = load_results(root)
    if not results:
        raise ExperimentError(f"{root} holds no finished result files yet; run `deepmotif "
                              "experiment table1` first.")
    pool_fig = pool_size_figure(summarize(results))
    layers = [_load_layer(path, "conv1") for _, path in
              _require_trials(results, root, FIG2_MODELS, None)]
    folder = Path(out if out is not None else root) / "figures"
    written = [save_figure(pool_fig, folder / "pool_size.png"),
               save_figure(_fig2(layers), folder / "fig2_logos.png")]
    for stored in layers:
        grid = attach_agg(logo_grid(stored.matrices, stored.titles, colors=stored.colors,
                              notes=stored.notes, suptitle=stored.heading))
        written.append(save_figure(grid, folder / f"logos_{stored.model}.png"))
    return written
