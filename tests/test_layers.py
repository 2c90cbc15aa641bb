"""The folder tree is the architecture: imports point down the layers, never up, never in a circle.

``ALLOWED`` is the table of docs/architecture.md: each layer of ``sim/`` and the layers it may
import from. Every ``import`` in the package is checked with ``ast`` (including imports inside
functions and under ``TYPE_CHECKING``), so a new module in the wrong room fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

# layer -> layers it may import (its own layer is always allowed; "sim" is the package root,
# which holds only __version__).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "trust": {"errors"},
    "cluster": {"trust", "errors"},
    "scenario": {"cluster", "trust", "errors"},
    "fleet": {"scenario", "cluster", "trust", "errors"},
    "sweep": {"fleet", "scenario", "cluster", "trust", "errors"},
    "plan": {"sweep", "fleet", "scenario", "cluster", "trust", "errors"},
    "importer": {"scenario", "cluster", "trust", "errors"},
    "output": {"plan", "importer", "sweep", "fleet", "scenario", "cluster", "trust", "errors"},
    "cli": {"output", "plan", "importer", "sweep", "fleet", "scenario", "cluster", "trust",
            "errors"},
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    """``sim.cluster.tftp`` -> ``cluster``; ``sim.errors`` -> ``errors``; ``sim`` -> ``sim``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "sim"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every ``sim`` module ``path`` imports, with the line: ``from sim.x import y`` gives
    ``sim.x.y`` when that is a module, else ``sim.x``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names
                      if alias.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "sim":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.append((node.lineno, candidate if candidate in MODULES else node.module))
    return found


MODULES = {module_name(path): path for path in SIM.rglob("*.py")}


def test_every_module_lives_in_a_known_layer():
    unknown = sorted(m for m in MODULES if layer_of(m) not in ALLOWED and m != "sim")
    assert unknown == [], f"modules outside the layer table {list(ALLOWED)}: {unknown}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module):
    here = layer_of(module)
    if here == "sim":
        assert imported_modules(MODULES[module]) == [], "sim/__init__ imports nothing"
        return
    allowed = ALLOWED[here] | {here, "sim"}
    wrong = [f"line {line}: {target} ({layer_of(target)})"
             for line, target in imported_modules(MODULES[module])
             if layer_of(target) not in allowed]
    assert wrong == [], f"{module} ({here}) may import only {sorted(allowed)}; found {wrong}"


def test_no_import_cycles_between_modules():
    """Tarjan's strongly connected components over module -> imported module (a package's
    ``__init__`` re-exporting its own modules is not an edge back)."""
    graph = {m: {t for _, t in imported_modules(p) if t in MODULES and t != m
                 and not m.startswith(t + ".")}
             for m, p in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


def test_layering_test_catches_an_upward_import(tmp_path, monkeypatch):
    """The check itself: a trust module importing the fleet is reported."""
    fake = tmp_path / "tlv.py"
    fake.write_text("from sim.fleet.run import simulate\n")
    monkeypatch.setitem(MODULES, "sim.trust.tlv", fake)
    with pytest.raises(AssertionError, match=r"sim.fleet.run \(fleet\)"):
        test_imports_point_down_the_layers("sim.trust.tlv")


@pytest.mark.parametrize("package", sorted(m for m in MODULES if MODULES[m].name == "__init__.py"
                                           and m != "sim"))
def test_each_layer_says_what_it_owns_and_may_import(package):
    doc = ast.get_docstring(ast.parse(MODULES[package].read_text())) or ""
    assert "Owns" in doc and "May import" in doc, f"{package}/__init__.py docstring"
