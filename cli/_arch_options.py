"""Architecture options shared by every command that builds a model (zoo, train)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from deepmotif_arch.base.errors import InvalidArchitectureError
from deepmotif_arch.zoo.architectures import DEFAULT_FLAVOR, ArchSpec, get_spec, parse_int_list

_PANEL = "Custom architecture"


class FlavorName(str, Enum):
    """``--flavor``: the authors' released code (the default) or the paper's text."""

    released = "released"
    paper = "paper"


#: The default of every ``--flavor`` option
#: (:data:`deepmotif_arch.zoo.architectures.DEFAULT_FLAVOR`).
DEFAULT = FlavorName(DEFAULT_FLAVOR)

Filters = Annotated[
    str | None,
    typer.Option("--filters", help="Filters per conv layer, e.g. '60,128'.",
                 rich_help_panel=_PANEL),
]
Kernels = Annotated[
    str | None,
    typer.Option("--kernels", help="Kernel size per conv layer, e.g. '19,5'.",
                 rich_help_panel=_PANEL),
]
Pools = Annotated[
    str | None,
    typer.Option("--pools", help="Max-pool window per conv layer (1 = none), e.g. '25,4'.",
                 rich_help_panel=_PANEL),
]
PoolStrides = Annotated[
    str | None,
    typer.Option("--pool-strides", help="Max-pool stride per conv layer (default: the window).",
                 rich_help_panel=_PANEL),
]
DenseUnits = Annotated[
    int | None,
    typer.Option("--dense-units", min=1, help="Units of the hidden dense layer (default 512).",
                 rich_help_panel=_PANEL),
]
Activation = Annotated[
    str | None,
    typer.Option("--activation", help="First layer's activation: relu (the paper's), "
                 "exponential (or exp; Koo & Ploenzke 2021), sigmoid, tanh, softplus, linear "
                 "or elu. Deeper layers stay ReLU.", rich_help_panel=_PANEL),
]
Flavor = Annotated[
    FlavorName,
    typer.Option("--flavor", help="released: the authors' code, which made the paper's "
                 "numbers (BatchNorm after the dense layer, Glorot-uniform; CNN-50-2 with 64 "
                 "filters, 96 units; training: Adam 1e-3, beta_1 0.95). paper: the paper's "
                 "text (He-normal; Adam 3e-4, which trains far more slowly)."),
]
Length = Annotated[
    int,
    typer.Option("--length", "-L", help="Input sequence length (200 synthetic, 1000 in vivo)."),
]
Classes = Annotated[int, typer.Option("--classes", help="Number of output classes.")]


def resolve_spec(
    name: str | None,
    *,
    filters: str | None = None,
    kernels: str | None = None,
    pools: str | None = None,
    pool_strides: str | None = None,
    dense_units: int | None = None,
    flavor: FlavorName | str = DEFAULT,
    activation: str | None = None,
) -> ArchSpec:
    """A zoo spec by name, with any custom per-layer options applied on top.

    Without a name, ``--filters``, ``--kernels`` and ``--pools`` describe the whole
    architecture. ``activation`` replaces the first layer's (``cnn-2`` with
    ``exponential`` is ``cnn-2-exp``).
    """
    flavor = getattr(flavor, "value", flavor)
    parsed = {
        "filters": _int_list(filters, "--filters"),
        "kernels": _int_list(kernels, "--kernels"),
        "pools": _int_list(pools, "--pools"),
        "pool_strides": _int_list(pool_strides, "--pool-strides"),
    }
    if name is None:
        missing = [f"--{k}" for k in ("filters", "kernels", "pools") if parsed[k] is None]
        if missing:
            raise InvalidArchitectureError(
                "give a model name (see `deepmotif zoo list`) or a full custom architecture; "
                f"missing {', '.join(missing)}."
            )
        spec = get_spec("cnn-25", flavor=flavor).derive(
            name="custom", dense_units=dense_units, **parsed
        )
        return spec.derive(activation=activation) if activation else spec
    spec = get_spec(name, flavor=flavor, activation=activation)
    if any(v is not None for v in parsed.values()) or dense_units is not None:
        spec = spec.derive(dense_units=dense_units, **parsed)
    return spec


#: Largest per-layer value accepted (int32, what Keras and XLA index shapes with).
MAX_LAYER_VALUE = 2**31 - 1


def _int_list(text: str | None, what: str) -> tuple[int, ...] | None:
    """A per-layer option as integers, refusing empty items and sizes no backend can hold."""
    if not text:
        return None
    if any(not item.strip() for item in text.split(",")):
        raise InvalidArchitectureError(
            f"{what} {text!r} has an empty item; give one integer per convolution layer, "
            "e.g. '30,128'."
        )
    values = parse_int_list(text, what)
    too_big = [v for v in values if v > MAX_LAYER_VALUE]
    if too_big:
        raise InvalidArchitectureError(
            f"{what} value {too_big[0]} is too large; give at most {MAX_LAYER_VALUE:,} "
            "(and a model that fits in memory)."
        )
    return values
