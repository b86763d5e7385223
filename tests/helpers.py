"""Helpers the test modules share (imported as ``from .helpers import ...``).

Fixtures stay in conftest.py, where pytest finds them; plain functions and constants
live here, so no test imports from conftest.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("tensorflow", "jax", "torch")


def available_backends() -> list[str]:
    """Backends whose framework is installed."""
    import importlib.util

    modules = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
    return [b for b in BACKENDS if importlib.util.find_spec(modules[b]) is not None]


def require_backends(backends) -> list[str]:
    """The backends to test; in CI (DEEPMOTIF_REQUIRE_ALL_BACKENDS=1) all three must exist."""
    have = available_backends()
    missing = [b for b in backends if b not in have]
    if missing:
        if os.environ.get("DEEPMOTIF_REQUIRE_ALL_BACKENDS") == "1":
            pytest.fail(f"backends {missing} are not installed; install the jax and torch extras")
        pytest.skip(f"backends {missing} are not installed")
    return list(backends)


def train_tiny_variants(data_dir, root: Path, model: str, setting: str, values, epochs: int = 1):
    """Train ``model`` on koo_synthetic/tiny once per value of one TrainSettings field."""
    from deepmotif_arch.training.trainer import TrainSettings, train
    from deepmotif_arch.zoo.architectures import get_spec

    return {value: train(TrainSettings(get_spec(model), dataset_config="tiny",
                                       data_dir=str(data_dir), epochs=epochs,
                                       **{setting: value}), root / f"{setting}-{value}")
            for value in values}
