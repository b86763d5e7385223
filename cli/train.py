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

from ._arch_options import DenseUnits, Filters, Flavor, Kernels, Pools, PoolStrides, resolve_spec
from ._common import console, err_console, fail, import_keras, user_errors

_DATA = "Data"
_PROTOCOL = "Protocol (defaults: the paper's)"


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
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="koo_synthetic or koo_invivo.",
                                         rich_help_panel=_DATA)] = "koo_synthetic",
    config: Annotated[str | None, typer.Option("--config", help="Data set config (default: "
                                               "the builder's, e.g. paper).",
                                               rich_help_panel=_DATA)] = None,
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="TFDS data folder.",
                                                 rich_help_panel=_DATA)] = None,
    epochs: Annotated[int, typer.Option("--epochs", help="Most epochs.",
                                        rich_help_panel=_PROTOCOL)] = 100,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Mini-batch size.",
                                            rich_help_panel=_PROTOCOL)] = 100,
    lr: Annotated[float | None, typer.Option(
        "--lr", help="Adam learning rate (constant); default 3e-4 with --flavor paper, 1e-3 "
        "with --flavor released (what the authors' code ran).",
        rich_help_panel=_PROTOCOL)] = None,
    patience: Annotated[int, typer.Option("--patience", help="Epochs without a lower "
                                          "validation loss before stopping.",
                                          rich_help_panel=_PROTOCOL)] = 20,
    trial: Annotated[int, typer.Option("--trial", help="Seeds initialisation, data order and "
                                       "dropout; reproducible per backend and machine.",
                                       rich_help_panel=_PROTOCOL)] = 0,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Output folder (default runs/MODEL/DATASET-CONFIG/trial-N). "
        "Running the same command again resumes an unfinished run.")] = None,
    precision: Annotated[str, typer.Option("--precision", help="float32, mixed_float16 or "
                                           "mixed_bfloat16.")] = "float32",
    distribute: Annotated[bool, typer.Option("--distribute", help="Data-parallel over all "
                                             "visible devices (jax or tensorflow).")] = False,
    jit: Annotated[JitMode, typer.Option("--jit", help="XLA / compiled training steps; auto "
                                         "picks the faster per backend.")] = JitMode.auto,
    steps_per_execution: Annotated[str, typer.Option(
        "--steps-per-execution", help="Training steps per call of the compiled step "
        "function; auto picks per backend (speed only, same result).")] = "auto",
    in_memory: Annotated[JitMode, typer.Option(
        "--in-memory", help="Feed splits that fit in memory as NumPy arrays instead of "
        "tf.data; auto: on for JAX and PyTorch, off for TensorFlow.")] = JitMode.auto,
    fast_pool: Annotated[bool, typer.Option(
        "--fast-pool/--no-fast-pool", help="On JAX, max pooling whose gradient is several "
        "times cheaper on CPU than Keras's (same values; the saved model is unchanged).")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the checkpoint "
                                        "path.")] = False,
    flavor: Flavor = "paper",
    filters: Filters = None,
    kernels: Kernels = None,
    pools: Pools = None,
    pool_strides: PoolStrides = None,
    dense_units: DenseUnits = None,
) -> None:
    """Train a zoo model with the paper's protocol; rerun the same command to resume.

    Adam 3e-4, binary cross-entropy, batches of 100, up to 100 epochs, the weights with
    the lowest validation loss kept (patience 20). --flavor released trains as the
    authors' code did (Adam 1e-3, beta_1 0.95, Glorot-uniform kernels, BatchNorm after
    the dense layer), which is what reaches the paper's AU-ROC on koo_synthetic.
    Writes model.keras (with its metadata), history.csv and run.json when done.
    """
    with user_errors():
        spec = resolve_spec(model, filters=filters, kernels=kernels, pools=pools,
                            pool_strides=pool_strides, dense_units=dense_units, flavor=flavor)
        keras = import_keras()
        from deepmotif_arch import datasets
        from deepmotif_arch.training import TrainSettings, default_output_dir
        from deepmotif_arch.training import train as run_training

        datasets.builder_class(dataset)  # unknown names fail before anything is built
        settings = TrainSettings(
            spec=spec, dataset=dataset, dataset_config=config, data_dir=data_dir,
            epochs=epochs, batch_size=batch_size, learning_rate=lr, patience=patience,
            trial=trial, precision=precision, distribute=distribute,
            jit_compile=_auto_on_off(jit), flavor=flavor,
            steps_per_execution=_steps(steps_per_execution), fast_pool=fast_pool,
            in_memory=_auto_on_off(in_memory),
        )
        settings.validate()
        out = output if output is not None else default_output_dir(settings)
        display = _Display(settings, quiet)
        command = "deepmotif " + " ".join(shlex.quote(a) for a in sys.argv[1:])
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
                          f"{facts['best_epoch'] + 1}).")
        else:
            console.print(f"Training {s.spec.name} on {s.dataset} with {facts['backend']}: up to "
                          f"{s.epochs} epochs of {facts['steps']} batches, patience {s.patience}.")
        if facts["devices"]:
            console.print(f"Data-parallel over {len(facts['devices'])} devices.")
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
            f"val_auroc {auroc}  {record.seconds:5.1f}s{mark}", highlight=False)
        self.progress.update(self.task, completed=record.epoch,
                             status=f"best val_loss {facts['best_val_loss']:.4f}")

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
    table = Table(title=f"{m['model']['name']} trial {t['trial']} on {m['dataset']['name']}/"
                  f"{m['dataset']['config']} ({t['backend']})", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("best epoch", f"{t['best_epoch']} of {t['epochs_run']}")
    table.add_row("validation loss", f"{t['best_val_loss']:.4f}")
    table.add_row("test AU-ROC", f"{auroc['mean']:.3f} ± {auroc['std']:.3f}")
    table.add_row("test AU-PR", f"{aupr['mean']:.3f} ± {aupr['std']:.3f}")
    table.add_row("wall time", f"{m['wall_time_s']:.0f} s")
    table.add_row("checkpoint", str(result.checkpoint))
    console.print(table)


class Format(str, Enum):
    table = "table"
    json = "json"


def evaluate(
    checkpoint: Annotated[Path, typer.Argument(help="A .keras file from deepmotif train.")],
    split: Annotated[str, typer.Option("--split", help="train, validation or test.")] = "test",
    dataset: Annotated[str | None, typer.Option("--dataset", "-d", help="Default: the data set "
                                                "the checkpoint was trained on.")] = None,
    config: Annotated[str | None, typer.Option("--config", help="Default: the checkpoint's.")]
    = None,
    data_dir: Annotated[str | None, typer.Option("--data-dir", help="TFDS data folder.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the metrics as "
                                                  "JSON to this file.")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 500,
) -> None:
    """Per-class AU-ROC and AU-PR of a checkpoint on a split, with mean ± std over classes."""
    with user_errors():
        import_keras()
        from deepmotif_arch.checkpoints import evaluate_batches, load_checkpoint
        from deepmotif_arch.datasets import SplitStream, class_names
        from deepmotif_arch.errors import CheckpointError

        model, meta = load_checkpoint(checkpoint, compile=False)
        data = meta.get("dataset", {})
        name = dataset or data.get("name")
        if name is None:
            raise CheckpointError(f"{checkpoint} carries no data set name (not written by "
                                  "deepmotif train); give --dataset.")
        same_data = name == data.get("name")
        stream = SplitStream(name, split, config=config or (data.get("config") if same_data
                                                           else None), data_dir=data_dir)
        names = meta.get("class_names") or class_names(stream.builder)
        if int(model.output_shape[-1]) != stream.num_classes:
            raise CheckpointError(
                f"{checkpoint} predicts {model.output_shape[-1]} classes but {name} has "
                f"{stream.num_classes}; evaluate it on the data set it was trained on."
            )
        batches = stream.epoch(None, batch_size=batch_size, shuffle=False).as_numpy_iterator()
        metrics = evaluate_batches((model, meta), batches, names)
    payload = {"checkpoint": str(checkpoint), "dataset": name,
               "config": stream.builder.builder_config.name,
               "version": str(stream.builder.version), "split": split, **metrics}
    if json_out is not None:
        from deepmotif_arch.checkpoints import atomic_write_text

        try:
            atomic_write_text(json_out, json.dumps(payload, indent=2))
        except OSError as exc:
            raise fail(f"cannot write {json_out} ({exc.strerror}).") from None
    if fmt is Format.json:
        console.print_json(json.dumps(payload))
        return
    table = Table(title=f"{checkpoint} on {name}/{payload['config']} {split} "
                  f"({metrics['num_examples']:,} sequences)")
    table.add_column("Class")
    table.add_column("Positives", justify="right")
    table.add_column("AU-ROC", justify="right")
    table.add_column("AU-PR", justify="right")
    for cls, row in metrics["per_class"].items():
        table.add_row(cls, f"{row['positives']:,}", _fmt(row["auroc"]), _fmt(row["aupr"]))
    table.add_section()
    table.add_row("mean ± std", "", _pm(metrics["auroc"]), _pm(metrics["aupr"]))
    console.print(table)


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pm(summary) -> str:
    if summary["mean"] is None:
        return "n/a"
    return f"{summary['mean']:.3f} ± {summary['std']:.3f}"
