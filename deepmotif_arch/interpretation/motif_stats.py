"""Which motifs the filters learned: Tomtom matches and the paper's match statistics.

The paper summarises each trained model by two shares of its first-layer filters
(PAPER_FACTS section 5), both over *all* filters of the layer (a filter that never
fires counts as matching nothing):

``% match (JASPAR)``
    filters with at least one Tomtom hit (E < 0.1 against JASPAR 2016 CORE
    vertebrates, Pearson, min overlap 5, both strands);
``% match (Relevant)``
    filters whose hits include one of the JASPAR IDs that count as a ground-truth
    TF (:data:`RELEVANT_JASPAR_IDS`).

:func:`match_filters` computes them, with the TFs covered by at least one filter and
the best hit (E- and q-value) of every filter. The filter matrices are sent through
MEME text first (6 decimals, the ``filters.meme`` the command line writes), so the
matches are exactly those MEME Tomtom reports for that file.

Tomtom answers "is this filter like some known motif"; on the synthetic set the
question "how much of a planted motif did the filter learn" has a direct answer
too, :func:`ground_truth_similarity`:

    For a filter PPM ``F`` (w_f x 4) and a ground-truth PPM ``G`` (w_g x 4), take
    the w_g positions of ``F`` aligned with ``G`` at some offset (positions beyond
    ``F``'s ends count as uniform, 0.25 each) and compute the Pearson correlation of
    the two w_g x 4 matrices as flat vectors. Every row sums to 1, so both means are
    0.25 and the correlation is ``sum((F - .25)(G - .25)) / sqrt(sum((F - .25)^2)
    sum((G - .25)^2))`` over those positions. The similarity is the maximum over
    every offset that aligns at least one position, over ``G`` and its reverse
    complement, and over the 12 ground-truth motifs.

It is 1 when the filter holds the whole motif (up to a uniform softening), lower
when it misses informative positions (a filter with half of a motif's information
scores about sqrt(1/2)), and about 0 for an unrelated filter; the filter's columns
outside the motif do not count, so a filter may hold a motif plus flanks.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from deepmotif_arch.base.errors import DeepMotifError, ResultFileError
from deepmotif_arch.motifs.tomtom import TomtomMatch

__all__ = [
    "RELEVANT_JASPAR_IDS",
    "GROUND_TRUTH_TFS",
    "relevant_tf",
    "FilterMatch",
    "GroundTruthHit",
    "MatchReport",
    "query_motifs",
    "match_filters",
    "check_match_options",
    "ground_truth_similarity",
]

#: JASPAR 2016 matrix IDs that count as each ground-truth TF for "% match
#: (Relevant)", exactly as the authors' code lists them (PAPER_FACTS section 5). Note
#: that it lists MA0660.1 (MEF2B) and MA0773.1 (MEF2D) under STAT1, not MEF2A; they
#: are kept there so the share is the paper's.
RELEVANT_JASPAR_IDS: dict[str, tuple[str, ...]] = {
    "Arid3a": ("MA0151.1", "MA0601.1"),
    "CEBPB": ("MA0466.2",),
    "FOSL1": ("MA0477.1",),
    "Gabpa": ("MA0062.2",),
    "MAFK": ("MA0496.1",),
    "MAX": ("MA0058.3",),
    "MEF2A": ("MA0052.3",),
    "NFYB": ("MA0502.1", "MA0060.2"),
    "SP1": ("MA0079.3",),
    "SRF": ("MA0083.3",),
    "STAT1": ("MA0137.3", "MA0660.1", "MA0773.1"),
    "YY1": ("MA0095.2",),
}
#: The 12 TFs of the synthetic set, in class order.
GROUND_TRUTH_TFS: tuple[str, ...] = tuple(RELEVANT_JASPAR_IDS)

_TF_OF_ID = {jid: tf for tf, ids in RELEVANT_JASPAR_IDS.items() for jid in ids}


def relevant_tf(target_id: str) -> str | None:
    """The ground-truth TF a JASPAR ID counts as, or None (``"MA0601.1"`` -> ``"Arid3a"``)."""
    return _TF_OF_ID.get(target_id)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class GroundTruthHit:
    """The planted motif closest to a filter (see the module notes).

    Attributes
    ----------
    tf : str
        Ground-truth TF (class name).
    strand : str
        ``"+"`` for the JASPAR orientation, ``"-"`` for its reverse complement.
    offset : int
        Start of the motif in filter positions (negative: it starts left of the filter).
    similarity : float
        Pearson correlation of the aligned matrices, in [-1, 1].
    """

    tf: str
    strand: str
    offset: int
    similarity: float

    def to_dict(self) -> dict:
        return {"tf": self.tf, "strand": self.strand, "offset": self.offset,
                "similarity": round(float(self.similarity), 6)}

    @classmethod
    def from_dict(cls, data: dict) -> GroundTruthHit:
        return cls(tf=str(data["tf"]), strand=str(data["strand"]), offset=int(data["offset"]),
                   similarity=float(data["similarity"]))


@dataclass(frozen=True)
class FilterMatch:
    """What one filter matched.

    Attributes
    ----------
    index : int
        Filter index in the layer (0-based).
    id : str
        ``filter{index}``, its id in ``filters.meme`` and ``tomtom.tsv``.
    sites : int
        Windows aligned into its matrix (0 for a silent filter).
    silent_reason : str or None
        Why a filter has no matrix; None otherwise.
    width : int
        Columns of the matrix sent to Tomtom (after clipping); 0 when silent.
    consensus : str
        Consensus of that matrix ("" when silent).
    hits : tuple of TomtomMatch
        Every target below the threshold, best first.
    ground_truth : GroundTruthHit or None
        Closest planted motif (synthetic set only).
    """

    index: int
    id: str
    sites: int
    silent_reason: str | None
    width: int
    consensus: str
    hits: tuple[TomtomMatch, ...] = ()
    ground_truth: GroundTruthHit | None = None

    @property
    def silent(self) -> bool:
        return self.silent_reason is not None

    @property
    def best(self) -> TomtomMatch | None:
        """The best hit (smallest p-value), or None."""
        return self.hits[0] if self.hits else None

    @property
    def relevant_tfs(self) -> tuple[str, ...]:
        """Ground-truth TFs among the hits, in order of the hits, without repeats."""
        out: list[str] = []
        for hit in self.hits:
            tf = relevant_tf(hit.target_id)
            if tf is not None and tf not in out:
                out.append(tf)
        return tuple(out)

    @property
    def best_relevant(self) -> TomtomMatch | None:
        """The best hit that counts as a ground-truth TF, or None."""
        return next((h for h in self.hits if relevant_tf(h.target_id) is not None), None)

    @property
    def status(self) -> str:
        if self.silent:
            return "silent"
        return "match" if self.hits else "no match"


@dataclass
class MatchReport:
    """Matches of every filter of a layer, with the paper's summary statistics.

    Attributes
    ----------
    filters : list of FilterMatch
        One per filter of the layer, in order (silent ones included).
    database : str
        Description of the targets (``"JASPAR2016 CORE vertebrates"`` or a file name).
    target_names : dict
        Target id -> name (``"MA0052.3"`` -> ``"MEF2A"``).
    num_targets : int
    settings : dict
        Tomtom settings (dist, min_overlap, evalue threshold, clipping).
    queries_meme : str
        The MEME text of the queries, as Tomtom read them.
    relevant_in_database : bool
        Whether any ground-truth JASPAR ID is among the targets (else the relevant
        share is reported as None).
    """

    filters: list[FilterMatch]
    database: str
    target_names: dict = field(default_factory=dict)
    num_targets: int = 0
    settings: dict = field(default_factory=dict)
    queries_meme: str = ""
    relevant_in_database: bool = True

    @property
    def num_filters(self) -> int:
        return len(self.filters)

    @property
    def matches(self) -> list[TomtomMatch]:
        """Every hit of every filter, in filter order (the rows of ``tomtom.tsv``)."""
        return [hit for f in self.filters for hit in f.hits]

    @property
    def fraction_matched(self) -> float:
        """Share of all filters with at least one hit ("% match (JASPAR)")."""
        return _share(sum(bool(f.hits) for f in self.filters), self.num_filters)

    @property
    def fraction_relevant(self) -> float | None:
        """Share of all filters with a ground-truth TF among their hits ("% match
        (Relevant)"); None when the database holds none of those IDs."""
        if not self.relevant_in_database:
            return None
        return _share(sum(bool(f.relevant_tfs) for f in self.filters), self.num_filters)

    def tf_coverage(self) -> dict[str, list[int]]:
        """Ground-truth TF -> indices of the filters with it among their hits."""
        out: dict[str, list[int]] = {tf: [] for tf in GROUND_TRUTH_TFS}
        for f in self.filters:
            for tf in f.relevant_tfs:
                out[tf].append(f.index)
        return out

    def statistics(self) -> dict:
        """The summary a run is judged by (plain data)."""
        coverage = self.tf_coverage()
        active = [f for f in self.filters if not f.silent]
        stats = {
            "num_filters": self.num_filters,
            "num_silent": self.num_filters - len(active),
            "silent_filters": [f.index for f in self.filters if f.silent],
            "num_matched": sum(bool(f.hits) for f in self.filters),
            "fraction_matched": self.fraction_matched,
            "num_relevant": (sum(bool(f.relevant_tfs) for f in self.filters)
                             if self.relevant_in_database else None),
            "fraction_relevant": self.fraction_relevant,
            "tfs_covered": ([tf for tf, idx in coverage.items() if idx]
                            if self.relevant_in_database else None),
            "tfs_missed": ([tf for tf, idx in coverage.items() if not idx]
                           if self.relevant_in_database else None),
            "tf_filters": coverage if self.relevant_in_database else None,
        }
        with_gt = [f for f in active if f.ground_truth is not None]
        if with_gt:
            sims = np.array([f.ground_truth.similarity for f in with_gt])
            per_tf: dict[str, dict] = {}
            for f in with_gt:
                hit = f.ground_truth
                if hit.tf not in per_tf or hit.similarity > per_tf[hit.tf]["similarity"]:
                    per_tf[hit.tf] = {"filter": f.index, "similarity": round(hit.similarity, 6)}
            stats["ground_truth_similarity"] = {
                "measure": "Pearson correlation of the filter PPM with the closest planted "
                           "motif (best offset and strand; see "
                           "deepmotif_arch.interpretation.motif_stats)",
                "mean_over_active_filters": round(float(sims.mean()), 6),
                "median_over_active_filters": round(float(np.median(sims)), 6),
                "closest_filter_per_tf": {tf: per_tf.get(tf) for tf in GROUND_TRUTH_TFS},
            }
        return stats

    def to_dict(self) -> dict:
        """Every filter's matches as plain data (``matches.json``)."""
        rows = []
        for f in self.filters:
            row = {"index": f.index, "id": f.id, "status": f.status, "sites": f.sites,
                   "silent_reason": f.silent_reason, "width": f.width,
                   "consensus": f.consensus, "relevant_tfs": list(f.relevant_tfs),
                   "best": _hit_dict(f.best, self.target_names),
                   "best_relevant": _hit_dict(f.best_relevant, self.target_names),
                   "hits": [_hit_dict(h, self.target_names) for h in f.hits]}
            if f.ground_truth is not None:
                row["ground_truth"] = f.ground_truth.to_dict()
            rows.append(row)
        return {"database": self.database, "num_targets": self.num_targets,
                "relevant_in_database": self.relevant_in_database,
                "tomtom": self.settings, "filters": rows}

    @classmethod
    def from_dict(cls, data: dict, source: str | os.PathLike = "matches.json") -> MatchReport:
        """The report :meth:`to_dict` wrote (``matches.json``), read back.

        Files that kept only each filter's best (and best relevant) hit read as filters
        with those hits. ``queries_meme`` is not stored, so it comes back empty.

        Raises
        ------
        ResultFileError
            When the filters are not listed, or not 0 to n - 1 once each (``source``
            names the file in the message).
        """
        rows = data.get("filters") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise ResultFileError(f"{source} has no list of filters; rerun the job to "
                                  "rewrite it.")
        rows = sorted(rows, key=lambda r: int(r["index"]))
        if [int(r["index"]) for r in rows] != list(range(len(rows))):
            raise ResultFileError(f"{source} does not list filters 0 to {len(rows) - 1} once "
                                  "each; rerun the job to rewrite it.")
        names: dict[str, str] = {}
        filters = []
        for row in rows:
            fid = row.get("id") or f"filter{row['index']}"
            hits = row.get("hits")
            if hits is None:  # a shorter file: only the best (and best relevant) hit
                hits = [h for h in (row.get("best"), row.get("best_relevant")) if h]
            seen, unique = set(), []
            for h in hits:
                if h["target_id"] not in seen:
                    seen.add(h["target_id"])
                    unique.append(h)
            for h in unique:
                name = h.get("target_name") or h.get("name") or ""
                if name:
                    names.setdefault(str(h["target_id"]), name)
            silent = row.get("silent_reason")
            if silent is None and row.get("status") == "silent":
                silent = "silent"
            truth = row.get("ground_truth")
            filters.append(FilterMatch(
                index=int(row["index"]), id=fid, sites=int(row.get("sites") or 0),
                silent_reason=silent, width=int(row.get("width") or 0),
                consensus=row.get("consensus") or "",
                hits=tuple(_hit_from_dict(h, fid) for h in unique),
                ground_truth=GroundTruthHit.from_dict(truth) if truth else None))
        return cls(filters=filters, database=str(data.get("database") or ""),
                   target_names=names, num_targets=int(data.get("num_targets") or 0),
                   settings=dict(data.get("tomtom") or {}),
                   relevant_in_database=bool(data.get("relevant_in_database", True)))


def _share(count: int, total: int) -> float:
    return float(count) / total if total else 0.0


def _hit_from_dict(row: dict, query_id: str) -> TomtomMatch:
    """A hit of ``matches.json`` (see :func:`_hit_dict`) as a TomtomMatch."""
    def num(key, default=float("nan")):
        value = row.get(key)
        return default if value is None else value

    return TomtomMatch(query_id=query_id, target_id=str(row["target_id"]),
                       optimal_offset=int(num("offset", 0)), p_value=float(num("p_value")),
                       e_value=float(num("e_value")), q_value=float(num("q_value")),
                       overlap=int(num("overlap", 0)),
                       query_consensus=row.get("query_consensus") or "",
                       target_consensus=row.get("target_consensus") or "",
                       orientation=row.get("orientation") or "+")


def _hit_dict(hit: TomtomMatch | None, names: dict) -> dict | None:
    if hit is None:
        return None
    return {"target_id": hit.target_id, "target_name": names.get(hit.target_id, ""),
            "relevant_tf": relevant_tf(hit.target_id), "p_value": hit.p_value,
            "e_value": hit.e_value, "q_value": hit.q_value, "offset": hit.optimal_offset,
            "overlap": hit.overlap, "orientation": hit.orientation,
            "query_consensus": hit.query_consensus, "target_consensus": hit.target_consensus}


# --------------------------------------------------------------------------- matching


def query_motifs(pwms, *, clip: bool = True, min_bits: float = 0.5, pad: int = 3,
                 nsites: str = "width") -> list:
    """The active filters as Tomtom queries: exactly what ``filters.meme`` holds.

    The matrices go through MEME text (6 decimals) and back, so that matching them
    gives the numbers MEME Tomtom gives for the written file.

    Parameters
    ----------
    pwms : FilterPWMs
    clip : bool, default True
        Trim each matrix to the columns carrying more than ``min_bits`` bits, plus
        ``pad`` columns each side (the released code's 0.5 bits and 3 columns).
    nsites : {"width", "sites"}, default "width"
        ``nsites`` of each query: its width, as the authors' MEME files said, or the
        number of windows kept (see
        :meth:`~deepmotif_arch.interpretation.filters.FilterPWMs.motifs`).
    """
    from deepmotif_arch.motifs.meme import format_meme, parse_meme

    motifs = pwms.motifs(clip=clip, min_bits=min_bits, pad=pad, nsites=nsites)
    if not motifs:
        return []
    return parse_meme(format_meme(motifs), "filters.meme")


def resolve_database(database):
    """(motifs, description) for None (JASPAR 2016), a path, or motifs."""
    import os

    from deepmotif_arch.motifs.meme import as_motifs, read_meme

    if database is None:
        from deepmotif_arch.motifs.jaspar import load_jaspar

        return load_jaspar(), "JASPAR2016 CORE vertebrates"
    if isinstance(database, (str, os.PathLike)):
        path = os.fspath(database)
        if not os.path.exists(path):
            raise DeepMotifError(f"motif database {path!r} does not exist; give a MEME "
                                 "motif file.")
        return read_meme(path), path
    motifs = as_motifs(database, prefix="target")
    return motifs, f"{len(motifs)} motifs given in memory"


def _without(targets, exclude: Sequence[str], description: str):
    """``targets`` less the motifs whose IDs are in ``exclude`` (all must be there)."""
    exclude = [str(i) for i in exclude]
    ids = {m.id for m in targets}
    missing = [i for i in exclude if i not in ids]
    if missing:
        raise DeepMotifError(f"cannot exclude {missing[0]!r}: the database ({description}) has "
                             "no motif with that ID; give IDs it holds, such as "
                             f"{next(iter(sorted(ids)), 'MA0615.1')!r}.")
    kept = [m for m in targets if m.id not in set(exclude)]
    return kept, f"{description} without {', '.join(exclude)}"


def check_match_options(evalue, dist) -> None:
    """Raise for an E-value threshold or distance Tomtom cannot use."""
    if isinstance(evalue, bool) or not isinstance(evalue, (int, float)) or not evalue > 0:
        raise DeepMotifError(f"the E-value threshold is {evalue!r}; it must be a positive "
                             "number such as 0.1.")
    if str(dist).lower() not in ("pearson", "ed", "euclidean"):
        raise DeepMotifError(f"distance {dist!r} is not known; use 'ed' (Euclidean, MEME's "
                             "default and the authors') or 'pearson'.")


def match_filters(pwms, database=None, *, database_name: str | None = None,
                  evalue: float = 0.1, dist: str = "ed",
                  min_overlap: int = 1, clip: bool = True, min_bits: float = 0.5, pad: int = 3,
                  nsites: str = "width", exclude: Sequence[str] = (),
                  ground_truth: Sequence[np.ndarray] | bool | None = None) -> MatchReport:
    """Compare every filter of a layer with a motif database, as the paper did.

    The defaults are the authors' (their ``2_tomtom_synthetic.sh``: ``tomtom -evalue
    -thresh 0.1`` with MEME's defaults, Euclidean distance and minimum overlap 1, on
    clipped filters whose MEME file gives ``nsites`` as the width).

    Parameters
    ----------
    pwms : FilterPWMs
        From :func:`deepmotif_arch.interpretation.filters.filter_pwms`.
    database : path, motifs or None
        A MEME motif file, a list of :class:`~deepmotif_arch.motifs.meme.Motif`, or None for
        JASPAR 2016 CORE vertebrates (519 motifs, the paper's).
    database_name : str, optional
        How to describe the database in the outputs (default: its file name).
    evalue : float, default 0.1
        Report targets with E-value <= this (Tomtom's ``-evalue -thresh``).
    dist : {"ed", "pearson"}, default "ed"
        Tomtom's column comparison (``-dist``); MEME's default, Euclidean.
    min_overlap : int, default 1
        Tomtom's ``-min-overlap``; MEME's default.
    clip : bool, default True
        Clip the queries to their informative span first (see :func:`query_motifs`).
    nsites : {"width", "sites"}, default "width"
        See :func:`query_motifs`.
    exclude : sequence of str, default ()
        Motif IDs taken out of the database first (Koo & Ploenzke's JASPAR lacks Gmeb1,
        MA0615.1). An ID the database does not hold is an error.
    ground_truth : sequence of (width, 4) arrays, True, or None
        Planted motifs (forward strands, one per TF in :data:`GROUND_TRUTH_TFS`
        order) to measure each filter against (:func:`ground_truth_similarity`);
        True uses the synthetic set's 12; None skips it.

    Returns
    -------
    MatchReport
    """
    from deepmotif_arch.motifs.tomtom import tomtom

    check_match_options(evalue, dist)
    targets, description = resolve_database(database)
    description = database_name or description
    if exclude:
        targets, description = _without(targets, exclude, description)
    queries = query_motifs(pwms, clip=clip, min_bits=min_bits, pad=pad, nsites=nsites)
    hits: dict[str, list[TomtomMatch]] = {}
    if queries:
        for hit in tomtom(queries, targets, dist=dist, min_overlap=min_overlap, evalue=True,
                          thresh=float(evalue)):
            hits.setdefault(hit.query_id, []).append(hit)
    if ground_truth is True:
        from deepmotif_arch.data.synthetic import ground_truth_pwms

        ground_truth = ground_truth_pwms()
    by_id = {m.id: m for m in queries}
    rows = []
    for i in range(pwms.num_filters):
        fid = pwms.motif_id(i)
        motif = by_id.get(fid)
        gt = None
        if motif is not None and ground_truth:
            gt = ground_truth_similarity(pwms.ppm(i), ground_truth)
        rows.append(FilterMatch(
            index=i, id=fid, sites=int(pwms.sites[i]), silent_reason=pwms.silent_reason(i),
            width=motif.width if motif is not None else 0,
            consensus=motif.consensus if motif is not None else "",
            hits=tuple(hits.get(fid, ())), ground_truth=gt))
    from deepmotif_arch.motifs.meme import format_meme

    ids = {m.id for m in targets}
    return MatchReport(
        filters=rows, database=description,
        target_names={m.id: m.name for m in targets}, num_targets=len(targets),
        settings={"dist": dist, "min_overlap": min_overlap, "evalue": True,
                  "thresh": float(evalue), "clip": clip, "clip_min_bits": min_bits,
                  "clip_pad": pad, "nsites": nsites, "background": "uniform",
                  "strands": "both", "excluded_targets": list(exclude)},
        queries_meme=format_meme(queries) if queries else "",
        relevant_in_database=any(i in ids for i in _TF_OF_ID),
    )


# --------------------------------------------------------------------------- ground truth


def _best_alignment(filt: np.ndarray, motif: np.ndarray) -> tuple[float, int]:
    """(best correlation, offset) of ``motif`` against ``filt`` over every overlap."""
    f = filt - 0.25
    g = motif - 0.25
    g_norm = float((g * g).sum())
    if g_norm <= 0:
        return 0.0, 0
    dots = f @ g.T  # (w_f, w_g): filter position i against motif position j
    f_sq = (f * f).sum(axis=1)
    w_f, w_g = dots.shape
    best, best_offset = -np.inf, 0
    for offset in range(-(w_g - 1), w_f):  # motif position j sits at filter position j + offset
        j = np.arange(max(0, -offset), min(w_g, w_f - offset))
        num = float(dots[j + offset, j].sum())
        den = float(f_sq[j + offset].sum()) * g_norm
        corr = num / np.sqrt(den) if den > 0 else 0.0
        if corr > best:
            best, best_offset = corr, offset
    return float(best), int(best_offset)


def ground_truth_similarity(ppm, ground_truth: Sequence[np.ndarray] | None = None,
                            names: Sequence[str] = GROUND_TRUTH_TFS) -> GroundTruthHit:
    """The planted motif closest to a filter matrix (see the module notes).

    Parameters
    ----------
    ppm : array_like, shape (width, 4)
        A filter's probability matrix (unclipped).
    ground_truth : sequence of arrays of shape (w, 4), optional
        Forward-strand motifs; default the synthetic set's 12 JASPAR 2016 PWMs.
    names : sequence of str
        Their names, in the same order.

    Returns
    -------
    GroundTruthHit
    """
    from deepmotif_arch.motifs.meme import reverse_complement

    if ground_truth is None:
        from deepmotif_arch.data.synthetic import ground_truth_pwms

        ground_truth = ground_truth_pwms()
    filt = np.asarray(ppm, dtype=np.float64)
    if filt.ndim != 2 or filt.shape[1] != 4 or filt.shape[0] == 0:
        raise DeepMotifError(f"filter matrix has shape {filt.shape}; expected (width, 4).")
    if len(names) != len(ground_truth):
        raise DeepMotifError(f"got {len(names)} names for {len(ground_truth)} motifs.")
    best = None
    for name, motif in zip(names, ground_truth):
        motif = np.asarray(motif, dtype=np.float64)
        for strand, m in (("+", motif), ("-", reverse_complement(motif))):
            corr, offset = _best_alignment(filt, m)
            if best is None or corr > best.similarity:
                best = GroundTruthHit(tf=str(name), strand=strand, offset=offset,
                                      similarity=corr)
    return best
