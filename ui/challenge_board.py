"""Every graded challenge of the app in one list, and which of them this session has passed (Home shows it).

A page that grades a challenge calls :func:`mark` with the challenge's id (``"<page prefix>.<key>"``, e.g.
``"kernels.blur"``) when it passes. The ids passed are kept in plain session state (:data:`PASSED_KEY`), which
Streamlit never drops, for as long as the browser session lives. The list imports no torch: Home stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from explorer.classical import morphology
from explorer.images import challenges as kernel_challenges
from explorer.interpret import challenges as inspect_challenges
from explorer.nets import challenges as train_challenges

PASSED_KEY = "challenges.passed"  # set of challenge ids


@dataclass(frozen=True)
class Entry:
    """One challenge: ``id`` (``"<page prefix>.<key>"``), the page it is on (script path and title), its title."""

    id: str
    page: str
    page_title: str
    title: str


ENTRIES: tuple[Entry, ...] = (
    *(Entry(f"kernels.{c.key}", "app_pages/kernels.py", "Kernels", c.title) for c in kernel_challenges.CHALLENGES),
    *(
        Entry(f"morph.{c.key}", "app_pages/morphology.py", "Morphology & segmentation", c.title)
        for c in morphology.CHALLENGES
    ),
    *(Entry(f"train.{c.key}", "app_pages/train.py", "Train a CNN", c.title) for c in train_challenges.CHALLENGES),
    Entry(
        f"fmaps.{inspect_challenges.VERTICAL_EDGE.key}",
        "app_pages/feature_maps.py",
        "Feature maps & filters",
        inspect_challenges.VERTICAL_EDGE.title,
    ),
    Entry(
        f"occl.{inspect_challenges.HIDE_THE_DIGIT.key}",
        "app_pages/occlusion.py",
        "Occlusion",
        inspect_challenges.HIDE_THE_DIGIT.title,
    ),
    Entry(
        f"emb.{inspect_challenges.PIXELS_MISLEAD.key}",
        "app_pages/embeddings.py",
        "Embeddings",
        inspect_challenges.PIXELS_MISLEAD.title,
    ),
)
_IDS = frozenset(entry.id for entry in ENTRIES)


def mark(challenge_id: str) -> None:
    """Record that this session passed the challenge ``challenge_id`` (an id of :data:`ENTRIES`)."""
    if challenge_id not in _IDS:
        raise ValueError(f"challenge_id must be one of {sorted(_IDS)}, got {challenge_id!r}")
    passed: set[str] = st.session_state.setdefault(PASSED_KEY, set())
    passed.add(challenge_id)


def passed() -> frozenset[str]:
    """The ids of the challenges passed in this session."""
    return frozenset(st.session_state.get(PASSED_KEY, ()))


def board() -> None:
    """Every challenge, grouped by page, with a link to its page and a mark for those passed."""
    done = passed()
    st.markdown(f"**{sum(entry.id in done for entry in ENTRIES)} of {len(ENTRIES)} passed in this session.**")
    pages: dict[str, list[Entry]] = {}
    for entry in ENTRIES:
        pages.setdefault(entry.page, []).append(entry)
    columns = st.columns(3, gap="medium")
    for number, (page, entries) in enumerate(pages.items()):
        with columns[number % len(columns)]:
            st.page_link(page, label=entries[0].page_title)
            st.markdown("\n".join(f"- {'✅' if e.id in done else '⬜'} {e.title}" for e in entries))
