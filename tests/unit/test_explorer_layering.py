"""``explorer``'s layering, checked in the source and at import time.

- No module anywhere under ``explorer`` imports streamlit or ``ui`` (arrays in, arrays out), and neither do
  its unit tests in ``tests/unit``.
- ``explorer.core``, ``explorer.images`` and ``explorer.classical`` never import torch: their pages must paint
  fast, and torch takes seconds to import.

Modules are found with ``pkgutil.walk_packages``, so a new subpackage is covered without touching this file.
"""

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import explorer

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(info.name for info in pkgutil.walk_packages(explorer.__path__, prefix="explorer."))
TORCH_FREE_PACKAGES = ("explorer.core", "explorer.images", "explorer.classical")
TORCH_FREE = [name for name in MODULES if name.startswith(TORCH_FREE_PACKAGES)]
NEVER_IMPORTED = {"streamlit", "ui"}


def source_path(module: str) -> Path:
    """The file of a module or package named ``explorer.a.b``."""
    path = ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module imported anywhere in the file (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            # importlib.import_module("streamlit") / __import__("streamlit") with a literal name
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value.split(".")[0])
    return names


def test_the_source_check_sees_imports(tmp_path):
    # The checker itself, on a hand-written file: every form of import is found.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import numpy as np\nfrom streamlit import session_state\ndef f():\n"
        "    import importlib\n    return importlib.import_module('torch.nn')\nfrom . import sibling\n"
        "from ui.cached import shared\n"
    )
    assert imported_modules(sample) == {"numpy", "streamlit", "importlib", "torch", "ui"}


def test_the_walk_finds_every_section_package():
    packages = {name for name in MODULES if source_path(name).name == "__init__.py"}
    assert {
        "explorer.core",
        "explorer.images",
        "explorer.classical",
        "explorer.nets",
        "explorer.data",
        "explorer.interpret",
    } <= packages
    assert "explorer.classical.edges" in MODULES and "explorer.nets.training" in MODULES


def test_no_explorer_module_imports_streamlit_or_ui_in_its_source():
    offenders = {
        name: sorted(found)
        for name in ["explorer", *MODULES]
        if (found := imported_modules(source_path(name)) & NEVER_IMPORTED)
    }
    assert not offenders, f"explorer modules importing streamlit or ui: {offenders}"


def test_explorer_unit_tests_import_neither_streamlit_nor_ui():
    # tests/unit is explorer's: tests of ui modules live in tests/ui, of pages in tests/app.
    unit_tests = sorted(Path(__file__).parent.glob("*.py"))
    assert Path(__file__) in unit_tests
    offenders = {path.name: sorted(found) for path in unit_tests if (found := imported_modules(path) & NEVER_IMPORTED)}
    assert not offenders, f"tests/unit files importing streamlit or ui (move them to tests/ui): {offenders}"


def test_torch_free_packages_do_not_import_torch_in_their_source():
    assert TORCH_FREE
    offenders = [
        name for name in TORCH_FREE if {"torch", "torchvision", "captum"} & imported_modules(source_path(name))
    ]
    assert not offenders, f"these modules of {TORCH_FREE_PACKAGES} import torch: {offenders}"


def test_importing_explorer_loads_neither_streamlit_nor_ui_and_images_and_classical_load_no_torch():
    # A fresh interpreter (the test process itself may have streamlit or torch loaded already), the torch-free
    # modules first, so torch in sys.modules after one of them was imported by that one or before it.
    probe = (
        "import importlib, json, sys\n"
        "loaded = {}\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "    loaded[name] = sorted(m for m in ('streamlit', 'ui', 'torch') if m in sys.modules)\n"
        "print(json.dumps(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *TORCH_FREE, *(name for name in MODULES if name not in TORCH_FREE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert {name: found for name, found in loaded.items() if {"streamlit", "ui"} & set(found)} == {}
    assert {name: loaded[name] for name in TORCH_FREE if "torch" in loaded[name]} == {}
