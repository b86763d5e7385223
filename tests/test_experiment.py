"""The Table 1 sweep: planning, one real tiny sweep through the CLI, the summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deepmotif_arch.base.errors import UnknownModelError
from deepmotif_arch.cli.main import app
from deepmotif_arch.paper import experiment as ex

runner = CliRunner()


def test_table1_models_are_the_zoo_in_paper_order():
    from deepmotif_arch.zoo.architectures import PAPER_MODELS, list_models

    assert sorted(ex.TABLE1_MODELS) == sorted(PAPER_MODELS) == sorted(list_models()[:17])
    assert ex.TABLE1_MODELS[:7] == ("cnn-1", "cnn-2", "cnn-4", "cnn-10", "cnn-25", "cnn-50",
                                    "cnn-100")
    # Every (model, layer) the sweep interprets has the paper's numbers to compare with.
    for model in ex.TABLE1_MODELS:
        for layer in ("conv1", *ex.DEEPER_LAYERS.get(model, ())):
            assert (model, layer) in ex.PAPER_TABLE1


def test_plan_is_trial_major_and_accepts_paper_labels():
    jobs = ex.plan_jobs(["CNN-25", "cnn_1", "cnn-25"], trials=2)
    assert [(j.model, j.trial) for j in jobs] == [("cnn-1", 0), ("cnn-25", 0), ("cnn-1", 1),
                                                  ("cnn-25", 1)]
    assert len(ex.plan_jobs(None, 1)) == len(ex.TABLE1_MODELS)
    with pytest.raises(UnknownModelError):
        ex.plan_jobs(["cnn-7"], 1)
    with pytest.raises(ex.ExperimentError, match="trials is 0"):
        ex.plan_jobs(["cnn-25"], 0)
    with pytest.raises(ex.ExperimentError, match="backend 'mxnet'"):
        ex.choose_backend("cnn-25", "mxnet")


def _fake(model, trial, auroc, jaspar, relevant, layers=("conv1",)):
    return {"format": ex.RESULT_FORMAT_VERSION, "model": model, "label": model.upper(),
            "trial": trial,
            "test": {"auroc_mean": auroc, "auroc_sd_classes": 0.01},
            "training": {"epochs_run": 50, "best_val_loss": 0.1},
            "wall_time_s": {"training": 120.0},
            "layers": {layer: {"fraction_jaspar": jaspar, "fraction_relevant": relevant}
                       for layer in layers}}


def test_summary_statistics_and_flags():
    results = [_fake("cnn-25", 0, 0.97, 1.0, 0.9), _fake("cnn-25", 1, 0.96, 0.9, 1.0),
               _fake("cnn-1", 0, 0.80, 0.2, 0.0, layers=("conv1", "conv2"))]
    rows = ex.summarize(results)
    assert [(r["model"], r["layer"]) for r in rows] == [("cnn-1", "conv1"), ("cnn-1", "conv2"),
                                                        ("cnn-25", "conv1")]
    cnn25 = rows[2]
    assert cnn25["trials"] == 2
    assert cnn25["auroc"] == pytest.approx(0.965)
    # population sd of 0.97, 0.96 (numpy's default, as the authors' statistics script)
    assert cnn25["auroc_sd"] == pytest.approx(0.005)
    assert cnn25["relevant"] == pytest.approx(0.95)
    assert cnn25["auroc_diff"] == pytest.approx(0.965 - 0.973)
    # paper CNN-25: AU-ROC 0.973 +- 0.001 and JASPAR 0.987 +- 0.016 put 0.965 and 0.95
    # outside; relevant 0.980 +- 0.027 keeps 0.95 inside
    assert cnn25["outside"] == ["auroc", "jaspar"]
    assert rows[0]["outside"] == ["auroc"]  # 0.80 vs 0.972; 0.2 and 0.0 are within 2 sd
    assert rows[1]["jaspar"] == pytest.approx(0.2) and "jaspar" in rows[1]["outside"]
    md = ex.to_markdown(rows)
    assert "| CNN-25 ⚠ | conv1 | 2 | 0.965 ± 0.005 | 0.973 ± 0.001 | -0.008 |" in md
    # cnn-1 conv1 (auroc), cnn-1 conv2 (jaspar, relevant), cnn-25 (auroc, jaspar): 3 of 6 match
    # metrics and 2 of 2 AU-ROCs
    assert ex.outside_counts(rows) == {"match": (3, 6), "auroc": (2, 2)}
    assert "Outside the paper's mean ± 2 sd: 3 of 6 match metrics and 2 of 2 AU-ROCs" in md
    csv_text = ex.to_csv(rows)
    assert csv_text.splitlines()[0].startswith("model,label,layer,trials,auroc,")
    assert len(csv_text.splitlines()) == 4


def test_printed_precision_count_rounds_ours_as_the_paper_prints():
    # paper CNN-2: AU-ROC 0.966 +- 0.000. 0.9658 prints as 0.966 (inside once rounded,
    # outside unrounded); 0.9654 prints as 0.965 (outside both ways).
    near = ex.summarize([_fake("cnn-2", 0, 0.9658, 0.24, 0.007)])
    assert near[0]["outside"] == ["auroc"] and near[0]["outside_printed"] == []
    assert ex.outside_counts(near, "outside_printed") == {"match": (0, 2), "auroc": (0, 1)}
    far = ex.summarize([_fake("cnn-2", 0, 0.9654, 0.24, 0.007)])
    assert far[0]["outside"] == far[0]["outside_printed"] == ["auroc"]
    md = ex.to_markdown(near)
    assert "Outside the paper's mean ± 2 sd: 0 of 2 match metrics and 1 of 1 AU-ROCs" in md
    assert "rounded to 3 decimals, as the paper prints its own (a published sd of 0.000 " \
           "makes any unrounded difference count): 0 of 2 match metrics and 0 of 1 AU-ROCs." in md
    assert ex.to_csv(near).splitlines()[1].endswith(",auroc,")


def test_weak_classes_names_the_trials_that_did_not_learn_a_class(tmp_path):
    def trial(model, t, per_class, missed=()):
        r = _fake(model, t, sum(per_class.values()) / len(per_class), 0.9, 0.9)
        r["test"]["per_class_auroc"] = per_class
        r["layers"]["conv1"]["tfs_missed"] = list(missed)
        return r

    results = [
        trial("cnn-25", 0, {"Arid3a": 0.85, "SP1": 0.97, "NFYB": 0.96}),
        trial("cnn-25", 1, {"Arid3a": 0.84, "SP1": 0.77, "NFYB": 0.96}),  # SP1 not learned
        trial("cnn-100", 0, {"Arid3a": 0.80, "SP1": 0.95, "NFYB": 0.61}, missed=["NFYB"]),
        trial("cnn-50-f60", 0, {"Arid3a": 0.95, "SP1": 0.5, "NFYB": 0.5}),  # quirk: ignored
    ]
    report = ex.weak_classes(results)
    assert report["always_weak"] == ["Arid3a"]  # below 0.9 in every trial: not counted
    hit = [(t["model"], t["trial"], sorted(t["weak"]), t["no_filter"])
           for t in report["trials"] if t["weak"]]
    assert hit == [("cnn-25", 1, ["SP1"], []), ("cnn-100", 0, ["NFYB"], ["NFYB"])]
    # cnn-25 has a trial of each kind: (0.85+0.97+0.96)/3 - (0.84+0.77+0.96)/3
    assert report["shortfall"] == pytest.approx({"cnn-25": (2.78 - 2.57) / 3})
    md = ex.weak_classes_markdown(report)
    assert "2 of 3 trials. Below 0.9 in every trial of every model, and not counted: Arid3a." \
        in md
    assert "| CNN-25 | 1 | 0.857 | SP1 (0.770) | – |" in md
    assert "| CNN-100 | 0 | 0.787 | NFYB (0.610) | NFYB |" in md
    paths = ex.write_summary(ex.summarize(results), tmp_path, results)
    assert [p.name for p in paths] == ["summary.md", "summary.csv", "weak_classes.md"]
    assert "Trials with a class not learned (test AU-ROC < 0.9, Arid3a apart: below it in " \
        "every trial): 2 of 3; in the 1 model with trials of both kinds, those trials score " \
        "0.070 AU-ROC lower on average" in (tmp_path / "summary.md").read_text()
    # result files without per-class AU-ROCs: nothing to say, nothing invented
    assert ex.weak_classes([_fake("cnn-25", 0, 0.9, 0.9, 0.9)])["trials"] == []


def test_auroc_follows_val_loss_is_measured_within_models():
    def trial(model, t, auroc, loss):
        r = _fake(model, t, auroc, 0.5, 0.5)
        r["training"]["best_val_loss"] = loss
        return r

    # Within each model a lower loss goes with a higher AU-ROC, but cnn-1 has both a
    # higher loss and a higher AU-ROC than cnn-25: pooled raw values would correlate
    # positively, centred ones exactly negatively.
    results = [trial("cnn-25", 0, 0.90, 0.10), trial("cnn-25", 1, 0.80, 0.20),
               trial("cnn-1", 0, 0.99, 0.50), trial("cnn-1", 1, 0.89, 0.60),
               trial("cnn-4", 0, 0.95, 0.3)]  # one trial: no spread to compare
    rows = ex.summarize(results)
    r, n = ex.auroc_follows_val_loss(rows)
    assert n == 4 and r == pytest.approx(-1.0)
    assert "Pearson r = -1.00 over 4 trials" in ex.to_markdown(rows)
    # too few trials: no number and no sentence
    one = ex.summarize(results[:2])
    assert ex.auroc_follows_val_loss(one) is None
    assert "Pearson" not in ex.to_markdown(one)


def test_summary_rejects_foreign_result_files(tmp_path):
    bad = tmp_path / "cnn-25" / "trial-0"
    bad.mkdir(parents=True)
    (bad / "result.json").write_text("{not json")
    result = runner.invoke(app, ["experiment", "summary", "--results", str(tmp_path)])
    assert result.exit_code == 2 and "not a readable result file" in result.output
    result = runner.invoke(app, ["experiment", "summary", "--results", str(tmp_path / "none")])
    assert result.exit_code == 2 and "does not exist" in result.output


# Once, on the backend of the first pass (TensorFlow); the sweep code is backend-neutral.
def test_tiny_sweep_end_to_end_and_rerun_skips(tiny_data_dir, tmp_path):
    import keras

    backend = keras.backend.backend()
    results, runs = tmp_path / "results", tmp_path / "runs"
    args = ["experiment", "table1", "-m", "cnn-25", "-m", "cnn-1", "-n", "1", "--epochs", "1",
            "--config", "tiny", "--data-dir", str(tiny_data_dir), "--backend", backend,
            "--results", str(results), "--runs", str(runs)]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    for model, layers in (("cnn-25", {"conv1"}), ("cnn-1", {"conv1", "conv2"})):
        folder = results / model / "trial-0"
        data = json.loads((folder / "result.json").read_text())
        assert data["backend"] == backend and data["flavor"] == "released"
        assert data["training"]["learning_rate"] == 1e-3 and data["training"]["epochs_run"] == 1
        assert data["interpretation"]["preset"] == "authors"
        assert data["interpretation"]["settings"]["dist"] == "ed"
        assert set(data["layers_by_preset"]) == {"authors", "paper-text", "v0"}
        assert data["layers"] == data["layers_by_preset"]["authors"]
        # the trained checkpoint is kept beside the result, hash recorded
        from deepmotif_arch.base.io import sha256_file

        assert data["checkpoint"]["sha256"] == sha256_file(folder / "model.keras")
        assert data["dataset"]["config"] == "tiny"
        assert set(data["layers"]) == layers
        assert 0 <= data["layers"]["conv1"]["fraction_jaspar"] <= 1
        assert (folder / "conv1" / "filters_full.meme").read_text().startswith("MEME version")
        assert (runs / model / "trial-0" / "model.keras").is_file()
        assert (runs / model / "trial-0.log").is_file()
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "2 jobs (2 already done)" in again.output
    summary = runner.invoke(app, ["experiment", "summary", "--results", str(results)])
    assert summary.exit_code == 0, summary.output
    # piped: the Markdown, names whole
    assert any(line.startswith("| CNN-1") and "| conv2 |" in line
               for line in summary.output.splitlines())
    md = (results / "summary.md").read_text()
    assert "| CNN-1" in md and "| CNN-25" in md and "conv2" in md
    assert (results / "summary.csv").is_file()
    # re-reading the kept checkpoints needs no training run: delete the runs
    import shutil

    shutil.rmtree(runs)
    before = json.loads((results / "cnn-25" / "trial-0" / "result.json").read_text())
    reread = runner.invoke(app, ["experiment", "reinterpret", "--results", str(results),
                                 "--data-dir", str(tiny_data_dir), "--preset", "v0"])
    assert reread.exit_code == 0, reread.output
    assert "Re-read 2 of 2 trials" in reread.output
    after = json.loads((results / "cnn-25" / "trial-0" / "result.json").read_text())
    assert after["interpretation"]["preset"] == "v0"
    def _numbers(layers):  # everything but the seconds each read-out took
        return {k: {f: v for f, v in stats.items() if f != "seconds"}
                for k, stats in layers.items()}

    assert _numbers(after["layers"]) == _numbers(before["layers_by_preset"]["v0"])
    assert after["layers"] == after["layers_by_preset"]["v0"]
    assert after["training"] == before["training"] and after["test"] == before["test"]
    assert "dist pearson" in (results / "cnn-25" / "trial-0" / "conv1" / "tomtom.tsv").read_text()
    same = runner.invoke(app, ["experiment", "reinterpret", "--results", str(results),
                               "--data-dir", str(tiny_data_dir), "--preset", "v0"])
    assert same.exit_code == 0 and "Re-read 0 of 2 trials" in same.output
    # the ablation: one column per switch, cached per trial
    abl = runner.invoke(app, ["experiment", "ablation", "--results", str(results),
                              "--data-dir", str(tiny_data_dir)])
    assert abl.exit_code == 0, abl.output
    assert (results / "cnn-1" / "trial-0" / "ablation.json").is_file()
    text = (results / "ablation.md").read_text()
    assert "dist-pearson" in text and "| CNN-1 | conv2 | 1 |" in text
    rows = ex.ablation_rows(results)
    conv1 = next(r for r in rows if (r["model"], r["layer"]) == ("cnn-25", "conv1"))
    # the ablation's own authors column is the authors preset of the result file
    assert conv1["authors:jaspar"] == pytest.approx(
        after["layers_by_preset"]["authors"]["conv1"]["fraction_jaspar"])
    assert conv1["v0:relevant"] == pytest.approx(
        after["layers_by_preset"]["v0"]["conv1"]["fraction_relevant"])
    # a setting a trial lacks is computed alone; the ones it has stay as they are
    path = results / "cnn-25" / "trial-0" / "ablation.json"
    data = json.loads(path.read_text())
    kp21 = data["layers"].pop("kp21")
    del data["settings"]["kp21"]
    data["layers"]["authors"]["conv1"]["fraction_jaspar"] = -1.0  # would be overwritten
    path.write_text(json.dumps(data))
    seen = []
    ex.run_ablation(results, names=["kp21"], data_dir=str(tiny_data_dir),
                    on_done=lambda job, what: seen.append((job.model, what)))
    assert seen == [("cnn-1", "cached"), ("cnn-25", "computed")]
    again = json.loads(path.read_text())
    assert again["layers"]["kp21"] == kp21
    assert again["layers"]["authors"]["conv1"]["fraction_jaspar"] == -1.0
    with pytest.raises(ex.ExperimentError, match="ablation 'kp22' is not known"):
        ex.run_ablation(results, names=["kp22"])


def test_failed_job_reports_its_log(tiny_data_dir, tmp_path):
    results, runs = tmp_path / "results", tmp_path / "runs"
    # An output folder holding something else makes training refuse to start.
    (runs / "cnn-25" / "trial-0").mkdir(parents=True)
    (runs / "cnn-25" / "trial-0" / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["experiment", "table1", "-m", "cnn-25", "-n", "1", "--epochs",
                                 "1", "--config", "tiny", "--data-dir", str(tiny_data_dir),
                                 "--results", str(results), "--runs", str(runs)])
    assert result.exit_code == 1
    assert "1 job(s) failed" in result.output and "notes.txt" in result.output
    assert not (results / "cnn-25" / "trial-0" / "result.json").exists()


def test_bad_options_exit_2():
    result = runner.invoke(app, ["experiment", "table1", "-m", "cnn-7"])
    assert result.exit_code == 2 and "cnn-7" in result.output
    result = runner.invoke(app, ["experiment", "table1", "--flavor", "tf1"])
    assert result.exit_code == 2 and "--flavor 'tf1' is not known" in result.output
    result = runner.invoke(app, ["experiment", "table1", "--preset", "author"])
    assert result.exit_code == 2 and "--preset 'author' is not known" in result.output
    result = runner.invoke(app, ["experiment", "reinterpret", "--results", "/nonexistent/x"])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(app, ["experiment", "table1", "--parallel", "0", "-m", "cnn-25",
                                 "--results", "/nonexistent/x"])
    assert result.exit_code == 2


def test_quirk_models_are_cnn50_with_more_filters():
    from deepmotif_arch.zoo.architectures import get_spec

    spec = ex.experiment_spec("cnn-50-f90")
    base = get_spec("cnn-50", flavor="released")
    assert spec.filters == (90, *base.filters[1:]) and spec.pools == base.pools
    assert spec.kernels == base.kernels and spec.dense_batchnorm == base.dense_batchnorm
    assert spec.label == "CNN-50 (90)" and spec.name == "cnn-50-f90"
    jobs = ex.plan_jobs(["cnn-50-f90", "CNN-25"], 1)
    assert [j.model for j in jobs] == ["cnn-25", "cnn-50-f90"]
    rows = ex.summarize([_fake("cnn-50-f60", 0, 0.97, 0.9, 0.8)])
    assert rows[0]["quirk"] and rows[0]["paper_jaspar"] == 0.973  # the CNN-25 (60) row
    assert ex.outside_counts(rows) == {"match": (0, 0), "auroc": (0, 0)}


def test_one_sweep_per_results_folder(tmp_path):
    import subprocess
    import sys

    results = tmp_path / "results"
    results.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom deepmotif_arch.base.locking import "
         "lock_folder\nlock = lock_folder(sys.argv[1], holder='x', hint='y')\n"
         "print('locked', flush=True)\ntime.sleep(300)\n", str(results)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = runner.invoke(app, ["experiment", "table1", "-m", "cnn-25", "-n", "1",
                                     "--results", str(results), "--runs", str(tmp_path / "r")])
        assert result.exit_code == 2, result.output
        assert f"is in use by another `deepmotif experiment table1` (PID {holder.pid})" in \
            " ".join(result.output.split())
        assert not (tmp_path / "r").exists()
    finally:
        holder.kill()
        holder.wait()


def test_jobs_run_in_a_worker_module_of_their_own():
    settings = ex.SweepSettings(results="r", runs="u", epochs=3, patience=4)
    cmd = ex.job_command(ex.Job("cnn-25", 2), settings)
    assert cmd[1:5] == ["-m", "deepmotif_arch.paper.worker", "cnn-25", "2"]
    assert json.loads(cmd[5]) == {"results": "r", "runs": "u", "flavor": "released",
                                  "data_dir": None, "config": None, "epochs": 3,
                                  "patience": 4, "preset": "authors", "backend": "auto",
                                  "parallel": 1}
    assert ex.SweepSettings.from_dict(json.loads(cmd[5])) == settings
    proc = subprocess.run([sys.executable, "-m", "deepmotif_arch.paper.worker", "cnn-26", "0",
                           "{}"], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": "jax"})
    assert proc.returncode == 1, proc.stderr
    assert "cnn-26" in proc.stderr and "Traceback" not in proc.stderr


def test_one_rule_chooses_the_best_trial():
    from deepmotif_arch.paper import figures, release

    def trial(n, loss):
        return {"model": "cnn-2", "trial": n, "training": {"best_val_loss": loss}, "test": {}}

    assert ex.choose_trial([trial(0, 0.3), trial(2, 0.2), trial(1, 0.2)]).trial == 1
    assert ex.choose_trial([trial(0, float("nan")), trial(1, 0.5)]).trial == 1
    with pytest.raises(ex.ExperimentError, match="records a validation loss"):
        ex.choose_trial([trial(0, float("inf")), trial(1, None)])
    assert release.choose_trial is ex.choose_trial
    results = [trial(0, float("nan")), trial(1, 0.4)]
    assert figures._choose_trials(results, Path("r"), ["cnn-2"], None) == \
        [("cnn-2", Path("r") / "cnn-2" / "trial-1")]
    assert figures._choose_trials([trial(0, float("nan"))], Path("r"), ["cnn-2"], None) == []


def test_sweep_settings_are_one_object_validated_once():
    settings = ex.sweep_settings(results="r", epochs=2)
    assert settings.results == Path("r") and settings.epochs == 2 and settings.patience == 20
    assert ex.sweep_settings(settings, preset="v0").preset == "v0"
    for options, needle in (({"flavor": "tf1"}, "flavor 'tf1' is not known"),
                            ({"preset": "mine"}, "preset 'mine' is not known"),
                            ({"epochs": 0}, "epochs is 0"),
                            ({"parallel": True}, "parallel is True"),
                            ({"backend": "mxnet"}, "backend 'mxnet' is not known")):
        with pytest.raises(ex.ExperimentError, match=needle):
            ex.sweep_settings(**options)
    with pytest.raises(TypeError, match="'epoch'"):
        ex.sweep_settings(epoch=3)
    with pytest.raises(ex.ExperimentError, match="'epoch'"):
        ex.SweepSettings.from_dict({"epoch": 3})


def test_result_files_are_typed_records_written_and_read_alike(tmp_path):
    """Every committed result.json reads as a TrialResult and writes back the same JSON."""
    from deepmotif_arch.base.errors import ResultFileError
    from deepmotif_arch.paper.records import TrialResult

    root = Path(__file__).resolve().parents[1] / "results" / "table1"
    paths = sorted(root.glob("*/trial-*/result.json"))
    assert paths, "the committed Table 1 results"
    for path in paths:
        data = json.loads(path.read_text())
        record = TrialResult.from_dict(data, path)
        assert record.to_dict() == data and list(record.to_dict()) == list(data), path
        assert record.best_val_loss == data["training"]["best_val_loss"]
    loaded = ex.load_results(root)
    assert all(isinstance(r, TrialResult) for r in loaded) and len(loaded) == len(paths)
    with pytest.raises(ResultFileError, match=r"bad.json has no 'trial'"):
        TrialResult.from_dict({"model": "cnn-2", "training": {}}, "bad.json")
    with pytest.raises(ResultFileError, match=r"records trial 'x'"):
        TrialResult.from_dict({"model": "cnn-2", "trial": "x"}, "bad.json")
    broken = tmp_path / "cnn-2" / "trial-0"
    broken.mkdir(parents=True)
    (broken / "result.json").write_text(json.dumps({"format": 3, "model": "cnn-2"}))
    with pytest.raises(ex.ExperimentError, match="has no 'trial'"):
        ex.load_results(tmp_path)
