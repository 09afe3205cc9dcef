"""The preload script asks for exactly the chunks Streamlit's own browser app loads lazily, once per session.

Reference: the installed Streamlit's bundle (``static/js/index.<hash>.js`` names each lazy chunk as
``"./<name>"``), not this module's own list. That the browser then loads them, and a later page needs none of
them again, is checked in Chromium (``tests/e2e/test_frontend_preload.py``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from ui import frontend_preload

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
STATIC_JS = Path(st.__file__).parent / "static" / "static" / "js"


def _lazy_chunks() -> set[str]:
    """The chunk files Streamlit's main bundle imports on demand (its dependency list of ``"./X.js"``)."""
    page = (STATIC_JS.parent.parent / "index.html").read_text(encoding="utf-8")
    (main,) = re.findall(r'src="\./static/js/(index\.[\w-]+\.js)"', page)
    index = STATIC_JS / main
    return set(re.findall(r'"\./([\w.-]+\.js)"', index.read_text(encoding="utf-8")))


def test_every_wanted_chunk_is_found_in_this_streamlit():
    names = frontend_preload.chunk_names()
    # One file per prefix: a Streamlit upgrade that renames a chunk fails here instead of preloading less.
    assert [name.split(".")[0] for name in names] == list(frontend_preload.CHUNK_PREFIXES)
    assert set(names) <= _lazy_chunks()


def test_a_missing_or_ambiguous_chunk_is_left_out(tmp_path):
    (tmp_path / "PlotlyChart.aaaa.js").write_text("")
    (tmp_path / "DataFrame.aaaa.js").write_text("")
    (tmp_path / "DataFrame.bbbb.js").write_text("")  # two candidates: which one the app uses is unknown
    assert frontend_preload.chunk_names(tmp_path) == ("PlotlyChart.aaaa.js",)


def test_the_script_names_the_chunks_as_a_json_list():
    names = ("PlotlyChart.D9Z0_fxz.js", 'odd".js')
    text = frontend_preload.script(names, quiet_ms=250)
    listed = re.search(r"const load = \(\) => (\[.*?\])\.reduce", text)
    assert listed and tuple(json.loads(listed.group(1))) == names  # quoted by json, so a name can't break the script
    assert text.startswith("<script>") and text.rstrip().endswith("</script>")
    assert ">= 250)" in text  # waits for the page to look finished this long


def _preload_elements(at: AppTest) -> list:
    return [
        element
        for element in at.get("html")
        if "__visionExplorerPreload" in element.proto.body and element.proto.unsafe_allow_javascript
    ]


def test_the_script_is_sent_on_the_first_run_only():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert len(_preload_elements(at)) == 1
    at.run()
    assert not at.exception
    assert _preload_elements(at) == []
