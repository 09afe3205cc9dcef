"""No import cycles inside ``explorer``, and none hidden behind imports inside functions.

A cycle between two modules can be papered over by moving one of the imports into a function body; it then
breaks only at call time, and only in some import orders. So: (1) no function under ``explorer`` imports
``explorer.*`` (lazy imports of heavy third-party libraries, torch or OpenCV, are fine), and (2) the graph of
module-level ``explorer`` imports has no cycle. Imports under ``if TYPE_CHECKING:`` never run and are not edges.
"""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import explorer

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(info.name for info in pkgutil.walk_packages(explorer.__path__, prefix="explorer."))


def _source(module: str) -> Path:
    path = ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _targets(node: ast.Import | ast.ImportFrom, module: str) -> set[str]:
    """The ``explorer`` modules an import statement loads (``from explorer.core import dtype`` names the module
    ``explorer.core.dtype``; ``from explorer.core.checks import number`` names ``explorer.core.checks``)."""
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    else:
        package = module if _source(module).name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = (node.module or "") if node.level == 0 else ".".join(p for p in (package, node.module) if p)
        names = {f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names}
    return {name for name in names if name == "explorer" or name.startswith("explorer.")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, source: str | None = None) -> tuple[set[str], set[str]]:
    """``(module-level explorer imports, explorer imports inside functions)`` of one module (of ``source`` if
    given, else of the module's file)."""
    tree = ast.parse(_source(module).read_text(encoding="utf-8") if source is None else source)
    top: set[str] = set()
    inside: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), in_function)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                (inside if in_function else top).update(_targets(child, module))
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, nested)

    visit(tree, False)
    return top, inside


IMPORTS = {module: _imports(module) for module in MODULES}


def test_the_reader_resolves_imports():
    top, inside = IMPORTS["explorer.core.checks"]
    assert "explorer.core.dtype" in top and not inside
    assert "explorer.nets.training" not in IMPORTS["explorer.nets.optimizers"][0]  # takes plain settings
    assert "explorer.nets.optimizers" in IMPORTS["explorer.nets.training"][0]


def test_the_reader_tells_function_imports_from_top_level_and_type_checking_ones():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from explorer.core import checks\n"
        "if TYPE_CHECKING:\n    from explorer.nets.training import Trainer\n"
        "def f():\n    import torch\n    from explorer.images import imageio\n    return imageio\n"
    )
    top, inside = _imports("explorer.classical.edges", source)
    assert top == {"explorer.core.checks"}
    assert inside == {"explorer.images.imageio"}


def test_no_function_imports_an_explorer_module():
    found = {(module, target) for module, (_, inside) in IMPORTS.items() for target in inside}
    assert found == set(), "import these at the top of the module (a cycle? break it)"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk of ``graph`` (module -> modules it imports) runs into."""
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def walk(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                walk(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    return cycles


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []  # a diamond is not a cycle


def test_module_level_explorer_imports_have_no_cycle():
    graph = {module: {t for t in top if t in IMPORTS and t != module} for module, (top, _) in IMPORTS.items()}
    assert _cycles(graph) == []
