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
from typing import TYPE_CHECKING

__version__ = "0.1.0.dev0"

# name -> module that defines it; loaded on first attribute access.
_LAZY = {
    "ArchSpec": "deepmotif_arch.architectures",
    "ConvBlock": "deepmotif_arch.architectures",
    "ZOO": "deepmotif_arch.architectures",
    "get_spec": "deepmotif_arch.architectures",
    "list_models": "deepmotif_arch.architectures",
    "layer_geometry": "deepmotif_arch.architectures",
    "count_parameters": "deepmotif_arch.architectures",
    "build_model": "deepmotif_arch.models",
    "get_model": "deepmotif_arch.models",
    "Motif": "deepmotif_arch.meme",
    "read_meme": "deepmotif_arch.meme",
    "write_meme": "deepmotif_arch.meme",
    "clip_motif": "deepmotif_arch.meme",
    "load_jaspar": "deepmotif_arch.jaspar",
    "filter_pwms": "deepmotif_arch.filters",
    "match_filters": "deepmotif_arch.motif_stats",
    "RELEVANT_JASPAR_IDS": "deepmotif_arch.motif_stats",
    "interpret_checkpoint": "deepmotif_arch.interpret",
    "DeepMotifError": "deepmotif_arch.errors",
    "UnknownModelError": "deepmotif_arch.errors",
    "InvalidArchitectureError": "deepmotif_arch.errors",
}

# Submodules reachable as attributes (``dm.pretrained.load("cnn-25")``), imported on use.
_SUBMODULES = ("pretrained", "datasets", "experiment", "training", "checkpoints")

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    from deepmotif_arch.architectures import (  # noqa: F401
        ZOO,
        ArchSpec,
        ConvBlock,
        count_parameters,
        get_spec,
        layer_geometry,
        list_models,
    )
    from deepmotif_arch.errors import (  # noqa: F401
        DeepMotifError,
        InvalidArchitectureError,
        UnknownModelError,
    )
    from deepmotif_arch.filters import filter_pwms  # noqa: F401
    from deepmotif_arch.interpret import interpret_checkpoint  # noqa: F401
    from deepmotif_arch.jaspar import load_jaspar  # noqa: F401
    from deepmotif_arch.meme import Motif, clip_motif, read_meme, write_meme  # noqa: F401
    from deepmotif_arch.models import build_model, get_model  # noqa: F401
    from deepmotif_arch.motif_stats import RELEVANT_JASPAR_IDS, match_filters  # noqa: F401


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"deepmotif_arch.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'deepmotif_arch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
