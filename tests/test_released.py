"""The checkpoints committed under releases/koo_synthetic/ are what their index says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from deepmotif_arch import pretrained

RELEASES = Path(__file__).resolve().parent.parent / "releases" / "koo_synthetic"
ENTRIES = pretrained.read_index(pretrained.PACKAGE_INDEX)["models"]

pytestmark = pytest.mark.skipif(not ENTRIES, reason="nothing released yet")


@pytest.fixture(autouse=True)
def _local_releases(monkeypatch):
    """Load from this checkout's folder, never from the network."""
    monkeypatch.setenv(pretrained.ENV_RELEASES, str(RELEASES))


def _ids(entries):
    return [e["name"] for e in entries]


def test_packaged_index_equals_the_release_folder():
    index = json.loads((RELEASES / "index.json").read_text())
    assert [e["name"] for e in index["models"]] == _ids(ENTRIES)
    sums = dict(reversed(line.split("  ")) for line in
                (RELEASES / "SHA256SUMS").read_text().splitlines())
    for entry in ENTRIES:
        file = RELEASES / entry["file"]
        assert pretrained.sha256_file(file) == entry["sha256"] == sums[entry["file"]]
        assert (RELEASES / entry["card"]).read_text().startswith("# ")


@pytest.mark.backend
@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_released_checkpoint_opens_with_plain_keras(entry):
    import keras

    model = keras.models.load_model(RELEASES / entry["file"], compile=False)
    x = np.eye(4, dtype="float32")[np.random.default_rng(0).integers(0, 4, (3, 200))]
    probs = np.asarray(model.predict(x, verbose=0))
    assert probs.shape == (3, 12) and np.all((probs >= 0) & (probs <= 1))
    assert pretrained.load(entry["name"]).count_params() == model.count_params()


def _recompute(entry):
    from deepmotif_arch import datasets
    from deepmotif_arch.metrics import classification_metrics

    x, y = datasets.load_numpy("koo_synthetic", "test", config=entry["dataset"]["config"])
    model = pretrained.load(entry["name"])
    return classification_metrics(y, np.asarray(model.predict(x, batch_size=500, verbose=0)))


def test_cnn25_test_auroc_recomputes():
    entry = next((e for e in ENTRIES if e["name"] == "cnn-25"), None)
    if entry is None:
        pytest.skip("cnn-25 is not released")
    metrics = _recompute(entry)
    assert metrics["auroc"]["mean"] == pytest.approx(entry["metrics"]["auroc_mean"], abs=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_every_release_recomputes_its_metrics(entry):
    metrics = _recompute(entry)
    assert metrics["auroc"]["mean"] == pytest.approx(entry["metrics"]["auroc_mean"], abs=1e-4)
    assert metrics["aupr"]["mean"] == pytest.approx(entry["metrics"]["aupr_mean"], abs=1e-4)
