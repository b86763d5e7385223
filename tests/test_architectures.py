"""The zoo as data: names, aliases, geometry and parameter counts (no Keras needed)."""

from __future__ import annotations

import math

import pytest

from deepmotif_arch.base.errors import InvalidArchitectureError, UnknownModelError
from deepmotif_arch.zoo import architectures as arch

# PAPER_FACTS section 1, typed in by hand:
# name: (filters1, kernel1, pool1, stride1, filters2, kernel2, pool2)
PAPER_TABLE = {
    "cnn-1": (30, 19, 1, 1, 128, 5, 100),
    "cnn-2": (30, 19, 2, 2, 128, 5, 50),
    "cnn-4": (30, 19, 4, 4, 128, 5, 25),
    "cnn-10": (30, 19, 10, 10, 128, 5, 10),
    "cnn-25": (30, 19, 25, 25, 128, 5, 4),
    "cnn-50": (30, 19, 50, 50, 128, 5, 2),
    "cnn-100": (30, 19, 100, 100, 128, 5, 1),
    "cnn9-4": (30, 9, 4, 4, 128, 5, 25),
    "cnn9-25": (30, 9, 25, 25, 128, 5, 4),
    "cnn3-2": (30, 3, 2, 2, 128, 5, 50),
    "cnn3-50": (30, 3, 50, 50, 128, 5, 2),
    "cnn-50-2": (30, 19, 50, 2, 128, 5, 50),
    "cnn19-1-2": (30, 19, 2, 2, 128, 1, 50),
    "cnn-25-f60": (60, 19, 25, 25, 128, 5, 4),
    "cnn-25-f90": (90, 19, 25, 25, 128, 5, 4),
    "cnn-25-f120": (120, 19, 25, 25, 128, 5, 4),
}


def paper_parameter_count(name: str, length: int, classes: int = 12) -> int:
    """Parameters from the paper's description alone (PAPER_FACTS section 1).

    Conv layers have no bias (BatchNorm follows; the released code does the same),
    BatchNorm has 4 numbers per channel, the flatten width is ceil(L/100) * filters2,
    the hidden Dense(512) and the output Dense have biases.
    """
    if name == "cnn-1-1-100":
        convs = [(4, 30, 19), (30, 128, 5), (128, 128, 5)]
        flat = math.ceil(length / 100) * 128
    else:
        f1, k1, _, _, f2, k2, _ = PAPER_TABLE[name]
        convs = [(4, f1, k1), (f1, f2, k2)]
        flat = math.ceil(length / 100) * f2
    total = sum(k * cin * cout + 4 * cout for cin, cout, k in convs)
    total += flat * 512 + 512
    total += 512 * classes + classes
    return total


def test_zoo_has_every_paper_row_in_order():
    # The paper's 17 rows come first; Koo & Ploenzke (2021)'s follow (test_activations.py).
    assert arch.list_models()[:17] == [*PAPER_TABLE, "cnn-1-1-100"]
    assert list(arch.PAPER_MODELS) == [*PAPER_TABLE, "cnn-1-1-100"]


@pytest.mark.parametrize("name", list(PAPER_TABLE))
def test_specs_match_paper_table(name):
    spec = arch.get_spec(name, flavor="paper")
    f1, k1, p1, s1, f2, k2, p2 = PAPER_TABLE[name]
    assert spec.filters == (f1, f2)
    assert spec.kernels == (k1, k2)
    assert spec.pools == (p1, p2)
    assert spec.pool_strides == (s1, p2)
    assert spec.dense_units == 512 and not spec.dense_batchnorm
    assert (spec.conv_dropout, spec.dense_dropout, spec.l2) == (0.1, 0.5, 1e-6)


def test_three_layer_spec():
    spec = arch.get_spec("cnn-1-1-100")
    assert spec.filters == (30, 128, 128)
    assert spec.kernels == (19, 5, 5)
    assert spec.pools == (1, 1, 100)


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("CNN-25 (60)", "cnn-25-f60"),
        ("CNN-25 (120)", "cnn-25-f120"),
        ("cnn_25_90", "cnn-25-f90"),
        ("CNN9-4", "cnn9-4"),
        ("CNN₉-25", "cnn9-25"),  # the paper's subscripts
        ("CNN₁₉₋₁-2", "cnn19-1-2"),
        ("cnn_2_1", "cnn19-1-2"),
        ("cnn_1_3", "cnn-1-1-100"),
        ("CNN-1-1-100", "cnn-1-1-100"),
        ("cnn_50_2", "cnn-50-2"),
        ("CNN-50-2", "cnn-50-2"),
        ("cnn_25", "cnn-25"),
        ("Cnn-100", "cnn-100"),
        ("cnn3_50", "cnn3-50"),
    ],
)
def test_aliases(alias, canonical):
    assert arch.resolve_name(alias) == canonical
    assert arch.get_spec(alias).name == canonical


def test_every_label_and_released_name_resolves():
    for spec in arch.ZOO.values():
        assert arch.resolve_name(spec.label) == spec.name
        if spec.released_name:  # Koo & Ploenzke's rows have none
            assert arch.resolve_name(spec.released_name) == spec.name


@pytest.mark.parametrize(("typo", "expected"), [("cnn-26", "cnn-25"), ("cnn25", "cnn-25"),
                                                 ("cnn9-5", "cnn9-4")])
def test_unknown_name_suggests_closest(typo, expected):
    with pytest.raises(UnknownModelError) as info:
        arch.resolve_name(typo)
    assert expected in info.value.suggestions
    assert typo in str(info.value) and expected in str(info.value)


def test_unknown_name_without_close_match_points_to_list():
    with pytest.raises(UnknownModelError, match="deepmotif zoo list"):
        arch.resolve_name("resnet50")


@pytest.mark.parametrize("name", arch.PAPER_MODELS)
@pytest.mark.parametrize("length", [200, 1000, 1234])
def test_library_parameter_count_matches_paper_formula(name, length):
    assert arch.count_parameters(arch.get_spec(name, flavor="paper"), length)["total"] == \
        paper_parameter_count(name, length)


def test_parameter_count_cnn25_by_hand():
    # 19*4*30 + 4*30 + 5*30*128 + 4*128 + (2*128)*512 + 512 + 512*12 + 12
    assert arch.count_parameters(arch.get_spec("cnn-25", flavor="paper"))["total"] == 159_852


@pytest.mark.parametrize("name", list(PAPER_TABLE))
@pytest.mark.parametrize("length", [200, 1000, 450])
def test_flatten_width_is_ceil_length_over_100(name, length):
    last = arch.layer_geometry(arch.get_spec(name, flavor="paper"), length)[-1]
    assert last.length * last.channels == math.ceil(length / 100) * PAPER_TABLE[name][4]


def test_geometry_cnn25():
    geo = {g.name: g for g in arch.layer_geometry(arch.get_spec("cnn-25"), 200)}
    assert [(g.length, g.receptive_field, g.uncertainty) for g in geo.values()] == [
        (200, 19, 1),  # conv1: one filter width, exact position
        (8, 43, 25),  # pool 25: 19 + 24; position known to within the pool
        (8, 143, 25),  # conv2 k=5 on positions 25 nt apart: 43 + 4*25
        (2, 218, 100),  # pool 4: 143 + 3*25; 25 + 3*25
    ]


def test_geometry_cnn1_second_layer_is_unpooled():
    geo = {g.name: g for g in arch.layer_geometry(arch.get_spec("cnn-1"), 200)}
    assert "conv1_pool" not in geo
    assert geo["conv2"].receptive_field == 23  # 19 + 5 - 1, PAPER_FACTS section 5
    assert geo["conv2"].uncertainty == 1
    assert geo["conv2_pool"].uncertainty == 100


def test_geometry_cnn50_2_overlapping_pool():
    geo = {g.name: g for g in arch.layer_geometry(arch.get_spec("cnn-50-2"), 200)}
    assert geo["conv1_pool"].length == 100  # same as CNN-2
    assert geo["conv1_pool"].uncertainty == 50
    assert geo["conv1_pool"].jump == 2
    assert geo["conv2_pool"].length == 2


def test_three_layer_geometry():
    geo = {g.name: g for g in arch.layer_geometry(arch.get_spec("cnn-1-1-100"), 200)}
    assert geo["conv2"].receptive_field == 23
    assert geo["conv3"].receptive_field == 27
    assert geo["conv3_pool"].length == 2


def test_input_too_short_names_minimum():
    spec = arch.get_spec("cnn-100")
    assert arch.min_input_length(spec) == 100
    with pytest.raises(InvalidArchitectureError, match=r"input_length=99 .*>= 100"):
        arch.layer_geometry(spec, 99)
    arch.layer_geometry(spec, 100)


@pytest.mark.parametrize("bad", [0, -5, 2.5, "200", True])
def test_bad_input_length(bad):
    with pytest.raises(InvalidArchitectureError, match="input_length"):
        arch.layer_geometry(arch.get_spec("cnn-25"), bad)


def test_derive_custom_variant():
    spec = arch.get_spec("cnn-25").derive(filters=[64, 128], dense_units=256)
    assert spec.filters == (64, 128) and spec.dense_units == 256
    assert spec.pools == (25, 4)
    assert spec.name == "cnn-25-custom" and spec.label == ""


def test_derive_depth_change_needs_every_list():
    base = arch.get_spec("cnn-1")
    deeper = base.derive(filters=[30, 64, 64], kernels=[19, 5, 5], pools=[1, 1, 100])
    assert deeper.depth == 3 and deeper.pool_strides == (1, 1, 100)
    with pytest.raises(InvalidArchitectureError, match="kernels, pools"):
        base.derive(filters=[30, 64, 64])
    with pytest.raises(InvalidArchitectureError, match="different lengths"):
        base.derive(filters=[30, 64], kernels=[19])


def test_derive_new_pools_reset_strides():
    spec = arch.get_spec("cnn-50-2").derive(pools=[4, 25])
    assert spec.pool_strides == (4, 25)
    kept = arch.get_spec("cnn-50-2").derive(filters=[16, 128])
    assert kept.pool_strides == (2, 50)


@pytest.mark.parametrize(
    "kwargs",
    [{"filters": [0, 128]}, {"kernels": [19, -1]}, {"dense_units": 0},
     {"conv_dropout": 1.0}, {"l2": -1.0}],
)
def test_invalid_variants_are_rejected(kwargs):
    with pytest.raises(InvalidArchitectureError):
        arch.get_spec("cnn-25").derive(**kwargs)


def test_released_flavor():
    spec = arch.get_spec("cnn-50-2", flavor="released")
    assert spec.filters == (30, 64) and spec.dense_units == 96 and spec.dense_batchnorm
    assert spec.name == "cnn-50-2" and spec.label == "CNN-50-2"
    assert arch.get_spec("cnn-25", flavor="released").dense_batchnorm
    assert arch.get_spec("cnn-25", flavor="released").kernel_initializer == "glorot_uniform"
    assert arch.get_spec("cnn-25", flavor="paper").kernel_initializer == "he_normal"
    assert arch.get_spec("cnn-25") == arch.get_spec("cnn-25", flavor="released")  # the default
    with pytest.raises(InvalidArchitectureError, match="kernel_initializer is 'zeros'"):
        arch.get_spec("cnn-25").derive(kernel_initializer="zeros")
    with pytest.raises(InvalidArchitectureError, match="flavor"):
        arch.get_spec("cnn-25", flavor="tf1")


def test_released_flavor_parameters():
    spec = arch.get_spec("cnn-25", flavor="released")
    # Dense without bias, plus BatchNorm (4 x 512)
    expected = paper_parameter_count("cnn-25", 200) - 512 + 4 * 512
    assert arch.count_parameters(spec)["total"] == expected


def test_dict_round_trip():
    for name in arch.list_models():
        for flavor in arch.FLAVORS:
            spec = arch.get_spec(name, flavor=flavor)
            assert arch.ArchSpec.from_dict(spec.to_dict()) == spec


def test_parse_int_list():
    assert arch.parse_int_list("30, 128", "--filters") == (30, 128)
    with pytest.raises(InvalidArchitectureError, match="'30,x'"):
        arch.parse_int_list("30,x", "--filters")
    with pytest.raises(InvalidArchitectureError, match="empty"):
        arch.parse_int_list(" , ", "--filters")
