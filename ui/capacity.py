"""At most ``VISION_EXPLORER_MAX_SESSIONS`` browser sessions per server process: past it, a new visitor sees a
friendly "this demo is full" page instead of a slow app for everybody.

A session is admitted on its first run and keeps its place while its browser is connected. When the server is
full, places of sessions whose browser has gone (Streamlit keeps them a while, ``server.disconnectedSessionTTL``)
are given back first. The bookkeeping (:class:`Admission`) is plain Python, tested without a server;
:func:`gate` is the router's call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import streamlit as st

from ui import limits

MAX_SESSIONS_ENV = "VISION_EXPLORER_MAX_SESSIONS"
# Measured on a 2-core machine (benchmarks/README.md): 30 simulated attendees thinking 10 s used about 10 % of a
# core with p95 108 ms, each session adding 2-3 MB. 100 leaves the server responsive with room for trainings;
# set the variable from your own load test on a bigger or smaller machine.
DEFAULT_MAX_SESSIONS = 100
MAX_SESSIONS_LIMIT = 10_000


def max_sessions_from_env(environ: dict[str, str] | None = None) -> int:
    """N from ``VISION_EXPLORER_MAX_SESSIONS`` (clamped to 1..10,000), else :data:`DEFAULT_MAX_SESSIONS`."""
    return limits.whole_number_from_env(
        MAX_SESSIONS_ENV, default=DEFAULT_MAX_SESSIONS, low=1, high=MAX_SESSIONS_LIMIT, environ=environ
    )


class Admission:
    """Which sessions have a place, at most ``limit`` at once."""

    def __init__(self, limit: int) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a whole number >= 1, got {limit!r}")
        self.limit = limit
        self._lock = threading.Lock()
        self._admitted: dict[str, None] = {}  # insertion-ordered set of session ids

    def admit(self, session_id: str, is_connected: Callable[[str], bool]) -> bool:
        """True if ``session_id`` has a place (kept, or given now); when full, places of sessions that are no
        longer connected are freed first."""
        with self._lock:
            if session_id in self._admitted:
                return True
            if len(self._admitted) >= self.limit:
                for gone in [sid for sid in self._admitted if not is_connected(sid)]:
                    del self._admitted[gone]
            if len(self._admitted) >= self.limit:
                return False
            self._admitted[session_id] = None
            return True

    def count(self) -> int:
        with self._lock:
            return len(self._admitted)


ADMISSION = Admission(max_sessions_from_env())


def gate() -> None:
    """The router's first call: a session without a place gets the "full" page and the run stops there.
    Without a server (AppTest, scripts) every session is admitted."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    if context is None or not runtime.exists():
        return
    if ADMISSION.admit(context.session_id, runtime.get_instance().is_active_session):
        return
    st.title("This demo is full")
    st.info(
        f"This server is serving as many people as it can right now ({ADMISSION.limit} at once). Please try "
        "again in a minute: reload this page. Places free up as people close their tabs."
    )
    st.stop()
