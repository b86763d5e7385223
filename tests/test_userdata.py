"""Importing your own sequences (deepmotif_arch.data.userdata, `deepmotif data import`).

Every input is a small file written here: FASTA per class, FASTA plus a label table,
BED plus a genome; N and IUPAC letters, lowercase, centring, splits, byte-identical
rebuilds, versions, each bad file's one-sentence error, and the data set read back
through TFDS and deepmotif_arch.data.datasets.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from deepmotif_arch.base.errors import DatasetError
from deepmotif_arch.data import userdata

A, C, G, T, X = 0, 1, 2, 3, 4


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def fasta(path: Path, records: dict[str, str], width: int = 60) -> Path:
    lines = []
    for name, seq in records.items():
        lines.append(f">{name}")
        lines += [seq[i:i + width] for i in range(0, len(seq), width)] or [""]
    return write(path, "\n".join(lines) + "\n")


def random_records(prefix: str, n: int, length: int, seed: int, chroms=("chr1", "chr2")):
    rng = np.random.default_rng(seed)
    return {f"{chroms[i % len(chroms)]}:{1000 * i}-{1000 * i + length}" if prefix is None
            else f"{prefix}{i}": "".join(rng.choice(list("ACGT"), length)) for i in range(n)}


def one_sentence(exc: pytest.ExceptionInfo, path, line: int | None = None) -> str:
    """The error is one sentence that names the file (and the line)."""
    message = str(exc.value)
    assert "\n" not in message and message.endswith("."), message
    assert str(path) in message, message
    if line is not None:
        assert f"line {line}" in message, message
    return message


@pytest.fixture
def two_classes(tmp_path):
    """oct4.fa (6 records, with N, IUPAC and lowercase) and mafk.fa (6 records), 10 nt."""
    a = fasta(tmp_path / "oct4.fa", {
        "o0": "ACGTNacgtn", "o1": "AAAACCCCGG", "o2": "RYKMACGTAC", "o3": "ccccggggtt",
        "o4": "ACGTACGTAC", "o5": "TTTTTTTTTT"})
    b = fasta(tmp_path / "mafk.fa", {
        "m0": "TTTTGGGGCC", "m1": "ACGTACGTAC", "m2": "GGGGGGGGGG", "m3": "CCCCCAAAAA",
        "m4": "GATTACAGAT", "m5": "ACACACACAC"})
    return {"oct4": a, "mafk": b}


# --------------------------------------------------------------------------- reading


def test_fasta_per_class_codes_labels_and_unknown_counts(two_classes):
    data = userdata.read_sequences(fasta=two_classes, fractions=(0.5, 0.25, 0.25))
    assert data.class_names == ["oct4", "mafk"] and data.form == "fasta"
    assert data.codes.shape == (12, 10) and data.codes.dtype == np.uint8
    assert data.codes[0].tolist() == [A, C, G, T, X, A, C, G, T, X]  # lowercase read as upper
    assert data.codes[2].tolist() == [X, X, X, X, A, C, G, T, A, C]
    assert data.labels.tolist() == [[1, 0]] * 6 + [[0, 1]] * 6
    assert data.ids[:2] == ["o0", "o1"] and data.ids[6] == "m0"
    counts = data.counts
    assert counts["unknown_positions"] == 6
    assert counts["unknown_letters"] == {"K": 1, "M": 1, "N": 2, "R": 1, "Y": 1}
    assert counts["sequences_with_unknown"] == 2 and counts["pad_positions"] == 0
    meta = data.metadata({})
    assert sum(s["unknown_positions"] for s in meta["splits"].values()) == 6
    assert sum(s["sequences"] for s in meta["splits"].values()) == 12
    assert [i["sha256"] for i in meta["inputs"]] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in two_classes.values()]


def test_lowercase_gives_the_same_records(tmp_path, two_classes):
    lower = {c: fasta(tmp_path / f"lower_{c}.fa",
                      {r.id: r.seq.decode().lower() for r in userdata.read_fasta(p)})
             for c, p in two_classes.items()}
    upper = userdata.read_sequences(fasta=two_classes, fractions=(0.5, 0.25, 0.25))
    low = userdata.read_sequences(fasta=lower, fractions=(0.5, 0.25, 0.25))
    assert np.array_equal(upper.codes, low.codes) and upper.fingerprint == low.fingerprint


def test_centring_pads_and_crops_around_the_centre(tmp_path):
    a = fasta(tmp_path / "a.fa", {"s3": "ACG", "s4": "ACGT", "s5": "ACGTA", "s6": "ACGTAC",
                                  "s7": "ACGTACG"})
    b = fasta(tmp_path / "b.fa", {"t5": "TTTTT", "t1": "G", "t8": "CCCCAAAA", "t2": "GA",
                                  "t9": "ACGTNACGT"})
    data = userdata.read_sequences(fasta={"a": a, "b": b}, length=5,
                                   fractions=(0.6, 0.2, 0.2))
    rows = dict(zip(data.ids, data.codes.tolist()))
    # Position m // 2 of an m-nt sequence lands at position 5 // 2 = 2.
    assert rows["s3"] == [X, A, C, G, X]
    assert rows["s4"] == [A, C, G, T, X]
    assert rows["s5"] == [A, C, G, T, A]
    assert rows["s6"] == [C, G, T, A, C]
    assert rows["s7"] == [C, G, T, A, C]
    assert rows["t1"] == [X, X, G, X, X]
    assert rows["t2"] == [X, G, A, X, X]
    assert rows["t9"] == [G, T, X, A, C]
    assert data.counts["cropped_sequences"] == 4 and data.counts["padded_sequences"] == 4
    assert data.counts["pad_positions"] == 2 + 1 + 4 + 3
    assert data.counts["unknown_positions"] == 1  # padding is counted apart from N
    assert data.pad.sum() == data.counts["pad_positions"]


def test_fasta_plus_label_table_is_multi_label(tmp_path):
    seqs = fasta(tmp_path / "peaks.fa", random_records("p", 10, 20, seed=1))
    rows = ["id\tctcf\tgata1\tyy1"] + [f"p{i}\t{i % 2}\t{int(i < 5)}\t{int(i == 3)}"
                                       for i in reversed(range(10))]
    table = write(tmp_path / "labels.tsv", "\n".join(rows) + "\n")
    data = userdata.read_sequences(fasta=seqs, labels=table)
    assert data.class_names == ["ctcf", "gata1", "yy1"] and data.form == "fasta+labels"
    assert data.labels[3].tolist() == [1, 1, 1] and data.labels[8].tolist() == [0, 0, 0]
    csv = write(tmp_path / "labels.csv", "\n".join(r.replace("\t", ",") for r in rows) + "\n")
    assert userdata.read_sequences(fasta=seqs, labels=csv).fingerprint == data.fingerprint


def test_bed_windows_from_the_genome(tmp_path):
    rng = np.random.default_rng(0)
    chr1 = "".join(rng.choice(list("ACGT"), 100))
    chr2 = "acgtNNacgt" * 5
    genome = write(tmp_path / "genome.fa", f">chr1\n{chr1[:60]}\n{chr1[60:]}\n>chr2\n"
                                           f"{chr2[:30]}\n{chr2[30:]}\n")
    x = write(tmp_path / "x.bed", "track name=x\nchr1\t10\t20\tp1\t0\t+\n"
                                  "chr1\t0\t4\tp2\t0\t-\nchr2\t40\t50\tp3\n")
    y = write(tmp_path / "y.bed", "chr1\t50\t60\nchr2\t0\t10\n")
    data = userdata.read_sequences(bed={"x": x, "y": y}, genome=genome, length=12,
                                   fractions=(0.4, 0.2, 0.4))
    code = {"A": A, "C": C, "G": G, "T": T, "N": X}
    rows = dict(zip(data.ids, data.codes.tolist()))
    assert rows["p1"] == [code[c] for c in chr1[9:21]]  # centre 15 at position 6
    comp = {"A": T, "C": G, "G": C, "T": A}
    assert rows["p2"] == [comp[c] for c in reversed(chr1[0:8])] + [X] * 4  # - strand
    assert rows["p3"] == [code[c] for c in chr2[39:50].upper()] + [X]  # runs off chr2
    assert rows["chr2:0-10"] == [X] + [code[c] for c in chr2[0:11].upper()]
    assert data.labels.tolist() == [[1, 0]] * 3 + [[0, 1]] * 2
    assert data.counts["pad_positions"] == 6 and data.counts["unknown_positions"] == 4
    assert data.counts["reverse_complemented"] == 1
    assert (tmp_path / "genome.fa.fai").exists()  # pyfaidx's index, beside the genome
    # Without a length, the intervals' common size is the length.
    same = write(tmp_path / "same.bed", "chr1\t10\t22\nchr1\t30\t42\nchr1\t50\t62\n")
    other = write(tmp_path / "other.bed", "chr2\t10\t22\nchr2\t30\t42\n")
    data = userdata.read_sequences(bed=[same, other], genome=genome, fractions=(0.4, 0.2, 0.4))
    assert data.length == 12 and data.class_names == ["same", "other"]


def test_bed_plus_label_table(tmp_path):
    genome = write(tmp_path / "g.fa", ">chr1\n" + "ACGT" * 50 + "\n")
    bed = write(tmp_path / "p.bed", "".join(f"chr1\t{10 * i}\t{10 * i + 8}\tpk{i}\n"
                                            for i in range(10)))
    table = write(tmp_path / "l.tsv", "name\ta\tb\n" + "".join(f"pk{i}\t{i % 2}\t1\n"
                                                               for i in range(10)))
    data = userdata.read_sequences(bed=bed, genome=genome, labels=table)
    assert data.form == "bed+labels" and data.length == 8
    assert data.labels[:, 0].tolist() == [i % 2 for i in range(10)]


def test_same_record_in_two_class_files_is_merged(tmp_path):
    a = fasta(tmp_path / "a.fa", {f"s{i}": "ACGTACGT"[i:] + "ACGTACGT"[:i] for i in range(5)})
    b = fasta(tmp_path / "b.fa", {"s0": "ACGTACGT", "t1": "TTTTTTTT", "t2": "GGGGGGGG",
                                  "t3": "CCCCCCCC", "t4": "AAAAAAAA"})
    data = userdata.read_sequences(fasta={"a": a, "b": b}, fractions=(0.6, 0.2, 0.2))
    assert len(data.ids) == 9 and data.counts["merged"] == 1
    assert data.labels[data.ids.index("s0")].tolist() == [1, 1]


# --------------------------------------------------------------------------- splits


def test_random_split_follows_the_seed(tmp_path):
    files = {c: fasta(tmp_path / f"{c}.fa", random_records(c, 50, 20, seed=i))
             for i, c in enumerate(("a", "b"))}
    first = userdata.read_sequences(fasta=files, seed=0)
    assert np.array_equal(first.split, userdata.read_sequences(fasta=files, seed=0).split)
    other = userdata.read_sequences(fasta=files, seed=1)
    assert not np.array_equal(first.split, other.split)
    assert np.bincount(first.split).tolist() == [70, 10, 20]
    assert first.fingerprint != other.fingerprint


def test_chromosome_split(tmp_path):
    chroms = ("chr1", "chr2", "chr7", "chr8", "chr9")
    a = random_records(None, 40, 20, seed=1, chroms=chroms)
    # b's names differ from a's (the same name with another sequence is an error).
    b = {k.replace(":", ":9"): v for k, v in random_records(None, 40, 20, seed=2,
                                                             chroms=chroms).items()}
    files = {"a": fasta(tmp_path / "a.fa", a), "b": fasta(tmp_path / "b.fa", b)}
    data = userdata.read_sequences(fasta=files, test_chroms="chr8,chr9", valid_chroms=["chr7"])
    chrom = np.array([i.split(":")[0] for i in data.ids])
    assert set(chrom[data.split == 2]) == {"chr8", "chr9"}
    assert set(chrom[data.split == 1]) == {"chr7"}
    assert set(chrom[data.split == 0]) == {"chr1", "chr2"}
    # Without validation chromosomes, validation is a seeded share of the others.
    data = userdata.read_sequences(fasta=files, test_chroms=("chr8", "chr9"), seed=3)
    assert set(chrom[data.split == 2]) == {"chr8", "chr9"}
    assert (data.split == 1).sum() == round(0.125 * (data.split != 2).sum())
    with pytest.raises(DatasetError, match="no sequence lies on the test chromosomes chrX"):
        userdata.read_sequences(fasta=files, test_chroms="chrX")


def test_chromosome_split_needs_located_names(tmp_path, two_classes):
    with pytest.raises(DatasetError) as exc:
        userdata.read_sequences(fasta=two_classes, test_chroms="chr8")
    message = one_sentence(exc, two_classes["oct4"], 1)
    assert "chrom:start-end" in message


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("chr1\t100\t200\n", 1, "is not a FASTA file"),
    ("\n>a\nACGT\n>b\nAC GT\nACXT\n", 6, "'X' is not a nucleotide letter"),
    (">a\nACGT\n>a\nACGT\n", 3, "appears a second time (first at line 1)"),
    (">a\nACGT\n>b\n\n>c\nACGT\n", 3, "has no sequence"),
    (">\nACGT\n", 1, "has no name"),
    ("PK\x03\x04\x00\x00binary", 1, "is not a FASTA file"),
])
def test_bad_fasta_files(tmp_path, text, line, needle):
    bad = write(tmp_path / "bad.fa", text)
    good = fasta(tmp_path / "good.fa", {"g": "ACGT"})
    with pytest.raises(DatasetError) as exc:
        userdata.read_sequences(fasta={"x": good, "y": bad})
    assert needle in one_sentence(exc, bad, line)


def test_empty_and_missing_fasta(tmp_path):
    good = fasta(tmp_path / "good.fa", {"g": "ACGT"})
    for text in ("", "\n\n"):
        empty = write(tmp_path / "empty.fa", text)
        with pytest.raises(DatasetError) as exc:
            userdata.read_sequences(fasta={"x": good, "y": empty})
        assert "is empty" in one_sentence(exc, empty)
    with pytest.raises(DatasetError) as exc:
        userdata.read_sequences(fasta={"x": good, "y": tmp_path / "nope.fa"})
    assert "does not exist" in one_sentence(exc, tmp_path / "nope.fa")


def test_mixed_lengths_need_a_length(tmp_path):
    a = fasta(tmp_path / "a.fa", {"a1": "ACGTACGT", "a2": "ACGTACGT"})
    b = fasta(tmp_path / "b.fa", {"b1": "ACGTACGT", "b2": "ACGTAC"})
    with pytest.raises(DatasetError) as exc:
        userdata.read_sequences(fasta={"a": a, "b": b})
    message = one_sentence(exc, b, 3)
    assert "'b2' is 6 nt long" in message and "give --length" in message
    bed = write(tmp_path / "p.bed", "chr1\t0\t10\nchr1\t20\t35\n")
    genome = write(tmp_path / "g.fa", ">chr1\n" + "ACGT" * 20 + "\n")
    with pytest.raises(DatasetError) as exc:
        userdata.read_sequences(bed={"p": bed, "q": bed}, genome=genome)
    assert "give --length" in one_sentence(exc, bed, 2)


@pytest.mark.parametrize(("line", "needle"), [
    ("chr1\t70\t90", "runs off chr1, which is 80 nt long"),
    ("chrUn\t1\t5", "chromosome 'chrUn' is not in the genome"),
    ("1\t1\t5", "it calls it 'chr1'"),
    ("chr1\t5", "is not a BED file"),
    ("chr1\tfive\t9", "the start 'five' is not a whole number"),
    ("chr1\t9\t5", "ends where or before it starts"),
])
def test_bad_bed_lines(tmp_path, line, needle):
    genome = write(tmp_path / "g.fa", ">chr1\n" + "ACGT" * 20 + "\n>chr2\n" + "ACGT" * 5 + "\n")
    bed = write(tmp_path / "p.bed", f"# peaks\nchr1\t1\t5\n{line}\n")
    ok = write(tmp_path / "ok.bed", "chr2\t1\t5\n")
    with pytest.raises(DatasetError) as exc:
        userdata.read_sequences(bed={"p": bed, "q": ok}, genome=genome, length=4)
    assert needle in one_sentence(exc, bed, 3)


def test_bad_genome(tmp_path):
    bed = write(tmp_path / "p.bed", "chr1\t1\t5\n")
    other = write(tmp_path / "q.bed", "chr1\t6\t10\n")
    genome = write(tmp_path / "g.fa", "chr1\tACGT\n")
    with pytest.raises(DatasetError) as exc:
        userdata.read_sequences(bed={"p": bed, "q": other}, genome=genome)
    assert "is not a FASTA genome" in one_sentence(exc, genome, 1)
    ragged = write(tmp_path / "r.fa", ">chr1\nACGTACGT\nACG\nACGTACGT\n")
    with pytest.raises(DatasetError) as exc:
        userdata.read_sequences(bed={"p": bed, "q": other}, genome=ragged)
    assert "cannot be indexed" in one_sentence(exc, ragged, 3)
    empty = write(tmp_path / "e.fa", "")
    with pytest.raises(DatasetError) as exc:
        userdata.read_sequences(bed={"p": bed, "q": other}, genome=empty)
    assert "is empty" in one_sentence(exc, empty)


def test_label_table_must_match_the_fasta(tmp_path):
    seqs = fasta(tmp_path / "s.fa", {"a": "ACGT", "b": "ACGT", "c": "ACGT"})
    header = "id\tx\ty\n"
    cases = [
        (header + "a\t1\t0\nb\t0\t1\n", seqs, 5, "record 'c' has no row in the label table"),
        (header + "a\t1\t0\nb\t0\t1\nc\t1\t1\nd\t0\t0\n", "table", 5,
         "the id 'd' is not a record of"),
        (header + "a\t1\t0\nb\t2\t1\nc\t1\t1\n", "table", 3, "column 2 (x): '2' is not 0 or 1"),
        (header + "a\t1\t0\nb\t1\nc\t1\t1\n", "table", 3, "has 2 columns where the header has 3"),
        (header + "a\t1\t0\na\t1\t0\n", "table", 3, "has a second row (first at line 2)"),
        ("id\n", "table", 1, "names no class"),
        ("", "table", None, "is empty"),
    ]
    for text, where, line, needle in cases:
        table = write(tmp_path / "labels.tsv", text)
        with pytest.raises(DatasetError) as exc:
            userdata.read_sequences(fasta=seqs, labels=table)
        assert needle in one_sentence(exc, table if where == "table" else where, line)


def test_bad_options():
    cases = [
        ({}, "one of the two"),
        ({"fasta": {"a": "x.fa"}, "bed": {"a": "x.bed"}}, "one of the two"),
        ({"bed": {"a": "x.bed"}}, "need the genome"),
        ({"fasta": {"a": "x.fa"}, "genome": "g.fa"}, "only read for BED"),
        ({"fasta": ["x.fa"], "length": 0}, "length is 0"),
        ({"fasta": ["x.fa"], "fractions": (0.5, 0.5)}, "three positive shares"),
        ({"fasta": ["x.fa"], "valid_chroms": "chr7"}, "need test chromosomes"),
        ({"fasta": ["x.fa"], "test_chroms": "chr7", "valid_chroms": "chr7"},
         "both a test and a validation"),
        ({"fasta": {"a b": "x.fa"}}, "has spaces"),
        ({"fasta": {"a": "x.fa"}, "labels": "l.tsv"}, "without class names"),
    ]
    for options, needle in cases:
        with pytest.raises(DatasetError, match=needle):
            userdata.read_sequences(**options)


def test_one_class_is_refused(tmp_path):
    seqs = fasta(tmp_path / "only.fa", {"a": "ACGT"})
    with pytest.raises(DatasetError, match="one FASTA file gives one class"):
        userdata.read_sequences(fasta=[seqs])


def test_parse_inputs_and_names():
    assert userdata.parse_inputs(["a=x.fa", "b=y.fa"]) == {"a": "x.fa", "b": "y.fa"}
    assert userdata.parse_inputs(["x.fa"]) == ["x.fa"]
    assert userdata.parse_inputs(None) is None
    with pytest.raises(DatasetError, match="CLASS=path or none"):
        userdata.parse_inputs(["a=x.fa", "y.fa"])
    with pytest.raises(DatasetError, match="'my_peaks'"):
        userdata.check_name("My-Peaks")
    with pytest.raises(DatasetError, match="data set of this library"):
        userdata.check_name("koo_synthetic")
    assert userdata.check_name("my_peaks") == "my_peaks"


# --------------------------------------------------------------------------- writing


def _records(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.tfrecord*"))}


def test_import_writes_a_tfds_data_set(tmp_path, two_classes):
    import tensorflow_datasets as tfds

    result = userdata.import_sequences("peaks_a", data_dir=tmp_path / "d", fasta=two_classes,
                                       fractions=(0.5, 0.25, 0.25))
    assert result.version == "1.0.0" and not result.already
    assert result.folder == tmp_path / "d" / "peaks_a" / "default" / "1.0.0"
    registry = json.loads((tmp_path / "d" / "peaks_a" / userdata.REGISTRY_FILE).read_text())
    assert registry["current"] == "1.0.0"
    assert json.loads((result.folder / "metadata.json").read_text()) == \
        registry["versions"]["1.0.0"]
    builder = userdata.builder_class("peaks_a", tmp_path / "d")(data_dir=str(tmp_path / "d"))
    assert builder.is_prepared() and builder.CLASS_NAMES == ("oct4", "mafk")
    assert builder.info.features["sequence"].shape == (10,)
    assert builder.info.features["label"].shape == (2,)
    assert builder.info.metadata["counts"]["unknown_positions"] == 6
    got = {}
    for split in ("train", "validation", "test"):
        for ex in tfds.as_numpy(tfds.load("peaks_a", split=split, data_dir=tmp_path / "d")):
            got[ex["id"].decode()] = (ex["sequence"].tolist(), ex["label"].tolist(), split)
    assert len(got) == 12 and got["o0"][:2] == ([A, C, G, T, X, A, C, G, T, X], [1, 0])
    assert (tmp_path / "d" / "peaks_a" / "default" / ".lock").exists() is False


def test_same_input_gives_byte_identical_records(tmp_path, two_classes):
    first = userdata.import_sequences("peaks_b", data_dir=tmp_path / "one", fasta=two_classes,
                                      length=12, fractions=(0.5, 0.25, 0.25))
    second = userdata.import_sequences("peaks_b", data_dir=tmp_path / "two", fasta=two_classes,
                                       length=12, fractions=(0.5, 0.25, 0.25))
    assert _records(first.folder) == _records(second.folder) and len(_records(first.folder)) == 3
    stamp = {p: p.stat().st_mtime_ns for p in first.folder.iterdir()}
    again = userdata.import_sequences("peaks_b", data_dir=tmp_path / "one", fasta=two_classes,
                                      length=12, fractions=(0.5, 0.25, 0.25))
    assert again.already and again.version == "1.0.0"
    assert stamp == {p: p.stat().st_mtime_ns for p in first.folder.iterdir()}


def test_version_changes_when_the_input_does(tmp_path, two_classes):
    import tensorflow_datasets as tfds

    root = tmp_path / "d"
    first = userdata.import_sequences("peaks_c", data_dir=root, fasta=two_classes,
                                      fractions=(0.5, 0.25, 0.25))
    fasta(two_classes["mafk"], {"m0": "TTTTGGGGCC", "m1": "ACGTACGTAC", "m2": "GGGGGGGGGG",
                                "m3": "CCCCCAAAAA", "m4": "GATTACAGAT", "m5": "ACACACACAA"})
    second = userdata.import_sequences("peaks_c", data_dir=root, fasta=two_classes,
                                       fractions=(0.5, 0.25, 0.25))
    assert (first.version, second.version) == ("1.0.0", "1.1.0")
    assert first.metadata["fingerprint"] != second.metadata["fingerprint"]
    options = userdata.import_sequences("peaks_c", data_dir=root, fasta=two_classes, length=12,
                                        fractions=(0.5, 0.25, 0.25))
    assert options.version == "1.2.0"
    cls = userdata.builder_class("peaks_c", root)
    assert str(cls.VERSION) == "1.2.0"
    assert sorted(str(v) for v in cls.SUPPORTED_VERSIONS) == ["1.0.0", "1.1.0"]
    assert cls(data_dir=str(root)).info.features["sequence"].shape == (12,)
    # Earlier versions stay readable, with their own length: by the class and by TFDS.
    old = cls(data_dir=str(root), version="1.0.0")
    assert old.info.features["sequence"].shape == (10,) and old.CLASS_NAMES == ("oct4", "mafk")
    assert old.info.metadata["fingerprint"] == first.metadata["fingerprint"]
    assert sum(1 for _ in old.as_dataset(split="train")) == 6
    files = tfds.builder("peaks_c:1.0.0", data_dir=root)
    assert files.info.features["sequence"].shape == (10,)


def test_a_failed_import_keeps_the_previous_version(tmp_path, two_classes, monkeypatch):
    root = tmp_path / "d"
    userdata.import_sequences("peaks_d", data_dir=root, fasta=two_classes,
                              fractions=(0.5, 0.25, 0.25))
    before = (root / "peaks_d" / userdata.REGISTRY_FILE).read_text()

    def broken(self, data, rows, split=""):
        yield int(rows[0]), {"index": 0, "id": "x", "sequence": data.codes[rows[0]],
                             "label": data.labels[rows[0]]}
        raise KeyboardInterrupt

    monkeypatch.setattr(userdata._base(), "_generate_examples", broken)
    with pytest.raises(KeyboardInterrupt):
        userdata.import_sequences("peaks_d", data_dir=root, fasta=two_classes, seed=9,
                                  fractions=(0.5, 0.25, 0.25))
    assert (root / "peaks_d" / userdata.REGISTRY_FILE).read_text() == before
    assert sorted(p.name for p in (root / "peaks_d" / "default").iterdir()) == ["1.0.0"]


def test_found_again_in_a_new_process(tmp_path, two_classes):
    root = tmp_path / "d"
    userdata.import_sequences("peaks_e", data_dir=root, fasta=two_classes,
                              fractions=(0.5, 0.25, 0.25))
    script = (
        "import sys, tensorflow_datasets as tfds\n"
        "from deepmotif_arch import userdata\n"
        f"root = {str(root)!r}\n"
        "b = userdata.builder_class('peaks_e', root)(data_dir=root)\n"
        "n = sum(1 for _ in b.as_dataset(split='train'))\n"
        "print(b.CLASS_NAMES, b.version, n, userdata.list_imported(root))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "('oct4', 'mafk') 1.0.0 6 ['peaks_e']" in out.stdout
    # Plain TFDS, with nothing of this library imported, reads it from its files.
    plain = ("import tensorflow_datasets as tfds\n"
             f"ds = tfds.load('peaks_e', split='test', data_dir={str(root)!r})\n"
             "print(sorted(e['id'].numpy().decode() for e in ds))\n")
    out = subprocess.run([sys.executable, "-c", plain], capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.count("'") == 6  # three test ids


def test_unknown_name_is_none(tmp_path):
    assert userdata.builder_class("nothing_here", tmp_path) is None
    assert userdata.list_imported(tmp_path) == []


# --------------------------------------------------------------------------- datasets API


@pytest.fixture
def imported(tmp_path, two_classes):
    root = tmp_path / "d"
    userdata.import_sequences("peaks_f", data_dir=root, fasta=two_classes,
                              fractions=(0.5, 0.25, 0.25))
    return str(root)


def _read_through_datasets(root):
    from deepmotif_arch.data import datasets

    stream = datasets.SplitStream("peaks_f", "train", data_dir=root)
    assert (stream.num_examples, stream.input_length, stream.num_classes) == (6, 10, 2)
    assert datasets.class_names(stream.builder) == ["oct4", "mafk"]
    x, y = stream.epoch_arrays(None, shuffle=False)
    assert x.shape == (6, 10, 4) and y.shape == (6, 2)
    batches = list(stream.epoch(0, batch_size=4).as_numpy_iterator())
    assert [b[0].shape for b in batches] == [(4, 10, 4), (2, 10, 4)]
    codes, labels = datasets.load_numpy("peaks_f", "validation", data_dir=root, one_hot=False)
    assert codes.shape == (3, 10) and labels.dtype == np.float32
    assert ((x.sum(axis=2) == 0) == (x.max(axis=2) == 0)).all()  # N rows are all-zero
    assert datasets.get_builder("peaks_f", data_dir=root).version == "1.0.0"


def test_datasets_reads_an_imported_data_set(imported):
    _read_through_datasets(imported)


def test_load_numpy_one_hot_keeps_n_as_zero_rows(imported):
    from deepmotif_arch.data import datasets

    codes, _ = datasets.load_numpy("peaks_f", "train", data_dir=imported, one_hot=False)
    x, _ = datasets.load_numpy("peaks_f", "train", data_dir=imported)
    assert x.shape == (6, 10, 4)
    assert np.array_equal(x.sum(axis=2) == 0, codes == X)


def _cli():
    import typer

    from deepmotif_arch.cli.data_import import import_data

    app = typer.Typer()
    app.command("import")(import_data)

    @app.callback()
    def _root() -> None:
        """data"""

    return app


def test_command_imports_and_summarises(tmp_path, two_classes):
    from typer.testing import CliRunner

    runner = CliRunner()
    args = ["import", "peaks_h", "--fasta", f"oct4={two_classes['oct4']}",
            "--fasta", f"mafk={two_classes['mafk']}", "--length", "12",
            "--fractions", "0.5,0.25,0.25", "--data-dir", str(tmp_path / "d")]
    result = runner.invoke(_cli(), args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "peaks_h 1.0.0: 12 sequences of 12 nt" in result.output
    assert "N and other IUPAC letters: 6 positions" in result.output
    assert "Reading oct4.fa" in result.output and "Written to" in result.output
    assert "Downloading" not in result.output
    result = runner.invoke(_cli(), args, env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Already imported" in result.output


@pytest.mark.parametrize(("extra", "needle"), [
    (["--fasta", "oct4=MISSING"], "does not exist"),
    (["--fasta", "x.fa", "--fasta", "a=y.fa"], "CLASS=path or none"),
    (["--fasta", "a=x.fa", "--fractions", "0.5,half"], "--fractions"),
    (["--bed", "a=x.bed"], "need the genome"),
])
def test_command_user_errors(tmp_path, extra, needle):
    from typer.testing import CliRunner

    result = CliRunner().invoke(_cli(), ["import", "peaks_i", *extra, "--data-dir",
                                         str(tmp_path)], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert result.output.count("Error:") == 1


def test_command_bad_name(tmp_path, two_classes):
    from typer.testing import CliRunner

    result = CliRunner().invoke(_cli(), ["import", "Bad-Name", "--fasta",
                                         f"a={two_classes['oct4']}", "--fasta",
                                         f"b={two_classes['mafk']}"], env={"COLUMNS": "400"})
    assert result.exit_code == 2 and "'bad_name'" in result.output


# --------------------------------------------------------------------------- real peaks


@pytest.mark.slow
def test_janggu_peaks_import(tmp_path):
    """Oct4 and MafK ChIP-seq peaks shipped in the janggu 0.10.2 wheel (GPL-3.0, fetched,
    never stored here) import as a two-class data set split by chromosome."""
    out = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                          "janggu==0.10.2", "-d", str(tmp_path)], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip(f"cannot download janggu 0.10.2 from PyPI: {out.stderr.strip()[-300:]}")
    wheel = next(tmp_path.glob("janggu-0.10.2-*.whl"))
    files = {}
    with zipfile.ZipFile(wheel) as archive:
        for tf, member in (("oct4", "sample.fa"), ("mafk", "sample2.fa")):
            files[tf] = tmp_path / member
            files[tf].write_bytes(archive.read(f"janggu/resources/{member}"))
    result = userdata.import_sequences("janggu_peaks", data_dir=tmp_path / "d", fasta=files,
                                       test_chroms="chr8,chr9", valid_chroms="chr7")
    meta = result.metadata
    assert meta["num_sequences"] == 3897 + 3900 and meta["length"] == 200
    assert meta["class_names"] == ["oct4", "mafk"]
    assert meta["splits"]["test"]["sequences"] == 198 + 156 + 205 + 147
    assert meta["splits"]["validation"]["sequences"] == 236 + 208
    assert meta["counts"]["unknown_positions"] == 0


def test_a_deleted_version_is_rebuilt_from_its_inputs(tmp_path, two_classes):
    import shutil

    root = tmp_path / "d"
    first = userdata.import_sequences("peaks_j", data_dir=root, fasta=two_classes,
                                      fractions=(0.5, 0.25, 0.25))
    records = _records(first.folder)
    shutil.rmtree(first.folder)
    builder = userdata.builder_class("peaks_j", root)(data_dir=str(root))
    assert not builder.is_prepared()
    builder.download_and_prepare()  # what datasets.build does: reads the inputs again
    assert _records(first.folder) == records
    shutil.rmtree(first.folder)
    fasta(two_classes["oct4"], {"o0": "ACGTACGTAC"})  # the input changed since
    builder = userdata.builder_class("peaks_j", root)(data_dir=str(root))
    with pytest.raises(DatasetError, match="changed since"):
        builder.download_and_prepare()


def test_a_folder_of_another_data_set_is_left_alone(tmp_path, two_classes):
    foreign = tmp_path / "d" / "peaks_k" / "default" / "1.0.0"
    foreign.mkdir(parents=True)
    (foreign / "dataset_info.json").write_text("{}")
    with pytest.raises(DatasetError, match="not imported by deepmotif"):
        userdata.import_sequences("peaks_k", data_dir=tmp_path / "d", fasta=two_classes,
                                  fractions=(0.5, 0.25, 0.25))
    assert (foreign / "dataset_info.json").read_text() == "{}"
