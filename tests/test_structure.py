"""The package's architecture, read from its source: imports flow one way (no cycles, each layer
imports only from its own layer or below), the kernels stand on numpy and numba alone, and only
the command-line edge imports Hydra.

The graph is built with `ast`, not by importing: an edge is an import that runs when a module
is imported (at module level, in class bodies, under `try`), not one under `if TYPE_CHECKING:`
nor inside a function (a deliberate lazy import).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sscsim"

# The layers, lowest first; a module is in the layer of its longest listed prefix and may import
# modules of its own layer or lower ones. The root `sscsim` (a lazy __init__ that imports nothing
# at import time) is at the bottom so that any module may read `sscsim.__version__`.
ROOT = "sscsim"
LAYERS: dict[str, int] = {
    "sscsim.kernels": 0,
    "sscsim.config": 1,
    "sscsim.world": 1,
    "sscsim.geography": 1,  # distance, contiguity and language over the world tables
    "sscsim.state": 1,
    "sscsim.synthetic": 1,  # synthetic worlds, as world tables
    "sscsim.extras": 1,  # imports optional dependencies on demand
    "sscsim.processes": 2,
    "sscsim.model": 3,
    "sscsim.agents": 3,
    "sscsim.reporters": 3,
}
TOP = 4  # outputs, runs and their orchestration: everything not listed above
LAYER_NAMES = ("kernels", "config, world and state", "processes", "model", "outputs and runs")

# The modules that may import Hydra or OmegaConf: the command line and Hydra's run callbacks.
HYDRA_MODULES = {"hydra", "omegaconf", "hydra_plugins"}
# The command line, the multirun callback, and the launcher and sweeper plugins Hydra loads.
HYDRA_FACING = {"sscsim.cli", "sscsim.launch", "sscsim.launchers", "sscsim.sweeper"}
# What a kernel may import besides the standard library (llvmlite is numba's code generator).
KERNEL_DEPENDENCIES = {"numpy", "numba", "llvmlite"}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()
KERNELS = sorted(m for m in MODULES if m == "sscsim.kernels" or m.startswith("sscsim.kernels."))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(
    statements: list[ast.stmt], module: str, *, at_import: bool
) -> Iterator[tuple[str, list[str]]]:
    """(imported module, names taken from it) of each import statement; with `at_import`, only
    those that run when `module` is imported."""
    is_package = MODULES[module].name == "__init__.py"
    for node in statements:
        if at_import and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package that holds `module`
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            yield base, [alias.name for alias in node.names]
        if at_import and isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports(node.orelse, module, at_import=at_import)
            continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield from _imports([child], module, at_import=at_import)
            elif isinstance(child, ast.ExceptHandler | ast.match_case):
                yield from _imports(child.body, module, at_import=at_import)


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _source(module: str) -> list[ast.stmt]:
    return ast.parse(MODULES[module].read_text(encoding="utf-8")).body


def import_graph() -> dict[str, set[str]]:
    """Module -> the sscsim modules that importing it imports first.

    `from a.b import c` imports a.b and, if it is a module, a.b.c; importing a.b.c also runs the
    __init__ of a.b, unless a.b is a package that holds the importing module (its __init__ has
    already started)."""
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        targets: set[str] = set()
        own = set(_ancestors(module))
        for base, names in _imports(_source(module), module, at_import=True):
            explicit = {base} | {f"{base}.{name}" for name in names}
            targets |= {m for m in explicit if m in MODULES}
            for target in explicit & MODULES.keys():
                targets |= {a for a in _ancestors(target) if a not in own}
        graph[module] = targets - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of `graph` as [m1, m2, ..., m1], or None if it is acyclic."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for target in sorted(graph[node]):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done and (cycle := visit(target)):
                return cycle
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done and (cycle := visit(node)):
            return cycle
    return None


def layer_of(module: str) -> int:
    if module == ROOT:
        return 0
    prefixes = [p for p in LAYERS if module == p or module.startswith(f"{p}.")]
    return LAYERS[max(prefixes, key=len)] if prefixes else TOP


def test_the_graph_sees_the_package():
    graph = import_graph()
    assert {"sscsim.model", "sscsim.kernels.diffusion", "sscsim.state.ties"} <= graph.keys()
    assert "sscsim.state.ties" in graph["sscsim.processes.diffusion"]
    assert "sscsim.kernels.hashing" in graph["sscsim.state.ties"]  # from sscsim.kernels import …
    assert "sscsim.kernels" in graph["sscsim.state.ties"]  # … runs the package's __init__ too


def test_find_cycle_reports_the_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_imports_flow_down_the_layers():
    upward = [
        f"{module} ({LAYER_NAMES[layer_of(module)]}) imports {target} "
        f"({LAYER_NAMES[layer_of(target)]})"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if layer_of(target) > layer_of(module)
    ]
    assert not upward, "imports against the layering:\n" + "\n".join(upward)


def test_the_root_package_imports_nothing_at_import():
    assert import_graph()[ROOT] == set()


@pytest.mark.parametrize("module", KERNELS)
def test_kernels_need_only_numpy_and_numba(module):
    """Anywhere in a kernel module, even inside a function: no other sscsim module and no
    third-party package but numpy and numba."""
    found = {base for base, _ in _imports(_source(module), module, at_import=False)}
    inside = {b for b in found if b == "sscsim" or b.startswith("sscsim.")}
    outside = {b.partition(".")[0] for b in found} - {"sscsim", "__future__"}
    assert {b for b in inside if not b.startswith("sscsim.kernels")} == set()
    assert outside - KERNEL_DEPENDENCIES - set(sys.stdlib_module_names) == set()


def test_only_the_command_line_edge_imports_hydra():
    """Anywhere in a module, including inside functions and under TYPE_CHECKING."""
    importers = {
        module
        for module in MODULES
        for base, _ in _imports(_source(module), module, at_import=False)
        if base.partition(".")[0] in HYDRA_MODULES
    }
    assert importers <= HYDRA_FACING, f"import Hydra: {sorted(importers - HYDRA_FACING)}"
    assert importers, "no module imports Hydra: is the graph reading the source?"
