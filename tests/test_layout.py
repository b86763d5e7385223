"""The package's rooms and the one direction their imports run.

command line -> paper -> interpretation -> training -> zoo, data -> motifs -> base: a room
imports only the rooms this table allows, read from the source with ``ast`` (imports
inside functions count too). The old flat module paths still resolve, to the same
module object, with a DeprecationWarning naming the new one.
"""

from __future__ import annotations

import ast
import importlib
import sys
import warnings
from pathlib import Path

import pytest

from .helpers import ROOT

PACKAGE = ROOT / "deepmotif_arch"
ALLOWED = {
    "base": set(),
    "data": {"base", "motifs"},
    "zoo": {"base"},
    "motifs": {"base"},
    "training": {"base", "data", "zoo"},
    "interpretation": {"base", "data", "zoo", "motifs", "training"},
    "paper": {"base", "data", "zoo", "motifs", "training", "interpretation"},
}


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every ``deepmotif_arch`` import in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("deepmotif_arch"):
            if node.module == "deepmotif_arch":
                found += [(node.lineno, f"deepmotif_arch.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name.startswith("deepmotif_arch")]
    return found


def test_the_rooms_are_the_package_folders():
    rooms = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert rooms == set(ALLOWED)
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "_moved.py"], flat
    for room in ALLOWED:
        doc = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text()))
        assert doc and "import" in doc, f"{room}/__init__.py says what it may import"


@pytest.mark.parametrize("room", list(ALLOWED))
def test_imports_run_one_way(room):
    wrong = []
    for path in sorted((PACKAGE / room).glob("*.py")):
        for line, module in _imported(path):
            other = module.split(".")[1] if module.count(".") else ""
            if other in ALLOWED and other != room and other not in ALLOWED[room]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
            elif other in {"cli"}:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports the command line")
    assert not wrong, "\n".join(wrong)


def test_builders_import_only_data_and_base():
    for path in sorted((ROOT / "tfds_builders").rglob("*.py")):
        for line, module in _imported(path):
            other = module.split(".")[1] if module.count(".") else ""
            assert other in {"base", "data", "tfds_builders"}, f"{path}:{line} imports {module}"


def test_old_module_paths_still_resolve_with_a_warning():
    from deepmotif_arch import _moved

    for old, new in _moved.MOVED.items():
        sys.modules.pop(f"deepmotif_arch.{old}", None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = importlib.import_module(f"deepmotif_arch.{old}")
        assert module is importlib.import_module(f"deepmotif_arch.{new}")
        said = [str(w.message) for w in caught if w.category is DeprecationWarning]
        assert any(f"is now deepmotif_arch.{new}" in m for m in said), (old, said)
        assert (PACKAGE / (new.replace(".", "/") + ".py")).is_file()
    # The public attributes of 0.1 are where they were, with no warning.
    import deepmotif_arch as dm

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dm.pretrained.load is importlib.import_module("deepmotif_arch.zoo.pretrained").load
        assert dm.training.train is importlib.import_module("deepmotif_arch.training.trainer").train
        assert dm.datasets is importlib.import_module("deepmotif_arch.data.datasets")


def test_no_module_imports_another_modules_private_names():
    """``from deepmotif_arch.x.y import _name`` only for a private module of one's own room
    (and the package's own ``_moved``); helpers shared across modules are public."""
    wrong = []
    for path in sorted([*PACKAGE.rglob("*.py"), *(ROOT / "cli").glob("*.py")]):
        room = path.parent.name
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("deepmotif_arch")):
                continue
            for alias in node.names:
                if not alias.name.startswith("_") or alias.name.startswith("__"):
                    continue
                target = f"{node.module}.{alias.name}".replace(".", "/")
                is_module = (ROOT / f"{target}.py").is_file() or \
                    (ROOT / target.replace("deepmotif_arch/", "", 1) / "__init__.py").is_file()
                own = node.module == f"deepmotif_arch.{room}" or node.module == "deepmotif_arch"
                if not (is_module and own):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} imports "
                                 f"{alias.name} from {node.module}")
    assert not wrong, "\n".join(wrong)
