"""Page furniture every page uses: the explanation, "Check yourself", "Show the code", friendly errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

# Streamlit renders messages, captions, image captions, radio options and progress texts as Markdown (plus its
# own :color[...], :material/...: and :emoji: directives). Text that came from a user — a URL parameter, a file
# name, a class name, a kernel cell — goes through plain() so it shows literally and can't turn into a link, an
# image fetched from elsewhere, or formatting. Two steps:
# 1. Every Markdown-active ASCII punctuation character is backslash-escaped (CommonMark lets any of them be).
#    "&" too, so "&lt;b&gt;" is not decoded into "<b>"; "=" too, so "x\n===" is not a heading.
# 2. Escaping can't stop GFM's autolinks: Streamlit's Markdown (remark-gfm) finds bare URLs ("http://…",
#    "www.…") and e-mail addresses ("x@host.org") in the text *after* escapes are resolved, and makes them
#    links. A WORD JOINER (U+2060: invisible, zero width, no line break) after the scheme's colon, after "www"
#    and after "@" breaks those patterns, so the text reads the same and is not a link.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")
WORD_JOINER = "\u2060"
_AUTOLINKABLE = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
# Line breaks would let a value start a block of its own (an indented code block, a list, a heading); on a
# page a line break inside a paragraph shows as a space anyway.
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x0b\x0c\x85]+\s*")


def plain(text: object) -> str:
    """``text`` shown literally by Streamlit's Markdown: every special character backslash-escaped, bare URLs
    and e-mail addresses made inert with an invisible word joiner, line breaks turned into spaces."""
    flat = _LINE_BREAKS.sub(" ", str(text))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINKABLE.sub(WORD_JOINER, flat))


def check_yourself(question: str, answer: str, *, key: str) -> None:
    """A question with an answer revealed on demand."""
    with st.container(border=True):
        st.markdown(f"**Check yourself.** {question}")
        if st.toggle("Show the answer", key=key):
            st.markdown(answer)


# Whether "Show the code" is open: one setting for every page (kept across pages by the router, as a page key
# is), so a learner who reads the code finds it open on the next page too.
SHOW_CODE_KEY = "code.shown"


def show_code(code: str) -> None:
    """The ``explorer`` calls that reproduce the page's output in a notebook, in an expander that draws its code
    block only while it is open: a code block makes the browser load and run the 1.6 MB syntax highlighter, which
    a fresh tab paid on every page although the expander starts closed (``benchmarks/bench_page_weight.py
    --floor``: a closed "Show the code" alone took a new tab from 0.76 s to 1.03 s)."""
    with st.expander("Show the code", key=SHOW_CODE_KEY, on_change="rerun") as box:
        if box.open:
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
