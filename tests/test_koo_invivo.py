"""The koo_invivo builder: DeepSEA's file formats, the paper's selection, bad input, Beam.

The expected examples come from an independent decoding of the fixture files
(``scipy.io.loadmat`` and plain h5py, NumPy argmax), never from the builder's readers.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from unittest import mock

import h5py
import numpy as np
import pytest
import scipy.io
import tensorflow_datasets as tfds
from hypothesis import given, settings
from hypothesis import strategies as st

from deepmotif_arch.base.errors import DatasetError, DeepMotifError
from deepmotif_arch.data import datasets
from deepmotif_arch.tfds_builders.koo_invivo import deepsea, make_fixtures, matfile

from .helpers import ROOT

Builder = datasets.builder_class("koo_invivo")
FOLDER = ROOT / "tfds_builders" / "koo_invivo"
DUMMY = FOLDER / "dummy_data" / "deepsea_train_bundle"
BUNDLE = DUMMY / "deepsea_train"
SPLITS = {"train": 79, "validation": 28, "test": 30}
URL = "http://deepsea.princeton.edu/media/code/deepsea_train_bundle.v0.9.tar.gz"

# Restated from the paper's S1 Table (zero-based DeepSEA columns, class order).
TF_COLUMNS = [592, 602, 344, 345, 635, 636, 349, 642, 359, 361, 661, 369]


# ---------------------------------------------------------------------------
# An independent decoding of a bundle folder.

def _select(x: np.ndarray, y: np.ndarray) -> dict[int, tuple[str, np.ndarray]]:
    """x: (N, 4, 1000) one-hot A, G, C, T (all 0: N); y: (N, 919).

    Kept rows -> (sequence, labels)."""
    assert np.all(x.sum(axis=1) <= 1) and set(np.unique(x)) <= {0, 1}
    labels = y[:, TF_COLUMNS]
    letters = np.array(list("AGCT"))[x.argmax(axis=1)]  # (N, 1000) of letters
    letters[x.sum(axis=1) == 0] = "N"
    return {int(i): ("".join(letters[i]), labels[i].astype(np.uint8))
            for i in np.flatnonzero(labels.any(axis=1))}


def reference(folder: Path) -> dict[str, dict]:
    with h5py.File(folder / "train.mat", "r") as f:
        x = f["trainxdata"][()].transpose(2, 1, 0)
        y = f["traindata"][()].T
    out = {"train": _select(x, y)}
    for split, stem in (("validation", "valid"), ("test", "test")):
        mat = scipy.io.loadmat(str(folder / f"{stem}.mat"))
        out[split] = _select(mat[f"{stem}xdata"], mat[f"{stem}data"])
    return out


def as_letters(codes: np.ndarray) -> str:
    return "".join(np.array(list("ACGTN"))[codes])


def built_examples(builder) -> dict[str, dict]:
    out = {}
    for split in SPLITS:
        got = {}
        for ex in tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)):
            index = int(ex["index"])
            assert index not in got
            got[index] = (as_letters(ex["sequence"]), ex["label"])
        out[split] = got
    return out


def assert_same(got: dict, want: dict) -> None:
    for split in SPLITS:
        assert sorted(got[split]) == sorted(want[split]), split
        for index, (sequence, labels) in want[split].items():
            assert got[split][index][0] == sequence, (split, index)
            assert np.array_equal(got[split][index][1], labels), (split, index)


def build(data_dir: Path, manual_dir: Path | None = None, **config):
    builder = Builder(data_dir=str(data_dir))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=str(manual_dir) if manual_dir else None, **config))
    return builder


@pytest.fixture(scope="module")
def want():
    return reference(BUNDLE)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("tfds"), DUMMY)


@pytest.fixture
def no_download():
    with mock.patch.object(tfds.download.DownloadManager, "download_and_extract",
                           side_effect=AssertionError("nothing may be downloaded")):
        yield


# ---------------------------------------------------------------------------
# TFDS conventions.

class KooInvivoTest(tfds.testing.DatasetBuilderTestCase):
    """TFDS's own checks; the dummy manual folder has no bundle, so this takes the
    download path, with `download_and_extract` mocked to return the dummy bundle."""

    DATASET_CLASS = Builder
    SPLITS = SPLITS
    DL_EXTRACT_RESULT = "deepsea_train_bundle"
    # No published size/SHA-256 of the bundle could be found (see checksums.tsv).
    SKIP_CHECKSUMS = True


def test_builder_files_follow_tfds_layout():
    for name in ("README.md", "CITATIONS.bib", "TAGS.txt", "checksums.tsv", "__init__.py",
                 "koo_invivo_dataset_builder.py", "make_fixtures.py"):
        assert (FOLDER / name).is_file(), name
    assert Builder.code_path.parent == FOLDER
    assert str(Builder.VERSION) in Builder.RELEASE_NOTES
    assert Builder.MANUAL_DOWNLOAD_INSTRUCTIONS and URL in Builder.MANUAL_DOWNLOAD_INSTRUCTIONS
    tfds.core.download.checksums.load_url_infos(FOLDER / "checksums.tsv")  # parses
    assert URL in (FOLDER / "checksums.tsv").read_text()
    citations = (FOLDER / "CITATIONS.bib").read_text()
    assert "Troyanskaya" in citations and "10.1038/nmeth.3547" in citations
    assert "10.1371/journal.pcbi.1007560" in citations
    valid = {line.split("#")[0].strip() for line in
             (Path(tfds.__file__).parent / "core" / "valid_tags.txt").read_text().splitlines()}
    for tag in (FOLDER / "TAGS.txt").read_text().split():
        assert tag in valid, tag
    info = Builder(data_dir=tempfile.gettempdir()).info
    assert info.features["label"].shape == (12,)
    assert info.supervised_keys == ("sequence", "label")


def test_readme_states_the_papers_counts_and_the_layout():
    text = (FOLDER / "README.md").read_text()
    for fact in ("270,382", "23,768", "4,400,000", "455,024", "8,000", "A, G, C, T",
                 ", ".join(str(c) for c in TF_COLUMNS)):
        assert fact in text, fact


def test_constants_match_the_paper():
    assert list(deepsea.DEEPSEA_COLUMNS) == TF_COLUMNS
    assert deepsea.CLASS_NAMES == ("Arid3a", "CEBPB", "FOSL1", "Gabpa", "MAFK", "MAX", "MEF2A",
                                   "NFYB", "SP1", "SRF", "STAT1", "YY1")
    assert deepsea.BUNDLE_URL == URL


# ---------------------------------------------------------------------------
# The fixture files.

def test_fixture_files_are_in_deepseas_formats():
    assert matfile.mat_version(BUNDLE / "train.mat") == "7.3"
    assert (BUNDLE / "train.mat").read_bytes()[:19] == b"MATLAB 7.3 MAT-file"
    with h5py.File(BUNDLE / "train.mat", "r") as f:
        assert f["trainxdata"].shape == (1000, 4, 240)
        assert f["traindata"].shape == (919, 240)
        assert f["trainxdata"].attrs["MATLAB_class"] == b"uint8"
    for stem, n in (("valid", 64), ("test", 96)):
        assert matfile.mat_version(BUNDLE / f"{stem}.mat") == "5"
        shapes = {name: shape for name, shape, _ in scipy.io.whosmat(str(BUNDLE / f"{stem}.mat"))}
        assert shapes == {f"{stem}xdata": (n, 4, 1000), f"{stem}data": (n, 919)}
    size = sum(p.stat().st_size for p in DUMMY.rglob("*") if p.is_file())
    assert size < 400_000


def test_fixture_covers_the_selection_edge_cases(want):
    with h5py.File(BUNDLE / "train.mat", "r") as f:
        y = f["traindata"][()].T
    assert 0 in want["train"] and 239 in want["train"]  # first and last rows kept
    assert 1 not in want["train"] and y[1].sum() > 0  # positives, none in the 12 columns
    assert want["train"][2][1].sum() == 3
    density = y.mean()
    assert 0.005 < density < 0.05  # sparse, as DeepSEA's labels
    for split in SPLITS:
        labels = np.stack([lab for _, lab in want[split].values()])
        assert labels.sum(axis=0).min() >= 1, split  # every class present


def test_make_fixtures_rewrites_the_committed_dummy_data(tmp_path):
    make_fixtures.write_bundle(tmp_path)
    for name in ("train.mat", "valid.mat", "test.mat"):
        assert (tmp_path / name).read_bytes() == (BUNDLE / name).read_bytes(), name


# ---------------------------------------------------------------------------
# Conversion.

def test_examples_equal_an_independent_decoding(built, want):
    assert {k: v.num_examples for k, v in built.info.splits.items()} == SPLITS
    assert_same(built_examples(built), want)


def test_examples_are_compact_and_traceable(built):
    ex = next(iter(tfds.as_numpy(built.as_dataset(split="test").take(1))))
    assert ex["sequence"].dtype == np.uint8 and ex["sequence"].shape == (1000,)
    assert ex["label"].dtype == np.uint8 and ex["label"].shape == (12,)
    assert set(np.unique(ex["sequence"])) <= {0, 1, 2, 3}
    mat = scipy.io.loadmat(str(BUNDLE / "test.mat"))
    row = mat["testxdata"][int(ex["index"])]  # (4, 1000), A, G, C, T
    assert np.array_equal(row[[0, 2, 1, 3]].argmax(axis=0), ex["sequence"])


def test_the_library_builds_and_loads_it_from_the_default_manual_folder(tmp_path, no_download):
    """`deepmotif_arch.data.datasets` finds the bundle where TFDS looks by default."""
    shutil.copytree(BUNDLE, tmp_path / "downloads" / "manual" / "deepsea_train")
    builder = datasets.build("koo_invivo", data_dir=str(tmp_path))
    assert builder.builder_config.name == "paper"
    assert {k: v.num_examples for k, v in builder.info.splits.items()} == SPLITS
    assert datasets.class_names(builder) == list(deepsea.CLASS_NAMES)
    x, y = next(iter(datasets.load("koo_invivo", "test", data_dir=str(tmp_path), batch_size=8,
                                   build=False)))
    assert tuple(x.shape) == (8, 1000, 4) and tuple(y.shape) == (8, 12)
    assert np.all(np.asarray(x).sum(axis=-1) == 1)


@pytest.mark.parametrize("form", ["folder", "files", "archive"])
def test_manual_dir_holds_the_bundle_in_any_form(tmp_path, form, want, no_download):
    manual = tmp_path / "manual"
    if form == "folder":
        shutil.copytree(BUNDLE, manual / "deepsea_train")
    elif form == "files":
        shutil.copytree(BUNDLE, manual)
    else:
        manual.mkdir()
        with tarfile.open(manual / "deepsea_train_bundle.v0.9.tar.gz", "w:gz") as tar:
            tar.add(BUNDLE, arcname="deepsea_train")
    builder = build(tmp_path / "data", manual)
    assert_same(built_examples(builder), want)


def test_download_path_fetches_the_bundle_url(tmp_path, want):
    asked = []

    def fake_download_and_extract(self, url):
        asked.append(url)
        return tfds.core.Path(DUMMY)

    with mock.patch.object(tfds.download.DownloadManager, "download_and_extract",
                           fake_download_and_extract):
        builder = build(tmp_path / "data", tmp_path / "no_manual_dir")
    assert asked == [URL]
    assert_same(built_examples(builder), want)


def _variant(folder: Path) -> Path:
    """The fixture rewritten as contiguous HDF5 and uncompressed v5 files."""
    return make_fixtures.write_bundle(folder, chunk_rows=None, compression=None,
                                      compress_v5=False)


def _read_all(source: deepsea.SplitSource) -> dict:
    got = {}
    with deepsea.SplitReader(source) as reader:
        for block in reader:
            for i, seq, lab in zip(block.indices, block.sequences, block.labels, strict=True):
                got[int(i)] = (as_letters(seq), lab)
    return got


@pytest.mark.parametrize("storage", ["as committed", "contiguous, uncompressed"])
@pytest.mark.parametrize("block_size", [1, 7, 64, 1000])
def test_any_block_size_gives_the_same_examples(tmp_path, storage, block_size, want):
    folder = BUNDLE if storage == "as committed" else _variant(tmp_path)
    for file in deepsea.SPLIT_FILES:
        source = deepsea.inspect_split(folder / file.filename, file, block_size=block_size)
        assert source.blocks()[-1][1] == source.num_sequences
        got = _read_all(source)
        assert sorted(got) == sorted(want[file.split])
        for index, (sequence, labels) in want[file.split].items():
            assert got[index][0] == sequence and np.array_equal(got[index][1], labels)


def test_block_size_follows_memory_budget_and_hdf5_chunks(monkeypatch, tmp_path):
    train = deepsea.SPLIT_FILES[0]
    monkeypatch.setattr(deepsea, "BLOCK_BYTES", 4000 * 150)
    assert deepsea.inspect_split(BUNDLE / "train.mat", train).block_size == 128  # 2 chunks of 64
    monkeypatch.setattr(deepsea, "BLOCK_BYTES", 4000 * 20)
    assert deepsea.inspect_split(BUNDLE / "train.mat", train).block_size == 64  # one chunk
    folder = _variant(tmp_path)
    assert deepsea.inspect_split(folder / "train.mat", train).block_size == 20
    monkeypatch.setattr(deepsea, "BLOCK_BYTES", 64 * 2**20)
    assert deepsea.inspect_split(folder / "train.mat", train).block_size == 240  # whole file


def test_spilling_tfds_shuffle_buffer_to_disk_gives_the_same_examples(tmp_path, monkeypatch,
                                                                     want):
    """The builder caps TFDS's in-memory shuffle buffer; past it, TFDS spills to disk,
    into fewer bucket files than TFDS's default, with the same examples in the same order."""
    from tensorflow_datasets.core import shuffle

    original = shuffle.MAX_MEM_BUFFER_SIZE, shuffle.BUCKETS_NUMBER
    seen = []
    real_add = shuffle.Shuffler.add

    def add(self, key, data):
        seen.append((shuffle.MAX_MEM_BUFFER_SIZE, shuffle.BUCKETS_NUMBER, len(self._buckets)))
        return real_add(self, key, data)

    module = sys.modules[Builder.__module__]
    monkeypatch.setattr(module, "SHUFFLE_BUFFER_BYTES", 20_000)  # ~18 examples in memory
    monkeypatch.setattr(shuffle.Shuffler, "add", add)
    builder = build(tmp_path / "data", DUMMY)
    buckets = module.SHUFFLE_BUCKETS
    assert set(seen) == {(20_000, buckets, buckets)} and len(seen) == sum(SPLITS.values())
    assert (shuffle.MAX_MEM_BUFFER_SIZE, shuffle.BUCKETS_NUMBER) == original
    assert_same(built_examples(builder), want)
    # The same records, in the same order, as with TFDS's own 1,000 buckets.
    monkeypatch.setattr(module, "SHUFFLE_BUCKETS", 1000)
    default = build(tmp_path / "data_1000", DUMMY)
    for split in SPLITS:
        ours = [ex["index"] for ex in tfds.as_numpy(builder.as_dataset(split=split))]
        theirs = [ex["index"] for ex in tfds.as_numpy(default.as_dataset(split=split))]
        assert ours == theirs, split


def test_beam_direct_runner_gives_the_same_examples(tmp_path, monkeypatch, want):
    beam = pytest.importorskip("apache_beam")
    monkeypatch.setattr(deepsea, "BLOCK_BYTES", 4000 * 50)  # several work items per split
    monkeypatch.setattr(deepsea, "COMPRESSED_BLOCK_BYTES", 4000 * 50)
    builder = build(tmp_path / "data", DUMMY, beam_runner=beam.runners.DirectRunner())
    assert {k: v.num_examples for k, v in builder.info.splits.items()} == SPLITS
    assert_same(built_examples(builder), want)


def _bundle_with_unknown_bases(tmp_path: Path) -> Path:
    """A copy of the bundle whose three files hold N (all four channels 0) positions.

    train.mat (chunked, compressed uint8 HDF5): a kept row with N at both ends and a
    dropped row with N; valid.mat (uncompressed float64 v5): a run of N in a kept row;
    test.mat (compressed uint8 v5): a kept row that is N throughout.
    """
    folder = _copy_bundle(tmp_path)
    x, y = _train_arrays()  # (1000, 4, N)
    x[[0, 1, 999], :, 2] = 0  # row 2 is kept
    x[500, :, 1] = 0          # row 1 is dropped (no positive label)
    _h5_train(folder / "train.mat", x, y)
    m = _v5("valid")
    xv = m["validxdata"].astype(np.float64)
    xv[3, :, 100:140] = 0
    scipy.io.savemat(folder / "valid.mat", {"validxdata": xv, "validdata": m["validdata"]})
    m = _v5("test")
    m["testxdata"][4] = 0
    scipy.io.savemat(folder / "test.mat", {"testxdata": m["testxdata"],
                                           "testdata": m["testdata"]}, do_compression=True)
    return folder


@pytest.mark.parametrize("runner", ["generators", "beam"])
def test_unknown_bases_become_code_4_and_are_counted(tmp_path, monkeypatch, runner):
    folder = _bundle_with_unknown_bases(tmp_path)
    expected = reference(folder)
    config = {}
    if runner == "beam":
        beam = pytest.importorskip("apache_beam")
        monkeypatch.setattr(deepsea, "BLOCK_BYTES", 4000 * 50)
        monkeypatch.setattr(deepsea, "COMPRESSED_BLOCK_BYTES", 4000 * 50)
        config["beam_runner"] = beam.runners.DirectRunner()
    builder = build(tmp_path / "data", folder.parent, **config)
    got = built_examples(builder)
    assert_same(got, expected)
    assert got["train"][2][0][:2] == "NN" and got["train"][2][0][-1] == "N"
    assert got["validation"][3][0][100:140] == "N" * 40
    assert got["test"][4][0] == "N" * 1000
    counts = {split: [sum(seq.count("N") for seq, _ in rows.values()),
                      sum("N" in seq for seq, _ in rows.values())]
              for split, rows in expected.items()}
    assert counts == {"train": [3, 1], "validation": [40, 1], "test": [1000, 1]}
    metadata = builder.info.metadata
    assert metadata["unknown_positions"] == {k: v[0] for k, v in counts.items()}
    assert metadata["sequences_with_unknown"] == {k: v[1] for k, v in counts.items()}
    # Saved with the data set: a fresh builder reads the same record back.
    again = Builder(data_dir=str(tmp_path / "data")).info.metadata
    assert again["unknown_positions"] == metadata["unknown_positions"]


def test_the_fixture_bundle_has_no_unknown_bases(built):
    zero = {"train": 0, "validation": 0, "test": 0}
    assert built.info.metadata["unknown_positions"] == zero
    assert built.info.metadata["sequences_with_unknown"] == zero


# ---------------------------------------------------------------------------
# Bad input: one sentence naming the file and what was expected, nothing left behind.

def _copy_bundle(tmp_path: Path) -> Path:
    folder = tmp_path / "manual" / "deepsea_train"
    shutil.copytree(BUNDLE, folder)
    return folder


def _h5_train(path: Path, x: np.ndarray, y: np.ndarray, x_name="trainxdata", y_name="traindata"):
    path.unlink(missing_ok=True)
    with h5py.File(path, "w") as f:
        f[x_name] = x
        f[y_name] = y


def _train_arrays():
    with h5py.File(BUNDLE / "train.mat", "r") as f:
        return f["trainxdata"][()], f["traindata"][()]  # (1000, 4, N), (919, N)


def _v5(stem):
    return scipy.io.loadmat(str(BUNDLE / f"{stem}.mat"))


def _break_missing(folder):
    (folder / "test.mat").unlink()


def _break_train_v5(folder):
    x, y = _train_arrays()
    (folder / "train.mat").unlink()
    scipy.io.savemat(folder / "train.mat", {"trainxdata": x.transpose(2, 1, 0), "traindata": y.T})


def _break_valid_v73(folder):
    m = _v5("valid")
    _h5_train(folder / "valid.mat", m["validxdata"].transpose(2, 1, 0), m["validdata"].T,
              "validxdata", "validdata")


def _break_test_text(folder):
    (folder / "test.mat").write_text("chr8\t1000\t2000\tnot a MAT-file\n" * 20)


def _break_test_v4(folder):
    (folder / "test.mat").unlink()
    scipy.io.savemat(folder / "test.mat", {"testdata": _v5("test")["testdata"]}, format="4")


def _break_train_not_transposed(folder):
    x, y = _train_arrays()
    _h5_train(folder / "train.mat", x.transpose(2, 1, 0), y)


def _break_valid_length(folder):
    m = _v5("valid")
    scipy.io.savemat(folder / "valid.mat", {"validxdata": m["validxdata"][:, :, :500],
                                            "validdata": m["validdata"]})


def _break_train_few_columns(folder):
    x, y = _train_arrays()
    _h5_train(folder / "train.mat", x, y[:600])


def _break_test_row_count(folder):
    m = _v5("test")
    scipy.io.savemat(folder / "test.mat", {"testxdata": m["testxdata"],
                                           "testdata": m["testdata"][:-1]})


def _break_valid_names(folder):
    m = _v5("valid")
    scipy.io.savemat(folder / "valid.mat", {"x": m["validxdata"], "y": m["validdata"]})


def _break_valid_cell(folder):
    m = _v5("valid")
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = m["validxdata"]
    scipy.io.savemat(folder / "valid.mat", {"validxdata": cell, "validdata": m["validdata"]})


def _break_train_one_hot(folder):
    x, y = _train_arrays()
    x[17, :, 2] = [1, 1, 0, 0]  # row 2 is kept: two channels set at position 17
    _h5_train(folder / "train.mat", x, y)


def _break_test_one_hot_dropped_row(folder):
    m = _v5("test")
    m["testxdata"][1, :, 500] = 1  # row 1 would be dropped anyway: still an error
    scipy.io.savemat(folder / "test.mat", {"testxdata": m["testxdata"],
                                           "testdata": m["testdata"]}, do_compression=True)


def _break_valid_label(folder):
    m = _v5("valid")
    m["validdata"][0, 592] = 2
    scipy.io.savemat(folder / "valid.mat", {"validxdata": m["validxdata"],
                                            "validdata": m["validdata"]})


BAD_INPUT = {
    "missing file": (_break_missing, "test.mat", "does not exist"),
    "train.mat in v5": (_break_train_v5, "train.mat", "expected MATLAB v7.3 (HDF5)"),
    "valid.mat in v7.3": (_break_valid_v73, "valid.mat", "expected MATLAB v5"),
    "not a MAT-file": (_break_test_text, "test.mat", "not a MATLAB MAT-file"),
    "MATLAB v4": (_break_test_v4, "test.mat", "MATLAB v4"),
    "untransposed HDF5": (_break_train_not_transposed, "train.mat", "expected N x 4 x 1000"),
    "500 nt": (_break_valid_length, "valid.mat", "expected N x 4 x 1000"),
    "too few columns": (_break_train_few_columns, "train.mat", "600 label columns (too few)"),
    "row counts differ": (_break_test_row_count, "test.mat", "expected 96 x 919"),
    "variable names": (_break_valid_names, "valid.mat", "no variable 'validxdata'"),
    "cell array": (_break_valid_cell, "valid.mat", "MATLAB cell array"),
    "not one-hot (kept row)": (_break_train_one_hot, "train.mat",
                               "sequence 2 of trainxdata is not one-hot at position 17"),
    "not one-hot (dropped row)": (_break_test_one_hot_dropped_row, "test.mat",
                                  "sequence 1 of testxdata is not one-hot at position 500"),
    "label not 0/1": (_break_valid_label, "valid.mat", "expected binary labels"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_stops_with_one_sentence_and_leaves_nothing(tmp_path, case, no_download):
    breaker, filename, expected = BAD_INPUT[case]
    folder = _copy_bundle(tmp_path)
    breaker(folder)
    data_dir = tmp_path / "data"
    with pytest.raises(DatasetError) as caught:
        build(data_dir, folder.parent)
    message = str(caught.value)
    assert isinstance(caught.value, DeepMotifError)
    assert filename in message and expected in message, message
    assert "expected" in message and message.endswith(".") and "\n" not in message
    assert ". " not in message  # one sentence
    assert not Builder(data_dir=str(data_dir)).is_prepared()
    # TFDS keeps only its note of the builder's configs (koo_invivo/.config/): no
    # dataset_info.json, no record or shuffle files, no incomplete folder.
    left = [p for p in data_dir.rglob("*") if p.is_file() and ".config" not in p.parts]
    assert not left, left
    assert not [p for p in data_dir.rglob("*incomplete*")]


def test_a_bundle_folder_with_no_mat_files_is_reported(tmp_path):
    archive_dir = tmp_path / "manual"
    archive_dir.mkdir()
    empty = tmp_path / "empty_bundle"
    (empty / "deepsea_train").mkdir(parents=True)
    (empty / "deepsea_train" / "README").write_text("no data\n")
    with tarfile.open(archive_dir / "deepsea_train_bundle.v0.9.tar.gz", "w:gz") as tar:
        tar.add(empty / "deepsea_train", arcname="deepsea_train")
    with pytest.raises(DatasetError,
                       match=r"without train\.mat.*expected DeepSEA's deepsea_train/"):
        build(tmp_path / "data", archive_dir)


# ---------------------------------------------------------------------------
# The MAT-file reader against scipy, and against the format description directly.

def _big_endian_v5(path: Path, name: str, array: np.ndarray, mi_type: int, mx_class: int):
    """One uncompressed variable in a big-endian ("MI") MATLAB v5 file, written by hand."""
    def element(kind, payload):
        return struct.pack(">II", kind, len(payload)) + payload + b"\0" * (-len(payload) % 8)

    raw = name.encode()
    name_el = (struct.pack(">I", len(raw) << 16 | 1) + raw.ljust(4, b"\0") if len(raw) <= 4
               else element(1, raw))  # the small data element format for short names
    body = (element(6, struct.pack(">II", mx_class, 0))
            + element(5, struct.pack(f">{array.ndim}i", *array.shape))
            + name_el
            + element(mi_type, array.astype(array.dtype.newbyteorder(">")).tobytes(order="F")))
    header = b"MATLAB 5.0 MAT-file, written by hand".ljust(116) + b"\0" * 8
    path.write_bytes(header + struct.pack(">H", 0x0100) + b"MI"
                     + struct.pack(">II", 14, len(body)) + body)


def test_v5_reader_handles_big_endian_files(tmp_path):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 60000, (13, 4, 6)).astype(np.uint16)
    _big_endian_v5(tmp_path / "be.mat", "x", a, mi_type=4, mx_class=11)
    assert matfile.mat_version(tmp_path / "be.mat") == "5"
    with matfile.open_mat(tmp_path / "be.mat") as reader:
        var = reader.variables()["x"]
        assert var.shape == (13, 4, 6) and var.matlab_class == "uint16"
        block = reader.read("x", 2, 11)
    assert np.array_equal(block.reshape(6, 4, 9), a[2:11].transpose(2, 1, 0))
    assert np.array_equal(scipy.io.loadmat(str(tmp_path / "be.mat"))["x"], a)


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 40), cols=st.integers(1, 12), compressed=st.booleans(),
       dtype=st.sampled_from(["uint8", "float64", "int16", "bool"]), data=st.data())
def test_v5_reader_matches_scipy(rows, cols, compressed, dtype, data):
    rng = np.random.default_rng(rows * 100 + cols)
    a = (rng.random((rows, cols)) * 300).astype(dtype)
    start = data.draw(st.integers(0, rows - 1))
    stop = data.draw(st.integers(start + 1, rows))
    columns = data.draw(st.lists(st.integers(0, cols - 1), min_size=1, max_size=cols,
                                 unique=True))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.mat"
        scipy.io.savemat(path, {"a": a, "pad": np.arange(5.0)}, do_compression=compressed)
        expected = scipy.io.loadmat(str(path))["a"]
        with matfile.open_mat(path) as reader:
            assert reader.variables()["a"].compressed == compressed
            got = reader.read("a", start, stop, columns=columns)
    assert np.array_equal(got, expected[start:stop, columns].T.astype(got.dtype))


def test_truncated_compressed_v5_is_reported_as_damaged(tmp_path):
    m = _v5("valid")
    path = tmp_path / "valid.mat"
    scipy.io.savemat(path, {"validxdata": m["validxdata"], "validdata": m["validdata"]},
                     do_compression=True)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(DatasetError, match="valid.mat is damaged"):
        deepsea.inspect_split(path, deepsea.SPLIT_FILES[1])


def test_mat_version_tells_the_kinds_apart(tmp_path):
    scipy.io.savemat(tmp_path / "v5.mat", {"a": np.eye(3)})
    scipy.io.savemat(tmp_path / "v4.mat", {"a": np.eye(3)}, format="4")
    with h5py.File(tmp_path / "plain.h5", "w") as f:
        f["a"] = np.eye(3)
    (tmp_path / "text.mat").write_text("hello")
    (tmp_path / "empty.mat").write_bytes(b"")
    assert matfile.mat_version(tmp_path / "v5.mat") == "5"
    assert matfile.mat_version(tmp_path / "v4.mat") == "4"
    assert matfile.mat_version(tmp_path / "plain.h5") == "7.3"
    assert matfile.mat_version(BUNDLE / "train.mat") == "7.3"
    assert matfile.mat_version(tmp_path / "text.mat") is None
    assert matfile.mat_version(tmp_path / "empty.mat") is None


@pytest.mark.slow
@pytest.mark.parametrize("target", [["tfds_builders/koo_invivo"],
                                    ["koo_invivo", "--imports", "deepmotif_arch.data.datasets"]])
def test_tfds_build_command(tmp_path, target):
    """`tfds build tfds_builders/koo_invivo` from the repository root, or by name."""
    tfds_cli = Path(sys.executable).parent / "tfds"
    proc = subprocess.run(
        [str(tfds_cli), "build", *target, f"--manual_dir={DUMMY}", f"--data_dir={tmp_path}"],
        cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    infos = list(tmp_path.rglob("dataset_info.json"))
    assert len(infos) == 1 and "paper" in str(infos[0])
    builder = Builder(data_dir=str(tmp_path))
    assert {k: v.num_examples for k, v in builder.info.splits.items()} == SPLITS
