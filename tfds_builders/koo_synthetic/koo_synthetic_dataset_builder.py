"""koo_synthetic: the synthetic data set of Koo & Eddy (2019), generated locally.

Twelve JASPAR 2016 motifs (read offline from pyjaspar) and their reverse
complements planted in uniform random DNA, 1 to 5 per sequence; 12 binary labels;
the planted motifs' class, start, width and strand kept as ground truth. Nothing is
downloaded. See README.md beside this file.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from deepmotif_arch.base.errors import DatasetError
from deepmotif_arch.data import synthetic
from deepmotif_arch.data._tfds_utils import deterministic_serialization

_DESCRIPTION = """
Synthetic regulatory sequences of Koo & Eddy (2019): 1 to 5 motifs of 12 transcription
factors (JASPAR 2016 ground-truth PWMs, either strand) planted in uniform random DNA
with at least 1 nt of buffer. Each example has the sequence (uint8 indices 0..3 for
A, C, G, T), 12 labels (1 where a TF's motif was planted) and the ground truth of every
planted motif (TF, 0-based start, width, strand). Motifs that arise by chance are not
labelled, as in the paper. Generated deterministically from the config's seed.
"""


@dataclasses.dataclass
class KooSyntheticConfig(tfds.core.BuilderConfig):
    """Size, length, seed and motif-count distribution of a generated set.

    Attributes
    ----------
    num_sequences : int
        Sequences before the 0.7 / 0.1 / 0.2 split.
    length : int
        Sequence length in nucleotides.
    seed : int
        Seed of the generator (and, offset, of the split).
    count_probs : tuple of float
        Probabilities of planting 1, 2, ... motifs.
    buffer : int
        Least background nucleotides around every motif (1, the paper's; 0 in Koo &
        Ploenzke's 2021 set).
    """

    num_sequences: int = 25_000
    length: int = 200
    seed: int = 0
    count_probs: tuple[float, ...] = synthetic.PAPER_COUNT_PROBS
    buffer: int = 1

    def __post_init__(self):
        synthetic.check_config(self.num_sequences, self.length, self.count_probs,
                               buffer=self.buffer)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise DatasetError(f"seed is {self.seed!r}; it must be 0 or a positive integer "
                               "such as 3.")


class Builder(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for koo_synthetic."""

    VERSION = tfds.core.Version("1.0.0")
    #: Label columns, in order.
    CLASS_NAMES = synthetic.CLASS_NAMES
    RELEASE_NOTES = {
        "1.0.0": "Initial release: the paper's recipe, vectorised NumPy generator with "
                 "PCG64 seeds, ground truth per planted motif.",
    }
    BUILDER_CONFIGS = [
        KooSyntheticConfig(
            name="paper",
            description="The paper's set: 25,000 sequences of 200 nt (17,500 / 2,500 / 5,000).",
        ),
        KooSyntheticConfig(
            name="tiny",
            description="600 sequences of 200 nt (420 / 60 / 120) for tests and demos.",
            num_sequences=600,
        ),
        KooSyntheticConfig(
            name="independent",
            description="A second draw of the paper's set (seed 1): the same 12 motifs and "
                        "recipe, new sequences, for testing trained models on data they "
                        "have never seen.",
            seed=1,
        ),
        KooSyntheticConfig(
            name="kp21",
            description="Koo & Ploenzke's (2021) variant of the recipe: 30,000 sequences of "
                        "200 nt (21,000 / 3,000 / 6,000) whose motifs may abut each other "
                        "and the ends (no buffer); seed 2.",
            num_sequences=30_000,
            seed=2,
            buffer=0,
        ),
    ]
    DEFAULT_CONFIG_NAME = "paper"

    def _info(self) -> tfds.core.DatasetInfo:
        config = self.builder_config
        return self.dataset_info_from_configs(
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict({
                "index": tfds.features.Scalar(
                    dtype=np.int32, doc="Position in the generated set, before splitting."),
                "sequence": tfds.features.Tensor(
                    shape=(config.length,), dtype=np.uint8,
                    doc="Nucleotides as 0..3 for A, C, G, T."),
                "label": tfds.features.Tensor(
                    shape=(len(synthetic.CLASS_NAMES),), dtype=np.uint8,
                    doc="1 where the TF's motif was planted, in CLASS_NAMES order: "
                        + ", ".join(synthetic.CLASS_NAMES)),
                "motifs": tfds.features.Sequence({
                    "tf": tfds.features.ClassLabel(names=list(synthetic.CLASS_NAMES)),
                    "start": tfds.features.Scalar(dtype=np.int32, doc="0-based start."),
                    "width": tfds.features.Scalar(dtype=np.int32, doc="Motif width (nt)."),
                    "strand": tfds.features.ClassLabel(names=["+", "-"]),
                }, doc="Ground truth: every planted motif, in order along the sequence."),
            }),
            supervised_keys=("sequence", "label"),
            homepage="https://doi.org/10.1371/journal.pcbi.1007560",
        )

    def _download_and_prepare(self, dl_manager, download_config=None):
        # Byte-identical record files on every build (see deterministic_serialization).
        with deterministic_serialization():
            return super()._download_and_prepare(dl_manager, download_config)

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # everything is generated locally
        config = self.builder_config
        data = synthetic.generate(
            num_sequences=config.num_sequences,
            length=config.length,
            seed=config.seed,
            count_probs=config.count_probs,
            buffer=config.buffer,
        )
        splits = synthetic.split_indices(config.num_sequences, seed=config.seed)
        return {name: self._generate_examples(data, indices) for name, indices in splits.items()}

    def _generate_examples(self, data: synthetic.SyntheticSet, indices: np.ndarray):
        for index in indices:
            k = int(data.num_motifs[index])
            yield int(index), {
                "index": int(index),
                "sequence": data.sequences[index],
                "label": data.labels[index],
                "motifs": {
                    "tf": data.motif_tf[index, :k],
                    "start": data.motif_start[index, :k],
                    "width": data.motif_width[index, :k],
                    "strand": data.motif_strand[index, :k],
                },
            }
