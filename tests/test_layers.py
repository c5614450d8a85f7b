"""The layers import one way only: model -> intake -> validate -> derive -> stats -> analysis -> report -> app.

Every import form counts, wherever it stands (module level or inside a function):
``import blinrwe.x``, ``from blinrwe.x import y``, ``from blinrwe import x``, relative
``from .. import x`` / ``from ..x import y``, and ``importlib.import_module("blinrwe.x")``.
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "blinrwe"
ORDER = ["model", "intake", "validate", "derive", "stats", "analysis", "report", "app"]
# stats is a self-contained numeric core: it may import nothing clinical.
FORBIDDEN = {layer: set(ORDER[i + 1 :]) for i, layer in enumerate(ORDER)}
FORBIDDEN["stats"] |= {"model", "intake", "validate", "derive"}


def _layers_of(module: str, names: list[str]) -> set[str]:
    """Layers reached by importing ``names`` from absolute ``module`` (``names`` empty for ``import module``)."""
    parts = module.split(".")
    if parts[0] != "blinrwe":
        return set()
    if len(parts) > 1:
        return {parts[1]}
    return set(names)  # from blinrwe import app, stats


def imported_layers(source: str, relative: Path) -> set[str]:
    """Every blinrwe layer that the module at ``relative`` (path under src/blinrwe) imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            if node.level == 0:
                found |= _layers_of(node.module or "", names)
                continue
            base = ["blinrwe", *relative.parts[:-1]]  # the module's package: stats/cox.py -> blinrwe.stats
            base = base[: len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
            found |= _layers_of(module, names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found |= _layers_of(alias.name, [])
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in
              ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            found |= _layers_of(node.args[0].value, [])
    return found


@pytest.mark.parametrize("layer", ORDER)
def test_layer_imports_only_lower_layers(layer):
    offenders = []
    for path in (SRC / layer).rglob("*.py"):
        relative = path.relative_to(SRC)
        bad = imported_layers(path.read_text(encoding="utf-8"), relative) & FORBIDDEN[layer]
        if bad:
            offenders.append(f"{relative} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("source", [
    "from blinrwe import app",
    "from blinrwe.app.pipeline import run",
    "import blinrwe.report.tables",
    "def f():\n    from .. import app\n",
    "def f():\n    from ..report import tables\n",
    "import importlib\nimportlib.import_module('blinrwe.analysis')",
])
def test_every_import_form_of_a_higher_layer_is_caught(source):
    assert imported_layers(source, Path("stats") / "cox.py") & FORBIDDEN["stats"]


@pytest.mark.parametrize("source", [
    "from . import counts", "from .counts import tabulate", "from blinrwe.errors import InputDataError",
    "import numpy", "from blinrwe import errors",
])
def test_imports_within_the_layer_or_of_shared_modules_are_allowed(source):
    assert not imported_layers(source, Path("stats") / "cox.py") & FORBIDDEN["stats"]
