"""Data sets: the TFDS builders' front door, the synthetic generator, your own sequences.

Owns :mod:`~deepmotif_arch.data.datasets` (finding, building and streaming
``koo_synthetic``, ``koo_invivo`` and imported data sets as tf.data pipelines or NumPy
arrays), :mod:`~deepmotif_arch.data.synthetic` (the paper's 12 JASPAR motifs planted
in random DNA) and :mod:`~deepmotif_arch.data.userdata` (FASTA and BED to a versioned
TFDS data set). The builders themselves live in :mod:`deepmotif_arch.tfds_builders`.
May import :mod:`deepmotif_arch.motifs` (the JASPAR matrices it plants) and
:mod:`deepmotif_arch.base`.
"""
