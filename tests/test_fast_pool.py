"""The JAX max pooling used for training: same values and gradients as Keras's."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from deepmotif_arch.training.fast_pool import jax_max_pool, max_pool_1d, supported

from .helpers import train_tiny_variants

jax = pytest.importorskip("jax")
jnp = jax.numpy
lax = jax.lax

# (length, pool, stride, padding): the zoo's pools plus edge cases (length not a
# multiple of the stride, windows longer than the input, one-step windows).
CASES = [(200, 25, 25, "same"), (200, 100, 100, "same"), (200, 50, 2, "same"),
         (8, 4, 4, "same"), (201, 25, 25, "same"), (7, 25, 25, "same"), (200, 4, 4, "valid"),
         (199, 6, 2, "valid"), (37, 15, 3, "same"), (5, 1, 1, "same"), (50, 50, 1, "valid")]


def _reference(x, pool, stride, padding):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, pool, 1), (1, stride, 1),
                             padding.upper())


@pytest.mark.parametrize("length,pool,stride,padding", CASES)
def test_values_and_gradients_match_reduce_window(length, pool, stride, padding):
    rng = np.random.default_rng(length * 1000 + pool)
    x = jnp.asarray(rng.standard_normal((3, length, 5)).astype("float32"))
    want = _reference(x, pool, stride, padding)
    got = max_pool_1d(x, pool, stride, padding)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    cotangent = jnp.asarray(rng.standard_normal(want.shape).astype("float32"))
    grad_want = jax.grad(lambda v: jnp.sum(_reference(v, pool, stride, padding) * cotangent))(x)
    grad_got = jax.grad(lambda v: jnp.sum(max_pool_1d(v, pool, stride, padding) * cotangent))(x)
    # Overlapping windows sum their gradients in another order: float rounding only.
    np.testing.assert_allclose(np.asarray(grad_got), np.asarray(grad_want), rtol=1e-6,
                               atol=1e-6)


def test_ties_after_relu_give_the_same_gradient():
    # Windows of zeros (every ReLU output non-positive) are the ties seen in training:
    # the pool shares their gradient, the ReLU then zeroes it, as with reduce_window.
    rng = np.random.default_rng(3)
    x = jnp.asarray(rng.standard_normal((2, 200, 4)).astype("float32"))
    x = x.at[:, :100].set(-1.0)

    def loss(pool_fn, v):
        return jnp.sum(pool_fn(jax.nn.relu(v)) ** 2)

    grad_want = jax.grad(lambda v: loss(lambda h: _reference(h, 25, 25, "same"), v))(x)
    grad_got = jax.grad(lambda v: loss(lambda h: max_pool_1d(h, 25, 25, "same"), v))(x)
    np.testing.assert_array_equal(np.asarray(grad_got), np.asarray(grad_want))


@pytest.mark.parametrize("stride", [2, 25, 100, 150])
def test_positive_ties_share_the_gradient_as_jnp_max_does(stride):
    # Equal positive values in a window (a run of N, a repeat) are real ties: each gets
    # the cotangent divided by the number of tied entries, exactly as jnp.max's gradient
    # (the count is summed slice by slice up to 128, by one reduction above).
    rng = np.random.default_rng(stride)
    x = rng.integers(0, 3, (2, 2 * stride, 3)).astype("float32")  # many ties among 0, 1, 2
    x = jnp.asarray(x)
    cotangent = jnp.asarray(rng.standard_normal((2, 2, 3)).astype("float32"))

    def plain(v):
        return jnp.max(v.reshape(2, 2, stride, 3), axis=2)

    grad_want = jax.grad(lambda v: jnp.sum(plain(v) * cotangent))(x)
    grad_got = jax.grad(lambda v: jnp.sum(max_pool_1d(v, stride, stride, "valid") * cotangent))(x)
    np.testing.assert_array_equal(np.asarray(grad_got), np.asarray(grad_want))
    counts = np.asarray(x.reshape(2, 2, stride, 3) == plain(x)[:, :, None]).sum(axis=2)
    assert counts.max() > 1  # the case really has ties


def test_half_precision_pools_and_differentiates():
    x = jnp.asarray(np.random.default_rng(0).standard_normal((2, 200, 3)), dtype=jnp.bfloat16)
    grad = jax.grad(lambda v: jnp.sum(max_pool_1d(v, 25, 25, "same").astype(jnp.float32)))(x)
    assert grad.dtype == jnp.bfloat16
    np.testing.assert_array_equal(np.asarray(grad, dtype=np.float32).sum(axis=1), 8.0)


def test_bad_windows_are_refused():
    x = jnp.zeros((1, 10, 2))
    assert not supported(5, 3)
    with pytest.raises(ValueError, match="pool 5 with stride 3 is not supported"):
        max_pool_1d(x, 5, 3)
    with pytest.raises(ValueError, match="padding 'full' is not known"):
        max_pool_1d(x, 2, 2, "full")
    with pytest.raises(ValueError, match="does not fit"):
        max_pool_1d(x, 20, 20, "valid")


@pytest.mark.backend
def test_context_routes_keras_pooling_only_on_jax():
    layer = keras.layers.MaxPooling1D(50, strides=2, padding="same")
    x = np.random.default_rng(0).standard_normal((2, 200, 3)).astype("float32")
    plain = keras.ops.convert_to_numpy(layer(x))
    with jax_max_pool() as active:
        assert active == (keras.backend.backend() == "jax")
        with jax_max_pool():  # nesting is safe
            pass
        inside = keras.ops.convert_to_numpy(layer(x))
        odd = keras.ops.convert_to_numpy(keras.layers.MaxPooling1D(5, strides=3)(x))
    np.testing.assert_array_equal(inside, plain)
    assert odd.shape == (2, 66, 3)  # unsupported windows fall back to Keras
    if keras.backend.backend() == "jax":
        from keras.src.backend.jax import nn as jax_nn

        assert jax_nn.max_pool.__module__ == "keras.src.backend.jax.nn"  # restored
    with jax_max_pool(enabled=False) as active:
        assert active is False


@pytest.mark.backend
def test_training_is_the_same_with_and_without_it(tiny_data_dir, tmp_path):
    if keras.backend.backend() != "jax":
        pytest.skip("the faster pooling is used on JAX only")
    runs = train_tiny_variants(tiny_data_dir, tmp_path, "cnn-50-2", "fast_pool", (True, False))
    assert runs[True].manifest["training"]["fast_pool"] is True
    assert runs[False].manifest["training"]["fast_pool"] is False
    assert runs[True].history[0].loss == pytest.approx(runs[False].history[0].loss, rel=1e-5)
    assert runs[True].history[0].val_loss == pytest.approx(runs[False].history[0].val_loss,
                                                           rel=1e-5)
