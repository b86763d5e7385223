"""How training data reaches `model.fit`: tf.data vs NumPy arrays, against a PyTorch loop.

One epoch of a zoo model on koo_synthetic/paper's training split (17,500 sequences,
batch 100, 25 steps per execution, the faster JAX pooling on), fed three ways in one
process, each timed after a warm-up epoch, median over ``--epochs`` rounds; the
hand-written PyTorch loop of ``bench_training.py`` on the same arrays is timed in each
round as the baseline:

- ``keras arrays``: ``model.fit(x, y, shuffle=True)`` on the whole split in memory;
- ``tf.data``: ``SplitStream.epoch`` (per-example shuffle, batch, one-hot in tf.data);
- ``epoch_arrays``: ``SplitStream.epoch_arrays`` (a NumPy permutation of the compact
  split, one-hot by table lookup), what ``deepmotif train --in-memory`` feeds.

    KERAS_BACKEND=jax python benchmarks/bench_feed.py [--model cnn-25] [--epochs 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cnn-25")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    import bench_training
    import keras

    from deepmotif_arch import datasets, get_model
    from deepmotif_arch.training.fast_pool import jax_max_pool

    stream = datasets.SplitStream("koo_synthetic", "train", config="paper",
                                  data_dir=args.data_dir)
    x, y = stream.epoch_arrays(None, shuffle=False)
    model = get_model(args.model)
    model.compile(keras.optimizers.Adam(3e-4), "binary_crossentropy", steps_per_execution=25)

    def keras_arrays(_seed):
        model.fit(x, y, batch_size=100, epochs=1, verbose=0, shuffle=True)

    def tf_data(seed):
        model.fit(stream.epoch(seed, batch_size=100), epochs=1, verbose=0)

    def epoch_arrays(seed):
        xe, ye = stream.epoch_arrays(seed)
        model.fit(xe, ye, batch_size=100, epochs=1, verbose=0, shuffle=False)

    feeds = {"keras arrays": keras_arrays, "tf.data": tf_data, "epoch_arrays": epoch_arrays}
    times = {name: [] for name in feeds}
    base = []
    with jax_max_pool():
        for feed in feeds.values():
            feed(0)  # warm-up (compilation)
        for epoch in range(1, args.epochs + 1):
            base.append(bench_training.torch_baseline(args.model, x, y, 1))
            for name, feed in feeds.items():
                tick = time.perf_counter()
                feed(epoch)
                times[name].append(time.perf_counter() - tick)
    baseline = statistics.median(base)
    print(f"| feed ({keras.backend.backend()}, {args.model}) | s/epoch | x PyTorch loop |")
    print("|---|---|---|")
    print(f"| hand-written PyTorch loop (baseline) | {baseline:.2f} | 1.00 |")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.2f} | {median / baseline:.2f} |")


if __name__ == "__main__":
    main()
