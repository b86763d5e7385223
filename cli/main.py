"""Entry point of the ``deepmotif`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from deepmotif_arch import __version__

from .data import app as data_app
from .experiment import app as experiment_app
from .interpret import logos, match
from .train import evaluate, train
from .zoo import app as zoo_app

app = typer.Typer(
    name="deepmotif",
    help="Train, evaluate and interpret the CNNs of Koo & Eddy (2019): "
    "how architecture decides whether first-layer filters learn whole motifs.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
app.add_typer(zoo_app, name="zoo")
app.add_typer(data_app, name="data")
app.add_typer(experiment_app, name="experiment")
app.command("train")(train)
app.command("evaluate")(evaluate)
app.command("logos")(logos)
app.command("match")(match)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"deepmotif-arch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="Print the version and exit."),
    ] = False,
) -> None:
    """deepmotif: the Koo & Eddy (2019) model zoo and motif tools."""


def main() -> None:  # console-script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
