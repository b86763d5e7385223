"""DNA as the package encodes it: the alphabet, letter codes, one-hot rows, reverse complements.

Sequences are stored as uint8 codes, 0, 1, 2, 3 for A, C, G, T and :data:`UNKNOWN` (4)
for N and the other IUPAC letters; fed to a model they become one-hot rows in the same
channel order, an unknown base an all-zero row (as ``tf.one_hot`` leaves an index out of
range). Matrices of motifs and filters have shape (width, 4) with columns A, C, G, T, so
a reverse complement reverses both axes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ALPHABET", "UNKNOWN", "one_hot", "reverse_complement"]

#: Channel order: index 0..3 means A, C, G, T.
ALPHABET = "ACGT"
#: Code of N and every other letter that is not A, C, G or T: an all-zero one-hot row.
UNKNOWN = 4

# Code -> one-hot row; every code from 4 to 255 stays all zero.
_ONE_HOT = np.zeros((256, 4), dtype=np.float32)
_ONE_HOT[:4] = np.eye(4, dtype=np.float32)
_ONE_HOT.flags.writeable = False


def one_hot(codes) -> np.ndarray:
    """One-hot rows of letter codes.

    Parameters
    ----------
    codes : array_like of uint8, any shape
        0..3 for A, C, G, T; 4 (and anything up to 255) for an unknown base.

    Returns
    -------
    numpy.ndarray of float32, shape ``codes.shape + (4,)``
        Columns A, C, G, T; an unknown base is a row of zeros.
    """
    return _ONE_HOT[np.asarray(codes, dtype=np.uint8)]


def reverse_complement(matrix) -> np.ndarray:
    """Reverse complement of a matrix of shape (width, 4) with columns A, C, G, T.

    Rows are reversed and the columns swapped A<->T, C<->G (with A, C, G, T order,
    that is reversing the columns too). The dtype is kept; the result is contiguous.
    """
    return np.ascontiguousarray(np.asarray(matrix)[::-1, ::-1])
