"""Filters to PPMs on the whole koo_synthetic test split: vectorised vs a per-sequence loop.

The paper's workload: 5,000 test sequences of 200 nt, the 30 first-layer filters of
CNN-25. For each variant (paper: per-sequence maximum at 0.7; released: every position
above 0.5; authors: the same positions, windows weighted by their activation and
zero-padded at the ends) three timings, the median of ``--repeats`` runs in this process:

* activations: the ``conv1_relu`` forward passes (``filter_activations``, batches of 500);
* alignment: ``align_activations`` on those activations (selection, gather, counts);
* loop baseline: the same alignment as a straightforward Python loop over filters,
  sequences and kept positions, slicing and adding one-hot windows (what one writes
  first, and about what the released code did);

plus ``filter_pwms`` end to end (the forward passes and the alignment streamed batch
by batch, what the command line runs). The loop's counts are checked to equal the
vectorised ones.

    KERAS_BACKEND=tensorflow python benchmarks/bench_interpret.py [--repeats 3]
        [--data-dir DIR] [--checkpoint model.keras]

Without ``--data-dir`` the paper config is built into a temporary folder (about 10 s)
and removed afterwards. Without ``--checkpoint`` the model is an untrained CNN-25 with
seeded He-normal filters (the alignment cost depends on how many windows pass, which
``windows`` reports).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def loop_align(codes, acts, window, offset, variant, threshold):
    """Per filter, per sequence: find the kept positions and add their one-hot windows
    (``authors``: weighted by the activation, padded with zero rows at the ends)."""
    import numpy as np

    one_hot = np.eye(5, 4)[codes]
    n, length, n_filters = acts.shape
    counts = np.zeros((n_filters, window, 4))
    if variant == "authors":
        padded = np.zeros((n, length + 2 * window, 4))
        padded[:, window:window + length] = one_hot
        for f in range(n_filters):
            peak = float(acts[:, :, f].max())
            for s in range(n):
                row = acts[s, :, f]
                for p in np.flatnonzero((row > 0) & (row.astype(np.float64) > threshold * peak)):
                    lo = p + offset + window
                    counts[f] += float(row[p]) * padded[s, lo:lo + window]
        return counts
    for f in range(n_filters):
        peak = float(acts[:, :, f].max())
        for s in range(n):
            row = acts[s, :, f]
            if variant == "paper":
                p = int(np.argmax(row))
                positions = [p] if row[p] > 0 and float(row[p]) >= threshold * peak else []
            else:
                positions = np.flatnonzero((row > 0) & (row.astype(np.float64) >
                                                        threshold * peak))
            for p in positions:
                lo = p + offset
                if 0 <= lo and lo + window <= length:
                    counts[f] += one_hot[s, lo:lo + window]
    return counts.astype(np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--checkpoint", default=None)
    args = parser.parse_args()

    import keras
    import numpy as np

    from deepmotif_arch import datasets, get_model
    from deepmotif_arch.interpretation.filters import (
        DEFAULT_THRESHOLDS,
        align_activations,
        filter_activations,
        filter_pwms,
        layer_alignment,
    )

    temp = None
    data_dir = args.data_dir
    if data_dir is None:
        temp = tempfile.mkdtemp(prefix="bench_interpret_")
        data_dir = temp
    try:
        tick = time.perf_counter()
        datasets.build("koo_synthetic", "paper", data_dir=data_dir)
        codes, _ = datasets.load_numpy("koo_synthetic", "test", config="paper",
                                       data_dir=data_dir, one_hot=False)
        data_s = time.perf_counter() - tick
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    assert codes.shape == (5_000, 200), codes.shape

    if args.checkpoint:
        from deepmotif_arch.training.checkpoints import load_checkpoint

        model, _ = load_checkpoint(args.checkpoint, compile=False)
        model_name = args.checkpoint
    else:
        keras.utils.set_random_seed(0)
        model = get_model("cnn-25")
        model_name = "cnn-25 (untrained, seed 0)"
    a = layer_alignment(model, "conv1")
    filter_activations(model, codes[:500])  # trace / compile once

    act_s, acts = median_time(lambda: filter_activations(model, codes, "conv1"), args.repeats)
    rows = []
    for variant in ("paper", "released", "authors"):
        threshold = DEFAULT_THRESHOLDS[variant]
        vec_s, result = median_time(lambda v=variant: align_activations(
            codes, acts, window=a.receptive_field, offset=a.offset, variant=v), args.repeats)
        loop_s, loop_counts = median_time(lambda v=variant, t=threshold: loop_align(
            codes, acts, a.receptive_field, a.offset, v, t), 1)
        if not np.allclose(loop_counts, result.counts, rtol=1e-9, atol=1e-6):
            raise SystemExit(f"{variant}: the loop and the vectorised counts differ")
        timings: dict = {}
        end_s, _ = median_time(lambda v=variant, t=timings: filter_pwms(
            model, codes, "conv1", variant=v, timings=t), args.repeats)
        rows.append((variant, int(result.sites.sum()), act_s, vec_s, loop_s, end_s, timings))

    print(f"backend {keras.backend.backend()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}; model {model_name}; data {codes.shape[0]:,} x "
          f"{codes.shape[1]} (build + load {data_s:.1f} s); median of {args.repeats}")
    print("| variant | windows | activations s | alignment s | loop baseline s | "
          "loop / vectorised | filter_pwms end to end s |")
    print("|---|---|---|---|---|---|---|")
    for variant, windows, act, vec, loop, end, timings in rows:
        print(f"| {variant} | {windows:,} | {act:.3f} | {vec:.3f} | {loop:.2f} | "
              f"{loop / vec:.0f} | {end:.3f} (forward {timings['activations']:.3f}, "
              f"rest {timings['alignment']:.3f}) |")


if __name__ == "__main__":
    main()
