"""A page's parameters in the URL, so an instructor can share a link that opens a page in a given state.

Each page declares its parameters once as :class:`Param` objects and calls :func:`restore` before its widgets
and :func:`publish` after them::

    PARAMS = (Param("stride", "kernels.stride", 1, parse=urlstate.int_in(1, 4)),)
    urlstate.restore("kernels", PARAMS)      # defaults + the URL's values, first visit only
    st.slider("Stride", 1, 4, key="kernels.stride")
    urlstate.publish(PARAMS)

A bad or stale value falls back to the default and a notice says so. Widgets are created without ``value=``:
their value comes from session_state, which :func:`restore` fills.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ui import common

# Session keys of widgets that some runs don't draw: the pages' own widgets, and the sidebar's image picker
# ("shared."), which only pages that use an image show. Streamlit forgets a widget's value when a run
# doesn't draw it; the router calls keep_page_state() on every run so values survive page switches (and
# page fragments call remember_page_state(), see fragment()).
PAGE_KEY_PREFIXES = (
    "shared.",
    "code.",  # "Show the code" open or closed, one setting for every page (ui.common.show_code)
    "numbers.",
    "color.",
    "kernels.",
    "edges.",
    "fourier.",
    "morph.",
    "features.",
    "neurons.",
    "anatomy.",
    "train.",
    "inspect.",  # the Inspect section's shared model and input choice (ui.inspect_model, ui.inspect_input)
    "fmaps.",
    "attr.",
    "occl.",
    "emb.",
    "draw.",
    "dreams.",
    "pretrained.",
)
SHARED_PARAMS_KEY = "shared.url_params"
# A plain copy of every page key's value (outside PAGE_KEY_PREFIXES, so it is not a page key itself): plain
# session keys are never dropped by Streamlit, so this copy outlives a widget value that is (see keep_page_state).
KEPT_KEY = "router.kept_values"
# What restore() found wrong in a link, per restore() call ({name: [lines]}), and the page it was found on:
# plain session keys (not page keys), shown until another page is opened.
PROBLEMS_KEY = "router.url_problems"
PROBLEMS_PAGE_KEY = "router.url_problems_page"


@dataclass(frozen=True)
class Param:
    """One URL parameter bound to one session_state key.

    ``parse`` turns the URL text into a widget value and raises ValueError when it can't;
    ``format`` turns the value back into URL text.
    """

    name: str
    key: str
    default: Any
    parse: Callable[[str], Any]
    format: Callable[[Any], str] = str


def int_in(low: int, high: int) -> Callable[[str], int]:
    """Parser for an integer in ``[low, high]``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise ValueError(f"expected a number from {low} to {high}, got {value}")
        return value

    return parse


def float_in(low: float, high: float) -> Callable[[str], float]:
    """Parser for a finite number in ``[low, high]``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None
        if not low <= value <= high:  # also refuses nan
            raise ValueError(f"expected a number from {low} to {high}, got {text!r}")
        return value

    return parse


def number_from(options: Sequence[float]) -> Callable[[str], float]:
    """Parser for a number that must be one of ``options`` (a slider's steps); returns the option itself."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None
        for option in options:
            if math.isclose(value, option, rel_tol=0.0, abs_tol=1e-9):
                return option
        raise ValueError(f"expected one of {', '.join(f'{o:g}' for o in options)}; got {text!r}")

    return parse


def one_of(choices: Sequence[str]) -> Callable[[str], str]:
    """Parser for one of a fixed list of names."""

    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}; got {text!r}")
        return text

    return parse


def boolean(text: str) -> bool:
    """Parser for ``1``/``0``/``true``/``false``."""
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected 1 or 0, got {text!r}")


def format_bool(value: bool) -> str:
    return "1" if value else "0"


def restore(page: str, params: Sequence[Param]) -> None:
    """Give every parameter its default, and on the page's first run in this session, the URL's value.

    Bad URL values are reported with ``st.warning`` and replaced by the default. The warning stays on every
    run of the page (a widget change, a finished background job) until another page is opened
    (:func:`new_page`): a message that vanished a second after the page painted would be missed.
    """
    for param in params:
        st.session_state.setdefault(param.key, param.default)
    marker = f"{page}.url_restored"
    shown: dict[str, list[str]] = st.session_state.setdefault(PROBLEMS_KEY, {})
    if not st.session_state.get(marker):
        st.session_state[marker] = True
        problems = []
        for param in params:
            raw = st.query_params.get(param.name)
            if raw is None:
                continue
            try:
                st.session_state[param.key] = param.parse(raw)
            except ValueError as error:
                st.session_state[param.key] = param.default
                problems.append(f"`{param.name}`: {common.plain(error)}")
        if problems:
            shown[page] = problems
    if shown.get(page):
        st.warning(
            "Some settings in the link could not be used, so their defaults are shown instead:\n\n- "
            + "\n- ".join(shown[page])
        )


def new_page(url_path: str) -> None:
    """The router's call on every run: when the page shown is not the one of the last run, forget the
    link's warnings (:func:`restore`), so they are shown for the page the link opened and nowhere else."""
    if st.session_state.get(PROBLEMS_PAGE_KEY) != url_path:
        st.session_state[PROBLEMS_PAGE_KEY] = url_path
        st.session_state[PROBLEMS_KEY] = {}


def publish(params: Sequence[Param]) -> None:
    """Write the parameters' current values (and the shared image) into the URL."""
    values = dict(st.session_state.get(SHARED_PARAMS_KEY, {}))
    for param in params:
        value = st.session_state.get(param.key, param.default)
        if value != param.default:
            values[param.name] = param.format(value)
    if dict(st.query_params) != values:
        st.query_params.from_dict(values)


def _page_keys() -> list[str]:
    """The session keys :func:`keep_page_state` keeps: those with a page prefix, except the URL markers."""
    return [
        key
        for key in list(st.session_state.keys())
        if isinstance(key, str) and key.startswith(PAGE_KEY_PREFIXES) and ".url_restored" not in key
    ]


def keep_page_state() -> None:
    """Keep page widgets' values when another page is shown (Streamlit drops undrawn widgets' state).

    Two steps, on every run of the router:

    1. Put back from the plain copy (:data:`KEPT_KEY`) every page key Streamlit has dropped. Re-assigning
       (step 2) alone is not enough: at the start of each run Streamlit files the values assigned in the run
       before under their widgets' ids, and when the browser switches page (it sends no widget values then)
       Streamlit drops every widget id of the old page *before* the router runs. If the run before the
       switch re-assigned nothing (a fragment's run: the Train page's live panel, once a second while a
       network trains, or a click inside it), every setting of the page was lost.
    2. Re-assign every page key, turning it into plain session state for this run (the widget picks it up
       again when its page is drawn), and copy it into :data:`KEPT_KEY`.

    Keys starting with ``_`` (data editors, uploaders, buttons) can't be assigned and are skipped. To forget
    a page key, set it to its default: a deleted one would be put back.
    """
    kept: dict[str, Any] = st.session_state.setdefault(KEPT_KEY, {})
    for key, value in kept.items():
        if key not in st.session_state:
            st.session_state[key] = value
    for key in _page_keys():
        value = st.session_state[key]
        st.session_state[key] = value
        kept[key] = value


def remember_page_state() -> None:
    """Copy the page keys' current values into :data:`KEPT_KEY`, without assigning any widget (so it may run
    after widgets are drawn). What a fragment's run does in place of the router's :func:`keep_page_state`."""
    kept: dict[str, Any] = st.session_state.setdefault(KEPT_KEY, {})
    for key in _page_keys():
        kept[key] = st.session_state[key]


def fragment(*, run_every: float | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``st.fragment`` for page code: the router doesn't run in a fragment's run, so the fragment remembers
    the page keys itself (:func:`remember_page_state`), before its body (values the browser just sent) and
    after it (values the body set), and a page switch right after it loses nothing."""

    def decorate(body: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(body)
        def run(*args: Any, **kwargs: Any) -> None:
            remember_page_state()
            body(*args, **kwargs)
            remember_page_state()

        return st.fragment(run, run_every=run_every)

    return decorate
