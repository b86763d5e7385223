"""koo_invivo end to end on the DeepSEA-format fixture: build, train, evaluate; offline errors."""

from __future__ import annotations

import json
import socket

from typer.testing import CliRunner

from deepmotif_arch.cli.main import app

from .helpers import ROOT

runner = CliRunner()
BUNDLE = ROOT / "tfds_builders" / "koo_invivo" / "dummy_data" / "deepsea_train_bundle"


def test_build_train_and_evaluate_on_the_fixture(tmp_path):
    data = tmp_path / "tfds"
    built = runner.invoke(app, ["data", "build", "koo_invivo", "--data-dir", str(data),
                                "--manual-dir", str(BUNDLE)])
    assert built.exit_code == 0, built.output
    out = tmp_path / "run"
    trained = runner.invoke(app, ["train", "cnn-25", "--dataset", "koo_invivo", "--data-dir",
                                  str(data), "--epochs", "2", "-o", str(out), "--quiet"])
    assert trained.exit_code == 0, trained.output
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["dataset"] == {"name": "koo_invivo", "config": "paper", "version": "1.1.0"}
    assert manifest["test_metrics"]["num_examples"] == 30
    evaluated = runner.invoke(app, ["evaluate", str(out / "model.keras"), "--data-dir",
                                    str(data), "--format", "json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.output)["dataset"] == "koo_invivo"


def test_unreachable_download_fails_at_once_with_instructions(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", offline)
    result = runner.invoke(app, ["data", "build", "koo_invivo", "--data-dir",
                                 str(tmp_path / "tfds")])
    assert result.exit_code == 2, result.output
    assert "cannot be downloaded from here" in result.output
    assert "deepsea_train_bundle.v0.9.tar.gz" in result.output and "--manual-dir" in result.output
    assert not (tmp_path / "tfds" / "koo_invivo" / "paper" / "1.1.0").exists()


def test_missing_manual_dir_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["data", "build", "koo_invivo", "--data-dir", str(tmp_path),
                                 "--manual-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output
