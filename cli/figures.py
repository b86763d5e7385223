"""``deepmotif experiment figures``: the sweep's figures from its result files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, user_errors


def figures(
    results: Annotated[Path, typer.Option("--results", help="Folder of the result files.")]
    = Path("results/table1"),
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Folder to put figures/ in (default: the results "
        "folder).")] = None,
) -> None:
    """Draw the pool-size figure and the Fig 2 logos from the result files.

    Writes OUTPUT/figures/pool_size.png (first-layer pool size against the share of
    filters matching a motif and the AU-ROC, ours beside the paper's Table 1),
    fig2_logos.png (first-layer logos of CNN-2, CNN-4 and CNN-25, each from its
    trial with the lowest validation loss) and logos_<model>.png for each of them.
    """
    with user_errors():
        from deepmotif_arch.paper.figures import write_figures

        paths = write_figures(results, output)
    for path in paths:
        console.print(f"Wrote {path}", highlight=False, soft_wrap=True)
