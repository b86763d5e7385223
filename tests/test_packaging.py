"""The wheel installs exactly one top-level package, deepmotif_arch, with the released
checkpoints inside it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from .helpers import ROOT

#: What a plain clone does not hold: build outputs (a stale build/lib would leak into
#: the wheel), environments, and the sweep's own folders.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".ruff_cache", "runs", "results")


def test_wheel_contents(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCE)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path), str(src)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = tmp_path.glob("deepmotif_arch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    dist_info = {t for t in top if t.endswith(".dist-info")}
    assert top - dist_info == {"deepmotif_arch"}, top
    for required in ("deepmotif_arch/__init__.py", "deepmotif_arch/cli/main.py",
                     "deepmotif_arch/cli/zoo.py", "deepmotif_arch/tfds_builders/__init__.py",
                     "deepmotif_arch/zoo/models.py", "deepmotif_arch/zoo/pretrained.py",
                     "deepmotif_arch/paper/worker.py", "deepmotif_arch/base/sequence.py",
                     "deepmotif_arch/releases/__init__.py",
                     "deepmotif_arch/releases/koo_synthetic/index.json",
                     "deepmotif_arch/releases/koo_synthetic/SHA256SUMS",
                     "deepmotif_arch/tfds_builders/koo_synthetic/koo_synthetic_dataset_builder.py",
                     "deepmotif_arch/tfds_builders/koo_synthetic/__init__.py",
                     "deepmotif_arch/tfds_builders/koo_synthetic/README.md",
                     "deepmotif_arch/tfds_builders/koo_synthetic/CITATIONS.bib",
                     "deepmotif_arch/tfds_builders/koo_synthetic/TAGS.txt",
                     "deepmotif_arch/tfds_builders/koo_synthetic/checksums.tsv",
                     "deepmotif_arch/tfds_builders/koo_synthetic/dummy_data/README.md"):
        assert required in names, required
    assert "deepmotif_arch/pretrained_index.json" not in names  # the index lives with the files
    assert not any(n.startswith(("tests/", "benchmarks/", "cli/", "releases/")) for n in names)
    # Every released checkpoint and model card, byte for byte as the repository has them.
    released = ROOT / "releases" / "koo_synthetic"
    index = json.loads((released / "index.json").read_text())
    assert index["models"], "nothing released"
    with zipfile.ZipFile(wheel) as zf:
        assert json.loads(zf.read("deepmotif_arch/releases/koo_synthetic/index.json")) == index
        for entry in index["models"]:
            for name in (entry["file"], entry["card"]):
                inside = f"deepmotif_arch/releases/koo_synthetic/{name}"
                assert zf.read(inside) == (released / name).read_bytes(), name
    entry_points = zipfile.ZipFile(wheel).read(
        f"{dist_info.pop()}/entry_points.txt").decode()
    assert "deepmotif = deepmotif_arch.cli.main:main" in entry_points


def test_core_dependencies_run_the_core_commands():
    """What `data build koo_synthetic`, `train` and `match` import comes without extras;
    Beam stays in the tfds extra."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {d.split(">")[0].split("=")[0].split("[")[0].lower().replace("_", "-")
            for d in project["dependencies"]}
    assert {"keras", "tensorflow", "tensorflow-datasets", "importlib-resources", "numpy",
            "logomaker", "pyjaspar", "numba", "typer", "rich"} <= core
    assert not any("apache-beam" in d for d in project["dependencies"])
    assert any("apache-beam" in d for d in project["optional-dependencies"]["tfds"])
