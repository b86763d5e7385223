"""Interpret a trained checkpoint: filters to PPMs, logos, MEME files, Tomtom matches.

One call does what the paper did for every trained model (PAPER_FACTS section 5):

>>> from deepmotif_arch.interpretation.interpret import interpret_checkpoint, write_interpretation
>>> result = interpret_checkpoint("runs/cnn-25/koo_synthetic-paper/trial-0/model.keras")
...                                                          # doctest: +SKIP
>>> result.statistics["fraction_relevant"]   # share matching a ground truth  # doctest: +SKIP
>>> write_interpretation(result, "out/")                     # doctest: +SKIP

:func:`interpret_checkpoint` loads the checkpoint and the split it names (the data
set and config recorded in the checkpoint, the test split by default), scans the
filters of a layer (:func:`deepmotif_arch.interpretation.filters.filter_pwms`), matches
them against JASPAR 2016 or any MEME file
(:func:`deepmotif_arch.interpretation.motif_stats.match_filters`) and, on the synthetic
set, measures each filter against the planted motifs.
:func:`write_interpretation` writes the folder the command line produces:

==========================  ===============================================================
``filters.meme``            the Tomtom queries: active filters, clipped unless ``clip=False``
``filters_full.meme``       the active filters unclipped (whole windows), when clipping
``tomtom.tsv``              every match, in MEME Tomtom's TSV format
``matches.json``            per filter: status, sites, best hit, every hit, ground truth
``stats.json``              settings and the summary: match shares, TFs covered, ...
``logos.{png,pdf,svg}``     the grid of all filters, each titled with its best match
``filters/filter{i}.*``     one logo per active filter (``per_filter=True``)
``ground_truth.*``          the 12 planted motifs and their reverse complements (synthetic)
==========================  ===============================================================
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from deepmotif_arch.base.errors import CheckpointError, DeepMotifError
from deepmotif_arch.base.io import atomic_path, atomic_write_text, json_default
from deepmotif_arch.interpretation.filters import FilterPWMs
from deepmotif_arch.interpretation.motif_stats import MatchReport

__all__ = ["Interpretation", "interpret_checkpoint", "interpret_model", "interpret_settings",
           "write_interpretation", "default_output_dir"]

#: Data sets whose sequences carry the 12 planted ground-truth motifs.
SYNTHETIC_DATASETS = ("koo_synthetic",)


@dataclass
class Interpretation:
    """Everything read out of one layer of one model.

    Attributes
    ----------
    pwms : FilterPWMs
    report : MatchReport or None
        None when matching was skipped.
    source : dict
        Checkpoint path, model name, trial, data set (name, config, version) and
        split.
    timings : dict
        Seconds per step (data, activations, alignment, matching).
    """

    pwms: FilterPWMs
    report: MatchReport | None
    source: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def statistics(self) -> dict:
        """The summary written to ``stats.json``."""
        out = {**self.source, "pwm": self.pwms.summary()}
        if self.report is not None:
            out["database"] = self.report.database
            out["tomtom"] = self.report.settings
            out.update(self.report.statistics())
        out["filters"] = [self._filter_row(i) for i in range(self.pwms.num_filters)]
        return out

    def _filter_row(self, i: int) -> dict:
        row = {"index": i, "sites": int(self.pwms.sites[i]),
               "max_activation": round(float(self.pwms.max_activation[i]), 6),
               "silent_reason": self.pwms.silent_reason(i)}
        if self.report is not None:
            match = self.report.filters[i]
            best = match.best
            row.update({
                "best_match": best.target_id if best else None,
                "best_match_name": self.report.target_names.get(best.target_id) if best else None,
                "e_value": best.e_value if best else None,
                "q_value": best.q_value if best else None,
                "relevant_tfs": list(match.relevant_tfs),
            })
            if match.ground_truth is not None:
                row["ground_truth"] = match.ground_truth.to_dict()
        return row


def default_output_dir(checkpoint, layer: str = "conv1") -> Path:
    """``<checkpoint folder>/interpretation/<layer>``."""
    return Path(checkpoint).resolve().parent / "interpretation" / str(layer)


def _settings(settings, options: dict, caller: str):
    """``settings`` (default: the authors' pipeline) with keyword ``options`` over it,
    validated once. ``options`` are fields of
    :class:`~deepmotif_arch.interpretation.presets.InterpretSettings` (``variant=``,
    ``window=``, ``dist=``, ...)."""
    import dataclasses

    from deepmotif_arch.interpretation.presets import InterpretSettings

    fields = {f.name for f in dataclasses.fields(InterpretSettings)}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
    base = settings if settings is not None else InterpretSettings()
    if not isinstance(base, InterpretSettings):
        raise TypeError(f"{caller}(): settings must be an InterpretSettings, not "
                        f"{type(base).__name__}")
    return (base.replace(**options) if options else base).validate()


def interpret_model(model, x, settings=None, *, layer: str | int = "conv1",
                    database=None, database_name: str | None = None, match: bool = True,
                    ground_truth: Sequence[np.ndarray] | bool | None = None,
                    batch_size: int = 500, progress: Callable[[int, int], None] | None = None,
                    source: dict | None = None, **options) -> Interpretation:
    """Interpret a model on sequences already in memory (see :func:`interpret_checkpoint`).

    ``x`` is one-hot (n, length, 4) or letter codes (n, length).
    """
    from deepmotif_arch.interpretation.filters import filter_pwms
    from deepmotif_arch.interpretation.motif_stats import match_filters

    settings = _settings(settings, options, "interpret_model")
    timings: dict = {}
    pwms = filter_pwms(model, x, layer, **settings.readout_kwargs(), batch_size=batch_size,
                       progress=progress, timings=timings)
    report = None
    if match:
        tick = time.perf_counter()
        report = match_filters(pwms, database, database_name=database_name,
                               **settings.match_kwargs(), ground_truth=ground_truth)
        timings["matching"] = time.perf_counter() - tick
    return Interpretation(pwms=pwms, report=report, source=dict(source or {}), timings=timings)


def interpret_checkpoint(checkpoint, settings=None, *, layer: str | int = "conv1",
                         split: str = "test", dataset: str | None = None,
                         config: str | None = None, data_dir: str | None = None,
                         database=None, match: bool = True, batch_size: int = 500,
                         progress: Callable[[int, int], None] | None = None,
                         on_data: Callable[[dict], None] | None = None,
                         **options) -> Interpretation:
    """Read the filters of a trained checkpoint out on a data split and match them.

    Parameters
    ----------
    checkpoint : path
        A ``.keras`` file written by ``deepmotif train`` (or any zoo model saved
        with :func:`deepmotif_arch.training.checkpoints.save_checkpoint`).
    settings : InterpretSettings, optional
        How filters are read out and matched
        (:class:`deepmotif_arch.interpretation.presets.InterpretSettings`); the default is
        the authors' pipeline: every position above 50% of the filter's maximum, 19-nt
        windows weighted by activation, zero-padded at the ends; Tomtom with E < 0.1,
        Euclidean distance, overlap 1, clipped at 0.5 bits, nsites = width.
    layer : str or int, default "conv1"
        See :func:`deepmotif_arch.interpretation.filters.filter_pwms`.
    split : str, default "test"
        The split to scan (the paper used the test set).
    dataset, config : str, optional
        Default: the data set and config the checkpoint was trained on.
    data_dir : str, optional
        TFDS data folder (built there on first use if missing).
    database : optional
        Targets: None for JASPAR 2016 CORE vertebrates, a MEME file or motifs (see
        :func:`deepmotif_arch.interpretation.motif_stats.match_filters`).
    match : bool, default True
        Run Tomtom; False only extracts the matrices.
    progress : callable, optional
        ``progress(done, total)`` after each batch of sequences.
    on_data : callable, optional
        Called with the source description once the data are loaded.
    **options
        Fields of ``settings`` to change for this call (``variant="paper"``,
        ``window=9``, ``dist="pearson"``, ...).

    Returns
    -------
    Interpretation
    """
    from deepmotif_arch.interpretation.filters import DEFAULT_WINDOWS, layer_alignment
    from deepmotif_arch.interpretation.motif_stats import resolve_database
    from deepmotif_arch.training.checkpoints import load_checkpoint

    tick = time.perf_counter()
    settings = _settings(settings, options, "interpret_checkpoint")
    database_name = None
    if match and database is not None:
        database, database_name = resolve_database(database)  # a bad file fails before the data
    model, meta = load_checkpoint(checkpoint, compile=False)
    # a missing layer or a window too wide fails before the data
    layer_alignment(model, layer).window(settings.window if settings.window is not None
                                         else DEFAULT_WINDOWS[settings.variant])
    model, codes, source = _load_data(checkpoint, model, meta, split=split, dataset=dataset,
                                      config=config, data_dir=data_dir)
    data_seconds = time.perf_counter() - tick
    if on_data is not None:
        on_data(source)
    result = interpret_model(
        model, codes, settings, layer=layer, database=database, database_name=database_name,
        match=match,
        ground_truth=True if source["dataset"]["name"] in SYNTHETIC_DATASETS else None,
        batch_size=batch_size, progress=progress, source=source)
    result.timings = {"data": data_seconds, **result.timings}
    return result


def _load_data(checkpoint, model, meta, *, split, dataset, config, data_dir):
    """(model, letter codes of the split, source description) for a loaded checkpoint."""
    from deepmotif_arch.data import datasets

    recorded = meta.get("dataset", {}) or {}
    name = dataset or recorded.get("name")
    if name is None:
        raise CheckpointError(f"{checkpoint} carries no data set name (it was not written by "
                              "deepmotif train); give the data set to scan.")
    same = name == recorded.get("name")
    config = config or (recorded.get("config") if same else None)
    stream = datasets.SplitStream(name, split, config=config, data_dir=data_dir)
    codes = np.concatenate([x for x, _ in stream.epoch(
        None, batch_size=2000, shuffle=False, one_hot=False,
        prefetch_to_device=False).as_numpy_iterator()])
    version = str(stream.builder.version)
    if same and recorded.get("version") and recorded["version"] != version:
        import warnings

        warnings.warn(f"{checkpoint} was trained on {name} {recorded['version']} but the data "
                      f"found are version {version}.", stacklevel=2)
    source = {
        "checkpoint": str(checkpoint),
        "model": (meta.get("model") or {}).get("name") or model.name,
        "trial": (meta.get("training") or {}).get("trial"),
        "backend": _backend(),
        "dataset": {"name": name, "config": stream.builder.builder_config.name,
                    "version": version},
        "split": split,
        "num_sequences": int(codes.shape[0]),
    }
    return model, codes, source


def interpret_settings(checkpoint, settings: dict, *, layers: Sequence[str] = ("conv1",),
                       split: str = "test", data_dir: str | None = None, database=None
                       ) -> dict[str, dict[str, Interpretation]]:
    """Interpret one checkpoint under several settings at once.

    Loads the checkpoint and the split once and computes each layer's activations once;
    every entry of ``settings`` (name ->
    :class:`~deepmotif_arch.interpretation.presets.InterpretSettings`) then costs only its
    read-out and its Tomtom run. ``window="receptive"`` in a setting means the layer's
    receptive field. Returns ``{name: {layer: Interpretation}}``: the same numbers as
    :func:`interpret_checkpoint` with each setting's options.
    """
    from deepmotif_arch.interpretation.filters import (
        DEFAULT_WINDOWS,
        align_activations,
        filter_activations,
        layer_alignment,
    )
    from deepmotif_arch.interpretation.motif_stats import match_filters, resolve_database
    from deepmotif_arch.training.checkpoints import load_checkpoint

    for item in settings.values():
        item.replace(window=None if item.window == "receptive" else item.window).validate()
    if database is not None:
        database, database_name = resolve_database(database)
    else:
        from deepmotif_arch.motifs.jaspar import load_jaspar

        database, database_name = load_jaspar(), "JASPAR2016 CORE vertebrates"
    model, meta = load_checkpoint(checkpoint, compile=False)
    model, codes, source = _load_data(checkpoint, model, meta, split=split, dataset=None,
                                      config=None, data_dir=data_dir)
    synthetic = source["dataset"]["name"] in SYNTHETIC_DATASETS
    out: dict[str, dict[str, Interpretation]] = {name: {} for name in settings}
    for layer in layers:
        alignment = layer_alignment(model, layer)
        tick = time.perf_counter()
        acts = filter_activations(model, codes, layer)
        forward = time.perf_counter() - tick
        for name, item in settings.items():
            tick = time.perf_counter()
            window = item.window
            if window == "receptive":
                window = alignment.receptive_field
            elif window is None:
                window = DEFAULT_WINDOWS[item.variant]
            width, offset = alignment.window(window)
            pwms = align_activations(
                codes, acts, window=width, offset=offset, variant=item.variant,
                threshold=item.threshold, layer=alignment.layer,
                receptive_field=alignment.receptive_field, weighted=item.weighted,
                pad_edges=item.pad_edges)
            aligned = time.perf_counter() - tick
            report = match_filters(pwms, database, database_name=database_name,
                                   **item.match_kwargs(),
                                   ground_truth=True if synthetic else None)
            out[name][alignment.layer] = Interpretation(
                pwms=pwms, report=report, source=dict(source),
                timings={"activations": forward, "alignment": aligned,
                         "matching": time.perf_counter() - tick - aligned})
        del acts
    return out


def _backend() -> str:
    import keras

    return keras.backend.backend()


# --------------------------------------------------------------------------- writing


def _dump(data) -> str:
    return json.dumps(data, indent=2, default=json_default) + "\n"


def write_interpretation(result: Interpretation, folder, *,
                         formats: Sequence[str] = ("png", "pdf", "svg"),
                         grid: bool = True, per_filter: bool = False,
                         ground_truth: bool | None = None,
                         meme: bool = True, tables: bool = True) -> list[Path]:
    """Write an interpretation's files into ``folder`` (created if needed).

    Every file is written under a temporary name and renamed when complete.

    Parameters
    ----------
    result : Interpretation
    folder : path
    formats : sequence of {"png", "pdf", "svg"}
        Image formats of every figure.
    grid : bool, default True
        The logo grid of all filters (``logos.<fmt>``).
    per_filter : bool, default False
        One logo per active filter (``filters/filter{i}.<fmt>``).
    ground_truth : bool, optional
        The planted motifs' logos (``ground_truth.<fmt>``); default: when the data
        set is synthetic.
    meme : bool, default True
        ``filters.meme`` (and ``filters_full.meme`` when the queries were clipped).
    tables : bool, default True
        ``tomtom.tsv``, ``matches.json`` and ``stats.json`` (when matched).

    Returns
    -------
    list of pathlib.Path
        The files written. If writing fails (a full disk, say), the files this call
        wrote are removed again, and the folder too when this call created it.
    """
    formats = check_formats(formats)
    out = Path(folder)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeepMotifError(f"cannot create the output folder {str(out)!r} "
                             f"({exc.strerror}).") from None
    written: list[Path] = []
    try:
        _write_files(result, out, written, formats=formats, grid=grid, per_filter=per_filter,
                     ground_truth=ground_truth, meme=meme, tables=tables)
    except BaseException:
        # nothing half-done stays behind: this call's files (and a folder it created) go
        for path in written:
            path.unlink(missing_ok=True)
        if created:
            import shutil

            shutil.rmtree(out, ignore_errors=True)
        raise
    return written


def _write_files(result, out: Path, written: list, *, formats, grid, per_filter, ground_truth,
                 meme, tables) -> None:
    from deepmotif_arch.interpretation import logos
    from deepmotif_arch.motifs.meme import format_meme
    from deepmotif_arch.motifs.tomtom import write_tomtom_tsv

    pwms, report = result.pwms, result.report
    full = pwms.motifs(clip=False)
    if meme:
        clipped = bool(report is not None and report.settings.get("clip") and full)
        if full:
            text = report.queries_meme if report is not None else format_meme(full)
            written.append(atomic_write_text(out / "filters.meme", text))
        if clipped:
            written.append(atomic_write_text(out / "filters_full.meme", format_meme(full)))
        # never leave a previous run's motifs beside this run's results
        for name, keep in (("filters.meme", bool(full)), ("filters_full.meme", clipped)):
            if not keep and (out / name).exists():
                (out / name).unlink()
    if tables:
        written.append(atomic_write_text(out / "stats.json", _dump(result.statistics)))
        if report is not None:
            written.append(atomic_write_text(out / "matches.json", _dump(
                {**result.source, "pwm": pwms.summary(), **report.to_dict()})))
            tsv = out / "tomtom.tsv"
            with atomic_path(tsv) as tmp:
                write_tomtom_tsv(report.matches, tmp, comment=_tsv_comment(report))
            written.append(tsv)
    titles, colors, notes = logos.filter_titles(pwms, report)
    if grid:
        matrices = [pwms.ppm(i) if pwms.sites[i] else None for i in range(pwms.num_filters)]
        fig = logos.logo_grid(matrices, titles, colors=colors, notes=notes,
                              suptitle=_grid_title(result))
        for fmt in formats:
            written.append(logos.save_figure(fig, out / f"logos.{fmt}"))
    if per_filter:
        for i in np.flatnonzero(pwms.active):
            fig = logos.logo_figure(pwms.ppm(i), titles[i], title_color=colors[i])
            for fmt in formats:
                written.append(logos.save_figure(fig, out / "filters" / f"filter{i}.{fmt}"))
    if ground_truth is None:
        ground_truth = (result.source.get("dataset") or {}).get("name") in SYNTHETIC_DATASETS
    if ground_truth:
        fig = logos.ground_truth_figure()
        for fmt in formats:
            written.append(logos.save_figure(fig, out / f"ground_truth.{fmt}"))


def check_formats(formats) -> list[str]:
    from deepmotif_arch.interpretation.logos import FORMATS

    chosen = []
    for fmt in formats:
        key = str(fmt).lower().lstrip(".")
        if key not in FORMATS:
            raise DeepMotifError(f"image format {fmt!r} is not supported; use png, pdf or svg.")
        if key not in chosen:
            chosen.append(key)
    return chosen


def _grid_title(result: Interpretation) -> str:
    s, p = result.source, result.pwms
    parts = [str(s.get("model", "model"))]
    if s.get("trial") is not None:
        parts.append(f"trial {s['trial']}")
    parts.append(f"{p.layer} ({p.num_filters} filters)")
    data = s.get("dataset") or {}
    if data:
        parts.append(f"{data.get('name')}/{data.get('config')} {s.get('split', '')}".strip())
    parts.append(f"{p.variant} variant, threshold {p.threshold:g}, window {p.window}")
    if result.report is not None and result.report.fraction_relevant is not None:
        parts.append(f"match {result.report.fraction_matched:.3f}, "
                     f"relevant {result.report.fraction_relevant:.3f}")
    return " | ".join(parts)


def _tsv_comment(report: MatchReport) -> str:
    s = report.settings
    return (f"queries filters.meme; targets {report.database} ({report.num_targets} motifs); "
            f"dist {s['dist']}, min overlap {s['min_overlap']}, E-value <= {s['thresh']:g}, "
            f"nsites {s.get('nsites', 'sites')}")
