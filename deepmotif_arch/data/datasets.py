"""The data sets of the paper as TFDS builders and streaming tf.data pipelines.

Importing this module registers the builders with TFDS, which is what
``tfds build koo_synthetic --imports deepmotif_arch.data.datasets`` relies on. Each
builder is imported the way ``tfds build <folder>`` imports it (its folder's parent
on ``sys.path``, module ``koo_synthetic.koo_synthetic_dataset_builder``), and only
that way, so TFDS finds its README and checksums beside the code in editable and
regular installs alike and never registers a name twice.

>>> from deepmotif_arch.data import datasets
>>> train = datasets.load("koo_synthetic", "train", batch_size=100)   # doctest: +SKIP
>>> model.fit(train, validation_data=datasets.load(split="validation"))  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from pathlib import Path
from typing import Any

from deepmotif_arch.base import sequence
from deepmotif_arch.base.errors import DatasetError, storage_problem
from deepmotif_arch.base.io import missing_folders

__all__ = [
    "DATASETS",
    "SplitStream",
    "parse_name",
    "builder_class",
    "get_builder",
    "build",
    "class_names",
    "verify_prepared",
    "load",
    "load_numpy",
    "for_backend",
]

#: Data sets this library provides, the default first.
DATASETS = ("koo_synthetic", "koo_invivo")

#: Splits cached in memory (compact form, filled while the first epoch streams) when
#: their files are smaller than this; larger splits stream from disk every epoch.
CACHE_LIMIT_BYTES = 512 * 2**20



def _builders_dir() -> Path:
    import deepmotif_arch.tfds_builders as pkg

    return Path(pkg.__file__).resolve().parent


def available() -> list[str]:
    """Data sets whose builder is installed."""
    root = _builders_dir()
    return [n for n in DATASETS if (root / n / f"{n}_dataset_builder.py").exists()]


def parse_name(name: str, config: Any = None) -> tuple[str, Any, str | None]:
    """A data set name as TFDS writes it, in parts: ``(name, config, version)``.

    Accepted: ``name``, ``name/config``, ``name:version`` and ``name/config:version``
    (``"koo_synthetic/tiny:1.0.0"``), wherever this module takes a data set name. A
    config named both ways must be the same.

    >>> parse_name("koo_synthetic/tiny:1.0.0")
    ('koo_synthetic', 'tiny', '1.0.0')
    >>> parse_name("koo_synthetic", "tiny")
    ('koo_synthetic', 'tiny', None)

    Raises
    ------
    DatasetError
        For a malformed name or version, or a config that contradicts the name's.
    """
    import re

    if not isinstance(name, str):
        raise DatasetError(f"data set name {name!r} is not text; give e.g. 'koo_synthetic' or "
                           "'koo_synthetic/tiny'.")
    base, _, version = name.strip().partition(":")
    base, _, named = base.partition("/")
    if not base or "/" in named or (named == "" and "/" in name) or ":" in version:
        raise DatasetError(f"data set name {name!r} is not of the form name, name/config or "
                           "name/config:version (e.g. 'koo_synthetic/tiny:1.0.0').")
    if version and not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise DatasetError(f"version {version!r} in {name!r} is not a version such as 1.0.0.")
    if named and config is not None:
        given = config if isinstance(config, str) else getattr(config, "name", str(config))
        if given != named:
            raise DatasetError(f"{name!r} names the config {named!r} but the config {given!r} "
                               "(--config) was given too; name the config once, e.g. "
                               f"{base}/{given}.")
    return base, (config if config is not None else named or None), version or None


def builder_class(name: str = "koo_synthetic", data_dir: str | None = None):
    """The TFDS builder class of a data set, imported (and registered) once.

    ``name`` may carry a config and version (``koo_synthetic/tiny:1.0.0``); the class is
    the same for each. A name that is not one of :data:`DATASETS` is looked up among the
    data sets imported into ``data_dir`` by ``deepmotif data import``
    (:func:`deepmotif_arch.data.userdata.builder_class`).

    Raises
    ------
    DatasetError
        For a name that is neither one of :data:`DATASETS` nor imported into ``data_dir``.
    """
    name = parse_name(name)[0]
    if name not in available():
        from deepmotif_arch.data import userdata

        imported = userdata.builder_class(name, data_dir)
        if imported is not None:
            return imported
        known = available() + userdata.list_imported(data_dir)
        close = difflib.get_close_matches(str(name), known, n=2, cutoff=0.4)
        hint = (f"did you mean {close[0]!r}?" if close else
                f"use one of {', '.join(known)}, or import your own with "
                f"`deepmotif data import {name} ...`.")
        raise DatasetError(f"unknown data set {name!r}; {hint}")
    module_name = f"{name}.{name}_dataset_builder"
    module = sys.modules.get(module_name)
    if module is None:
        import tensorflow_datasets as tfds

        root = str(_builders_dir())
        with tfds.core.utils.add_sys_path(root):
            module = importlib.import_module(module_name)
    return module.Builder


def register_all() -> None:
    """Import every installed builder so that ``tfds.builder(name)`` finds it."""
    for name in available():
        builder_class(name)


def _config(builder_cls, config: Any, overrides: dict) -> Any:
    """Resolve a config name, object or overrides into something TFDS accepts."""
    names = [c.name for c in builder_cls.BUILDER_CONFIGS]
    if config is None:
        config = builder_cls.DEFAULT_CONFIG_NAME or (names[0] if names else None)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if isinstance(config, str):
        if config not in names:
            parsed = _parse_derived_name(builder_cls, config)
            if parsed is None:
                raise DatasetError(
                    f"{builder_cls.name} has no config {config!r}; use one of {', '.join(names)}."
                )
            config, derived = parsed
            overrides = {**derived, **overrides}
        if not overrides:
            return config
        base = next(c for c in builder_cls.BUILDER_CONFIGS if c.name == config)
        config_cls = type(base)
        fields = {f: getattr(base, f) for f in getattr(base, "__dataclass_fields__", {})
                  if f not in ("name", "version", "release_notes", "supported_versions",
                               "description", "tags")}
        unknown = sorted(set(overrides) - set(fields))
        if unknown:
            raise DatasetError(
                f"{builder_cls.name} configs have no setting {unknown[0]!r}; "
                f"use {', '.join(sorted(fields))}."
            )
        fields.update(overrides)
        suffix = "_".join(f"{k}{v}" for k, v in sorted(overrides.items()))
        try:
            return config_cls(name=f"{config}_{suffix}", description=f"{config} with {suffix}",
                              **fields)
        except DatasetError:
            raise
        except (TypeError, ValueError) as exc:
            raise DatasetError(f"invalid settings for {builder_cls.name}: {exc}.") from None
    return config


def _parse_derived_name(builder_cls, name: str) -> tuple[str, dict] | None:
    """``tiny_length150_seed4`` -> ``("tiny", {"length": 150, "seed": 4})`` (names made by
    :func:`get_builder` for configs with overrides), or None."""
    import re

    for base in builder_cls.BUILDER_CONFIGS:
        prefix = base.name + "_"
        if not name.startswith(prefix):
            continue
        fields = sorted((f for f in getattr(base, "__dataclass_fields__", {})
                         if isinstance(getattr(base, f), int)
                         and not isinstance(getattr(base, f), bool)), key=len, reverse=True)
        rest, found = name[len(prefix):], {}
        while rest:
            match = next((m for f in fields
                          if (m := re.match(rf"({re.escape(f)})(-?\d+)(?:_|$)", rest))), None)
            if match is None:
                break
            found[match.group(1)] = int(match.group(2))
            rest = rest[match.end():]
        if not rest and found:
            return base.name, found
    return None


def get_builder(name: str = "koo_synthetic", config: Any = None, data_dir: str | None = None,
                **overrides):
    """A TFDS builder for a data set.

    Parameters
    ----------
    name : str
        ``"koo_synthetic"`` or ``"koo_invivo"``, optionally with a config and version as
        TFDS writes them: ``"koo_synthetic/tiny"``, ``"koo_synthetic/tiny:1.0.0"``
        (:func:`parse_name`).
    config : str or BuilderConfig, optional
        A config name (``"paper"``, ``"tiny"``) or object; default the one in ``name``,
        else the builder's default.
    data_dir : str, optional
        Where TFDS keeps prepared data; default TFDS's (``$TFDS_DATA_DIR`` or
        ``~/tensorflow_datasets``).
    **overrides
        Config settings to change, e.g. ``num_sequences=5000, length=300, seed=3``
        for ``koo_synthetic``; a config with a name derived from them is built.
    """
    name, config, version = parse_name(name, config)
    cls = builder_class(name, data_dir)
    resolved = _config(cls, config, overrides)
    if version is not None:
        known = [str(v) for v in (cls.VERSION, *getattr(cls, "SUPPORTED_VERSIONS", ()))]
        if version not in known:
            raise DatasetError(f"{name} has no version {version}; use "
                               f"{' or '.join(known)}.")
    try:
        return cls(config=resolved, data_dir=data_dir,
                   **({} if version is None else {"version": version}))
    except DatasetError:
        raise
    except Exception as exc:  # e.g. an unreadable dataset_info.json left in data_dir
        config_name = resolved if isinstance(resolved, str) else getattr(resolved, "name", "")
        raise DatasetError(
            f"cannot open {name}/{config_name} in {data_dir or 'the TFDS data folder'} "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
            f"delete that folder and rebuild with `deepmotif data build {name}`."
        ) from None


def class_names(builder) -> list[str]:
    """Names of the label columns of a data set, in order."""
    names = getattr(builder, "CLASS_NAMES", None)
    if names:
        return list(names)
    return [f"class_{i}" for i in range(int(builder.info.features["label"].shape[0]))]


def verify_prepared(builder) -> None:
    """Check that a prepared data set has every shard file at its recorded size.

    Raises
    ------
    DatasetError
        Naming the first missing or truncated file and how to rebuild.
    """
    fix = (f"delete {builder.data_dir} and rebuild it with "
           f"`deepmotif data build {builder.name} --config {builder.builder_config.name}`")
    try:
        splits = builder.info.splits
    except Exception as exc:  # unreadable dataset_info.json and the like
        raise DatasetError(f"the prepared data in {builder.data_dir} is unreadable ({exc}); "
                           f"{fix}.") from None
    if not splits:
        raise DatasetError(f"the prepared data in {builder.data_dir} lists no splits; {fix}.")
    for split_name, split in splits.items():
        paths = list(split.filepaths)
        missing = [p for p in paths if not os.path.exists(p)]
        if missing or not paths:
            where = missing[0] if missing else f"the {split_name} split"
            raise DatasetError(f"the prepared data is incomplete: {where} is missing; {fix}.")
        size = sum(os.path.getsize(p) for p in paths)
        expected = int(split.num_bytes or 0)
        if _is_tfrecord(builder):
            # TFRecord frames each record with a length and two CRCs (16 bytes).
            expected += _TFRECORD_FRAME_BYTES * int(split.num_examples)
            truncated = size != expected
        else:
            truncated = size < expected
        if truncated:
            raise DatasetError(
                f"the {split_name} files in {builder.data_dir} hold {size} bytes where "
                f"{expected} were written; the data are truncated or corrupted; {fix}."
            )


_TFRECORD_FRAME_BYTES = 16


def _is_tfrecord(builder) -> bool:
    return "tfrecord" in str(getattr(builder.info, "file_format", "tfrecord")).lower()


def build(name: str = "koo_synthetic", config: Any = None, data_dir: str | None = None, *,
          overwrite: bool = False, manual_dir: str | None = None, wait: bool = False,
          **overrides):
    """Generate or convert a data set into ``data_dir`` (TFDS shows progress bars).

    TFDS writes into a temporary folder and renames it when complete, so an
    interrupted build never looks finished; building again starts over. A build that
    fails leaves no folder it created behind.

    One process at a time builds a data set config in a data folder: the build holds
    the lock of its config folder (:mod:`deepmotif_arch.base.locking`).

    Parameters
    ----------
    wait : bool, default False
        When another process is building the same config, wait for it (and use its
        result) instead of failing.

    Returns
    -------
    tfds.core.DatasetBuilder
        The prepared builder.

    Raises
    ------
    DatasetError
        Bad names or settings, bad manual files, a full disk or a read-only data folder.
    FolderInUseError
        Another process is building the same config there (and ``wait`` is False).
    """
    builder = get_builder(name, config, data_dir, **overrides)
    if builder.is_prepared() and not overwrite:
        verify_prepared(builder)
        return builder
    if manual_dir is not None and not os.path.isdir(manual_dir):
        raise DatasetError(f"manual folder {manual_dir!r} does not exist; give the folder that "
                           "holds the downloaded files.")
    version_dir = str(builder.data_dir)
    if "://" in version_dir:  # a remote file system (gs://...): TFDS alone, no lock
        return _build_unlocked(builder, name, config, data_dir, overwrite, manual_dir,
                               overrides)
    config_dir = Path(version_dir).parent
    root = config_dir.parent.parent
    made = missing_folders(config_dir) + missing_folders(root / "downloads" / "extracted")
    made.append(config_dir.parent / ".config")  # TFDS's note of the configs, made by builds
    made = [p for p in made if not p.exists()]
    lock = None
    ok = False
    try:
        try:
            config_dir.mkdir(parents=True, exist_ok=True)
            from deepmotif_arch.base.locking import lock_folder

            lock = lock_folder(config_dir, holder=f"another build of {builder.name}/"
                               f"{builder.builder_config.name}",
                               hint="wait for it to finish or give another --data-dir",
                               wait=wait)
        except OSError as exc:
            raise DatasetError(_storage_sentence(exc, root, name, builder)) from None
        if not overwrite and builder.is_prepared():  # built by another process meanwhile
            builder = get_builder(name, config, data_dir, **overrides)
            verify_prepared(builder)
            ok = True
            return builder
        builder = _build_unlocked(builder, name, config, data_dir, overwrite, manual_dir,
                                  overrides, root)
        ok = True
        return builder
    finally:
        if lock is not None:
            lock.release()
        if not ok:
            _remove_new_folders(made)


def _build_unlocked(builder, name, config, data_dir, overwrite, manual_dir, overrides,
                    root=None):
    import tensorflow_datasets as tfds

    mode = (tfds.download.GenerateMode.REUSE_CACHE_IF_EXISTS if overwrite
            else tfds.download.GenerateMode.REUSE_DATASET_IF_EXISTS)
    if overwrite and builder.is_prepared():
        import shutil

        shutil.rmtree(builder.data_dir)
        builder = get_builder(name, config, data_dir, **overrides)
    try:
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(download_mode=mode,
                                                         manual_dir=manual_dir)
        )
    except DatasetError:
        raise
    except Exception as exc:
        if storage_problem(exc) is None:
            raise
        raise DatasetError(_storage_sentence(exc, root or data_dir or "the TFDS data folder",
                                             name, builder)) from None
    verify_prepared(builder)
    return builder


def _storage_sentence(exc: BaseException, root, name: str, builder) -> str:
    problem = storage_problem(exc) or getattr(exc, "strerror", None) or type(exc).__name__
    fix = ("free some space" if "disk" in problem else
           "give a writable --data-dir (or $TFDS_DATA_DIR)")
    return (f"cannot build {builder.name}/{builder.builder_config.name} in {root} ({problem}); "
            f"{fix} and run the same command again.")


def _remove_new_folders(folders: list[Path]) -> None:
    """After a failed build: remove the folders it created, if nothing else is in them."""
    import shutil

    ordered = sorted(set(folders), key=lambda p: len(p.parts), reverse=True)
    for _ in range(2):  # a data set's .config goes once its config folders have gone
        for folder in ordered:
            if not folder.is_dir():
                continue
            if folder.name == ".config":
                # TFDS's note of a data set's configs, only worth keeping beside built data.
                if not any(p.name != ".config" for p in folder.parent.iterdir()):
                    shutil.rmtree(folder, ignore_errors=True)
                continue
            try:
                folder.rmdir()
            except OSError:
                pass


def _prepared_builder(name, config, data_dir, build_missing, overrides):
    builder = get_builder(name, config, data_dir, **overrides)
    if not builder.is_prepared():
        if not build_missing:
            raise DatasetError(
                f"{builder.name}/{builder.builder_config.name} is not built in "
                f"{builder.data_dir}; run `deepmotif data build "
                f"{builder.name}/{builder.builder_config.name}` "
                "or pass build=True."
            )
        print(f"Building {builder.name}/{builder.builder_config.name} in {builder.data_dir} "
              "(first use only).", file=sys.stderr)
        builder = build(name, config, data_dir, wait=True, **overrides)
    verify_prepared(builder)
    return builder


def _check_split(builder, split: str) -> None:
    if split not in builder.info.splits:
        raise DatasetError(
            f"{builder.name} has no split {split!r}; use one of "
            f"{', '.join(builder.info.splits.keys())}."
        )


class SplitStream:
    """One split of a prepared data set, read once into a compact cache and batched per epoch.

    :func:`load` is built on this. Training uses it directly: :meth:`epoch` gives the
    batches of one epoch in an order fixed by a seed, so a resumed run sees the same
    data order as an uninterrupted one.

    Attributes
    ----------
    builder : tfds.core.DatasetBuilder
    split : str
    num_examples : int
    input_length : int
    num_classes : int
    """

    def __init__(self, name: str = "koo_synthetic", split: str = "train", *, config: Any = None,
                 data_dir: str | None = None, cache: bool | str = "auto", build: bool = True,
                 **overrides):
        import tensorflow as tf
        import tensorflow_datasets as tfds

        self.builder = _prepared_builder(name, config, data_dir, build, overrides)
        self.split = split
        base_split = split.split("[")[0]
        _check_split(self.builder, base_split)
        info = self.builder.info
        self.num_examples = int(info.splits[split].num_examples)
        self.input_length = int(info.features["sequence"].shape[0])
        self.num_classes = int(info.features["label"].shape[0])
        if cache == "auto":
            cache = int(info.splits[base_split].num_bytes) < CACHE_LIMIT_BYTES
        ds = self.builder.as_dataset(split=split, shuffle_files=False,
                                     read_config=tfds.ReadConfig(try_autocache=False))
        ds = ds.map(lambda ex: (ex["sequence"], ex["label"]), num_parallel_calls=tf.data.AUTOTUNE)
        self.compact = ds.cache() if cache else ds
        self._arrays = None

    def fits_in_memory(self, limit_bytes: int | None = None) -> bool:
        """Whether one epoch, one-hot encoded as float32, fits ``limit_bytes``
        (default :data:`IN_MEMORY_LIMIT_BYTES`), so :meth:`epoch_arrays` can serve it."""
        limit = IN_MEMORY_LIMIT_BYTES if limit_bytes is None else limit_bytes
        return self.num_examples * self.input_length * 4 * 4 <= limit

    def epoch_arrays(self, seed: int | None = 0, *, shuffle: bool = True):
        """One pass over the split as in-memory NumPy arrays ``(x, y)``.

        ``x`` is one-hot float32 (n, length, 4), ``y`` float32 (n, classes). The split is
        read once (compactly, one byte per nucleotide) and kept; each call draws the
        order from ``seed`` alone (a NumPy permutation), so a resumed run sees the same
        order as an uninterrupted one. For splits that fit in memory this feeds
        ``model.fit`` faster than :meth:`epoch`: no per-example tf.data work competes
        with training for the cores (benchmarks/README.md).
        """
        import numpy as np

        if self._arrays is None:
            xs, ys = [], []
            for x, y in self.epoch(None, batch_size=4096, shuffle=False, one_hot=False,
                                   prefetch_to_device=False).as_numpy_iterator():
                xs.append(x)
                ys.append(y)
            self._arrays = (np.concatenate(xs), np.concatenate(ys).astype(np.float32))
        codes, labels = self._arrays
        if not shuffle:
            return sequence.one_hot(codes), labels
        order = np.random.default_rng(seed).permutation(len(codes))
        return sequence.one_hot(codes[order]), labels[order]

    def epoch(self, seed: int | None = 0, *, batch_size: int = 100, shuffle: bool = True,
              one_hot: bool = True, drop_remainder: bool = False,
              reshuffle_each_iteration: bool = False, prefetch_to_device: bool | str = "auto"):
        """Batches ``(x, y)`` of one pass over the split.

        With ``shuffle`` the order is a function of ``seed`` alone (and, with
        ``reshuffle_each_iteration``, of how often the dataset was iterated).
        """
        import tensorflow as tf

        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise DatasetError(f"batch_size is {batch_size!r}; it must be a positive integer "
                               "such as 100.")
        ds = self.compact
        if shuffle:
            ds = ds.shuffle(min(max(self.num_examples, 1), SHUFFLE_BUFFER), seed=seed,
                            reshuffle_each_iteration=reshuffle_each_iteration)
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)

        def encode(seq, label):
            x = tf.one_hot(tf.cast(seq, tf.int32), 4, dtype=tf.float32) if one_hot else seq
            return x, tf.cast(label, tf.float32)

        ds = ds.map(encode, num_parallel_calls=tf.data.AUTOTUNE)
        if prefetch_to_device and _tensorflow_gpu():
            return ds.apply(tf.data.experimental.prefetch_to_device("/GPU:0"))
        return ds.prefetch(tf.data.AUTOTUNE)

    def steps(self, batch_size: int, drop_remainder: bool = False) -> int:
        """Batches per epoch."""
        full, rest = divmod(self.num_examples, batch_size)
        return full if drop_remainder or not rest else full + 1


#: Largest one-hot epoch (bytes) that training feeds from NumPy arrays in memory.
IN_MEMORY_LIMIT_BYTES = 2 * 2**30


#: Examples held by the shuffle buffer (the whole split when smaller).
SHUFFLE_BUFFER = 50_000


def load(
    name: str = "koo_synthetic",
    split: str = "train",
    *,
    config: Any = None,
    data_dir: str | None = None,
    batch_size: int = 100,
    shuffle: bool | None = None,
    seed: int = 0,
    one_hot: bool = True,
    cache: bool | str = "auto",
    build: bool = True,
    drop_remainder: bool = False,
    prefetch_to_device: bool | str = "auto",
    **overrides,
):
    """A batched, streaming ``tf.data.Dataset`` of ``(x, y)`` for ``model.fit``.

    Works as the input of ``model.fit`` / ``evaluate`` / ``predict`` on every Keras
    backend (TensorFlow, JAX, PyTorch).

    Parameters
    ----------
    name, config, data_dir, **overrides
        As in :func:`get_builder`.
    split : str, default "train"
        ``"train"``, ``"validation"`` or ``"test"``; TFDS slicing (``"train[:10%]"``) works.
    batch_size : int, default 100
        The paper's mini-batch size.
    shuffle : bool, optional
        Shuffle the examples, differently every epoch; default True for ``train`` only.
    seed : int, default 0
        Seed of the shuffling (a reproducible sequence of epoch orders).
    one_hot : bool, default True
        ``x`` as float32 of shape (batch, length, 4) in A, C, G, T order; with False,
        uint8 indices of shape (batch, length).
    cache : bool or "auto", default "auto"
        Keep the compact examples in memory after the first epoch. "auto" caches
        splits whose files are under 512 MiB; larger splits stream from disk.
    build : bool, default True
        Build a missing data set first (with a progress bar); with False, a missing
        data set is an error that says how to build it.
    drop_remainder : bool, default False
        Drop a last, smaller batch.
    prefetch_to_device : bool or "auto", default "auto"
        With the TensorFlow backend and a visible GPU, prefetch batches onto it.

    Returns
    -------
    tf.data.Dataset
        Elements ``(x, y)``; ``y`` float32 of shape (batch, num_classes).
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise DatasetError(f"batch_size is {batch_size!r}; it must be a positive integer "
                           "such as 100.")
    stream = SplitStream(name, split, config=config, data_dir=data_dir, cache=cache,
                         build=build, **overrides)
    if shuffle is None:
        shuffle = split.split("[")[0] == "train"
    return stream.epoch(seed, batch_size=batch_size, shuffle=bool(shuffle), one_hot=one_hot,
                        drop_remainder=drop_remainder, reshuffle_each_iteration=True,
                        prefetch_to_device=prefetch_to_device)


def for_backend(ds):
    """The fastest way to hand a pipeline to ``model.fit`` on the current Keras backend.

    On TensorFlow and JAX this is ``ds`` itself. On PyTorch, Keras converts a tf.data
    pipeline batch by batch from TensorFlow tensors, which made an epoch of cnn-25 about
    45% slower than from NumPy arrays; a torch ``DataLoader`` over the pipeline's NumPy
    batches (re-iterable every epoch, same order) costs about what arrays do.
    """
    import keras

    if keras.backend.backend() != "torch":
        return ds
    import warnings

    import torch.utils.data as torch_data

    # tf.data hands out read-only arrays; the batches are only read, never written.
    warnings.filterwarnings("ignore", message="The given NumPy array is not writable")

    class _NumpyBatches(torch_data.IterableDataset):
        def __iter__(self):
            return ds.as_numpy_iterator()

    return torch_data.DataLoader(_NumpyBatches(), batch_size=None)


def _tensorflow_gpu() -> bool:
    """True when Keras runs on TensorFlow and TensorFlow sees a GPU."""
    import keras
    import tensorflow as tf

    return keras.backend.backend() == "tensorflow" and bool(tf.config.list_physical_devices("GPU"))


def load_numpy(name: str = "koo_synthetic", split: str = "test", *, config: Any = None,
               data_dir: str | None = None, one_hot: bool = True, build: bool = True,
               **overrides):
    """A whole split as NumPy arrays ``(x, y)`` (loads it into memory; use for metrics).

    ``x`` is float32 (n, length, 4) when ``one_hot`` else uint8 (n, length); ``y``
    float32 (n, num_classes). Examples keep the order TFDS stored them in.
    """
    import numpy as np

    ds = load(name, split, config=config, data_dir=data_dir, batch_size=1024, shuffle=False,
              one_hot=False, cache=False, build=build, prefetch_to_device=False, **overrides)
    xs, ys = [], []
    for x, y in ds.as_numpy_iterator():
        xs.append(x)
        ys.append(y)
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    if one_hot:
        x = sequence.one_hot(x)  # code 4 (N, padding) -> an all-zero row, as in load()
    return x, y


register_all()
