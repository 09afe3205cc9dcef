"""The page-weight benchmark's measurement works (``benchmarks/bench_page_weight.py``): what it counts for a
page visit in Chromium is there, every picture is counted once, and the frontend's files are counted apart.
No time is asserted: speed is the benchmark's business.
"""

from __future__ import annotations

import urllib.request

from benchmarks import bench_page_weight as weight

# A page with pictures in the main area and in the sidebar, and one switched to from it.
PAGE, NEXT_PAGE = "kernels", "edges"
# The frontend's own files on a first visit with an empty cache: Streamlit's bundle alone is megabytes.
MIN_FRONTEND_BYTES = 500_000
# An HTTP response's headers: what a media file's count may add to its body.
MAX_HEADER_BYTES = 1_000


def media_shown(visit: weight.Visit) -> set[str]:
    """Paths of the ``/media/`` pictures the page showed when it had finished painting."""
    return {image["src"] for image in visit.images if image["src"].startswith("/media/")}


def body_size(base_url: str, path: str) -> int:
    with urllib.request.urlopen(f"{base_url}{path}", timeout=10) as response:
        return len(response.read())


def test_a_visit_counts_its_messages_and_each_picture_once_and_the_frontend_apart(browser, warm_app_url):
    context = browser.new_context(viewport=weight.VIEWPORT)
    try:
        first_tab, _, first = weight.open_tab(context, warm_app_url, PAGE)
        assert first.error is None
        assert first.paint_ms is not None
        # Both ways of the websocket: the browser's rerun request, the server's page.
        assert first.ws_out > 0 and first.ws_in > first.ws_out
        # The messages were decoded: the run's end and the pictures' element are named.
        assert first.kinds["script_finished"] > 0 and first.kinds["element:imgs"] > 0
        assert sum(first.kinds.values()) == first.ws_in
        # Every picture the page shows came over the network once, and each file's count is its body (as
        # served again now, while its session lives) plus the response's headers.
        assert media_shown(first) and set(first.media_files) == media_shown(first)
        for path, counted in first.media_files.items():
            body = body_size(warm_app_url, path)
            assert body < counted <= body + MAX_HEADER_BYTES, (path, body, counted)
        assert first.media == sum(first.media_files.values())
        assert first.page_bytes == first.ws_in + first.ws_out + first.media + first.stcore
        # An empty cache: the frontend's files moved, and are not part of the page's bytes.
        assert first.static > MIN_FRONTEND_BYTES

        # A second tab on the same page: a new session, with the frontend in the browser's cache.
        tab, traffic, second = weight.open_tab(context, warm_app_url, PAGE)
        assert second.error is None
        assert second.static < first.static / 10
        assert set(second.media_files) == media_shown(second)
        assert second.ws_in > 0

        # A page switch in that session: only the pictures it had not shown yet move.
        before = media_shown(second)
        switch = weight.switch_to(tab, traffic, NEXT_PAGE)
        assert switch.error is None and switch.page == NEXT_PAGE and switch.paint_ms is not None
        assert switch.ws_out > 0 and switch.kinds["script_finished"] > 0
        assert media_shown(switch) - before
        assert set(switch.media_files) == media_shown(switch) - before
        first_tab.close()
    finally:
        context.close()


def test_the_floor_app_is_measured_like_the_app(browser):
    """``--floor`` runs benchmarks/floor_app.py the same way: every page, both ways of arriving, no error, each
    element kind's frontend chunk pulled by the page that first shows it (not a time: the floor's numbers are the
    benchmark's)."""
    result = weight.measure(runs=1, floor=True, browser=browser)
    entries = {(e["page"], e["mode"]): e for e in weight.per_page(result)}
    pages = list(weight.FLOOR_PAGES)
    modes = ("switch", "fresh tab")
    assert set(entries) == {("", "session start")} | {(page, mode) for page in pages for mode in modes}
    assert all(not entry["errors"] and entry["paint_ms"] for entry in entries.values()), entries
    assert {entry["title"] for entry in entries.values()} == set(weight.FLOOR_PAGES.values())
    # By switch, the chart's page pulls the plotly chunk (megabytes) and the title-only page pulls nothing.
    assert entries[("chart", "switch")]["static"]["max"] > 1_000_000
    assert entries[("", "switch")]["static"]["max"] == 0
