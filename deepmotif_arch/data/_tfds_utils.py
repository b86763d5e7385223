"""Small helpers shared by the TFDS builders."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def deterministic_serialization() -> Iterator[None]:
    """Serialise TFDS examples with sorted feature maps while the block runs.

    ``tf.train.Example`` keeps its features in a protobuf map, and the upb runtime
    iterates maps in an order seeded per process, so TFDS's plain
    ``SerializeToString()`` writes the same example as different bytes in different
    runs. Protobuf's deterministic mode sorts map keys; with it, the same version and
    config produce byte-identical record files on every build. Only TFDS's
    ``ExampleSerializer`` is affected, and only until the block exits.
    """
    from tensorflow_datasets.core import example_serializer

    cls = example_serializer.ExampleSerializer
    original = cls.serialize_example

    def serialize_example(self, example):
        return self.get_tf_example(example).SerializeToString(deterministic=True)

    cls.serialize_example = serialize_example
    try:
        yield
    finally:
        cls.serialize_example = original
