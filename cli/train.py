"""``deepmotif train`` and ``deepmotif evaluate``."""

from __future__ import annotations

import json
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ._arch_options import (
    DEFAULT,
    Activation,
    DenseUnits,
    Filters,
    Flavor,
    Kernels,
    Pools,
    PoolStrides,
    resolve_spec,
)
from ._common import (
    check_file,
    console,
    counted,
    err_console,
    fail,
    import_keras,
    print_table,
    say,
    user_errors,
    working,
)
from .interpret import SplitName

_DATA = "Data"
_PROTOCOL = "Protocol (defaults: the paper's, as the authors' code ran it)"
_SPEED = "Devices and speed"
_JAX = "JAX backend"


class Precision(str, Enum):
    float32 = "float32"
    mixed_float16 = "mixed_float16"
    mixed_bfloat16 = "mixed_bfloat16"


class JitMode(str, Enum):
    auto = "auto"
    on = "on"
    off = "off"


def _auto_on_off(mode) -> bool | str:
    """An auto/on/off option as TrainSettings takes it: "auto", True or False."""
    return {"auto": "auto", "on": True, "off": False}[mode.value]


def _steps(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        return int(value)
    except ValueError:
        raise fail(f"--steps-per-execution {value!r} is not a number; give auto or a "
                   "positive integer such as 25.") from None


def train(
    model: Annotated[str, typer.Argument(help="Zoo name, paper label or released-code name, "
                                         "e.g. cnn-25, 'CNN-25 (60)', cnn_2_1.")],
    dataset: Annotated[str, typer.Option(
        "--dataset", "-d", help="koo_synthetic, koo_invivo, or NAME/CONFIG as TFDS writes it "
        "(koo_synthetic/tiny; NAME/CONFIG:VERSION too).", rich_help_panel=_DATA)]
    = "koo_synthetic",
    config: Annotated[str | None, typer.Option("--config", help="Data set config (default: "
                                               "the one in --dataset, else the builder's, "
                                               "e.g. paper).", rich_help_panel=_DATA)] = None,
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="TFDS data folder.",
                                                 rich_help_panel=_DATA)] = None,
    epochs: Annotated[int, typer.Option("--epochs", help="Most epochs.",
                                        rich_help_panel=_PROTOCOL)] = 100,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Mini-batch size.",
                                            rich_help_panel=_PROTOCOL)] = 100,
    lr: Annotated[float | None, typer.Option(
        "--lr", help="Adam learning rate (constant); default 1e-3 with --flavor released (what "
        "the authors' code ran), 3e-4 with --flavor paper.",
        rich_help_panel=_PROTOCOL)] = None,
    patience: Annotated[int, typer.Option("--patience", help="Epochs without a lower "
                                          "validation loss before stopping.",
                                          rich_help_panel=_PROTOCOL)] = 20,
    trial: Annotated[int, typer.Option("--trial", help="Seeds initialisation, data order and "
                                       "dropout; reproducible per backend and machine.",
                                       rich_help_panel=_PROTOCOL)] = 0,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Output folder (default: one under runs/ named after the "
        "model, data set, config and trial). Running the same command again resumes an "
        "unfinished run.")] = None,
    precision: Annotated[Precision, typer.Option(
        "--precision", help="Keras dtype policy: float32, or mixed precision for GPUs.")]
    = Precision.float32,
    distribute: Annotated[bool, typer.Option("--distribute", help="Data-parallel over all "
                                             "visible devices (jax or tensorflow).",
                                             rich_help_panel=_SPEED)] = False,
    jit: Annotated[JitMode, typer.Option("--jit", help="XLA / compiled training steps; auto "
                                         "picks the faster per backend.",
                                         rich_help_panel=_SPEED)] = JitMode.auto,
    steps_per_execution: Annotated[str, typer.Option(
        "--steps-per-execution", help="Training steps per call of the compiled step "
        "function: auto (per backend) or a number (speed only, same result).",
        rich_help_panel=_SPEED)] = "auto",
    in_memory: Annotated[JitMode, typer.Option(
        "--in-memory", help="Feed splits that fit in memory as NumPy arrays instead of "
        "tf.data; auto: on for JAX and PyTorch, off for TensorFlow.",
        rich_help_panel=_SPEED)] = JitMode.auto,
    fast_pool: Annotated[bool, typer.Option(
        "--fast-pool/--no-fast-pool", help="On JAX, max pooling whose gradient is several "
        "times cheaper on CPU than Keras's (same values; the saved model is unchanged).",
        rich_help_panel=_JAX)] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the checkpoint "
                                        "path.")] = False,
    flavor: Flavor = DEFAULT,
    filters: Filters = None,
    kernels: Kernels = None,
    pools: Pools = None,
    pool_strides: PoolStrides = None,
    dense_units: DenseUnits = None,
    activation: Activation = None,
) -> None:
    """Train a zoo model as the paper's authors did; rerun the same command to resume.

    Binary cross-entropy, batches of 100, up to 100 epochs, the weights with the lowest
    validation loss kept (patience 20), and by default the authors' released code's
    choices (--flavor released: Adam 1e-3, beta_1 0.95, Glorot-uniform kernels,
    BatchNorm after the dense layer), which reach the paper's AU-ROC on koo_synthetic.
    --flavor paper follows the paper's text instead (Adam 3e-4, He-normal), which
    trains far more slowly. Writes model.keras (with its metadata), history.csv and
    run.json when done, then says what to run next.
    """
    with user_errors():
        spec = resolve_spec(model, filters=filters, kernels=kernels, pools=pools,
                            pool_strides=pool_strides, dense_units=dense_units, flavor=flavor,
                            activation=activation)
        keras = import_keras(progress=not quiet)
        from deepmotif_arch.training.trainer import TrainSettings, default_output_dir
        from deepmotif_arch.training.trainer import train as run_training

        dataset, config = _dataset(dataset, config, data_dir)
        settings = TrainSettings(
            spec=spec, dataset=dataset, dataset_config=config, data_dir=data_dir,
            epochs=epochs, batch_size=batch_size, learning_rate=lr, patience=patience,
            trial=trial, precision=precision.value, distribute=distribute,
            jit_compile=_auto_on_off(jit), flavor=flavor.value,
            steps_per_execution=_steps(steps_per_execution), fast_pool=fast_pool,
            in_memory=_auto_on_off(in_memory),
        )
        settings.validate()
        out = output if output is not None else default_output_dir(settings)
        display = _Display(settings, quiet)
        command = "deepmotif " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        say(f"Preparing {'/'.join(filter(None, (dataset, config)))} and {spec.name}...",
            quiet)
        try:
            result = run_training(settings, out, on_epoch=display.epoch, on_start=display.start,
                                  command=command)
        except KeyboardInterrupt:
            display.close()
            if (Path(out) / "state" / "state.json").exists():
                err_console.print(f"Interrupted. Run the same command again to resume from the "
                                  f"last completed epoch ({out}).", highlight=False,
                                  soft_wrap=True)
            else:
                err_console.print("Interrupted before the first epoch was saved; nothing was "
                                  "kept. Run the same command again to start over.",
                                  highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None
        finally:
            display.close()
    del keras
    if quiet:
        typer.echo(str(result.checkpoint))
        return
    _summary(result)
    _next_steps(result.checkpoint, data_dir)


def _dataset(dataset: str, config: str | None, data_dir: str | None) -> tuple[str, str | None]:
    """``--dataset`` and ``--config`` as TrainSettings takes them: a data set name as TFDS
    writes it (``koo_synthetic/tiny``) split into name and config, unknown names and
    conflicting configs refused before anything is built."""
    from deepmotif_arch.base.errors import DatasetError
    from deepmotif_arch.data import datasets

    name, config, version = datasets.parse_name(dataset, config)
    config = config or datasets.builder_class(name, data_dir).DEFAULT_CONFIG_NAME
    if version is not None:
        current = str(datasets.get_builder(name, config, data_dir).version)
        if version != current:
            raise DatasetError(f"deepmotif train reads the current version of {name}, "
                               f"{current}; give {name} without :{version}.")
    return name, config


def _next_steps(checkpoint: Path, data_dir: str | None) -> None:
    """What to run on the new checkpoint, with its real path (and --data-dir if given)."""
    path = shlex.quote(str(checkpoint))
    extra = f" --data-dir {shlex.quote(data_dir)}" if data_dir else ""
    console.print("Next:", highlight=False)
    for what, command in (
        ("per-class AU-ROC and AU-PR on the test split", "evaluate"),
        ("logos of the first-layer filters, titled with their JASPAR matches", "logos"),
        ("the filters' JASPAR matches (Tomtom) and the paper's match statistics", "match"),
    ):
        console.print(f"  {what}:\n    deepmotif {command} {path}{extra}", highlight=False,
                      soft_wrap=True, markup=False)


class _Display:
    """Per-epoch lines and a progress bar (rich); silent with --quiet."""

    def __init__(self, settings, quiet: bool):
        self.quiet = quiet
        self.settings = settings
        self.progress = None
        self.task = None

    def start(self, facts: dict) -> None:
        if self.quiet:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        s = self.settings
        if facts["start_epoch"]:
            console.print(f"Resuming {s.spec.name} after epoch {facts['start_epoch']} "
                          f"(best validation loss {facts['best_val_loss']:.4f} at epoch "
                          f"{facts['best_epoch'] + 1}).", soft_wrap=True)
        else:
            lr = f"{s.learning_rate:.1e}".replace(".0e", "e").replace("e-0", "e-")
            console.print(f"Training {s.spec.name} ({s.flavor} flavor, Adam {lr}) on "
                          f"{'/'.join(filter(None, (s.dataset, s.dataset_config)))} with "
                          f"{facts['backend']}: up to {s.epochs} epochs of {facts['steps']} "
                          f"batches, patience {s.patience}.", highlight=False, soft_wrap=True)
        if facts["devices"]:
            console.print(f"Data-parallel over {len(facts['devices'])} devices.", soft_wrap=True)
        console.print(f"Output: {facts['output']}", highlight=False, soft_wrap=True)
        self.progress = Progress(
            TextColumn("[bold]epochs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"), console=console, transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("train", total=s.epochs, completed=facts["start_epoch"],
                                           status="")

    def epoch(self, record, facts: dict) -> None:
        if self.quiet or self.progress is None:
            return
        auroc = "n/a" if record.val_auroc is None else f"{record.val_auroc:.4f}"
        mark = " [green]best[/]" if record.best else f" (no gain for {facts['wait']})"
        self.progress.console.print(
            f"epoch {record.epoch:3d}  loss {record.loss:.4f}  val_loss {record.val_loss:.4f}  "
            f"val_auroc {auroc}  {record.seconds:5.1f}s{mark}", highlight=False, soft_wrap=True)
        self.progress.update(self.task, completed=record.epoch,
                             status=f"best val_loss {facts['best_val_loss']:.4f}")
        if record.epoch >= self.settings.epochs or facts["wait"] >= self.settings.patience:
            self.progress.console.print("Evaluating the best weights on the test split and "
                                        "saving them...", style="dim", highlight=False)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def _summary(result) -> None:
    m = result.manifest
    t = m["training"]
    if result.already_complete:
        console.print(f"Already complete: {result.output} (delete it or choose another --output "
                      "to train again).", highlight=False)
    elif t["stopped_early"]:
        console.print(f"Stopped early after epoch {t['epochs_run']} (no lower validation loss "
                      f"for {t['patience']} epochs).")
    auroc, aupr = m["test_metrics"]["auroc"], m["test_metrics"]["aupr"]
    title = (f"{m['model']['name']} trial {t['trial']} on {m['dataset']['name']}/"
             f"{m['dataset']['config']} ({t['backend']})")
    table = Table(title=title, show_header=False, min_width=len(title))
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("best epoch", f"{t['best_epoch']} of {t['epochs_run']}")
    table.add_row("validation loss", f"{t['best_val_loss']:.4f}")
    table.add_row("test AU-ROC", _pm(auroc))
    table.add_row("test AU-PR", _pm(aupr))
    table.add_row("wall time", f"{m['wall_time_s']:.0f} s")
    table.add_row("checkpoint", str(result.checkpoint))
    print_table(table)


class Format(str, Enum):
    table = "table"
    json = "json"


def evaluate(
    checkpoint: Annotated[Path, typer.Argument(help="A .keras file from deepmotif train.")],
    split: Annotated[SplitName, typer.Option("--split", help="Split to evaluate on.")]
    = SplitName.test,
    dataset: Annotated[str | None, typer.Option(
        "--dataset", "-d", help="Default: the data set the checkpoint was trained on; "
        "NAME/CONFIG (koo_synthetic/tiny) works too.")] = None,
    config: Annotated[str | None, typer.Option("--config", help="Default: the checkpoint's.")]
    = None,
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="TFDS data folder.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="What to print.")] = Format.table,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the metrics as "
                                                  "JSON to this file.")] = None,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", min=1, help="Sequences per forward pass (memory and speed only; the "
        "metrics are the same).")] = 500,
) -> None:
    """Per-class AU-ROC and AU-PR of a checkpoint on a split, with mean ± std over classes."""
    check_file(checkpoint, "checkpoint", "the path of a .keras file written by deepmotif train")
    quiet = fmt is not Format.table
    with user_errors():
        import_keras(progress=not quiet)
        from deepmotif_arch.base.errors import CheckpointError
        from deepmotif_arch.data.datasets import SplitStream, class_names, parse_name
        from deepmotif_arch.training.checkpoints import evaluate_batches, load_checkpoint

        with working("Loading the checkpoint...", quiet):
            model, meta = load_checkpoint(checkpoint, compile=False)
        data = meta.get("dataset", {})
        version = None
        if dataset is not None:
            name, config, version = parse_name(dataset, config)
        else:
            name = data.get("name")
        if name is None:
            raise CheckpointError(f"{checkpoint} carries no data set name (not written by "
                                  "deepmotif train); give --dataset.")
        if config is None and name == data.get("name"):
            config = data.get("config")
        stream = SplitStream(name if version is None else f"{name}:{version}", split.value,
                             config=config, data_dir=data_dir)
        names = meta.get("class_names") or class_names(stream.builder)
        if int(model.output_shape[-1]) != stream.num_classes:
            raise CheckpointError(
                f"{checkpoint} predicts {model.output_shape[-1]} classes but {name} has "
                f"{stream.num_classes}; evaluate it on the data set it was trained on."
            )
        where = f"{name}/{stream.builder.builder_config.name} {split.value}"
        batches = counted(
            stream.epoch(None, batch_size=batch_size, shuffle=False).as_numpy_iterator(),
            stream.steps(batch_size), f"Evaluating on {where} ({stream.num_examples:,} "
            "sequences)", quiet)
        metrics = evaluate_batches((model, meta), batches, names)
    payload = {"checkpoint": str(checkpoint), "dataset": name,
               "config": stream.builder.builder_config.name,
               "version": str(stream.builder.version), "split": split.value, **metrics}
    if json_out is not None:
        from deepmotif_arch.base.io import atomic_write_text

        try:
            atomic_write_text(json_out, json.dumps(payload, indent=2))
        except OSError as exc:
            raise fail(f"cannot write {json_out} ({exc.strerror}).") from None
    if fmt is Format.json:
        console.print_json(json.dumps(payload))
        return
    table = Table(title=f"{checkpoint} on {where} ({metrics['num_examples']:,} sequences)")
    table.add_column("Class")
    table.add_column("Positives", justify="right")
    table.add_column("AU-ROC", justify="right")
    table.add_column("AU-PR", justify="right")
    for cls, row in metrics["per_class"].items():
        table.add_row(cls, f"{row['positives']:,}", _fmt(row["auroc"]), _fmt(row["aupr"]))
    table.add_section()
    table.add_row("mean ± std", "", _pm(metrics["auroc"]), _pm(metrics["aupr"]))
    print_table(table)


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pm(summary) -> str:
    from deepmotif_arch.base.text import mean_sd

    return mean_sd(summary["mean"], summary["std"], missing="n/a")
