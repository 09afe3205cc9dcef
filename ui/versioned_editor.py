"""A ``st.data_editor`` that can be reset: the kernel grid, morphology's drawn element, the Train page's layers.

Why this shape: a data editor keeps the user's edits as deltas on top of the data it was given, and its
session value can't be assigned. So the data a fresh editor starts from (the *base*) lives in a plain
session key, and the editor's widget key carries a version number (``f"{prefix}.{version}"``). Setting a new
base bumps the version, which gives a fresh editor showing it.

What the editor returned last run is kept in a third key (the *value*): Streamlit drops the state of a
widget that isn't drawn, so after a page switch :meth:`VersionedEditor.keep_edits` re-bases the editor on
that value and the user's edits survive.

Base and value are treated as immutable (tuples, strings, or lists nobody changes in place).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st


@dataclass(frozen=True)
class VersionedEditor:
    """The session keys of one resettable data editor.

    prefix : the widget key without its version, e.g. ``"_kernels.grid"`` (AppTests drive
        ``f"{prefix}.{st.session_state[version_key]}"``).
    version_key : the non-widget key holding the version (absent means 0).
    base_key : what a fresh editor shows.
    value_key : what the editor returned last run (often a page's own state, e.g. a URL parameter's key).
    """

    prefix: str
    version_key: str
    base_key: str
    value_key: str

    def widget_key(self) -> str:
        """The editor's widget key for the current version."""
        return f"{self.prefix}.{st.session_state.get(self.version_key, 0)}"

    def reset(self, base: Any) -> None:
        """Show ``base`` in a fresh editor (it is also the value). Call from a callback or before the editor."""
        st.session_state[self.base_key] = base
        st.session_state[self.value_key] = base
        st.session_state[self.version_key] = st.session_state.get(self.version_key, 0) + 1

    def keep_edits(self) -> None:
        """Re-base on the last value when the editor's widget state is gone (a page switch) and the value
        differs from the base. On the editor's very first run the value equals the base, so nothing moves."""
        value = st.session_state.get(self.value_key)
        if (
            self.widget_key() not in st.session_state
            and value is not None
            and value != st.session_state.get(self.base_key)
        ):
            self.reset(value)

    def base(self) -> Any:
        return st.session_state[self.base_key]

    def draw(self, frame: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
        """``st.data_editor(frame, key=<current version>, **kwargs)``: the frame with the user's edits."""
        return st.data_editor(frame, key=self.widget_key(), **kwargs)

    def remember(self, value: Any) -> None:
        """Keep what the editor returned this run (read back by :meth:`keep_edits` after a page switch)."""
        st.session_state[self.value_key] = value
