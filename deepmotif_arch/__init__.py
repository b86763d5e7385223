"""deepmotif-arch: what genomics CNNs learn, after Koo & Eddy (2019).

A Keras 3 model zoo of every architecture in "Representation learning of genomic
sequence motifs with convolutional neural networks" (PLoS Comput Biol 2019), with
the tools to train them and read motifs out of their filters.

Heavy parts (Keras, TensorFlow) are imported on first use, so ``import
deepmotif_arch`` is fast and never chooses a Keras backend for you: set
``KERAS_BACKEND`` to ``tensorflow``, ``jax`` or ``torch`` as usual.

>>> import deepmotif_arch as dm
>>> dm.list_models()[:3]
['cnn-1', 'cnn-2', 'cnn-4']
>>> dm.get_spec("CNN-25 (60)").filters
(60, 128)
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

from deepmotif_arch import _moved

if _moved.FINDER not in sys.meta_path:  # the 0.1 module paths, for one release
    sys.meta_path.append(_moved.FINDER)

__version__ = "0.1.0.dev0"

# name -> module that defines it; loaded on first attribute access.
_LAZY = {
    "ArchSpec": "deepmotif_arch.zoo.architectures",
    "ConvBlock": "deepmotif_arch.zoo.architectures",
    "ZOO": "deepmotif_arch.zoo.architectures",
    "get_spec": "deepmotif_arch.zoo.architectures",
    "list_models": "deepmotif_arch.zoo.architectures",
    "layer_geometry": "deepmotif_arch.zoo.architectures",
    "count_parameters": "deepmotif_arch.zoo.architectures",
    "build_model": "deepmotif_arch.zoo.models",
    "get_model": "deepmotif_arch.zoo.models",
    "Motif": "deepmotif_arch.motifs.meme",
    "read_meme": "deepmotif_arch.motifs.meme",
    "write_meme": "deepmotif_arch.motifs.meme",
    "clip_motif": "deepmotif_arch.motifs.meme",
    "load_jaspar": "deepmotif_arch.motifs.jaspar",
    "filter_pwms": "deepmotif_arch.interpretation.filters",
    "match_filters": "deepmotif_arch.interpretation.motif_stats",
    "RELEVANT_JASPAR_IDS": "deepmotif_arch.interpretation.motif_stats",
    "interpret_checkpoint": "deepmotif_arch.interpretation.interpret",
    "DeepMotifError": "deepmotif_arch.base.errors",
    "UnknownModelError": "deepmotif_arch.base.errors",
    "InvalidArchitectureError": "deepmotif_arch.base.errors",
}

# Modules reachable as attributes (``dm.pretrained.load("cnn-25")``), imported on use.
_SUBMODULES = {
    "pretrained": "deepmotif_arch.zoo.pretrained",
    "datasets": "deepmotif_arch.data.datasets",
    "experiment": "deepmotif_arch.paper.experiment",
    "training": "deepmotif_arch.training",
    "checkpoints": "deepmotif_arch.training.checkpoints",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    from deepmotif_arch.base.errors import (  # noqa: F401
        DeepMotifError,
        InvalidArchitectureError,
        UnknownModelError,
    )
    from deepmotif_arch.interpretation.filters import filter_pwms  # noqa: F401
    from deepmotif_arch.interpretation.interpret import interpret_checkpoint  # noqa: F401
    from deepmotif_arch.interpretation.motif_stats import RELEVANT_JASPAR_IDS, match_filters  # noqa: F401
    from deepmotif_arch.motifs.jaspar import load_jaspar  # noqa: F401
    from deepmotif_arch.motifs.meme import Motif, clip_motif, read_meme, write_meme  # noqa: F401
    from deepmotif_arch.zoo.architectures import (  # noqa: F401
        ZOO,
        ArchSpec,
        ConvBlock,
        count_parameters,
        get_spec,
        layer_geometry,
        list_models,
    )
    from deepmotif_arch.zoo.models import build_model, get_model  # noqa: F401


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(_SUBMODULES[name])
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'deepmotif_arch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
