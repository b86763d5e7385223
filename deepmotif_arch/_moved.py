"""The flat module paths from before the modules were grouped into subpackages.

``import deepmotif_arch.datasets`` (and every other flat path) still works for
one release: a finder placed after Python's own maps the old name to the module's new
home, with a :class:`DeprecationWarning` that names it. The old and new names are the
same module object, so state and patches are shared. ``deepmotif_arch.training`` is
now a package that re-exports the public names of
:mod:`deepmotif_arch.training.trainer`, so it needs no entry here.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import warnings

#: Old module (under ``deepmotif_arch.``) -> new module.
MOVED = {
    "errors": "base.errors", "locking": "base.locking", "_patching": "base.patching",
    "datasets": "data.datasets", "synthetic": "data.synthetic", "userdata": "data.userdata",
    "_tfds_utils": "data._tfds_utils",
    "architectures": "zoo.architectures", "models": "zoo.models",
    "pretrained": "zoo.pretrained",
    "meme": "motifs.meme", "tomtom": "motifs.tomtom", "jaspar": "motifs.jaspar",
    "checkpoints": "training.checkpoints", "metrics": "training.metrics",
    "fast_pool": "training.fast_pool", "fast_rng": "training.fast_rng",
    "filters": "interpretation.filters", "interpret": "interpretation.interpret",
    "logos": "interpretation.logos", "motif_stats": "interpretation.motif_stats",
    "presets": "interpretation.presets",
    "experiment": "paper.experiment", "figures": "paper.figures", "release": "paper.release",
    "activations": "paper.activations",
}

_PREFIX = "deepmotif_arch."


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``deepmotif_arch.<old>`` and loads it as the module it moved to."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(_PREFIX) and fullname[len(_PREFIX):] in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        new = _PREFIX + MOVED[spec.name[len(_PREFIX):]]
        warnings.warn(f"{spec.name} is now {new}; import it from there (the old path is "
                      "kept for one release).", DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module) -> None:
        pass  # already executed under its new name


FINDER = _OldPaths()
