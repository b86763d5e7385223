"""Faster dropout masks for Keras's JAX backend on CPU: JAX's own Threefry, unrolled.

Keras draws every dropout mask with ``jax.random``, whose default generator is
Threefry-2x32. On CPU, JAX lowers Threefry's five groups of rounds as a rolled
``while`` loop, so XLA writes the two 32-bit state arrays to memory after every group
and cannot fuse the rounds into one vectorised loop. On GPU and TPU JAX emits the
same rounds unrolled. CNN-1 draws a dropout mask of 100 x 200 x 30 per step after its
first layer (which does not pool). Unrolled, drawing and applying that mask is faster
and CNN-1's whole training step too, though forward + backward alone is not (XLA
recomputes the fused rounds for the backward pass); CNN-25's step moves within noise
(``python benchmarks/bench_rng.py``; the numbers are in benchmarks/README.md, "Rounds,
dropout masks and the pool's tie count").

:func:`jax_unrolled_threefry` is a context manager that, inside the block, lowers
Threefry on CPU with the unrolled rule JAX itself uses on other platforms. It is the
same function: the random bits, and so the dropout masks and the whole training run,
are identical bit for bit (``tests/test_fast_rng.py``). Functions traced inside the
block keep the unrolled code after it ends. It relies on private names of JAX
(``jax._src``); where they are missing, it does nothing and says so by yielding
``False``.
"""

from __future__ import annotations

import contextlib

from deepmotif_arch.base.patching import NestedPatch

__all__ = ["jax_unrolled_threefry"]

_MISSING = object()


def _hooks():
    """(primitive, unrolled rule, CPU lowering table), or ``None`` if JAX moved them."""
    try:
        from jax._src.interpreters import mlir
        from jax._src.random import threefry2x32 as threefry

        prim = threefry.threefry2x32_p
        rule = threefry._threefry2x32_lowering_rule  # the unrolled rule of GPU and TPU
        table = mlir._platform_specific_lowerings["cpu"]
        entry = mlir.LoweringRuleEntry
    except (ImportError, AttributeError, KeyError):
        return None
    return prim, rule, table, entry


@contextlib.contextmanager
def jax_unrolled_threefry(enabled: bool = True):
    """Within the block, JAX lowers Threefry on CPU unrolled (same bits, faster).

    Does nothing unless Keras runs on JAX (and ``enabled``). Yields whether the
    unrolled lowering is active. Nested and repeated use is safe; JAX's own rule is
    restored when the outermost block exits.
    """
    import keras

    hooks = _hooks() if enabled and keras.backend.backend() == "jax" else None
    if hooks is None:
        yield False
        return
    with _PATCH.active():
        yield True


def _install():
    prim, rule, table, entry = _hooks()
    saved = table.get(prim, _MISSING)
    table[prim] = entry(rule, True)
    return saved


def _restore(saved) -> None:
    prim, _, table, _ = _hooks()
    if saved is _MISSING:
        table.pop(prim, None)
    else:
        table[prim] = saved


_PATCH = NestedPatch(_install, _restore)
