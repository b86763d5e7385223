"""Keras models of the zoo, on whichever backend KERAS_BACKEND selects."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from deepmotif_arch.base.errors import InvalidArchitectureError
from deepmotif_arch.zoo import architectures as arch
from deepmotif_arch.zoo.models import (
    activation_layer_names,
    build_model,
    conv_layer_names,
    get_model,
)

from .test_architectures import paper_parameter_count

pytestmark = pytest.mark.backend


def one_hot(n: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.eye(4, dtype="float32")[rng.integers(0, 4, size=(n, length))]


@pytest.mark.parametrize("name", arch.PAPER_MODELS)
def test_every_model_builds_with_paper_parameter_count(name):
    for length in (200, 1000):
        model = get_model(name, input_length=length, flavor="paper")
        assert model.count_params() == paper_parameter_count(name, length), (name, length)
        assert model.name == name
        assert tuple(model.input.shape[1:]) == (length, 4)
        assert tuple(model.output.shape[1:]) == (12,)


@pytest.mark.parametrize("name", arch.list_models())
def test_layer_shapes_match_geometry(name):
    spec = arch.get_spec(name)
    model = build_model(spec, 200)
    for geo in arch.layer_geometry(spec, 200):
        layer = model.get_layer(geo.name)
        assert tuple(layer.output.shape[1:]) == (geo.length, geo.channels), geo.name


def test_stable_layer_names():
    model = get_model("cnn-25", flavor="paper")
    names = [layer.name for layer in model.layers]
    assert names == [
        "sequence",
        "conv1", "conv1_bn", "conv1_relu", "conv1_pool", "conv1_dropout",
        "conv2", "conv2_bn", "conv2_relu", "conv2_pool", "conv2_dropout",
        "flatten", "dense", "dense_relu", "dense_dropout", "output",
    ]
    assert conv_layer_names(model) == ["conv1", "conv2"]
    assert activation_layer_names(model) == ["conv1_relu", "conv2_relu"]
    # A pool of 1 is no pooling layer at all.
    cnn1 = [layer.name for layer in get_model("cnn-1").layers]
    assert "conv1_pool" not in cnn1 and "conv2_pool" in cnn1
    assert conv_layer_names(get_model("cnn-1-1-100")) == ["conv1", "conv2", "conv3"]


def test_predictions_are_probabilities_and_inference_is_deterministic():
    model = get_model("cnn-25")
    x = one_hot(4, 200)
    a = np.asarray(model.predict(x, verbose=0))
    b = keras.ops.convert_to_numpy(model(x, training=False))
    assert a.shape == (4, 12) and np.all((a > 0) & (a < 1))
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_any_number_of_classes_and_lengths():
    assert tuple(get_model("cnn-4", num_classes=3).output.shape) == (None, 3)
    model = get_model("cnn-2", input_length=450)
    assert np.asarray(model.predict(one_hot(2, 450), verbose=0)).shape == (2, 12)


def test_custom_variant_from_python():
    model = get_model("cnn-25", filters=[16, 32], kernels=[11, 3], dense_units=64)
    assert model.get_layer("conv1").filters == 16
    assert model.get_layer("conv1").kernel_size == (11,)
    assert model.get_layer("dense").units == 64
    deep = get_model("cnn-1", filters=[8, 8, 8, 8], kernels=[5, 5, 5, 5], pools=[2, 2, 5, 5])
    assert conv_layer_names(deep) == ["conv1", "conv2", "conv3", "conv4"]
    assert deep.count_params() == arch.count_parameters(
        arch.get_spec("cnn-1").derive(filters=[8] * 4, kernels=[5] * 4, pools=[2, 2, 5, 5])
    )["total"]


def test_released_flavor_builds():
    model = get_model("cnn-50-2", flavor="released")
    assert model.get_layer("conv2").filters == 64
    assert model.get_layer("dense").units == 96
    assert model.get_layer("dense_bn") is not None
    spec = arch.get_spec("cnn-50-2", flavor="released")
    assert model.count_params() == arch.count_parameters(spec)["total"]


def test_paper_layer_settings():
    model = get_model("cnn-50-2", flavor="paper")
    conv = model.get_layer("conv1")
    assert conv.padding == "same" and conv.strides == (1,) and not conv.use_bias
    assert conv.kernel_regularizer.get_config()["l2"] == pytest.approx(1e-6)
    assert conv.kernel_initializer.__class__.__name__ == "HeNormal"
    pool = model.get_layer("conv1_pool")
    assert pool.pool_size == (50,) and pool.strides == (2,) and pool.padding == "same"
    assert model.get_layer("conv1_dropout").rate == 0.1
    assert model.get_layer("dense_dropout").rate == 0.5
    assert model.get_layer("output").activation.__name__ == "sigmoid"


def test_too_short_input_is_a_clear_error():
    with pytest.raises(InvalidArchitectureError, match="use input_length >= 100"):
        get_model("cnn-100", input_length=60)
    with pytest.raises(InvalidArchitectureError, match="num_classes"):
        get_model("cnn-25", num_classes=0)


@pytest.mark.parametrize("name", arch.list_models())
def test_config_round_trip_and_keras_file(name, tmp_path):
    model = get_model(name)
    x = one_hot(3, 200, seed=1)
    expected = np.asarray(model.predict(x, verbose=0))

    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(clone.predict(x, verbose=0)), expected, atol=1e-6)

    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), expected, atol=1e-6)


def test_model_trains_one_step():
    model = get_model("cnn-25")
    model.compile(optimizer=keras.optimizers.Adam(3e-4), loss="binary_crossentropy")
    x = one_hot(20, 200)
    y = (np.random.default_rng(0).random((20, 12)) > 0.7).astype("float32")
    history = model.fit(x, y, batch_size=10, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
