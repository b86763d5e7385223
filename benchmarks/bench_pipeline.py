"""One training epoch of cnn-25 fed by the koo_synthetic pipeline vs in-memory NumPy arrays.

Same backend, same process, same model and optimizer settings. Each feeding mode
gets one warm-up epoch (tracing / compilation), then epochs alternate between the
two modes and the median epoch time of each is reported with their ratio.

    KERAS_BACKEND=jax python benchmarks/bench_pipeline.py [--epochs 3] [--data-dir DIR]

The paper config (25,000 sequences, 17,500 for training) is built into DATA_DIR
first if needed (TFDS's default folder unless --data-dir is given).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--model", default="cnn-25")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    import keras
    import numpy as np

    from deepmotif_arch import datasets, get_model

    datasets.build("koo_synthetic", "paper", data_dir=args.data_dir)
    train = datasets.load("koo_synthetic", "train", config="paper", data_dir=args.data_dir,
                          batch_size=100)
    x, y = datasets.load_numpy("koo_synthetic", "train", config="paper",
                               data_dir=args.data_dir)
    assert x.shape == (17_500, 200, 4)

    keras.utils.set_random_seed(0)
    model = get_model(args.model)
    model.compile(optimizer=keras.optimizers.Adam(3e-4), loss="binary_crossentropy")

    feed = datasets.for_backend(train)  # what `deepmotif train` hands to model.fit

    def epoch_pipeline():
        model.fit(feed, epochs=1, verbose=0, shuffle=False)

    def epoch_numpy():
        model.fit(x, y, batch_size=100, epochs=1, verbose=0, shuffle=True)

    epoch_pipeline()  # warm-up: cache filled, functions traced
    epoch_numpy()
    times = {"pipeline": [], "numpy": []}
    for _ in range(args.epochs):
        for name, run in (("numpy", epoch_numpy), ("pipeline", epoch_pipeline)):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    pipe = statistics.median(times["pipeline"])
    arrays = statistics.median(times["numpy"])
    backend = keras.backend.backend()
    print("| backend | model | NumPy arrays s/epoch | pipeline s/epoch | pipeline / NumPy |")
    print("|---|---|---|---|---|")
    print(f"| {backend} | {args.model} | {arrays:.2f} | {pipe:.2f} | {pipe / arrays:.3f} |")
    print("raw:", {k: [round(v, 2) for v in vals] for k, vals in times.items()},
          "x float32 MB:", round(np.asarray(x).nbytes / 2**20))


if __name__ == "__main__":
    main()
