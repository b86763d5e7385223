"""Why some backends are slow: one cnn epoch under each backend and compile setting.

Plain Keras `model.fit` on in-memory NumPy arrays (17,500 x 200 x 4, batch 100), one
fresh process per (backend, setting), so each runs with its framework's own defaults;
each process times a warm-up epoch (tracing / compilation) and then the median of
the next epochs. The settings compared are what `deepmotif train --jit` chooses from,
and Keras's `steps_per_execution` (several training steps per call of the compiled
step function: less per-step Python and callback overhead).

    python benchmarks/bench_backend_settings.py [--models cnn-25 cnn-1] [--epochs 2]
        [--backends jax tensorflow torch]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CASES = [
    ("tensorflow", {"jit_compile": True, "steps_per_execution": 1}),
    ("tensorflow", {"jit_compile": False, "steps_per_execution": 1}),
    ("tensorflow", {"jit_compile": False, "steps_per_execution": 25}),
    ("jax", {"jit_compile": True, "steps_per_execution": 1}),
    ("jax", {"jit_compile": True, "steps_per_execution": 25}),
    ("torch", {"jit_compile": False, "steps_per_execution": 1}),
    ("torch", {"jit_compile": False, "steps_per_execution": 25}),
    ("torch", {"jit_compile": True, "steps_per_execution": 1}),
]

_CHILD = r"""
import json, os, statistics, sys, time
import numpy as np, keras
from deepmotif_arch import get_model
model_name, epochs, setting = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
rng = np.random.default_rng(0)
x = np.eye(4, dtype="float32")[rng.integers(0, 4, (17_500, 200))]
y = (rng.random((17_500, 12)) < 0.15).astype("float32")
keras.utils.set_random_seed(0)
model = get_model(model_name)
model.compile(keras.optimizers.Adam(3e-4), "binary_crossentropy", **setting)
times = []
for _ in range(epochs + 1):
    tick = time.perf_counter()
    model.fit(x, y, batch_size=100, epochs=1, verbose=0)
    times.append(time.perf_counter() - tick)
print(json.dumps({"first": times[0], "epoch": statistics.median(times[1:])}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["cnn-25", "cnn-1"])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    args = parser.parse_args()
    print("| model | backend | jit_compile | steps_per_execution | first epoch s | epoch s |")
    print("|---|---|---|---|---|---|")
    for model_name in args.models:
        for backend, setting in CASES:
            if backend not in args.backends:
                continue
            env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, model_name, str(args.epochs),
                 json.dumps(setting)],
                env=env, capture_output=True, text=True,
            )
            if proc.returncode != 0:
                print(f"| {model_name} | {backend} | {setting['jit_compile']} | "
                      f"{setting['steps_per_execution']} | failed: "
                      f"{proc.stderr.strip().splitlines()[-1][:80]} | |", flush=True)
                continue
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"| {model_name} | {backend} | {setting['jit_compile']} | "
                  f"{setting['steps_per_execution']} | {result['first']:.1f} | "
                  f"{result['epoch']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
