"""Sequence logos of filters and motifs, drawn with logomaker.

Letter heights follow the paper: position ``i`` is ``I_i = log2(4) + sum_n p_i(n)
log2 p_i(n)`` bits tall (:func:`deepmotif_arch.motifs.meme.information_content`), shared
among the letters in proportion to their probabilities, so a logo is the
probability matrix times its per-position information (:func:`information_matrix`).

Figures are plain :class:`matplotlib.figure.Figure` objects, never registered with
pyplot, so drawing works without a display whatever backend pyplot would pick and
nothing accumulates in pyplot's figure list. :func:`save_figure` writes PNG, PDF or
SVG by the file's suffix, through a temporary file and a rename.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deepmotif_arch.base.errors import DeepMotifError
from deepmotif_arch.base.io import atomic_path
from deepmotif_arch.motifs.meme import ALPHABET, information_content

__all__ = [
    "FORMATS",
    "information_matrix",
    "draw_logo",
    "logo_figure",
    "logo_grid",
    "ground_truth_figure",
    "filter_titles",
    "save_figure",
]

#: Image formats :func:`save_figure` writes (by the path's suffix).
FORMATS = ("png", "pdf", "svg")

_RELEVANT_COLOR = "#1b7837"   # title of a filter that matched a ground-truth TF
_MATCH_COLOR = "#222222"
_NONE_COLOR = "#777777"
_PNG_DPI = 150


def information_matrix(ppm) -> np.ndarray:
    """Letter heights of a logo: ``ppm * IC`` per position, shape (width, 4), in bits."""
    arr = np.asarray(ppm, dtype=np.float64)
    return arr * information_content(arr)[:, None]


def draw_logo(ax, ppm, *, title: str | None = None, title_color: str = _MATCH_COLOR,
              width: int | None = None, ylabel: bool = True, fontsize: float = 8.0) -> None:
    """Draw the information logo of a probability matrix on a Matplotlib axis.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    ppm : array_like, shape (w, 4)
        Columns A, C, G, T; rows summing to 1.
    title : str, optional
    width : int, optional
        Positions the x axis spans (default ``w``): give the widest motif of a
        figure so letters have the same width in every panel.
    ylabel : bool, default True
        Label the y axis in bits (with ticks 0, 1, 2).
    """
    import logomaker
    import pandas as pd

    heights = information_matrix(ppm)
    frame = pd.DataFrame(heights, columns=list(ALPHABET))
    with warnings.catch_warnings():
        # an all-uniform matrix has no height; logomaker warns before the limits are set
        warnings.filterwarnings("ignore", message="Attempting to set identical low and high")
        logomaker.Logo(frame, ax=ax, color_scheme="classic", show_spines=False,
                       baseline_width=0.0)
    span = max(int(width or 0), heights.shape[0])
    ax.set_xlim(-0.5, span - 0.5)
    ax.set_ylim(0, 2)
    ax.set_xticks([])
    if ylabel:
        ax.set_yticks([0, 1, 2])
        ax.tick_params(axis="y", labelsize=fontsize - 1, length=2, pad=1)
        ax.set_ylabel("bits", fontsize=fontsize - 1, labelpad=1)
        ax.spines["left"].set_visible(True)
        ax.spines["left"].set_bounds(0, 2)
    else:
        ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=fontsize, color=title_color, loc="left", pad=2)


def _empty_panel(ax, title: str, note: str, fontsize: float) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=fontsize, color=_NONE_COLOR, loc="left", pad=2)
    ax.text(0.5, 0.45, note, ha="center", va="center", fontsize=fontsize - 1,
            color=_NONE_COLOR, transform=ax.transAxes, wrap=True)


def logo_figure(ppm, title: str | None = None, *, title_color: str = _MATCH_COLOR):
    """One logo in its own figure (about 0.3 inch per position)."""
    from matplotlib.figure import Figure

    w = np.asarray(ppm).shape[0]
    fig = Figure(figsize=(max(2.5, 0.3 * w + 0.8), 1.8), layout="constrained")
    draw_logo(fig.add_subplot(), ppm, title=title, title_color=title_color, fontsize=10)
    return fig


def _columns(n: int) -> int:
    if n <= 4:
        return max(n, 1)
    if n <= 12:
        return 3
    if n <= 60:
        return 5
    return 8


def logo_grid(matrices: Sequence, titles: Sequence[str] | None = None, *,
              colors: Sequence[str] | None = None, notes: Sequence[str] | None = None,
              ncols: int | None = None, suptitle: str | None = None):
    """A grid of logos, one panel per matrix, read left to right, top to bottom.

    Parameters
    ----------
    matrices : sequence of (w, 4) arrays or None
        None draws an empty panel with its title and note (a filter that never
        fired).
    titles, colors, notes : sequences of str, optional
        Per panel: title, title colour, and the text of an empty panel.
    ncols : int, optional
        Default 3 to 8 columns depending on the count (5 for 30 filters, 8 for 128).
    suptitle : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    n = len(matrices)
    if n == 0:
        raise DeepMotifError("no logos to draw.")
    ncols = ncols or _columns(n)
    nrows = math.ceil(n / ncols)
    width = max((np.asarray(m).shape[0] for m in matrices if m is not None), default=1)
    panel_w = max(2.4, 0.14 * width + 0.6)
    fig = Figure(figsize=(panel_w * ncols, 1.15 * nrows + (0.4 if suptitle else 0.1)),
                 layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for k, ax in enumerate(axes):
        if k >= n:
            ax.set_visible(False)
            continue
        title = titles[k] if titles is not None else None
        if matrices[k] is None:
            _empty_panel(ax, title or "", notes[k] if notes is not None else "no matrix", 7.5)
            continue
        draw_logo(ax, matrices[k], title=title,
                  title_color=colors[k] if colors is not None else _MATCH_COLOR,
                  width=width, ylabel=(k % ncols == 0), fontsize=7.5)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def filter_titles(pwms, report=None) -> tuple[list[str], list[str], list[str]]:
    """Panel titles, title colours and empty-panel notes for the filters of a layer.

    Each filter is labelled with its best significant match, preferring a hit that
    counts as a ground-truth TF (as the paper's Fig 2 names each filter by the TF
    it matched): ``"f3 MEF2A MA0052.3 E=2e-06"``; ``"f3 no match"`` otherwise.

    Parameters
    ----------
    pwms : FilterPWMs
    report : MatchReport, optional
        Without it, titles carry only the filter index and window count.
    """
    titles, colors, notes = [], [], []
    for i in range(pwms.num_filters):
        reason = pwms.silent_reason(i)
        if reason is not None:
            titles.append(f"f{i} silent")
            colors.append(_NONE_COLOR)
            notes.append(reason)
            continue
        notes.append("")
        if report is None:
            titles.append(f"f{i} ({int(pwms.sites[i]):,} sites)")
            colors.append(_MATCH_COLOR)
            continue
        row = report.filters[i]
        hit = row.best_relevant or row.best
        if hit is None:
            titles.append(f"f{i} no match")
            colors.append(_NONE_COLOR)
            continue
        name = report.target_names.get(hit.target_id, "")
        titles.append(f"f{i} {name} {hit.target_id} E={hit.e_value:.1g}".replace("  ", " "))
        colors.append(_RELEVANT_COLOR if row.best_relevant is not None else _MATCH_COLOR)
    return titles, colors, notes


def ground_truth_figure(ground_truth: Sequence[np.ndarray] | None = None,
                        names: Sequence[str] | None = None,
                        ids: Sequence[str] | None = None):
    """The planted motifs of the synthetic set, forward and reverse complement side by side.

    Defaults: the 12 JASPAR 2016 PWMs of :mod:`deepmotif_arch.data.synthetic`.
    """
    from deepmotif_arch.motifs.meme import reverse_complement

    if ground_truth is None:
        from deepmotif_arch.data.synthetic import CLASS_NAMES, JASPAR_IDS, ground_truth_pwms

        ground_truth = ground_truth_pwms()
        names = names or CLASS_NAMES
        ids = ids or JASPAR_IDS
    names = list(names or [f"motif{i}" for i in range(len(ground_truth))])
    ids = list(ids or [""] * len(ground_truth))
    matrices, titles = [], []
    for name, mid, pwm in zip(names, ids, ground_truth):
        label = f"{name} {mid}".strip()
        matrices += [np.asarray(pwm), reverse_complement(pwm)]
        titles += [f"{label} (+)", f"{label} (reverse complement)"]
    return logo_grid(matrices, titles, ncols=4 if len(matrices) > 8 else 2,
                     suptitle="Ground-truth motifs: forward and reverse complement")


def save_figure(fig, path) -> Path:
    """Write a figure as PNG, PDF or SVG (chosen by the suffix), atomically.

    Raises
    ------
    DeepMotifError
        For a suffix other than ``.png``, ``.pdf`` or ``.svg``.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise DeepMotifError(f"cannot save a figure as {path.name!r}; use a .png, .pdf or .svg "
                             "file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=_PNG_DPI if fmt == "png" else None,
                    metadata=_metadata(fmt))
    return path


def _metadata(fmt: str) -> dict | None:
    # Keep files reproducible: no creation dates in PDF and SVG.
    if fmt == "pdf":
        return {"CreationDate": None, "Creator": "deepmotif-arch"}
    if fmt == "svg":
        return {"Date": None, "Creator": "deepmotif-arch"}
    return {"Software": "deepmotif-arch"}
