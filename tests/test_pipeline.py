"""The tf.data pipeline feeding model.fit on TensorFlow, JAX and PyTorch."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow_datasets as tfds

from deepmotif_arch import datasets, get_model
from deepmotif_arch.base.errors import DatasetError

pytestmark = pytest.mark.backend


def test_batches_are_one_hot_of_the_stored_sequences(tiny_data_dir):
    ds = datasets.load("koo_synthetic", "test", config="tiny", data_dir=str(tiny_data_dir),
                       batch_size=50)
    builder = datasets.get_builder("koo_synthetic", "tiny", data_dir=str(tiny_data_dir))
    stored = [(ex["sequence"], ex["label"])
              for ex in tfds.as_numpy(builder.as_dataset(split="test"))]
    batches = list(ds.as_numpy_iterator())
    assert [len(x) for x, _ in batches] == [50, 50, 20]
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    assert x.dtype == np.float32 and x.shape == (120, 200, 4)
    assert y.dtype == np.float32 and y.shape == (120, 12)
    assert np.all(x.sum(axis=-1) == 1)
    assert np.array_equal(x.argmax(-1), np.stack([s for s, _ in stored]))  # test: no shuffle
    assert np.array_equal(y, np.stack([lab for _, lab in stored]))


def test_training_split_is_shuffled_reproducibly(tiny_data_dir):
    def first_epoch(seed):
        ds = datasets.load("koo_synthetic", "train", config="tiny",
                           data_dir=str(tiny_data_dir), batch_size=420, seed=seed)
        return next(ds.as_numpy_iterator())[0].argmax(-1)

    a, b, c = first_epoch(1), first_epoch(1), first_epoch(2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    ds = datasets.load("koo_synthetic", "train", config="tiny", data_dir=str(tiny_data_dir),
                       batch_size=420, seed=1)
    epoch1 = next(ds.as_numpy_iterator())[0].argmax(-1)
    epoch2 = next(ds.as_numpy_iterator())[0].argmax(-1)
    assert not np.array_equal(epoch1, epoch2)  # reshuffled every epoch ...
    as_set = sorted(map(bytes, epoch1))
    assert as_set == sorted(map(bytes, epoch2))  # ... over the same examples


def test_indices_without_one_hot(tiny_data_dir):
    ds = datasets.load("koo_synthetic", "validation", config="tiny",
                       data_dir=str(tiny_data_dir), one_hot=False, batch_size=8)
    x, y = next(ds.as_numpy_iterator())
    assert x.dtype == np.uint8 and x.shape == (8, 200)


def test_load_numpy_is_the_whole_split(tiny_data_dir):
    x, y = datasets.load_numpy("koo_synthetic", "test", config="tiny",
                               data_dir=str(tiny_data_dir))
    assert x.shape == (120, 200, 4) and y.shape == (120, 12)


def test_fit_cnn25_from_the_pipeline(tiny_data_dir):
    keras.utils.set_random_seed(0)
    train = datasets.load("koo_synthetic", "train", config="tiny",
                          data_dir=str(tiny_data_dir), batch_size=100)
    valid = datasets.load("koo_synthetic", "validation", config="tiny",
                          data_dir=str(tiny_data_dir), batch_size=100)
    model = get_model("cnn-25")
    model.compile(optimizer=keras.optimizers.Adam(3e-4), loss="binary_crossentropy")
    history = model.fit(train, validation_data=valid, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert all(np.isfinite(history.history["val_loss"]))
    pred = model.predict(valid, verbose=0)
    assert pred.shape == (60, 12)


def test_missing_dataset_without_build_says_how(tmp_path):
    with pytest.raises(DatasetError, match="deepmotif data build koo_synthetic/tiny"):
        datasets.load("koo_synthetic", "train", config="tiny", data_dir=str(tmp_path),
                      build=False)


def test_missing_dataset_is_built_on_first_use(tmp_path, capsys):
    ds = datasets.load("koo_synthetic", "test", config="tiny", data_dir=str(tmp_path))
    assert "Building koo_synthetic/tiny" in capsys.readouterr().err
    assert sum(len(x) for x, _ in ds.as_numpy_iterator()) == 120


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"split": "training"}, "no split 'training'"),
    ({"batch_size": 0}, "batch_size is 0"),
])
def test_bad_arguments(tiny_data_dir, kwargs, needle):
    with pytest.raises(DatasetError, match=needle):
        datasets.load("koo_synthetic", config="tiny", data_dir=str(tiny_data_dir), **kwargs)


def test_for_backend_feeds_fit_with_the_same_batches(tiny_data_dir):
    ds = datasets.load("koo_synthetic", "test", config="tiny", data_dir=str(tiny_data_dir),
                       batch_size=50)
    fed = datasets.for_backend(ds)
    expected = [x for x, _ in ds.as_numpy_iterator()]
    for _ in range(2):  # re-iterable, same order every pass
        got = [np.asarray(x) for x, _ in fed]
        assert len(got) == len(expected)
        assert all(np.array_equal(a, b) for a, b in zip(got, expected))
    if keras.backend.backend() == "torch":
        assert type(fed).__name__ == "DataLoader"
    else:
        assert fed is ds


def test_epoch_arrays_hold_the_split_in_a_seeded_order(tiny_data_dir):
    stream = datasets.SplitStream("koo_synthetic", "train", config="tiny",
                                  data_dir=str(tiny_data_dir))
    assert stream.fits_in_memory() and not stream.fits_in_memory(limit_bytes=1000)
    x_plain, y_plain = stream.epoch_arrays(None, shuffle=False)
    x_ref, y_ref = datasets.load_numpy("koo_synthetic", "train", config="tiny",
                                       data_dir=str(tiny_data_dir))
    np.testing.assert_array_equal(x_plain, x_ref)
    np.testing.assert_array_equal(y_plain, y_ref)
    assert x_plain.dtype == np.float32 and x_plain.shape == (420, 200, 4)
    x1, y1 = stream.epoch_arrays(7)
    x2, _ = stream.epoch_arrays(7)
    x3, _ = stream.epoch_arrays(8)
    np.testing.assert_array_equal(x1, x2)
    assert not np.array_equal(x1, x3)
    # A permutation of the same examples, labels moving with their sequences.
    key = lambda x, y: sorted(map(bytes, np.concatenate(  # noqa: E731
        [x.argmax(-1).astype(np.uint8), y.astype(np.uint8)], axis=1)))
    assert key(x1, y1) == key(x_plain, y_plain)


def test_codes_above_3_encode_as_all_zero_rows_like_tf_one_hot():
    import tensorflow as tf

    from deepmotif_arch.base.sequence import one_hot

    codes = np.array([0, 1, 2, 3, 4, 255], np.uint8)
    np.testing.assert_array_equal(one_hot(codes), np.vstack([np.eye(4), np.zeros((2, 4))]))
    np.testing.assert_array_equal(one_hot(codes), tf.one_hot(codes.astype(np.int32), 4).numpy())
