"""The model zoo: every architecture of the paper as data, built as Keras 3 models.

Owns :mod:`~deepmotif_arch.zoo.architectures` (the specs, one row per model, and
their geometry), :mod:`~deepmotif_arch.zoo.models` (specs to ``keras.Model``) and
:mod:`~deepmotif_arch.zoo.pretrained` (the released checkpoints shipped in the wheel).
May import :mod:`deepmotif_arch.base` only.
"""
