"""The first layer's activation as part of an architecture (issue 16, the zoo part).

Koo & Ploenzke (2021): an exponential first-layer activation, and their own CNN-2,
CNN-50 and CNN-deep. Pure-data tests run once; tests marked ``backend`` build Keras
models and run on TensorFlow, JAX and PyTorch.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from deepmotif_arch.base.errors import InvalidArchitectureError, UnknownModelError
from deepmotif_arch.zoo import architectures as arch
from deepmotif_arch.zoo.architectures import ArchSpec, ConvBlock

KERAS_ACTIVATIONS = ("relu", "exponential", "sigmoid", "tanh", "softplus", "linear", "elu")

# The follow-up's rows, typed in by hand from EXP_ACTIVATIONS_FACTS section 2:
# name: (filters, kernels, pools, paddings, dropouts, first activation, dense BN, init)
FOLLOW_UP = {
    "cnn-2-exp": ((30, 128), (19, 5), (2, 50), ("same",) * 2, (0.1, 0.1), "exponential",
                  False, "he_normal"),
    "cnn-50-exp": ((30, 128), (19, 5), (50, 2), ("same",) * 2, (0.1, 0.1), "exponential",
                   False, "he_normal"),
    "kp-cnn-2": ((32, 124), (19, 5), (2, 50), ("same",) * 2, (0.1, 0.1), "relu",
                 True, "glorot_uniform"),
    "kp-cnn-2-exp": ((32, 124), (19, 5), (2, 50), ("same",) * 2, (0.1, 0.1), "exponential",
                     True, "glorot_uniform"),
    "kp-cnn-50": ((32, 124), (19, 5), (50, 2), ("same",) * 2, (0.1, 0.1), "relu",
                  True, "glorot_uniform"),
    "kp-cnn-50-exp": ((32, 124), (19, 5), (50, 2), ("same",) * 2, (0.1, 0.1), "exponential",
                      True, "glorot_uniform"),
    "cnn-deep": ((32, 48, 96, 128), (19, 7, 7, 3), (1, 4, 4, 3),
                 ("same", "same", "valid", "valid"), (0.1, 0.2, 0.3, 0.4), "relu",
                 True, "glorot_uniform"),
    "cnn-deep-exp": ((32, 48, 96, 128), (19, 7, 7, 3), (1, 4, 4, 3),
                     ("same", "same", "valid", "valid"), (0.1, 0.2, 0.3, 0.4), "exponential",
                     True, "glorot_uniform"),
}


def flatten_length(name: str, length: int) -> int:
    """Positions reaching Flatten, from the layer list alone ('same' pools: ceil)."""
    pools = FOLLOW_UP[name][2]
    if name.startswith("cnn-deep"):
        after_pool2 = math.ceil(length / 4)  # conv1, conv2 'same'; pool 4
        after_pool3 = math.ceil((after_pool2 - 6) / 4)  # conv3 'valid' k7; pool 4
        return math.ceil((after_pool3 - 2) / 3)  # conv4 'valid' k3; pool 3
    return math.ceil(math.ceil(length / pools[0]) / pools[1])


def formula_parameter_count(name: str, length: int, classes: int = 12) -> int:
    """Parameters by formula: convolutions without bias, BatchNorm 4 numbers per channel,
    Dense(512) with a bias or (dense BN) without one plus 4 x 512, output with a bias."""
    filters, kernels, _, _, _, _, dense_bn, _ = FOLLOW_UP[name]
    channels = (4, *filters)
    total = sum(k * cin * cout + 4 * cout for cin, cout, k in zip(channels, filters, kernels))
    total += flatten_length(name, length) * filters[-1] * 512
    total += 4 * 512 if dense_bn else 512
    return total + 512 * classes + classes


def one_hot(n: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.eye(4, dtype="float32")[rng.integers(0, 4, size=(n, length))]


# ----------------------------------------------------------------------------- the rows


def test_paper_rows_stay_first_and_follow_up_rows_come_after():
    names = arch.list_models()
    assert len(arch.PAPER_MODELS) == 17
    assert names[:17] == list(arch.PAPER_MODELS)
    assert names[:7] == ["cnn-1", "cnn-2", "cnn-4", "cnn-10", "cnn-25", "cnn-50", "cnn-100"]
    assert names[17:] == list(arch.FOLLOW_UP_MODELS) == list(FOLLOW_UP)
    assert all(arch.get_spec(n).activations == ("relu",) * arch.get_spec(n).depth
               for n in arch.PAPER_MODELS)


@pytest.mark.parametrize("name", list(FOLLOW_UP))
def test_follow_up_rows_match_their_description(name):
    filters, kernels, pools, paddings, dropouts, activation, dense_bn, init = FOLLOW_UP[name]
    spec = arch.get_spec(name, flavor="paper")
    assert spec.name == name
    assert spec.filters == filters and spec.kernels == kernels and spec.pools == pools
    assert spec.pool_strides == pools
    assert spec.paddings == paddings and spec.dropouts == dropouts
    assert spec.activation == activation
    assert spec.activations[1:] == ("relu",) * (spec.depth - 1)  # deeper layers: ReLU
    assert spec.dense_batchnorm is dense_bn and spec.kernel_initializer == init
    assert (spec.dense_units, spec.dense_dropout, spec.l2) == (512, 0.5, 1e-6)
    assert spec.label and spec.note and not spec.note.endswith(".")
    assert arch.resolve_name(spec.label) == name


def test_notes_say_where_koo_ploenzke_differ():
    for name in ("kp-cnn-2", "kp-cnn-50", "cnn-deep"):
        note = arch.get_spec(name).note
        assert "Koo & Ploenzke" in note and "before the max-pool" in note
        assert "L2" in note and "1000 nt" in note
    assert "'valid' padding" in arch.get_spec("cnn-deep").note


def test_names_labels_and_spellings_are_unique():
    keys = {}
    for spec in arch.ZOO.values():
        for alias in (spec.name, spec.label, spec.released_name):
            if alias:
                key = arch._key(alias)
                assert keys.setdefault(key, spec.name) == spec.name, alias


@pytest.mark.parametrize("name", list(FOLLOW_UP))
@pytest.mark.parametrize("length", [200, 1000, 457])
def test_parameter_counts_match_the_formula(name, length):
    assert arch.count_parameters(arch.get_spec(name, flavor="paper"), length)["total"] == \
        formula_parameter_count(name, length)


def test_parameter_counts_by_hand_at_200():
    count = {name: arch.count_parameters(arch.get_spec(name, flavor="paper"))["total"]
             for name in FOLLOW_UP}
    # 19*4*30 + 120 + 5*30*128 + 512 + 256*512 + 512 + 512*12 + 12
    assert count["cnn-2-exp"] == count["cnn-50-exp"] == 159_852
    # 19*4*32 + 128 + 5*32*124 + 496 + 248*512 + 4*512 + 512*12 + 12
    assert count["kp-cnn-2"] == count["kp-cnn-50"] == count["kp-cnn-2-exp"] == 158_076
    # 2432 + 10752 + 32256 + 36864 + 4*304 + 384*512 + 4*512 + 512*12 + 12
    assert count["cnn-deep"] == count["cnn-deep-exp"] == 288_332
    split = arch.count_parameters(arch.get_spec("cnn-deep"))
    assert split["non_trainable"] == 2 * (32 + 48 + 96 + 128) + 2 * 512


def test_cnn_deep_geometry_by_hand():
    geo = arch.layer_geometry(arch.get_spec("cnn-deep-exp"), 200)
    assert [(g.name, g.length, g.receptive_field, g.uncertainty) for g in geo] == [
        ("conv1", 200, 19, 1),
        ("conv2", 200, 25, 1),  # 19 + 6
        ("conv2_pool", 50, 28, 4),  # + 3; pool 4
        ("conv3", 44, 52, 4),  # 'valid' k7: 50 - 6; 28 + 6*4
        ("conv3_pool", 11, 64, 16),  # + 3*4
        ("conv4", 9, 96, 16),  # 'valid' k3: 11 - 2; 64 + 2*16
        ("conv4_pool", 3, 128, 48),  # + 2*16
    ]
    assert geo[-1].length == flatten_length("cnn-deep", 200)
    assert arch.layer_geometry(arch.get_spec("cnn-deep"), 1000)[-1].length == 20


def test_valid_convolutions_set_the_minimum_length():
    spec = arch.get_spec("cnn-deep")
    assert arch.min_input_length(spec) == 89  # 89 -> 23 -> 17 -> 5 -> 3 -> 1
    arch.layer_geometry(spec, 89)
    with pytest.raises(InvalidArchitectureError,
                       match=r"pooling window of convolution layer 4 .* >= 89"):
        arch.layer_geometry(spec, 88)
    valid = ArchSpec("valid-first", (ConvBlock(8, 5, padding="valid"),))
    assert arch.layer_geometry(valid, 5)[0].length == 1
    with pytest.raises(InvalidArchitectureError,
                       match=r"'valid' convolution of convolution layer 1 spans 5 positions "
                             r"but only 4 reach it; use input_length >= 5"):
        arch.layer_geometry(valid, 4)


# ----------------------------------------------------------------------------- look-up


def test_suffix_and_keyword_give_the_same_variant():
    by_name = arch.get_spec("cnn-25-exp")
    assert by_name == arch.get_spec("cnn-25", activation="exponential")
    assert by_name == arch.get_spec("cnn-25", activation="exp")
    assert by_name == arch.get_spec("CNN-25 (exp)") == arch.get_spec("cnn_25_exponential")
    assert by_name.name == "cnn-25-exp" and by_name.label == "CNN-25 (exp)"
    assert by_name.activations == ("exponential", "relu")
    assert by_name.released_name == ""
    assert "exponential" in arch.get_spec("cnn-25-exp", flavor="paper").note
    assert "cnn-25-exp" not in arch.ZOO  # made on request, not a row
    assert arch.resolve_name("CNN-25 (60) tanh") == "cnn-25-f60-tanh"
    assert arch.get_spec("cnn-25-f60-tanh").label == "CNN-25 (60) (tanh)"
    assert arch.get_spec("cnn-25-relu") == arch.get_spec("cnn-25")


def test_zoo_rows_are_the_variants_of_their_relu_models():
    assert arch.get_spec("cnn-2", "paper", activation="exponential") is arch.ZOO["cnn-2-exp"]
    assert arch.get_spec("kp-cnn-2", activation="exp") is arch.ZOO["kp-cnn-2-exp"]
    assert arch.get_spec("cnn-deep").derive(activation="exponential") is arch.ZOO["cnn-deep-exp"]
    assert arch.get_spec("cnn-2-exp", "paper", activation="relu") is arch.ZOO["cnn-2"]
    assert arch.get_spec("cnn-deep-exp", activation="tanh") == \
        arch.get_spec("cnn-deep", activation="tanh")


@pytest.mark.parametrize("activation", KERAS_ACTIVATIONS)
def test_every_model_has_every_activation_variant(activation):
    for name in arch.list_models():
        spec = arch.get_spec(name, activation=activation)
        assert spec.activation == activation
        assert spec.blocks[1:] == arch.get_spec(name).blocks[1:]
        assert arch.resolve_name(spec.name) == spec.name
        assert arch.get_spec(spec.name) == spec
        assert arch.ArchSpec.from_dict(spec.to_dict()) == spec


def test_activations_are_keras_builtins():
    assert arch.ACTIVATIONS == KERAS_ACTIVATIONS
    assert set(arch.ACTIVATION_SUFFIXES) == set(KERAS_ACTIVATIONS)
    assert arch.ACTIVATION_SUFFIXES["relu"] == ""
    assert arch.ACTIVATION_SUFFIXES["exponential"] == "exp"
    assert arch.check_activation(" Exp ") == "exponential"


@pytest.mark.parametrize("bad", ["swish", "gelu", "leaky_relu", "", 3])
def test_unknown_activations_are_one_clear_sentence(bad):
    expected = (r"activation .* is not supported; use one of Keras's built-in relu, "
                r"exponential, sigmoid, tanh, softplus, linear, elu "
                r"\(or 'exp' for exponential\)\.$")
    with pytest.raises(InvalidArchitectureError, match=expected):
        arch.check_activation(bad)
    with pytest.raises(InvalidArchitectureError, match=expected):
        arch.get_spec("cnn-25", activation=bad)
    with pytest.raises(InvalidArchitectureError, match=expected):
        arch.get_spec("cnn-25").derive(activation=bad)


def test_no_activation_means_no_change():
    assert arch.get_spec("cnn-2-exp", "paper", activation=None) is arch.ZOO["cnn-2-exp"]
    assert arch.get_spec("cnn-2-exp", "paper").derive(activation=None) == arch.ZOO["cnn-2-exp"]
    with pytest.raises(InvalidArchitectureError, match="activation None is not supported"):
        arch.check_activation(None)


def test_bad_block_settings_name_the_layer():
    with pytest.raises(InvalidArchitectureError,
                       match=r"activation of convolution layer 2 is 'swish'; use one of"):
        ArchSpec("x", (ConvBlock(8, 5), ConvBlock(8, 5, activation="swish")))
    with pytest.raises(InvalidArchitectureError,
                       match=r"padding of convolution layer 1 is 'causal'; use 'same' or 'valid'"):
        ArchSpec("x", (ConvBlock(8, 5, padding="causal"),))
    with pytest.raises(InvalidArchitectureError, match=r"dropout of convolution layer 1 is 1\.0"):
        ArchSpec("x", (ConvBlock(8, 5, dropout=1.0),))


@pytest.mark.parametrize("bad", ["cnn-25-swish", "cnn-2-exp-tanh", "cnn-25-expo"])
def test_unknown_variant_names(bad):
    with pytest.raises(UnknownModelError, match="unknown model"):
        arch.resolve_name(bad)


def test_released_flavor_of_variants():
    spec = arch.get_spec("cnn-2-exp", flavor="released")
    assert spec.name == "cnn-2-exp" and spec.activation == "exponential"
    assert spec.dense_batchnorm and spec.kernel_initializer == "glorot_uniform"
    assert arch.get_spec("cnn-50-2-exp", flavor="released").filters == (30, 64)
    assert arch.get_spec("cnn-2", flavor="released", activation="exp") == spec
    # Koo & Ploenzke's rows already follow their released code.
    for name in arch.FOLLOW_UP_MODELS:
        if not name.startswith(("cnn-2-", "cnn-50-")):
            assert arch.get_spec(name, flavor="released") == arch.get_spec(name)


# ----------------------------------------------------------------------------- derive


def test_derive_activation():
    base = arch.get_spec("cnn-25", flavor="paper")
    exp = base.derive(activation="exp")
    assert exp == arch.get_spec("cnn-25-exp", flavor="paper")
    assert exp.derive(activation="relu") == base
    assert base.derive(activation="relu") is not None and base.derive(activation="relu") == base
    assert base.derive(activation="tanh", name="mine").name == "mine"
    both = base.derive(activation="tanh", filters=[16, 128])
    assert both.name == "cnn-25-custom" and both.activations == ("tanh", "relu")
    # Changing the depth keeps the first layer's activation; new blocks are ReLU.
    deeper = arch.get_spec("cnn-2-exp").derive(filters=[30, 64, 64], kernels=[19, 5, 5],
                                               pools=[2, 1, 50])
    assert deeper.activations == ("exponential", "relu", "relu")


def test_derive_keeps_per_block_padding_and_dropout():
    wide = arch.get_spec("cnn-deep").derive(filters=[64, 48, 96, 128])
    assert wide.paddings == ("same", "same", "valid", "valid")
    assert wide.dropouts == (0.1, 0.2, 0.3, 0.4)
    assert wide.name == "cnn-deep-custom"
    # A spec-wide rate applies only to blocks without their own.
    assert arch.get_spec("cnn-deep").derive(conv_dropout=0.25).dropouts == (0.1, 0.2, 0.3, 0.4)
    assert arch.get_spec("cnn-25").derive(conv_dropout=0.25).dropouts == (0.25, 0.25)


# ----------------------------------------------------------------------------- dicts


def test_dict_round_trips():
    for name in arch.list_models():
        for flavor in arch.FLAVORS:
            for activation in (None, "exponential", "sigmoid"):
                spec = arch.get_spec(name, flavor=flavor, activation=activation)
                data = json.loads(json.dumps(spec.to_dict()))
                assert ArchSpec.from_dict(data) == spec


def test_paper_dicts_have_no_new_keys_and_old_dicts_load():
    # The paper's models keep the dictionaries that run manifests already hold.
    for name in arch.PAPER_MODELS:
        for block in arch.get_spec(name, flavor="paper").to_dict()["blocks"]:
            assert set(block) == {"filters", "kernel", "pool", "pool_stride"}
    old = {  # a manifest's "spec" from before blocks had activations
        "name": "cnn-25", "label": "CNN-25", "released_name": "cnn_25",
        "blocks": [{"filters": 30, "kernel": 19, "pool": 25, "pool_stride": 25},
                   {"filters": 128, "kernel": 5, "pool": 4, "pool_stride": 4}],
        "dense_units": 512, "dense_batchnorm": False, "conv_dropout": 0.1,
        "dense_dropout": 0.5, "l2": 1e-06, "kernel_initializer": "he_normal", "note": "",
    }
    assert ArchSpec.from_dict(old) == arch.get_spec("cnn-25", flavor="paper")
    assert arch.get_spec("cnn-25", flavor="paper").to_dict() == old
    deep = arch.get_spec("cnn-deep-exp").to_dict()["blocks"]
    assert deep[0] == {"filters": 32, "kernel": 19, "pool": 1, "pool_stride": 1,
                       "activation": "exponential", "dropout": 0.1}
    assert deep[2]["padding"] == "valid" and "activation" not in deep[2]


# ----------------------------------------------------------------------------- Keras


@pytest.mark.backend
@pytest.mark.parametrize("name", list(FOLLOW_UP))
def test_built_models_match_count_parameters_and_the_spec(name):
    from deepmotif_arch.zoo.models import activation_layer_names, build_model

    spec = arch.get_spec(name, flavor="paper")
    for length in (200, 1000):
        model = build_model(spec, length)
        counts = arch.count_parameters(spec, length)
        assert model.count_params() == counts["total"] == formula_parameter_count(name, length)
        trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        assert trainable == counts["trainable"]
        for geo in arch.layer_geometry(spec, length):
            layer = model.get_layer(geo.name)
            assert tuple(layer.output.shape[1:]) == (geo.length, geo.channels), geo.name
    first = "conv1_relu" if spec.activation == "relu" else f"conv1_{spec.activation}"
    assert activation_layer_names(model)[0] == first
    assert model.get_layer(first).activation.__name__ == spec.activation
    for i, (padding, rate) in enumerate(zip(spec.paddings, spec.dropouts), start=1):
        assert model.get_layer(f"conv{i}").padding == padding
        assert model.get_layer(f"conv{i}_dropout").rate == pytest.approx(rate)
        assert not model.get_layer(f"conv{i}").use_bias
    assert ("dense_bn" in [layer.name for layer in model.layers]) == spec.dense_batchnorm


@pytest.mark.backend
@pytest.mark.parametrize("name", [*FOLLOW_UP, *(f"cnn-25-{a}" for a in
                                                ("sigmoid", "tanh", "softplus", "linear",
                                                 "elu"))])
def test_keras_file_round_trip_with_plain_load_model(name, tmp_path):
    import keras

    from deepmotif_arch.zoo.models import get_model

    model = get_model(name)
    x = one_hot(5, 200, seed=3)
    expected = np.asarray(model.predict(x, verbose=0))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)  # no custom_objects
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), expected, atol=1e-6)
    activation = arch.get_spec(name).activation
    assert loaded.layers[3].name == ("conv1_relu" if activation == "relu"
                                     else f"conv1_{activation}")


@pytest.mark.backend
def test_filter_pwms_read_the_exponential_feature_map():
    import keras

    from deepmotif_arch.interpretation.filters import (
        alignable_layers,
        filter_activations,
        filter_pwms,
        layer_alignment,
    )
    from deepmotif_arch.zoo.models import get_model

    model = get_model("kp-cnn-2-exp")
    alignment = layer_alignment(model, "conv1")
    assert alignment.activation == "conv1_exponential"
    assert (alignment.receptive_field, alignment.offset, alignment.filters) == (19, -9, 32)
    assert layer_alignment(model, "conv1_exponential") == alignment == layer_alignment(model, 1)
    x = one_hot(40, 200, seed=5)
    acts = filter_activations(model, x)
    direct = keras.Model(model.input, model.get_layer("conv1_exponential").output)
    np.testing.assert_allclose(acts, np.asarray(direct.predict(x, verbose=0)), rtol=1e-5)
    assert np.all(acts > 0)  # exp never reaches zero: every position is "active"
    pwms = filter_pwms(model, x)
    assert pwms.summary()["layer"] == "conv1" and pwms.num_filters == 32
    for ppm in pwms.ppms().values():
        assert ppm.shape == (19, 4)
        np.testing.assert_allclose(ppm.sum(axis=1), 1.0, atol=1e-6)
    assert alignable_layers(get_model("cnn-deep-exp")) == ["conv1", "conv2"]


@pytest.mark.backend
def test_conv1_of_every_model_can_be_aligned_and_valid_padding_cannot():
    from deepmotif_arch.interpretation.filters import InterpretationError, layer_alignment
    from deepmotif_arch.zoo.models import build_model, get_model

    for name in FOLLOW_UP:
        assert layer_alignment(get_model(name), "conv1").receptive_field == 19
    deep = get_model("cnn-deep-exp")
    assert layer_alignment(deep, "conv2").receptive_field == 25
    with pytest.raises(InterpretationError, match="conv2_pool"):
        layer_alignment(deep, "conv3")
    valid = build_model(ArchSpec("valid-first", (ConvBlock(8, 5, padding="valid"),
                                                 ConvBlock(8, 3, 4)), dense_units=8), 40)
    with pytest.raises(InterpretationError, match="padding='valid'"):
        layer_alignment(valid, "conv1")


@pytest.mark.backend
@pytest.mark.parametrize("variant", ["authors", "released"])
def test_filters_that_never_go_above_zero_are_silent(variant):
    """tanh, linear and elu filters can stay below zero everywhere. Koo & Ploenzke's
    read-out keeps positions above 0.5 x the filter's maximum; with a maximum <= 0 no
    position is above it, so such a filter has no matrix, and ours says so."""
    from deepmotif_arch.interpretation.filters import filter_pwms
    from deepmotif_arch.zoo.models import get_model

    model = get_model("cnn-25-linear")
    bn = model.get_layer("conv1_bn")
    gamma, beta, mean, var = (np.array(w) for w in bn.get_weights())
    gamma[:3], beta[:3] = 0.0, [-1.0, 0.0, 1.0]  # constant -1, 0 and +1 feature maps
    bn.set_weights([gamma, beta, mean, var])
    codes = np.random.default_rng(0).integers(0, 4, size=(20, 200)).astype(np.uint8)
    result = filter_pwms(model, codes, "conv1", variant=variant)
    for index in (0, 1):  # maximum -1 and 0: no position above half of it
        assert result.sites[index] == 0
        assert "never active" in result.silent_reason(index)
    assert result.sites[2] > 0 and result.silent_reason(2) is None
