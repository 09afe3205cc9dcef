"""The README's page -> module map, generated from ``ui/site_map.py``: which ``explorer`` modules compute each page.

    python scripts/page_map.py           # rewrite the table between the markers in README.md
    python scripts/page_map.py --check   # exit 1 (and say how to fix it) if README.md's table is stale

For each page of ``SITE_MAP`` the page script is parsed with ``ast`` (nothing is imported or run): its imports
of ``explorer.*`` and of ``ui.*``, and, following each ``ui`` module it reaches (its cache module, the shared one,
the parts a long page is split into), their ``explorer.*`` imports. The glue every page shares
(:data:`SHARED_GLUE`: the image picker, URL state, messages) is not followed: it would list the same modules on
every row. Imports inside functions count; imports under
``if TYPE_CHECKING:`` do not (they are for the type checker, not for computing). A ``from`` import names the
module it comes from, or the submodule when the imported name is one (``from explorer.images import kernels``
-> ``explorer.images.kernels``).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START = "<!-- page-map:start -->"
END = "<!-- page-map:end -->"
COMMAND = "python scripts/page_map.py"
SHARED_GLUE = frozenset(
    {
        "ui",
        "ui.cached",
        "ui.common",
        "ui.images",
        "ui.show",
        "ui.site_map",
        "ui.snippets",
        "ui.torch_runtime",
        "ui.urlstate",
        "ui.versioned_editor",
        "ui.training_jobs",
    }
)


class Page(Protocol):
    """What the map needs of a ``ui.site_map.PageEntry``."""

    @property
    def section(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def title(self) -> str: ...


def module_file(module: str, root: Path) -> Path | None:
    """The file of a module or package ``a.b.c`` under ``root``, or None if there is none."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
            else:
                stack.append(child)


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def imported_modules(path: Path, root: Path, *, module: str = "") -> set[str]:
    """Dotted names of the project modules that the file at ``path`` (the module ``module``, for relative
    imports) imports anywhere, resolved against the files under ``root``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in _nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import shared / from .shared import encode
                package = _package_of(module, path).split(".")
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if module_file(submodule, root) else base)
    return {name for name in found if module_file(name, root)}


def page_modules(page_path: str, root: Path) -> tuple[list[str], list[str]]:
    """``(ui modules, explorer modules)`` that the page script at ``page_path`` (relative to ``root``) computes
    with, each sorted: the ``ui`` modules reached from the page (except :data:`SHARED_GLUE`), and every
    ``explorer`` module imported by the page or by one of those."""
    explorer: set[str] = set()
    cached: set[str] = set()
    to_read: list[tuple[Path, str]] = [(root / page_path, "")]
    while to_read:
        path, module = to_read.pop()
        for name in imported_modules(path, root, module=module):
            if name == "explorer" or name.startswith("explorer."):
                explorer.add(name)
            elif name.startswith("ui.") and name not in SHARED_GLUE | cached and (file := module_file(name, root)):
                cached.add(name)
                to_read.append((file, name))
    return sorted(cached), sorted(explorer)


def _cell(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names) or "—"


def table(pages: Iterable[Page], root: Path = ROOT) -> str:
    """The Markdown table, one row per page in site-map order."""
    lines = [
        "| Section | Page | Script | Its `ui` modules (cached wrappers, parts) | `explorer` modules |",
        "|---|---|---|---|---|",
    ]
    for page in pages:
        cached, explorer = page_modules(page.path, root)
        wrappers = [name.removeprefix("ui.") for name in cached]
        lines.append(
            f"| {page.section or '—'} | {page.title} | `{page.path}` | {_cell(wrappers)} | {_cell(explorer)} |"
        )
    return "\n".join(lines)


def with_table(readme: str, generated: str) -> str:
    """``readme`` with the text between the markers replaced by ``generated``; ValueError without markers."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md must hold the markers {START} and {END}, in that order")
    return f"{readme[: start + len(START)]}\n{generated}\n{readme[end:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md's table is stale; write nothing")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from ui.site_map import SITE_MAP

    readme = README.read_text(encoding="utf-8")
    updated = with_table(readme, table(SITE_MAP))
    if args.check:
        if updated != readme:
            print(f"README.md's page -> module map is stale: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    if updated != readme:
        README.write_text(updated, encoding="utf-8")
        print("README.md: page -> module map rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
