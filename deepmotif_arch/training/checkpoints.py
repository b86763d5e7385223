"""Trained checkpoints: plain ``.keras`` files that also say how to use them.

A checkpoint is what ``model.save`` writes, plus one extra member in the zip
archive, ``deepmotif.json``: the class names, alphabet and channel order, input
length, data set (name, config, version), training settings and test metrics.
Keras ignores the extra member, so ``keras.models.load_model(path)`` opens the file
on TensorFlow, JAX and PyTorch with no custom objects; :func:`read_metadata` reads it
back, and :func:`predict` refuses input the model was not trained on.

Files are written under a temporary name in the target folder and renamed when
complete, so a crash never leaves a half-written checkpoint under the final name.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from deepmotif_arch.base.errors import CheckpointError
from deepmotif_arch.base.io import atomic_path, json_default
from deepmotif_arch.base.sequence import ALPHABET

__all__ = ["METADATA_MEMBER", "save_checkpoint", "read_metadata", "load_checkpoint",
           "evaluate_batches",
           "check_input", "predict"]

#: Name of the metadata member inside the ``.keras`` zip archive.
METADATA_MEMBER = "deepmotif.json"
FORMAT = "deepmotif-arch checkpoint"
FORMAT_VERSION = 1


def save_checkpoint(model, path: str | os.PathLike, metadata: dict[str, Any] | None = None,
                    *, include_optimizer: bool = True) -> Path:
    """Save ``model`` as a ``.keras`` file with ``metadata`` inside, atomically.

    Parameters
    ----------
    model : keras.Model
    path : path ending in ``.keras``
    metadata : dict, optional
        JSON-serialisable; stored as ``deepmotif.json`` in the archive.
    include_optimizer : bool, default True
        Keep the optimizer state (needed to resume training).
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise CheckpointError(f"checkpoint path {str(path)!r} must end in '.keras'.")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        if include_optimizer:
            model.save(tmp)
        else:
            _save_without_optimizer(model, tmp)
        if metadata is not None:
            payload = {"format": FORMAT, "format_version": FORMAT_VERSION, **metadata}
            with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_DEFLATED) as archive:
                text = json.dumps(payload, indent=2, default=json_default)
                archive.writestr(METADATA_MEMBER, text)
    return path


def _save_without_optimizer(model, path: Path) -> None:
    import keras

    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    clone.save(path)


def _check_keras_file(path: Path) -> None:
    if not path.exists():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist.")
    if path.is_dir():
        raise CheckpointError(
            f"{str(path)!r} is a folder; give the .keras file inside it (e.g. {path}/model.keras)."
        )
    if not zipfile.is_zipfile(path):
        raise CheckpointError(
            f"{str(path)!r} is not a Keras checkpoint (a .keras zip archive written by "
            "model.save or deepmotif train)."
        )
    with zipfile.ZipFile(path) as archive:
        if "config.json" not in archive.namelist():
            raise CheckpointError(
                f"{str(path)!r} is a zip archive but not a Keras checkpoint (no config.json)."
            )


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The ``deepmotif.json`` metadata of a checkpoint (empty for plain Keras files)."""
    path = Path(path)
    _check_keras_file(path)
    with zipfile.ZipFile(path) as archive:
        if METADATA_MEMBER not in archive.namelist():
            return {}
        try:
            return json.loads(archive.read(METADATA_MEMBER))
        except json.JSONDecodeError as exc:
            raise CheckpointError(f"the metadata in {str(path)!r} is not valid JSON "
                                  f"({exc.msg}).") from None


def load_checkpoint(path: str | os.PathLike, *, compile: bool = True):
    """Open a checkpoint: ``(keras.Model, metadata dict)``.

    Raises
    ------
    CheckpointError
        For a missing file or one that is not a Keras checkpoint.
    """
    import keras

    path = Path(path)
    metadata = read_metadata(path)
    try:
        model = keras.models.load_model(path, compile=compile)
    except Exception as exc:  # Keras raises many kinds for a damaged archive
        raise CheckpointError(f"Keras could not open {str(path)!r} "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0]}).") from None
    return model, metadata


def check_input(x, metadata: dict[str, Any], model=None) -> np.ndarray:
    """Validate one-hot input against what a checkpoint was trained on.

    Parameters
    ----------
    x : array-like
        Shape (n, length, 4), one-hot in the checkpoint's channel order.
    metadata : dict
        From :func:`read_metadata`.
    model : keras.Model, optional
        Used for the input length when the metadata has none.

    Returns
    -------
    numpy.ndarray
        ``x`` as float32.

    Raises
    ------
    CheckpointError
        Naming the mismatch: wrong rank, length, alphabet size, or rows that are
        not one-hot (an integer-encoded or differently encoded batch).
    """
    x = np.asarray(x)
    alphabet = metadata.get("alphabet", ALPHABET)
    length = metadata.get("input_length")
    if length is None and model is not None:
        length = model.input_shape[1]
    if x.ndim == 2 and x.shape[-1] != len(alphabet):
        raise CheckpointError(
            f"input has shape {x.shape}, which looks integer-encoded; the model takes one-hot "
            f"arrays of shape (n, {length}, {len(alphabet)}) with channels {', '.join(alphabet)}."
        )
    if x.ndim != 3:
        raise CheckpointError(f"input has shape {x.shape}; the model takes one-hot arrays of "
                              f"shape (n, {length}, {len(alphabet)}).")
    if x.shape[2] != len(alphabet):
        raise CheckpointError(
            f"input has {x.shape[2]} channels; the model was trained on the {len(alphabet)}-letter "
            f"alphabet {alphabet} (one channel per letter, in that order)."
        )
    if length is not None and x.shape[1] != length:
        raise CheckpointError(
            f"input sequences are {x.shape[1]} nt long; the model was trained on {length} nt "
            f"({metadata.get('dataset', {}).get('name', 'its data set')}): crop or pad to {length}."
        )
    values_ok = np.isin(x, (0, 1)).all()
    rows = x.sum(axis=2)
    if not values_ok or np.any(rows > 1):
        raise CheckpointError(
            "input is not one-hot: every position needs a single 1 among its "
            f"{len(alphabet)} channels ({', '.join(alphabet)}) and 0 elsewhere."
        )
    return x.astype(np.float32, copy=False)


def predict(checkpoint, x, *, batch_size: int = 256) -> np.ndarray:
    """Validated predictions of a checkpoint (a path or a ``(model, metadata)`` pair).

    Returns
    -------
    numpy.ndarray
        Probabilities of shape (n, num_classes), columns in ``metadata["class_names"]`` order;
        an empty batch (n = 0) gives an empty array without calling the model.
    """
    if isinstance(checkpoint, (str, os.PathLike)):
        model, metadata = load_checkpoint(checkpoint, compile=False)
    else:
        model, metadata = checkpoint
    x = check_input(x, metadata, model)
    if len(x) == 0:
        # Keras's predict fails on zero batches and, on JAX, leaves the model unable to
        # predict again; there is nothing to compute anyway.
        return np.zeros((0, int(model.output_shape[-1])), dtype=np.float32)
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))


def evaluate_batches(checkpoint, batches, class_names=None) -> dict:
    """Per-class AU-ROC and AU-PR of a checkpoint over ``(x, y)`` NumPy batches.

    ``checkpoint`` is a path or a ``(model, metadata)`` pair; every batch is validated
    against the metadata (:func:`check_input`). Returns
    :func:`deepmotif_arch.training.metrics.classification_metrics` of the whole pass.
    """
    from deepmotif_arch.training.metrics import classification_metrics

    if isinstance(checkpoint, (str, os.PathLike)):
        checkpoint = load_checkpoint(checkpoint, compile=False)
    ys, ps = [], []
    for x, y in batches:
        ps.append(np.asarray(predict(checkpoint, x, batch_size=len(x)), dtype=np.float32))
        ys.append(y)
    return classification_metrics(np.concatenate(ys), np.concatenate(ps), class_names)
