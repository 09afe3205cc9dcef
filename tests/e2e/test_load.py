"""Five simulated attendees at once on the real server, for 20 s: concurrent sessions keep working.

The attendees speak Streamlit's websocket protocol (``tests/e2e/st_client.py``), as in the load benchmark
(``benchmarks/bench_load.py``), but briefly and with no timing asserted: speed is the benchmark's business.
What this catches is a change that breaks sessions running side by side (shared state mutated, a page
raising under interleaved runs, a widget key or page path that stops resolving).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tests.e2e import st_client

T = TypeVar("T")

PLAN = st_client.Plan(attendees=5, think_s=1.0, duration_s=20.0, arrival_s=2.0, changes_per_page=2, seed=1)
# With ~1 s of thinking, 20 s gives each attendee about 15 interactions when runs are fast and 8 on a busy
# machine; these minimums hold for the slow case.
MIN_SWITCHES = 2
MIN_CHANGES = 3


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own: Playwright's sync API keeps an event loop running in the test
    thread when the browser tests run first in the same process."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_five_attendees_browse_every_page_without_errors(app_url: str) -> None:
    warm = _run(st_client.tour(app_url))  # cold imports and caches are not what this tests
    assert [run.error for run in warm if run.error] == []
    pages = {run.page for run in warm}
    assert len(pages) == len(warm) > 5  # the tour saw the navigation: every page, each once

    runs = _run(st_client.run_plan(app_url, PLAN))

    assert [f"attendee {run.attendee} {run.kind} {run.page!r}: {run.error}" for run in runs if run.error] == []
    for attendee in range(PLAN.attendees):
        mine = [run for run in runs if run.attendee == attendee]
        kinds = [run.kind for run in mine]
        assert kinds.count("first load") == 1, kinds
        assert kinds.count("page switch") >= MIN_SWITCHES, kinds
        assert kinds.count("widget change") >= MIN_CHANGES, kinds
    assert {run.page for run in runs} == pages
    # Every widget change moved the page's own key widget (a renamed key would silently move another one).
    moved = {(run.page, run.widget) for run in runs if run.kind == "widget change"}
    assert all(st_client.KEY_WIDGETS.get(page) == widget for page, widget in moved), moved
