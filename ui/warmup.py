"""Libraries imported once, under a lock, before the first page of a fresh server runs.

Two sessions whose first page runs start at the same moment import the same libraries from two threads. When
each thread holds one module's import lock and waits for the other's, Python's deadlock avoidance hands one of
them a half-initialised module: on a fresh server 30 simulated attendees arriving within 2 s got
``partially initialized module 'pandas' has no attribute 'Series'`` in every run
(``python benchmarks/bench_load.py --arrival 2 --duration 20 --no-warm-up``). Importing them here, one thread at a
time, leaves nothing for the pages to race on. pandas is what Streamlit's tables and our data editors load lazily;
it costs about 0.3 s once per server process.
"""

from __future__ import annotations

import importlib
import threading

SHARED_LIBRARIES = ("pandas",)

_lock = threading.Lock()
_done = False


def import_shared_libraries() -> None:
    """Import :data:`SHARED_LIBRARIES` once per process; concurrent callers wait for the first one."""
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            for name in SHARED_LIBRARIES:
                importlib.import_module(name)
            _done = True
