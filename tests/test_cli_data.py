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

from .helpers import ROOT

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
    result = invoke("data", "info", "--config", "tiny", "--size", "50", "--buffer", "0",
                    "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "tiny_buffer0_num_sequences50" in result.output and "Not built yet" in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["data", "build", "--config", "huge"], "no config 'huge'"),
        (["data", "build", "koo_synth"], "did you mean 'koo_synthetic'"),
        (["data", "build", "--config", "tiny", "--length", "30"], "use length >= 86"),
        (["data", "build", "--config", "tiny", "--size", "-3"], "num_sequences is -3"),
        (["data", "build", "--config", "tiny", "--buffer", "-1"], "buffer is -1"),
    ],
)
def test_data_user_errors(args, needle, tmp_path):
    result = invoke(*args, "--data-dir", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output


def test_data_sets_named_as_tfds_names_them(tiny_data_dir, tmp_path):
    result = invoke("data", "build", "koo_synthetic/tiny", "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "koo_synthetic" / "tiny" / "1.0.0").is_dir()
    result = invoke("data", "info", "koo_synthetic/tiny:1.0.0", "--data-dir", str(tmp_path))
    assert result.exit_code == 0 and "Built in" in result.output
    assert "train\t420\t" in result.output  # not a terminal: whole tab-separated lines
    from deepmotif_arch.data import datasets

    assert datasets.parse_name("koo_synthetic/tiny:1.0.0") == ("koo_synthetic", "tiny", "1.0.0")
    assert datasets.parse_name("koo_synthetic/tiny", "tiny")[1] == "tiny"  # said twice: fine
    x, _ = datasets.load_numpy("koo_synthetic/tiny", "test", data_dir=str(tiny_data_dir))
    assert x.shape == (120, 200, 4)
    builder = datasets.get_builder("koo_synthetic:1.0.0", "tiny", data_dir=str(tiny_data_dir))
    assert (builder.builder_config.name, str(builder.version)) == ("tiny", "1.0.0")


@pytest.mark.parametrize(("args", "needle"), [
    (["data", "build", "koo_synthetic/tiny", "--config", "paper"],
     "names the config 'tiny' but the config 'paper' (--config) was given too"),
    (["data", "info", "koo_synthetic/tiny:2.0.0"], "has no version 2.0.0; use 1.0.0"),
    (["data", "info", "koo_synthetic/tiny:latest"], "is not a version such as 1.0.0"),
    (["data", "info", "koo_synthetic/tiny/x"], "is not of the form name, name/config"),
    (["train", "cnn-25", "--dataset", "koo_synth/tiny"], "did you mean 'koo_synthetic'"),
    (["train", "cnn-25", "--dataset", "koo_synthetic/tiny", "--config", "paper"],
     "names the config 'tiny'"),
])
def test_conflicting_or_malformed_data_set_names(args, needle, tmp_path):
    result = invoke(*args, "--data-dir", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert not (tmp_path / "koo_synthetic").exists()


def test_data_info_on_corrupted_folder(tiny_data_dir, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(tiny_data_dir, bad)
    for shard in (bad / "koo_synthetic" / "tiny" / "1.0.0").glob("*test.tfrecord*"):
        shard.write_bytes(b"")
    result = invoke("data", "info", "--config", "tiny", "--data-dir", str(bad))
    assert result.exit_code == 2 and "truncated or corrupted" in result.output


def _readme_tfds_lines() -> list[str]:
    """The README's `tfds build` lines for koo_synthetic, as written."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for line in text.splitlines()
             if "tfds build koo_synthetic" in line]
    assert len(lines) == 2, lines
    return lines


def _tfds(line: str, cwd: Path, data_dir: Path) -> subprocess.CompletedProcess:
    """A README line run by bash in ``cwd`` with the venv's scripts first on PATH, on the
    tiny config (``paper`` takes longer and proves nothing more), into ``data_dir``."""
    line = line.replace("koo_synthetic/paper", "koo_synthetic/tiny")
    line = line.replace("--config paper", "--config tiny")
    if line.endswith(")"):
        line = line[:-1] + f" --data_dir {data_dir})"
    else:
        line += f" --data_dir {data_dir}"
    bin_dir = str(Path(sys.executable).parent)
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
             "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")},
    )


@pytest.mark.slow  # two `tfds build` processes: `make test-slow`
def test_tfds_build_as_the_readme_says(tmp_path):
    """From an empty folder with --imports, and from a checkout's tfds_builders/ without."""
    by_imports, by_folder = sorted(_readme_tfds_lines(), key=lambda line: "--imports" not in line)
    assert "--imports deepmotif_arch.data.datasets" in by_imports and by_folder.startswith("(cd ")
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = _tfds(by_imports, empty, tmp_path / "b")
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = _tfds(by_folder, ROOT, tmp_path / "a")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not list(empty.iterdir())
    shards = sorted((tmp_path / "a" / "koo_synthetic" / "tiny" / "1.0.0").glob("*.tfrecord*"))
    assert len(shards) == 3
    for shard in shards:
        twin = tmp_path / "b" / "koo_synthetic" / "tiny" / "1.0.0" / shard.name
        assert shard.read_bytes() == twin.read_bytes()
