"""Shared test configuration.

Tests marked ``backend`` run under whatever ``KERAS_BACKEND`` selects; the test
command (``make test``) runs them once per backend. Everything else runs once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("tensorflow", "jax", "torch")

# Keep TensorFlow's C++ logging out of test output (does not choose a backend).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory) -> Path:
    """A TFDS data folder with koo_synthetic/tiny built once per test session."""
    from deepmotif_arch import datasets

    root = tmp_path_factory.mktemp("tfds")
    datasets.build("koo_synthetic", "tiny", data_dir=str(root))
    return root


def train_tiny_variants(data_dir, root: Path, model: str, setting: str, values, epochs: int = 1):
    """Train ``model`` on koo_synthetic/tiny once per value of one TrainSettings field."""
    from deepmotif_arch.architectures import get_spec
    from deepmotif_arch.training import TrainSettings, train

    return {value: train(TrainSettings(get_spec(model), dataset_config="tiny",
                                       data_dir=str(data_dir), epochs=epochs,
                                       **{setting: value}), root / f"{setting}-{value}")
            for value in values}
