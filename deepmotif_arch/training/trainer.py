"""Training with the paper's protocol: resumable, reproducible, on any Keras backend.

Defaults (Koo & Eddy 2019, Methods): binary cross-entropy on sigmoid outputs, Adam
with a constant learning rate, mini-batches of 100, at most 100 epochs, and the
weights with the lowest validation loss kept (early stopping; patience 20 as in the
authors' released code).

The default flavor, ``released``, trains as the authors' released code actually did,
which is what produced the paper's numbers. Its model files ask for Adam 3e-4, but the
optimizer builder of its ``deepomics`` library assigns that value to a misspelt
variable (``leanring_rate``), so every run used its defaults: learning rate 1e-3,
beta_1 0.95, epsilon 1e-8. The ``paper`` flavor follows the paper's text (3e-4,
He-normal, no BatchNorm after the dense layer); with it CNN-25 learns far more slowly
on ``koo_synthetic`` than the paper reports; see :data:`OPTIMIZERS`.

Why an epoch loop of our own around ``model.fit(epochs=1)`` instead of Keras's
``EarlyStopping`` + ``ModelCheckpoint`` + ``BackupAndRestore``: resuming a run that
was killed must end with the same best checkpoint as an uninterrupted run. That
needs, at every epoch boundary, the model and optimizer state (saved with the
model), the early-stopping state (best loss, epochs without improvement) and the
history (which those callbacks do not persist), plus a data order and dropout masks
that depend only on (trial, epoch). Each epoch therefore gets its own shuffling seed
and its own dropout seeds; the state is written atomically after every epoch.
Keras's ``TerminateOnNaN`` still stops a diverging epoch, and a loss that is not finite,
or grows far beyond what binary cross-entropy can reach, stops the run with an error.

This module holds the settings and the loop; :mod:`deepmotif_arch.training.state` the
run folder's state and resuming, :mod:`deepmotif_arch.training.feed` the data fed to
each epoch, and :mod:`deepmotif_arch.training.checkpoints` the test-set pass
(:func:`~deepmotif_arch.training.checkpoints.evaluate_batches`).

Layout of an output folder::

    model.keras     best checkpoint (+ deepmotif.json metadata), written at the end
    history.csv     one row per epoch
    run.json        manifest: spec, data set, seeds, backend, versions, times, metrics
    state/          while running: last epoch's checkpoint, best checkpoint, state.json
    .lock           while running: the lock that keeps a second run out (its PID inside)

Faults. One run at a time writes into a folder (:mod:`deepmotif_arch.base.locking`); a second
is refused with the first one's PID. Ctrl-C (SIGINT) stops a run at any moment: while
an epoch's state is saved it is held back until the save is complete, then raised as
:class:`KeyboardInterrupt`, so the next run resumes after that epoch. A full disk or a
read-only folder is a :class:`~deepmotif_arch.base.errors.TrainingError` naming the path. A
run that fails before its first epoch is saved leaves no ``state/`` folder, and no
output folder if it created it.

For tests only: with the environment variable ``DEEPMOTIF_TEST_SAVE_PAUSE`` set to a
number of seconds, every epoch's state save pauses that long after writing the epoch's
checkpoint and before pointing ``state.json`` at it, so a test can send SIGINT while a
save is in progress (tests/test_faults.py).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deepmotif_arch.base.errors import (
    TrainingError,
)
from deepmotif_arch.base.io import atomic_write_text, missing_folders
from deepmotif_arch.base.sequence import ALPHABET
from deepmotif_arch.training import checkpoints
from deepmotif_arch.training.feed import Feed, seed
from deepmotif_arch.training.state import (
    EpochRecord,
    InterruptGuard,
    RunResult,
    discard_unstarted_state,
    finished_run,
    history_csv,
    load_saved_model,
    lock_output,
    prepare_output,
    write_state,
    writing,
)
from deepmotif_arch.zoo.architectures import ArchSpec

__all__ = ["TrainSettings", "EpochRecord", "train", "default_output_dir", "PRECISIONS"]

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")

#: Adam settings per flavor: the paper's text ("recommended default parameters",
#: learning rate 3e-4) and what the released code ran (see the module docstring).
OPTIMIZERS: dict[str, dict[str, float]] = {
    "paper": {"learning_rate": 3e-4, "beta_1": 0.9, "epsilon": 1e-7},
    "released": {"learning_rate": 1e-3, "beta_1": 0.95, "epsilon": 1e-8},
}
RUN_FORMAT_VERSION = 1
#: Binary cross-entropy stays below -ln(1e-7) = 16.1 (Keras clips probabilities at 1e-7),
#: so a larger training loss comes from the L2 penalty of weights that have blown up.
LOSS_LIMIT = 100.0
#: A loss this many times the first epoch's also counts as divergence.
LOSS_GROWTH_LIMIT = 100.0
_BCE_MAX = -math.log(1e-7)


@dataclass
class TrainSettings:
    """Everything that defines a training run (the paper's protocol as the authors' code
    ran it by default: ``flavor="released"``).

    Attributes
    ----------
    spec : ArchSpec
        The architecture.
    dataset : str
        ``"koo_synthetic"``, ``"koo_invivo"`` or a data set imported with ``deepmotif data
        import``; it may name a config and version as TFDS writes them
        (``"koo_synthetic/tiny"``, ``"koo_synthetic/tiny:1.0.0"``), which are split off
        into ``dataset_config`` and ``dataset_version``.
    dataset_config : str or None
        Builder config (``None``: the builder's default, ``paper`` for koo_synthetic).
    dataset_version : str or None
        Training reads the data set's current version; ``None`` means that one, and any
        other version is refused. The version trained on is part of the run's identity,
        so a run does not resume on data imported again under a new version.
    data_dir : str or None
        TFDS data folder.
    epochs, batch_size, patience
        100, 100 and 20.
    learning_rate, beta_1, epsilon : float, optional
        Adam's settings; ``None`` takes the flavor's (:data:`OPTIMIZERS`): 3e-4, 0.9,
        1e-7 for ``paper`` and 1e-3, 0.95, 1e-8 for ``released``.
    trial : int
        Seeds initialisation, data order and dropout; the same trial on the same
        backend and machine reproduces a run.
    precision : str
        ``float32`` or a Keras mixed-precision policy.
    distribute : bool
        Data-parallel over every visible device (JAX: Keras DataParallel; TensorFlow:
        ``tf.distribute.MirroredStrategy``).
    jit_compile : bool or "auto"
        Passed to ``model.compile``; "auto" chooses per backend (see benchmarks).
    steps_per_execution : int or "auto"
        Training steps per call of the compiled step function (Keras's
        ``steps_per_execution``); "auto" chooses per backend (see benchmarks). It
        changes speed only: the same steps run in the same order.
    fast_pool : bool
        On the JAX backend, pool with :func:`deepmotif_arch.training.fast_pool.max_pool_1d`
        instead of Keras's ``reduce_window`` (same values, a gradient several times
        cheaper on CPU; see that module). No effect on other backends or on the saved
        model, which keeps Keras's own ``MaxPooling1D`` layers.
    in_memory : bool or "auto"
        Feed training and validation from NumPy arrays in memory when a split fits
        (:meth:`deepmotif_arch.data.datasets.SplitStream.fits_in_memory`); otherwise, or
        when False, stream batches through tf.data. "auto" means True on JAX and
        PyTorch and False on TensorFlow (slower there; benchmarks/README.md).
        Each epoch's order depends on the trial and the epoch alone either way (the two
        orders differ).
    flavor : str
        ``released`` (default) or ``paper``: the flavor the spec came from (give the
        same to :func:`~deepmotif_arch.get_spec`), and the source of the optimizer
        defaults.
    """

    spec: ArchSpec
    dataset: str = "koo_synthetic"
    dataset_config: str | None = None
    data_dir: str | None = None
    epochs: int = 100
    batch_size: int = 100
    learning_rate: float | None = None
    patience: int = 20
    trial: int = 0
    precision: str = "float32"
    distribute: bool = False
    jit_compile: bool | str = "auto"
    flavor: str = "released"
    steps_per_execution: int | str = "auto"
    beta_1: float | None = None
    epsilon: float | None = None
    fast_pool: bool = True
    in_memory: bool | str = "auto"
    dataset_version: str | None = None

    def __post_init__(self) -> None:
        from deepmotif_arch.data import datasets

        name, config, version = datasets.parse_name(self.dataset, self.dataset_config)
        if version and self.dataset_version and version != self.dataset_version:
            raise TrainingError(f"data set {self.dataset!r} names version {version} but "
                                f"dataset_version is {self.dataset_version!r}; give one.")
        self.dataset, self.dataset_config = name, config
        self.dataset_version = version or self.dataset_version
        defaults = OPTIMIZERS.get(self.flavor)
        if defaults is None:
            raise TrainingError(f"flavor {self.flavor!r} is not known; use one of "
                                f"{', '.join(OPTIMIZERS)}.")
        for name, value in defaults.items():
            if getattr(self, name) is None:
                setattr(self, name, value)

    def validate(self) -> None:
        for name in ("epochs", "batch_size", "patience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TrainingError(f"{name} is {value!r}; it must be a positive integer.")
        if isinstance(self.trial, bool) or not isinstance(self.trial, int) or self.trial < 0:
            raise TrainingError(f"trial is {self.trial!r}; it must be 0 or a positive integer.")
        if not (isinstance(self.learning_rate, (int, float)) and
                math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise TrainingError(f"learning rate is {self.learning_rate!r}; it must be a "
                                "positive number such as 3e-4.")
        if not (isinstance(self.beta_1, (int, float)) and 0 <= self.beta_1 < 1):
            raise TrainingError(f"beta_1 is {self.beta_1!r}; it must be in [0, 1), e.g. 0.9.")
        if not (isinstance(self.epsilon, (int, float)) and self.epsilon > 0):
            raise TrainingError(f"epsilon is {self.epsilon!r}; it must be positive, e.g. 1e-7.")
        spe = self.steps_per_execution
        if spe != "auto" and (isinstance(spe, bool) or not isinstance(spe, int) or spe < 1):
            raise TrainingError(f"steps_per_execution is {spe!r}; it must be 'auto' or a "
                                "positive integer such as 25.")
        if self.precision not in PRECISIONS:
            raise TrainingError(f"precision {self.precision!r} is not known; use one of "
                                f"{', '.join(PRECISIONS)}.")

    def identity(self, backend: str) -> dict[str, Any]:
        """The settings that make two runs the same run (compared when resuming)."""
        return {
            "spec": self.spec.to_dict(),
            "dataset": self.dataset,
            "dataset_config": self.dataset_config,
            "dataset_version": self.dataset_version,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "beta_1": self.beta_1,
            "epsilon": self.epsilon,
            "patience": self.patience,
            "trial": self.trial,
            "precision": self.precision,
            "distribute": self.distribute,
            "backend": backend,
        }


def _resolved_config(settings: TrainSettings) -> str:
    """The data set config name, the builder's default when none was given."""
    if settings.dataset_config:
        return settings.dataset_config
    from deepmotif_arch.data import datasets

    return datasets.builder_class(settings.dataset,
                                  settings.data_dir).DEFAULT_CONFIG_NAME or "default"


def _resolved_version(settings: TrainSettings) -> str:
    """The data set's current version (the one training reads); refuses any other."""
    from deepmotif_arch.data import datasets

    current = str(datasets.builder_class(settings.dataset, settings.data_dir).VERSION)
    if settings.dataset_version not in (None, current):
        raise TrainingError(f"training reads the current version of {settings.dataset}, "
                            f"{current}, not {settings.dataset_version}; give "
                            f"{settings.dataset} without a version.")
    return current


def default_output_dir(settings: TrainSettings, root: str | os.PathLike = "runs") -> Path:
    """``runs/<model>/<dataset>-<config>/trial-<N>``."""
    config = _resolved_config(settings)
    return Path(root) / settings.spec.name / f"{settings.dataset}-{config}" / \
        f"trial-{settings.trial}"


def _dropout_layers(model) -> list:
    return [layer for layer in model.layers if getattr(layer, "seed_generator", None) is not None]


def _seed_dropout(model, trial: int, epoch: int) -> None:
    """Dropout masks of an epoch that depend on (trial, epoch) only (resumable).

    Zoo models have seeded Dropout layers, which draw their masks from their own
    SeedGenerator state on every backend; Keras does not save that state with the
    model, so it is set here at the start of every epoch.
    """
    from keras import ops

    for index, layer in enumerate(_dropout_layers(model)):
        state = layer.seed_generator.state
        value = np.array([seed(trial, epoch, 2, index), 0]).astype(state.dtype)
        state.assign(ops.convert_to_tensor(value))


def _library_versions(backend: str) -> dict[str, str]:
    import importlib.metadata as md

    versions = {}
    packages = ["deepmotif-arch", "keras", "numpy", "tensorflow", "tensorflow-datasets",
                "scikit-learn"]
    packages += {"jax": ["jax", "jaxlib"], "torch": ["torch"]}.get(backend, [])
    for package in packages:
        try:
            versions[package] = md.version(package)
        except md.PackageNotFoundError:
            versions[package] = "not installed"
    versions["python"] = platform.python_version()
    return versions


def _choose_jit(jit_compile, backend: str, distribute: bool = False):
    """Per-backend default of ``jit_compile`` (measured in benchmarks/README.md)."""
    if backend == "tensorflow" and distribute:
        # XLA cannot compile a step whose mirrored variables live on several devices.
        return False
    if jit_compile != "auto":
        return bool(jit_compile)
    # TensorFlow: plain tf.function steps, XLA was several times slower on CPU
    # (benchmarks/README.md, "steps_per_execution"). JAX always compiles. PyTorch: eager.
    return {"tensorflow": False, "jax": True, "torch": False}.get(backend, "auto")


def _choose_steps(steps, backend: str, distribute: bool = False) -> int:
    """Per-backend default of ``steps_per_execution`` (measured in benchmarks/README.md)."""
    # 25 steps per call make an epoch faster on JAX and TensorFlow (benchmarks/README.md,
    # "steps_per_execution"); Keras accepts only 1 on PyTorch. Under
    # tf.distribute.MirroredStrategy Keras's multi-step loop fails (Placeholder errors on
    # TF 2.21), so mirrored runs take 1.
    if backend == "tensorflow" and distribute:
        return 1
    if steps != "auto":
        if backend == "torch" and int(steps) != 1:
            raise TrainingError(f"steps_per_execution is {steps}, but Keras's PyTorch backend "
                                "runs one step per call; use 1 or auto there.")
        return int(steps)
    return AUTO_STEPS_PER_EXECUTION.get(backend, 1)


#: ``steps_per_execution`` chosen by "auto", per backend.
AUTO_STEPS_PER_EXECUTION = {"tensorflow": 25, "jax": 25, "torch": 1}


class _Distribution:
    """Context for data-parallel training on every visible device."""

    def __init__(self, enabled: bool, backend: str):
        self.enabled = enabled
        self.backend = backend
        self.strategy = None
        self.devices: list[str] = []

    def __enter__(self):
        if not self.enabled:
            return self
        if self.backend == "jax":
            import jax
            import keras

            devices = jax.devices()
            self.devices = [str(d) for d in devices]
            keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        elif self.backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_logical_devices("GPU")
            devices = gpus or tf.config.list_logical_devices("CPU")
            self.devices = [d.name for d in devices]
            self.strategy = tf.distribute.MirroredStrategy([d.name for d in devices])
            self._scope = self.strategy.scope()
            self._scope.__enter__()
        else:
            raise TrainingError(
                f"--distribute needs the jax or tensorflow backend; KERAS_BACKEND is "
                f"{self.backend!r}."
            )
        return self

    def __exit__(self, *exc):
        if self.backend == "jax" and self.enabled:
            import keras

            keras.distribution.set_distribution(None)
        if self.strategy is not None:
            self._scope.__exit__(*exc)
        return False


def train(
    settings: TrainSettings,
    output: str | os.PathLike | None = None,
    *,
    on_epoch: Callable[[EpochRecord, dict], None] | None = None,
    on_start: Callable[[dict], None] | None = None,
    command: str | None = None,
) -> RunResult:
    """Train one model on one data set; resume if ``output`` holds the same unfinished run.

    Parameters
    ----------
    settings : TrainSettings
    output : path, optional
        Output folder; default :func:`default_output_dir`.
    on_epoch : callable, optional
        Called after each epoch with the record and a dict of run facts.
    on_start : callable, optional
        Called once before the first epoch with run facts (start epoch, steps, ...).
    command : str, optional
        The command line, recorded in the manifest.

    Returns
    -------
    RunResult

    Raises
    ------
    TrainingError
        The output folder holds a different run or damaged files, cannot be written
        (read-only, disk full), or training diverged (a loss that is not finite or has
        blown up).
    FolderInUseError
        Another process is training into the same folder (the message names its PID).
    KeyboardInterrupt
        On Ctrl-C; an epoch being saved is saved first, and the same call resumes after it.
    """
    import keras

    settings.validate()
    settings = dataclasses.replace(settings, dataset_config=_resolved_config(settings),
                                   dataset_version=_resolved_version(settings))
    backend = keras.backend.backend()
    out = Path(output) if output is not None else default_output_dir(settings)
    identity = settings.identity(backend)
    created = missing_folders(out)
    lock = None
    finished = False
    try:
        lock = lock_output(out)
        with InterruptGuard() as guard:
            result = finished_run(out, identity)
            if result is None:
                result = _train_locked(settings, out, identity, backend, guard, on_epoch,
                                       on_start, command)
        finished = True
        return result
    finally:
        if lock is not None:
            if not finished:
                discard_unstarted_state(out / "state")
            lock.release()
        if not finished:
            for folder in created:  # deepest first; only the ones this call made
                try:
                    folder.rmdir()
                except OSError:
                    break


@dataclass
class _Progress:
    """Where a run stands between epochs (what ``state.json`` records)."""

    history: list[EpochRecord]
    start_epoch: int = 0
    best_loss: float = math.inf
    best_epoch: int = -1
    wait: int = 0
    stopped_early: bool = False

    @classmethod
    def from_state(cls, state: dict | None) -> _Progress:
        if not state:
            return cls(history=[])
        return cls(history=[EpochRecord(**r) for r in state["history"]],
                   start_epoch=state["epoch"] + 1, best_loss=state["best_val_loss"],
                   best_epoch=state["best_epoch"], wait=state["wait"])


@dataclass
class _Run:
    """One run of :func:`train`: its settings, folder, data and progress."""

    settings: TrainSettings
    out: Path
    identity: dict
    backend: str
    guard: InterruptGuard
    command: str | None
    state: dict | None = None
    feed: Feed | None = None
    progress: _Progress | None = None
    started: float = 0.0

    @property
    def state_dir(self) -> Path:
        return self.out / "state"


def _train_locked(settings, out, identity, backend, guard, on_epoch, on_start, command):
    """The body of :func:`train`, run while holding the output folder's lock."""
    import keras

    run = _Run(settings, out, identity, backend, guard, command)
    run.state = prepare_output(out, run.state_dir, identity)
    run.started = time.time()
    run.feed = Feed(settings, backend)
    if settings.precision != "float32":
        keras.mixed_precision.set_global_policy(settings.precision)
    run.progress = _Progress.from_state(run.state)

    # The same global seeds whether the run starts or resumes (initialisation uses them
    # only on a fresh start; tf.data combines them with each epoch's shuffling seed).
    keras.utils.set_random_seed(seed(settings.trial, 0, 0))
    from deepmotif_arch.training.fast_pool import jax_max_pool
    from deepmotif_arch.training.fast_rng import jax_unrolled_threefry

    # On JAX: faster pooling (--fast-pool) and dropout masks (the same bits; fast_rng).
    with _Distribution(settings.distribute, backend) as dist, \
            jax_max_pool(settings.fast_pool), jax_unrolled_threefry():
        model = _model(run)
        run.feed.open_validation()
        progress = run.progress
        facts = {"start_epoch": progress.start_epoch, "epochs": settings.epochs,
                 "steps": run.feed.train.steps(settings.batch_size), "backend": backend,
                 "devices": dist.devices, "output": str(out),
                 "best_val_loss": progress.best_loss, "best_epoch": progress.best_epoch}
        if on_start is not None:
            on_start(facts)
        _epochs(run, model, facts, on_epoch)
        guard.check()
    return _finish(run)


def _model(run: _Run):
    """The model to train: the saved one when resuming, else a new one, compiled."""
    import keras

    from deepmotif_arch.zoo.models import build_or_refuse

    settings = run.settings
    if run.state:
        return load_saved_model(run.state_dir / run.state["checkpoint"], run.state_dir)
    model = build_or_refuse(settings.spec, run.feed.train.input_length,
                            run.feed.train.num_classes, error=TrainingError)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=settings.learning_rate,
                                        beta_1=settings.beta_1, epsilon=settings.epsilon),
        loss="binary_crossentropy",
        jit_compile=_choose_jit(settings.jit_compile, run.backend, settings.distribute),
        steps_per_execution=_choose_steps(settings.steps_per_execution, run.backend,
                                          settings.distribute),
    )
    return model


def _epochs(run: _Run, model, facts: dict, on_epoch) -> None:
    """The epoch loop: fit one epoch, validate, keep the best, save the state."""
    import keras

    from deepmotif_arch.training.metrics import binary_crossentropy, classification_metrics

    settings, progress, guard, feed = run.settings, run.progress, run.guard, run.feed
    for epoch in range(progress.start_epoch, settings.epochs):
        guard.check()
        if progress.wait >= settings.patience:
            progress.stopped_early = True
            return
        tick = time.perf_counter()
        _seed_dropout(model, settings.trial, epoch)
        try:
            fit = model.fit(**feed.fit_data(epoch), epochs=1, verbose=0, shuffle=False,
                            callbacks=[keras.callbacks.TerminateOnNaN()])
            loss = float(fit.history["loss"][-1])
        except RuntimeError as exc:
            # PyTorch's binary cross-entropy refuses NaN probabilities outright.
            if "between 0 and 1" not in str(exc):
                raise
            loss = math.nan
        guard.check()
        _check_loss(loss, epoch, progress.history, settings, run.out,
                    saved=run.state is not None or epoch > 0)
        p_val = feed.predict_validation(model)
        val_loss = binary_crossentropy(feed.y_val, p_val)
        val_auroc = classification_metrics(feed.y_val, p_val)["auroc"]["mean"]
        improved = val_loss < progress.best_loss
        if improved:
            progress.best_loss, progress.best_epoch, progress.wait = val_loss, epoch, 0
        else:
            progress.wait += 1
        record = EpochRecord(epoch + 1, loss, val_loss, val_auroc,
                             time.perf_counter() - tick, improved)
        progress.history.append(record)
        # Ctrl-C waits until the epoch is saved; the next run resumes after it.
        with guard.deferred(), writing(run.state_dir, run.state_dir):
            if improved:
                checkpoints.save_checkpoint(model, run.state_dir / "best.keras",
                                            include_optimizer=False)
            write_state(model, run.state_dir, run.identity, epoch, progress.best_loss,
                        progress.best_epoch, progress.wait, progress.history)
        if on_epoch is not None:
            on_epoch(record, {**facts, "best_val_loss": progress.best_loss,
                              "best_epoch": progress.best_epoch, "wait": progress.wait})
    progress.stopped_early = progress.wait >= settings.patience


def _check_loss(loss: float, epoch: int, history: list[EpochRecord], settings: TrainSettings,
                out: Path, saved: bool) -> None:
    """Stop a run whose training loss is not finite or has blown up."""
    again = (f"delete {out} and train again with a smaller --lr than "
             f"{settings.learning_rate:g}" if saved else
             f"try a smaller --lr than {settings.learning_rate:g}")
    if not math.isfinite(loss):
        raise TrainingError(f"training diverged: the loss became {loss} in epoch {epoch + 1}; "
                            f"{again} or --precision float32.")
    first = history[0].loss if history else None
    limit = LOSS_LIMIT if first is None else min(LOSS_LIMIT, LOSS_GROWTH_LIMIT * first)
    if loss > limit:
        why = (f"more than binary cross-entropy alone can reach ({_BCE_MAX:.1f})"
               if loss > _BCE_MAX else
               f"more than {LOSS_GROWTH_LIMIT:g} times the first epoch's {first:.4g}")
        raise TrainingError(f"training diverged: the loss rose to {loss:.4g} in epoch "
                            f"{epoch + 1}, {why}, so the weights have blown up; {again}.")


def _finish(run: _Run) -> RunResult:
    """Evaluate the best checkpoint on the test split and write the finished run."""
    from deepmotif_arch.data import datasets

    settings, backend, out, state_dir = run.settings, run.backend, run.out, run.state_dir
    feed, progress, guard = run.feed, run.progress, run.guard
    history, best_epoch, best_loss = progress.history, progress.best_epoch, progress.best_loss
    start_epoch, builder, class_names = progress.start_epoch, feed.builder, feed.class_names
    if best_epoch < 0:
        raise TrainingError("no epoch finished; nothing to save.")
    model = load_saved_model(state_dir / "best.keras", state_dir)
    test = datasets.SplitStream(settings.dataset, "test", config=settings.dataset_config,
                                data_dir=settings.data_dir)
    metrics = checkpoints.evaluate_batches(
        (model, {"input_length": feed.train.input_length, "alphabet": ALPHABET}),
        test.epoch(None, batch_size=500, shuffle=False).as_numpy_iterator(), class_names)
    wall = time.time() - run.started
    data = {"name": settings.dataset, "config": builder.builder_config.name,
            "version": str(builder.version)}
    training = {
        "epochs_max": settings.epochs, "epochs_run": len(history), "best_epoch": best_epoch + 1,
        "best_val_loss": best_loss, "stopped_early": progress.stopped_early,
        "batch_size": settings.batch_size, "learning_rate": settings.learning_rate,
        "beta_1": settings.beta_1, "epsilon": settings.epsilon, "optimizer": "Adam",
        "loss": "binary_crossentropy", "patience": settings.patience, "flavor": settings.flavor,
        "steps_per_execution": _choose_steps(settings.steps_per_execution, backend,
                                             settings.distribute),
        "fast_pool": bool(settings.fast_pool and backend == "jax"),
        "in_memory": feed.in_memory,
        "trial": settings.trial, "precision": settings.precision,
        "distribute": settings.distribute, "backend": backend,
        "seeds": {"init": seed(settings.trial, 0, 0),
                  "data": "SeedSequence([trial, epoch, 1])",
                  "dropout": "SeedSequence([trial, epoch, 2, layer])"},
    }
    metadata = {
        "library_version": _library_versions(backend)["deepmotif-arch"],
        "model": settings.spec.to_dict(),
        "flavor": settings.flavor,
        "input_length": feed.train.input_length,
        "alphabet": ALPHABET,
        "input_encoding": "one-hot, shape (length, 4), channels A, C, G, T",
        "class_names": class_names,
        "dataset": data,
        "training": training,
        "test_metrics": {"auroc": metrics["auroc"], "aupr": metrics["aupr"],
                         "bce": metrics["bce"]},
    }
    manifest = {
        "format_version": RUN_FORMAT_VERSION,
        "identity": run.identity,
        "model": settings.spec.to_dict(),
        "dataset": data,
        "training": training,
        "class_names": class_names,
        "test_metrics": metrics,
        "history": [dataclasses.asdict(r) for r in history],
        "wall_time_s": wall + sum(r.seconds for r in history[:start_epoch]),
        "resumed_from_epoch": start_epoch,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": _library_versions(backend),
        "machine": {"platform": platform.platform(), "processor": platform.machine(),
                    "cpus": os.cpu_count()},
        "command": run.command or " ".join(sys.argv),
        "checkpoint": "model.keras",
    }
    guard.check()
    with guard.deferred(), writing(out, state_dir):
        checkpoints.save_checkpoint(model, out / "model.keras", metadata,
                                    include_optimizer=False)
        atomic_write_text(out / "history.csv", history_csv(history))
        atomic_write_text(out / "run.json", json.dumps(manifest, indent=2))  # marks it finished
        shutil.rmtree(state_dir, ignore_errors=True)
    return RunResult(out, out / "model.keras", manifest, history, resumed_from=start_epoch)
