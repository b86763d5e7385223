"""The checkpoints shipped in the package (``deepmotif_arch.releases``) are what their
index says, and load from the package with neither ``DEEPMOTIF_RELEASES`` nor the
network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deepmotif_arch.zoo import pretrained

RELEASES = pretrained.packaged_folder()
ENTRIES = pretrained.read_index(RELEASES / "index.json")["models"]

pytestmark = pytest.mark.skipif(not ENTRIES, reason="nothing released yet")


@pytest.fixture(autouse=True)
def _package_only(monkeypatch):
    """Load from the installed package: no override folder, no download address."""
    monkeypatch.delenv(pretrained.ENV_RELEASES, raising=False)
    monkeypatch.delenv(pretrained.ENV_URL, raising=False)


def _ids(entries):
    return [e["name"] for e in entries]


def test_package_holds_every_indexed_file_and_nothing_unindexed():
    assert isinstance(RELEASES, Path) and RELEASES.is_dir()  # unpacked, as pip installs
    assert RELEASES.parent.name == "releases"
    sums = dict(reversed(line.split("  ")) for line in
                (RELEASES / "SHA256SUMS").read_text().splitlines())
    assert sorted(sums) == sorted(e["file"] for e in ENTRIES)
    assert sorted(p.name for p in RELEASES.glob("*.keras")) == sorted(sums)
    for entry in ENTRIES:
        file = RELEASES / entry["file"]
        assert pretrained.sha256_file(file) == entry["sha256"] == sums[entry["file"]]
        assert file.stat().st_size == entry["size"]
        assert (RELEASES / entry["card"]).read_text().startswith("# ")
    assert pretrained.list_models() == ENTRIES


@pytest.mark.backend
@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_released_checkpoint_opens_with_plain_keras(entry):
    import keras

    file = pretrained.path(entry["name"])
    assert file == RELEASES / entry["file"]  # the package's own file, verified
    model = keras.models.load_model(file, compile=False)
    x = np.eye(4, dtype="float32")[np.random.default_rng(0).integers(0, 4, (3, 200))]
    probs = np.asarray(model.predict(x, verbose=0))
    assert probs.shape == (3, 12) and np.all((probs >= 0) & (probs <= 1))
    assert pretrained.load(entry["name"]).count_params() == model.count_params()


def _recompute(entry):
    from deepmotif_arch.data import datasets
    from deepmotif_arch.training.metrics import classification_metrics

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
