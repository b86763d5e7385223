"""Shared fixtures (plain helpers are in helpers.py).

Tests marked ``backend`` run under whatever ``KERAS_BACKEND`` selects; the test
command (``make test``) runs them once per backend. Everything else runs once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Keep TensorFlow's C++ logging out of test output (does not choose a backend).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory) -> Path:
    """A TFDS data folder with koo_synthetic/tiny built once per test session."""
    from deepmotif_arch.data import datasets

    root = tmp_path_factory.mktemp("tfds")
    datasets.build("koo_synthetic", "tiny", data_dir=str(root))
    return root
