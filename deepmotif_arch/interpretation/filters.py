"""Convolution filters turned into position probability matrices (PPMs).

A filter is read out the way Koo & Eddy (2019) read theirs: scan it over a set of
sequences, keep the places where its activation (the output of the layer right after
``conv{i}_bn``: ``conv{i}_relu``, or ``conv{i}_exponential`` and the like for other
activations) is strong, cut out the subsequence the filter saw there,
and count letters per position over all kept subsequences. Normalised, the counts
are a PPM of shape ``(window, 4)`` (columns A, C, G, T) that can be drawn as a
logo, written to a MEME file and compared with known motifs.

Which activations count
-----------------------
Three variants (PAPER_FACTS section 5):

``"authors"`` (the default: the authors' ``activation_pwm``, which produced Table 1)
    Every position whose activation exceeds ``threshold`` (default 0.5) times the
    filter's maximum over the split; a 19-nt window centred on each (the window's
    index 9 is the activation's position) for every layer and kernel; each window
    weighted by its activation; windows running off an end zero-padded there (the
    missing positions add no letter and no weight) instead of dropped.
``"released"`` (this library's reading of the released code before 2026-11-30)
    The same positions, but a window of the layer's receptive field, every window
    counted once, and windows that run off an end dropped.
``"paper"`` (the paper's text)
    One window per sequence and filter, at the sequence's maximum activation, kept
    when it reaches ``threshold`` (default 0.7) times the filter's maximum. The
    paper speaks of the filter's "maximum possible activation"; a ReLU filter has
    no finite maximum, so the maximum *observed over the scanned split* is used.
    Receptive-field window, counted, off-end windows dropped.

``weighted``, ``pad_edges`` and ``window`` override a variant's choice one at a time
(the ablation of ``deepmotif experiment ablation`` flips them so). A window counts
only where the filter is active (activation > 0). The float32 activations are compared
with ``threshold`` x maximum exactly (as in double precision), and the ``"paper"``
variant takes the first position of a tied maximum.

Where the window lies
---------------------
Every convolution in the zoo has stride 1, and all but CNN-deep's third and fourth
(which follow pooling anyway) have ``padding="same"``; Keras pads
``(k - 1) // 2`` positions on the left on TensorFlow, JAX and PyTorch alike, so
the output at position ``p`` of a layer of kernel ``k`` sees inputs
``p - (k - 1) // 2`` to ``p - (k - 1) // 2 + k - 1``. Stacked without pooling, the
layers' left paddings add up: output ``p`` of layer ``i`` sees the receptive field
``1 + sum(k_j - 1)`` starting at ``p - sum((k_j - 1) // 2)``. For CNN-1's second
layer that is 23 nt starting 11 nt to the left (9 + 2). A layer with pooling
anywhere before it has no such one-to-one map and is refused. A ``window`` other
than the receptive field is centred on it; an odd extra position goes left, so a 20-nt
window around a 19-nt filter spans ``p - 10`` to ``p + 9``, as Koo & Ploenzke cut it.

A filter whose kept windows are none (never active, nothing above the threshold,
or every such window off the ends) has no PPM: :class:`FilterPWMs` lists it as
*silent* with the reason, and asking for its matrix raises
:class:`SilentFilterError`; it never turns into a NaN or uniform matrix.

Everything after the activations is vectorised NumPy: per batch one reduction
(``"paper"``) or one ``nonzero`` (``"released"``), then one fancy-indexed gather of
all kept windows and one ``bincount``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deepmotif_arch.base.errors import DeepMotifError
from deepmotif_arch.base.sequence import one_hot
from deepmotif_arch.zoo.architectures import ACTIVATIONS
from deepmotif_arch.zoo.models import feature_map_name

__all__ = [
    "VARIANTS",
    "DEFAULT_THRESHOLDS",
    "InterpretationError",
    "SilentFilterError",
    "LayerAlignment",
    "FilterPWMs",
    "layer_alignment",
    "alignable_layers",
    "filter_activations",
    "align_activations",
    "filter_pwms",
    "integer_encode",
]

#: The ways of choosing and weighting windows (see the module notes); the first is the
#: default.
VARIANTS = ("authors", "released", "paper")
#: Default threshold of each variant, as a fraction of the filter's maximum activation.
DEFAULT_THRESHOLDS = {"authors": 0.5, "released": 0.5, "paper": 0.7}
#: Window of the authors' read-out, for every layer and kernel (``None``: the layer's
#: receptive field).
DEFAULT_WINDOWS = {"authors": 19, "released": None, "paper": None}
#: Whether each window is weighted by its activation (else counted once).
DEFAULT_WEIGHTED = {"authors": True, "released": False, "paper": False}
#: Whether windows running off a sequence end are zero-padded (else dropped).
DEFAULT_PAD_EDGES = {"authors": True, "released": False, "paper": False}

#: What a MEME file's ``nsites`` may say (:meth:`FilterPWMs.motifs`).
NSITES = ("sites", "width")

#: Letter code for anything that is not A, C, G or T (a one-hot row of zeros).
UNKNOWN = 4
#: Window positions gathered per step (bounds the memory of the gather).
_GATHER_CELLS = 4_000_000


class InterpretationError(DeepMotifError):
    """A layer, option or input that filters cannot be read out with."""


class SilentFilterError(InterpretationError):
    """A filter that kept no window, so it has no probability matrix."""


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class LayerAlignment:
    """How the output positions of one convolution layer map onto the input.

    Attributes
    ----------
    layer : str
        The convolution layer (``"conv2"``).
    activation : str
        The layer whose output is scanned (``"conv2_relu"``, ``"conv1_exponential"``).
    index : int
        1-based position of the layer among the convolutions.
    filters : int
        Number of filters.
    receptive_field : int
        Input positions one output position sees.
    offset : int
        Start of that stretch relative to the output position (``-(k - 1) // 2``
        summed over the layers up to this one).
    input_length : int
        Sequence length the model takes.
    """

    layer: str
    activation: str
    index: int
    filters: int
    receptive_field: int
    offset: int
    input_length: int

    def window(self, window: int | None = None) -> tuple[int, int]:
        """``(width, offset)`` of a window of ``window`` positions centred on the
        receptive field (``None``: the receptive field itself). An odd number of extra
        positions puts the odd one on the left, as Koo & Ploenzke's ``activation_pwm``
        cuts its 20-nt windows around a 19-nt filter (position - 10 to + 9)."""
        if window is None:
            return self.receptive_field, self.offset
        if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
            raise InterpretationError(
                f"window is {window!r}; it must be a positive number of positions such as "
                f"{self.receptive_field} (the receptive field of {self.layer})."
            )
        if window > self.input_length:
            raise InterpretationError(
                f"window is {window} but the sequences are {self.input_length} nt long; "
                f"use at most {self.input_length}."
            )
        extra = int(window) - self.receptive_field
        if extra >= 0:
            return int(window), self.offset - (extra + 1) // 2
        return int(window), self.offset + (-extra) // 2


def conv_index(layer) -> int | None:
    """``"conv2"``, ``"conv2_relu"`` (or ``"conv2_exponential"``, any activation),
    ``"2"`` or ``2`` -> 2; anything else -> None."""
    text = str(layer).strip()
    for function in ACTIVATIONS:
        if text.endswith(f"_{function}"):
            text = text[:-len(function) - 1]
            break
    if text.startswith("conv"):
        text = text[len("conv"):]
    return int(text) if text.isdigit() else None


def alignable_layers(model) -> list[str]:
    """Convolution layers of ``model`` whose filters can be aligned to input windows
    (no pooling or other length-changing layer before them), first layer first."""
    out = []
    for name in _conv_names(model):
        try:
            layer_alignment(model, name)
        except InterpretationError:
            continue
        out.append(name)
    return out


def _conv_names(model) -> list[str]:
    return [layer.name for layer in model.layers
            if layer.name.startswith("conv") and layer.name[4:].isdigit()]


def layer_alignment(model, layer: str | int = "conv1") -> LayerAlignment:
    """Receptive field and window offset of a convolution layer of a zoo model.

    Parameters
    ----------
    model : keras.Model
        A model with the zoo's layer names (``conv1``, ``conv1_bn``, then its
        activation: ``conv1_relu``, ``conv1_exponential``, ...).
    layer : str or int, default "conv1"
        ``"conv2"``, ``"conv2_relu"`` (the activation's name) or ``2``.

    Raises
    ------
    InterpretationError
        If the model has no such layer, or pooling (or a strided, dilated or
        unpadded convolution) sits before it, so output positions do not map one
        to one onto input positions.
    """
    import keras

    convs = _conv_names(model)
    index = conv_index(layer)
    name = f"conv{index}" if index is not None else str(layer)
    if index is None or name not in convs:
        have = ", ".join(convs) if convs else "none"
        raise InterpretationError(
            f"the model has no convolution layer {str(layer)!r}; its convolution layers are "
            f"{have}; give one of those."
        )
    activation = feature_map_name(model, name)
    if activation is None:
        raise InterpretationError(
            f"the model has no activation layer after {name + '_bn'!r} (the feature map of "
            f"{name}); only models with the zoo's layer names can be interpreted."
        )
    input_length = model.input_shape[1]
    rf, offset = 1, 0
    for item in model.layers:
        if isinstance(item, keras.layers.InputLayer):
            continue
        if isinstance(item, keras.layers.Conv1D):
            k = int(item.kernel_size[0])
            if item.padding != "same" or tuple(item.strides) != (1,) \
                    or tuple(item.dilation_rate) != (1,):
                raise InterpretationError(
                    f"{item.name} has padding={item.padding!r}, strides={item.strides}, "
                    f"dilation={item.dilation_rate}; aligning {name} needs 'same' padding, "
                    "stride 1 and no dilation in every convolution up to it."
                )
            rf += k - 1
            offset -= (k - 1) // 2
        elif isinstance(item, (keras.layers.BatchNormalization, keras.layers.Activation,
                               keras.layers.ReLU, keras.layers.Dropout)):
            pass
        else:
            alignable = [c for c in convs if c != name and _no_pool_before(model, c)]
            hint = (f"; layers that can be aligned: {', '.join(alignable)}" if alignable
                    else "")
            raise InterpretationError(
                f"{item.name} ({type(item).__name__}) comes before {name}, so its output "
                f"positions do not map one to one onto input windows{hint}."
            )
        if item.name == activation:
            break
    out_layer = model.get_layer(name)
    return LayerAlignment(layer=name, activation=activation, index=index,
                          filters=int(out_layer.filters), receptive_field=rf, offset=offset,
                          input_length=int(input_length))


def _no_pool_before(model, name: str) -> bool:
    import keras

    activation = feature_map_name(model, name)
    for item in model.layers:
        if item.name == activation:
            return True
        if not isinstance(item, (keras.layers.InputLayer, keras.layers.Conv1D,
                                 keras.layers.BatchNormalization, keras.layers.Activation,
                                 keras.layers.ReLU, keras.layers.Dropout)):
            return False
    return False


# --------------------------------------------------------------------------- input


def integer_encode(x) -> np.ndarray:
    """Sequences as letter codes: uint8 of shape (n, length), 0..3 for A, C, G, T and
    4 (:data:`UNKNOWN`) for anything else.

    Parameters
    ----------
    x : array_like
        One-hot of shape (n, length, 4) (channels A, C, G, T; a row of zeros or a
        row that is not one-hot counts as unknown), or letter codes of shape
        (n, length).
    """
    arr = np.asarray(x)
    if arr.ndim == 2:
        if arr.dtype.kind not in "iub":
            raise InterpretationError(
                f"sequences of shape {arr.shape} must be integer letter codes (0..3 for A, C, "
                "G, T); give one-hot arrays as (n, length, 4)."
            )
        codes = arr.astype(np.int64, copy=False)
        return np.where((codes >= 0) & (codes < 4), codes, UNKNOWN).astype(np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 4:
        raise InterpretationError(
            f"sequences have shape {arr.shape}; expected one-hot (n, length, 4) with channels "
            "A, C, G, T, or letter codes (n, length)."
        )
    letters = np.argmax(arr, axis=2).astype(np.uint8)
    one_hot = (arr.sum(axis=2) == 1) & (arr.max(axis=2) == 1)
    letters[~one_hot] = UNKNOWN
    return letters


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class FilterPWMs:
    """The filters of one layer as letter counts over aligned windows.

    Attributes
    ----------
    layer : str
        The convolution layer (``"conv1"``).
    variant : str
        ``"authors"``, ``"released"`` or ``"paper"`` (see the module notes).
    threshold : float
        Fraction of each filter's maximum activation a window had to reach.
    window : int
        Width of the aligned windows (and of every matrix).
    offset : int
        Window start relative to the activation's position.
    receptive_field : int
        The layer's receptive field (the default window).
    counts : numpy.ndarray
        shape (n_filters, window, 4): letters A, C, G, T per window position over
        every kept window (unknown letters and padded positions are not counted);
        int64 counts, or float64 sums of activations when ``weighted``.
    sites : numpy.ndarray
        int64, shape (n_filters,): windows kept per filter.
    candidates : numpy.ndarray
        int64, shape (n_filters,): activations that passed the threshold, including
        those whose window ran off a sequence end.
    max_activation : numpy.ndarray
        float64, shape (n_filters,): the filter's maximum activation over the
        scanned sequences (the reference of the threshold).
    num_sequences : int
        Sequences scanned.
    weighted : bool
        Each window weighted by its activation (else counted once).
    pad_edges : bool
        Windows running off an end were zero-padded (else dropped).
    """

    layer: str
    variant: str
    threshold: float
    window: int
    offset: int
    receptive_field: int
    counts: np.ndarray
    sites: np.ndarray
    candidates: np.ndarray
    max_activation: np.ndarray
    num_sequences: int
    weighted: bool = False
    pad_edges: bool = False

    @property
    def num_filters(self) -> int:
        return int(self.counts.shape[0])

    @property
    def active(self) -> np.ndarray:
        """bool, shape (n_filters,): filters with at least one kept window."""
        return self.sites > 0

    @property
    def silent(self) -> list[int]:
        """Indices of the filters that kept no window (and so have no matrix)."""
        return [int(i) for i in np.flatnonzero(~self.active)]

    def silent_reason(self, index: int) -> str | None:
        """Why filter ``index`` kept no window (``None`` when it did)."""
        if self.sites[index] > 0:
            return None
        if not self.max_activation[index] > 0:
            return f"never active on the {self.num_sequences:,} sequences scanned"
        if self.candidates[index] == 0:
            return (f"no activation above {self.threshold:g} x its maximum "
                    f"({self.max_activation[index]:.3g})")
        return (f"all {self.candidates[index]:,} windows above the threshold run off the "
                "sequence ends")

    def ppm(self, index: int) -> np.ndarray:
        """Position probability matrix of one filter, shape (window, 4), rows summing to 1.

        A window position where every kept window had an unknown letter gets a
        uniform row.

        Raises
        ------
        SilentFilterError
            For a filter that kept no window.
        """
        index = int(index)
        if not 0 <= index < self.num_filters:
            raise InterpretationError(
                f"filter {index} does not exist; {self.layer} has {self.num_filters} filters "
                f"(0 to {self.num_filters - 1})."
            )
        if self.sites[index] == 0:
            raise SilentFilterError(f"filter {index} of {self.layer} has no probability matrix: "
                                    f"{self.silent_reason(index)}.")
        return _normalise(self.counts[index])

    def ppms(self) -> dict[int, np.ndarray]:
        """Matrices of the active filters, by filter index (silent filters are absent)."""
        return {i: self.ppm(i) for i in np.flatnonzero(self.active)}

    def motif_id(self, index: int) -> str:
        """The id a filter gets in motif files and Tomtom output: ``filter{index}``."""
        return f"filter{int(index)}"

    def motifs(self, *, clip: bool = False, min_bits: float = 0.5, pad: int = 3,
               nsites: str = "sites") -> list:
        """The active filters as :class:`~deepmotif_arch.motifs.meme.Motif` records.

        Ids are ``filter0``, ``filter1`` ... (0-based filter indices, gaps where a
        filter is silent).

        Parameters
        ----------
        clip : bool, default False
            Trim each matrix to its informative span with
            :func:`~deepmotif_arch.motifs.meme.clip_motif` (``min_bits``, ``pad``), as the
            released code did before Tomtom. A matrix with no informative position
            is kept whole.
        nsites : {"sites", "width"}, default "sites"
            What the MEME file's ``nsites`` says: the number of kept windows, or the
            (clipped) matrix's width, as the authors' ``meme_generate`` wrote it.
            Tomtom weighs its 0.1 pseudocount by ``nsites``, so this moves p-values.
        """
        from deepmotif_arch.motifs.meme import Motif, clip_motif

        if nsites not in NSITES:
            raise InterpretationError(f"nsites is {nsites!r}; use 'sites' (windows kept) or "
                                      "'width' (the matrix's width, the authors' MEME files).")
        out = []
        for i in np.flatnonzero(self.active):
            matrix = self.ppm(i)
            if clip:
                matrix = clip_motif(matrix, min_bits, pad)
            n = float(self.sites[i]) if nsites == "sites" else float(matrix.shape[0])
            out.append(Motif(id=self.motif_id(i), matrix=matrix, name=self.layer, nsites=n))
        return out

    def summary(self) -> dict:
        """Settings and per-filter counts as plain data (for JSON)."""
        return {
            "layer": self.layer, "variant": self.variant, "threshold": self.threshold,
            "window": self.window, "offset": self.offset,
            "receptive_field": self.receptive_field, "num_sequences": self.num_sequences,
            "weighted": self.weighted, "pad_edges": self.pad_edges,
            "num_filters": self.num_filters, "silent": self.silent,
        }


def _normalise(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    totals = counts.sum(axis=-1, keepdims=True)
    return np.divide(counts, totals, out=np.full_like(counts, 0.25), where=totals > 0)


# --------------------------------------------------------------------------- selection


class _PaperSelector:
    """Per sequence and filter: the maximum activation and where it is."""

    def __init__(self, n_filters: int):
        self.values: list[np.ndarray] = []
        self.where: list[np.ndarray] = []
        self.n_filters = n_filters

    def add(self, acts: np.ndarray) -> None:
        where = np.argmax(acts, axis=1)  # (batch, filters), first position on ties
        self.where.append(where.astype(np.int32))
        self.values.append(np.take_along_axis(acts, where[:, None, :], axis=1)[:, 0, :])

    def select(self, threshold: float):
        if not self.values:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, np.zeros(self.n_filters), np.zeros(0, np.float32)
        values = np.concatenate(self.values)  # (n, filters)
        where = np.concatenate(self.where)
        peak = values.max(axis=0).astype(np.float64)
        keep = (values > 0) & (values >= threshold * peak[None, :])
        seq, filt = np.nonzero(keep)
        return seq, where[seq, filt].astype(np.int64), filt, peak, values[seq, filt]


class _ReleasedSelector:
    """Every position above ``threshold`` x the filter's maximum.

    The maximum is only known at the end, so each batch keeps the positions above
    the threshold of the running maximum (a superset, since the maximum only grows)
    and :meth:`select` prunes them against the final one.
    """

    def __init__(self, n_filters: int, threshold: float):
        self.peak = np.zeros(n_filters, dtype=np.float64)
        self.threshold = threshold
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.seen = 0
        self.shape = (0, n_filters)  # (length, filters) of the batches

    def add(self, acts: np.ndarray) -> None:
        n, length, n_filters = acts.shape
        flat = acts.reshape(n * length, n_filters)
        self.peak = np.maximum(self.peak, flat.max(axis=0))
        floor = _float32_floor(self.threshold * self.peak)  # >= 0, so "> floor" means active
        where = np.flatnonzero(flat > floor)  # one flat index per (sequence, position, filter)
        self.parts.append((where + self.seen * length * n_filters, flat.reshape(-1)[where]))
        self.seen += n
        self.shape = (length, n_filters)

    def select(self, threshold: float):
        if not self.parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, self.peak, np.zeros(0, np.float32)
        where, value = (np.concatenate(p) for p in zip(*self.parts))
        length, n_filters = self.shape
        filt = where % n_filters
        keep = value > _float32_floor(threshold * self.peak)[filt]
        seq, rest = np.divmod(where[keep], length * n_filters)
        return seq, rest // n_filters, filt[keep], self.peak, value[keep]


def _float32_floor(limit: np.ndarray) -> np.ndarray:
    """The largest float32 values <= ``limit`` (float64): for float32 ``x``,
    ``x > _float32_floor(t)`` exactly when ``x > t`` in double precision, so a whole
    feature map is compared in float32 without a float64 copy."""
    limit = np.asarray(limit, dtype=np.float64)
    down = limit.astype(np.float32)
    above = down.astype(np.float64) > limit
    return np.where(above, np.nextafter(down, np.float32(-np.inf)), down).astype(np.float32)


def check_variant(variant: str, threshold: float | None) -> float:
    if variant not in VARIANTS:
        raise InterpretationError(
            f"variant {variant!r} is not known; use 'authors' (the authors' read-out: every "
            "position above 0.5, 19-nt activation-weighted windows), 'released' (the same "
            "positions, receptive-field windows counted once) or 'paper' (per-sequence "
            "maximum, 0.7, the paper's text)."
        )
    if threshold is None:
        return DEFAULT_THRESHOLDS[variant]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) \
            or not 0 <= float(threshold) <= 1:
        raise InterpretationError(
            f"threshold is {threshold!r}; it must be a fraction of the filter's maximum "
            f"activation between 0 and 1 (default {DEFAULT_THRESHOLDS[variant]} for the "
            f"{variant} variant)."
        )
    return float(threshold)


def _gather_counts(codes: np.ndarray, seq, pos, filt, n_filters: int, window: int,
                   offset: int, weights: np.ndarray | None = None, pad_edges: bool = False
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Letter counts (filters, window, 4) of the windows at ``pos + offset``, the kept
    windows per filter, and the candidates per filter (before dropping off-end ones).

    With ``weights`` each window adds its weight instead of 1 (float64 sums). With
    ``pad_edges`` a window running off an end is kept and its missing positions add
    nothing (the sequences are padded with unknown letters, which are not counted).

    One gather and one ``bincount`` per window column over all kept windows at once
    (faster than gathering whole windows: the index arrays stay one-dimensional)."""
    candidates = np.bincount(filt, minlength=n_filters).astype(np.int64)
    start = pos + offset
    if pad_edges:
        margin = window + abs(int(offset))
        codes = np.pad(codes, ((0, 0), (margin, margin)), constant_values=UNKNOWN)
        start = start + margin
    length = codes.shape[1]
    inside = (start >= 0) & (start + window <= length)
    seq, start, filt = seq[inside], start[inside], filt[inside]
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)[inside]
    sites = np.bincount(filt, minlength=n_filters).astype(np.int64)
    cells = n_filters * window * 5
    counts = np.zeros(cells, dtype=np.int64 if weights is None else np.float64)
    letters = codes.reshape(-1)
    chunk = max(1, _GATHER_CELLS // window)
    for lo in range(0, seq.size, chunk):
        first = seq[lo:lo + chunk].astype(np.int64) * length + start[lo:lo + chunk]
        base = filt[lo:lo + chunk].astype(np.int64) * (window * 5)
        w = None if weights is None else weights[lo:lo + chunk]
        for j in range(window):
            counts += np.bincount(base + 5 * j + letters[first + j], weights=w,
                                  minlength=cells)
    return counts.reshape(n_filters, window, 5)[..., :4], sites, candidates


# --------------------------------------------------------------------------- public API


def align_activations(x, activations, *, window: int, offset: int, variant: str = "authors",
                      threshold: float | None = None, layer: str = "conv1",
                      receptive_field: int | None = None, weighted: bool | None = None,
                      pad_edges: bool | None = None) -> FilterPWMs:
    """PPMs from activations already computed (no Keras needed).

    Parameters
    ----------
    x : array_like
        The scanned sequences: one-hot (n, length, 4) or letter codes (n, length).
    activations : array_like, shape (n, length, n_filters)
        The layer's feature map on ``x`` (position ``p`` aligned with input ``p``).
    window, offset : int
        Width of the windows and their start relative to the activation's position
        (``-(k - 1) // 2`` for a first-layer kernel of ``k``; see :func:`layer_alignment`).
    variant, threshold, weighted, pad_edges
        See :func:`filter_pwms`.
    layer : str, default "conv1"
        Recorded in the result.
    receptive_field : int, optional
        Recorded in the result; default ``window``.

    Returns
    -------
    FilterPWMs
    """
    threshold = check_variant(variant, threshold)
    weighted, pad_edges = resolve_switches(variant, weighted, pad_edges)
    codes = integer_encode(x)
    acts = np.asarray(activations)
    if acts.ndim != 3 or acts.shape[:2] != codes.shape:
        raise InterpretationError(
            f"activations have shape {acts.shape}; expected (n, length, filters) with (n, "
            f"length) = {codes.shape} as the sequences."
        )
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise InterpretationError(f"window is {window!r}; it must be a positive integer.")
    selector = (_PaperSelector(acts.shape[2]) if variant == "paper"
                else _ReleasedSelector(acts.shape[2], threshold))
    selector.add(acts)
    return _finish(selector, codes, acts.shape[2], threshold, variant, int(window),
                   int(offset), layer, receptive_field or int(window), weighted, pad_edges)


def resolve_switches(variant: str, weighted, pad_edges) -> tuple[bool, bool]:
    """The variant's defaults for ``weighted`` and ``pad_edges`` where they are None."""
    out = []
    for name, value, default in (("weighted", weighted, DEFAULT_WEIGHTED[variant]),
                                 ("pad_edges", pad_edges, DEFAULT_PAD_EDGES[variant])):
        if value is None:
            value = default
        if not isinstance(value, (bool, np.bool_)):
            raise InterpretationError(f"{name} is {value!r}; it must be True or False (or None "
                                      f"for the {variant} variant's default, {default}).")
        out.append(bool(value))
    return out[0], out[1]


def _finish(selector, codes, n_filters, threshold, variant, window, offset, layer,
            receptive_field, weighted=False, pad_edges=False) -> FilterPWMs:
    seq, pos, filt, peak, values = selector.select(threshold)
    counts, sites, candidates = _gather_counts(
        codes, seq, pos, filt, n_filters, window, offset,
        weights=values if weighted else None, pad_edges=pad_edges)
    return FilterPWMs(layer=layer, variant=variant, threshold=threshold, window=window,
                      offset=offset, receptive_field=receptive_field, counts=counts,
                      sites=sites, candidates=candidates,
                      max_activation=np.asarray(peak, dtype=np.float64),
                      num_sequences=int(codes.shape[0]), weighted=weighted,
                      pad_edges=pad_edges)


def _feature_model(model, alignment: LayerAlignment):
    import keras

    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, model.get_layer(alignment.activation).output,
                       name=f"{model.name}_{alignment.activation}")


def _check_length(codes: np.ndarray, alignment: LayerAlignment) -> None:
    if codes.shape[1] != alignment.input_length:
        raise InterpretationError(
            f"sequences are {codes.shape[1]} nt long but the model takes "
            f"{alignment.input_length} nt."
        )


def filter_activations(model, x, layer: str | int = "conv1", *, batch_size: int = 500
                       ) -> np.ndarray:
    """The feature map of a layer: float32 of shape (n, length, n_filters).

    Computed with one ``keras.Model(model.input, <conv{i}_{activation} output>)`` in
    batches (inference mode: BatchNorm's moving statistics, no dropout).
    """
    alignment = layer_alignment(model, layer)
    codes = integer_encode(x)
    _check_length(codes, alignment)
    sub = _feature_model(model, alignment)
    parts = [np.asarray(sub.predict_on_batch(one_hot(codes[lo:lo + batch_size])),
                        dtype=np.float32)
             for lo in range(0, codes.shape[0], _check_batch(batch_size))]
    return np.concatenate(parts) if parts else np.zeros(
        (0, codes.shape[1], alignment.filters), dtype=np.float32)


def _check_batch(batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise InterpretationError(f"batch_size is {batch_size!r}; it must be a positive "
                                  "integer such as 500.")
    return int(batch_size)


def filter_pwms(model, x, layer: str | int = "conv1", *, variant: str = "authors",
                threshold: float | None = None, window: int | None = None,
                weighted: bool | None = None, pad_edges: bool | None = None,
                batch_size: int = 500,
                progress: Callable[[int, int], None] | None = None,
                timings: dict | None = None) -> FilterPWMs:
    """Scan the filters of a layer over sequences and align their strong windows.

    Parameters
    ----------
    model : keras.Model
        A zoo model (layer names ``conv{i}`` / ``conv{i}_bn`` / its activation).
    x : array_like
        One-hot (n, length, 4) in A, C, G, T order, or letter codes (n, length)
        with 0..3 for A, C, G, T (anything else is an unknown letter).
    layer : str or int, default "conv1"
        The first layer, or a deeper one with no pooling before it (CNN-1's
        ``conv2``, CNN-1-1-100's ``conv2`` and ``conv3``).
    variant : {"authors", "released", "paper"}, default "authors"
        ``"authors"``: every position > ``threshold`` x the filter's maximum over
        ``x``, 19-nt activation-weighted windows, zero-padded at the ends (the
        authors' code, which produced the paper's numbers). ``"released"``: the same
        positions, receptive-field windows counted once, off-end windows dropped.
        ``"paper"``: each sequence's maximum, kept at >= ``threshold`` x the filter's
        maximum (the paper's text). See the module notes.
    threshold : float, optional
        Between 0 and 1; default 0.5 (authors, released) or 0.7 (paper).
    window : int, optional
        Window width; default 19 for ``"authors"`` (every layer and kernel), else the
        layer's receptive field (19 for a first layer of kernel 19, 23 for CNN-1's
        ``conv2``). Windows are centred on the receptive field.
    weighted : bool, optional
        Weight each window by its activation; default True for ``"authors"`` only.
    pad_edges : bool, optional
        Keep windows that run off an end (the missing positions count nothing);
        default True for ``"authors"`` only.
    batch_size : int, default 500
        Sequences per forward pass; memory holds one batch of activations.
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch.
    timings : dict, optional
        Filled with ``{"activations": s, "alignment": s}`` (seconds spent in the
        forward passes and in everything else).

    Returns
    -------
    FilterPWMs

    Raises
    ------
    InterpretationError
        For a layer that does not exist or cannot be aligned, a bad option, or
        sequences of the wrong shape or length.
    """
    import time

    threshold = check_variant(variant, threshold)
    weighted, pad_edges = resolve_switches(variant, weighted, pad_edges)
    batch_size = _check_batch(batch_size)
    alignment = layer_alignment(model, layer)
    width, offset = alignment.window(window if window is not None
                                     else DEFAULT_WINDOWS[variant])
    codes = integer_encode(x)
    _check_length(codes, alignment)
    sub = _feature_model(model, alignment)
    n_filters = alignment.filters
    selector = (_PaperSelector(n_filters) if variant == "paper"
                else _ReleasedSelector(n_filters, threshold))
    forward = other = 0.0
    total = codes.shape[0]
    for lo in range(0, total, batch_size):
        tick = time.perf_counter()
        batch = one_hot(codes[lo:lo + batch_size])
        acts = np.asarray(sub.predict_on_batch(batch), dtype=np.float32)
        tock = time.perf_counter()
        selector.add(acts)
        forward += tock - tick
        other += time.perf_counter() - tock
        if progress is not None:
            progress(min(lo + batch_size, total), total)
    tick = time.perf_counter()
    result = _finish(selector, codes, n_filters, threshold, variant, width, offset,
                     alignment.layer, alignment.receptive_field, weighted, pad_edges)
    other += time.perf_counter() - tick
    if timings is not None:
        timings.update({"activations": forward, "alignment": other})
    return result

