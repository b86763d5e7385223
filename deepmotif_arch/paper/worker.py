"""One job of a sweep in a process of its own: ``python -m deepmotif_arch.paper.worker``.

:func:`deepmotif_arch.paper.experiment.run_sweep` starts one of these per (model,
trial), with the backend chosen through ``KERAS_BACKEND``; this module is what those
processes run, not a command for people (``deepmotif experiment table1`` is). Its
arguments are the model, the trial and the sweep's settings as one JSON object (see
:func:`deepmotif_arch.paper.experiment.job_command`). It prints a line per epoch and the
result, and exits with status 0 when the job's ``result.json`` is written, 1 with one
sentence on stderr when the job fails.
"""

from __future__ import annotations

import json
import sys


def _print_epoch(record, facts) -> None:
    auroc = record.val_auroc if record.val_auroc is not None else float("nan")
    print(f"epoch {record.epoch + 1}/{facts['epochs']} loss {record.loss:.4f} "
          f"val_loss {record.val_loss:.4f} val_auroc {auroc:.4f} {record.seconds:.1f}s",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    from deepmotif_arch.base.errors import DeepMotifError
    from deepmotif_arch.paper import experiment as ex

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m deepmotif_arch.paper.worker MODEL TRIAL SETTINGS_JSON",
              file=sys.stderr)
        return 2
    model, trial, settings = args
    try:
        job = ex.Job(ex.sweep_model(model), int(trial))
        result = ex.run_job(job, ex.SweepSettings.from_dict(json.loads(settings)),
                            on_epoch=_print_epoch)
    except DeepMotifError as exc:
        print(str(exc), file=sys.stderr, flush=True)
        return 1
    print(f"result: AU-ROC {result.test['auroc_mean']:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
