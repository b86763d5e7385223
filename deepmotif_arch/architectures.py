"""The architectures of Koo & Eddy (2019) as plain data, with no deep-learning import.

Every model in the zoo is one :class:`ArchSpec`: a list of convolution blocks
(Conv1D -> BatchNorm -> ReLU -> MaxPool -> Dropout) followed by one hidden dense
layer and a sigmoid output. :func:`deepmotif_arch.models.build_model` turns a spec
into a Keras model; this module only describes, names and measures them, so the
command line can list the zoo without importing Keras.

Two numbers carry the paper's argument and are computed here for every layer
(:func:`layer_geometry`):

receptive field
    How many input nucleotides can influence one output position of the layer.
    It grows by ``(k - 1) * j`` for a convolution or pooling window of size ``k``
    whose input positions are ``j`` nucleotides apart.
spatial uncertainty
    How many input positions a detected feature could have come from without the
    layer's output changing. Only max-pooling adds to it: a pool of window ``p``
    over inputs ``j`` nucleotides apart adds ``(p - 1) * j``. It is 1 (exact) up to
    the first pooling layer, and equals the pool size after a first pool, which is
    the paper's "spatial uncertainty ... equal to the max-pool size".
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from deepmotif_arch.errors import InvalidArchitectureError, UnknownModelError

__all__ = [
    "ConvBlock",
    "ArchSpec",
    "LayerGeometry",
    "ZOO",
    "FLAVORS",
    "list_models",
    "get_spec",
    "resolve_name",
    "layer_geometry",
    "count_parameters",
    "min_input_length",
]

#: ``"paper"`` follows the paper's text; ``"released"`` follows the authors' released
#: TF1 code (BatchNorm after the hidden dense layer; CNN-50-2 with 64 second-layer
#: filters and 96 dense units).
FLAVORS = ("paper", "released")

#: Kernel initialisers: the paper's Methods (He-normal) and the released code's (Glorot-uniform).
KERNEL_INITIALIZERS = ("he_normal", "glorot_uniform")


@dataclass(frozen=True)
class ConvBlock:
    """One convolution block: Conv1D -> BatchNorm -> ReLU -> MaxPool -> Dropout.

    Parameters
    ----------
    filters : int
        Number of convolution filters.
    kernel : int
        Filter length in positions of the block's input.
    pool : int, default 1
        Max-pool window; 1 means no pooling layer.
    pool_stride : int or None, default None
        Max-pool stride; ``None`` means equal to ``pool`` (non-overlapping windows).
    """

    filters: int
    kernel: int
    pool: int = 1
    pool_stride: int | None = None

    def __post_init__(self) -> None:
        if self.pool_stride is None:
            object.__setattr__(self, "pool_stride", self.pool)

    @property
    def stride(self) -> int:
        """The pooling stride (equal to ``pool`` unless given)."""
        return self.pool_stride

    @property
    def has_pool(self) -> bool:
        return self.pool > 1 or self.stride > 1

    def describe_pool(self) -> str:
        if not self.has_pool:
            return "1"
        return str(self.pool) if self.stride == self.pool else f"{self.pool}/{self.stride}"


@dataclass(frozen=True)
class ArchSpec:
    """A complete architecture of the Koo & Eddy family.

    Parameters
    ----------
    name : str
        Canonical name (``"cnn-25"``), also used as the Keras model name.
    blocks : tuple of ConvBlock
        The convolution blocks, first layer first.
    dense_units : int, default 512
        Width of the hidden fully-connected layer.
    dense_batchnorm : bool, default False
        BatchNorm after the hidden dense layer (the released code's choice).
    conv_dropout, dense_dropout : float
        Dropout rates after each convolution block (0.1) and the dense layer (0.5).
    l2 : float, default 1e-6
        L2 penalty on every kernel.
    kernel_initializer : {"he_normal", "glorot_uniform"}, default "he_normal"
        Initialiser of every kernel: He-normal as the paper's Methods say, or
        Glorot-uniform, which the authors' released code used.
    label : str
        The paper's label (``"CNN-25 (60)"``).
    released_name : str
        The file name of this model in the authors' released code (``"cnn_25_60"``).
    note : str
        Free text shown by ``deepmotif zoo show``.
    """

    name: str
    blocks: tuple[ConvBlock, ...]
    dense_units: int = 512
    dense_batchnorm: bool = False
    conv_dropout: float = 0.1
    dense_dropout: float = 0.5
    l2: float = 1e-6
    kernel_initializer: str = "he_normal"
    label: str = ""
    released_name: str = ""
    note: str = ""
    aliases: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        _validate_spec(self)

    @property
    def depth(self) -> int:
        return len(self.blocks)

    @property
    def filters(self) -> tuple[int, ...]:
        return tuple(b.filters for b in self.blocks)

    @property
    def kernels(self) -> tuple[int, ...]:
        return tuple(b.kernel for b in self.blocks)

    @property
    def pools(self) -> tuple[int, ...]:
        return tuple(b.pool for b in self.blocks)

    @property
    def pool_strides(self) -> tuple[int, ...]:
        return tuple(b.stride for b in self.blocks)

    def derive(
        self,
        *,
        name: str | None = None,
        filters: Sequence[int] | None = None,
        kernels: Sequence[int] | None = None,
        pools: Sequence[int] | None = None,
        pool_strides: Sequence[int] | None = None,
        dense_units: int | None = None,
        dense_batchnorm: bool | None = None,
        conv_dropout: float | None = None,
        dense_dropout: float | None = None,
        l2: float | None = None,
        kernel_initializer: str | None = None,
    ) -> ArchSpec:
        """A custom variant of this architecture.

        Any argument left as ``None`` keeps this spec's value. Giving per-layer
        lists of a different length changes the depth; then ``filters``,
        ``kernels`` and ``pools`` must all be given with that length.

        Examples
        --------
        >>> get_spec("cnn-25").derive(filters=[60, 128]).filters
        (60, 128)
        >>> get_spec("cnn-1").derive(filters=[30, 64, 64], kernels=[19, 5, 5],
        ...                          pools=[1, 1, 100]).depth
        3
        """
        per_layer = {"filters": filters, "kernels": kernels, "pools": pools,
                     "pool_strides": pool_strides}
        given = {k: tuple(int(x) for x in v) for k, v in per_layer.items() if v is not None}
        depth = {len(v) for v in given.values()}
        if len(depth) > 1:
            raise InvalidArchitectureError(
                "per-layer options have different lengths ("
                + ", ".join(f"{k}={len(v)}" for k, v in given.items())
                + "); give one value per convolution layer for each."
            )
        new_depth = depth.pop() if depth else self.depth
        if new_depth != self.depth:
            missing = [k for k in ("filters", "kernels", "pools") if k not in given]
            if missing:
                raise InvalidArchitectureError(
                    f"changing the depth from {self.depth} to {new_depth} layers needs "
                    f"{', '.join(missing)} with {new_depth} values as well."
                )
        current = {
            "filters": self.filters,
            "kernels": self.kernels,
            "pools": self.pools,
            "pool_strides": tuple(b.pool_stride for b in self.blocks),
        }
        if new_depth != self.depth or ("pools" in given and "pool_strides" not in given):
            # New pools without explicit strides mean non-overlapping windows.
            current["pool_strides"] = (None,) * new_depth
        current.update(given)
        blocks = tuple(
            ConvBlock(f, k, p, s)
            for f, k, p, s in zip(
                current["filters"], current["kernels"], current["pools"],
                current["pool_strides"],
            )
        )
        changed = {
            key: value
            for key, value in {
                "dense_units": dense_units,
                "dense_batchnorm": dense_batchnorm,
                "conv_dropout": conv_dropout,
                "dense_dropout": dense_dropout,
                "l2": l2,
                "kernel_initializer": kernel_initializer,
            }.items()
            if value is not None
        }
        is_same = blocks == self.blocks and not any(
            getattr(self, k) != v for k, v in changed.items()
        )
        if name is None:
            name = self.name if is_same else f"{self.name}-custom" if self.name else "custom"
        return dataclasses.replace(
            self,
            name=name,
            blocks=blocks,
            label=self.label if is_same else "",
            released_name=self.released_name if is_same else "",
            aliases=self.aliases if is_same else (),
            note=self.note if is_same else f"custom variant of {self.name}",
            **changed,
        )

    def to_dict(self) -> dict:
        """A JSON-friendly description (used in manifests and ``zoo list --format json``)."""
        return {
            "name": self.name,
            "label": self.label,
            "released_name": self.released_name,
            "blocks": [
                {"filters": b.filters, "kernel": b.kernel, "pool": b.pool, "pool_stride": b.stride}
                for b in self.blocks
            ],
            "dense_units": self.dense_units,
            "dense_batchnorm": self.dense_batchnorm,
            "conv_dropout": self.conv_dropout,
            "dense_dropout": self.dense_dropout,
            "l2": self.l2,
            "kernel_initializer": self.kernel_initializer,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ArchSpec:
        """Inverse of :meth:`to_dict`."""
        blocks = tuple(
            ConvBlock(int(b["filters"]), int(b["kernel"]), int(b.get("pool", 1)),
                      int(b["pool_stride"]) if b.get("pool_stride") is not None else None)
            for b in data["blocks"]
        )
        keys = ("dense_units", "dense_batchnorm", "conv_dropout", "dense_dropout", "l2",
                "kernel_initializer", "label", "released_name", "note")
        return cls(name=data["name"], blocks=blocks, **{k: data[k] for k in keys if k in data})


def _validate_spec(spec: ArchSpec) -> None:
    if not spec.blocks:
        raise InvalidArchitectureError(
            f"{spec.name!r} has no convolution blocks; give at least one."
        )
    for i, b in enumerate(spec.blocks, start=1):
        for what, value in (("filters", b.filters), ("kernel", b.kernel), ("pool", b.pool),
                            ("pool stride", b.stride)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidArchitectureError(
                    f"{what} of convolution layer {i} is {value!r}; it must be a positive integer."
                )
    if not isinstance(spec.dense_units, int) or spec.dense_units < 1:
        raise InvalidArchitectureError(
            f"dense_units is {spec.dense_units!r}; it must be a positive integer."
        )
    for what, rate in (("conv_dropout", spec.conv_dropout), ("dense_dropout", spec.dense_dropout)):
        if not 0.0 <= rate < 1.0:
            raise InvalidArchitectureError(f"{what} is {rate!r}; it must be in [0, 1).")
    if spec.l2 < 0:
        raise InvalidArchitectureError(f"l2 is {spec.l2!r}; it must be zero or positive.")
    if spec.kernel_initializer not in KERNEL_INITIALIZERS:
        raise InvalidArchitectureError(
            f"kernel_initializer is {spec.kernel_initializer!r}; use one of "
            f"{', '.join(KERNEL_INITIALIZERS)}."
        )


# --------------------------------------------------------------------------------------
# The zoo: PAPER_FACTS section 1, one row each.
# --------------------------------------------------------------------------------------

def _two_layer(name, label, released, k1, p1, p2, *, s1=None, f1=30, f2=128, k2=5, note=""):
    return ArchSpec(
        name=name,
        blocks=(ConvBlock(f1, k1, p1, s1), ConvBlock(f2, k2, p2)),
        label=label,
        released_name=released,
        note=note,
    )


_ROWS: tuple[ArchSpec, ...] = (
    _two_layer("cnn-1", "CNN-1", "cnn_1", 19, 1, 100,
               note="no pooling before conv2, so its filters can be aligned like layer 1's"),
    _two_layer("cnn-2", "CNN-2", "cnn_2", 19, 2, 50),
    _two_layer("cnn-4", "CNN-4", "cnn_4", 19, 4, 25),
    _two_layer("cnn-10", "CNN-10", "cnn_10", 19, 10, 10),
    _two_layer("cnn-25", "CNN-25", "cnn_25", 19, 25, 4),
    _two_layer("cnn-50", "CNN-50", "cnn_50", 19, 50, 2),
    _two_layer("cnn-100", "CNN-100", "cnn_100", 19, 100, 1),
    _two_layer("cnn9-4", "CNN9-4", "cnn9_4", 9, 4, 25),
    _two_layer("cnn9-25", "CNN9-25", "cnn9_25", 9, 25, 4),
    _two_layer("cnn3-2", "CNN3-2", "cnn3_2", 3, 2, 50, note="control: first filters too short"),
    _two_layer("cnn3-50", "CNN3-50", "cnn3_50", 3, 50, 2, note="control: first filters too short"),
    _two_layer("cnn-50-2", "CNN-50-2", "cnn_50_2", 19, 50, 50, s1=2,
               note="pool 50 with stride 2; the released code used 64 conv2 filters and "
                    "96 dense units (flavor='released')"),
    _two_layer("cnn19-1-2", "CNN19-1-2", "cnn_2_1", 19, 2, 50, k2=1,
               note="second-layer kernel of 1"),
    _two_layer("cnn-25-f60", "CNN-25 (60)", "cnn_25_60", 19, 25, 4, f1=60),
    _two_layer("cnn-25-f90", "CNN-25 (90)", "cnn_25_90", 19, 25, 4, f1=90),
    _two_layer("cnn-25-f120", "CNN-25 (120)", "cnn_25_120", 19, 25, 4, f1=120),
    ArchSpec(
        name="cnn-1-1-100",
        blocks=(ConvBlock(30, 19, 1), ConvBlock(128, 5, 1), ConvBlock(128, 5, 100)),
        label="CNN-1-1-100",
        released_name="cnn_1_3",
        note="three conv blocks; the third sets the spatial bottleneck",
    ),
)

#: Canonical name -> spec, in the paper's Table 1 order (plus CNN-1-1-100).
ZOO: dict[str, ArchSpec] = {spec.name: spec for spec in _ROWS}

# The released code differs from the paper text in two ways (PAPER_FACTS section 1).
_RELEASED_OVERRIDES: dict[str, dict] = {
    "cnn-50-2": {"filters": (30, 64), "dense_units": 96},
}


def _key(name: str) -> str:
    """Normalise a model name for lookup: case, subscripts, spaces, ``_`` and parentheses."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = text.replace("\u2212", "-")
    text = re.sub(r"[\s_()]+", "-", text)
    return re.sub(r"-{2,}", "-", text).strip("-")


def _build_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for spec in _ROWS:
        for alias in (spec.name, spec.label, spec.released_name, *spec.aliases):
            if alias:
                index[_key(alias)] = spec.name
    return index


_INDEX = _build_index()


def list_models() -> list[str]:
    """Canonical names of every zoo architecture, in the paper's order."""
    return list(ZOO)


def all_names() -> list[str]:
    """Every accepted spelling: canonical names, paper labels and released-code names."""
    names = []
    for spec in _ROWS:
        names.extend(n for n in (spec.name, spec.label, spec.released_name) if n)
    return names


def resolve_name(name: str) -> str:
    """The canonical name for any accepted spelling.

    Raises
    ------
    UnknownModelError
        With the closest canonical names as suggestions.
    """
    if not isinstance(name, str):
        raise UnknownModelError(repr(name), [])
    canonical = _INDEX.get(_key(name))
    if canonical is not None:
        return canonical
    close = difflib.get_close_matches(_key(name), list(_INDEX), n=6, cutoff=0.5)
    suggestions: list[str] = []
    for key in close:
        if _INDEX[key] not in suggestions:
            suggestions.append(_INDEX[key])
    raise UnknownModelError(name, suggestions[:3])


def get_spec(name: str | ArchSpec, flavor: str = "paper") -> ArchSpec:
    """The :class:`ArchSpec` of a zoo model.

    Parameters
    ----------
    name : str or ArchSpec
        A canonical name (``"cnn-25"``), paper label (``"CNN-25 (60)"``) or
        released-code name (``"cnn_2_1"``). A spec is returned unchanged.
    flavor : {"paper", "released"}, default "paper"
        ``"released"`` applies the released code's differences: BatchNorm after the
        hidden dense layer, Glorot-uniform kernels, and CNN-50-2 with 64 second-layer
        filters and 96 units.
    """
    if flavor not in FLAVORS:
        raise InvalidArchitectureError(
            f"flavor {flavor!r} is not known; use one of {', '.join(FLAVORS)}."
        )
    if isinstance(name, ArchSpec):
        return name
    spec = ZOO[resolve_name(name)]
    if flavor == "released":
        override = _RELEASED_OVERRIDES.get(spec.name, {})
        spec = spec.derive(dense_batchnorm=True, kernel_initializer="glorot_uniform",
                           name=spec.name, **override)
        spec = dataclasses.replace(
            spec,
            label=ZOO[spec.name].label,
            released_name=ZOO[spec.name].released_name,
            note=f"released-code flavor of {spec.name}",
        )
    return spec


# --------------------------------------------------------------------------------------
# Geometry: output lengths, receptive fields, spatial uncertainty, parameters.
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerGeometry:
    """Shape and reach of one layer's output.

    Attributes
    ----------
    name : str
        The Keras layer name (``"conv1"``, ``"conv1_pool"``, ...).
    kind : str
        ``"conv"`` or ``"pool"``.
    length : int
        Output positions.
    channels : int
        Output channels.
    receptive_field : int
        Input nucleotides that can influence one output position.
    jump : int
        Distance in nucleotides between neighbouring output positions.
    uncertainty : int
        Input positions a feature could occupy without changing the output
        (1 = exact; only max-pooling adds to it).
    """

    name: str
    kind: str
    length: int
    channels: int
    receptive_field: int
    jump: int
    uncertainty: int


def _pooled_length(length: int, stride: int) -> int:
    # "same" padding: ceil(length / stride) windows.
    return math.ceil(length / stride)


def layer_geometry(spec: ArchSpec, input_length: int = 200) -> list[LayerGeometry]:
    """Per-layer output length, receptive field and spatial uncertainty.

    Only convolution and pooling layers change these; BatchNorm, ReLU and Dropout
    keep the geometry of the layer before them.

    Raises
    ------
    InvalidArchitectureError
        If ``input_length`` is too short for a pooling window of the spec.
    """
    _check_length(spec, input_length)
    out: list[LayerGeometry] = []
    length, rf, jump, unc = input_length, 1, 1, 1
    for i, block in enumerate(spec.blocks, start=1):
        rf += (block.kernel - 1) * jump
        out.append(LayerGeometry(f"conv{i}", "conv", length, block.filters, rf, jump, unc))
        if block.has_pool:
            rf += (block.pool - 1) * jump
            unc += (block.pool - 1) * jump
            jump *= block.stride
            length = _pooled_length(length, block.stride)
            out.append(LayerGeometry(f"conv{i}_pool", "pool", length, block.filters, rf, jump, unc))
    return out


def _first_short_pool(spec: ArchSpec, input_length: int) -> tuple[int, int, int] | None:
    """(layer index, pool window, length reaching it) of the first pool that does not fit."""
    length = input_length
    for i, block in enumerate(spec.blocks, start=1):
        if block.has_pool:
            if block.pool > length:
                return i, block.pool, length
            length = _pooled_length(length, block.stride)
    return None


def min_input_length(spec: ArchSpec) -> int:
    """The shortest input every pooling window of ``spec`` fits into."""
    length = 1
    while _first_short_pool(spec, length) is not None:
        length += 1
    return length


def _check_length(spec: ArchSpec, input_length: int) -> None:
    if isinstance(input_length, bool) or not isinstance(input_length, int) or input_length < 1:
        raise InvalidArchitectureError(
            f"input_length is {input_length!r}; it must be a positive integer such as 200 or 1000."
        )
    short = _first_short_pool(spec, input_length)
    if short is not None:
        layer, pool, length = short
        raise InvalidArchitectureError(
            f"input_length={input_length} is too short for {spec.name}: the pooling window of "
            f"convolution layer {layer} spans {pool} positions but only {length} reach it; "
            f"use input_length >= {min_input_length(spec)}."
        )


def count_parameters(spec: ArchSpec, input_length: int = 200, num_classes: int = 12) -> dict:
    """Parameter counts of the Keras model :func:`~deepmotif_arch.models.build_model` makes.

    Returns
    -------
    dict
        ``{"trainable": int, "non_trainable": int, "total": int}``. BatchNorm
        moving statistics are the non-trainable part. Convolutions (followed by
        BatchNorm) carry no bias; the hidden dense layer has a bias unless it is
        followed by BatchNorm.
    """
    geometry = layer_geometry(spec, input_length)
    trainable = non_trainable = 0
    channels = 4
    for block in spec.blocks:
        trainable += block.kernel * channels * block.filters  # conv kernel, no bias
        trainable += 2 * block.filters  # BN gamma, beta
        non_trainable += 2 * block.filters  # BN moving mean, variance
        channels = block.filters
    flat = geometry[-1].length * geometry[-1].channels
    units = spec.dense_units
    trainable += flat * units + (0 if spec.dense_batchnorm else units)
    if spec.dense_batchnorm:
        trainable += 2 * units
        non_trainable += 2 * units
    trainable += units * num_classes + num_classes
    return {"trainable": trainable, "non_trainable": non_trainable,
            "total": trainable + non_trainable}


def parse_int_list(text: str | Iterable[int], what: str) -> tuple[int, ...]:
    """Parse ``"30,128"`` (or a list of ints) into ``(30, 128)`` with a clear error."""
    if not isinstance(text, str):
        return tuple(int(v) for v in text)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise InvalidArchitectureError(
            f"{what} {text!r} is not a comma-separated list of integers such as '30,128'."
        ) from None
    if not values:
        raise InvalidArchitectureError(f"{what} is empty; give one integer per convolution layer.")
    return values
