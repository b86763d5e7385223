"""Entry point of the ``deepmotif`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from deepmotif_arch import __version__


def _tidy_help() -> None:
    """Two small fixes to Typer's rich help, applied once when the app is imported.

    - A flag (``--quiet``, ``--fast-pool/--no-fast-pool``, ``--help`` itself) takes no
      value, so its type column stays empty; Typer 0.29 shows ``<bool>`` there. A long
      list of choices is written one choice a line, so that the column stays narrow at
      80 columns instead of cutting words.
    - A command's description is reflowed: the single line breaks of its docstring
      become spaces (paragraphs stay), so it wraps at the terminal's width instead of
      at the source's line ends, which left ragged half-lines at 80 columns. A
      paragraph that starts with ``\\b`` keeps its lines, as in Click.

    Each is skipped where Typer lacks the hook it replaces (other versions).
    """
    from typer import core, rich_utils

    option = getattr(core, "TyperOption", None)
    shown = getattr(option, "display_type_rich", None)
    if shown is not None and not getattr(shown, "_deepmotif", False):
        def display_type_rich(self, ctx):
            if getattr(self, "is_flag", False):
                return None
            text = shown(self, ctx)
            if isinstance(text, str) and len(text) > 20 and text.startswith("<"):
                text = text.replace("|", "|\n")
            return text

        display_type_rich._deepmotif = True
        option.display_type_rich = display_type_rich
    if hasattr(rich_utils, "_fix_linebreaks"):
        def _fix_linebreaks(paragraphs, markup_mode):
            return "\n\n".join(p if p.startswith("\b") else " ".join(p.split("\n"))
                                for p in paragraphs)

        rich_utils._fix_linebreaks = _fix_linebreaks


_tidy_help()

from .data import app as data_app  # noqa: E402
from .experiment import app as experiment_app  # noqa: E402
from .interpret import logos, match  # noqa: E402
from .train import evaluate, train  # noqa: E402
from .zoo import app as zoo_app  # noqa: E402

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
