"""Foundations: errors, folder locks, atomic file writes and hashes, shared patches.

Owns :mod:`~deepmotif_arch.base.errors` (the exception hierarchy every message comes
from), :mod:`~deepmotif_arch.base.locking` (one process per folder),
:mod:`~deepmotif_arch.base.io` (writes under a temporary name, renamed when complete;
JSON of NumPy values; SHA-256 of files) and :mod:`~deepmotif_arch.base.patching`.
Every other room may import it; it imports nothing else from ``deepmotif_arch``.
"""
