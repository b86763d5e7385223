"""``deepmotif match`` and ``deepmotif logos`` on a checkpoint trained in this session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from deepmotif_arch.cli.main import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "160"})


@pytest.fixture(scope="module")
def trained(tiny_data_dir, tmp_path_factory) -> Path:
    """CNN-25 trained for a few epochs on koo_synthetic/tiny (about half a minute)."""
    from deepmotif_arch.training.trainer import TrainSettings, train
    from deepmotif_arch.zoo.architectures import get_spec

    out = tmp_path_factory.mktemp("interpret") / "cnn25"
    result = train(TrainSettings(get_spec("cnn-25"), dataset_config="tiny",
                                 data_dir=str(tiny_data_dir), epochs=3), out)
    return result.checkpoint


def test_match_writes_tables_meme_and_logos(trained, tiny_data_dir, tmp_path):
    from deepmotif_arch.motifs.meme import read_meme
    from deepmotif_arch.motifs.tomtom import read_tomtom_tsv, tomtom

    out = tmp_path / "match"
    result = invoke("match", trained, "--data-dir", tiny_data_dir, "--images", "png",
                    "-o", out)
    assert result.exit_code == 0, result.output
    assert {"filters.meme", "tomtom.tsv", "matches.json", "stats.json", "logos.png"} <= \
        {p.name for p in out.iterdir()}
    stats = json.loads((out / "stats.json").read_text())
    matches = json.loads((out / "matches.json").read_text())
    assert stats["model"] == "cnn-25" and stats["trial"] == 0 and stats["split"] == "test"
    assert stats["dataset"]["name"] == "koo_synthetic" and stats["num_filters"] == 30
    # the defaults are the authors' pipeline (--preset authors)
    assert stats["pwm"]["variant"] == "authors" and stats["pwm"]["threshold"] == 0.5
    assert stats["pwm"]["window"] == 19 and stats["pwm"]["weighted"]
    assert stats["pwm"]["pad_edges"]
    assert (stats["tomtom"]["dist"], stats["tomtom"]["min_overlap"],
            stats["tomtom"]["nsites"]) == ("ed", 1, "width")
    rows = matches["filters"]
    assert len(rows) == 30
    assert stats["fraction_matched"] == sum(bool(r["hits"]) for r in rows) / 30
    assert stats["fraction_relevant"] == sum(bool(r["relevant_tfs"]) for r in rows) / 30
    for line in ("JASPAR match:", "Relevant match:", "TFs covered:"):
        assert line in result.output
    # not a terminal: whole names on tab-separated lines, and a line per step on stderr
    assert "vs JASPAR2016 CORE vertebrates" in result.output
    assert "filter\tsites\tmatch\tname\te_value\tq_value\trelevant" in result.output
    assert "Matching with Tomtom" in result.output
    # the TSV holds what Tomtom says about the exported file
    queries = read_meme(out / "filters.meme")
    active = [r["id"] for r in rows if r["status"] != "silent"]
    assert [m.id for m in queries] == active
    direct = tomtom(queries)
    written = read_tomtom_tsv(out / "tomtom.tsv")
    assert [(m.query_id, m.target_id) for m in written] == \
           [(m.query_id, m.target_id) for m in direct]
    np.testing.assert_allclose([m.p_value for m in written], [m.p_value for m in direct],
                               rtol=1e-5)


def test_match_json_to_the_default_folder(trained, tiny_data_dir):
    result = invoke("match", trained, "--data-dir", tiny_data_dir, "--images", "svg",
                    "--format", "json", "--variant", "released", "--no-clip")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["pwm"]["variant"] == "released" and stats["pwm"]["threshold"] == 0.5
    assert stats["tomtom"]["clip"] is False
    folder = trained.parent / "interpretation" / "conv1"
    assert (folder / "logos.svg").exists() and (folder / "stats.json").exists()


@pytest.mark.parametrize(("command", "args", "needle"), [
    ("match", ["--format", "png"], "image formats go to --images, e.g. --images png"),
    ("logos", ["--format", "png"], "image formats are given with --images"),
    ("match", ["--format", "yaml"], "--format 'yaml' is not known"),
    ("match", ["--split", "tset"], "tset"),
])
def test_one_meaning_per_option(trained, command, args, needle):
    result = invoke(command, trained, *args)
    assert result.exit_code == 2 and needle in result.output


def test_missing_files_are_refused_before_the_framework_import(tmp_path):
    import subprocess
    import sys

    code = ("import sys\nfrom deepmotif_arch.cli.main import main\nsys.argv=['deepmotif', "
            f"'match', {str(tmp_path / 'nothere.keras')!r}]\ntry:\n    main()\n"
            "except SystemExit as e:\n    print('exit', e.code)\n"
            "print('keras imported' if 'keras' in sys.modules else 'no keras')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "exit 2" in out.stdout and "no keras" in out.stdout, out.stdout + out.stderr
    assert "nothere.keras" in out.stderr and "does not exist" in out.stderr


def test_match_presets_and_single_overrides(trained, tiny_data_dir, tmp_path):
    result = invoke("match", trained, "--preset", "tomtom")
    assert result.exit_code == 2 and "tomtom" in result.output
    result = invoke("match", trained, "--data-dir", tiny_data_dir, "--images", "png",
                    "--format", "json", "--preset", "v0", "-o", tmp_path / "v0")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert (stats["pwm"]["variant"], stats["pwm"]["window"], stats["pwm"]["weighted"]) == \
        ("released", 19, False)
    assert (stats["tomtom"]["dist"], stats["tomtom"]["min_overlap"],
            stats["tomtom"]["nsites"]) == ("pearson", 5, "sites")
    # one option changes one choice of the preset
    result = invoke("match", trained, "--data-dir", tiny_data_dir, "--images", "png",
                    "--format", "json", "--dist", "pearson", "--counted", "-o", tmp_path / "a")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert (stats["pwm"]["variant"], stats["pwm"]["weighted"], stats["pwm"]["pad_edges"]) == \
        ("authors", False, True)
    assert (stats["tomtom"]["dist"], stats["tomtom"]["min_overlap"]) == ("pearson", 1)


def test_logos_writes_a_grid_one_logo_per_filter_and_the_ground_truth(trained, tiny_data_dir,
                                                                      tmp_path):
    out = tmp_path / "logos"
    result = invoke("logos", trained, "--data-dir", tiny_data_dir, "--images", "png,svg",
                    "--no-label", "--window", "23", "-o", out)
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"logos.png", "logos.svg", "ground_truth.png", "ground_truth.svg",
            "filters.meme"} <= names
    from deepmotif_arch.motifs.meme import read_meme

    motifs = read_meme(out / "filters.meme")
    assert all(m.width == 23 for m in motifs)  # --no-label: no Tomtom, no clipping
    per_filter = sorted(p.name for p in (out / "filters").iterdir())
    assert per_filter == sorted(f"{m.id}.{fmt}" for m in motifs for fmt in ("png", "svg"))


@pytest.fixture(scope="module")
def malformed_meme(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("meme") / "broken.meme"
    path.write_text("MEME version 4\n\nALPHABET= ACGT\n\nMOTIF m1\n"
                    "letter-probability matrix: alength= 4 w= 2\n"
                    "0.5 0.5 0.0\n0.25 0.25 0.25 0.25\n")
    return path


@pytest.mark.parametrize(("args", "needle"), [
    (["--database", "{meme}"], "broken.meme"),
    (["--database", "{missing}"], "does not exist"),
    (["--layer", "conv5"], "no convolution layer 'conv5'"),
    (["--layer", "conv2"], "conv1_pool (MaxPooling1D) comes before conv2"),
    (["--threshold", "1.5"], "threshold is 1.5"),
    (["--window", "0"], "window is 0"),
    (["--evalue", "0"], "E-value threshold is 0"),
    (["--min-overlap", "0"], "min_overlap is 0"),
    (["--images", "bmp"], "image format 'bmp'"),
])
def test_user_errors_are_one_sentence_and_exit_2(trained, tiny_data_dir, malformed_meme,
                                                 tmp_path, args, needle):
    args = [a.format(meme=malformed_meme, missing=tmp_path / "none.meme") for a in args]
    result = invoke("match", trained, "--data-dir", tiny_data_dir, "-o", tmp_path / "o",
                    *args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output
    assert result.output.count("Error:") == 1
    assert not (tmp_path / "o").exists()


def test_malformed_database_names_the_line(trained, tiny_data_dir, malformed_meme):
    result = invoke("logos", trained, "--data-dir", tiny_data_dir, "--database", malformed_meme)
    assert result.exit_code == 2
    assert "line 7 of" in result.output and "Traceback" not in result.output


def test_missing_checkpoint(tmp_path):
    result = invoke("logos", tmp_path / "nothing.keras")
    assert result.exit_code == 2 and "does not exist" in result.output
