"""JASPAR motif databases, offline, from the SQLite files the ``pyjaspar`` package ships.

The paper matched filters against JASPAR 2016 CORE vertebrates (519 motifs, the
latest version of each matrix). :func:`load_jaspar` reads that collection, or any
other release and taxonomic group ``pyjaspar`` carries, without network access
and without importing Biopython: it opens the package's SQLite file read-only.

The counts are turned into probabilities column by column (count / column total),
written to 6 decimals, and ``nsites`` is the mean column total rounded half up:
exactly what the MEME-format files that JASPAR and the MEME suite distribute
contain. Loaded this way, JASPAR 2016 CORE vertebrates equals
``JASPAR_CORE_2016_vertebrates.meme`` (519 motifs) in every ID, name, width,
``nsites``, URL and probability, bit for bit (checked in ``tests/test_meme.py``).
With ``decimals=None`` the probabilities are the unrounded count ratios, which
differ from the file by at most 5e-7.
"""

from __future__ import annotations

import functools
import importlib.util
import sqlite3
from pathlib import Path

import numpy as np

from deepmotif_arch.base.errors import MotifDatabaseError
from deepmotif_arch.motifs.meme import ALPHABET, Motif

__all__ = ["load_jaspar", "jaspar_motifs", "jaspar_path", "JASPAR_RELEASES", "DEFAULT_RELEASE"]

#: Releases whose SQLite file ``pyjaspar`` 4 ships.
JASPAR_RELEASES = ("JASPAR2014", "JASPAR2016", "JASPAR2018", "JASPAR2020", "JASPAR2022",
                   "JASPAR2024", "JASPAR2026")

#: The release the paper used.
DEFAULT_RELEASE = "JASPAR2016"


def jaspar_path(release: str = DEFAULT_RELEASE) -> Path:
    """Path of the SQLite file of a JASPAR release inside the installed ``pyjaspar``.

    Raises
    ------
    MotifDatabaseError
        If ``pyjaspar`` is not installed or does not ship that release.
    """
    spec = importlib.util.find_spec("pyjaspar")
    if spec is None or not spec.submodule_search_locations:
        raise MotifDatabaseError(
            "the JASPAR database needs the 'pyjaspar' package; install it with "
            "`pip install pyjaspar` or pass your own motifs (e.g. read_meme('file.meme'))."
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / f"{release}.sqlite"
        if path.is_file():
            return path
    raise MotifDatabaseError(
        f"pyjaspar ships no {release!r} database; known releases are "
        f"{', '.join(JASPAR_RELEASES)}."
    )


@functools.lru_cache(maxsize=8)
def _load(release: str, collection: str, tax_group: str | None,
          all_versions: bool, decimals: int | None) -> tuple[Motif, ...]:
    path = jaspar_path(release)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT ID, BASE_ID, VERSION, NAME FROM MATRIX WHERE COLLECTION = ?",
            (collection,),
        ).fetchall()
        if tax_group is not None:
            keep = {r[0] for r in con.execute(
                "SELECT ID FROM MATRIX_ANNOTATION WHERE TAG = 'tax_group' AND VAL = ?",
                (tax_group,),
            )}
            rows = [r for r in rows if r[0] in keep]
        if not all_versions:
            latest: dict[str, tuple] = {}
            for r in rows:
                if r[1] not in latest or r[2] > latest[r[1]][2]:
                    latest[r[1]] = r
            rows = list(latest.values())
        rows.sort(key=lambda r: (r[1], r[2]))
        ids = [r[0] for r in rows]
        data: dict[int, dict[str, dict[int, float]]] = {i: {} for i in ids}
        wanted = set(ids)
        query = ("SELECT d.ID, d.row, d.col, d.val FROM MATRIX_DATA AS d "
                 "JOIN MATRIX AS m ON m.ID = d.ID WHERE m.COLLECTION = ?")
        for mid, letter, col, val in con.execute(query, (collection,)):
            if mid in wanted:
                data[mid].setdefault(letter.upper(), {})[int(col)] = float(val)
    finally:
        con.close()
    motifs = []
    for mid, base, version, name in rows:
        letters = data[mid]
        width = max(len(letters.get(a, {})) for a in ALPHABET)
        counts = np.zeros((width, 4))
        for j, a in enumerate(ALPHABET):
            for col, val in letters.get(a, {}).items():
                counts[col - 1, j] = val
        totals = counts.sum(axis=1, keepdims=True)
        probs = np.divide(counts, totals, out=np.full_like(counts, 0.25), where=totals > 0)
        if decimals is not None:  # the text a MEME file holds, read back
            probs = np.array([[float(f"{v:.{decimals}f}") for v in row] for row in probs])
        nsites = float(np.floor(totals.mean() + 0.5))
        motif_id = f"{base}.{version}"
        motifs.append(Motif(
            id=motif_id, name=name, matrix=probs, nsites=nsites, evalue=0.0,
            url=f"http://jaspar.genereg.net?ID={motif_id}&rm=present&collection={collection}",
        ))
    return tuple(motifs)


def load_jaspar(release: str = DEFAULT_RELEASE, collection: str = "CORE",
                tax_group: str | None = "vertebrates", *, all_versions: bool = False,
                decimals: int | None = 6) -> list[Motif]:
    """Motifs of a JASPAR release, read offline from ``pyjaspar``'s SQLite file.

    Parameters
    ----------
    release : str, default "JASPAR2016"
        One of :data:`JASPAR_RELEASES`; the default is the paper's.
    collection : str, default "CORE"
    tax_group : str or None, default "vertebrates"
        ``None`` keeps every taxonomic group.
    all_versions : bool, default False
        ``False`` keeps only the latest version of each matrix, which is what
        JASPAR's own downloads (and the paper's 519 motifs) contain.
    decimals : int or None, default 6
        Round the probabilities as a MEME file written by JASPAR does (so the
        default equals that file exactly); ``None`` keeps the exact count ratios.

    Returns
    -------
    list of Motif
        Sorted by matrix ID; each ``matrix`` has shape ``(width, 4)`` (columns A,
        C, G, T) and sums to 1 per row. The first call reads the database (about
        0.1 s); later calls return the same records from a cache.

    Raises
    ------
    MotifDatabaseError
        If ``pyjaspar`` is missing, the release is unknown, or nothing matches.

    Examples
    --------
    >>> motifs = load_jaspar()            # JASPAR 2016 CORE vertebrates
    >>> len(motifs), motifs[0].id
    (519, 'MA0002.2')
    """
    motifs = _load(release, collection, tax_group, all_versions, decimals)
    if not motifs:
        raise MotifDatabaseError(
            f"{release} has no {collection} motifs for tax_group={tax_group!r}."
        )
    return list(motifs)


def jaspar_motifs(ids, release: str = DEFAULT_RELEASE, *,
                  decimals: int | None = None) -> list[Motif]:
    """Named matrices of a JASPAR release, in the order asked, any version and group.

    Parameters
    ----------
    ids : iterable of str
        Matrix IDs with their version (``"MA0496.1"``).
    release : str, default "JASPAR2016"
    decimals : int or None, default None
        ``None`` keeps the exact count ratios (each row's counts divided by their
        sum); 6 gives what JASPAR's MEME files hold.

    Raises
    ------
    MotifDatabaseError
        If an ID is not in the release (the message names it).
    """
    by_id = {m.id: m for m in _load(release, "CORE", None, True, decimals)}
    ids = list(ids)
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise MotifDatabaseError(f"{', '.join(missing)} is not a CORE matrix of {release}; "
                                 "give IDs with their version, such as MA0496.1.")
    return [by_id[i] for i in ids]
