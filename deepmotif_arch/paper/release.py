"""Release the best trained checkpoint of every Table 1 model, with a model card.

``deepmotif experiment release`` (:func:`release_checkpoints`) reads the sweep's
result files (:mod:`deepmotif_arch.paper.experiment`), picks for each model the trial with
the lowest validation loss (never a test metric) and writes::

    releases/koo_synthetic/<model>.keras    the trained checkpoint, byte for byte
    releases/koo_synthetic/<model>.md       its model card
    releases/koo_synthetic/SHA256SUMS       ``sha256sum -c SHA256SUMS`` checks every file
    releases/koo_synthetic/index.json       every released model: file, hash, metrics

and nothing else: in a checkout that folder is the package data of
``deepmotif_arch.releases`` (``pyproject.toml``), so the next wheel ships what was
released, and :mod:`deepmotif_arch.zoo.pretrained` reads its index to find, verify and
open the files. Every file is written under a temporary name and renamed when
complete.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deepmotif_arch.base.io import atomic_path, atomic_write_text, json_default, sha256_file
from deepmotif_arch.base.sequence import ALPHABET
from deepmotif_arch.base.text import mean_sd
from deepmotif_arch.paper.experiment import (
    CHECKPOINT_NAME,
    DEEPER_LAYERS,
    PAPER_TABLE1,
    TABLE1_MODELS,
    ExperimentError,
    check_models,
    choose_backend,
    choose_trial,
    is_finite_number,
    load_results,
)
from deepmotif_arch.paper.records import TrialResult
from deepmotif_arch.training.checkpoints import read_metadata
from deepmotif_arch.zoo.architectures import count_parameters, get_spec, layer_geometry
from deepmotif_arch.zoo.pretrained import read_index

__all__ = ["INDEX_FORMAT", "check_release", "choose_trial", "model_card", "release_checkpoints"]

#: Version of the layout of ``index.json``.
INDEX_FORMAT = 1
PAPER = ('Koo PK, Eddy SR (2019). "Representation learning of genomic sequence motifs with '
         'convolutional neural networks." PLoS Comput Biol 15(12): e1007560. '
         "https://doi.org/10.1371/journal.pcbi.1007560")
SELECTION = "lowest validation loss (training.best_val_loss); test metrics are not used"


def _source(result: TrialResult, runs: Path | None, results: Path | None = None
            ) -> tuple[Path, str]:
    """The checkpoint file of a result and the hash its result file recorded: the one
    kept beside the result (result format 3), else the recorded path."""
    model, trial = result.model, result.trial
    recorded = result.checkpoint
    if not recorded.get("sha256"):
        raise ExperimentError(f"the result of {model} trial {trial} records no checkpoint "
                              "SHA-256; rerun the job with this version of deepmotif-arch.")
    kept = (Path(results) / model / f"trial-{trial}" / CHECKPOINT_NAME
            if results is not None else None)
    if runs is not None:
        src = Path(runs) / model / f"trial-{trial}" / "model.keras"
    elif kept is not None and kept.is_file():
        src = kept
    else:
        src = Path(recorded.get("path") or "")
    if not src.is_file():
        raise ExperimentError(f"the checkpoint of {model} trial {trial} ({src}) does not "
                              "exist; give the folder of the training runs with --runs.")
    return src, recorded["sha256"]


def _copy_verified(src: Path, dest: Path, sha256: str, what: str) -> None:
    """Copy ``src`` to ``dest`` through a temporary name, checking the copy's hash."""
    if dest.is_file() and sha256_file(dest) == sha256:
        return  # already released, byte for byte
    with atomic_path(dest) as tmp:
        shutil.copyfile(src, tmp)
        actual = sha256_file(tmp)
        if actual != sha256:
            raise ExperimentError(f"the checkpoint of {what} ({src}) has SHA-256 "
                                  f"{actual[:12]}… but its result.json records "
                                  f"{sha256[:12]}…; the file changed after the run, so "
                                  "rerun the job.")


def _command(result: TrialResult, trials: Sequence[TrialResult], metadata: dict) -> list[str]:
    """The commands that reproduce a released checkpoint."""
    model = result.model
    n = max(t.trial for t in trials) + 1
    cmd = f"deepmotif experiment table1 --models {model} --trials {n}"
    if result.flavor != "released":
        cmd += f" --flavor {result.flavor}"
    epochs = (metadata.get("training") or {}).get("epochs_max")
    if epochs is not None and epochs != 100:
        cmd += f" --epochs {epochs}"
    patience = result.training.get("patience")
    if patience is not None and patience != 20:
        cmd += f" --patience {patience}"
    backend = result.backend
    if backend and backend != choose_backend(model, "auto"):
        cmd += f" --backend {backend}"
    return [cmd, "deepmotif experiment release"]


def _f(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _pair(ref: tuple[float, float] | None) -> str:
    return "–" if ref is None else mean_sd(*ref)


def _pipeline(result: TrialResult) -> str:
    """One sentence naming the interpretation pipeline that produced a result's numbers."""
    preset = result.interpretation.get("preset")
    if preset is None:
        return ("Read out and matched with this library's former pipeline, the `v0` preset of "
                "deepmotif_arch.interpretation.presets (every position above 50% of the maximum, "
                "receptive-field windows counted once, off-end windows dropped, nsites = "
                "windows kept, Tomtom Pearson with minimum overlap 5, E < 0.1; result format "
                f"{result.format}), not the authors' pipeline that Table 1 now uses.")
    return (f"Read out and matched with the `{preset}` pipeline "
            "(deepmotif_arch.interpretation.presets; "
            "`authors` is the authors' scripts: 50% of the maximum, 19-nt activation-weighted "
            "windows zero-padded at the ends, nsites = width, Tomtom Euclidean with minimum "
            "overlap 1, E < 0.1).")


def model_card(result: TrialResult, entry: dict, trials: Sequence[TrialResult],
               metadata: dict) -> str:
    """The Markdown model card of one released checkpoint.

    Parameters
    ----------
    result : TrialResult
        The chosen trial's result file.
    entry : dict
        Its index entry (file, hash, size).
    trials : sequence of TrialResult
        Every finished trial of the model (for the selection table).
    metadata : dict
        The checkpoint's metadata (:func:`deepmotif_arch.training.checkpoints.read_metadata`).

    Returns
    -------
    str
        The card, ending in a newline.
    """
    model = result.model
    flavor = result.flavor
    spec = get_spec(model, flavor=flavor)
    length = int(metadata.get("input_length") or 200)
    classes = list(metadata.get("class_names") or result.test.get(
        "per_class_auroc", {}))
    params = count_parameters(spec, input_length=length, num_classes=len(classes) or 12)
    dataset = result.dataset
    training = result.training
    test = result.test
    alphabet = metadata.get("alphabet", ALPHABET)
    out = [f"# {spec.label or model} (`{model}`) trained on {dataset.get('name', '?')}", ""]
    version = result.versions.get("deepmotif-arch")
    out += [f"A Keras 3 checkpoint of the {spec.label or model} architecture of Koo & Eddy "
            "(2019), trained on the synthetic data set of the paper's Table 1 by "
            "deepmotif-arch" + (f" {version}." if version else "."), "", f"Paper: {PAPER}",
            "", "## Use", "", "```python", "from deepmotif_arch import pretrained", "",
            f'model = pretrained.load("{model}")  # verified against its SHA-256', "```", "",
            f"or, with Keras alone and no custom objects, `keras.models.load_model("
            f'"{entry["file"]}")` on TensorFlow, JAX or PyTorch. Input: one-hot arrays of '
            f"shape (n, {length}, {len(alphabet)}), channels {', '.join(alphabet)}. Output: "
            f"{len(classes)} sigmoid probabilities, one per class, in the order "
            f"{', '.join(classes)}.", ""]
    out += ["## Architecture", "",
            f"Flavor `{flavor}`"
            + (" (the authors' released code, which produced Table 1)" if flavor == "released"
               else " (the paper's Methods text)") + ". Each convolution has no bias and is "
            "followed by BatchNorm, ReLU, max-pooling (when wider than 1) and dropout "
            f"{spec.conv_dropout}; the hidden dense layer ({spec.dense_units} units) is "
            "followed by " + ("BatchNorm, " if spec.dense_batchnorm else "")
            + f"ReLU and dropout {spec.dense_dropout}. L2 {spec.l2:g} on every kernel, "
            f"{spec.kernel_initializer} initialisation.", "",
            "| Layer | Filters / units | Kernel | Pool (window/stride) | Output length "
            "| Receptive field (nt) |", "|---|---|---|---|---|---|"]
    for geo in layer_geometry(spec, length):
        block = spec.blocks[int(geo.name[4:].split("_")[0]) - 1]
        if geo.kind == "conv":
            out.append(f"| {geo.name} | {geo.channels} | {block.kernel} | – | {geo.length} "
                       f"| {geo.receptive_field} |")
        else:
            out.append(f"| {geo.name} | {geo.channels} | – | {block.describe_pool()} "
                       f"| {geo.length} | {geo.receptive_field} |")
    out += [f"| dense | {spec.dense_units} | – | – | – | – |",
            f"| output (sigmoid) | {len(classes)} | – | – | – | – |", "",
            f"Parameters: {params['total']:,} ({params['trainable']:,} trainable, "
            f"{params['non_trainable']:,} non-trainable BatchNorm statistics).", ""]
    out += ["## Data", "",
            f"TFDS data set `{dataset.get('name')}`, config `{dataset.get('config')}`, "
            f"version {dataset.get('version')}: {length}-nt sequences with embedded motifs "
            f"of {len(classes)} transcription factors, one binary label per factor.", ""]
    settings = {**training, "backend": result.backend,
                "epochs_max": (metadata.get("training") or {}).get("epochs_max"),
                "init_seed": ((metadata.get("training") or {}).get("seeds") or {}).get("init")}
    out += ["## Training", "", "| Setting | Value |", "|---|---|"]
    out += [f"| {key} | {value:.6g} |" if isinstance(value, float) else f"| {key} | {value} |"
            for key, value in settings.items() if value is not None]
    ranked = sorted(trials, key=lambda t: t.trial)
    out += ["", "## Trial selection", "",
            f"Trial {result.trial} of the {len(trials)} finished trial(s), chosen by "
            f"{SELECTION}.", "", "| Trial | Validation loss | Epochs run | Released |",
            "|---|---|---|---|"]
    out += [f"| {t.trial} | {_f(t.training.get('best_val_loss'), 5)} "
            f"| {_f(t.training.get('epochs_run'))} "
            f"| {'yes' if t.trial == result.trial else ''} |" for t in ranked]
    per_roc, per_pr = test.get("per_class_auroc") or {}, test.get("per_class_aupr") or {}
    paper_auroc = (PAPER_TABLE1.get((model, "conv1")) or {}).get("auroc")
    out += ["", "## Test performance", "",
            f"AU-ROC {_f(test.get('auroc_mean'))} (sd across classes "
            f"{_f(test.get('auroc_sd_classes'))}; paper {_pair(paper_auroc)}), AU-PR "
            f"{_f(test.get('aupr_mean'))}, on the test split.", "",
            "| Class | AU-ROC | AU-PR |", "|---|---|---|"]
    out += [f"| {c} | {_f(per_roc.get(c))} | {_f(per_pr.get(c))} |"
            for c in (classes or list(per_roc))]
    out += ["", "## Motifs learned by the filters", "",
            "Fraction of the filters whose motif matches (Tomtom) any JASPAR 2016 motif, and "
            "fraction matching a motif of one of the embedded factors (relevant), beside the "
            "paper's mean ± sd over 5 trials. " + _pipeline(result), "",
            "| Layer | Filters | Silent | JASPAR | paper | Relevant | paper | Factors missed |",
            "|---|---|---|---|---|---|---|---|"]
    for layer in ("conv1", *DEEPER_LAYERS.get(model, ())):
        stats = result.layers.get(layer)
        if stats is None:
            continue
        paper = PAPER_TABLE1.get((model, layer)) or {}
        out.append(f"| {layer} | {_f(stats.get('num_filters'))} "
                   f"| {_f(stats.get('num_silent'))} | {_f(stats.get('fraction_jaspar'))} "
                   f"| {_pair(paper.get('jaspar'))} | {_f(stats.get('fraction_relevant'))} "
                   f"| {_pair(paper.get('relevant'))} "
                   f"| {', '.join(stats.get('tfs_missed') or []) or 'none'} |")
    out += ["", "## Reproduce", "", "```sh", *_command(result, trials, metadata), "```", "",
            "## Integrity", "", f"SHA-256 `{entry['sha256']}` ({entry['size']:,} bytes); "
            "check every file of the release with `sha256sum -c SHA256SUMS`.", ""]
    versions = result.versions
    if versions:
        out += ["## Versions", "", "| Package | Version |", "|---|---|"]
        out += [f"| {k} | {v} |" for k, v in versions.items()]
        out.append("")
    return "\n".join(out)


def _entry(result: TrialResult, trials: Sequence[TrialResult], dest: Path, sha256: str,
           metadata: dict) -> dict:
    test = result.test
    layers = {layer: {"fraction_jaspar": stats.get("fraction_jaspar"),
                      "fraction_relevant": stats.get("fraction_relevant")}
              for layer, stats in result.layers.items()}
    return {
        "name": result.model,
        "label": result.label or result.model,
        "file": dest.name,
        "card": dest.with_suffix(".md").name,
        "sha256": sha256,
        "size": dest.stat().st_size,
        "flavor": result.flavor,
        "dataset": result.dataset,
        "input_length": metadata.get("input_length"),
        "alphabet": metadata.get("alphabet"),
        "class_names": metadata.get("class_names"),
        "trial": result.trial,
        "trials_finished": sorted(t.trial for t in trials),
        "selected_by": SELECTION,
        "backend": result.backend,
        "metrics": {
            "best_val_loss": result.training.get("best_val_loss"),
            "auroc_mean": test.get("auroc_mean"),
            "aupr_mean": test.get("aupr_mean"),
            "layers": layers,
        },
        "library_version": result.versions.get("deepmotif-arch"),
    }


def _kept(out: Path, released: set[str]) -> list[dict]:
    """Entries of an earlier index in ``out`` that this release leaves in place."""
    kept = []
    for entry in read_index(out / "index.json")["models"]:
        if entry["name"] in released:
            continue
        file = out / entry["file"]
        if not file.is_file():
            continue
        if sha256_file(file) != entry["sha256"]:
            raise ExperimentError(f"{file} does not match the SHA-256 in {out}/index.json; "
                                  f"release {entry['name']} again or delete the file.")
        kept.append(entry)
    return kept


def release_checkpoints(results: str | os.PathLike = "results/table1",
                        runs: str | os.PathLike | None = None,
                        out: str | os.PathLike = "releases/koo_synthetic",
                        models: Sequence[str] | None = None) -> list[dict]:
    """Release the lowest-validation-loss trial of every Table 1 model that has results.

    Parameters
    ----------
    results : path-like, default "results/table1"
        The sweep's result folder (``<model>/trial-<N>/result.json``).
    runs : path-like, optional
        The training runs folder; the checkpoint is then
        ``<runs>/<model>/trial-<N>/model.keras`` instead of the path recorded in
        ``result.json``.
    out : path-like, default "releases/koo_synthetic"
        Release folder: ``<model>.keras``, ``<model>.md``, ``SHA256SUMS`` and
        ``index.json``; nothing is written anywhere else. Models released there
        earlier and not released now stay in the index (their files are checked
        against their hashes). Run from a checkout, the default is the folder the
        wheel ships as ``deepmotif_arch.releases``.
    models : sequence of str, optional
        Names to release (default: every Table 1 model with a finished trial); each
        named model must have one.

    Returns
    -------
    list of dict
        The index entries of the models released by this call, in the paper's order.

    Raises
    ------
    ExperimentError
        With no finished results, a missing checkpoint, or a checkpoint whose SHA-256
        differs from the one its ``result.json`` recorded.
    """
    names = check_models(models)
    by_model: dict[str, list[dict]] = {}
    for result in load_results(results):
        if result.model in names:
            by_model.setdefault(result.model, []).append(result)
    if not by_model:
        raise ExperimentError(f"{results} holds no finished result files for "
                              f"{', '.join(names) if models else 'any Table 1 model'}; run "
                              "`deepmotif experiment table1` first.")
    if models:
        missing = [m for m in names if m not in by_model]
        if missing:
            raise ExperimentError(f"{', '.join(missing)} has no finished trial in {results}; "
                                  "run `deepmotif experiment table1 --models "
                                  f"{missing[0]}` first.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs = Path(runs) if runs is not None else None
    released = []
    for model in (m for m in names if m in by_model):
        trials = by_model[model]
        chosen = choose_trial(trials)
        src, sha256 = _source(chosen, runs, Path(results))
        dest = out / f"{model}.keras"
        _copy_verified(src, dest, sha256, f"{model} trial {chosen.trial}")
        metadata = read_metadata(dest)
        entry = _entry(chosen, trials, dest, sha256, metadata)
        atomic_write_text(out / entry["card"], model_card(chosen, entry, trials, metadata))
        released.append(entry)
    entries = _kept(out, {e["name"] for e in released}) + released
    order = {name: i for i, name in enumerate(TABLE1_MODELS)}
    entries.sort(key=lambda e: (order.get(e["name"], len(order)), e["name"]))
    index = {"format": INDEX_FORMAT, "paper": PAPER, "selected_by": SELECTION,
             "models": entries}
    text = json.dumps(index, indent=2, default=json_default) + "\n"
    atomic_write_text(out / "SHA256SUMS", "".join(f"{e['sha256']}  {e['file']}\n"
                                                  for e in entries))
    atomic_write_text(out / "index.json", text)
    return released


def check_release(out: str | os.PathLike = "releases/koo_synthetic", *,
                  config: str = "independent", split: str = "test",
                  data_dir: str | None = None, models: Sequence[str] | None = None,
                  batch_size: int = 500, write: bool = True) -> list[dict]:
    """Evaluate released checkpoints on a fresh draw of their data set.

    Each checkpoint of the release's index is checked against its SHA-256, opened with
    ``keras.models.load_model`` and evaluated on ``split`` of the data set it was
    trained on under another ``config``: by default koo_synthetic's ``independent``
    config, a second draw of the paper's set from the same 12 motifs (seed 1), so no
    sequence was seen in training, validation or model selection. The data set is
    built on first use.

    Parameters
    ----------
    out : path-like, default "releases/koo_synthetic"
        The release folder (with ``index.json``).
    config, split : str
        The data set config and split to evaluate on.
    data_dir : str, optional
        TFDS data folder.
    models : sequence of str, optional
        Released names to check (default: all).
    batch_size : int
        Prediction batch size.
    write : bool, default True
        Write ``<out>/<config>-<split>.json`` and ``.md`` (the table).

    Returns
    -------
    list of dict
        Per model: name, label, the AU-ROC and AU-PR recorded at release (the
        original test split) and on the fresh split, and their difference.
    """
    import keras

    from deepmotif_arch.data.datasets import SplitStream
    from deepmotif_arch.training.checkpoints import evaluate_batches

    out = Path(out)
    entries = read_index(out / "index.json")["models"]
    if not entries:
        raise ExperimentError(f"{out} holds no released checkpoints (no index.json entries); "
                              "run `deepmotif experiment release` first.")
    if models:
        known = {e["name"] for e in entries}
        unknown = [m for m in models if m not in known]
        if unknown:
            raise ExperimentError(f"{unknown[0]!r} is not released in {out}; use one of "
                                  f"{', '.join(sorted(known))}.")
        entries = [e for e in entries if e["name"] in models]
    streams: dict[tuple, SplitStream] = {}
    rows = []
    for entry in entries:
        file = out / entry["file"]
        if not file.is_file() or sha256_file(file) != entry["sha256"]:
            raise ExperimentError(f"{file} is missing or does not match the SHA-256 in "
                                  f"{out}/index.json; release {entry['name']} again.")
        metadata = read_metadata(file)
        name = (entry.get("dataset") or {}).get("name") or "koo_synthetic"
        key = (name, config, split)
        if key not in streams:
            streams[key] = SplitStream(name, split, config=config, data_dir=data_dir)
        stream = streams[key]
        model = keras.models.load_model(file, compile=False)
        metrics = evaluate_batches(
            (model, metadata),
            stream.epoch(None, batch_size=batch_size, shuffle=False).as_numpy_iterator(),
            entry.get("class_names"))
        released = entry.get("metrics") or {}
        auroc, aupr = metrics["auroc"]["mean"], metrics["aupr"]["mean"]
        rows.append({
            "name": entry["name"], "label": entry.get("label") or entry["name"],
            "trial": entry.get("trial"),
            "released_auroc": released.get("auroc_mean"),
            "released_aupr": released.get("aupr_mean"),
            "auroc": auroc, "auroc_sd_classes": metrics["auroc"]["std"], "aupr": aupr,
            "auroc_diff": (None if released.get("auroc_mean") is None
                           else auroc - released["auroc_mean"]),
            "num_examples": metrics["num_examples"],
        })
    if write:
        version = str(next(iter(streams.values())).builder.version)
        stem = out / f"{config}-{split}"
        payload = {"config": config, "split": split, "version": version, "models": rows}
        atomic_write_text(stem.with_suffix(".json"),
                          json.dumps(payload, indent=2, default=json_default) + "\n")
        atomic_write_text(stem.with_suffix(".md"), _check_table(rows, config, split, version))
    return rows


def _check_table(rows: Sequence[dict], config: str, split: str, version: str) -> str:
    lines = [f"Released checkpoints on koo_synthetic/{config} {version}, {split} split "
             f"({rows[0]['num_examples']:,} sequences never used in training or selection), "
             "against the AU-ROC and AU-PR each recorded on its own test split at release. "
             f"Written by `deepmotif experiment check-release --config {config}`.", "",
             "| Model | Trial | AU-ROC at release | AU-ROC here | Difference | AU-PR at release "
             "| AU-PR here |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['label']} | {r['trial']} | {_f(r['released_auroc'])} "
                     f"| {_f(r['auroc'])} | {_signed(r['auroc_diff'])} "
                     f"| {_f(r['released_aupr'])} | {_f(r['aupr'])} |")
    return "\n".join(lines) + "\n"


def _signed(value: Any) -> str:
    return "–" if not is_finite_number(value) else f"{value:+.3f}"
