"""scripts/page_map.py: the README's page -> module map is the one generated from ``ui/site_map.py``, and the
generator finds every form of import on a tiny hand-made project whose answer is written out here."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from ui.site_map import SITE_MAP

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("page_map", ROOT / "scripts" / "page_map.py")
page_map = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(page_map)


def _between_markers(text: str) -> str:
    return text[text.index(page_map.START) : text.index(page_map.END)]


def test_the_readme_map_is_up_to_date():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    expected = page_map.with_table(readme, page_map.table(SITE_MAP, ROOT))
    assert _between_markers(readme) == _between_markers(expected), (
        f"README.md's page -> module map is stale: run `{page_map.COMMAND}` and commit README.md"
    )
    assert page_map.main(["--check"]) == 0


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


FAKE_PROJECT = {
    "explorer/__init__.py": "",
    "explorer/core/__init__.py": "",
    "explorer/core/display.py": "",
    "explorer/images/__init__.py": "",
    "explorer/images/kernels.py": "",
    "explorer/images/samples.py": "",
    "explorer/classical/__init__.py": "",
    "explorer/classical/edges.py": "",
    "explorer/classical/hog.py": "",
    "explorer/data/__init__.py": "",
    "explorer/data/shapes.py": "",
    "explorer/nets/__init__.py": "",
    "explorer/nets/training.py": "",
    "ui/__init__.py": "",
    "ui/common.py": "from explorer.nets import training\n",  # glue every page shares: not followed
    "ui/fake_part.py": "from explorer.classical import edges\n",  # a part of the page: followed
    "ui/cached/__init__.py": "",
    "ui/cached/fake.py": (
        "from typing import TYPE_CHECKING\n"
        "import numpy as np\n"
        "import explorer.classical.hog\n"  # a plain import of a module
        "from . import shared\n"  # relative, reaching the shared module
        "if TYPE_CHECKING:\n"
        "    from explorer.nets.training import Trainer\n"  # for the type checker only: not counted
        "def later():\n"
        "    from explorer.images import samples\n"  # inside a function: counted
    ),
    "ui/cached/shared.py": "from explorer.core.display import to_display\n",  # a name from a module
    "app_pages/fake.py": (
        "import streamlit as st\n"
        "from explorer.images import kernels\n"  # a submodule imported from its package
        "from ui import common, fake_part\n"
        "from ui.cached import fake as cached\n"
        "st.code('from explorer.data import shapes')\n"  # text in a snippet is not an import
    ),
    "app_pages/plain.py": "import streamlit as st\n",
}


def test_the_generator_finds_the_imports_of_a_page_and_its_cache_modules(tmp_path):
    _write(tmp_path, FAKE_PROJECT)
    cached, explorer = page_map.page_modules("app_pages/fake.py", tmp_path)
    assert cached == ["ui.cached.fake", "ui.cached.shared", "ui.fake_part"]
    assert explorer == [
        "explorer.classical.edges",
        "explorer.classical.hog",
        "explorer.core.display",
        "explorer.images.kernels",
        "explorer.images.samples",
    ]
    pages = [
        SimpleNamespace(section="", path="app_pages/plain.py", title="Plain"),
        SimpleNamespace(section="Tests", path="app_pages/fake.py", title="Fake page"),
    ]
    assert page_map.table(pages, tmp_path).splitlines()[2:] == [
        "| — | Plain | `app_pages/plain.py` | — | — |",
        "| Tests | Fake page | `app_pages/fake.py` | `cached.fake`, `cached.shared`, `fake_part` | "
        "`explorer.classical.edges`, `explorer.classical.hog`, `explorer.core.display`, `explorer.images.kernels`, "
        "`explorer.images.samples` |",
    ]


def test_check_fails_on_a_stale_readme_and_the_rewrite_fixes_it(tmp_path, monkeypatch, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{page_map.START}\n| old | table |\n{page_map.END}\n\nMore text.\n", encoding="utf-8")
    monkeypatch.setattr(page_map, "README", readme)
    assert page_map.main(["--check"]) == 1
    assert page_map.COMMAND in capsys.readouterr().err
    assert "| old | table |" in readme.read_text(encoding="utf-8")  # --check writes nothing
    assert page_map.main([]) == 0
    text = readme.read_text(encoding="utf-8")
    assert "| old | table |" not in text and "`app_pages/train.py`" in text
    assert text.startswith("# Title\n\n") and text.endswith(f"{page_map.END}\n\nMore text.\n")
    assert page_map.main(["--check"]) == 0


def test_markers_are_required():
    with pytest.raises(ValueError, match="page-map:start"):
        page_map.with_table("# A README without the markers\n", "| table |")
