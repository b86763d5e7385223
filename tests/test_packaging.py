"""The wheel installs exactly one top-level package, deepmotif_arch."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from .conftest import ROOT


def test_wheel_contents(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = tmp_path.glob("deepmotif_arch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    dist_info = {t for t in top if t.endswith(".dist-info")}
    assert top - dist_info == {"deepmotif_arch"}, top
    for required in ("deepmotif_arch/__init__.py", "deepmotif_arch/cli/main.py",
                     "deepmotif_arch/cli/zoo.py", "deepmotif_arch/tfds_builders/__init__.py",
                     "deepmotif_arch/models.py",
                     "deepmotif_arch/tfds_builders/koo_synthetic/koo_synthetic_dataset_builder.py",
                     "deepmotif_arch/tfds_builders/koo_synthetic/__init__.py",
                     "deepmotif_arch/tfds_builders/koo_synthetic/README.md",
                     "deepmotif_arch/tfds_builders/koo_synthetic/CITATIONS.bib",
                     "deepmotif_arch/tfds_builders/koo_synthetic/TAGS.txt",
                     "deepmotif_arch/tfds_builders/koo_synthetic/checksums.tsv",
                     "deepmotif_arch/tfds_builders/koo_synthetic/dummy_data/README.md"):
        assert required in names
    assert not any(n.startswith(("tests/", "benchmarks/", "cli/")) for n in names)
    entry_points = zipfile.ZipFile(wheel).read(
        f"{dist_info.pop()}/entry_points.txt").decode()
    assert "deepmotif = deepmotif_arch.cli.main:main" in entry_points
