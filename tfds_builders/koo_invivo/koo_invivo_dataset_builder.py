"""koo_invivo: the truncated DeepSEA data set of Koo & Eddy (2019).

DeepSEA's training bundle (``train.mat`` MATLAB v7.3, ``valid.mat`` and ``test.mat``
MATLAB v5) streamed block by block: the 12 label columns of the paper's transcription
factors, only the sequences with at least one of them set, channels reordered from
A, G, C, T to A, C, G, T. Under Apache Beam the blocks become work items of the
pipeline. See README.md beside this file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from deepmotif_arch.base.errors import DatasetError
from deepmotif_arch.tfds_builders.koo_invivo import deepsea

_MANUAL_DOWNLOAD_INSTRUCTIONS = f"""
Download DeepSEA's training bundle (its train.mat alone holds 4.4 million one-hot
sequences, 17.6 GB of values; leave room for the tarball and its extracted folder) from

    {deepsea.BUNDLE_URL}

and put, in the manual folder (by default ~/tensorflow_datasets/downloads/manual/, or
the folder given to `tfds build --manual_dir`), one of:

  * the tarball itself, {deepsea.BUNDLE_ARCHIVE} (it is extracted for you);
  * the folder it extracts to, {deepsea.BUNDLE_FOLDER}/, holding train.mat, valid.mat
    and test.mat;
  * or those three .mat files directly.

Without any of these, the builder downloads the tarball itself.
"""


class Builder(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for koo_invivo."""

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {
        "1.1.0": "A position with all four channels 0 (N) is kept as code 4 (an all-zero "
                 "one-hot row) instead of stopping the build; unknown positions and the "
                 "sequences holding them are counted per split in the metadata. The "
                 "examples of a file without N are the same as in 1.0.0.",
        "1.0.0": "Initial release: DeepSEA's train/valid/test files streamed in blocks, the "
                 "paper's 12 TF columns, sequences with at least one positive, channels "
                 "A, C, G, T, source row kept as `index`; Apache Beam supported.",
    }
    BUILDER_CONFIGS = [
        tfds.core.BuilderConfig(
            name="paper",
            description="The paper's 12 transcription factors (DeepSEA columns 592, 602, 344, "
                        "345, 635, 636, 349, 642, 359, 361, 661, 369).",
        ),
    ]
    DEFAULT_CONFIG_NAME = "paper"
    MANUAL_DOWNLOAD_INSTRUCTIONS = _MANUAL_DOWNLOAD_INSTRUCTIONS
    CLASS_NAMES = deepsea.CLASS_NAMES

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "sequence": tfds.features.Tensor(
                    shape=(deepsea.SEQUENCE_LENGTH,), dtype=np.uint8,
                    encoding=tfds.features.Encoding.BYTES,
                    doc="Nucleotides as 0..3 for A, C, G, T (DeepSEA's A, G, C, T reordered) "
                        "and 4 for N (all four channels 0)."),
                "label": tfds.features.Tensor(
                    shape=(len(deepsea.CLASS_NAMES),), dtype=np.uint8,
                    doc="DeepSEA labels of the 12 kept columns, in class order: "
                        + ", ".join(deepsea.CLASS_NAMES)),
                "index": tfds.features.Scalar(
                    dtype=np.int64,
                    doc="Zero-based row of the sequence in its split's .mat file "
                        "(train.mat, valid.mat or test.mat)."),
            }),
            supervised_keys=("sequence", "label"),
            homepage="http://deepsea.princeton.edu/",
            metadata=tfds.core.MetadataDict(),
        )

    def _download_and_prepare(self, dl_manager, download_config=None):
        # Beam is used when the caller gives a runner or pipeline options (as
        # `tfds build --beam_pipeline_options=...` does); otherwise plain generators.
        self._use_beam = download_config is not None and (
            download_config.beam_runner is not None or download_config.beam_options is not None)
        self._extracted = None
        self._unknown = {}
        try:
            if self._use_beam:
                with tempfile.TemporaryDirectory(prefix="koo_invivo-counts-") as counts:
                    self._counts_dir = counts
                    super()._download_and_prepare(dl_manager, download_config)
                    self._unknown = {
                        split: json.loads((Path(counts) / f"{split}.json").read_text())
                        for split in (f.split for f in deepsea.SPLIT_FILES)}
            else:
                with _bounded_shuffle_buffer(SHUFFLE_BUFFER_BYTES, SHUFFLE_BUCKETS):
                    super()._download_and_prepare(dl_manager, download_config)
            self.info.metadata.update(unknown_metadata(self._unknown))
        finally:
            # A tarball from the manual folder is extracted afresh for every build, and
            # its extraction goes when the build ends (see deepsea.extract_bundle).
            if self._extracted is not None:
                shutil.rmtree(self._extracted, ignore_errors=True)

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        folder = self._bundle_folder(dl_manager)
        # Check all three files before converting any, so a bad file stops the build early.
        sources = {
            f.split: deepsea.inspect_split(folder / f.filename, f) for f in deepsea.SPLIT_FILES
        }
        if getattr(self, "_use_beam", False):
            return {split: _beam_examples(source, Path(self._counts_dir) / f"{split}.json")
                    for split, source in sources.items()}
        return {split: self._generate_examples(source) for split, source in sources.items()}

    def _bundle_folder(self, dl_manager) -> Path:
        """The folder with train.mat, valid.mat and test.mat: found by hand, or downloaded."""
        try:
            manual = dl_manager.manual_dir
        except AssertionError:  # TFDS: no manual folder, or an empty one
            manual = None
        found = deepsea.find_bundle(Path(str(manual))) if manual is not None else None
        if found and found[0] == "folder":
            return found[1]
        if found:  # the tarball, put there by hand: extracted afresh, checked
            into = getattr(dl_manager, "_extract_dir", None) or \
                Path(str(dl_manager.download_dir)) / "extracted"
            extracted = self._extracted = deepsea.extract_bundle(found[1], Path(str(into)))
            where = f"{found[1]}"
        else:
            # The folder the user gave, even when TFDS calls it unusable for being empty.
            given = manual if manual is not None else getattr(dl_manager, "_manual_dir", None)
            _check_reachable(dl_manager, given)
            extracted = dl_manager.download_and_extract(deepsea.BUNDLE_URL)
            where = deepsea.BUNDLE_URL
        inside = deepsea.find_bundle(Path(str(extracted)))
        if not inside or inside[0] != "folder":
            raise DatasetError(f"{where} unpacked without train.mat, valid.mat or test.mat; "
                               f"expected DeepSEA's {deepsea.BUNDLE_FOLDER}/ folder in it.")
        return inside[1]

    def _generate_examples(self, source: deepsea.SplitSource):
        counts = getattr(self, "_unknown", {}).setdefault(source.file.split, [0, 0])
        with deepsea.SplitReader(source) as reader:
            for block in reader:
                positions, sequences = deepsea.unknown_counts(block)
                counts[0] += positions
                counts[1] += sequences
                yield from deepsea.block_examples(block)


def unknown_metadata(counts: dict[str, list[int]]) -> dict:
    """The metadata record of unknown bases: per split, positions and sequences with one."""
    return {
        "unknown_positions": {split: int(c[0]) for split, c in sorted(counts.items())},
        "sequences_with_unknown": {split: int(c[1]) for split, c in sorted(counts.items())},
        "unknown_code": int(deepsea.UNKNOWN),
    }


_REAL_DOWNLOAD = tfds.download.DownloadManager.download_and_extract


def _check_reachable(dl_manager, manual) -> None:
    """Fail at once, with what to do, when the bundle's host cannot be reached.

    TFDS would otherwise retry the download for minutes before giving up. Skipped when
    the download is mocked (TFDS's DatasetBuilderTestCase) or given another manager.
    """
    import socket
    from urllib.parse import urlsplit

    if type(dl_manager).download_and_extract is not _REAL_DOWNLOAD:
        return
    url = urlsplit(deepsea.BUNDLE_URL)
    try:
        socket.create_connection((url.hostname, url.port or 80), timeout=10).close()
    except OSError as exc:
        folder = str(manual) if manual else "~/tensorflow_datasets/downloads/manual/"
        if manual and os.path.isdir(str(manual)) and not os.listdir(str(manual)):
            folder += " (it is empty)"
        raise DatasetError(
            f"koo_invivo needs DeepSEA's training bundle, which is not in the manual folder "
            f"{folder} and cannot be downloaded from here ({url.hostname}: "
            f"{exc.strerror or exc}); download {deepsea.BUNDLE_URL} where you can and put it, "
            f"or its extracted {deepsea.BUNDLE_FOLDER}/ folder, in that folder (or pass "
            "--manual-dir)."
        ) from None


#: Serialized examples TFDS may hold in memory per split before it spills them to disk.
SHUFFLE_BUFFER_BYTES = 16 * 2**20
#: Bucket files TFDS spills them into (1,000 in TFDS 4.9).
SHUFFLE_BUCKETS = 100


@contextlib.contextmanager
def _bounded_shuffle_buffer(max_bytes: int, buckets: int):
    """Lower TFDS's shuffle buffer (1 GB in TFDS 4.9) and bucket count while the block runs.

    Without Beam, TFDS keeps a split's serialized examples in memory until they pass
    ``tensorflow_datasets.core.shuffle.MAX_MEM_BUFFER_SIZE``, then spills them to
    ``shuffle.BUCKETS_NUMBER`` bucket files on disk. At 1 GB that buffer alone would
    make peak memory grow with the number of kept sequences (about 1.3 KB each,
    350 MB for DeepSEA's training set); capped, the conversion's memory no longer
    depends on the input size.

    The number of buckets is lowered too: every bucket file is created, written,
    closed, read back whole and deleted, and with TFDS's 1,000 of them those per-file
    steps cost more than the spilled bytes themselves (benchmarks/README.md, "koo_invivo
    conversion"). The examples come out in the same order with any number of
    buckets (each holds a range of the hashed keys, sorted when read back); one
    bucket is in memory at a time, about 3.5 MB for DeepSEA's training set with 100.

    Other builders running in the same process meanwhile spill sooner, into fewer
    files, too, which only changes their disk traffic.
    """
    from tensorflow_datasets.core import shuffle

    previous = {name: getattr(shuffle, name, None)
                for name in ("MAX_MEM_BUFFER_SIZE", "BUCKETS_NUMBER")}
    lowered = {"MAX_MEM_BUFFER_SIZE": max_bytes, "BUCKETS_NUMBER": buckets}
    # A TFDS without one of these knobs: leave it alone.
    lowered = {name: min(value, previous[name]) for name, value in lowered.items()
               if isinstance(previous[name], int)}
    for name, value in lowered.items():
        setattr(shuffle, name, value)
    try:
        yield
    finally:
        for name in lowered:
            setattr(shuffle, name, previous[name])


def _beam_examples(source: deepsea.SplitSource, counts_path: Path):
    """A Beam transform that converts a split, one block of rows per work item.

    Beside the examples, a second branch sums each block's unknown bases and writes
    the split's totals to ``counts_path`` (JSON ``[positions, sequences]``) once the
    pipeline has run; the path must be one every worker can write (local runs).
    """
    beam = tfds.core.lazy_imports.apache_beam

    @beam.ptransform_fn
    def convert(pipeline):
        examples = (
            pipeline
            | "Blocks" >> beam.Create(source.blocks())
            | "Spread" >> beam.Reshuffle()
            | "Convert" >> beam.FlatMap(deepsea.convert_block, source=source)
        )
        _ = (
            examples
            | "Unknown" >> beam.Map(_example_unknown)
            | "Sum" >> beam.CombineGlobally(_sum_pairs)
            | "Write counts" >> beam.Map(_write_counts, path=str(counts_path))
        )
        return examples

    return convert()


def _example_unknown(example) -> tuple[int, int]:
    n = int(np.count_nonzero(example[1]["sequence"] == deepsea.UNKNOWN))
    return n, int(n > 0)


def _sum_pairs(pairs) -> tuple[int, int]:
    positions = sequences = 0
    for p, s in pairs:
        positions += p
        sequences += s
    return positions, sequences


def _write_counts(pair, path: str) -> None:
    Path(path).write_text(json.dumps(list(pair)))
