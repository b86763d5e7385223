"""Dropout masks on JAX/CPU: JAX's rolled Threefry vs the unrolled lowering (fast_rng).

1. Keras's JAX dropout (``keras.random.dropout``, jitted) on the shapes the zoo drops
   out, forward alone and forward + backward, traced once with JAX's own CPU lowering
   of Threefry (a rolled loop) and once inside
   ``deepmotif_arch.training.fast_rng.jax_unrolled_threefry``, against PyTorch's
   ``nn.functional.dropout`` on the same shape; all in this process, interleaved,
   median of ``--reps`` calls each. Both JAX variants draw the same bits (checked).
2. What it does to training: two copies of a zoo model compiled as ``deepmotif train``
   compiles them (25 steps per call, the faster pooling on), one traced with each
   lowering, fitted alternately on the same 2,500 random sequences, ``--rounds``
   times; the ratio is unrolled / rolled seconds per fit, median (min-max).

    python benchmarks/bench_rng.py [--reps 50] [--rounds 15] [--models cnn-1 cnn-25]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "jax"

#: (where, batch x length x channels, rate)
SHAPES = [
    ("cnn-1 layer 1 (no pooling)", (100, 200, 30), 0.1),
    ("cnn-25 layer 1 (after pool 25)", (100, 8, 30), 0.1),
    ("dense layer", (100, 512), 0.5),
]


def _timer(fn, reps: int):
    fn()
    times = []
    for _ in range(reps):
        tick = time.perf_counter()
        fn()
        times.append(time.perf_counter() - tick)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--models", nargs="+", default=["cnn-1", "cnn-25"])
    args = parser.parse_args()

    import jax
    import keras
    import numpy as np
    import torch

    from deepmotif_arch.training.fast_rng import jax_unrolled_threefry

    def jax_dropout(shape, rate):
        cotangent = np.ones(shape, dtype="float32")

        def forward(x, key):
            return keras.random.dropout(x, rate, seed=key)

        def fwd_bwd(x, key):
            y, pullback = jax.vjp(lambda v: forward(v, key), x)
            return y, pullback(cotangent)[0]

        return jax.jit(forward), jax.jit(fwd_bwd)

    print("Dropout alone, ms per call (forward | forward + backward):")
    print()
    print("| dropout on | shape | PyTorch | JAX rolled | JAX unrolled |")
    print("|---|---|---|---|---|")
    for where, shape, rate in SHAPES:
        x = np.ones(shape, dtype="float32")
        key = jax.random.PRNGKey(0)
        rolled = jax_dropout(shape, rate)
        want = rolled[1](x, key)
        with jax_unrolled_threefry() as active:
            assert active, "the unrolled lowering is not available in this JAX"
            unrolled = jax_dropout(shape, rate)
            got = unrolled[1](x, key)
            unrolled[0](x, key)  # trace the forward inside the block too
        np.testing.assert_array_equal(np.asarray(got[0]), np.asarray(want[0]))
        xt = torch.ones(shape, requires_grad=True)
        gt = torch.ones(shape)

        def torch_fwd(xt=xt, rate=rate):
            with torch.no_grad():
                torch.nn.functional.dropout(xt, rate, training=True)

        def torch_both(xt=xt, gt=gt, rate=rate):
            y = torch.nn.functional.dropout(xt, rate, training=True)
            torch.autograd.grad(y, xt, gt)

        def call(f, x=x, key=key):
            return lambda: jax.block_until_ready(f(x, key))

        runners = {
            ("torch", 0): torch_fwd, ("torch", 1): torch_both,
            ("rolled", 0): call(rolled[0]), ("rolled", 1): call(rolled[1]),
            ("unrolled", 0): call(unrolled[0]), ("unrolled", 1): call(unrolled[1]),
        }
        times: dict = {name: [] for name in runners}
        for _ in range(5):  # interleave, so drift hits every runner alike
            for name, fn in runners.items():
                times[name] += _timer(fn, max(args.reps // 5, 1))
        ms = {name: 1000 * statistics.median(t) for name, t in times.items()}
        cells = [f"{ms[(r, 0)]:.2f} \\| {ms[(r, 1)]:.2f}" for r in ("torch", "rolled", "unrolled")]
        print(f"| {where} | {' x '.join(map(str, shape))} | {' | '.join(cells)} |", flush=True)

    print()
    print(f"Training, {args.rounds} alternating fits of 25 steps (batch 100) per model:")
    print()
    print("| model | rolled ms/step | unrolled ms/step | unrolled / rolled: median (min-max) |")
    print("|---|---|---|---|")
    for model_name in args.models:
        rolled_t, unrolled_t = _training_ab(model_name, args.rounds)
        ratios = [u / r for u, r in zip(unrolled_t, rolled_t)]
        print(f"| {model_name} | {40 * statistics.median(rolled_t):.1f} | "
              f"{40 * statistics.median(unrolled_t):.1f} | {statistics.median(ratios):.3f} "
              f"({min(ratios):.3f}-{max(ratios):.3f}) |", flush=True)


def _training_ab(model_name: str, rounds: int):
    import keras
    import numpy as np

    from deepmotif_arch.training.fast_pool import jax_max_pool
    from deepmotif_arch.training.fast_rng import jax_unrolled_threefry
    from deepmotif_arch.training.trainer import AUTO_STEPS_PER_EXECUTION
    from deepmotif_arch.zoo.architectures import get_spec
    from deepmotif_arch.zoo.models import build_model

    rng = np.random.default_rng(0)
    x = np.eye(4, dtype="float32")[rng.integers(0, 4, (2500, 200))]
    y = (rng.random((2500, 12)) < 0.1).astype("float32")
    models = []
    with jax_max_pool():
        for unrolled in (False, True):
            keras.utils.set_random_seed(0)
            model = build_model(get_spec(model_name), input_length=200, num_classes=12)
            model.compile(optimizer=keras.optimizers.Adam(3e-4), loss="binary_crossentropy",
                          steps_per_execution=AUTO_STEPS_PER_EXECUTION["jax"])
            with jax_unrolled_threefry(unrolled):
                model.fit(x, y, batch_size=100, epochs=1, verbose=0)  # traces here
            models.append(model)
    times: list[list[float]] = [[], []]
    for _ in range(rounds):
        for i, model in enumerate(models):
            tick = time.perf_counter()
            model.fit(x, y, batch_size=100, epochs=1, verbose=0)
            times[i].append(time.perf_counter() - tick)
    return times[0], times[1]


if __name__ == "__main__":
    main()
