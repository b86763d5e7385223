"""Motifs as files and comparisons: MEME motif files, Tomtom, JASPAR 2016.

Owns :mod:`~deepmotif_arch.motifs.meme` (reading and writing MEME's text format),
:mod:`~deepmotif_arch.motifs.tomtom` (MEME's Tomtom, pair for pair) and
:mod:`~deepmotif_arch.motifs.jaspar` (JASPAR 2016 CORE vertebrates, offline from
pyjaspar). Nothing here knows about neural networks. May import
:mod:`deepmotif_arch.base` only.
"""
