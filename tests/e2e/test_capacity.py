"""A server with room for one session: the second visitor gets "this demo is full" (and nothing else), the first
keeps working, and the place comes back when the first one leaves (issue 11, "when the server is full")."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from tests.e2e import harness, st_client

FULL = "This server is serving as many people as it can right now (1 at once)"


async def _scenario(base_url: str) -> None:
    first = st_client.Session(base_url, attendee=0)
    run = await first.open()
    assert not run.error and not any(FULL in alert for alert in run.alerts)
    second = st_client.Session(base_url, attendee=1)
    run = await second.open()
    assert any(alert.startswith(FULL) for alert in run.alerts), run.alerts
    assert second.widgets == []  # the full page draws no widgets: no app behind it
    run = await first.switch_page("kernels")  # the admitted session is untouched
    assert not run.error and not any(FULL in alert for alert in run.alerts)
    await second.close()
    await first.close()  # its place is given back to the next newcomer
    await asyncio.sleep(1.0)
    third = st_client.Session(base_url, attendee=2)
    run = await third.open()
    assert not run.error and not any(FULL in alert for alert in run.alerts), run.alerts
    await third.close()


def test_past_the_limit_a_newcomer_sees_the_full_page(monkeypatch):
    monkeypatch.setenv("VISION_EXPLORER_MAX_SESSIONS", "1")
    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = harness.start_server(port)  # inherits the environment
    try:
        harness.wait_healthy(process, base_url, 120)
        # On a thread of its own: Playwright's sync API keeps an event loop running in the test thread when the
        # browser tests run first in the same process (as tests/e2e/test_load.py does).
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, _scenario(base_url)).result()
    finally:
        harness.stop_server(process)
