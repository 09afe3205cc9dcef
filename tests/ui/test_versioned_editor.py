"""ui.versioned_editor: a data editor that a reset gives fresh contents, and whose edits survive the editor
not being drawn for a while (a page switch), driven through AppTest and the editor's session_state key."""

from streamlit.testing.v1 import AppTest


def _script():
    import pandas as pd
    import streamlit as st

    from ui.versioned_editor import VersionedEditor

    editor = VersionedEditor(prefix="_t.grid", version_key="t.version", base_key="t.base", value_key="t.value")
    st.button("Reset", key="reset", on_click=editor.reset, args=(("x", "y"),))
    if not st.toggle("Elsewhere", key="away"):  # on: stands for another page, where the editor isn't drawn
        if editor.base_key not in st.session_state:
            editor.reset(("a", "b"))
        else:
            editor.keep_edits()
        edited = editor.draw(pd.DataFrame({"v": list(editor.base())}))
        editor.remember(tuple(edited["v"]))


def _edit(at, row, text):
    key = f"_t.grid.{at.session_state['t.version']}"
    at.session_state[key] = {"edited_rows": {row: {"v": text}}, "added_rows": [], "deleted_rows": []}
    at.run()


def test_edits_reset_and_survive_a_page_switch():
    at = AppTest.from_function(_script).run()
    assert not at.exception
    assert at.session_state["t.version"] == 1 and at.session_state["t.value"] == ("a", "b")
    _edit(at, 0, "z")
    assert at.session_state["t.value"] == ("z", "b")
    assert at.session_state["t.version"] == 1  # editing keeps the editor
    at.button(key="reset").click().run()
    assert at.session_state["t.version"] == 2
    assert at.session_state["t.base"] == ("x", "y") and at.session_state["t.value"] == ("x", "y")
    assert at.session_state["_t.grid.2"]["edited_rows"] == {}  # a fresh editor: the old edit is gone
    _edit(at, 1, "w")
    at.toggle(key="away").set_value(True).run()
    assert "_t.grid.2" not in at.session_state  # Streamlit drops the state of a widget that isn't drawn
    at.toggle(key="away").set_value(False).run()
    assert not at.exception
    # back: a new editor whose base is what the user had typed
    assert at.session_state["t.version"] == 3
    assert at.session_state["t.base"] == ("x", "w") and at.session_state["t.value"] == ("x", "w")


def test_the_first_run_and_unchanged_returns_do_not_bump_the_version():
    at = AppTest.from_function(_script).run()
    at.toggle(key="away").set_value(True).run()
    assert "_t.grid.1" not in at.session_state  # a real widget's state: dropped while it isn't drawn
    at.toggle(key="away").set_value(False).run()
    assert not at.exception
    assert at.session_state["t.version"] == 1  # nothing was edited: the value equals the base
