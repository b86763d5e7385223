"""Pretrained checkpoints of the Table 1 models, verified before they are opened.

``deepmotif experiment release`` (:func:`deepmotif_arch.release.release_checkpoints`)
copies the best trial of every Table 1 model to ``releases/koo_synthetic/`` with an
index of their SHA-256 hashes; a copy of that index ships inside the package as
``pretrained_index.json``, so an installed package knows which files exist and what
their hashes must be.

>>> from deepmotif_arch import pretrained
>>> [m["name"] for m in pretrained.list_models()]  # doctest: +SKIP
['cnn-1', 'cnn-2', ...]
>>> model = pretrained.load("CNN-25")  # doctest: +SKIP

A file is looked for, in order, in

1. the folder named by the environment variable ``DEEPMOTIF_RELEASES`` (whose own
   ``index.json``, when present, replaces the packaged index);
2. ``releases/koo_synthetic/`` of the repository, when the package runs from a clone;
3. the Keras cache (``~/.keras/deepmotif/`` or ``cache_dir``), downloading it first
   from ``$DEEPMOTIF_RELEASE_URL/<file>`` (default :data:`RELEASE_BASE_URL`) when it
   is not there yet.

Whatever the source, the file's SHA-256 must equal the index's before Keras opens it.
The files are plain ``.keras`` archives: :func:`load` opens them with
``keras.models.load_model`` and no custom objects.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from deepmotif_arch.architectures import resolve_name
from deepmotif_arch.errors import CheckpointError, UnknownModelError

__all__ = ["RELEASE_BASE_URL", "PACKAGE_INDEX", "PretrainedError", "list_models", "info",
           "path", "load", "sha256_file", "read_index"]

#: Where the released files are downloaded from (override with ``DEEPMOTIF_RELEASE_URL``).
RELEASE_BASE_URL = (
    "https://github.com/deepmotif-arch/deepmotif-arch/raw/main/releases/koo_synthetic"
)
#: The index shipped inside the package (written by ``deepmotif experiment release``).
PACKAGE_INDEX = Path(__file__).with_name("pretrained_index.json")
#: The release folder of a repository checkout (used only when it exists beside the package).
REPO_RELEASES = Path(__file__).resolve().parent.parent / "releases" / "koo_synthetic"
#: Environment variables: a local release folder, and a mirror of the download folder.
ENV_RELEASES = "DEEPMOTIF_RELEASES"
ENV_URL = "DEEPMOTIF_RELEASE_URL"
#: Subfolder of the Keras cache that downloads go to.
CACHE_SUBDIR = "deepmotif"


class PretrainedError(CheckpointError):
    """A pretrained checkpoint that is not released, cannot be fetched, or fails its hash."""


def sha256_file(file: str | os.PathLike) -> str:
    """The hexadecimal SHA-256 of a file, read in 1 MiB chunks.

    Parameters
    ----------
    file : path-like
        The file to hash.

    Returns
    -------
    str
        64 lowercase hexadecimal digits, as ``sha256sum`` prints them.
    """
    digest = hashlib.sha256()
    with open(file, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_index(file: str | os.PathLike) -> dict[str, Any]:
    """Read a release index (``index.json`` or the packaged ``pretrained_index.json``).

    Parameters
    ----------
    file : path-like
        The index file; a missing file reads as an empty index.

    Returns
    -------
    dict
        ``{"format": int, "models": [entry, ...]}``, one entry per released model.

    Raises
    ------
    PretrainedError
        If the file is not a valid index.
    """
    file = Path(file)
    if not file.is_file():
        return {"format": 1, "models": []}
    try:
        data = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PretrainedError(f"the pretrained index {file} is not readable JSON ({exc}); "
                              "reinstall the package or rerun `deepmotif experiment "
                              "release`.") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list) or not all(
            isinstance(m, dict) and {"name", "file", "sha256"} <= set(m) for m in models):
        raise PretrainedError(f"the pretrained index {file} has no valid 'models' list of "
                              "entries with name, file and sha256; rerun `deepmotif "
                              "experiment release`.")
    return data


def _env_folder() -> Path | None:
    value = os.environ.get(ENV_RELEASES)
    return Path(value).expanduser() if value else None


def _index() -> dict[str, Any]:
    """The index in force: ``$DEEPMOTIF_RELEASES/index.json`` if there is one, else the
    packaged copy."""
    folder = _env_folder()
    if folder is not None and (folder / "index.json").is_file():
        return read_index(folder / "index.json")
    return read_index(PACKAGE_INDEX)


def list_models() -> list[dict[str, Any]]:
    """Every released pretrained model, in the paper's order.

    Returns
    -------
    list of dict
        The index entries: ``name``, ``label``, ``file``, ``sha256``, ``size``,
        ``flavor``, ``dataset``, ``metrics``, ``trial`` and more. Empty (not an error)
        while nothing has been released.
    """
    return [dict(m) for m in _index()["models"]]


def _available(models: list[dict[str, Any]]) -> str:
    if not models:
        return ("none are released yet (train with `deepmotif experiment table1`, then "
                "run `deepmotif experiment release`)")
    return "available: " + ", ".join(m["name"] for m in models)


def info(name: str) -> dict[str, Any]:
    """The index entry of one pretrained model.

    Parameters
    ----------
    name : str
        A canonical zoo name (``"cnn-25"``), paper label (``"CNN-25 (60)"``) or
        released-code name.

    Returns
    -------
    dict
        See :func:`list_models`.

    Raises
    ------
    PretrainedError
        For a name that is not a zoo model or has no released checkpoint; the message
        lists the released names.
    """
    models = list_models()
    try:
        canonical = resolve_name(name)
    except UnknownModelError:
        raise PretrainedError(f"unknown model {name!r}; {_available(models)}.") from None
    for entry in models:
        if entry["name"] == canonical:
            return entry
    raise PretrainedError(f"no pretrained checkpoint of {canonical!r} is released; "
                          f"{_available(models)}.")


def _verified(file: Path, entry: dict[str, Any], where: str) -> Path:
    actual = sha256_file(file)
    if actual != entry["sha256"]:
        raise PretrainedError(
            f"{file} ({where}) has SHA-256 {actual[:12]}… but the index expects "
            f"{entry['sha256'][:12]}… for {entry['name']}; delete the file or rerun "
            "`deepmotif experiment release`.")
    return file


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _in_clone() -> Path | None:
    root = REPO_RELEASES.parent.parent
    if REPO_RELEASES.is_dir() and (root / "pyproject.toml").is_file():
        return REPO_RELEASES
    return None


def path(name: str, *, cache_dir: str | os.PathLike | None = None) -> Path:
    """The local file of a pretrained model, downloaded if needed and verified.

    Parameters
    ----------
    name : str
        A canonical zoo name, paper label or released-code name.
    cache_dir : path-like, optional
        Cache root for downloads (default: the Keras cache, ``$KERAS_HOME`` or
        ``~/.keras``); files go to its ``deepmotif/`` subfolder.

    Returns
    -------
    pathlib.Path
        A ``.keras`` file whose SHA-256 equals the index's.

    Raises
    ------
    PretrainedError
        For an unknown or unreleased name, a failed download, or a hash mismatch.
    """
    entry = info(name)
    filename = Path(entry["file"]).name
    for folder, where in ((_env_folder(), f"${ENV_RELEASES}"), (_in_clone(), "the checkout")):
        if folder is not None and (folder / filename).is_file():
            return _verified(folder / filename, entry, where)
    return _download(entry, filename, cache_dir)


def _download(entry: dict[str, Any], filename: str,
              cache_dir: str | os.PathLike | None) -> Path:
    import keras

    base = os.environ.get(ENV_URL) or RELEASE_BASE_URL
    url = f"{base.rstrip('/')}/{filename}"
    if cache_dir is not None:  # Keras falls back to /tmp for a folder that does not exist
        Path(cache_dir).expanduser().mkdir(parents=True, exist_ok=True)
        cache_dir = str(Path(cache_dir).expanduser())
    try:
        got = keras.utils.get_file(filename, origin=url, file_hash=entry["sha256"],
                                   hash_algorithm="sha256", cache_subdir=CACHE_SUBDIR,
                                   cache_dir=cache_dir)
    except ValueError as exc:  # the downloaded file failed its hash
        raise PretrainedError(
            f"the download of {entry['name']} from {url} does not have the SHA-256 the index "
            f"expects ({entry['sha256'][:12]}…); the mirror holds a different file "
            f"({str(exc).split('.')[0].lower()}).") from None
    except Exception as exc:  # urllib and Keras raise many kinds
        raise PretrainedError(
            f"could not download {entry['name']} from {url} ({_first_line(exc)}); "
            f"set {ENV_RELEASES} to a folder holding {filename} or {ENV_URL} to a "
            "mirror.") from None
    return _verified(Path(got), entry, url)


def load(name: str, *, compile: bool = False, cache_dir: str | os.PathLike | None = None):
    """Open a pretrained model with plain ``keras.models.load_model``.

    Parameters
    ----------
    name : str
        A canonical zoo name (``"cnn-25"``), paper label (``"CNN-25 (60)"``) or
        released-code name.
    compile : bool, default False
        Restore the training configuration (optimizer, loss) as well.
    cache_dir : path-like, optional
        See :func:`path`.

    Returns
    -------
    keras.Model
        Input one-hot ``(n, 200, 4)`` with channels A, C, G, T; output the 12 class
        probabilities in the order of ``info(name)["class_names"]``.

    Raises
    ------
    PretrainedError
        For an unknown or unreleased name, a failed download, a hash mismatch, or a
        file Keras cannot open.
    """
    import keras

    file = path(name, cache_dir=cache_dir)
    try:
        return keras.models.load_model(file, compile=compile)
    except Exception as exc:  # Keras raises many kinds for a bad archive
        raise PretrainedError(f"Keras could not open {file} ({type(exc).__name__}: "
                              f"{_first_line(exc)}).") from None
