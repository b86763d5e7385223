"""Every zoo model saved on one backend opens on the other two with plain Keras.

Each backend runs in its own fresh process: first all three save every model,
then each loads the other two's files with ``keras.models.load_model`` (no
``custom_objects``, no ``deepmotif_arch`` import) and must reproduce the saver's
predictions within 1e-5.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deepmotif_arch.zoo.architectures import list_models

from .helpers import BACKENDS, require_backends

WORKER = Path(__file__).with_name("_checkpoint_worker.py")


def _run_all(mode: str, root: Path, backends: list[str]) -> None:
    procs = []
    for backend in backends:
        env = {**os.environ, "KERAS_BACKEND": backend, "CUDA_VISIBLE_DEVICES": ""}
        procs.append((backend, subprocess.Popen(
            [sys.executable, str(WORKER), mode, str(root)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )))
    for backend, proc in procs:
        out, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"{mode} on {backend} failed:\n{out[-4000:]}"


@pytest.mark.slow  # three processes x 17 models: `make test-slow`
def test_checkpoints_cross_backend(tmp_path):
    backends = require_backends(BACKENDS)
    _run_all("save", tmp_path, backends)
    _run_all("load", tmp_path, backends)
    compared = 0
    for saver in backends:
        for name in list_models():
            reference = np.load(tmp_path / saver / f"{name}.npy")
            assert reference.shape == (8, 12)
            assert 0.0 < reference.std()  # predictions differ between inputs
            for loader in backends:
                if loader == saver:
                    continue
                got = np.load(tmp_path / saver / f"{name}.{loader}.npy")
                np.testing.assert_allclose(
                    got, reference, rtol=0, atol=1e-5,
                    err_msg=f"{name}: saved on {saver}, loaded on {loader}",
                )
                compared += 1
    assert compared == len(list_models()) * len(backends) * (len(backends) - 1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_keras_backend_is_honoured(backend, tmp_path):
    require_backends([backend])
    code = (
        "import deepmotif_arch as dm, keras; "
        "m = dm.get_model('cnn-25'); print(keras.backend.backend())"
    )
    env = {**os.environ, "KERAS_BACKEND": backend}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == backend
