"""How filters are read out and matched, as one validated settings object, and the
named pipelines that reproduce (or depart from) the paper.

A filter's match statistics depend on more choices than the paper's text names:
which activations count, how wide a window is cut around each, whether windows are
weighted, what happens at the sequence ends, what the MEME file says ``nsites`` is
(Tomtom weighs its pseudocount by it) and Tomtom's distance and minimum overlap.
:class:`InterpretSettings` holds all of them; :data:`PRESETS` names the pipelines:

``authors`` (the default everywhere)
    What the authors' released scripts ran to produce Table 1 (PAPER_FACTS section 5):
    ``activation_pwm(threshold=0.5, window=19)`` (every position above half the
    filter's maximum over the test set, a 19-nt window for every model and layer,
    each window weighted by its activation, zero-padded at the ends), clipped at 0.5
    bits plus 3 columns, a MEME file with ``nsites`` = width, and
    ``tomtom -evalue -thresh 0.1`` with MEME's defaults (Euclidean, minimum overlap 1).
``paper-text``
    The paper's text: one window per sequence at its maximum when it reaches 70% of
    the filter's maximum, the receptive field as the window, counted, off-end windows
    dropped, ``nsites`` = windows kept; matched as the authors matched (the text names
    no Tomtom options).
``kp21``
    Koo & Ploenzke's (2021) read-out and matching (EXP_ACTIVATIONS_FACTS section 4): every
    position above half the filter's maximum, a 20-nt window (position - 10 to + 9),
    windows counted once and those that reach an end dropped, clipped at 0.5 bits plus 3
    columns, ``nsites`` = width, ``tomtom -evalue -thresh 0.1`` with MEME's defaults,
    against JASPAR 2016 without Gmeb1 (MA0615.1), which their database lacks (518 motifs).
``v0``
    This library's pipeline before 2026-11-30, for comparison with results made with it:
    every position above 50%, receptive-field windows counted once, off-end windows
    dropped, ``nsites`` = windows kept, Tomtom with Pearson correlation and minimum
    overlap 5 (a misreading of the authors' scripts).

:data:`ABLATION` lists one-switch departures from ``authors`` (``deepmotif experiment
ablation`` measures each).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from deepmotif_arch.base.errors import DeepMotifError

__all__ = ["InterpretSettings", "PRESETS", "DEFAULT_PRESET", "ABLATION", "preset"]


@dataclass(frozen=True)
class InterpretSettings:
    """Read-out and matching options (see :func:`deepmotif_arch.interpretation.filters.filter_pwms`
    and :func:`deepmotif_arch.interpretation.motif_stats.match_filters`).

    ``window``, ``weighted`` and ``pad_edges`` left as None take the variant's default.
    """

    variant: str = "authors"
    threshold: float | None = None
    window: int | None = None
    weighted: bool | None = None
    pad_edges: bool | None = None
    nsites: str = "width"
    dist: str = "ed"
    min_overlap: int = 1
    evalue: float = 0.1
    clip: bool = True
    #: JASPAR IDs taken out of the database before matching.
    exclude: tuple[str, ...] = ()

    def validate(self) -> InterpretSettings:
        """Raise :class:`~deepmotif_arch.base.errors.DeepMotifError` for a bad value; return
        self."""
        from deepmotif_arch.interpretation.filters import NSITES, check_variant, resolve_switches
        from deepmotif_arch.interpretation.motif_stats import check_match_options

        check_variant(self.variant, self.threshold)
        resolve_switches(self.variant, self.weighted, self.pad_edges)
        if self.window is not None and (isinstance(self.window, bool)
                                        or not isinstance(self.window, int) or self.window < 1):
            raise DeepMotifError(f"window is {self.window!r}; it must be a positive number of "
                                 "positions such as 19, or None for the variant's default.")
        if self.nsites not in NSITES:
            raise DeepMotifError(f"nsites is {self.nsites!r}; use 'width' (the authors' MEME "
                                 "files) or 'sites' (windows kept).")
        check_match_options(self.evalue, self.dist)
        if isinstance(self.exclude, str) or not all(
                isinstance(i, str) and i.strip() for i in self.exclude):
            raise DeepMotifError(f"exclude is {self.exclude!r}; it must be a list of motif IDs "
                                 "such as ['MA0615.1'], or empty.")
        if isinstance(self.min_overlap, bool) or not isinstance(self.min_overlap, int) \
                or self.min_overlap < 1:
            raise DeepMotifError(f"min_overlap is {self.min_overlap!r}; it must be a positive "
                                 "integer such as 1 (MEME's default).")
        return self

    def replace(self, **changes) -> InterpretSettings:
        return dataclasses.replace(self, **changes)

    def readout_kwargs(self) -> dict:
        """Keyword arguments of :func:`~deepmotif_arch.interpretation.filters.filter_pwms`."""
        return {"variant": self.variant, "threshold": self.threshold, "window": self.window,
                "weighted": self.weighted, "pad_edges": self.pad_edges}

    def match_kwargs(self) -> dict:
        """Keyword arguments of :func:`~deepmotif_arch.interpretation.motif_stats.match_filters`."""
        return {"evalue": self.evalue, "dist": self.dist, "min_overlap": self.min_overlap,
                "clip": self.clip, "nsites": self.nsites, "exclude": tuple(self.exclude)}

    def to_dict(self) -> dict:
        """The fields as JSON values; ``exclude`` only when it is not empty, so settings
        written before it existed still compare equal."""
        out = dataclasses.asdict(self)
        out["exclude"] = list(self.exclude)
        if not out["exclude"]:
            del out["exclude"]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> InterpretSettings:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if "exclude" in values:
            values["exclude"] = tuple(values["exclude"])
        return cls(**values)


#: The named pipelines (module notes); the first is the default.
PRESETS: dict[str, InterpretSettings] = {
    "authors": InterpretSettings(),
    "paper-text": InterpretSettings(variant="paper"),
    "kp21": InterpretSettings(variant="released", window=20, exclude=("MA0615.1",)),
    "v0": InterpretSettings(variant="released", nsites="sites", dist="pearson", min_overlap=5),
}
DEFAULT_PRESET = "authors"

#: One switch at a time away from ``authors``: (name, what changes, the change).
ABLATION: tuple[tuple[str, str, dict], ...] = (
    ("authors", "the authors' pipeline", {}),
    ("dist-pearson", "Tomtom distance Pearson instead of Euclidean", {"dist": "pearson"}),
    ("min-overlap-5", "Tomtom minimum overlap 5 instead of 1", {"min_overlap": 5}),
    ("window-receptive", "window = the layer's receptive field instead of 19 nt",
     {"window": "receptive"}),
    ("counted", "every window counted once instead of weighted by its activation",
     {"weighted": False}),
    ("edges-dropped", "windows running off an end dropped instead of zero-padded",
     {"pad_edges": False}),
    ("nsites-sites", "MEME nsites = windows kept instead of the width", {"nsites": "sites"}),
    ("paper-selection", "the paper text's selection (per-sequence maximum >= 70%) with the "
     "authors' window, weighting and matching", {"variant": "paper", "window": 19,
                                                 "weighted": True, "pad_edges": True}),
    ("kp21", "Koo & Ploenzke's read-out and database (20-nt windows counted once, off-end "
     "windows dropped; JASPAR without Gmeb1)", {"preset": "kp21"}),
    ("v0", "all of this library's former choices at once (Pearson, overlap 5, receptive "
     "field, counted, dropped, nsites = sites)", {"preset": "v0"}),
)


def preset(name: str) -> InterpretSettings:
    """The settings of a named pipeline (:data:`PRESETS`)."""
    try:
        return PRESETS[name]
    except KeyError:
        raise DeepMotifError(f"interpretation preset {name!r} is not known; use one of "
                             f"{', '.join(PRESETS)}.") from None
