"""The architectures of Koo & Eddy (2019) as plain data, with no deep-learning import.

Every model in the zoo is one :class:`ArchSpec`: a list of convolution blocks
(Conv1D -> BatchNorm -> activation -> MaxPool -> Dropout) followed by one hidden
dense layer and a sigmoid output. :func:`deepmotif_arch.zoo.models.build_model` turns a
spec into a Keras model; this module only describes, names and measures them, so
the command line can list the zoo without importing Keras.

The zoo holds the paper's 17 models first (:data:`PAPER_MODELS`, Table 1's order),
then the follow-up's (:data:`FOLLOW_UP_MODELS`): Koo & Ploenzke (2021) showed that an
exponential activation in the first layer makes even CNN-2 and a deep CNN learn
whole motifs, so the zoo has CNN-2 and CNN-50 with an exponential first layer
(``cnn-2-exp``, ``cnn-50-exp``) and Koo & Ploenzke's own CNN-2, CNN-50 and CNN-deep
(``kp-cnn-2``, ``kp-cnn-50``, ``cnn-deep``, each also with ``-exp``).

Activation variants
-------------------
The first layer's activation is part of an architecture. Every zoo model exists with
each of Keras's built-in activations :data:`ACTIVATIONS` in its first layer, named
after the ReLU model plus a suffix (:data:`ACTIVATION_SUFFIXES`): ``cnn-25-exp``,
``cnn-25-tanh``, ``cnn-deep-sigmoid``. Ask by name or by keyword, with the same
result::

    get_spec("cnn-25-exp") == get_spec("cnn-25", activation="exponential")

and ``spec.derive(activation="tanh")`` makes the same variant of any spec. Only the
first layer changes; deeper layers keep ReLU, as in Koo & Ploenzke's experiments.

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

from deepmotif_arch.base.errors import InvalidArchitectureError, UnknownModelError

__all__ = [
    "ConvBlock",
    "ArchSpec",
    "LayerGeometry",
    "ZOO",
    "PAPER_MODELS",
    "FOLLOW_UP_MODELS",
    "FLAVORS",
    "DEFAULT_FLAVOR",
    "ACTIVATIONS",
    "ACTIVATION_SUFFIXES",
    "PADDINGS",
    "list_models",
    "get_spec",
    "resolve_name",
    "check_activation",
    "layer_geometry",
    "count_parameters",
    "min_input_length",
]

#: ``"paper"`` follows the paper's text; ``"released"`` follows the authors' released
#: TF1 code (BatchNorm after the hidden dense layer; CNN-50-2 with 64 second-layer
#: filters and 96 dense units), which produced the paper's numbers and is the default
#: everywhere (:data:`DEFAULT_FLAVOR`).
FLAVORS = ("paper", "released")

#: The flavor every function and command uses unless told otherwise.
DEFAULT_FLAVOR = "released"

#: Kernel initialisers: the paper's Methods (He-normal) and the released code's (Glorot-uniform).
KERNEL_INITIALIZERS = ("he_normal", "glorot_uniform")

#: Activations a convolution block can use: Keras's own (so a saved ``.keras`` file needs
#: no custom objects), the seven Koo & Ploenzke (2021) compared in the first layer.
ACTIVATIONS = ("relu", "exponential", "sigmoid", "tanh", "softplus", "linear", "elu")

#: The suffix of an activation variant's name (``cnn-25-exp``); the ReLU model has none.
ACTIVATION_SUFFIXES: dict[str, str] = {
    "relu": "",
    "exponential": "exp",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softplus": "softplus",
    "linear": "linear",
    "elu": "elu",
}

#: Short spellings accepted wherever an activation is given.
_ACTIVATION_ALIASES = {"exp": "exponential"}

#: Convolution paddings: ``"same"`` keeps the length, ``"valid"`` shrinks it by kernel - 1.
PADDINGS = ("same", "valid")


def check_activation(activation: str) -> str:
    """The canonical name of a supported activation (``"exp"`` -> ``"exponential"``).

    Raises
    ------
    InvalidArchitectureError
        For anything but one of :data:`ACTIVATIONS` (or ``"exp"``), case aside.
    """
    key = _normalise_activation(activation)
    if key not in ACTIVATIONS:
        raise InvalidArchitectureError(
            f"activation {activation!r} is not supported; use one of Keras's built-in "
            f"{', '.join(ACTIVATIONS)} (or 'exp' for exponential)."
        )
    return key


def _normalise_activation(activation):
    if not isinstance(activation, str):
        return activation
    key = activation.strip().lower()
    return _ACTIVATION_ALIASES.get(key, key)


@dataclass(frozen=True)
class ConvBlock:
    """One convolution block: Conv1D -> BatchNorm -> activation -> MaxPool -> Dropout.

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
    activation : str, default "relu"
        One of :data:`ACTIVATIONS` (``"exp"`` is read as ``"exponential"``).
    padding : {"same", "valid"}, default "same"
        Convolution padding: ``"same"`` keeps the length, ``"valid"`` shrinks it by
        ``kernel - 1`` (Koo & Ploenzke's CNN-deep). Filters of a layer with a
        ``"valid"`` convolution at or before it cannot be aligned to input windows.
    dropout : float or None, default None
        Dropout rate after this block; ``None`` means the spec's ``conv_dropout``.
    """

    filters: int
    kernel: int
    pool: int = 1
    pool_stride: int | None = None
    activation: str = "relu"
    padding: str = "same"
    dropout: float | None = None

    def __post_init__(self) -> None:
        if self.pool_stride is None:
            object.__setattr__(self, "pool_stride", self.pool)
        object.__setattr__(self, "activation", _normalise_activation(self.activation))

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

    def to_dict(self) -> dict:
        """JSON-friendly; ``activation``, ``padding`` and ``dropout`` only when not the
        defaults (``"relu"``, ``"same"``, ``None``)."""
        out = {"filters": self.filters, "kernel": self.kernel, "pool": self.pool,
               "pool_stride": self.stride}
        if self.activation != "relu":
            out["activation"] = self.activation
        if self.padding != "same":
            out["padding"] = self.padding
        if self.dropout is not None:
            out["dropout"] = self.dropout
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ConvBlock:
        """Inverse of :meth:`to_dict`; missing keys take their defaults."""
        return cls(
            int(data["filters"]),
            int(data["kernel"]),
            int(data.get("pool", 1)),
            int(data["pool_stride"]) if data.get("pool_stride") is not None else None,
            activation=data.get("activation", "relu"),
            padding=data.get("padding", "same"),
            dropout=float(data["dropout"]) if data.get("dropout") is not None else None,
        )


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
        Dropout rates after each convolution block (0.1; a block's own ``dropout``
        takes precedence) and after the dense layer (0.5).
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

    @property
    def activation(self) -> str:
        """The first layer's activation (``"relu"`` for every paper model)."""
        return self.blocks[0].activation

    @property
    def activations(self) -> tuple[str, ...]:
        return tuple(b.activation for b in self.blocks)

    @property
    def paddings(self) -> tuple[str, ...]:
        return tuple(b.padding for b in self.blocks)

    @property
    def dropouts(self) -> tuple[float, ...]:
        """The dropout rate after each convolution block (its own, else ``conv_dropout``)."""
        return tuple(self.conv_dropout if b.dropout is None else b.dropout for b in self.blocks)

    def derive(
        self,
        *,
        name: str | None = None,
        filters: Sequence[int] | None = None,
        kernels: Sequence[int] | None = None,
        pools: Sequence[int] | None = None,
        pool_strides: Sequence[int] | None = None,
        activation: str | None = None,
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
        ``kernels`` and ``pools`` must all be given with that length, and the new
        blocks keep only the first layer's activation (the others are ReLU, "same"
        padding and the spec's ``conv_dropout``).

        ``activation`` sets the first layer's activation (one of
        :data:`ACTIVATIONS`, or ``"exp"``). When it is the only change, the result
        is the activation variant, named as :func:`get_spec` names it
        (``cnn-25`` -> ``cnn-25-exp``), and is the zoo's row where the zoo has one.

        Examples
        --------
        >>> get_spec("cnn-25").derive(filters=[60, 128]).filters
        (60, 128)
        >>> get_spec("cnn-1").derive(filters=[30, 64, 64], kernels=[19, 5, 5],
        ...                          pools=[1, 1, 100]).depth
        3
        >>> get_spec("cnn-25").derive(activation="exponential").name
        'cnn-25-exp'
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
        # Per-block settings other than the four lists stay with their block; blocks
        # of a new depth get the defaults, except the first layer's activation.
        templates = self.blocks if new_depth == self.depth else (
            ConvBlock(1, 1, activation=self.activation),
            *(ConvBlock(1, 1) for _ in range(new_depth - 1)),
        )
        blocks = tuple(
            dataclasses.replace(t, filters=f, kernel=k, pool=p, pool_stride=s)
            for t, f, k, p, s in zip(
                templates, current["filters"], current["kernels"], current["pools"],
                current["pool_strides"],
            )
        )
        if activation is not None:
            activation = check_activation(activation)
            blocks = (dataclasses.replace(blocks[0], activation=activation), *blocks[1:])
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
        others_same = not any(getattr(self, k) != v for k, v in changed.items())
        if others_same and blocks != self.blocks and blocks[1:] == self.blocks[1:] \
                and dataclasses.replace(blocks[0], activation=self.activation) == self.blocks[0]:
            # Only the first layer's activation changed: the named activation variant.
            variant = _activation_variant(self, blocks[0].activation)
            return variant if name is None else dataclasses.replace(variant, name=name)
        is_same = blocks == self.blocks and others_same
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
        """A JSON-friendly description (used in manifests and ``zoo list --format json``).

        A block's ``activation``, ``padding`` and ``dropout`` appear only when they are
        not the defaults (``"relu"``, ``"same"``, ``None``), so the paper's models have
        the same dictionaries as before those options existed (training compares them
        when it resumes a run).
        """
        return {
            "name": self.name,
            "label": self.label,
            "released_name": self.released_name,
            "blocks": [b.to_dict() for b in self.blocks],
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
        """Inverse of :meth:`to_dict`; also reads dictionaries written before blocks had
        an activation, padding and dropout of their own."""
        blocks = tuple(ConvBlock.from_dict(b) for b in data["blocks"])
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
        if b.activation not in ACTIVATIONS:
            raise InvalidArchitectureError(
                f"activation of convolution layer {i} is {b.activation!r}; use one of Keras's "
                f"built-in {', '.join(ACTIVATIONS)} (or 'exp' for exponential)."
            )
        if b.padding not in PADDINGS:
            raise InvalidArchitectureError(
                f"padding of convolution layer {i} is {b.padding!r}; use 'same' or 'valid'."
            )
        if b.dropout is not None and (isinstance(b.dropout, bool)
                                      or not isinstance(b.dropout, (int, float))
                                      or not 0.0 <= b.dropout < 1.0):
            raise InvalidArchitectureError(
                f"dropout of convolution layer {i} is {b.dropout!r}; it must be in [0, 1), "
                "or None for the spec's conv_dropout."
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
# The zoo: PAPER_FACTS section 1, one row each; then Koo & Ploenzke (2021).
# --------------------------------------------------------------------------------------

def _two_layer(name, label, released, k1, p1, p2, *, s1=None, f1=30, f2=128, k2=5, note=""):
    return ArchSpec(
        name=name,
        blocks=(ConvBlock(f1, k1, p1, s1), ConvBlock(f2, k2, p2)),
        label=label,
        released_name=released,
        note=note,
    )


_PAPER_ROWS: tuple[ArchSpec, ...] = (
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


def _strip_suffix(text: str, suffix: str) -> str:
    return text[: -len(suffix)] if suffix and text.endswith(suffix) else text


def _rename_for_activation(spec: ArchSpec, activation: str) -> ArchSpec:
    """``spec`` with another first-layer activation, renamed after it (``cnn-25`` ->
    ``cnn-25-exp``, label ``CNN-25`` -> ``CNN-25 (exp)``); no zoo look-up."""
    old = ACTIVATION_SUFFIXES[spec.activation]
    root_name = _strip_suffix(spec.name, f"-{old}" if old else "")
    root_label = _strip_suffix(spec.label, f" ({old})" if old else "")
    suffix = ACTIVATION_SUFFIXES[activation]
    return dataclasses.replace(
        spec,
        name=f"{root_name}-{suffix}" if suffix else root_name,
        label=(f"{root_label} ({suffix})" if suffix else root_label) if root_label else "",
        blocks=(dataclasses.replace(spec.blocks[0], activation=activation), *spec.blocks[1:]),
        released_name="",
        aliases=(),
        note=f"first-layer activation {activation}; otherwise as {root_name}",
    )


def _same_architecture(a: ArchSpec, b: ArchSpec) -> bool:
    """Equal apart from name, label, released name and note."""
    return dataclasses.replace(a, name=b.name, label=b.label, released_name=b.released_name,
                               note=b.note) == b


def _activation_variant(spec: ArchSpec, activation: str) -> ArchSpec:
    """:func:`_rename_for_activation`, or the zoo's row of that name where it is the same
    architecture (so ``cnn-2`` with an exponential first layer is the ``cnn-2-exp`` row)."""
    variant = _rename_for_activation(spec, activation)
    row = ZOO.get(variant.name)
    return row if row is not None and _same_architecture(variant, row) else variant


def _exp_row(root: ArchSpec, note: str) -> ArchSpec:
    return dataclasses.replace(_rename_for_activation(root, "exponential"), note=note)


_KP_DIFFERENCES = (
    "their dropout comes before the max-pool (here after it), their output layer has no "
    "L2 penalty, and their code doubles every width at 1000 nt (not here)"
)

_KP_CNN_2 = ArchSpec(
    name="kp-cnn-2",
    blocks=(ConvBlock(32, 19, 2), ConvBlock(124, 5, 50)),
    dense_batchnorm=True,
    kernel_initializer="glorot_uniform",
    label="KP CNN-2",
    note="Koo & Ploenzke (2021)'s CNN-2 (cnn_model.py, pools 2 and 50): 32 and 124 filters "
         "(Koo & Eddy: 30 and 128), Glorot-uniform kernels, no-bias Dense 512 + BatchNorm; "
         + _KP_DIFFERENCES,
)
_KP_CNN_50 = dataclasses.replace(
    _KP_CNN_2,
    name="kp-cnn-50",
    blocks=(ConvBlock(32, 19, 50), ConvBlock(124, 5, 2)),
    label="KP CNN-50",
    note=_KP_CNN_2.note.replace("CNN-2 (cnn_model.py, pools 2 and 50)",
                                "CNN-50 (cnn_model.py, pools 50 and 2)"),
)
_CNN_DEEP = ArchSpec(
    name="cnn-deep",
    blocks=(
        ConvBlock(32, 19, 1, dropout=0.1),
        ConvBlock(48, 7, 4, dropout=0.2),
        ConvBlock(96, 7, 4, padding="valid", dropout=0.3),
        ConvBlock(128, 3, 3, padding="valid", dropout=0.4),
    ),
    dense_batchnorm=True,
    kernel_initializer="glorot_uniform",
    label="CNN-deep",
    note="Koo & Ploenzke (2021)'s CNN-deep (cnn_deep.py): dropout 0.1-0.4 by layer, 'valid' "
         "convolutions in layers 3 and 4, Glorot-uniform kernels, no-bias Dense 512 + "
         "BatchNorm; their max-pools use 'valid' padding (here 'same': the same lengths at "
         "200 nt, 20 final positions instead of 19 at 1000 nt), " + _KP_DIFFERENCES,
)

_FOLLOW_UP_ROWS: tuple[ArchSpec, ...] = (
    _exp_row(_PAPER_ROWS[1],
             "Koo & Eddy's CNN-2 with an exponential first-layer activation, which Koo & "
             "Ploenzke (2021) found makes its filters learn whole motifs; they ran it at their "
             "own widths (kp-cnn-2-exp)"),
    _exp_row(_PAPER_ROWS[5],
             "Koo & Eddy's CNN-50 with an exponential first-layer activation (Koo & Ploenzke "
             "2021; they ran it at their own widths: kp-cnn-50-exp)"),
    _KP_CNN_2,
    _exp_row(_KP_CNN_2, "kp-cnn-2 with an exponential first-layer activation: Koo & "
                        "Ploenzke (2021)'s model for CNN-2 learning whole motifs; the same "
                        "differences from their code as kp-cnn-2"),
    _KP_CNN_50,
    _exp_row(_KP_CNN_50, "kp-cnn-50 with an exponential first-layer activation (Koo & "
                         "Ploenzke 2021); the same differences from their code as kp-cnn-50"),
    _CNN_DEEP,
    _exp_row(_CNN_DEEP, "cnn-deep with an exponential first-layer activation, Koo & Ploenzke "
                        "(2021)'s case of a deep model whose ReLU filters learned almost no "
                        "whole motifs; the same differences from their code as cnn-deep"),
)

_ROWS: tuple[ArchSpec, ...] = (*_PAPER_ROWS, *_FOLLOW_UP_ROWS)

#: Canonical name -> spec: the paper's 17 rows in Table 1's order (plus CNN-1-1-100),
#: then Koo & Ploenzke (2021)'s.
ZOO: dict[str, ArchSpec] = {spec.name: spec for spec in _ROWS}

#: The 17 models of Koo & Eddy (2019), in Table 1's order.
PAPER_MODELS: tuple[str, ...] = tuple(spec.name for spec in _PAPER_ROWS)

#: The zoo's rows from Koo & Ploenzke (2021): exponential first layers and their
#: architectures.
FOLLOW_UP_MODELS: tuple[str, ...] = tuple(spec.name for spec in _FOLLOW_UP_ROWS)

# The released code differs from the paper text in two ways (PAPER_FACTS section 1).
_RELEASED_OVERRIDES: dict[str, dict] = {
    "cnn-50-2": {"filters": (30, 64), "dense_units": 96},
}


def _build_roots() -> dict[str, tuple[str, str]]:
    """Canonical name -> (name of its ReLU model, first-layer activation), every row."""
    roots: dict[str, tuple[str, str]] = {}
    for spec in _ROWS:
        if spec.activation == "relu":
            roots[spec.name] = (spec.name, "relu")
            continue
        root = _strip_suffix(spec.name, f"-{ACTIVATION_SUFFIXES[spec.activation]}")
        if root not in ZOO or ZOO[root].activation != "relu" or not _same_architecture(
                _rename_for_activation(ZOO[root], spec.activation), spec):
            raise InvalidArchitectureError(
                f"zoo row {spec.name!r} is no activation variant of a ReLU row; name it "
                "after one, such as cnn-2-exp."
            )
        roots[spec.name] = (root, spec.activation)
    return roots


_ROOTS = _build_roots()


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

#: Name suffixes read as a first-layer activation, longest first (``-exp`` included).
_SUFFIXES: tuple[tuple[str, str], ...] = tuple(sorted(
    [(a, a) for a in ACTIVATIONS] + [(alias, a) for alias, a in _ACTIVATION_ALIASES.items()],
    key=lambda item: -len(item[0]),
))


def list_models() -> list[str]:
    """Canonical names of every zoo architecture: the paper's 17 first, in Table 1's
    order (:data:`PAPER_MODELS`), then Koo & Ploenzke's (:data:`FOLLOW_UP_MODELS`).

    Activation variants that are no row of their own (``cnn-25-tanh``) are not listed;
    :func:`get_spec` makes them on request.
    """
    return list(ZOO)


def all_names() -> list[str]:
    """Every accepted spelling: canonical names, paper labels and released-code names."""
    names = []
    for spec in _ROWS:
        names.extend(n for n in (spec.name, spec.label, spec.released_name) if n)
    return names


def _variant_name(root: str, activation: str) -> str:
    suffix = ACTIVATION_SUFFIXES[activation]
    return f"{root}-{suffix}" if suffix else root


def _parse(name: str) -> tuple[str, str]:
    """(canonical name of the ReLU model, first-layer activation) of any accepted name."""
    if not isinstance(name, str):
        raise UnknownModelError(repr(name), [])
    key = _key(name)
    canonical = _INDEX.get(key)
    if canonical is not None:
        return _ROOTS[canonical]
    for alias, activation in _SUFFIXES:
        if key.endswith(f"-{alias}"):
            base = _INDEX.get(key[: -len(alias) - 1])
            if base is not None and _ROOTS[base] == (base, "relu"):
                return base, activation
    close = difflib.get_close_matches(key, list(_INDEX), n=6, cutoff=0.5)
    suggestions: list[str] = []
    for item in close:
        if _INDEX[item] not in suggestions:
            suggestions.append(_INDEX[item])
    raise UnknownModelError(name, suggestions[:3])


def resolve_name(name: str) -> str:
    """The canonical name for any accepted spelling.

    Accepted: a canonical name, paper label or released-code name, optionally followed
    by an activation suffix (``"cnn-25-exp"``, ``"CNN-25 (tanh)"``, ``"cnn_25_sigmoid"``;
    see :data:`ACTIVATION_SUFFIXES`) when the model itself has a ReLU first layer.

    Raises
    ------
    UnknownModelError
        With the closest canonical names as suggestions.
    """
    return _variant_name(*_parse(name))


def get_spec(name: str | ArchSpec, flavor: str = "released", *,
             activation: str | None = None) -> ArchSpec:
    """The :class:`ArchSpec` of a zoo model, or of an activation variant of one.

    Parameters
    ----------
    name : str or ArchSpec
        A canonical name (``"cnn-25"``), paper label (``"CNN-25 (60)"``) or
        released-code name (``"cnn_2_1"``), optionally with an activation suffix
        (``"cnn-25-exp"``, ``"cnn-deep-tanh"``). A spec is returned unchanged, or
        with ``activation`` applied.
    flavor : {"released", "paper"}, default "released"
        ``"released"`` (the default: the authors' released code, which produced the
        paper's numbers) applies the released code's differences to Koo & Eddy's
        models and their variants: BatchNorm after the hidden dense layer,
        Glorot-uniform kernels, and CNN-50-2 with 64 second-layer filters and 96
        units. ``"paper"`` follows the paper's text (He-normal kernels, no BatchNorm
        after the dense layer, CNN-50-2 with 128 filters and 512 units). Koo &
        Ploenzke's models (``kp-*``, ``cnn-deep``) already follow their released code
        and are the same in both flavors.
    activation : str, optional
        The first layer's activation, one of :data:`ACTIVATIONS` (or ``"exp"``). It
        replaces the one the name implies: ``get_spec("cnn-25", activation="exp")``
        is ``get_spec("cnn-25-exp")``, and ``get_spec("cnn-2-exp",
        activation="relu")`` is ``get_spec("cnn-2")``.

    Raises
    ------
    UnknownModelError
        For a name that is no zoo model (with the closest names).
    InvalidArchitectureError
        For an unknown flavor or activation.
    """
    if flavor not in FLAVORS:
        raise InvalidArchitectureError(
            f"flavor {flavor!r} is not known; use one of {', '.join(FLAVORS)}."
        )
    if activation is not None:
        activation = check_activation(activation)
    if isinstance(name, ArchSpec):
        return name if activation is None else name.derive(activation=activation)
    root, implied = _parse(name)
    activation = activation or implied
    spec = ZOO[root] if activation == "relu" else _activation_variant(ZOO[root], activation)
    if flavor == "released" and root in PAPER_MODELS:
        override = _RELEASED_OVERRIDES.get(root, {})
        released = spec.derive(dense_batchnorm=True, kernel_initializer="glorot_uniform",
                               name=spec.name, **override)
        spec = dataclasses.replace(
            released,
            label=spec.label,
            released_name=spec.released_name,
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


def _conv_length(length: int, block: ConvBlock) -> int:
    # "same" keeps the length; "valid" keeps the positions the whole kernel fits into.
    return length if block.padding == "same" else length - block.kernel + 1


def layer_geometry(spec: ArchSpec, input_length: int = 200) -> list[LayerGeometry]:
    """Per-layer output length, receptive field and spatial uncertainty.

    Only convolution and pooling layers change these; BatchNorm, the activation and
    Dropout keep the geometry of the layer before them. A ``"valid"`` convolution
    shrinks the length to ``L - kernel + 1``; the receptive field grows the same way
    whatever the padding.

    Raises
    ------
    InvalidArchitectureError
        If ``input_length`` is too short for a pooling window or a ``"valid"``
        convolution of the spec.
    """
    _check_length(spec, input_length)
    out: list[LayerGeometry] = []
    length, rf, jump, unc = input_length, 1, 1, 1
    for i, block in enumerate(spec.blocks, start=1):
        rf += (block.kernel - 1) * jump
        length = _conv_length(length, block)
        out.append(LayerGeometry(f"conv{i}", "conv", length, block.filters, rf, jump, unc))
        if block.has_pool:
            rf += (block.pool - 1) * jump
            unc += (block.pool - 1) * jump
            jump *= block.stride
            length = _pooled_length(length, block.stride)
            out.append(LayerGeometry(f"conv{i}_pool", "pool", length, block.filters, rf, jump, unc))
    return out


def _first_misfit(spec: ArchSpec, input_length: int) -> tuple[int, str, int, int] | None:
    """(layer index, what, window, length reaching it) of the first pooling window or
    "valid" convolution that does not fit."""
    length = input_length
    for i, block in enumerate(spec.blocks, start=1):
        if block.padding == "valid":
            if block.kernel > length:
                return i, "'valid' convolution", block.kernel, length
            length = _conv_length(length, block)
        if block.has_pool:
            if block.pool > length:
                return i, "pooling window", block.pool, length
            length = _pooled_length(length, block.stride)
    return None


def min_input_length(spec: ArchSpec) -> int:
    """The shortest input every pooling window and "valid" convolution of ``spec`` fits into."""
    length = 1
    while _first_misfit(spec, length) is not None:
        length += 1
    return length


def _check_length(spec: ArchSpec, input_length: int) -> None:
    if isinstance(input_length, bool) or not isinstance(input_length, int) or input_length < 1:
        raise InvalidArchitectureError(
            f"input_length is {input_length!r}; it must be a positive integer such as 200 or 1000."
        )
    short = _first_misfit(spec, input_length)
    if short is not None:
        layer, what, window, length = short
        raise InvalidArchitectureError(
            f"input_length={input_length} is too short for {spec.name}: the {what} of "
            f"convolution layer {layer} spans {window} positions but only {length} reach it; "
            f"use input_length >= {min_input_length(spec)}."
        )


def count_parameters(spec: ArchSpec, input_length: int = 200, num_classes: int = 12) -> dict:
    """Parameter counts of the Keras model :func:`~deepmotif_arch.zoo.models.build_model` makes.

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
