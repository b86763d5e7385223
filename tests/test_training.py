"""Training, resuming, checkpoints and evaluation (run on each Keras backend)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from typer.testing import CliRunner

from deepmotif_arch.base.errors import CheckpointError, TrainingError
from deepmotif_arch.cli.main import app
from deepmotif_arch.data import datasets, synthetic
from deepmotif_arch.training import checkpoints
from deepmotif_arch.training.trainer import TrainSettings, train
from deepmotif_arch.zoo.architectures import get_spec

from .helpers import train_tiny_variants

pytestmark = pytest.mark.backend
BACKEND = keras.backend.backend()
runner = CliRunner()


def _cli(*args):
    return [sys.executable, "-m", "deepmotif_arch.cli.main", *args]


def _env():
    return {**os.environ, "KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _train_args(data_dir, out, epochs=4, trial=0):
    return ["train", "cnn-25", "--config", "tiny", "--data-dir", str(data_dir), "--epochs",
            str(epochs), "--trial", str(trial), "-o", str(out), "--quiet"]


def _weights(path: Path) -> list[np.ndarray]:
    return [np.asarray(w) for w in keras.models.load_model(path).get_weights()]


@pytest.fixture(scope="module")
def finished_run(tiny_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "cnn25"
    proc = subprocess.run(_cli(*_train_args(tiny_data_dir, out)), env=_env(),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == str(out / "model.keras")
    return out


def test_run_folder_contents(finished_run):
    assert sorted(p.name for p in finished_run.iterdir()) == ["history.csv", "model.keras",
                                                              "run.json"]
    manifest = json.loads((finished_run / "run.json").read_text())
    assert manifest["identity"]["backend"] == BACKEND
    assert manifest["dataset"] == {"name": "koo_synthetic", "config": "tiny", "version": "1.0.0"}
    assert manifest["training"]["epochs_run"] == 4 and manifest["training"]["trial"] == 0
    assert manifest["training"]["learning_rate"] == 1e-3  # the default flavor's (released)
    assert manifest["training"]["batch_size"] == 100
    assert manifest["versions"]["keras"] == keras.__version__
    assert set(manifest["test_metrics"]["per_class"]) == set(synthetic.CLASS_NAMES)
    assert manifest["wall_time_s"] > 0
    lines = (finished_run / "history.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,loss,val_loss,val_auroc") and len(lines) == 5


def test_checkpoint_carries_metadata(finished_run):
    meta = checkpoints.read_metadata(finished_run / "model.keras")
    assert meta["class_names"][:3] == ["Arid3a", "CEBPB", "FOSL1"]
    assert meta["alphabet"] == "ACGT" and meta["input_length"] == 200
    assert meta["dataset"]["version"] == "1.0.0"
    assert meta["training"]["patience"] == 20
    assert 0 <= meta["test_metrics"]["auroc"]["mean"] <= 1
    assert meta["model"]["name"] == "cnn-25"


def test_checkpoint_opens_with_plain_keras_and_rejects_wrong_input(finished_run):
    model = keras.models.load_model(finished_run / "model.keras")
    x = np.eye(4, dtype="float32")[np.random.default_rng(0).integers(0, 4, (3, 200))]
    pair = checkpoints.load_checkpoint(finished_run / "model.keras")
    np.testing.assert_allclose(checkpoints.predict(pair, x), model.predict(x, verbose=0),
                               atol=1e-6)
    with pytest.raises(CheckpointError, match="trained on 200 nt"):
        checkpoints.predict(pair, np.eye(4, dtype="float32")[np.zeros((3, 150), int)])
    with pytest.raises(CheckpointError, match="integer-encoded"):
        checkpoints.predict(pair, np.zeros((3, 200), dtype="int64"))
    with pytest.raises(CheckpointError, match="4-letter alphabet ACGT"):
        checkpoints.predict(pair, np.zeros((3, 200, 5), dtype="float32"))
    with pytest.raises(CheckpointError, match="not one-hot"):
        checkpoints.predict(pair, np.full((3, 200, 4), 0.25, dtype="float32"))


def test_kill_9_then_resume_gives_the_same_run(finished_run, tiny_data_dir, tmp_path):
    out = tmp_path / "resumed"
    proc = subprocess.Popen(_cli(*_train_args(tiny_data_dir, out)), env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    state = out / "state" / "state.json"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if state.exists() and json.loads(state.read_text())["epoch"] >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    time.sleep(0.3)  # somewhere inside the next epoch
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "model.keras").exists() and not (out / "run.json").exists()
    resumed = subprocess.run(_cli(*_train_args(tiny_data_dir, out)), env=_env(),
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    a = json.loads((finished_run / "run.json").read_text())
    b = json.loads((out / "run.json").read_text())
    assert b["resumed_from_epoch"] >= 2
    assert [r["loss"] for r in a["history"]] == [r["loss"] for r in b["history"]]
    assert [r["val_loss"] for r in a["history"]] == [r["val_loss"] for r in b["history"]]
    for wa, wb in zip(_weights(finished_run / "model.keras"), _weights(out / "model.keras")):
        np.testing.assert_array_equal(wa, wb)


def test_same_command_on_a_finished_run_does_nothing(finished_run, tiny_data_dir):
    before = (finished_run / "model.keras").stat().st_mtime_ns
    result = runner.invoke(app, _train_args(tiny_data_dir, finished_run)[:-1])
    assert result.exit_code == 0, result.output
    assert "Already complete" in result.output
    assert (finished_run / "model.keras").stat().st_mtime_ns == before


def test_output_folder_with_a_different_run(finished_run, tiny_data_dir):
    result = runner.invoke(app, _train_args(tiny_data_dir, finished_run, trial=1))
    assert result.exit_code == 2
    assert "holds a different run (trial: 0 there, 1 now)" in result.output


def test_another_trial_differs(finished_run, tiny_data_dir, tmp_path):
    spec = get_spec("cnn-25")
    result = train(TrainSettings(spec, dataset_config="tiny", data_dir=str(tiny_data_dir),
                                 epochs=1, trial=1), tmp_path / "t1")
    first = json.loads((finished_run / "run.json").read_text())["history"][0]["loss"]
    assert result.history[0].loss != first


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "cnn-26"], "did you mean"),
        (["train", "cnn-25", "--dataset", "deepsea"], "unknown data set 'deepsea'"),
        (["train", "cnn-25", "--epochs", "0"], "epochs is 0"),
        (["train", "cnn-25", "--lr", "-1"], "learning rate is -1.0"),
        (["train", "cnn-25", "--precision", "fp8"], "'fp8' is not one of"),
        (["evaluate", "/nonexistent/model.keras"], "does not exist"),
        (["evaluate", __file__], "is not a Keras checkpoint"),
    ],
)
def test_user_errors(args, needle):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output


def test_unwritable_output(tiny_data_dir, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = runner.invoke(app, _train_args(tiny_data_dir, blocker / "run", epochs=1))
    assert result.exit_code == 2 and "cannot write to the output folder" in result.output


def test_folder_with_foreign_files_is_refused(tiny_data_dir, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = runner.invoke(app, _train_args(tiny_data_dir, tmp_path, epochs=1))
    assert result.exit_code == 2 and "notes.txt" in result.output


def test_evaluate_table_and_json(finished_run, tiny_data_dir, tmp_path):
    path = finished_run / "model.keras"
    result = runner.invoke(app, ["evaluate", str(path), "--data-dir", str(tiny_data_dir),
                                 "--format", "json", "--json", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "m.json").read_text())
    manifest = json.loads((finished_run / "run.json").read_text())
    assert data["split"] == "test" and data["num_examples"] == 120
    assert data["auroc"]["mean"] == pytest.approx(manifest["test_metrics"]["auroc"]["mean"],
                                                  abs=1e-6)
    table = runner.invoke(app, ["evaluate", str(path), "--data-dir", str(tiny_data_dir),
                                "--split", "validation"], env={"COLUMNS": "150"})
    assert table.exit_code == 0 and "MEF2A" in table.output and "mean ± std" in table.output


def test_evaluate_on_a_mismatched_dataset_length(finished_run, tiny_data_dir, tmp_path):
    datasets.build("koo_synthetic", "tiny", data_dir=str(tmp_path), length=150)
    result = runner.invoke(app, ["evaluate", str(finished_run / "model.keras"), "--config",
                                 "tiny_length150", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "trained on 200 nt" in result.output


def test_nan_loss_stops_with_a_clear_error(tiny_data_dir, tmp_path, monkeypatch):
    original = datasets.SplitStream.epoch

    original_arrays = datasets.SplitStream.epoch_arrays

    def poisoned(self, *args, **kwargs):
        ds = original(self, *args, **kwargs)
        if self.split == "train" and kwargs.get("one_hot", True):
            return ds.map(lambda x, y: (x * float("nan"), y))
        return ds

    def poisoned_arrays(self, *args, **kwargs):
        x, y = original_arrays(self, *args, **kwargs)
        return (x * np.nan if self.split == "train" else x), y

    monkeypatch.setattr(datasets.SplitStream, "epoch", poisoned)
    monkeypatch.setattr(datasets.SplitStream, "epoch_arrays", poisoned_arrays)
    with pytest.raises(TrainingError, match="training diverged: the loss became nan in epoch 1"):
        train(TrainSettings(get_spec("cnn-25"), dataset_config="tiny",
                            data_dir=str(tiny_data_dir), epochs=2), tmp_path / "nan")


def test_mixed_precision_trains(tiny_data_dir, tmp_path):
    try:
        result = train(TrainSettings(get_spec("cnn-25"), dataset_config="tiny",
                                     data_dir=str(tiny_data_dir), epochs=1,
                                     precision="mixed_bfloat16"), tmp_path / "bf16")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert np.isfinite(result.history[0].loss)
    assert result.manifest["training"]["precision"] == "mixed_bfloat16"
    with zipfile.ZipFile(result.checkpoint) as archive:
        assert checkpoints.METADATA_MEMBER in archive.namelist()


def test_flavor_sets_the_optimizer_defaults():
    paper = TrainSettings(spec=get_spec("cnn-25", flavor="paper"), flavor="paper")
    assert (paper.learning_rate, paper.beta_1, paper.epsilon) == (3e-4, 0.9, 1e-7)
    released = TrainSettings(spec=get_spec("cnn-25", flavor="released"), flavor="released")
    assert (released.learning_rate, released.beta_1, released.epsilon) == (1e-3, 0.95, 1e-8)
    default = TrainSettings(spec=get_spec("cnn-25"))  # the released code's, everywhere
    assert (default.flavor, default.learning_rate, default.spec) == ("released", 1e-3,
                                                                     released.spec)
    mine = TrainSettings(spec=get_spec("cnn-25"), flavor="released", learning_rate=5e-4)
    assert mine.learning_rate == 5e-4 and mine.beta_1 == 0.95
    with pytest.raises(TrainingError, match="flavor 'tf1' is not known"):
        TrainSettings(spec=get_spec("cnn-25"), flavor="tf1")
    with pytest.raises(TrainingError, match="beta_1 is 1.5"):
        TrainSettings(spec=get_spec("cnn-25"), beta_1=1.5).validate()


def test_released_flavor_trains_with_the_released_optimizer(tiny_data_dir, tmp_path):
    out = tmp_path / "released"
    # the default flavor; the data set named as TFDS names it
    result = runner.invoke(app, ["train", "cnn-25", "--dataset", "koo_synthetic/tiny",
                                 "--data-dir", str(tiny_data_dir), "--epochs", "1", "-o",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert "(released flavor, Adam 1e-3) on koo_synthetic/tiny" in result.output
    for command in ("evaluate", "logos", "match"):  # what to run next, with the real paths
        assert f"deepmotif {command} {out / 'model.keras'} --data-dir {tiny_data_dir}" in \
            result.output
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["dataset"]["config"] == "tiny"
    training = manifest["training"]
    assert (training["learning_rate"], training["beta_1"], training["epsilon"]) == (1e-3, 0.95,
                                                                                  1e-8)
    assert training["flavor"] == "released"
    assert manifest["identity"]["spec"]["kernel_initializer"] == "glorot_uniform"
    model = keras.models.load_model(out / "model.keras")
    assert model.get_layer("conv1").get_config()["kernel_initializer"]["class_name"] == \
        "GlorotUniform"
    # the paper's text stays an option
    paper = tmp_path / "paper"
    result = runner.invoke(app, ["train", "cnn-25", "--flavor", "paper", "--config", "tiny",
                                 "--data-dir", str(tiny_data_dir), "--epochs", "1", "-o",
                                 str(paper), "--quiet"])
    assert result.exit_code == 0, result.output
    training = json.loads((paper / "run.json").read_text())["training"]
    assert (training["flavor"], training["learning_rate"], training["beta_1"]) == ("paper", 3e-4,
                                                                                  0.9)


def test_in_memory_and_streamed_feeds_both_train(tiny_data_dir, tmp_path):
    runs = train_tiny_variants(tiny_data_dir, tmp_path, "cnn-25", "in_memory", (True, False),
                               epochs=2)
    for in_memory in (True, False):
        assert runs[in_memory].manifest["training"]["in_memory"] is in_memory
        assert all(np.isfinite(r.loss) for r in runs[in_memory].history)
    # Same initial weights; different data orders give different but close first losses.
    first = [runs[m].history[0].loss for m in (True, False)]
    assert first[0] == pytest.approx(first[1], rel=0.2)
    auto = TrainSettings(get_spec("cnn-25"))
    assert auto.in_memory == "auto"


def test_dataset_name_carries_its_config_and_version(tiny_data_dir, tmp_path):
    spec = get_spec("cnn-25")
    named = TrainSettings(spec, dataset="koo_synthetic/tiny:1.0.0")
    assert (named.dataset, named.dataset_config, named.dataset_version) == \
        ("koo_synthetic", "tiny", "1.0.0")
    plain = TrainSettings(spec, dataset="koo_synthetic", dataset_config="tiny")
    assert plain.identity(BACKEND) == dict(named.identity(BACKEND), dataset_version=None)
    with pytest.raises(Exception, match="names the config 'tiny' but the config 'paper'"):
        TrainSettings(spec, dataset="koo_synthetic/tiny", dataset_config="paper")
    with pytest.raises(TrainingError, match="reads the current version of koo_synthetic"):
        train(TrainSettings(spec, dataset="koo_synthetic/tiny:0.9.0",
                            data_dir=str(tiny_data_dir), epochs=1), tmp_path / "old")
    assert not (tmp_path / "old").exists()


def _peaks(folder: Path, seed: int) -> dict[str, Path]:
    rng = np.random.default_rng(seed)
    files = {}
    for name in ("up", "down"):
        seqs = ["".join(rng.choice(list("ACGT"), 200)) for _ in range(40)]
        files[name] = folder / f"{name}.fa"
        files[name].write_text("".join(f">{name}{i}\n{s}\n" for i, s in enumerate(seqs)))
    return files


def test_a_run_does_not_resume_on_a_new_version_of_its_data(tmp_path):
    """Imported data set: importing other sequences under the same name makes a new
    version, and the run trained on the old one is not continued or reused on it."""
    from deepmotif_arch.data import userdata

    data = tmp_path / "tfds"
    userdata.import_sequences("my_peaks", data_dir=data, fasta=_peaks(tmp_path, 0),
                              fractions=(0.5, 0.25, 0.25))
    settings = TrainSettings(get_spec("cnn-25"), dataset="my_peaks", data_dir=str(data),
                             epochs=1)
    out = tmp_path / "run"
    first = train(settings, out)
    assert first.manifest["identity"]["dataset_version"] == "1.0.0"
    userdata.import_sequences("my_peaks", data_dir=data, fasta=_peaks(tmp_path, 1),
                              fractions=(0.5, 0.25, 0.25))
    with pytest.raises(TrainingError, match=r"dataset_version: '1.0.0' there, '1.1.0' now"):
        train(settings, out)
    # A run saved before the version was part of a run's identity still matches.
    legacy = json.loads((out / "run.json").read_text())
    del legacy["identity"]["dataset_version"]
    (out / "run.json").write_text(json.dumps(legacy))
    assert train(dataclasses.replace(settings, dataset_version="1.1.0"), out).already_complete
