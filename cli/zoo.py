"""``deepmotif zoo``: list the architectures and show one layer by layer."""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from deepmotif_arch.zoo.architectures import (
    ZOO,
    ArchSpec,
    count_parameters,
    layer_geometry,
)

from ._arch_options import (
    DEFAULT,
    Activation,
    Classes,
    DenseUnits,
    Filters,
    Flavor,
    Kernels,
    Length,
    Pools,
    PoolStrides,
    resolve_spec,
)
from ._common import console, import_keras, print_table, user_errors

app = typer.Typer(help="The model zoo: every architecture of the paper.", no_args_is_help=True)


class Format(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"


def _conv_column(spec: ArchSpec, sep: str = ",") -> str:
    return sep.join(f"{b.filters}x{b.kernel}" for b in spec.blocks)


def _pool_column(spec: ArchSpec, sep: str = ",") -> str:
    return sep.join(b.describe_pool() for b in spec.blocks)


@app.command("list")
def list_(
    length: Length = 200,
    classes: Classes = 12,
    flavor: Flavor = DEFAULT,
    fmt: Annotated[Format, typer.Option("--format", help="What to print (markdown: the "
                                        "README's table).")] = Format.table,
) -> None:
    """List every architecture: names, layers, pools and parameter counts.

    Filters are written FILTERSxKERNEL per convolution layer; pools as WINDOW or
    WINDOW/STRIDE when the stride differs; 1 means no pooling. Parameter counts are
    those of --flavor (default released: BatchNorm after the dense layer adds 4 x 512,
    of which half are trainable; --flavor paper gives the paper's formula).
    """
    from deepmotif_arch.zoo.architectures import get_spec

    with user_errors():
        rows = []
        for name in ZOO:
            spec = get_spec(name, flavor=flavor.value)
            rows.append((spec, count_parameters(spec, length, classes)["total"]))

    if fmt is Format.json:
        payload = [
            {**spec.to_dict(), "input_length": length, "num_classes": classes, "parameters": n}
            for spec, n in rows
        ]
        console.print_json(json.dumps(payload))
        return
    headers = ["Name", "Paper label", "Code name", "Conv", "Pools", f"Params L={length}"]
    # On a terminal Conv and Pools may wrap after a comma; piped, each row is one line.
    sep = ", " if console.is_terminal else ","
    cells = [
        [spec.name, spec.label, spec.released_name, _conv_column(spec, sep),
         _pool_column(spec, sep), f"{n:,}"]
        for spec, n in rows
    ]
    if fmt is Format.markdown:
        cells = [[*row[:3], _conv_column(spec), _pool_column(spec), row[5]]
                 for row, (spec, _) in zip(cells, rows)]
        typer.echo("| " + " | ".join(headers) + " |")
        typer.echo("|" + "|".join("---" for _ in headers) + "|")
        for row in cells:
            typer.echo("| " + " | ".join(f"`{row[0]}`" if i == 0 else row[i]
                                         for i in range(len(row))) + " |")
        return
    table = Table(
        title=f"deepmotif zoo ({flavor.value} flavor, L={length}, {classes} classes)",
        caption="Conv: filters x kernel per layer. Pools: max-pool window per layer "
        "(window/stride when they differ; 1 = none). Code name: the released code's file.",
        caption_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
        collapse_padding=True,
    )
    for i, header in enumerate([*headers[:-1], "Params"]):  # L is in the title
        table.add_column(header, justify="right" if i == len(headers) - 1 else "left",
                         no_wrap=i not in (3, 4), overflow="fold")
    for row in cells:
        table.add_row(*row)
    print_table(table)


@app.command("show")
def show(
    name: Annotated[
        str | None,
        typer.Argument(help="Zoo name, paper label or released-code name (e.g. cnn-25, "
                       "'CNN-25 (60)', cnn_2_1). Omit it to describe a fully custom model."),
    ] = None,
    length: Length = 200,
    classes: Classes = 12,
    flavor: Flavor = DEFAULT,
    filters: Filters = None,
    kernels: Kernels = None,
    pools: Pools = None,
    pool_strides: PoolStrides = None,
    dense_units: DenseUnits = None,
    activation: Activation = None,
    fmt: Annotated[Format, typer.Option("--format", help="What to print.")] = Format.table,
) -> None:
    """Show a model layer by layer with its receptive field and spatial uncertainty.

    Receptive field: how many nucleotides can influence one output position.
    Spatial uncertainty: how many positions a detected feature could occupy without
    changing the output; only max-pooling adds to it. A large uncertainty with little
    overlap between neighbouring positions stops deeper layers from assembling
    partial motifs, which is why such models learn whole motifs in layer 1.
    """
    with user_errors():
        spec = resolve_spec(name, filters=filters, kernels=kernels, pools=pools,
                            pool_strides=pool_strides, dense_units=dense_units, flavor=flavor,
                            activation=activation)
        geometry = {g.name: g for g in layer_geometry(spec, length)}
        import_keras(data=False, progress=fmt is Format.table)
        from deepmotif_arch.zoo.models import build_or_refuse

        model = build_or_refuse(spec, length, classes)

    rows = []
    for layer in model.layers:
        current = _geometry_of(layer.name, geometry)
        shape = tuple(layer.output.shape[1:])
        rows.append({
            "layer": layer.name,
            "type": _SHORT_TYPES.get(type(layer).__name__, type(layer).__name__),
            "output_shape": list(shape),
            "parameters": int(layer.count_params()),
            "receptive_field": current.receptive_field if current else None,
            "spatial_uncertainty": current.uncertainty if current else None,
        })
    params = count_parameters(spec, length, classes)

    if fmt is Format.json:
        console.print_json(json.dumps({
            "spec": spec.to_dict(), "input_length": length, "num_classes": classes,
            "parameters": params, "layers": rows,
        }))
        return

    title = spec.name + (f"  ({spec.label})" if spec.label else "")
    table = Table(title=title, caption=_caption(spec, params), caption_justify="left")
    for header, justify in (("Layer", "left"), ("Type", "left"), ("Output shape", "right"),
                            ("Params", "right"), ("Receptive field (nt)", "right"),
                            ("Spatial uncertainty (nt)", "right")):
        table.add_column(header, justify=justify, no_wrap=header in ("Layer", "Type"))
    for row in rows:
        table.add_row(
            row["layer"], row["type"], str(tuple(row["output_shape"])), f"{row['parameters']:,}",
            "" if row["receptive_field"] is None else str(row["receptive_field"]),
            "" if row["spatial_uncertainty"] is None else str(row["spatial_uncertainty"]),
        )
    print_table(table)


_SHORT_TYPES = {"BatchNormalization": "BatchNorm", "MaxPooling1D": "MaxPool1D",
                "InputLayer": "Input"}


def _geometry_of(layer_name: str, geometry: dict):
    """The geometry a layer's output has: a block's pool and dropout follow its pool."""
    match = re.fullmatch(r"conv(\d+)(?:_(\w+))?", layer_name)
    if match is None:
        return None
    index, part = match.groups()
    pooled = geometry.get(f"conv{index}_pool")
    if part in ("pool", "dropout") and pooled is not None:
        return pooled
    return geometry[f"conv{index}"]


def _caption(spec: ArchSpec, params: dict) -> str:
    parts = [
        f"Total params: {params['total']:,} "
        f"(trainable {params['trainable']:,}, BatchNorm statistics {params['non_trainable']:,}).",
    ]
    if spec.released_name:
        parts.append(f"Released-code name: {spec.released_name}.")
    if spec.note:
        parts.append(f"Note: {spec.note}.")
    return " ".join(parts)
