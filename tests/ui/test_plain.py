"""ui.common.plain: user text shown by Streamlit's Markdown reads as typed and never becomes a link, an image or
markup. Hand-written expected outputs, and a property checked against the autolink patterns of the Markdown
renderer Streamlit ships (remark-gfm, copied from its bundle); the browser test (tests/e2e/test_hostile_links.py)
checks the rendered pages themselves."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.common import WORD_JOINER, plain

WJ = WORD_JOINER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words", "plain words"),
        ("a_b *c*", "a\\_b \\*c\\*"),
        ("http://evil.example/p.png", "http\\:" + WJ + "//evil\\.example/p\\.png"),
        ("HTTPS://evil.example", "HTTPS\\:" + WJ + "//evil\\.example"),
        ("www.evil.example", "www" + WJ + "\\.evil\\.example"),
        ("WWW.Evil.example", "WWW" + WJ + "\\.Evil\\.example"),
        ("x@evil.example", "x@" + WJ + "evil\\.example"),
        ("![p](http://h/p.png)", "\\!\\[p\\]\\(http\\:" + WJ + "//h/p\\.png\\)"),
        ("[a](x)", "\\[a\\]\\(x\\)"),
        ("<b>x</b>", "\\<b\\>x\\</b\\>"),
        ("&lt;b&gt;", "\\&lt;b\\&gt;"),  # not decoded into "<b>"
        (":red[hi] :material/home:", "\\:red\\[hi\\] \\:material/home\\:"),
        ("$x^2$", "\\$x^2\\$"),
        ("~~gone~~", "\\~\\~gone\\~\\~"),
        ("x\n===", "x \\=\\=\\="),  # not a heading
        ("one\n\n    two", "one two"),  # not a second paragraph nor a code block
        ("# 1. - + > |", "\\# 1\\. \\- \\+ \\> \\|"),
        ("back\\slash", "back\\\\slash"),
        ("ünï 3×3 · 0.5", "ünï 3×3 · 0\\.5"),
        (ValueError("got 'a_b'"), "got 'a\\_b'"),
    ],
)
def test_hand_written_cases(text, expected):
    assert plain(text) == expected


# remark-gfm's (mdast-util-gfm-autolink-literal's) patterns as Streamlit 1.67's StreamlitMarkdown bundle has
# them; JavaScript's \w is ASCII. They run on the text after escapes are resolved.
GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE | re.ASCII)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.ASCII)
ESCAPED = re.compile(r"\\(.)", re.DOTALL)
MARKDOWN_ACTIVE = set("\\`*_{}[]()#+-.!|<>~$:&=")

pieces = st.sampled_from(
    ["http", "https", "://", ":", "/", "www", "WWW", ".", "@", "x", "evil", "example", " ", "[", "](", ")", "!", "_"]
)


@given(st.lists(pieces, max_size=12).map("".join))
def test_resolved_text_reads_as_typed_and_has_no_autolink(text):
    shown = plain(text)
    # Every Markdown-active character arrives escaped: none is left once the escaped pairs are taken out.
    assert not MARKDOWN_ACTIVE & set(ESCAPED.sub("", shown))
    resolved = ESCAPED.sub(r"\1", shown)  # what the renderer's text node holds
    assert resolved.replace(WJ, "") == text
    assert not GFM_URL.search(resolved) and not GFM_EMAIL.search(resolved)
