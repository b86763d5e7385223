"""A faster 1-D max pooling for Keras's JAX backend on CPU.

Keras's JAX backend pools with ``lax.reduce_window``. Its gradient is XLA's
reduction over index iotas on CPU, slower than PyTorch's pooling and, in a profile of
CNN-1's training step, about a third of the step; this module's pooling is faster than
both (``benchmarks/bench_pool.py``; the numbers are in benchmarks/README.md, "Why JAX
was still slow").

:func:`max_pool_1d` computes the same maximum from plain array operations whose
gradients are cheap everywhere:

1. pad with ``-inf`` as Keras's ``"same"`` padding does;
2. take the maximum over non-overlapping blocks of ``stride`` steps (a reshape), with
   ``jnp.max``'s gradient computed in a form XLA runs faster on CPU (:func:`_block_max`);
3. when windows overlap (``pool`` = k x ``stride``), a sliding maximum of width k over
   the block maxima, built by doubling (width 1, 2, 4, ... then one last overlapping
   step), so the work grows with log k, not k.

The forward values are identical to ``reduce_window``'s. Gradients are identical
wherever the maximum of a window is unique; where several entries of a window tie for
the maximum, the gradient is shared between them instead of going to the first one
(the convention of ``jnp.max``). In the zoo every pool follows a ReLU, whose own
gradient is zero at the only ties that occur in practice (windows of zeros), so
training follows the same path.

:func:`jax_max_pool` is a context manager that routes Keras's JAX ``max_pool`` through
:func:`max_pool_1d` for 1-D, channels-last pools whose window is a multiple of the
stride (every model of the zoo), and leaves every other call to Keras. ``deepmotif
train`` and the experiment runner use it on the JAX backend; it does nothing on other
backends.
"""

from __future__ import annotations

import contextlib
import functools

from deepmotif_arch.base.patching import NestedPatch

__all__ = ["jax_max_pool", "max_pool_1d", "supported"]

_original = None  # Keras's max_pool while the patch is installed


def _same_padding(length: int, pool: int, stride: int) -> tuple[int, int, int]:
    out = -(-length // stride)
    total = max((out - 1) * stride + pool - length, 0)
    return total // 2, total - total // 2, out


def supported(pool: int, stride: int) -> bool:
    """Whether :func:`max_pool_1d` handles this window (window a multiple of stride)."""
    return pool >= 1 and stride >= 1 and pool % stride == 0


def max_pool_1d(x, pool: int, stride: int | None = None, padding: str = "valid"):
    """Max pooling over axis 1 of a (batch, length, channels) JAX array.

    Same values as ``keras.ops.max_pool(x, pool, stride, padding)``; ``pool`` must be a
    multiple of ``stride`` (see :func:`supported`).
    """
    import jax.numpy as jnp

    stride = pool if stride is None else stride
    if not supported(pool, stride):
        raise ValueError(f"pool {pool} with stride {stride} is not supported; the window "
                         "must be a multiple of the stride (use keras.ops.max_pool).")
    padding = padding.lower()
    if padding not in ("same", "valid"):
        raise ValueError(f"padding {padding!r} is not known; use 'same' or 'valid'.")
    batch, length, channels = x.shape
    if padding == "same":
        lo, hi, out = _same_padding(length, pool, stride)
    else:
        lo, hi, out = 0, 0, (length - pool) // stride + 1
        if out < 1:
            raise ValueError(f"a window of {pool} does not fit in length {length}.")
    width = pool // stride  # window size in blocks of `stride` steps
    blocks = out + width - 1
    needed = blocks * stride
    # Pad (or trim) so that exactly `blocks` whole blocks remain.
    hi = needed - length - lo
    if lo or hi > 0:
        x = jnp.pad(x, ((0, 0), (lo, max(hi, 0)), (0, 0)), constant_values=-jnp.inf)
    x = x[:, :needed]
    m = _block_max(x.reshape(batch, blocks, stride, channels)) if stride > 1 else x
    # Sliding maximum of `width` consecutive blocks by doubling.
    size = 1
    while size * 2 <= width:
        m = jnp.maximum(m[:, :-size], m[:, size:])
        size *= 2
    if size < width:  # last step overlaps; ties between the halves share the gradient
        m = jnp.maximum(m[:, : m.shape[1] - (width - size)], m[:, width - size:])
    return m[:, :out]


#: Largest block (stride) whose tie count :func:`_block_max` sums slice by slice; larger
#: blocks take one reduction.
_SLICED_COUNT_LIMIT = 128


def _block_max(r):
    """Maximum over axis 2 of (batch, blocks, stride, channels), with ``jnp.max``'s gradient.

    The gradient is the one ``jnp.max`` defines (the cotangent shared equally between
    the entries that tie for the maximum), computed with the tie count summed slice by
    slice: XLA fuses that into one loop, where the reduction that ``jnp.max``'s own
    gradient emits is slow on CPU (``python benchmarks/bench_pool.py``; the numbers are
    in benchmarks/README.md).
    """
    return _block_max_vjp()(r)


@functools.lru_cache(maxsize=1)
def _block_max_vjp():
    import jax
    import jax.numpy as jnp

    @jax.custom_vjp
    def block_max(r):
        return jnp.max(r, axis=2)

    def forward(r):
        m = jnp.max(r, axis=2)
        return m, (r, m)

    def backward(residuals, g):
        r, m = residuals
        ties = r == m[:, :, None, :]
        if r.shape[2] <= _SLICED_COUNT_LIMIT:
            count = ties[:, :, 0, :].astype(g.dtype)
            for j in range(1, r.shape[2]):
                count = count + ties[:, :, j, :].astype(g.dtype)
        else:
            count = jnp.sum(ties, axis=2, dtype=g.dtype)
        return (jnp.where(ties, (g / count)[:, :, None, :], jnp.zeros((), g.dtype)),)

    block_max.defvjp(forward, backward)
    return block_max


def _patched(inputs, pool_size, strides=None, padding="valid", data_format=None):
    from keras.src import backend

    fmt = backend.standardize_data_format(data_format)
    pool = _single(pool_size)
    stride = pool if strides is None else _single(strides)
    if (getattr(inputs, "ndim", None) == 3 and fmt == "channels_last" and pool is not None
            and stride is not None and supported(pool, stride)
            and str(padding).lower() in ("same", "valid")
            and (str(padding).lower() == "same" or inputs.shape[1] >= pool)):
        return max_pool_1d(inputs, pool, stride, padding)
    return _original(inputs, pool_size, strides, padding, data_format)


def _single(value):
    if isinstance(value, int):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 1 and isinstance(value[0], int):
        return value[0]
    return None


@contextlib.contextmanager
def jax_max_pool(enabled: bool = True):
    """Within the block, Keras's JAX ``max_pool`` uses :func:`max_pool_1d` where it can.

    Does nothing unless Keras runs on JAX (and ``enabled``). Functions traced inside the
    block keep the faster pooling after it ends (the choice is made when JAX traces).
    Nested and repeated use is safe; the original is restored when the outermost block
    exits.
    """
    import keras

    if not enabled or keras.backend.backend() != "jax":
        yield False
        return
    with _PATCH.active():
        yield True


def _install():
    global _original
    from keras.src.backend.jax import nn as jax_nn

    _original = jax_nn.max_pool
    jax_nn.max_pool = _patched


def _restore(_token) -> None:
    global _original
    from keras.src.backend.jax import nn as jax_nn

    jax_nn.max_pool = _original
    _original = None


_PATCH = NestedPatch(_install, _restore)
