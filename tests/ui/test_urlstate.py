"""URL parameter parsers: a shared link's text becomes a widget value or a clear reason why not."""

import pytest

from ui import urlstate


def test_int_in():
    parse = urlstate.int_in(1, 4)
    assert parse("3") == 3
    for bad, message in [("0", "from 1 to 4, got 0"), ("2.5", "whole number"), ("abc", "whole number")]:
        with pytest.raises(ValueError, match=message):
            parse(bad)


def test_float_in_refuses_nan_and_out_of_range():
    parse = urlstate.float_in(0.0, 1.0)
    assert parse("0.25") == 0.25
    for bad in ("nan", "1.5", "-0.1", "x"):
        with pytest.raises(ValueError):
            parse(bad)


def test_number_from_returns_the_option_itself():
    parse = urlstate.number_from((1.1, 1.2, 1.5))
    assert parse("1.2") == 1.2 and parse("1.20") == 1.2
    with pytest.raises(ValueError, match=r"expected one of 1.1, 1.2, 1.5; got '1.3'"):
        parse("1.3")
    assert urlstate.number_from((4, 8, 16))("8") == 8 and isinstance(urlstate.number_from((4, 8, 16))("8"), int)


def test_one_of_and_boolean():
    assert urlstate.one_of(("zero", "wrap"))("wrap") == "wrap"
    with pytest.raises(ValueError, match="expected one of zero, wrap; got '<b>'"):
        urlstate.one_of(("zero", "wrap"))("<b>")
    assert urlstate.boolean("1") is True and urlstate.boolean("false") is False
    with pytest.raises(ValueError, match="expected 1 or 0"):
        urlstate.boolean("maybe")


def test_user_text_in_messages_shows_literally():
    from ui.common import plain

    hostile = "![x](http://example.invalid/x.png) :red[hi] <b>a_b</b>"
    escaped = plain(hostile)
    # Every Markdown-active character is escaped, so Streamlit shows the text instead of an image or colour.
    for token in ("\\!\\[x\\]\\(", "\\:red\\[", "\\<b\\>", "a\\_b"):
        assert token in escaped
    assert escaped.replace("\\", "").replace("\u2060", "") == hostile
