"""base.io: a file is either the old one or the whole new one, never half of the new."""

from __future__ import annotations

import pytest

from deepmotif_arch.base.io import atomic_copy, atomic_path, atomic_write_text


def test_atomic_path_renames_on_success_and_keeps_the_suffix(tmp_path):
    dest = tmp_path / "model.keras"
    with atomic_path(dest) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.suffix == ".keras"  # Keras picks the format by it
        assert tmp.name.startswith(".model.tmp-")
        assert not dest.exists()  # nothing under the final name while writing
        tmp.write_text("whole")
    assert dest.read_text() == "whole"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_atomic_path_keeps_the_old_file_when_writing_fails(tmp_path):
    dest = tmp_path / "filters.meme"
    dest.write_text("old")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert dest.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["filters.meme"]


def test_atomic_path_with_nothing_written_raises_and_leaves_nothing(tmp_path):
    dest = tmp_path / "tomtom.tsv"
    with pytest.raises(FileNotFoundError):
        with atomic_path(dest):
            pass  # the writer forgot to write: no empty file appears under the final name
    assert list(tmp_path.iterdir()) == []


def test_atomic_copy_and_write_text(tmp_path):
    src = atomic_write_text(tmp_path / "a.txt", "text")
    assert src.read_text() == "text"
    dest = atomic_copy(src, tmp_path / "b.txt")
    assert dest.read_text() == "text"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
