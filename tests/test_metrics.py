"""Metrics: scikit-learn's areas cross-checked against Keras's AUC metric."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif_arch.training.metrics import binary_crossentropy, classification_metrics


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(3)
    y = (rng.random((2000, 12)) < 0.15).astype("float32")
    p = np.clip(0.3 * y + 0.7 * rng.random((2000, 12)), 0, 1).astype("float32")
    return y, p


def test_sklearn_areas_agree_with_keras(scores):
    import keras

    y, p = scores
    ours = classification_metrics(y, p)
    for j, row in enumerate(ours["per_class"].values()):
        roc = keras.metrics.AUC(num_thresholds=20_000, curve="ROC")
        roc.update_state(y[:, j], p[:, j])
        pr = keras.metrics.AUC(num_thresholds=20_000, curve="PR",
                               summation_method="interpolation")
        pr.update_state(y[:, j], p[:, j])
        assert row["auroc"] == pytest.approx(float(roc.result()), abs=2e-3)
        assert row["aupr"] == pytest.approx(float(pr.result()), abs=1e-2)


def test_summary_is_mean_and_population_std(scores):
    y, p = scores
    m = classification_metrics(y, p, [f"tf{i}" for i in range(12)])
    values = np.array([v["auroc"] for v in m["per_class"].values()])
    assert m["auroc"]["mean"] == pytest.approx(values.mean())
    assert m["auroc"]["std"] == pytest.approx(values.std(ddof=0))
    assert list(m["per_class"])[0] == "tf0" and m["num_examples"] == 2000


def test_perfect_and_undefined_classes():
    y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]], dtype=float)
    p = np.array([[0.9, 0.1], [0.2, 0.4], [0.8, 0.3], [0.1, 0.2]])
    m = classification_metrics(y, p, ["a", "b"])
    assert m["per_class"]["a"]["auroc"] == 1.0 and m["per_class"]["a"]["aupr"] == 1.0
    assert m["per_class"]["b"]["auroc"] is None  # no positives: undefined, left out
    assert m["auroc"] == {"mean": 1.0, "std": 0.0}


def test_binary_crossentropy_matches_keras(scores):
    import keras

    y, p = scores
    expected = float(keras.ops.mean(keras.losses.binary_crossentropy(y, p)))
    assert binary_crossentropy(y, p) == pytest.approx(expected, rel=1e-4)
