"""Max pooling forward + backward: Keras's JAX pooling, ours, and PyTorch's, one process.

For each pool of the zoo that matters for speed (batch 100, the shapes a training step
sees), times a jitted gradient of ``sum(pool(x) * c)`` with Keras's JAX implementation
(``lax.reduce_window``, whose gradient is XLA's ``select_and_scatter``), with
``deepmotif_arch.training.fast_pool.max_pool_1d``, with ``max_pool_1d`` differentiating its block
maximum through ``jnp.max``'s own gradient (the version before 2026-11-22; same
values and gradients), and the same forward + backward with
``torch.nn.functional.max_pool1d`` as the baseline. Best of ``--repeats`` rounds of
``--steps`` calls each.

    python benchmarks/bench_pool.py [--repeats 5] [--steps 20]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# (model, layer, length, channels, pool, stride): padding "same" as in the zoo.
CASES = [
    ("cnn-1", "conv2", 200, 128, 100, 100),
    ("cnn-25", "conv1", 200, 30, 25, 25),
    ("cnn-25", "conv2", 8, 128, 4, 4),
    ("cnn-50-2", "conv1", 200, 30, 50, 2),
    ("cnn-4", "conv1", 200, 30, 4, 4),
]


def _best(fn, repeats: int, steps: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        tick = time.perf_counter()
        for _ in range(steps):
            fn()
        best = min(best, (time.perf_counter() - tick) / steps)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()

    import jax
    import jax.numpy as jnp
    import numpy as np
    import torch

    from deepmotif_arch.training import fast_pool
    from deepmotif_arch.training.fast_pool import max_pool_1d

    print("| model | layer | input | pool / stride | PyTorch ms | Keras JAX ms "
          "| ours, jnp.max gradient ms | ours ms | Keras JAX / PyTorch | ours / PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for model, layer, length, channels, pool, stride in CASES:
        x = rng.standard_normal((100, length, channels)).astype("float32")
        out = -(-length // stride)
        c = rng.standard_normal((100, out, channels)).astype("float32")
        xj, cj = jnp.asarray(x), jnp.asarray(c)

        def keras_pool(v, pool=pool, stride=stride):
            return jax.lax.reduce_window(v, -jnp.inf, jax.lax.max, (1, pool, 1),
                                         (1, stride, 1), "SAME")

        def our_pool(v, pool=pool, stride=stride):
            return max_pool_1d(v, pool, stride, "same")

        grads = {name: jax.jit(jax.grad(lambda v, f=f, c=cj: jnp.sum(f(v) * c)))
                 for name, f in (("keras", keras_pool), ("ours", our_pool))}
        block_max = fast_pool._block_max
        fast_pool._block_max = lambda r: jnp.max(r, axis=2)
        try:  # traced now, with jnp.max's own gradient
            grads["plain"] = jax.jit(jax.grad(lambda v, c=cj: jnp.sum(our_pool(v) * c)))
            jax.block_until_ready(grads["plain"](xj))
        finally:
            fast_pool._block_max = block_max
        times = {name: _best(lambda g=g, v=xj: jax.block_until_ready(g(v)), args.repeats,
                             args.steps) for name, g in grads.items()}

        total = (out - 1) * stride + pool - length
        pad = (max(total, 0) // 2, max(total, 0) - max(total, 0) // 2)
        xt = torch.tensor(np.ascontiguousarray(x.transpose(0, 2, 1)), requires_grad=True)
        ct = torch.tensor(np.ascontiguousarray(c.transpose(0, 2, 1)))

        def torch_step(pad=pad, pool=pool, stride=stride, xt=xt, ct=ct):
            xt.grad = None
            padded = torch.nn.functional.pad(xt, pad, value=-float("inf"))
            (torch.nn.functional.max_pool1d(padded, pool, stride) * ct).sum().backward()

        base = _best(torch_step, args.repeats, args.steps)
        print(f"| {model} | {layer} | 100 x {length} x {channels} | {pool} / {stride} "
              f"| {base * 1e3:.2f} | {times['keras'] * 1e3:.2f} | {times['plain'] * 1e3:.2f} "
              f"| {times['ours'] * 1e3:.2f} "
              f"| {times['keras'] / base:.2f} | {times['ours'] / base:.2f} |")


if __name__ == "__main__":
    main()
