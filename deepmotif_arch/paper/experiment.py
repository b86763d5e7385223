"""The paper's synthetic experiment (Table 1) as a resumable sweep of result files.

``deepmotif experiment table1`` trains every architecture of Table 1 for a number of
trials, evaluates it on the test split and matches its filters against JASPAR 2016,
writing one folder per (model, trial) when that job is complete::

    results/table1/<model>/trial-<N>/result.json    metrics, matches, times, versions
    results/table1/<model>/trial-<N>/model.keras    the trained checkpoint (kept, so any
                                                    later re-analysis needs no training)
    results/table1/<model>/trial-<N>/<layer>/       filters.meme, filters_full.meme,
                                                    tomtom.tsv, matches.json, stats.json

``result.json`` is written last (atomically), so a folder without it is unfinished.
Training itself lives under ``runs/table1/<model>/trial-<N>/`` (see
:mod:`deepmotif_arch.training.trainer`) and resumes from its last completed epoch, so the sweep
can be interrupted at any point and spread over several sittings or machines: rerunning
skips finished jobs and resumes the rest.

``deepmotif experiment summary`` (:func:`summarize`) turns the result files into Table
1's columns beside the paper's values.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deepmotif_arch.base.errors import DeepMotifError
from deepmotif_arch.base.io import atomic_copy, atomic_write_text, json_default, sha256_file
from deepmotif_arch.base.text import mean_sd
from deepmotif_arch.paper.records import RESULT_FORMAT_VERSION, TrialResult, as_record
from deepmotif_arch.zoo.architectures import get_spec, resolve_name

__all__ = ["TABLE1_MODELS", "DEEPER_LAYERS", "PAPER_TABLE1", "FASTEST_BACKEND", "Job",
           "SweepSettings", "sweep_settings",
           "ExperimentError", "plan_jobs", "run_job", "run_sweep", "load_results",
           "summarize", "write_summary", "weak_classes", "choose_trial", "RESULT_FORMAT_VERSION"]


#: Table 1's rows in the paper's order (canonical zoo names).
TABLE1_MODELS: tuple[str, ...] = (
    "cnn-1", "cnn-2", "cnn-4", "cnn-10", "cnn-25", "cnn-50", "cnn-100", "cnn9-4", "cnn9-25",
    "cnn3-50", "cnn3-2", "cnn-50-2", "cnn19-1-2", "cnn-25-f60", "cnn-25-f90", "cnn-25-f120",
    "cnn-1-1-100",
)

#: Models outside Table 1 that test one of its quirks: the authors' Tomtom script scored
#: the "CNN-25 (60/90/120)" rows from files named ``cnn_50_<filters>`` (PAPER_FACTS
#: section 5), so these are CNN-50 with 60, 90 and 120 first-layer filters. Run them with
#: ``deepmotif experiment table1 --models cnn-50-f60 ...``; they compare with the
#: "CNN-25 (N)" rows of the paper.
QUIRK_MODELS: dict[str, tuple[str, int, str]] = {
    "cnn-50-f60": ("cnn-50", 60, "cnn-25-f60"),
    "cnn-50-f90": ("cnn-50", 90, "cnn-25-f90"),
    "cnn-50-f120": ("cnn-50", 120, "cnn-25-f120"),
}

#: Layers interpreted besides ``conv1`` (the paper's deeper-layer analyses; only
#: layers with no pooling before them can be aligned to the input).
DEEPER_LAYERS: dict[str, tuple[str, ...]] = {"cnn-1": ("conv2",),
                                             "cnn-1-1-100": ("conv2", "conv3")}

#: The paper's values, (mean, sd), keyed by (model, layer): Table 1 plus the deeper-layer
#: numbers of the Results text. AU-ROC is the mean over the 12 classes; its caption calls
#: the error the sd across classes, but the released table script
#: (print_performance_table / 3_match_statistics_synthetic.py) takes the sd over trials of
#: that mean, as it does for the match fractions. Ours are sd over trials too.
PAPER_TABLE1: dict[tuple[str, str], dict[str, tuple[float, float] | None]] = {
    ("cnn-1", "conv1"): {"auroc": (0.972, 0.001), "jaspar": (0.240, 0.083),
                         "relevant": (0.007, 0.013)},
    ("cnn-2", "conv1"): {"auroc": (0.966, 0.000), "jaspar": (0.240, 0.071),
                         "relevant": (0.007, 0.013)},
    ("cnn-4", "conv1"): {"auroc": (0.955, 0.002), "jaspar": (0.453, 0.131),
                         "relevant": (0.127, 0.080)},
    ("cnn-10", "conv1"): {"auroc": (0.964, 0.007), "jaspar": (0.987, 0.016),
                          "relevant": (0.973, 0.033)},
    ("cnn-25", "conv1"): {"auroc": (0.973, 0.001), "jaspar": (0.987, 0.016),
                          "relevant": (0.980, 0.027)},
    ("cnn-50", "conv1"): {"auroc": (0.961, 0.011), "jaspar": (0.933, 0.037),
                          "relevant": (0.920, 0.045)},
    ("cnn-100", "conv1"): {"auroc": (0.958, 0.012), "jaspar": (0.887, 0.034),
                           "relevant": (0.880, 0.034)},
    ("cnn9-4", "conv1"): {"auroc": (0.954, 0.002), "jaspar": (0.260, 0.039),
                          "relevant": (0.033, 0.030)},
    ("cnn9-25", "conv1"): {"auroc": (0.958, 0.008), "jaspar": (0.993, 0.013),
                           "relevant": (0.980, 0.016)},
    ("cnn3-50", "conv1"): {"auroc": (0.648, 0.008), "jaspar": (0.160, 0.049),
                           "relevant": (0.000, 0.000)},
    ("cnn3-2", "conv1"): {"auroc": (0.968, 0.001), "jaspar": (0.233, 0.067),
                          "relevant": (0.000, 0.000)},
    ("cnn-50-2", "conv1"): {"auroc": (0.921, 0.012), "jaspar": (0.913, 0.050),
                            "relevant": (0.893, 0.044)},
    ("cnn19-1-2", "conv1"): {"auroc": (0.969, 0.002), "jaspar": (0.867, 0.056),
                             "relevant": (0.747, 0.096)},
    ("cnn-25-f60", "conv1"): {"auroc": (0.972, 0.001), "jaspar": (0.973, 0.013),
                              "relevant": (0.960, 0.023)},
    ("cnn-25-f90", "conv1"): {"auroc": (0.968, 0.001), "jaspar": (0.940, 0.023),
                              "relevant": (0.909, 0.028)},
    ("cnn-25-f120", "conv1"): {"auroc": (0.963, 0.001), "jaspar": (0.933, 0.015),
                               "relevant": (0.887, 0.025)},
    ("cnn-1", "conv2"): {"auroc": None, "jaspar": (0.900, 0.024), "relevant": (0.847, 0.021)},
    ("cnn-1-1-100", "conv1"): {"auroc": None, "jaspar": (0.147, 0.045),
                               "relevant": (0.000, 0.000)},
    ("cnn-1-1-100", "conv2"): {"auroc": None, "jaspar": (0.192, 0.022),
                               "relevant": (0.006, 0.006)},
    ("cnn-1-1-100", "conv3"): {"auroc": None, "jaspar": (0.927, 0.020),
                               "relevant": (0.891, 0.030)},
}

#: Backend used per model on CPU when ``--backend auto``: JAX was the fastest for both
#: models timed in benchmarks/bench_training.py (cnn-25 and cnn-1, the two extremes
#: of first-layer pooling); the other models sit between them.
FASTEST_BACKEND: dict[str, str] = {name: "jax" for name in TABLE1_MODELS}

BACKENDS = ("jax", "tensorflow", "torch")

#: Interpretation presets (deepmotif_arch.interpretation.presets) scored for every trial;
#: the first one (unless another is chosen) fills ``layers`` and writes the layer folders.
RESULT_PRESETS = ("authors", "paper-text", "v0")
METRICS = ("auroc", "jaspar", "relevant")


class ExperimentError(DeepMotifError):
    """Bad experiment options or result files."""


@dataclass(frozen=True)
class Job:
    """One (model, trial) of the sweep."""

    model: str
    trial: int

    def result_dir(self, results: Path) -> Path:
        return Path(results) / self.model / f"trial-{self.trial}"

    def run_dir(self, runs: Path) -> Path:
        return Path(runs) / self.model / f"trial-{self.trial}"

    def is_done(self, results: Path) -> bool:
        """A result file of the current format and its checkpoint exist (older ones are
        recomputed: format 2 kept no checkpoint)."""
        path = self.result_dir(results) / "result.json"
        if not path.is_file() or not (self.result_dir(results) / CHECKPOINT_NAME).is_file():
            return False
        try:
            return json.loads(path.read_text()).get("format") == RESULT_FORMAT_VERSION
        except (OSError, json.JSONDecodeError):
            return False


_ORDER = (*TABLE1_MODELS, *QUIRK_MODELS)


def check_models(models: Sequence[str] | None) -> list[str]:
    """Canonical names of ``models`` (default: all of Table 1), in the paper's order
    (the :data:`QUIRK_MODELS` after them)."""
    if not models:
        return list(TABLE1_MODELS)
    names = []
    for m in models:
        name = str(m).strip().lower() if str(m).strip().lower() in QUIRK_MODELS \
            else resolve_name(m)  # UnknownModelError names close matches
        if name not in _ORDER:
            raise ExperimentError(f"{m!r} is not a model of Table 1; use one of "
                                  f"{', '.join(_ORDER)}.")
        if name not in names:
            names.append(name)
    return sorted(names, key=_ORDER.index)


def sweep_model(name: str) -> str:
    """The canonical name of any model a sweep job may train: a zoo row or activation
    variant (``cnn-2-sigmoid``), or a :data:`QUIRK_MODELS` name."""
    key = str(name).strip().lower()
    return key if key in QUIRK_MODELS else resolve_name(name)


def experiment_spec(model: str, flavor: str = "released"):
    """The architecture of a sweep model: a zoo model, or a :data:`QUIRK_MODELS` one."""
    if model in QUIRK_MODELS:
        base, filters, _ = QUIRK_MODELS[model]
        import dataclasses

        spec = get_spec(base, flavor=flavor)
        spec = spec.derive(filters=[filters, *spec.filters[1:]], name=model)
        return dataclasses.replace(spec, label=f"CNN-50 ({filters})")
    return get_spec(model, flavor=flavor)


def plan_jobs(models: Sequence[str] | None = None, trials: int = 5) -> list[Job]:
    """Every (model, trial), trial-major so a partial sweep covers every model first."""
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ExperimentError(f"trials is {trials!r}; it must be a positive integer such as 5.")
    names = check_models(models)
    return [Job(m, t) for t in range(trials) for m in names]


def choose_backend(model: str, backend: str) -> str:
    if backend == "auto":
        return FASTEST_BACKEND.get(model, "jax")
    if backend not in BACKENDS:
        raise ExperimentError(f"backend {backend!r} is not known; use auto or one of "
                              f"{', '.join(BACKENDS)}.")
    return backend


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SweepSettings:
    """How every job of a sweep is trained, kept and interpreted: one object, validated once.

    Attributes
    ----------
    results, runs : path
        Result folders (``<results>/<model>/trial-<N>/``, committed) and training run
        folders (``<runs>/<model>/trial-<N>/``, for resuming).
    flavor : str
        ``released`` (the authors' code, default) or ``paper`` (the paper's text).
    data_dir, config : str or None
        TFDS data folder and koo_synthetic config (None: ``~/tensorflow_datasets``, paper).
    epochs, patience : int
        100 and 20, as the paper.
    preset : str
        Interpretation preset whose numbers fill ``layers`` (every preset of
        :data:`RESULT_PRESETS` is scored).
    backend : str
        ``auto`` (the fastest per model on CPU, :data:`FASTEST_BACKEND`) or a Keras backend.
    parallel : int
        Jobs at a time.
    """

    results: Path = Path("results/table1")
    runs: Path = Path("runs/table1")
    flavor: str = "released"
    data_dir: str | None = None
    config: str | None = None
    epochs: int = 100
    patience: int = 20
    preset: str = "authors"
    backend: str = "auto"
    parallel: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "results", Path(self.results))
        object.__setattr__(self, "runs", Path(self.runs))
        for name in ("data_dir", "config"):
            value = getattr(self, name)
            object.__setattr__(self, name, str(value) if value else None)

    def validate(self) -> SweepSettings:
        """Raise :class:`ExperimentError` for a bad value; return self."""
        from deepmotif_arch.interpretation.presets import PRESETS
        from deepmotif_arch.zoo.architectures import FLAVORS

        if self.flavor not in FLAVORS:
            raise ExperimentError(f"flavor {self.flavor!r} is not known; use one of "
                                  f"{', '.join(FLAVORS)}.")
        if self.preset not in PRESETS:
            raise ExperimentError(f"preset {self.preset!r} is not known; use one of "
                                  f"{', '.join(PRESETS)}.")
        for name in ("epochs", "patience", "parallel"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ExperimentError(f"{name} is {value!r}; it must be a positive integer.")
        if self.backend != "auto":
            choose_backend("", self.backend)
        return self

    def replace(self, **changes) -> SweepSettings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain JSON data (paths as text); :meth:`from_dict` reads it back."""
        return {f.name: (str(v) if isinstance(v, Path) else v)
                for f in dataclasses.fields(self) for v in [getattr(self, f.name)]}

    @classmethod
    def from_dict(cls, data: dict) -> SweepSettings:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ExperimentError(f"sweep settings hold {unknown[0]!r}, which is not one of "
                                  f"{', '.join(sorted(names))}.")
        return cls(**data)


def sweep_settings(settings: SweepSettings | None = None, **options) -> SweepSettings:
    """``settings`` (default :class:`SweepSettings`) with ``options`` over it, validated."""
    base = settings if settings is not None else SweepSettings()
    if not isinstance(base, SweepSettings):
        raise TypeError(f"settings must be a SweepSettings, not {type(base).__name__}")
    names = {f.name for f in dataclasses.fields(SweepSettings)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
    return (base.replace(**options) if options else base).validate()


# --------------------------------------------------------------------------- one job


def run_job(job: Job, settings: SweepSettings | None = None, *,
            on_epoch: Callable | None = None, **options) -> TrialResult:
    """Train, evaluate and interpret one (model, trial) in this process; write its result.

    ``settings`` (:class:`SweepSettings`; keyword ``options`` change its fields) says
    where results and runs go and how the job is trained and interpreted.

    Returns the result (also written to ``<results>/<model>/trial-<N>/result.json``).
    A finished job is not rerun: its stored result is returned. The trained checkpoint is
    kept as ``model.keras`` beside the result, and the filters are interpreted with
    :func:`interpret_result` (every preset of :data:`RESULT_PRESETS`; ``layers`` holds
    ``preset``'s numbers and its files are written).
    """
    import keras

    from deepmotif_arch.training.trainer import TrainSettings, train

    sweep = sweep_settings(settings, **options)
    results, runs, flavor = sweep.results, sweep.runs, sweep.flavor
    out = job.result_dir(results)
    if job.is_done(results):
        path = out / "result.json"
        return TrialResult.from_dict(json.loads(path.read_text()), path)
    spec = experiment_spec(job.model, flavor=flavor)
    training = TrainSettings(spec=spec, data_dir=sweep.data_dir, dataset_config=sweep.config,
                             epochs=sweep.epochs, patience=sweep.patience, trial=job.trial,
                             flavor=flavor)
    training.validate()
    started = time.time()
    run = train(training, job.run_dir(runs), on_epoch=on_epoch,
                command=f"deepmotif experiment table1 --models {job.model}")
    manifest = run.manifest
    out.mkdir(parents=True, exist_ok=True)
    kept = atomic_copy(run.checkpoint, out / CHECKPOINT_NAME)
    metrics = manifest.get("test_metrics") or {}
    per_class_auroc = {k: v["auroc"] for k, v in (metrics.get("per_class") or {}).items()}
    result = TrialResult(
        model=job.model,
        label=spec.label,
        trial=job.trial,
        flavor=flavor,
        backend=keras.backend.backend(),
        dataset=manifest.get("dataset") or {},
        training={k: manifest["training"].get(k) for k in (
            "epochs_run", "best_epoch", "best_val_loss", "stopped_early", "learning_rate",
            "beta_1", "epsilon", "batch_size", "patience")},
        test={
            "auroc_mean": (metrics.get("auroc") or {}).get("mean"),
            "auroc_sd_classes": (metrics.get("auroc") or {}).get("std"),
            "aupr_mean": (metrics.get("aupr") or {}).get("mean"),
            "per_class_auroc": per_class_auroc,
            "per_class_aupr": {k: v["aupr"] for k, v in (metrics.get("per_class") or {}).items()},
        },
        wall_time_s={"training": manifest.get("wall_time_s"),
                     "this_sitting": round(time.time() - started, 1)},
        checkpoint={"path": CHECKPOINT_NAME, "sha256": sha256_file(kept),
                    "run": str(run.checkpoint)},
        machine={"platform": platform.platform(), "cpus": os.cpu_count()},
        versions=manifest.get("versions") or {},
    )
    result = interpret_result(job.model, out, result, preset=sweep.preset,
                              data_dir=sweep.data_dir)
    atomic_write_text(out / "result.json",
                      json.dumps(result.to_dict(), indent=2, default=json_default) + "\n")
    return result


def interpret_result(model: str, out: Path, result: TrialResult | dict, *,
                     preset: str = "authors", data_dir: str | None = None) -> TrialResult:
    """Interpret the kept checkpoint of one trial with every preset; return the result
    with ``interpretation``, ``layers`` (``preset``'s numbers) and ``layers_by_preset``
    filled in, and ``preset``'s files written to ``out/<layer>/``.

    Only interpretation runs: this is how committed checkpoints are re-read after a
    change of read-out or database (``deepmotif experiment reinterpret``).
    """
    from deepmotif_arch.interpretation.interpret import interpret_settings, write_interpretation
    from deepmotif_arch.interpretation.presets import PRESETS

    if preset not in PRESETS:
        raise ExperimentError(f"interpretation preset {preset!r} is not known; use one of "
                              f"{', '.join(PRESETS)}.")
    out = Path(out)
    names = (preset, *(p for p in RESULT_PRESETS if p != preset))
    layers = ("conv1", *DEEPER_LAYERS.get(model, ()))
    tick = time.time()
    interps = interpret_settings(out / CHECKPOINT_NAME, {n: PRESETS[n] for n in names},
                                 layers=layers, data_dir=data_dir)
    for layer in layers:
        write_interpretation(interps[preset][layer], out / layer, formats=("png",), grid=False,
                             ground_truth=False)
    by_preset = {n: {layer: _layer_stats(interp, sum(interp.timings.values()))
                     for layer, interp in interps[n].items()} for n in names}
    result = as_record(result)
    extra = {k: v for k, v in result.extra.items()  # keys of older formats
             if k not in ("interpretation_variant", "layers_by_variant")}
    return result.replace(
        interpretation={"preset": preset, "settings": PRESETS[preset].to_dict(),
                        "seconds": round(time.time() - tick, 1)},
        layers=by_preset[preset], layers_by_preset=by_preset, extra=extra)


#: File name of a trial's kept checkpoint inside its result folder.
CHECKPOINT_NAME = "model.keras"


def _layer_stats(interp, seconds: float) -> dict:
    stats = interp.report.statistics()
    return {
        "num_filters": stats["num_filters"],
        "num_silent": stats["num_silent"],
        "fraction_jaspar": stats["fraction_matched"],
        "fraction_relevant": stats["fraction_relevant"],
        "tfs_covered": stats["tfs_covered"],
        "tfs_missed": stats["tfs_missed"],
        "ground_truth_similarity": (stats.get("ground_truth_similarity") or {}).get(
            "mean_over_active_filters"),
        "seconds": round(seconds, 2),
    }


# --------------------------------------------------------------------------- re-reading


def finished_trials(results: str | os.PathLike = "results/table1",
                    models: Sequence[str] | None = None) -> list[tuple[Job, Path]]:
    """(job, result folder) of every trial with a current result file and its checkpoint."""
    root = Path(results)
    if not root.is_dir():
        raise ExperimentError(f"{root} does not exist; run `deepmotif experiment table1` "
                              "first or give the folder with --results.")
    wanted = set(check_models(models)) if models else None
    out = []
    for path in sorted(root.glob("*/trial-*/result.json")):
        model, trial = path.parent.parent.name, path.parent.name[len("trial-"):]
        if not trial.isdigit() or (wanted is not None and model not in wanted):
            continue
        job = Job(model, int(trial))
        if job.is_done(root):
            out.append((job, path.parent))
    return sorted(out, key=lambda item: (_ORDER.index(item[0].model)
                                         if item[0].model in _ORDER else len(_ORDER),
                                         item[0].trial))


def reinterpret(results: str | os.PathLike = "results/table1", *,
                models: Sequence[str] | None = None, preset: str = "authors",
                data_dir: str | None = None, force: bool = False,
                on_done: Callable[[Job, dict | None, str], None] | None = None) -> int:
    """Re-read the kept checkpoints of finished trials without training.

    Rewrites each ``result.json`` (training and test metrics kept) and the layer folders
    with :func:`interpret_result`. A trial already interpreted with ``preset``'s current
    settings is skipped unless ``force``. The checkpoint's SHA-256 is checked against
    the one recorded at training time. Returns the number of trials re-read.
    """
    from deepmotif_arch.interpretation.presets import PRESETS

    if preset not in PRESETS:
        raise ExperimentError(f"interpretation preset {preset!r} is not known; use one of "
                              f"{', '.join(PRESETS)}.")
    done = 0
    for job, folder in finished_trials(results, models):
        path = folder / "result.json"
        result = TrialResult.from_dict(json.loads(path.read_text()), path)
        current = result.interpretation
        if not force and current.get("preset") == preset \
                and current.get("settings") == PRESETS[preset].to_dict() \
                and set(result.layers_by_preset) >= set(RESULT_PRESETS):
            if on_done is not None:
                on_done(job, None, "up to date")
            continue
        recorded = result.checkpoint.get("sha256")
        if recorded and sha256_file(folder / CHECKPOINT_NAME) != recorded:
            raise ExperimentError(f"{folder / CHECKPOINT_NAME} does not have the SHA-256 its "
                                  "result.json recorded; retrain that trial (delete the "
                                  "folder and rerun `deepmotif experiment table1`).")
        result = interpret_result(job.model, folder, result, preset=preset, data_dir=data_dir)
        atomic_write_text(path, json.dumps(result.to_dict(), indent=2, default=json_default)
                          + "\n")
        done += 1
        if on_done is not None:
            on_done(job, result, "re-read")
    return done


ABLATION_FILE = "ablation.json"


def _ablation_settings() -> dict:
    from deepmotif_arch.interpretation.presets import ABLATION, PRESETS

    out = {}
    for name, _, change in ABLATION:
        change = dict(change)
        base = PRESETS[change.pop("preset", "authors")]
        out[name] = base.replace(**change)
    return out


def run_ablation(results: str | os.PathLike = "results/table1", *,
                 models: Sequence[str] | None = None, data_dir: str | None = None,
                 names: Sequence[str] | None = None,
                 on_done: Callable[[Job, str], None] | None = None) -> list[dict]:
    """Every trial's match fractions under each one-switch departure from the authors'
    pipeline (:data:`deepmotif_arch.interpretation.presets.ABLATION`; ``names`` picks some),
    cached per trial and per setting in ``ablation.json`` beside its result: a rerun
    computes only the settings a trial lacks or whose definition changed.
    Returns the rows of :func:`ablation_rows`."""
    score_ablation(results, models=models, data_dir=data_dir, names=names, on_done=on_done)
    return ablation_rows(results)


def score_ablation(results: str | os.PathLike = "results/table1", *,
                   models: Sequence[str] | None = None, data_dir: str | None = None,
                   names: Sequence[str] | None = None,
                   on_done: Callable[[Job, str], None] | None = None) -> None:
    """The scoring half of :func:`run_ablation`: fill each finished trial's
    ``ablation.json``, without building the table."""
    from deepmotif_arch.interpretation.interpret import interpret_settings

    settings = _ablation_settings()
    if names is not None:
        unknown = [n for n in names if n not in settings]
        if unknown:
            raise ExperimentError(f"ablation {unknown[0]!r} is not known; use one of "
                                  f"{', '.join(settings)}.")
        settings = {n: settings[n] for n in names}
    key = {name: item.to_dict() for name, item in settings.items()}
    for job, folder in finished_trials(results, models):
        path = folder / ABLATION_FILE
        data: dict = {"settings": {}, "layers": {}}
        if path.is_file():
            try:
                data = json.loads(path.read_text())
                data.setdefault("settings", {})
                data.setdefault("layers", {})
            except (OSError, json.JSONDecodeError):
                data = {"settings": {}, "layers": {}}
        todo = {n: item for n, item in settings.items()
                if data["settings"].get(n) != key[n] or n not in data["layers"]}
        if not todo:
            if on_done is not None:
                on_done(job, "cached")
            continue
        layers = ("conv1", *DEEPER_LAYERS.get(job.model, ()))
        interps = interpret_settings(folder / CHECKPOINT_NAME, todo, layers=layers,
                                     data_dir=data_dir)
        for name, by_layer in interps.items():
            data["settings"][name] = key[name]
            data["layers"][name] = {
                layer: {"fraction_jaspar": i.report.fraction_matched,
                        "fraction_relevant": i.report.fraction_relevant}
                for layer, i in by_layer.items()}
        atomic_write_text(path, json.dumps(data, indent=2, default=json_default) + "\n")
        if on_done is not None:
            on_done(job, "computed")


def ablation_rows(results: str | os.PathLike = "results/table1") -> list[dict]:
    """Per (model, layer): the mean match fractions over trials under each ablation."""
    from deepmotif_arch.interpretation.presets import ABLATION

    by_row: dict[tuple[str, str], dict[str, dict[str, list[float]]]] = {}
    counts: dict[tuple[str, str], int] = {}
    for job, folder in finished_trials(results):
        path = folder / ABLATION_FILE
        if not path.is_file():
            continue
        data = json.loads(path.read_text())
        for name, by_layer in data["layers"].items():
            for layer, stats in by_layer.items():
                cell = by_row.setdefault((job.model, layer), {}).setdefault(
                    name, {"jaspar": [], "relevant": []})
                cell["jaspar"].append(stats["fraction_jaspar"])
                cell["relevant"].append(stats["fraction_relevant"])
        for layer in data["layers"].get("authors", {}):
            counts[(job.model, layer)] = counts.get((job.model, layer), 0) + 1
    rows = []
    for (model, layer), cells in sorted(by_row.items(), key=lambda kv: (
            _ORDER.index(kv[0][0]) if kv[0][0] in _ORDER else len(_ORDER), kv[0][1])):
        paper = PAPER_TABLE1.get((QUIRK_MODELS[model][2] if model in QUIRK_MODELS else model,
                                  layer), {})
        row = {"model": model, "layer": layer, "trials": counts.get((model, layer), 0)}
        for name, _, _ in ABLATION:
            for metric in ("jaspar", "relevant"):
                vals = (cells.get(name) or {}).get(metric) or []
                row[f"{name}:{metric}"] = mean_and_sd(vals)[0]
        for metric in ("jaspar", "relevant"):
            ref = paper.get(metric)
            row[f"paper:{metric}"] = ref
        rows.append(row)
    return rows


def ablation_markdown(rows: Sequence[dict]) -> str:
    """The ablation as Markdown: one table per metric, a column per switch."""
    from deepmotif_arch.interpretation.presets import ABLATION

    parts = []
    for metric, title in (("jaspar", "% match (JASPAR)"), ("relevant", "% match (relevant)")):
        head = ["Model", "Layer", "n", "paper", *[name for name, _, _ in ABLATION]]
        lines = [f"### {title}", "", "| " + " | ".join(head) + " |",
                 "|" + "---|" * len(head)]
        for r in rows:
            ref = r[f"paper:{metric}"]
            base = r[f"authors:{metric}"]
            cells = [_label(r["model"]), r["layer"], str(r["trials"]),
                     mean_sd(*ref) if ref else "–"]
            for name, _, _ in ABLATION:
                value = r[f"{name}:{metric}"]
                if value is None:
                    cells.append("–")
                    continue
                text = f"{value:.3f}"
                if name != "authors" and base is not None:
                    text += f" ({value - base:+.3f})"
                if ref and abs(value - ref[0]) > 2 * ref[1] + 1e-12:
                    text += " ⚠"
                cells.append(text)
            lines.append("| " + " | ".join(cells) + " |")
        parts.append("\n".join(lines))
    legend = ["", "Columns: " + "; ".join(f"`{name}`: {what}" for name, what, _ in ABLATION)
              + ". Cells: mean over the trials (n) and, in brackets, the change from "
              "`authors`. ⚠: outside the paper's mean ± 2 sd."]
    return "\n\n".join(parts) + "\n" + "\n".join(legend) + "\n"


def _label(model: str) -> str:
    if model in QUIRK_MODELS:
        return f"CNN-50 ({QUIRK_MODELS[model][1]})"
    try:
        return get_spec(model).label or model
    except Exception:  # noqa: BLE001 - a folder name that is not a zoo model
        return model


# --------------------------------------------------------------------------- the sweep


def job_command(job: Job, settings: SweepSettings) -> list[str]:
    """The command that runs one job in a fresh process (:mod:`deepmotif_arch.paper.worker`)."""
    return [sys.executable, "-m", "deepmotif_arch.paper.worker", job.model, str(job.trial),
            json.dumps(settings.to_dict())]


def run_sweep(jobs: Sequence[Job], settings: SweepSettings | None = None, *,
              on_done: Callable[[Job, TrialResult | None, str | None], None] | None = None,
              on_start: Callable[[Job, str], None] | None = None,
              **options) -> dict[Job, str]:
    """Run the jobs not yet done, ``settings.parallel`` at a time, each in its own process.

    ``settings`` is a :class:`SweepSettings` (keyword ``options`` change its fields).
    Each job's output goes to ``<runs>/<model>/trial-<N>.log``. Returns the status
    of every job: ``done`` (already), ``finished``, or ``failed: <last log line>``.
    """
    settings = sweep_settings(settings, **options)
    results, runs, parallel = settings.results, settings.runs, settings.parallel
    status: dict[Job, str] = {}
    pending = []
    for job in jobs:
        choose_backend(job.model, settings.backend)
        if job.is_done(results):
            status[job] = "done"
        else:
            pending.append(job)
    running: list[tuple[Job, subprocess.Popen, Path, float]] = []
    threads = max(1, (os.cpu_count() or 1) // parallel)
    try:
        while pending or running:
            while pending and len(running) < parallel:
                job = pending.pop(0)
                chosen = choose_backend(job.model, settings.backend)
                log = job.run_dir(runs).with_suffix(".log")
                log.parent.mkdir(parents=True, exist_ok=True)
                env = {**os.environ, "KERAS_BACKEND": chosen, "TF_CPP_MIN_LOG_LEVEL": "3"}
                if parallel > 1:  # share the cores instead of oversubscribing them
                    env.update({"OMP_NUM_THREADS": str(threads),
                                "XLA_FLAGS": (env.get("XLA_FLAGS", "") +
                                              " --xla_cpu_multi_thread_eigen=false").strip()})
                with open(log, "ab") as fh:
                    proc = subprocess.Popen(job_command(job, settings), stdout=fh,
                                            stderr=subprocess.STDOUT, env=env)
                running.append((job, proc, log, time.time()))
                if on_start is not None:
                    on_start(job, chosen)
            time.sleep(0.5)
            for item in list(running):
                job, proc, log, _ = item
                if proc.poll() is None:
                    continue
                running.remove(item)
                if proc.returncode == 0 and job.is_done(results):
                    status[job] = "finished"
                    path = job.result_dir(results) / "result.json"
                    result = TrialResult.from_dict(json.loads(path.read_text()), path)
                    if on_done is not None:
                        on_done(job, result, None)
                else:
                    reason = _last_line(log) or f"exit status {proc.returncode}"
                    status[job] = f"failed: {reason}"
                    if on_done is not None:
                        on_done(job, None, reason)
    finally:
        for _, proc, _, _ in running:  # interrupted: stop the children, they resume later
            proc.terminate()
        for _, proc, _, _ in running:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return status


def _last_line(path: Path) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines()
                 if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


# --------------------------------------------------------------------------- summary


def is_finite_number(value: object) -> bool:
    """Whether a JSON value is a number (not a bool) that is finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def choose_trial(trials: Sequence[TrialResult | dict]) -> TrialResult:
    """The trial with the lowest validation loss (ties: the lowest trial number).

    The one rule for "the best trial", used by releases and figures alike: a trial
    whose validation loss is missing or not finite (a diverged run) is never chosen.

    Parameters
    ----------
    trials : sequence of TrialResult (or their dicts)
        Result files of one model (see :func:`deepmotif_arch.paper.experiment.run_job`).

    Returns
    -------
    TrialResult
        The chosen result. Test metrics play no part in the choice.

    Raises
    ------
    ExperimentError
        If no trial records a finite ``training.best_val_loss``.
    """
    records = [as_record(t) for t in trials]
    valid = [t for t in records if t.best_val_loss is not None]
    if not valid:
        model = records[0].model if records else "this model"
        raise ExperimentError(f"no finished trial of {model} records a validation loss "
                              "(training.best_val_loss); rerun its jobs with `deepmotif "
                              "experiment table1`.")
    return min(valid, key=lambda t: (t.best_val_loss, t.trial))




def load_results(results: str | os.PathLike = "results/table1") -> list[TrialResult]:
    """Every finished ``result.json`` under ``results``, as records."""
    root = Path(results)
    if not root.is_dir():
        raise ExperimentError(f"{root} does not exist; run `deepmotif experiment table1` "
                              "first or give the folder with --results.")
    out = []
    for path in sorted(root.glob("*/trial-*/result.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ExperimentError(f"{path} is not a readable result file ({exc}); delete it "
                                  "and rerun the job.") from None
        if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT_VERSION:
            continue  # an older format, which `deepmotif experiment table1` recomputes
        try:
            out.append(TrialResult.from_dict(data, path))
        except DeepMotifError as exc:
            raise ExperimentError(str(exc)) from None
    return out


def mean_and_sd(values: list[float]) -> tuple[float | None, float | None]:
    """Mean and population sd of the numbers among ``values`` (None and NaN left out)."""
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not vals:
        return None, None
    arr = np.asarray(vals, dtype=float)
    # population sd (numpy's default), as the authors' 3_match_statistics_synthetic.py
    return float(arr.mean()), float(arr.std())


def summarize(results: Sequence[TrialResult | dict]) -> list[dict]:
    """Table 1's rows from result files: ours (mean, sd over trials) beside the paper's.

    One row per (model, layer) in the paper's order. ``outside`` lists the metrics
    whose mean falls outside the paper's mean +- 2 sd.
    """
    by_model: dict[str, list[TrialResult]] = {}
    for r in map(as_record, results):
        by_model.setdefault(r.model, []).append(r)
    rows = []
    for model in _ORDER:
        trials = sorted(by_model.get(model, []), key=lambda r: r.trial)
        if not trials:
            continue
        quirk = QUIRK_MODELS.get(model)
        for layer in ("conv1", *DEEPER_LAYERS.get(model, ())):
            paper = PAPER_TABLE1.get((quirk[2] if quirk else model, layer), {})
            ours = {
                "auroc": mean_and_sd([t.test["auroc_mean"] for t in trials]),
                "jaspar": mean_and_sd([t.layer(layer).get("fraction_jaspar") for t in trials]),
                "relevant": mean_and_sd([t.layer(layer).get("fraction_relevant")
                                         for t in trials]),
            }
            row = {"model": model, "label": trials[0].label or model, "layer": layer,
                   "quirk": bool(quirk),
                   "trials": len(trials), "trial_ids": [t.trial for t in trials],
                   "auroc_sd_classes": float(np.mean([t.test["auroc_sd_classes"]
                                                      for t in trials])),
                   "training_minutes": float(np.mean([
                       (t.wall_time_s.get("training") or 0) / 60 for t in trials])),
                   "epochs_run": [t.training["epochs_run"] for t in trials],
                   "trial_auroc": [t.test["auroc_mean"] for t in trials],
                   "trial_val_loss": [t.best_val_loss for t in trials],
                   "outside": [], "outside_printed": []}
            for metric in METRICS:
                mean, sd = ours[metric]
                ref = paper.get(metric)
                row[metric] = mean
                row[f"{metric}_sd"] = sd
                row[f"paper_{metric}"] = ref[0] if ref else None
                row[f"paper_{metric}_sd"] = ref[1] if ref else None
                row[f"{metric}_diff"] = (mean - ref[0]) if (ref and mean is not None) else None
                if ref and mean is not None and abs(mean - ref[0]) > 2 * ref[1] + 1e-12:
                    row["outside"].append(metric)
                # the paper prints 3 decimals: compare our mean as it would print it
                if ref and mean is not None and \
                        abs(round(mean, PRINTED_DECIMALS) - ref[0]) > 2 * ref[1] + 1e-9:
                    row["outside_printed"].append(metric)
            rows.append(row)
    return rows


#: Decimals of the paper's Table 1 (means and sds alike).
PRINTED_DECIMALS = 3

_COLUMNS = ("model", "label", "layer", "trials", "auroc", "auroc_sd", "auroc_sd_classes",
            "paper_auroc", "paper_auroc_sd", "auroc_diff", "jaspar", "jaspar_sd",
            "paper_jaspar", "paper_jaspar_sd", "jaspar_diff", "relevant", "relevant_sd",
            "paper_relevant", "paper_relevant_sd", "relevant_diff", "training_minutes",
            "outside", "outside_printed")


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def to_csv(rows: Sequence[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for row in rows:
        writer.writerow([_fmt(row.get(c), 4) for c in _COLUMNS])
    return buf.getvalue()


def _diff(value) -> str:
    return "" if value is None else f"{value:+.3f}"


def outside_counts(rows: Sequence[dict], key: str = "outside") -> dict:
    """How many of Table 1's comparable numbers fall outside the paper's mean +- 2 sd:
    ``{"match": (outside, compared), "auroc": (outside, compared)}`` (quirk rows apart).
    ``key="outside_printed"`` counts with our means rounded as the paper prints its own."""
    match = [0, 0]
    auroc = [0, 0]
    for r in rows:
        if r.get("quirk"):
            continue
        for metric in ("jaspar", "relevant"):
            if r[f"paper_{metric}"] is not None and r[metric] is not None:
                match[1] += 1
                match[0] += metric in r.get(key, ())
        if r["layer"] == "conv1" and r["paper_auroc"] is not None and r["auroc"] is not None:
            auroc[1] += 1
            auroc[0] += "auroc" in r.get(key, ())
    return {"match": tuple(match), "auroc": tuple(auroc)}


def _outside_sentence(rows: Sequence[dict], key: str) -> str:
    counts = outside_counts(rows, key)
    flagged = [f"{r['label']} {r['layer']}: {', '.join(r[key])}"
               for r in rows if r.get(key) and not r.get("quirk")]
    return (f"{counts['match'][0]} of {counts['match'][1]} match metrics and "
            f"{counts['auroc'][0]} of {counts['auroc'][1]} AU-ROCs"
            + (f" ({', '.join(flagged)})." if flagged else "."))


def auroc_follows_val_loss(rows: Sequence[dict]) -> tuple[float, int] | None:
    """Pearson r between a trial's best validation loss and its test AU-ROC, each taken
    as its difference from its model's mean (so models' levels do not count), over the
    trials of every model with two or more; and how many trials. ``None`` below 3."""
    loss, auroc = [], []
    for r in rows:
        if r["layer"] != "conv1":
            continue
        pairs = [(v, a) for v, a in zip(r.get("trial_val_loss") or [], r.get("trial_auroc") or [])
                 if v is not None and a is not None and math.isfinite(v)]
        if len(pairs) < 2:
            continue
        v, a = np.asarray(pairs, dtype=float).T
        loss.extend(v - v.mean())
        auroc.extend(a - a.mean())
    if len(loss) < 3 or np.std(loss) == 0 or np.std(auroc) == 0:
        return None
    return float(np.corrcoef(loss, auroc)[0, 1]), len(loss)


#: A class with a test AU-ROC below this in a trial counts as not learned in that trial.
WEAK_CLASS_AUROC = 0.9


def weak_classes(results: Sequence[TrialResult | dict],
                 threshold: float = WEAK_CLASS_AUROC) -> dict:
    """The trials in which a class was not learned: its test AU-ROC below ``threshold``.

    A class below ``threshold`` in every trial of every model (hard for all, Arid3a on
    koo_synthetic) is set apart as ``always_weak`` and not counted against any trial.
    For each remaining weak class, ``no_filter`` says whether the trial's first layer
    has no filter matching that class's motif (its ``tfs_missed``); that is only
    informative for models whose first layer learns whole motifs.

    Returns
    -------
    dict
        ``always_weak`` (sorted class names); ``trials``: one dict per (model, trial)
        with ``model``, ``label``, ``trial``, ``auroc``, ``weak`` (class -> AU-ROC) and
        ``no_filter`` (the weak classes conv1 has no filter for); ``shortfall``: per
        model with both kinds of trials, the mean AU-ROC of its trials without a weak
        class minus that of its trials with one.
    """
    records = [as_record(r) for r in results if as_record(r).model not in QUIRK_MODELS]
    per_class = [(r, r.test.get("per_class_auroc") or {}) for r in records]
    per_class = [(r, pc) for r, pc in per_class if pc]
    always = sorted(set.intersection(*[{c for c, v in pc.items() if v < threshold}
                                       for _, pc in per_class])) if per_class else []
    trials = []
    for r, pc in per_class:
        weak = {c: float(v) for c, v in pc.items() if v < threshold and c not in always}
        missed = set(r.layer("conv1").get("tfs_missed") or ())
        trials.append({"model": r.model, "label": r.label or r.model, "trial": r.trial,
                       "auroc": float(r.test["auroc_mean"]), "weak": weak,
                       "no_filter": sorted(c for c in weak if c in missed)})
    order = {m: i for i, m in enumerate(_ORDER)}
    trials.sort(key=lambda t: (order.get(t["model"], len(order)), t["trial"]))
    shortfall = {}
    for model in dict.fromkeys(t["model"] for t in trials):
        clean = [t["auroc"] for t in trials if t["model"] == model and not t["weak"]]
        hit = [t["auroc"] for t in trials if t["model"] == model and t["weak"]]
        if clean and hit:
            shortfall[model] = float(np.mean(clean) - np.mean(hit))
    return {"always_weak": always, "trials": trials, "shortfall": shortfall,
            "threshold": threshold}


def weak_classes_markdown(report: dict) -> str:
    """The trials with a class not learned, as a Markdown table with a heading."""
    hit = [t for t in report["trials"] if t["weak"]]
    always = ", ".join(report["always_weak"]) or "none"
    lines = [f"# Trials with a class not learned (test AU-ROC < {report['threshold']})", "",
             f"{len(hit)} of {len(report['trials'])} trials. Below {report['threshold']} in "
             f"every trial of every model, and not counted: {always}. \"conv1 has no filter "
             "for\": the weak classes whose motif no first-layer filter matches in that trial "
             "(tfs_missed; for CNN-1, CNN-2, CNN3-* and CNN9-4, whose filters are partial "
             "motifs, that is nearly every class). Written by `deepmotif experiment summary`.",
             "", "| Model | Trial | AU-ROC | weak classes (AU-ROC) | conv1 has no filter for |",
             "|---|---|---|---|---|"]
    for t in hit:
        weak = ", ".join(f"{c} ({v:.3f})" for c, v in sorted(t["weak"].items()))
        lines.append(f"| {t['label']} | {t['trial']} | {t['auroc']:.3f} | {weak} "
                     f"| {', '.join(t['no_filter']) or '–'} |")
    return "\n".join(lines) + "\n"


def _weak_sentence(report: dict) -> str | None:
    hit = [t for t in report["trials"] if t["weak"]]
    if not hit or not report["shortfall"]:
        return None
    gaps = report["shortfall"].values()
    return (f"Trials with a class not learned (test AU-ROC < {report['threshold']}, "
            f"{', '.join(report['always_weak']) or 'no class'} apart: below it in every "
            f"trial): {len(hit)} of {len(report['trials'])}; in the {len(report['shortfall'])} "
            f"{'model' if len(report['shortfall']) == 1 else 'models'} with trials of both "
            f"kinds, those trials score {np.mean(list(gaps)):.3f} AU-ROC lower on average "
            "(weak_classes.md).")


def to_markdown(rows: Sequence[dict], *, pipeline: str = "authors",
                weak: dict | None = None) -> str:
    """Table 1 as Markdown: ours beside the paper's, with the difference (and, given
    :func:`weak_classes`' report, a sentence on the trials with a class not learned)."""
    head = ("| Model | Layer | Trials | AU-ROC | paper | Δ | % match JASPAR | paper | Δ "
            "| % match relevant | paper | Δ | train min |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    lines = []
    for r in rows:
        flag = " ⚠" if r["outside"] else ""
        label = f"{r['label']} (quirk test)" if r.get("quirk") else r["label"]
        lines.append(
            f"| {label}{flag} | {r['layer']} | {r['trials']} "
            f"| {mean_sd(r['auroc'], r['auroc_sd']) if r['layer'] == 'conv1' else '–'} "
            f"| {mean_sd(r['paper_auroc'], r['paper_auroc_sd']) if r['paper_auroc'] else '–'} "
            f"| {_diff(r['auroc_diff']) if r['layer'] == 'conv1' else ''} "
            f"| {mean_sd(r['jaspar'], r['jaspar_sd'])} "
            f"| {mean_sd(r['paper_jaspar'], r['paper_jaspar_sd'])} | {_diff(r['jaspar_diff'])} "
            f"| {mean_sd(r['relevant'], r['relevant_sd'])} "
            f"| {mean_sd(r['paper_relevant'], r['paper_relevant_sd'])} "
            f"| {_diff(r['relevant_diff'])} | {r['training_minutes']:.1f} |")
    notes = [
        "",
        f"Interpretation: the `{pipeline}` preset (deepmotif_arch.interpretation.presets). "
        "Ours: mean ± sd "
        "over trials (population sd, as the authors' statistics script; 0 with one trial). "
        "Paper: Table 1 and the Results text, mean ± sd over 5 trials. Quirk-test rows "
        "(CNN-50 with 60/90/120 filters) compare with the paper's CNN-25 (N) rows.",
        "Outside the paper's mean ± 2 sd: " + _outside_sentence(rows, "outside"),
        f"The same with our means rounded to {PRINTED_DECIMALS} decimals, as the paper prints "
        "its own (a published sd of 0.000 makes any unrounded difference count): "
        + _outside_sentence(rows, "outside_printed"),
    ]
    spread = auroc_follows_val_loss(rows)
    if spread is not None:
        notes.append(
            f"Within a model, a trial's test AU-ROC follows its best validation loss: Pearson "
            f"r = {spread[0]:+.2f} over {spread[1]} trials (each taken from its model's mean); "
            "a trial with a low AU-ROC also ended training at a higher validation loss.")
    if weak is not None and (sentence := _weak_sentence(weak)):
        notes.append(sentence)
    return head + "\n".join(lines) + "\n" + "\n".join(n for n in notes if n) + "\n"


_ABLATION_COLUMNS_FIXED = ("model", "layer", "trials")


def output_folder(folder) -> Path:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExperimentError(f"cannot create the output folder {str(folder)!r} "
                              f"({exc.strerror}); give a writable folder with --output.") from None
    return folder


def write_ablation(rows: Sequence[dict], folder: str | os.PathLike) -> list[Path]:
    """``ablation.md`` and ``ablation.csv`` in ``folder``."""
    from deepmotif_arch.interpretation.presets import ABLATION

    folder = output_folder(folder)
    columns = [*_ABLATION_COLUMNS_FIXED, "paper_jaspar", "paper_relevant",
               *[f"{name}:{metric}" for name, _, _ in ABLATION
                 for metric in ("jaspar", "relevant")]]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        values = {**r, "paper_jaspar": (r["paper:jaspar"] or (None,))[0],
                  "paper_relevant": (r["paper:relevant"] or (None,))[0]}
        writer.writerow([_fmt(values.get(c), 4) for c in columns])
    return [atomic_write_text(folder / "ablation.md", "# Ablation: one switch at a time away "
                              "from the authors' pipeline\n\n" + ablation_markdown(rows)),
            atomic_write_text(folder / "ablation.csv", buf.getvalue())]


def write_summary(rows: Sequence[dict], folder: str | os.PathLike,
                  results: Sequence[TrialResult | dict] | None = None) -> list[Path]:
    """``summary.md`` and ``summary.csv`` in ``folder`` (created if needed); given the
    ``results`` the rows came from, also ``weak_classes.md`` (:func:`weak_classes`)."""
    folder = output_folder(folder)
    weak = weak_classes(results) if results is not None else None
    paths = [atomic_write_text(folder / "summary.md", to_markdown(rows, weak=weak)),
             atomic_write_text(folder / "summary.csv", to_csv(rows))]
    if weak is not None:
        paths.append(atomic_write_text(folder / "weak_classes.md", weak_classes_markdown(weak)))
    return paths
