"""`deepmotif experiment activations`: the plan, the summary, and one tiny run end to end."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from deepmotif_arch.cli.main import app
from deepmotif_arch.paper import activations as act
from deepmotif_arch.paper.experiment import RESULT_FORMAT_VERSION, ExperimentError

runner = CliRunner()


def test_plan_covers_every_cell_trial_major():
    planned = act.plan(["cnn-2", "cnn-deep"], ["relu", "exp"], trials=2)
    assert [(j.model, j.trial) for j, _, _ in planned] == [
        ("cnn-2", 0), ("cnn-2-exp", 0), ("cnn-deep", 0), ("cnn-deep-exp", 0),
        ("cnn-2", 1), ("cnn-2-exp", 1), ("cnn-deep", 1), ("cnn-deep-exp", 1)]
    assert len(act.plan(trials=3)) == 3 * len(act.DEFAULT_MODELS) * len(act.ACTIVATIONS) == 63
    assert act.variant_name("kp-cnn-50", "sigmoid") == "kp-cnn-50-sigmoid"
    with pytest.raises(ExperimentError, match="activation 'swish' is not part"):
        act.plan(["cnn-2"], ["swish"])
    with pytest.raises(ExperimentError, match="model 'cnn-7' is not part"):
        act.plan(["cnn-7"])
    with pytest.raises(ExperimentError, match="trials is 0"):
        act.plan(trials=0)


def test_published_values_are_the_facts_sheets():
    """KP21_SYNTHETIC equals the synthetic table of EXP_ACTIVATIONS_FACTS.md section 5
    (the copy in tests/data/reference/)."""
    from pathlib import Path

    facts = (Path(__file__).parent / "data" / "reference" / "EXP_ACTIVATIONS_FACTS.md").read_text()
    table = facts[facts.index("**Synthetic match fraction**"):].split("\n\n")[1]
    rows = [line.strip("|").split("|") for line in table.splitlines()
            if line.startswith("| CNN")]
    parsed = {(cells[0].strip().lower(), name): float(value)
              for cells in rows for name, value in zip(act.ACTIVATIONS, cells[1:])}
    assert parsed == act.KP21_SYNTHETIC
    assert act._kp21("kp-cnn-2", "relu") == 0.01  # their CNN-2 is kp-cnn-2
    assert act._kp21("cnn-25", "relu") is None


def _fake(folder, name, trial, relevant, auroc=0.95):
    out = folder / name / f"trial-{trial}"
    out.mkdir(parents=True)
    (out / "model.keras").write_bytes(b"x")
    (out / "result.json").write_text(json.dumps({
        "format": RESULT_FORMAT_VERSION, "model": name, "trial": trial,
        "test": {"auroc_mean": auroc}, "layers": {"conv1": {
            "fraction_relevant": relevant, "fraction_jaspar": relevant}}}))


def test_summary_means_over_trials_and_figure(tmp_path):
    _fake(tmp_path, "cnn-2", 0, 0.0)
    _fake(tmp_path, "cnn-2-exp", 0, 0.8)
    _fake(tmp_path, "cnn-2-exp", 1, 1.0)
    rows = act.summarize(tmp_path)
    assert [(r["model"], r["activation"], r["trials"]) for r in rows] == [
        ("cnn-2", "relu", 1), ("cnn-2", "exponential", 2)]
    assert rows[1]["relevant"] == pytest.approx(0.9)
    assert rows[1]["relevant_sd"] == pytest.approx(0.1)  # population sd
    assert rows[1]["kp21_relevant"] == 0.94
    paths = act.write_summary(rows, tmp_path / "out")
    assert [p.name for p in paths] == ["summary.md", "summary.csv", "activations.png"]
    assert "| cnn-2 | exponential | 2 | 0.900 ± 0.100 | – | ≈ 0.94 |" in paths[0].read_text()
    with pytest.raises(ExperimentError, match="no finished activation trials"):
        act.write_summary([], tmp_path / "none")


def test_their_readout_comes_from_each_trials_ablation_file(tmp_path):
    _fake(tmp_path, "cnn-50-sigmoid", 0, 0.6)
    _fake(tmp_path, "cnn-50-sigmoid", 1, 0.6)
    for trial, value in ((0, 0.1), (1, 0.3)):
        (tmp_path / "cnn-50-sigmoid" / f"trial-{trial}" / "ablation.json").write_text(json.dumps(
            {"settings": {}, "layers": {"kp21": {"conv1": {"fraction_relevant": value,
                                                           "fraction_jaspar": value + 0.5}}}}))
    (row,) = act.summarize(tmp_path, ["cnn-50"], ["sigmoid"])
    assert row["relevant_their_readout"] == pytest.approx(0.2)
    assert row["relevant_their_readout_values"] == [0.1, 0.3]
    assert row["jaspar_their_readout"] == pytest.approx(0.7)
    assert "| cnn-50 | sigmoid | 2 | 0.600 ± 0.000 | 0.200 ± 0.100 | ≈ 0.06 |" \
        in act.to_markdown([row])


def _matches(folder, name, trial, hits_per_filter):
    """A conv1/matches.json whose filters have the given Tomtom hit IDs."""
    out = folder / name / f"trial-{trial}" / "conv1"
    out.mkdir(parents=True, exist_ok=True)
    filters = [{"index": i, "hits": [{"target_id": t} for t in ids]}
               for i, ids in enumerate(hits_per_filter)]
    (out / "matches.json").write_text(json.dumps({"filters": filters}))
    return out / "matches.json"


def test_jaspar_share_without_gmeb1_is_koo_and_ploenzkes(tmp_path):
    """A filter whose only hit is Gmeb1 (MA0615.1) does not count; one with Gmeb1 and another
    hit does; one without hits does not; the share is over every filter."""
    _fake(tmp_path, "cnn-deep-tanh", 0, 0.0)
    _fake(tmp_path, "cnn-deep-tanh", 1, 0.0)  # no matches.json: left out of the mean
    path = _matches(tmp_path, "cnn-deep-tanh", 0, [
        ["MA0615.1"], ["MA0615.1", "MA0079.3"], ["MA0079.3"], [], ["MA0615.1"]])
    assert act.jaspar_fraction_without(path) == pytest.approx(2 / 5)
    assert act.jaspar_fraction_without(path, excluded=()) == pytest.approx(4 / 5)
    assert act.jaspar_fraction_without(tmp_path / "missing.json") is None
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ExperimentError, match="bad.json is not a matches.json"):
        act.jaspar_fraction_without(bad)

    (row,) = act.summarize(tmp_path, ["cnn-deep"], ["tanh"])
    assert row["jaspar_kp21"] == pytest.approx(0.4) and row["jaspar_kp21_values"] == [0.4]
    md = act.to_markdown([row])
    assert "| JASPAR, Gmeb1 apart |" in md and "| 0.400 ± 0.000 |" in md


def test_tiny_run_end_to_end(tiny_data_dir, tmp_path):
    import keras

    results, runs = tmp_path / "results", tmp_path / "runs"
    args = ["experiment", "activations", "-m", "cnn-2", "-a", "exp", "-n", "1", "--epochs", "1",
            "--config", "tiny", "--data-dir", str(tiny_data_dir), "--backend",
            keras.backend.backend(), "--results", str(results), "--runs", str(runs)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    data = json.loads((results / "cnn-2-exp" / "trial-0" / "result.json").read_text())
    assert data["model"] == "cnn-2-exp" and data["flavor"] == "released"
    assert (results / "cnn-2-exp" / "trial-0" / "model.keras").is_file()
    assert set(data["layers_by_preset"]) == {"authors", "paper-text", "v0"}
    for name in ("summary.md", "summary.csv", "activations.png"):
        assert (results / name).is_file()
    # their read-out, scored from the kept checkpoint into the trial's ablation.json
    ablation = json.loads((results / "cnn-2-exp" / "trial-0" / "ablation.json").read_text())
    assert ablation["settings"]["kp21"]["window"] == 20
    assert ablation["settings"]["kp21"]["exclude"] == ["MA0615.1"]
    theirs = ablation["layers"]["kp21"]["conv1"]["fraction_relevant"]
    (row,) = act.summarize(results)
    assert row["relevant_their_readout"] == pytest.approx(theirs)
    # the checkpoint's first-layer activation is the exponential
    model = keras.models.load_model(results / "cnn-2-exp" / "trial-0" / "model.keras")
    assert model.get_layer("conv1_exponential").get_config()["activation"] == "exponential"
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "1 jobs (1 already done)" in again.output
    bad = runner.invoke(app, ["experiment", "activations", "-a", "swish"])
    assert bad.exit_code == 2 and "swish" in bad.output
