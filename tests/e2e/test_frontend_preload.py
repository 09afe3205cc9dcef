"""In Chromium: the session's first page loads the heavy element code once it has painted, and the next page
with a plotly chart and tables fetches none of it again (ui/frontend_preload.py).

Reference: the browser's own network log, against the chunk files in the installed Streamlit's static folder.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ui import frontend_preload

# The chunks are imported one after another once Home is idle; on a loaded 2-core machine this takes seconds.
PRELOAD_TIMEOUT_S = 30


def _chunk_requests(log: list[str]) -> list[str]:
    names = set(frontend_preload.chunk_names())
    return [name for name in log if name in names]


def test_home_preloads_the_chunks_and_the_next_page_needs_none_of_them(app):
    log: list[str] = []
    app.page.on("request", lambda request: log.append(request.url.rsplit("/", 1)[-1].split("?")[0]))
    app.open()
    # Home itself shows no chart, table or code block: these requests are the preload's.
    deadline = PRELOAD_TIMEOUT_S * 1000
    waited = 0
    while sorted(_chunk_requests(log)) != sorted(frontend_preload.chunk_names()) and waited < deadline:
        app.page.wait_for_timeout(100)
        waited += 100
    assert sorted(_chunk_requests(log)) == sorted(frontend_preload.chunk_names()), log
    # Wait until the two biggest files have arrived, not only been asked for.
    app.page.wait_for_function(
        "() => performance.getEntriesByType('resource').filter(e => /PlotlyChart|DataFrame/.test(e.name)"
        " && e.responseEnd > 0).length >= 2",
        timeout=PRELOAD_TIMEOUT_S * 1000,
    )
    assert app.page.locator('[data-testid="stHtml"] script').count() == 1  # sent once, and invisible
    before = len(log)

    app.sidebar().locator('[data-testid="stSidebarNavLink"]').filter(has_text="Images are numbers").first.click()
    app.page.wait_for_url(re.compile(r"/images-are-numbers"))
    app.wait_idle()
    expect(app.page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    expect(app.page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    assert _chunk_requests(log[before:]) == []  # nothing fetched again: the browser already has them
    assert app.page.locator('[data-testid="stHtml"] script').count() == 0  # not sent a second time
