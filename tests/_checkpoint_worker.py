"""Run in a fresh process per backend by test_checkpoints.py.

``save DIR``: build every zoo model with perturbed weights (BatchNorm statistics
included), save it as DIR/<backend>/<name>.keras with its predictions on a fixed
input in DIR/<backend>/<name>.npy.

``load DIR``: open every file saved by the *other* backends with plain
``keras.models.load_model`` and write its predictions to
DIR/<saver>/<name>.<loader>.npy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

BACKEND = keras.backend.backend()
LENGTH = 200


def fixed_input(n: int = 8) -> np.ndarray:
    rng = np.random.default_rng(7)
    return np.eye(4, dtype="float32")[rng.integers(0, 4, size=(n, LENGTH))]


def perturb(model) -> None:
    rng = np.random.default_rng(11)
    weights = []
    for var in model.weights:
        shape = tuple(var.shape)
        if "moving_variance" in var.path:
            weights.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
        elif "gamma" in var.path:
            weights.append(rng.uniform(0.8, 1.2, shape).astype("float32"))
        else:
            scale = 0.05 if len(shape) > 1 else 0.2
            weights.append((scale * rng.standard_normal(shape)).astype("float32"))
    model.set_weights(weights)


def save(root: Path) -> None:
    from deepmotif_arch import get_model, list_models

    out = root / BACKEND
    out.mkdir(parents=True, exist_ok=True)
    x = fixed_input()
    for name in list_models():
        model = get_model(name, input_length=LENGTH)
        perturb(model)
        model.save(out / f"{name}.keras")
        np.save(out / f"{name}.npy", np.asarray(model.predict(x, verbose=0)))


def load(root: Path) -> None:
    # Deliberately no deepmotif_arch import: a user opens the file with Keras alone.
    x = fixed_input()
    for saver in sorted(p for p in root.iterdir() if p.is_dir() and p.name != BACKEND):
        for path in sorted(saver.glob("*.keras")):
            model = keras.models.load_model(path)
            pred = np.asarray(model.predict(x, verbose=0))
            np.save(saver / f"{path.stem}.{BACKEND}.npy", pred)
    if "deepmotif_arch" in sys.modules:
        raise SystemExit("loading imported deepmotif_arch; checkpoints must not need it")


if __name__ == "__main__":
    mode, directory = sys.argv[1], Path(sys.argv[2])
    {"save": save, "load": load}[mode](directory)
