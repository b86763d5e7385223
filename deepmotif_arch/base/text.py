"""How numbers read in tables, summaries and model cards."""

from __future__ import annotations

import math

__all__ = ["mean_sd"]


def mean_sd(mean, sd=None, *, digits: int = 3, missing: str = "–") -> str:
    """``0.972 ± 0.001``: a mean and its standard deviation as every table prints them.

    Parameters
    ----------
    mean, sd : float or None
        No ``sd`` (None) prints the mean alone; no mean (None or NaN) prints ``missing``.
    digits : int, default 3
    missing : str, default "–"
    """
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return missing
    if sd is None or (isinstance(sd, float) and math.isnan(sd)):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"
