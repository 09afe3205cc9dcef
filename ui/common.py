"""Page furniture every page uses: the explanation, "Check yourself", "Show the code", friendly errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

# Streamlit renders messages as Markdown (plus its own :color[...] and :emoji: directives). Text that came
# from a user — a URL parameter, a file name, a kernel cell — is escaped so it shows literally and can't
# turn into a link, an image fetched from elsewhere, or formatting.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """``text`` with every Markdown special character backslash-escaped, to show it literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def check_yourself(question: str, answer: str, *, key: str) -> None:
    """A question with an answer revealed on demand."""
    with st.container(border=True):
        st.markdown(f"**Check yourself.** {question}")
        if st.toggle("Show the answer", key=key):
            st.markdown(answer)


def show_code(code: str) -> None:
    """The ``explorer`` calls that reproduce the page's output in a notebook."""
    with st.expander("Show the code"):
        st.code(code, language="python")


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a ``ValueError`` from user-driven input into ``st.error`` and stop the page cleanly.

    Anything else is a bug and propagates (tests assert ``not at.exception``).
    """
    try:
        yield
    except ValueError as error:
        st.error(plain(error))
        st.stop()
