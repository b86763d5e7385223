"""Training and trained checkpoints: the paper's protocol, resumable, on any backend.

Owns :mod:`~deepmotif_arch.training.trainer` (:class:`TrainSettings`, :func:`train`:
run state and exact resume, data feed, epoch loop), :mod:`~deepmotif_arch.training.checkpoints`
(``.keras`` files with their ``deepmotif.json`` metadata, evaluation),
:mod:`~deepmotif_arch.training.metrics` (per-class AU-ROC and AU-PR) and the JAX
speed-ups :mod:`~deepmotif_arch.training.fast_pool` and
:mod:`~deepmotif_arch.training.fast_rng`. May import :mod:`deepmotif_arch.zoo`,
:mod:`deepmotif_arch.data` and :mod:`deepmotif_arch.base`.

``from deepmotif_arch.training import TrainSettings, train`` works as before the
training module became this package.
"""

from deepmotif_arch.training.trainer import (  # noqa: F401
    OPTIMIZERS,
    PRECISIONS,
    EpochRecord,
    RunResult,
    TrainSettings,
    default_output_dir,
    train,
)

__all__ = ["TrainSettings", "train", "RunResult", "EpochRecord", "default_output_dir",
           "OPTIMIZERS", "PRECISIONS"]
