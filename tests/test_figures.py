"""Figures of the Table 1 sweep, drawn from a small fake results tree (no training)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from deepmotif_arch.cli.main import app
from deepmotif_arch.motifs.meme import Motif, write_meme
from deepmotif_arch.paper import experiment as ex
from deepmotif_arch.paper import figures

runner = CliRunner()

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WIDTH = 8


def _hit(target_id: str, name: str, e_value: float) -> dict:
    return {"target_id": target_id, "target_name": name, "p_value": e_value / 500,
            "e_value": e_value, "q_value": e_value, "offset": 0, "overlap": 6,
            "orientation": "+", "query_consensus": "ACGTACGT", "target_consensus": "ACGTAC"}


def _filters() -> list[dict]:
    """Four filters: a relevant match (SRF), a JASPAR-only match (FOS), none, silent."""
    srf, fos = _hit("MA0083.3", "SRF", 1e-4), _hit("MA0476.1", "FOS", 0.02)
    rows = [
        {"status": "match", "relevant_tfs": ["SRF"], "best": srf, "best_relevant": srf,
         "hits": [srf]},
        {"status": "match", "relevant_tfs": [], "best": fos, "best_relevant": None,
         "hits": [fos]},
        {"status": "no match", "relevant_tfs": [], "best": None, "best_relevant": None,
         "hits": []},
        {"status": "silent", "relevant_tfs": [], "best": None, "best_relevant": None,
         "hits": [], "silent_reason": "never active on the 100 sequences scanned"},
    ]
    for i, row in enumerate(rows):
        silent = row["status"] == "silent"
        row.update({"index": i, "id": f"filter{i}", "sites": 0 if silent else 50 + i,
                    "silent_reason": row.get("silent_reason"), "width": 0 if silent else WIDTH,
                    "consensus": "" if silent else "ACGTACGT"})
    return rows


def _write_trial(root: Path, model: str, trial: int, *, val_loss: float, auroc: float,
                 jaspar: float = 0.5, relevant: float = 0.25, layer_files: bool = True) -> Path:
    folder = root / model / f"trial-{trial}"
    (folder / "conv1").mkdir(parents=True)
    if layer_files:
        rng = np.random.default_rng(trial)
        rows = _filters()
        motifs = []
        for row in rows:
            if row["status"] == "silent":
                continue
            matrix = rng.dirichlet(np.full(4, 0.3), size=WIDTH)
            motifs.append(Motif(id=row["id"], matrix=matrix, name="conv1", nsites=row["sites"]))
        write_meme(motifs, folder / "conv1" / "filters_full.meme")
        matches = {"model": model, "trial": trial, "database": "JASPAR2016 CORE vertebrates",
                   "num_targets": 519, "tomtom": {"clip": True}, "filters": rows}
        (folder / "conv1" / "matches.json").write_text(json.dumps(matches, indent=2))
    result = {
        "format": ex.RESULT_FORMAT_VERSION, "model": model, "label": model.upper(),
        "trial": trial,
        "test": {"auroc_mean": auroc, "auroc_sd_classes": 0.02},
        "training": {"epochs_run": 30, "best_val_loss": val_loss},
        "wall_time_s": {"training": 60.0},
        "layers": {"conv1": {"num_filters": 4, "fraction_jaspar": jaspar,
                             "fraction_relevant": relevant}},
        "checkpoint": {"path": f"runs/table1/{model}/trial-{trial}/model.keras"},
    }
    (folder / "result.json").write_text(json.dumps(result, indent=2))
    return folder


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("table1")
    # CNN-4: trial 0 has the best test AU-ROC but trial 1 the lowest validation loss
    for trial, (loss, auroc) in enumerate([(0.30, 0.99), (0.10, 0.90), (0.20, 0.95)]):
        _write_trial(root, "cnn-4", trial, val_loss=loss, auroc=auroc)
    _write_trial(root, "cnn-25", 0, val_loss=0.2, auroc=0.97, jaspar=1.0, relevant=0.9)
    _write_trial(root, "cnn-1", 0, val_loss=0.2, auroc=0.96, jaspar=0.2, relevant=0.0,
                 layer_files=False)
    _write_trial(root, "cnn9-4", 0, val_loss=0.2, auroc=0.9, layer_files=False)
    # an unfinished job: no result.json, so it must be ignored
    (root / "cnn-2" / "trial-0" / "conv1").mkdir(parents=True)
    return root


def _texts(fig) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _one_sentence_error(output: str) -> str:
    message = output.strip()
    assert message.startswith("Error:") and "\n" not in message, output
    assert message.endswith(".") and "Traceback" not in message
    return message


def test_pool_size_figure_uses_the_pool_models_only(results):
    rows = ex.summarize(ex.load_results(results))
    fig = figures.pool_size_figure(rows)
    ax_a, ax_b = fig.axes[:2]
    texts = _texts(fig)
    # CNN-1, CNN-4 and CNN-25 at their pool sizes, labelled with their trial counts;
    # CNN9-4 (pool 4 too) and the unfinished CNN-2 are not drawn
    assert [t.get_text() for t in ax_a.get_xticklabels()] == ["1\nn=1", "4\nn=3", "25\nn=1"]
    assert ax_a.get_xscale() == "log" and ax_b.get_xscale() == "log"
    assert any("ours" in t for t in texts) and any("paper" in t for t in texts)
    # our CNN-4 AU-ROC point is the mean over its three trials
    means = [y for line in ax_b.get_lines() for x, y in line.get_xydata()
             if 3 < x < 5 and line.get_markerfacecolor() != "white"]
    assert means and means[0] == pytest.approx(np.mean([0.99, 0.90, 0.95]))
    with pytest.raises(ex.ExperimentError, match="no results for CNN-1"):
        figures.pool_size_figure([r for r in rows if r["model"] == "cnn9-4"])


def test_filter_logo_grid_titles_each_filter_by_its_best_match(results):
    fig = figures.filter_logo_grid(results / "cnn-25" / "trial-0")
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert titles[0].startswith("f0 SRF MA0083.3") and titles[1].startswith("f1 FOS MA0476.1")
    assert titles[2:] == ["f2 no match", "f3 silent"]
    assert any("CNN-25 trial 0, conv1: 2/4 filters match JASPAR, 1 a relevant motif" in t
               for t in _texts(fig))
    with pytest.raises(ex.ExperimentError, match="does not exist"):
        figures.filter_logo_grid(results / "cnn-1" / "trial-0", layer="conv2")


def test_filter_logo_grid_reads_result_json_strictly_and_works_without_one(results, tmp_path):
    import shutil

    folder = tmp_path / "cnn-25" / "trial-0"
    shutil.copytree(results / "cnn-25" / "trial-0", folder)
    result = json.loads((folder / "result.json").read_text())
    del result["model"]  # a damaged result file is named, not guessed around
    (folder / "result.json").write_text(json.dumps(result))
    with pytest.raises(ex.ExperimentError, match=r"result.json has no 'model'; delete it"):
        figures.filter_logo_grid(folder)
    # a folder `deepmotif interpret` wrote has no result.json: the layer's files suffice
    (folder / "result.json").unlink()
    fig = figures.filter_logo_grid(folder)
    assert any(t.startswith("cnn-25 trial 0, conv1: 2/4 filters match JASPAR") for t in _texts(fig))


def test_fig2_picks_the_lowest_validation_loss_trial(results):
    fig = figures.fig2_figure(results)
    texts = _texts(fig)
    assert any(t.startswith("CNN-4 trial 1,") for t in texts)  # not trial 0 (best AU-ROC)
    assert any(t.startswith("CNN-25 trial 0,") for t in texts)
    assert not any(t.startswith("CNN-2 ") for t in texts)  # unfinished: skipped
    assert any(t.startswith("CNN-4 trial 2,") for t in _texts(
        figures.fig2_figure(results, trial=2)))
    with pytest.raises(ex.ExperimentError, match="none of cnn-2, cnn-4, cnn-25 has a finished "
                       "trial 7"):
        figures.fig2_figure(results, trial=7)


def test_write_figures_writes_identical_pngs_twice(results, tmp_path):
    import matplotlib.image

    result = runner.invoke(app, ["experiment", "figures", "--results", str(results),
                                 "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "figures"
    names = ["fig2_logos.png", "logos_cnn-25.png", "logos_cnn-4.png", "pool_size.png"]
    assert sorted(p.name for p in folder.iterdir()) == names  # no temporary files left
    first = {}
    for name in names:
        assert str(folder / name) in result.output.replace("\n", "")
        data = (folder / name).read_bytes()
        assert data.startswith(PNG_MAGIC)
        image = matplotlib.image.imread(folder / name)
        assert image.ndim == 3 and min(image.shape[:2]) > 100
        first[name] = data
    again = figures.write_figures(results, tmp_path)
    assert sorted(p.name for p in again) == names
    assert {name: (folder / name).read_bytes() for name in names} == first


def test_missing_results_exit_2_with_one_sentence(tmp_path):
    result = runner.invoke(app, ["experiment", "figures", "--results", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "does not exist" in _one_sentence_error(result.output)

    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["experiment", "figures", "--results", str(empty)])
    assert result.exit_code == 2
    assert "no finished result files" in _one_sentence_error(result.output)

    # results, but none for the models of Fig 2: an error, and nothing written
    _write_trial(tmp_path / "pool-only", "cnn-1", 0, val_loss=0.2, auroc=0.9)
    result = runner.invoke(app, ["experiment", "figures", "--results",
                                 str(tmp_path / "pool-only")])
    assert result.exit_code == 2
    assert "none of cnn-2, cnn-4, cnn-25" in _one_sentence_error(result.output)
    assert not (tmp_path / "pool-only" / "figures").exists()
