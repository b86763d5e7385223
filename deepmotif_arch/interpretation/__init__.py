"""What the filters learned: read-out, matching against JASPAR, logos.

Owns :mod:`~deepmotif_arch.interpretation.filters` (first-layer activations to
position frequency matrices, the authors' read-out and ours),
:mod:`~deepmotif_arch.interpretation.presets` (the read-out and matching choices as one
settings object), :mod:`~deepmotif_arch.interpretation.motif_stats` (Tomtom matches to
the paper's statistics), :mod:`~deepmotif_arch.interpretation.logos` (logomaker
figures) and :mod:`~deepmotif_arch.interpretation.interpret` (a checkpoint in, every
file out). May import :mod:`deepmotif_arch.training`, :mod:`deepmotif_arch.motifs`,
:mod:`deepmotif_arch.zoo`, :mod:`deepmotif_arch.data` and :mod:`deepmotif_arch.base`.
"""
