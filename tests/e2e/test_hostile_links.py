"""A hostile deep link on every page of ui/site_map.SITE_MAP: every URL parameter the page reads (its
``urlstate.Param`` tuples, those of the ``ui`` modules it uses, and the shared image ``img``) set at once to text
that Markdown would turn into an image, links, bold and e-mail links. The page shows it as text: no link or image
pointing at the hostile host, no formatting made from the value, no exception. One browser, one page load per
page (a fresh session each, so every page reads the link), and one more for the Train page's own classes, the
one place where such text is accepted as a setting (class names) rather than refused.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e import harness
from ui import urlstate
from ui.common import WORD_JOINER
from ui.site_map import SITE_MAP, PageEntry

ROOT = Path(harness.ROOT)
_spec = importlib.util.spec_from_file_location("page_map", ROOT / "scripts" / "page_map.py")
page_map = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(page_map)

HOSTILE = (
    "![p](http://evil.example/p.png) <b>xevil</b> **yevil** [a](http://evil.example) www.evil.example "
    "x@evil.example :red[zevil] &lt;b&gt;"
)
# Elements the value's own markup would make; none of them may hold the hostile text.
FORMATTING = "b, strong, em, i, del, s, code, kbd, h1, h2, h3, h4, h5, h6, li li"


def _script_params(path: Path) -> set[str]:
    """Names of the ``Param("name", ...)`` calls written in a page script (scripts run Streamlit when imported)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "Param":
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return names


def _module_params(module_name: str) -> set[str]:
    """Names of the ``urlstate.Param`` objects in a ``ui`` module's tuples (built in loops, e.g. class1..6)."""
    module = importlib.import_module(module_name)
    names = set()
    for value in vars(module).values():
        if isinstance(value, (tuple, list)):
            names.update(item.name for item in value if isinstance(item, urlstate.Param))
    return names


def url_params(entry: PageEntry) -> list[str]:
    ui_modules, _ = page_map.page_modules(entry.path, ROOT)
    names = _script_params(ROOT / entry.path)
    for module_name in ui_modules:
        names |= _module_params(module_name)
    if entry.image_picker:
        names.add("img")
    return sorted(names)


def assert_nothing_hostile_rendered(page: Page) -> None:
    links = page.locator('a[href*="evil"]')
    assert links.count() == 0, f"a link to the hostile host: {links.first.evaluate('e => e.outerHTML')}"
    images = page.locator('img[src*="evil"]')
    assert images.count() == 0, f"an image from the hostile host: {images.first.evaluate('e => e.outerHTML')}"
    formatted = page.locator(FORMATTING).filter(has_text="evil")
    assert formatted.count() == 0, f"the value made markup: {formatted.first.evaluate('e => e.outerHTML')}"
    assert page.locator('[data-testid="stException"]').count() == 0


def shown_text(page: Page) -> str:
    """What a reader sees (the invisible word joiners taken out)."""
    return page.locator('[data-testid="stApp"]').inner_text().replace(WORD_JOINER, "")


@pytest.fixture
def fresh_tab(browser: Browser, app_on):
    """``open(path, query)``: the page in a new session (a context of its own) on the shared browser."""
    contexts = []

    def open_page(path: str, query: dict[str, str]) -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 2400})
        context.set_default_timeout(60_000)
        contexts.append(context)
        tab = context.new_page()
        app_on(tab).open(path, urllib.parse.urlencode(query))
        return tab

    yield open_page
    for context in contexts:
        context.close()


def test_every_page_parameter_was_found():
    params = {entry.url_path: url_params(entry) for entry in SITE_MAP}
    # A few known ones, so a broken discovery (no parameters anywhere) cannot pass quietly.
    assert "act" in params["neurons"] and "img" not in params["neurons"]
    assert {"kernel", "img"} <= set(params["kernels"])
    assert {"data", "class1", "class6"} <= set(params["train"])
    assert {"model", "i", "src", "img"} <= set(params["occlusion"])
    assert all(params[entry.url_path] for entry in SITE_MAP)


@pytest.mark.parametrize("entry", SITE_MAP, ids=[entry.url_path or "home" for entry in SITE_MAP])
def test_a_hostile_link_shows_its_values_as_text(fresh_tab, entry):
    tab = fresh_tab(entry.url_path, {name: HOSTILE for name in url_params(entry)})
    assert_nothing_hostile_rendered(tab)
    # The values the page refused are named back to the reader, as typed.
    assert "http://evil.example/p.png" in shown_text(tab)
    harness.screenshot(tab, f"hostile_{entry.url_path or 'home'}")


def test_hostile_class_names_from_a_link_stay_text(fresh_tab):
    names = ("![p](http://evil.example/p.png)", "<b>xevil</b> **yevil**", "www.evil.example", "x@evil.example")
    query = {"data": "own", "own": "classes", "classes": str(len(names))}
    query |= {f"class{index}": name for index, name in enumerate(names, start=1)}
    tab = fresh_tab("train", query)
    assert_nothing_hostile_rendered(tab)
    text = shown_text(tab)
    assert all(name in text for name in names[2:])  # the progress texts name the classes as typed
    harness.screenshot(tab, "hostile_train_classes")
