"""The sweep's result files as typed records: what ``result.json`` holds, read and written.

:class:`TrialResult` is one (model, trial) of a sweep: its training, test metrics, kept
checkpoint and the match statistics of every interpreted layer. The sweep writes
``TrialResult.to_dict()``; summaries, figures and releases read ``TrialResult.from_dict``
(through :func:`deepmotif_arch.paper.experiment.load_results`), so the file has one
definition. Sections whose inside is a table of numbers (``training``, ``test``,
``layers``, ...) stay plain dicts; keys this version does not know are kept in ``extra``
and written back unchanged.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from typing import Any

from deepmotif_arch.base.errors import ResultFileError

__all__ = ["RESULT_FORMAT_VERSION", "TrialResult", "as_record"]

#: Format of ``result.json`` (3: the checkpoint kept beside the result).
RESULT_FORMAT_VERSION = 3

#: What every result file names (the other sections default to empty).
_REQUIRED = ("model", "trial")


@dataclass
class TrialResult:
    """One trial of one model (``results/<sweep>/<model>/trial-<N>/result.json``).

    Attributes
    ----------
    model : str
        The zoo name (``cnn-25``) or quirk-test name (``cnn-50-f60``).
    trial : int
    label : str or None
        The paper's name (``CNN-25``).
    flavor, backend : str
    dataset : dict
        Name, config and version trained on.
    training : dict
        ``epochs_run``, ``best_epoch``, ``best_val_loss``, ``stopped_early`` and the
        optimizer settings.
    test : dict
        ``auroc_mean``, ``auroc_sd_classes``, ``aupr_mean`` and per-class values.
    wall_time_s, checkpoint, machine, versions : dict
        Where the time went, the kept checkpoint (``path``, ``sha256``), where and with
        what it ran.
    interpretation : dict
        The preset whose numbers fill ``layers``.
    layers : dict
        Layer -> match statistics (``fraction_jaspar``, ``fraction_relevant``, ...).
    layers_by_preset : dict
        Preset -> the same for every preset scored.
    format : int
    extra : dict
        Keys this version does not know, written back as they were.
    """

    model: str
    trial: int
    label: str | None = None
    flavor: str = "released"
    backend: str | None = None
    dataset: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    test: dict = field(default_factory=dict)
    wall_time_s: dict = field(default_factory=dict)
    checkpoint: dict = field(default_factory=dict)
    machine: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    interpretation: dict = field(default_factory=dict)
    layers: dict = field(default_factory=dict)
    layers_by_preset: dict = field(default_factory=dict)
    format: int = RESULT_FORMAT_VERSION
    extra: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ reading

    @classmethod
    def from_dict(cls, data: Any, source: str | os.PathLike = "result.json") -> TrialResult:
        """A result file's contents as a record.

        Raises
        ------
        ResultFileError
            When ``data`` is not an object naming at least the model and the trial
            (``source`` names the file in the message).
        """
        if not isinstance(data, dict):
            raise ResultFileError(f"{source} does not hold a JSON object; delete it and rerun "
                                  "the job.")
        missing = [k for k in _REQUIRED if k not in data]
        if missing:
            raise ResultFileError(f"{source} has no {missing[0]!r}; delete it and rerun the "
                                  "job.")
        names = [f.name for f in dataclasses.fields(cls) if f.name != "extra"]
        known = {k: data[k] for k in names if k in data and data[k] is not None}
        try:
            known["trial"] = int(known["trial"])
        except (TypeError, ValueError):
            raise ResultFileError(f"{source} records trial {data['trial']!r}, not a trial "
                                  "number; delete it and rerun the job.") from None
        return cls(**known, extra={k: v for k, v in data.items() if k not in names})

    def to_dict(self) -> dict:
        """The file's contents, keys in the order the sweep writes them."""
        out = {"format": self.format, "model": self.model, "label": self.label,
               "trial": self.trial, "flavor": self.flavor, "backend": self.backend,
               "dataset": self.dataset, "training": self.training, "test": self.test,
               "wall_time_s": self.wall_time_s, "checkpoint": self.checkpoint,
               "machine": self.machine, "versions": self.versions}
        out.update(self.extra)
        if self.interpretation:
            out["interpretation"] = self.interpretation
        if self.layers or self.layers_by_preset:
            out["layers"] = self.layers
            out["layers_by_preset"] = self.layers_by_preset
        return out

    def replace(self, **changes) -> TrialResult:
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ derived

    @property
    def best_val_loss(self) -> float | None:
        """The validation loss of the kept epoch, or None when missing or not finite."""
        value = self.training.get("best_val_loss")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            return None
        return float(value)

    def layer(self, name: str = "conv1") -> dict:
        """Match statistics of one layer (empty when it was not interpreted)."""
        return self.layers.get(name) or {}


def as_record(result: TrialResult | dict) -> TrialResult:
    """A record from a record or a result file's dict (for callers holding either)."""
    return result if isinstance(result, TrialResult) else TrialResult.from_dict(result)
