"""One training epoch through `deepmotif train` on each backend vs a hand-written PyTorch loop.

The baseline is a plain PyTorch module of the same architecture (Conv1d/BatchNorm/
ReLU/MaxPool/Dropout blocks, Dense 512, sigmoid outputs) trained with Adam 3e-4 and
binary cross-entropy on the same 17,500 koo_synthetic training sequences, batch 100,
held in memory as channels-first tensors. It runs in this process; `deepmotif train`
runs once per backend as a subprocess of this process, for a few epochs, and its
epoch time is read from the run's history.csv (epochs after the first, which pays for
tracing / compilation). An epoch of our command includes what the command does every
epoch: the validation pass (2,500 sequences) and the resumable checkpoint.

The machine's speed drifts by 10-30% over minutes (a shared 2-core VM), so one
baseline run followed by one run per backend cannot settle a 10% goal. The comparison
is repeated in ``--rounds`` rounds; each round times the baseline and every backend
once, the baseline first in odd rounds and last in even ones, and gives one ratio per
backend. The table reports each runner's median seconds per epoch and the median
(min-max) of the per-round ratios.

    python benchmarks/bench_training.py [--models cnn-25 cnn-1] [--epochs 2] [--rounds 3]
    python benchmarks/bench_training.py --backends torch "torch:--in-memory on"
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BACKENDS = ("tensorflow", "jax", "torch")


def torch_baseline(model_name: str, x, y, epochs: int) -> float:
    """Median seconds per epoch of a hand-written PyTorch training loop."""
    import numpy as np
    import torch
    from torch import nn

    from deepmotif_arch.zoo.architectures import get_spec, layer_geometry

    spec = get_spec(model_name)
    torch.manual_seed(0)

    def pool_layer(block, length):
        if not block.has_pool:
            return nn.Identity()
        # Keras "same" pooling: ceil(length / stride) windows, extra padding at the end.
        out = -(-length // block.stride)
        pad = max((out - 1) * block.stride + block.pool - length, 0)
        return nn.Sequential(nn.ConstantPad1d((pad // 2, pad - pad // 2), 0.0),
                             nn.MaxPool1d(block.pool, block.stride))

    layers, channels, length = [], 4, x.shape[1]
    for block in spec.blocks:
        layers += [nn.Conv1d(channels, block.filters, block.kernel, padding="same", bias=False),
                   nn.BatchNorm1d(block.filters), nn.ReLU(), pool_layer(block, length),
                   nn.Dropout(spec.conv_dropout)]
        channels = block.filters
        if block.has_pool:
            length = -(-length // block.stride)
    flat = layer_geometry(spec, x.shape[1])[-1]
    net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(flat.length * flat.channels, 512),
                        nn.ReLU(), nn.Dropout(spec.dense_dropout), nn.Linear(512, y.shape[1]))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-4)
    loss_fn = nn.BCEWithLogitsLoss()
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1)))
    yt = torch.from_numpy(y)

    def epoch():
        net.train()
        order = torch.randperm(len(xt))
        for start in range(0, len(xt), 100):
            idx = order[start:start + 100]
            optimizer.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()

    epoch()  # warm-up
    times = []
    for _ in range(epochs):
        tick = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - tick)
    return statistics.median(times)


def our_command(model_name: str, backend: str, epochs: int, data_dir: str | None,
                extra: list[str]) -> float:
    """Median seconds per epoch (after the first) of `deepmotif train` on a backend."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "deepmotif_arch.cli.main", "train", model_name,
               "--epochs", str(epochs + 1), "-o", str(out), "--quiet", *extra]
        if data_dir:
            cmd += ["--data-dir", data_dir]
        env = {**os.environ, "KERAS_BACKEND": backend}
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{backend}: {proc.stderr[-2000:]}")
        with open(out / "history.csv") as handle:
            rows = list(csv.DictReader(handle))
        return statistics.median(float(r["seconds"]) for r in rows[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["cnn-25", "cnn-1"])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS),
                        help="backends to run; BACKEND:OPTIONS runs one with more `deepmotif "
                             "train` options, e.g. 'torch:--in-memory on'")
    parser.add_argument("--epochs", type=int, default=2,
                        help="timed epochs per run (after one warm-up epoch)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[],
                        help="more `deepmotif train` options, e.g. --jit off")
    args = parser.parse_args()

    from deepmotif_arch.data import datasets

    x, y = datasets.load_numpy("koo_synthetic", "train", config="paper", data_dir=args.data_dir)
    rows = []
    for model_name in args.models:
        base: list[float] = []
        ours: dict[str, list[float]] = {b: [] for b in args.backends}
        for round_ in range(args.rounds):
            if round_ % 2 == 0:
                base.append(torch_baseline(model_name, x, y, args.epochs))
            for backend in args.backends:
                name, _, options = backend.partition(":")
                ours[backend].append(our_command(model_name, name, args.epochs, args.data_dir,
                                                 [*options.split(), *args.extra]))
            if round_ % 2 == 1:
                base.append(torch_baseline(model_name, x, y, args.epochs))
            print(f"{model_name} round {round_ + 1}: loop {base[-1]:.2f} s, " + ", ".join(
                f"{b} {ours[b][-1]:.2f} s" for b in args.backends), file=sys.stderr, flush=True)
        rows.append((model_name, "hand-written PyTorch loop (baseline)", base, None))
        for backend in args.backends:
            rows.append((model_name, f"deepmotif train, {backend}", ours[backend],
                         [o / b for o, b in zip(ours[backend], base)]))
    print(f"{args.rounds} rounds of {args.epochs} timed epochs")
    print()
    print("| model | runner | s/epoch (median) | x PyTorch loop: median (min-max) |")
    print("|---|---|---|---|")
    for model_name, runner, seconds, ratios in rows:
        ratio = ("1.00" if ratios is None else
                 f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
        print(f"| {model_name} | {runner} | {statistics.median(seconds):.2f} | {ratio} |")


if __name__ == "__main__":
    main()
