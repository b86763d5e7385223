"""The data a run trains and validates on, epoch by epoch.

Training and validation splits are streamed through tf.data, or, when both fit in
memory and the backend gains from it, fed as NumPy arrays
(:meth:`deepmotif_arch.data.datasets.SplitStream.epoch_arrays`). Either way each epoch's
order depends on the trial and the epoch alone (:func:`seed`), so a resumed run sees
the same batches as an uninterrupted one (the two feeds give different orders).
"""

from __future__ import annotations

import numpy as np

__all__ = ["Feed", "seed", "choose_in_memory"]


def seed(trial: int, *purpose: int) -> int:
    """A 31-bit seed derived from the trial and a purpose (epoch, stream)."""
    return int(np.random.SeedSequence([trial, *purpose]).generate_state(1)[0] >> 1)


def choose_in_memory(in_memory, backend: str) -> bool:
    """Per-backend default of ``in_memory`` (measured in benchmarks/README.md)."""
    if in_memory == "auto":
        # JAX and PyTorch train faster fed arrays, TensorFlow slower (it re-wraps them in
        # tf.data): benchmarks/README.md, "Training" (bench_training.py, bench_feed.py).
        return backend in ("jax", "torch")
    return bool(in_memory)


class Feed:
    """Training and validation data of one run (see the module notes).

    Attributes
    ----------
    train, valid : deepmotif_arch.data.datasets.SplitStream
    builder : tfds.core.DatasetBuilder
    class_names : list of str
    in_memory : bool
        Whether both splits are fed as NumPy arrays.
    y_val : numpy.ndarray
        The validation labels, in order.
    """

    def __init__(self, settings, backend: str):
        from deepmotif_arch.data import datasets

        self._datasets = datasets
        self.batch_size = settings.batch_size
        self.trial = settings.trial
        self.train = datasets.SplitStream(settings.dataset, "train",
                                          config=settings.dataset_config,
                                          data_dir=settings.data_dir)
        self.valid = datasets.SplitStream(settings.dataset, "validation",
                                          config=settings.dataset_config,
                                          data_dir=settings.data_dir)
        self.builder = self.train.builder
        self.class_names = datasets.class_names(self.builder)
        self.in_memory = (choose_in_memory(settings.in_memory, backend)
                          and self.train.fits_in_memory() and self.valid.fits_in_memory())
        if self.in_memory:
            self._x_val, self.y_val = self.valid.epoch_arrays(None, shuffle=False)
        else:
            self._x_val = None
            self.y_val = np.concatenate([y for _, y in self.valid.epoch(
                None, batch_size=1000, shuffle=False,
                prefetch_to_device=False).as_numpy_iterator()])
        self._val_ds = None

    def open_validation(self) -> None:
        """Make the streamed validation pipeline (inside the run's device context)."""
        if not self.in_memory:
            self._val_ds = self.valid.epoch(None, batch_size=self.batch_size, shuffle=False)

    def fit_data(self, epoch: int) -> dict:
        """``model.fit`` keyword arguments for one epoch's training data."""
        order = seed(self.trial, epoch, 1)
        if self.in_memory:  # NumPy arrays: no tf.data work competing for the cores
            x, y = self.train.epoch_arrays(order)
            return {"x": x, "y": y, "batch_size": self.batch_size}
        return {"x": self._datasets.for_backend(self.train.epoch(order,
                                                                 batch_size=self.batch_size))}

    def predict_validation(self, model) -> np.ndarray:
        """The model's probabilities on the validation split, float64, in order."""
        if self.in_memory:
            p = model.predict(self._x_val, batch_size=self.batch_size, verbose=0)
        else:
            p = model.predict(self._datasets.for_backend(self._val_ds), verbose=0)
        return np.asarray(p, dtype=np.float64)
