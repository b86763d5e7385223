"""Unrolled Threefry on CPU: the same random bits as JAX's rolled loop, so the same masks."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from deepmotif_arch.training.fast_rng import jax_unrolled_threefry


def _draw(seed: int):
    import jax

    # Fresh functions each time, so they are lowered where they are called.
    key = jax.random.PRNGKey(seed)
    bits = jax.jit(lambda k: jax.random.bits(k, (3, 50, 7), np.uint32))(key)
    mask = jax.jit(lambda k: keras.random.dropout(np.ones((4, 60, 5), "float32"), 0.3,
                                                   seed=k))(key)
    return np.asarray(bits), np.asarray(mask)


def _lowered_has_loop() -> bool:
    import jax

    text = jax.jit(lambda k: jax.random.bits(k, (4, 8), np.uint32)).lower(
        jax.random.PRNGKey(0)).as_text()
    return "stablehlo.while" in text


@pytest.mark.backend
def test_same_bits_and_dropout_masks_inside_and_outside():
    if keras.backend.backend() != "jax":
        with jax_unrolled_threefry() as active:
            assert active is False
        return
    import jax

    if jax.default_backend() != "cpu":
        pytest.skip("JAX lowers Threefry unrolled on accelerators already")
    before_bits, before_mask = _draw(5)
    assert _lowered_has_loop()  # JAX's own CPU rule: a rolled loop
    with jax_unrolled_threefry() as active:
        assert active is True
        with jax_unrolled_threefry():  # nesting is safe
            pass
        assert not _lowered_has_loop()  # ours: unrolled
        inside_bits, inside_mask = _draw(5)
    assert _lowered_has_loop()  # restored on exit
    np.testing.assert_array_equal(inside_bits, before_bits)
    np.testing.assert_array_equal(inside_mask, before_mask)
    assert 0.5 < (before_mask > 0).mean() < 0.9  # a real mask
    with jax_unrolled_threefry(enabled=False) as active:
        assert active is False


@pytest.mark.backend
def test_training_uses_it_and_gives_the_same_run(tiny_data_dir, tmp_path, monkeypatch):
    if keras.backend.backend() != "jax":
        pytest.skip("the unrolled lowering is used on JAX only")
    import contextlib

    from deepmotif_arch.training import fast_rng
    from deepmotif_arch.training.trainer import TrainSettings, train
    from deepmotif_arch.zoo.architectures import get_spec

    entered = []
    real = fast_rng.jax_unrolled_threefry

    @contextlib.contextmanager
    def spy(enabled=True):
        with real(enabled) as active:
            entered.append(active)
            yield active

    settings = TrainSettings(get_spec("cnn-1"), dataset_config="tiny",
                             data_dir=str(tiny_data_dir), epochs=1)
    monkeypatch.setattr(fast_rng, "jax_unrolled_threefry", spy)
    unrolled = train(settings, tmp_path / "unrolled")
    assert entered == [True]
    monkeypatch.setattr(fast_rng, "jax_unrolled_threefry",
                        lambda enabled=True: contextlib.nullcontext(False))
    rolled = train(settings, tmp_path / "rolled")
    assert unrolled.history[0].loss == rolled.history[0].loss
    assert unrolled.history[0].val_loss == rolled.history[0].val_loss
    a = keras.models.load_model(unrolled.checkpoint).get_weights()
    b = keras.models.load_model(rolled.checkpoint).get_weights()
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
