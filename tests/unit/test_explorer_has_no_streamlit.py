"""``explorer`` is pure: no module imports streamlit, checked in the source and at import time."""

import ast
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPLORER = os.path.join(ROOT, "explorer")
MODULES = sorted(name[:-3] for name in os.listdir(EXPLORER) if name.endswith(".py") and name != "__init__.py")


def imported_modules(path: str) -> set[str]:
    """Top-level names of every module imported anywhere in the file (also inside functions)."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
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
    )
    assert imported_modules(str(sample)) == {"numpy", "streamlit", "importlib", "torch"}


def test_no_explorer_module_imports_streamlit_in_its_source():
    assert MODULES, f"no modules found in {EXPLORER}"
    offenders = {
        name: sorted(imported & {"streamlit"})
        for name in ["__init__", *MODULES]
        if (imported := imported_modules(os.path.join(EXPLORER, f"{name}.py"))) & {"streamlit"}
    }
    assert not offenders, f"explorer modules importing streamlit: {offenders}"


def test_importing_explorer_does_not_load_streamlit():
    # A fresh interpreter: the test process itself may have streamlit loaded already.
    probe = (
        "import importlib, json, sys\n"
        "loaded = {}\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module('explorer.' + name)\n"
        "    loaded[name] = 'streamlit' in sys.modules\n"
        "print(json.dumps(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *MODULES], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {name: False for name in MODULES}, f"these imports loaded streamlit: {loaded}"
