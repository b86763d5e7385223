"""`deepmotif data` and the `tfds build` command line finding our builders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deepmotif_arch.cli.main import app

from .conftest import ROOT

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_data_build_and_info(tmp_path):
    result = invoke("data", "build", "koo_synthetic", "--config", "tiny",
                    "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "420" in result.output and "Built in" in result.output
    result = invoke("data", "info", "--config", "tiny", "--data-dir", str(tmp_path))
    assert result.exit_code == 0 and "validation" in result.output


def test_data_build_custom_size(tmp_path):
    result = invoke("data", "build", "--config", "tiny", "--size", "50", "--seed", "3",
                    "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "koo_synthetic" / "tiny_num_sequences50_seed3").is_dir()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["data", "build", "--config", "huge"], "no config 'huge'"),
        (["data", "build", "koo_synth"], "did you mean 'koo_synthetic'"),
        (["data", "build", "--config", "tiny", "--length", "30"], "use length >= 86"),
        (["data", "build", "--config", "tiny", "--size", "-3"], "num_sequences is -3"),
    ],
)
def test_data_user_errors(args, needle, tmp_path):
    result = invoke(*args, "--data-dir", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output


def test_data_info_on_corrupted_folder(tiny_data_dir, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(tiny_data_dir, bad)
    for shard in (bad / "koo_synthetic" / "tiny" / "1.0.0").glob("*test.tfrecord*"):
        shard.write_bytes(b"")
    result = invoke("data", "info", "--config", "tiny", "--data-dir", str(bad))
    assert result.exit_code == 2 and "truncated or corrupted" in result.output


def _tfds(args, cwd: Path, data_dir: Path) -> subprocess.CompletedProcess:
    tfds = Path(sys.executable).with_name("tfds")
    return subprocess.run(
        [str(tfds), "build", *args, "--config", "tiny", "--data_dir", str(data_dir)],
        cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )


@pytest.mark.slow  # two `tfds build` processes: `make test-slow`
def test_tfds_build_by_folder_and_by_imports(tmp_path):
    by_folder = _tfds(["koo_synthetic"], ROOT / "tfds_builders", tmp_path / "a")
    assert by_folder.returncode == 0, by_folder.stderr[-3000:]
    by_imports = _tfds(["koo_synthetic", "--imports", "deepmotif_arch.datasets"], tmp_path,
                       tmp_path / "b")
    assert by_imports.returncode == 0, by_imports.stderr[-3000:]
    shards = sorted((tmp_path / "a" / "koo_synthetic" / "tiny" / "1.0.0").glob("*.tfrecord*"))
    assert len(shards) == 3
    for shard in shards:
        twin = tmp_path / "b" / "koo_synthetic" / "tiny" / "1.0.0" / shard.name
        assert shard.read_bytes() == twin.read_bytes()
