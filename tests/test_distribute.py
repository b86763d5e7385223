"""--distribute on two virtual CPU devices gives the loss curve of one device."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from .helpers import require_backends

# Runs the CLI after giving TensorFlow two logical CPU devices (the JAX equivalent is
# XLA_FLAGS=--xla_force_host_platform_device_count=2).
_TF_TWO_CPUS = """
import sys, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from deepmotif_arch.cli.main import app
app(sys.argv[1:])
"""


def _run(backend, args, tmp_path, name, two_devices):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if backend == "jax" and two_devices:
        env["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    if backend == "tensorflow" and two_devices:
        cmd = [sys.executable, "-c", _TF_TWO_CPUS]
    else:
        cmd = [sys.executable, "-m", "deepmotif_arch.cli.main"]
    out = tmp_path / name
    proc = subprocess.run(cmd + args + ["-o", str(out)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "run.json").read_text())


@pytest.mark.slow  # four training processes: `make test-slow`
@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_two_devices_follow_the_single_device_curve(backend, tiny_data_dir, tmp_path):
    require_backends([backend])
    args = ["train", "cnn-25", "--config", "tiny", "--data-dir", str(tiny_data_dir),
            "--epochs", "3", "--quiet"]
    single = _run(backend, args, tmp_path, "one", two_devices=False)
    double = _run(backend, args + ["--distribute"], tmp_path, "two", two_devices=True)
    assert double["training"]["distribute"] is True
    a = np.array([r["val_loss"] for r in single["history"]])
    b = np.array([r["val_loss"] for r in double["history"]])
    # Same data order, initialisation and global batch; only reductions (and, on
    # TensorFlow, per-replica BatchNorm statistics) differ.
    np.testing.assert_allclose(b, a, rtol=0.05)
