"""The layers import one way only: model -> intake -> validate -> derive -> stats -> analysis -> report -> app."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "blinrwe"
ORDER = ["model", "intake", "validate", "derive", "stats", "analysis", "report", "app"]
# stats is a self-contained numeric core: it may import nothing clinical.
FORBIDDEN = {layer: set(ORDER[i + 1 :]) for i, layer in enumerate(ORDER)}
FORBIDDEN["stats"] |= {"model", "intake", "validate", "derive"}


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module if node.level == 0 else "blinrwe." + path.relative_to(SRC).parts[0]
            if node.level == 0 and not module.startswith("blinrwe."):
                continue
            if node.level >= 2:
                module = "blinrwe." + (node.module or "")
            names.add(module.split(".")[1] if module.count(".") else module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("blinrwe."):
                    names.add(alias.name.split(".")[1])
    return names


@pytest.mark.parametrize("layer", ORDER)
def test_layer_imports_only_lower_layers(layer):
    offenders = []
    for path in (SRC / layer).rglob("*.py"):
        bad = _imported_layers(path) & FORBIDDEN[layer]
        if bad:
            offenders.append(f"{path.relative_to(SRC)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)
