"""Pretrained checkpoints of the Table 1 models, verified before they are opened.

``deepmotif experiment release`` (:func:`deepmotif_arch.paper.release.release_checkpoints`)
copies the best trial of every Table 1 model to ``releases/koo_synthetic/`` with a
model card each, ``SHA256SUMS`` and ``index.json`` (every file's SHA-256 and metrics).
That folder ships inside the wheel as the package data of
``deepmotif_arch.releases`` (about 12 MB), so a plain ``pip install`` holds every
released checkpoint and needs neither a checkout nor the network.

>>> from deepmotif_arch.zoo import pretrained
>>> [m["name"] for m in pretrained.list_models()][:3]
['cnn-1', 'cnn-2', 'cnn-4']
>>> model = pretrained.load("CNN-25")  # doctest: +SKIP
>>> import keras  # doctest: +SKIP
>>> keras.models.load_model(pretrained.path("cnn-50-2"))  # doctest: +SKIP

A file is looked for, in order, in

1. the folder named by the environment variable ``DEEPMOTIF_RELEASES`` (whose own
   ``index.json``, when present, replaces the packaged index);
2. the installed package (:func:`packaged_folder`, found with
   :mod:`importlib.resources`, so editable installs and wheels behave alike);
3. only when ``DEEPMOTIF_RELEASE_URL`` is set: the Keras cache (``~/.keras/deepmotif/``
   or ``cache_dir``), downloading the file first from ``$DEEPMOTIF_RELEASE_URL/<file>``
   when it is not there yet. There is no default address.

Whatever the source, the file's SHA-256 must equal the index's before Keras opens it.
The files are plain ``.keras`` archives: :func:`load` opens them with
``keras.models.load_model`` and no custom objects, and :func:`path` gives the file
itself for any other tool.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deepmotif_arch.base.errors import CheckpointError, UnknownModelError
from deepmotif_arch.base.io import as_traversable, atomic_path, sha256_file
from deepmotif_arch.zoo.architectures import resolve_name

if TYPE_CHECKING:  # pragma: no cover
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11

__all__ = ["PACKAGE", "RELEASE", "PretrainedError", "packaged_folder", "release_folder",
           "list_models", "info", "path", "load", "sha256_file", "read_index"]

#: The package whose data is the release folder (``releases/`` of the repository).
PACKAGE = "deepmotif_arch.releases"
#: The released set inside it: ``<PACKAGE>/koo_synthetic/``.
RELEASE = "koo_synthetic"
#: Environment variables: a local release folder, and a server to download files from.
ENV_RELEASES = "DEEPMOTIF_RELEASES"
ENV_URL = "DEEPMOTIF_RELEASE_URL"
#: Subfolder of the Keras cache that downloads go to.
CACHE_SUBDIR = "deepmotif"


class PretrainedError(CheckpointError):
    """A pretrained checkpoint that is not released, cannot be fetched, or fails its hash."""


def read_index(file: str | os.PathLike | Traversable) -> dict[str, Any]:
    """Read a release index (a release folder's ``index.json``).

    Parameters
    ----------
    file : path-like or importlib.resources.abc.Traversable
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
    file = as_traversable(file)
    if not file.is_file():
        return {"format": 1, "models": []}
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
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


def packaged_folder() -> Traversable:
    """The release folder shipped inside the installed package.

    Returns
    -------
    importlib.resources.abc.Traversable
        ``deepmotif_arch/releases/koo_synthetic/`` of the installed package (in an
        editable install, ``releases/koo_synthetic/`` of the checkout). On an unpacked
        install, which is every ``pip install``, it is a :class:`pathlib.Path`.

    Raises
    ------
    PretrainedError
        If the installed package has no ``deepmotif_arch.releases`` (an editable install
        made before the releases shipped with the package).
    """
    try:
        return importlib.resources.files(PACKAGE) / RELEASE
    except ModuleNotFoundError:
        raise PretrainedError(f"the installed deepmotif-arch has no {PACKAGE} package; "
                              "reinstall it (`pip install -e .` in a checkout) or set "
                              f"{ENV_RELEASES} to a release folder.") from None


def _env_folder() -> Path | None:
    value = os.environ.get(ENV_RELEASES)
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise PretrainedError(f"{ENV_RELEASES} is {value!r}, which is not a folder; point it "
                              "to a release folder (one with index.json) or unset it to use "
                              "the checkpoints shipped with the package.")
    return folder


def release_folder() -> Path | Traversable:
    """The release folder in force: ``$DEEPMOTIF_RELEASES`` if set, else the package's.

    Returns
    -------
    pathlib.Path or importlib.resources.abc.Traversable
        A folder holding ``index.json``, the ``.keras`` files, their model cards and
        ``SHA256SUMS`` (``sha256sum -c SHA256SUMS`` checks them).

    Raises
    ------
    PretrainedError
        If ``DEEPMOTIF_RELEASES`` names no folder, or the package has no release folder.
    """
    folder = _env_folder()
    return folder if folder is not None else packaged_folder()


def _index() -> dict[str, Any]:
    """The index in force: ``$DEEPMOTIF_RELEASES/index.json`` if there is one, else the
    package's."""
    folder = _env_folder()
    if folder is not None and (folder / "index.json").is_file():
        return read_index(folder / "index.json")
    return read_index(packaged_folder() / "index.json")


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


def _verified(file: Path | Traversable, entry: dict[str, Any], where: str,
              fix: str) -> Path | Traversable:
    actual = sha256_file(file)
    if actual != entry["sha256"]:
        raise PretrainedError(
            f"{file} ({where}) has SHA-256 {actual[:12]}… but the index expects "
            f"{entry['sha256'][:12]}… for {entry['name']}; {fix}.")
    return file


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _cache_folder(cache_dir: str | os.PathLike | None) -> Path:
    """``<cache_dir or the Keras cache>/deepmotif/``, created."""
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME") or Path("~/.keras").expanduser()
    folder = Path(cache_dir).expanduser() / CACHE_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path(name: str, *, cache_dir: str | os.PathLike | None = None) -> Path:
    """The local ``.keras`` file of a pretrained model, verified against its SHA-256.

    The file is a plain Keras archive: ``keras.models.load_model(path("cnn-50-2"))``
    opens it with no custom objects.

    Parameters
    ----------
    name : str
        A canonical zoo name, paper label or released-code name.
    cache_dir : path-like, optional
        Cache root for downloads (default: the Keras cache, ``$KERAS_HOME`` or
        ``~/.keras``); files go to its ``deepmotif/`` subfolder. Used only with
        ``DEEPMOTIF_RELEASE_URL`` set, or for a package installed as a zip archive.

    Returns
    -------
    pathlib.Path
        In ``$DEEPMOTIF_RELEASES`` if set and holding the file, else in the installed
        package, else (with ``DEEPMOTIF_RELEASE_URL`` set) in the cache.

    Raises
    ------
    PretrainedError
        For an unknown or unreleased name, a file found nowhere, a failed download, or
        a hash mismatch.
    """
    entry = info(name)
    filename = Path(entry["file"]).name
    folder = _env_folder()
    if folder is not None and (folder / filename).is_file():
        return _verified(folder / filename, entry, f"${ENV_RELEASES}",
                         "replace it with the released file or unset "
                         f"{ENV_RELEASES}")
    packaged = packaged_folder() / filename
    if packaged.is_file():
        fix = "reinstall deepmotif-arch"
        if isinstance(packaged, Path):
            return _verified(packaged, entry, "the installed package", fix)
        # A package imported from a zip archive: Keras needs a real file.
        _verified(packaged, entry, "the installed package", fix)
        dest = _cache_folder(cache_dir) / filename
        if not dest.is_file() or sha256_file(dest) != entry["sha256"]:
            with atomic_path(dest) as tmp, packaged.open("rb") as src, open(tmp, "wb") as out:
                shutil.copyfileobj(src, out)
        return _verified(dest, entry, "copied from the installed package",
                         "delete it and retry")
    if os.environ.get(ENV_URL):
        return _download(entry, filename, cache_dir)
    raise PretrainedError(
        f"{filename} ({entry['name']}) is in neither ${ENV_RELEASES} nor the installed "
        f"package ({packaged_folder()}); set {ENV_RELEASES} to a folder holding it, or "
        f"{ENV_URL} to an address serving it.")


def _download(entry: dict[str, Any], filename: str,
              cache_dir: str | os.PathLike | None) -> Path:
    import keras

    url = f"{os.environ[ENV_URL].rstrip('/')}/{filename}"
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
            f"expects ({entry['sha256'][:12]}…); the server holds a different file "
            f"({str(exc).split('.')[0].lower()}).") from None
    except Exception as exc:  # urllib and Keras raise many kinds
        raise PretrainedError(
            f"could not download {entry['name']} from {url} ({_first_line(exc)}); "
            f"set {ENV_RELEASES} to a folder holding {filename} or {ENV_URL} to an "
            "address serving it.") from None
    return _verified(Path(got), entry, url, "delete it and retry")


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
        For an unknown or unreleased name, a file found nowhere, a failed download, a
        hash mismatch, or a file Keras cannot open.
    """
    import keras

    file = path(name, cache_dir=cache_dir)
    try:
        return keras.models.load_model(file, compile=compile)
    except Exception as exc:  # Keras raises many kinds for a bad archive
        raise PretrainedError(f"Keras could not open {file} ({type(exc).__name__}: "
                              f"{_first_line(exc)}).") from None
