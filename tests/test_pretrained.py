"""Releasing the sweep's best checkpoints and opening them through ``pretrained``.

A fake results tree holds two trials of CNN-25 with real (untrained) checkpoints;
the trial with the lower validation loss has the worse test AU-ROC, so a release
that looked at test metrics would pick the other one. The package's own release
folder is replaced by an empty one in every test (``isolated``); the real one is
tested in test_released.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from deepmotif_arch.base.io import sha256_file
from deepmotif_arch.paper.experiment import RESULT_FORMAT_VERSION, ExperimentError
from deepmotif_arch.paper.release import check_release, release_checkpoints
from deepmotif_arch.zoo import pretrained
from deepmotif_arch.zoo.pretrained import PretrainedError

CLASSES = ["Arid3a", "CEBPB", "FOSL1", "Gabpa", "MAFK", "MAX", "MEF2A", "NFYB", "SP1",
           "SRF", "STAT1", "YY1"]
#: trial -> (validation loss, test AU-ROC): trial 1 wins on loss, trial 0 on AU-ROC.
TRIALS = {0: (0.30, 0.99), 1: (0.25, 0.90)}


def _result(trial: int, checkpoint: Path, sha256: str) -> dict:
    loss, auroc = TRIALS[trial]
    return {
        "format": RESULT_FORMAT_VERSION, "model": "cnn-25", "label": "CNN-25", "trial": trial,
        "flavor": "released", "backend": "jax",
        "dataset": {"name": "koo_synthetic", "config": "paper", "version": "1.0.0"},
        "training": {"epochs_run": 30, "best_epoch": 10, "best_val_loss": loss,
                     "stopped_early": True, "learning_rate": 0.001, "beta_1": 0.95,
                     "epsilon": 1e-8, "batch_size": 100, "patience": 20},
        "test": {"auroc_mean": auroc, "auroc_sd_classes": 0.01, "aupr_mean": auroc - 0.2,
                 "per_class_auroc": dict.fromkeys(CLASSES, auroc),
                 "per_class_aupr": dict.fromkeys(CLASSES, auroc - 0.2)},
        "layers": {"conv1": {"num_filters": 30, "num_silent": 1, "fraction_jaspar": 0.9,
                             "fraction_relevant": 0.8 + trial / 100, "tfs_covered": CLASSES,
                             "tfs_missed": [], "ground_truth_similarity": 0.7,
                             "seconds": 1.0}},
        "wall_time_s": {"training": 60.0, "this_sitting": 61.0},
        "checkpoint": {"path": str(checkpoint), "sha256": sha256},
        "versions": {"deepmotif-arch": "0.0.test", "keras": "3"},
    }


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> dict:
    """``results/`` and ``runs/`` of two finished CNN-25 trials, plus the Keras model."""
    from deepmotif_arch.training.checkpoints import save_checkpoint
    from deepmotif_arch.zoo.models import get_model

    root = tmp_path_factory.mktemp("sweep")
    model = get_model("cnn-25", flavor="released")
    for trial in TRIALS:
        ckpt = save_checkpoint(
            model, root / "runs" / "cnn-25" / f"trial-{trial}" / "model.keras",
            {"input_length": 200, "alphabet": "ACGT", "class_names": CLASSES,
             "dataset": {"name": "koo_synthetic", "config": "paper", "version": "1.0.0"},
             "training": {"epochs_max": 100, "trial": trial}},
            include_optimizer=False)
        out = root / "results" / "cnn-25" / f"trial-{trial}" / "result.json"
        out.parent.mkdir(parents=True)
        out.write_text(json.dumps(_result(trial, ckpt, sha256_file(ckpt))))
    x = np.eye(4, dtype="float32")[np.random.default_rng(0).integers(0, 4, (3, 200))]
    return {"results": root / "results", "runs": root / "runs", "model": model, "x": x}


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path) -> Path:
    """Replace the package's release folder with an empty one; keep the environment out."""
    folder = tmp_path / "package" / "koo_synthetic"
    monkeypatch.setattr(pretrained, "packaged_folder", lambda: folder)
    monkeypatch.delenv(pretrained.ENV_RELEASES, raising=False)
    monkeypatch.delenv(pretrained.ENV_URL, raising=False)
    return folder


@pytest.fixture
def released(sweep, tmp_path) -> Path:
    out = tmp_path / "release"
    release_checkpoints(sweep["results"], out=out)
    return out


def _package(released: Path, folder: Path, files=("index.json",)) -> Path:
    """Put ``files`` of a release into the stand-in for the package's folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copy(released / name, folder / name)
    return folder


def test_release_picks_lowest_validation_loss(sweep, tmp_path, isolated):
    out = tmp_path / "release"
    entries = release_checkpoints(sweep["results"], out=out)
    assert [(e["name"], e["trial"]) for e in entries] == [("cnn-25", 1)]
    entry = entries[0]
    chosen = sweep["runs"] / "cnn-25" / "trial-1" / "model.keras"
    assert entry["sha256"] == sha256_file(chosen) == sha256_file(out / "cnn-25.keras")
    assert entry["size"] == chosen.stat().st_size
    assert entry["trials_finished"] == [0, 1] and entry["class_names"] == CLASSES
    assert entry["metrics"]["auroc_mean"] == 0.90
    assert entry["metrics"]["layers"]["conv1"]["fraction_relevant"] == pytest.approx(0.81)
    assert (out / "SHA256SUMS").read_text() == f"{entry['sha256']}  cnn-25.keras\n"
    index = json.loads((out / "index.json").read_text())
    assert index["models"] == entries
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"]  # nothing elsewhere
    card = (out / "cnn-25.md").read_text()
    for text in ("# CNN-25 (`cnn-25`)", "deepmotif experiment table1 --models cnn-25 "
                 "--trials 2\n", "deepmotif experiment release", entry["sha256"],
                 "Trial 1 of the 2 finished", "lowest validation loss", "koo_synthetic",
                 "`paper`", "1.0.0", "| conv1_pool | 30 | – | 25 |", "| SRF | 0.900 |",
                 f"Parameters: {sweep['model'].count_params():,} (",
                 "| conv1 | 30 | 1 | 0.900 |"):
        assert text in card, text
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temp files


def test_release_from_runs_folder_and_missing_checkpoint(sweep, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(sweep["results"], results)
    for file in results.glob("*/trial-*/result.json"):  # as if the runs had been moved
        data = json.loads(file.read_text())
        data["checkpoint"]["path"] = str(tmp_path / "moved" / "model.keras")
        file.write_text(json.dumps(data))
    with pytest.raises(ExperimentError, match="does not exist; give the folder of the "
                       "training runs with --runs"):
        release_checkpoints(results, out=tmp_path / "a")
    (entry,) = release_checkpoints(results, runs=sweep["runs"], out=tmp_path / "b",
                                   models=["CNN-25"])
    assert entry["trial"] == 1 and (tmp_path / "b" / "cnn-25.keras").is_file()


def test_release_errors(sweep, tmp_path, isolated):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExperimentError, match="no finished result files"):
        release_checkpoints(tmp_path / "empty", out=tmp_path / "out")
    with pytest.raises(ExperimentError, match="cnn-4 has no finished trial"):
        release_checkpoints(sweep["results"], out=tmp_path / "out", models=["cnn-25", "cnn-4"])
    results = tmp_path / "results"
    shutil.copytree(sweep["results"], results)
    file = results / "cnn-25" / "trial-1" / "result.json"
    data = json.loads(file.read_text())
    data["checkpoint"]["sha256"] = "0" * 64
    file.write_text(json.dumps(data))
    with pytest.raises(ExperimentError, match="has SHA-256 .* but its result.json records"):
        release_checkpoints(results, out=tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == [] and not isolated.exists()


def test_list_models_empty_and_filled(released, monkeypatch):
    assert pretrained.list_models() == []
    monkeypatch.setenv(pretrained.ENV_RELEASES, str(released))
    (entry,) = pretrained.list_models()
    assert entry["name"] == "cnn-25" and entry["file"] == "cnn-25.keras"


def test_unknown_and_unreleased_names(released, monkeypatch):
    with pytest.raises(PretrainedError, match="none are released yet"):
        pretrained.path("cnn-25")
    monkeypatch.setenv(pretrained.ENV_RELEASES, str(released))
    with pytest.raises(PretrainedError, match=r"unknown model 'cnn-7'; available: cnn-25\."):
        pretrained.path("cnn-7")
    with pytest.raises(PretrainedError, match="no pretrained checkpoint of 'cnn-4'.*cnn-25"):
        pretrained.load("CNN-4")


def test_hash_mismatch_is_refused(released, tmp_path, monkeypatch, isolated):
    bad = tmp_path / "bad"
    shutil.copytree(released, bad)
    data = bytearray((bad / "cnn-25.keras").read_bytes())
    data[-10] ^= 0xFF
    (bad / "cnn-25.keras").write_bytes(bytes(data))
    monkeypatch.setenv(pretrained.ENV_RELEASES, str(bad))
    with pytest.raises(PretrainedError, match="has SHA-256 .* but the index expects"):
        pretrained.load("cnn-25")
    # The same corrupted file offered for download.
    _package(released, isolated)
    monkeypatch.delenv(pretrained.ENV_RELEASES)
    monkeypatch.setenv(pretrained.ENV_URL, bad.as_uri())
    with pytest.raises(PretrainedError, match="does not have the SHA-256 the index expects"):
        pretrained.path("cnn-25", cache_dir=tmp_path / "cache")


def test_packaged_release_is_found_and_verified(released, tmp_path, monkeypatch, isolated):
    _package(released, isolated, ("index.json", "cnn-25.keras"))
    assert [m["name"] for m in pretrained.list_models()] == ["cnn-25"]
    assert pretrained.release_folder() == isolated
    assert pretrained.path("CNN-25") == isolated / "cnn-25.keras"
    monkeypatch.setenv(pretrained.ENV_RELEASES, str(released))  # the override comes first
    assert pretrained.path("cnn-25") == released / "cnn-25.keras"
    assert pretrained.release_folder() == released
    monkeypatch.delenv(pretrained.ENV_RELEASES)
    data = bytearray((isolated / "cnn-25.keras").read_bytes())
    data[-10] ^= 0xFF
    (isolated / "cnn-25.keras").write_bytes(bytes(data))
    with pytest.raises(PretrainedError, match=r"\(the installed package\) has SHA-256 .* "
                       "reinstall deepmotif-arch"):
        pretrained.path("cnn-25")


def test_no_download_without_an_address(released, monkeypatch, isolated):
    _package(released, isolated)  # the index ships, the file does not

    def no_network(*args, **kwargs):
        raise AssertionError("downloaded without DEEPMOTIF_RELEASE_URL")

    monkeypatch.setattr(pretrained, "_download", no_network)
    with pytest.raises(PretrainedError, match=r"cnn-25.keras \(cnn-25\) is in neither "
                       r"\$DEEPMOTIF_RELEASES nor the installed package .*DEEPMOTIF_RELEASE_URL"):
        pretrained.path("cnn-25")
    monkeypatch.setenv(pretrained.ENV_RELEASES, str(released / "missing"))
    with pytest.raises(PretrainedError, match="DEEPMOTIF_RELEASES is '.*missing', which is "
                       "not a folder"):
        pretrained.list_models()


def test_zipped_package_is_copied_to_the_cache(released, tmp_path, monkeypatch):
    import zipfile

    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("index.json", "cnn-25.keras"):
            zf.write(released / name, f"koo_synthetic/{name}")
    monkeypatch.setattr(pretrained, "packaged_folder",
                        lambda: zipfile.Path(archive, "koo_synthetic/"))
    got = pretrained.path("cnn-25", cache_dir=tmp_path / "cache")
    assert got == tmp_path / "cache" / "deepmotif" / "cnn-25.keras"
    assert sha256_file(got) == sha256_file(released / "cnn-25.keras")
    assert pretrained.path("cnn-25", cache_dir=tmp_path / "cache") == got  # copied once


@pytest.mark.backend
def test_load_from_releases_folder(sweep, released, monkeypatch):
    import keras

    monkeypatch.setenv(pretrained.ENV_RELEASES, str(released))
    assert pretrained.path("CNN-25") == released / "cnn-25.keras"
    model = pretrained.load("CNN-25")
    expected = np.asarray(sweep["model"].predict(sweep["x"], verbose=0))
    np.testing.assert_allclose(model.predict(sweep["x"], verbose=0), expected, atol=1e-5)
    plain = keras.models.load_model(pretrained.path("cnn-25"))  # no custom objects
    np.testing.assert_allclose(plain.predict(sweep["x"], verbose=0), expected, atol=1e-5)


@pytest.mark.backend
def test_load_downloads_into_cache(sweep, released, tmp_path, monkeypatch, isolated):
    mirror = tmp_path / "mirror"
    shutil.copytree(released, mirror)
    _package(released, isolated)  # the index ships, the file does not
    monkeypatch.setenv(pretrained.ENV_URL, mirror.as_uri())
    cache = tmp_path / "cache"
    got = pretrained.path("cnn-25", cache_dir=cache)
    assert got == cache / "deepmotif" / "cnn-25.keras"
    assert sha256_file(got) == sha256_file(released / "cnn-25.keras")
    (mirror / "cnn-25.keras").unlink()  # now served from the cache
    model = pretrained.load("cnn-25", cache_dir=cache)
    expected = np.asarray(sweep["model"].predict(sweep["x"], verbose=0))
    np.testing.assert_allclose(model.predict(sweep["x"], verbose=0), expected, atol=1e-5)
    with pytest.raises(PretrainedError, match="could not download"):
        pretrained.path("cnn-25", cache_dir=tmp_path / "other-cache")


def test_cli_release(sweep, tmp_path, isolated):
    from deepmotif_arch.cli.main import app

    runner = CliRunner()
    out = tmp_path / "release"
    result = runner.invoke(app, ["experiment", "release", "--results", str(sweep["results"]),
                                 "--output", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    sha = sha256_file(out / "cnn-25.keras")
    assert sha[:12] in result.output and "1 of 2" in result.output
    assert "0.900" in result.output and not isolated.exists()  # the package is untouched
    result = runner.invoke(app, ["experiment", "release", "--results", str(tmp_path / "none"),
                                 "--output", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "does not exist" in result.output


def test_check_release_on_a_fresh_draw(released, tiny_data_dir, tmp_path):
    rows = check_release(released, config="tiny", data_dir=str(tiny_data_dir))
    [row] = rows
    assert row["name"] == "cnn-25" and row["trial"] == 1 and row["num_examples"] == 120
    assert row["released_auroc"] == 0.90
    assert 0.0 <= row["auroc"] <= 1.0  # an untrained model: near 0.5, but a real number
    assert row["auroc_diff"] == pytest.approx(row["auroc"] - 0.90)
    table = (released / "tiny-test.md").read_text()
    assert "| CNN-25 | 1 | 0.900 |" in table
    assert json.loads((released / "tiny-test.json").read_text())["models"][0]["auroc"] == \
        pytest.approx(row["auroc"])
    with pytest.raises(ExperimentError, match="'cnn-4' is not released"):
        check_release(released, config="tiny", data_dir=str(tiny_data_dir), models=["cnn-4"])
    with pytest.raises(ExperimentError, match="holds no released checkpoints"):
        check_release(tmp_path / "empty", config="tiny", data_dir=str(tiny_data_dir))
    (released / "cnn-25.keras").write_bytes(b"not a checkpoint")
    with pytest.raises(ExperimentError, match="does not match the SHA-256"):
        check_release(released, config="tiny", data_dir=str(tiny_data_dir))


def test_cli_check_release(released, tiny_data_dir):
    from deepmotif_arch.cli.main import app

    runner = CliRunner()
    args = ["experiment", "check-release", "--release", str(released), "--config", "tiny",
            "--data-dir", str(tiny_data_dir)]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "CNN-25" in result.output and "0.900" in result.output
    result = runner.invoke(app, [*args, "--models", "cnn-2"], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "is not released" in result.output


def test_pretrained_is_an_attribute_of_the_package():
    import importlib

    import deepmotif_arch as dm

    assert dm.pretrained is importlib.import_module("deepmotif_arch.zoo.pretrained")
    assert "pretrained" in dir(dm)
