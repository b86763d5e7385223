"""The koo_synthetic TFDS builder: TFDS conventions, content, byte-identical builds."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds

from deepmotif_arch.base.errors import DatasetError
from deepmotif_arch.data import datasets, synthetic

from .helpers import ROOT

Builder = datasets.builder_class("koo_synthetic")


class KooSyntheticTest(tfds.testing.DatasetBuilderTestCase):
    """TFDS's own builder checks on the tiny config."""

    DATASET_CLASS = Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["tiny"]
    SPLITS = {"train": 420, "validation": 60, "test": 120}
    SKIP_CHECKSUMS = True


@pytest.fixture
def tiny_dir(tiny_data_dir):
    return tiny_data_dir


def test_builder_files_follow_tfds_layout():
    folder = ROOT / "tfds_builders" / "koo_synthetic"
    for name in ("README.md", "CITATIONS.bib", "TAGS.txt", "checksums.tsv",
                 "koo_synthetic_dataset_builder.py", "__init__.py"):
        assert (folder / name).exists(), name
    assert str(Builder.VERSION) in Builder.RELEASE_NOTES
    assert {c.name for c in Builder.BUILDER_CONFIGS} >= {"paper", "tiny", "independent",
                                                         "kp21"}
    assert Builder.code_path.parent == folder  # README and checksums found beside it


def test_independent_config_is_a_second_draw_of_the_paper_set():
    configs = {c.name: c for c in Builder.BUILDER_CONFIGS}
    paper, fresh = configs["paper"], configs["independent"]
    assert fresh.seed != paper.seed
    assert (fresh.num_sequences, fresh.length, tuple(fresh.count_probs)) == \
        (paper.num_sequences, paper.length, tuple(paper.count_probs))
    a, b = synthetic.generate(200, seed=paper.seed), synthetic.generate(200, seed=fresh.seed)
    assert not np.array_equal(a.sequences, b.sequences)
    # Same motifs and recipe: every class is planted at a similar rate in both draws.
    assert np.abs(a.labels.mean(axis=0) - b.labels.mean(axis=0)).max() < 0.1


def test_kp21_config_is_koo_and_ploenzkes_recipe():
    """30,000 sequences split 21,000 / 3,000 / 6,000 (their printed shapes), no buffer."""
    kp21 = {c.name: c for c in Builder.BUILDER_CONFIGS}["kp21"]
    assert (kp21.num_sequences, kp21.length, kp21.buffer) == (30_000, 200, 0)
    assert tuple(kp21.count_probs) == synthetic.PAPER_COUNT_PROBS
    sizes = {k: len(v) for k, v in synthetic.split_indices(kp21.num_sequences,
                                                           seed=kp21.seed).items()}
    assert sizes == {"train": 21_000, "validation": 3_000, "test": 6_000}


def test_examples_match_the_generator_and_ground_truth(tiny_dir):
    builder = datasets.get_builder("koo_synthetic", "tiny", data_dir=str(tiny_dir))
    data = synthetic.generate(600, seed=0)
    splits = synthetic.split_indices(600, seed=0)
    pwms = synthetic.ground_truth_pwms()
    for split, indices in splits.items():
        seen = []
        for ex in tfds.as_numpy(builder.as_dataset(split=split)):
            i = int(ex["index"])
            seen.append(i)
            assert np.array_equal(ex["sequence"], data.sequences[i])
            assert np.array_equal(ex["label"], data.labels[i])
            planted = list(zip(ex["motifs"]["tf"], ex["motifs"]["start"],
                               ex["motifs"]["width"], ex["motifs"]["strand"]))
            assert [tuple(int(v) for v in p) for p in planted] == data.planted(i)
            label = np.zeros(12, dtype=np.uint8)
            for tf, start, width, strand in planted:
                label[tf] = 1
                pwm = pwms[tf] if strand == 0 else synthetic.reverse_complement(pwms[tf])
                window = ex["sequence"][start:start + width]
                # every planted letter is possible under its PWM at that column
                assert np.all(pwm[np.arange(width), window] > 0)
            assert np.array_equal(ex["label"], label)
        assert sorted(seen) == sorted(indices.tolist())


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("*.tfrecord*"))}


def test_second_build_is_byte_identical(tiny_dir, tmp_path):
    datasets.build("koo_synthetic", "tiny", data_dir=str(tmp_path))
    first = _digest(tiny_dir / "koo_synthetic" / "tiny" / "1.0.0")
    second = _digest(tmp_path / "koo_synthetic" / "tiny" / "1.0.0")
    assert len(first) == 3 and first == second


def test_custom_config_through_overrides(tmp_path):
    builder = datasets.build("koo_synthetic", "tiny", data_dir=str(tmp_path),
                             num_sequences=100, length=120, seed=4)
    assert builder.builder_config.name == "tiny_length120_num_sequences100_seed4"
    (ex,) = tfds.as_numpy(builder.as_dataset(split="test").take(1))
    assert ex["sequence"].shape == (120,)
    assert builder.info.splits["train"].num_examples == 70
    # the buffer too, and the derived name reads back as the same settings
    flush = datasets.build("koo_synthetic", "tiny", data_dir=str(tmp_path),
                           num_sequences=100, buffer=0)
    assert flush.builder_config.name == "tiny_buffer0_num_sequences100"
    assert flush.builder_config.buffer == 0
    again = datasets.get_builder("koo_synthetic", "tiny_buffer0_num_sequences100",
                                 data_dir=str(tmp_path))
    assert again.is_prepared() and again.builder_config.buffer == 0
    data = synthetic.generate(100, seed=0, buffer=0)
    for ex in tfds.as_numpy(flush.as_dataset(split="train")):
        assert np.array_equal(ex["sequence"], data.sequences[int(ex["index"])])


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"config": "huge"}, "no config 'huge'; use one of paper, tiny"),
        ({"config": "tiny", "length": 30}, "use length >= 86"),
        ({"config": "tiny", "num_sequences": -1}, "num_sequences is -1"),
        ({"config": "tiny", "colour": "red"}, "no setting 'colour'"),
        ({"config": "tiny", "buffer": -2}, "buffer is -2"),
    ],
)
def test_bad_configs(kwargs, needle, tmp_path):
    with pytest.raises(DatasetError, match=needle):
        datasets.get_builder("koo_synthetic", data_dir=str(tmp_path), **kwargs)


def test_unknown_dataset_suggests():
    with pytest.raises(DatasetError, match="did you mean 'koo_synthetic'"):
        datasets.get_builder("koo_synth")


def test_corrupted_data_are_detected(tiny_dir, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(tiny_dir, bad)
    version_dir = bad / "koo_synthetic" / "tiny" / "1.0.0"
    train = next(version_dir.glob("*train.tfrecord*"))
    with open(train, "r+b") as handle:
        handle.truncate(1000)
    with pytest.raises(DatasetError, match="truncated or corrupted"):
        datasets.load("koo_synthetic", "train", config="tiny", data_dir=str(bad))
    train.unlink()
    with pytest.raises(DatasetError, match="missing"):
        datasets.load("koo_synthetic", "train", config="tiny", data_dir=str(bad))
    (version_dir / "dataset_info.json").write_text("{ not json")
    with pytest.raises(DatasetError):
        datasets.load("koo_synthetic", "train", config="tiny", data_dir=str(bad))


def test_interrupted_build_leaves_nothing_that_looks_complete(tmp_path):
    """Kill a build half-way: no prepared data set appears, and the next build works."""
    code = (
        "import sys, tensorflow_datasets as tfds\n"
        "from deepmotif_arch import datasets\n"
        "from tensorflow_datasets.core import writer\n"
        "original = writer.Writer.write\n"
        "def write(self, *a, **k):\n"
        "    if 'test' in str(getattr(self, '_filename_template', '')):\n"
        "        import os; os._exit(9)\n"
        "    return original(self, *a, **k)\n"
        "writer.Writer.write = write\n"
        f"datasets.build('koo_synthetic', 'tiny', data_dir={str(tmp_path)!r})\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 9, proc.stderr[-2000:]
    builder = datasets.get_builder("koo_synthetic", "tiny", data_dir=str(tmp_path))
    assert not builder.is_prepared()
    assert not (tmp_path / "koo_synthetic" / "tiny" / "1.0.0").exists()
    with pytest.raises(DatasetError, match="not built"):
        datasets.load("koo_synthetic", "train", config="tiny", data_dir=str(tmp_path),
                      build=False)
    datasets.build("koo_synthetic", "tiny", data_dir=str(tmp_path))
    assert datasets.get_builder("koo_synthetic", "tiny", data_dir=str(tmp_path)).is_prepared()


def test_dataset_info_records_version_and_config(tiny_dir):
    info = json.loads((tiny_dir / "koo_synthetic" / "tiny" / "1.0.0" / "dataset_info.json")
                      .read_text())
    assert info["version"] == "1.0.0" and info["configName"] == "tiny"
