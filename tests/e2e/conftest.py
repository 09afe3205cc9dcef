"""Browser tests: a real ``streamlit run`` driven by headless Chromium (Playwright).

Fixtures: ``app_url`` (the server, once per session), ``browser`` (one Chromium per session), ``page``
(a fresh tab, i.e. a new Streamlit session, per test) and ``app`` (that tab wrapped in :class:`App`, whose
helpers open a page, wait until Streamlit is idle with no exception shown, and save screenshots). Test
modules get the helpers through the ``app`` fixture rather than importing this file.

The browser is Debian's Chromium: Playwright's own download does not work here. A missing Chromium is a
failure, never a skip: a browser test that silently does not run proves nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from tests.e2e import harness

# Tall, because Streamlit scrolls an inner container: most of a page is then on screen without scrolling.
VIEWPORT = {"width": 1400, "height": 2600}
# A cold server imports numpy, OpenCV and scikit-image before its health endpoint answers.
SERVER_START_TIMEOUT_S = 60
# First runs decode the sample image and fill caches; later reruns take a fraction of this.
RUN_TIMEOUT_MS = 60_000
# How long the app must stay idle to count as finished (a click's rerun starts within a few milliseconds).
IDLE_FOR_S = 0.4


def launch_chromium(playwright) -> Browser:
    try:
        return harness.launch_chromium(playwright.chromium)
    except FileNotFoundError as error:
        pytest.fail(
            f"{error}. The browser tests are not skipped: a skipped browser test proves nothing.", pytrace=False
        )


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """Start ``streamlit run`` on a free port, wait until it answers, yield its base URL, stop it."""
    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = harness.start_server(port)
    try:
        harness.wait_healthy(process, base_url, SERVER_START_TIMEOUT_S)
        yield base_url
    finally:
        harness.stop_server(process)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Base URL of a ``streamlit run`` of the app, started once for the whole session."""
    with running_server() as base_url:
        yield base_url


@pytest.fixture
def fresh_app_url() -> Iterator[str]:
    """A server of its own that no session has visited yet (for first-request behaviour)."""
    with running_server() as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def warm_app_url(app_url: str, browser: Browser) -> str:
    """``app_url`` after one visit to ``/``: imports done and caches filled, so that no test's timing
    depends on running first. (What a cold server does with a first deep link is checked separately, on a
    server of its own: ``fresh_app``.)
    """
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = context.new_page()
        open_url(tab, f"{app_url}/")
    finally:
        context.close()
    return app_url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (a new Streamlit session) and tab for each test."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def wait_idle(page: Page, *, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished running the script, then assert no exception is shown.

    The app root carries ``data-test-script-state`` ("initial" before the first run, then "running",
    "notRunning", ...). A rerun caused by a click starts a few milliseconds after the click, so the app
    must stay idle (not running, no "Running..." status widget, no stale elements, no placeholders of
    elements still loading, every image loaded) for a short while.
    """
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        state = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
        busy = (
            state not in ("notRunning", "compilationError")
            or page.locator('[data-testid="stStatusWidget"]').count() > 0
            or page.locator('[data-stale="true"]').count() > 0
            # placeholders of elements whose code is still loading (the frontend loads it lazily)
            or page.locator('[data-testid="stSkeleton"]').count() > 0
            or not page.evaluate("() => Array.from(document.images).every(image => image.complete)")
        )
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= IDLE_FOR_S:
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError(f"Streamlit was still running after {timeout_ms} ms")
    assert_no_exception(page)


def assert_no_exception(page: Page) -> None:
    """Fail with the exception's text if Streamlit shows a traceback (or a page-load error) anywhere."""
    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        raise AssertionError("Streamlit exception on the page:\n" + exceptions.first.inner_text()[:3000])
    not_found = page.get_by_role("dialog").filter(has_text="Page not found")
    if not_found.count():
        raise AssertionError(f"Streamlit says 'Page not found' for {page.url}")
    main_text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Traceback (most recent call last)" not in main_text, main_text[:3000]


def open_url(page: Page, url: str) -> None:
    """Go to ``url`` and wait for the app to be idle."""
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page)


def main_title(page: Page) -> str:
    """Text of the page's ``st.title`` (the first h1 of the main block)."""
    heading = page.locator('[data-testid="stMain"] h1').first
    expect(heading).to_be_visible()
    return heading.inner_text().strip()


class App:
    """A browser tab on the running app, with the helpers the tests share."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self, path: str = "", query: str = "") -> None:
        """Open ``/<path>[?query]`` and wait until the app is idle with no exception."""
        url = f"{self.base_url}/{path}" + (f"?{query}" if query else "")
        open_url(self.page, url)

    def wait_idle(self, *, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
        wait_idle(self.page, timeout_ms=timeout_ms)

    def title(self) -> str:
        return main_title(self.page)

    def main_text(self) -> str:
        return self.page.locator('[data-testid="stMain"]').inner_text()

    def sidebar(self):
        return self.page.locator('[data-testid="stSidebar"]')

    def image(self, caption: str) -> Locator:
        """The ``<img>`` of the first picture in the main area whose caption contains ``caption``."""
        pictures = self.page.locator('[data-testid="stMain"] [data-testid="stImage"]')
        return pictures.filter(has_text=caption).locator("img").first

    def image_src(self, caption: str) -> str:
        """``src`` of :meth:`image` once it is visible (a new media URL whenever the picture changes)."""
        picture = self.image(caption)
        expect(picture).to_be_visible()
        return picture.get_attribute("src")

    def metric(self, label: str) -> Locator:
        """The value of the one ``st.metric`` whose text contains ``label`` (fails if there are several)."""
        metric = self.page.locator('[data-testid="stMetric"]').filter(has_text=label)
        expect(metric).to_have_count(1)
        return metric.locator('[data-testid="stMetricValue"]')

    def metric_value(self, label: str) -> str:
        """The text of :meth:`metric`, stripped."""
        return self.metric(label).inner_text().strip()

    def screenshot(self, name: str) -> str:
        return harness.screenshot(self.page, name)


@pytest.fixture
def app(page: Page, warm_app_url: str) -> App:
    return App(page, warm_app_url)


@pytest.fixture
def app_on(warm_app_url: str):
    """``app_on(page)``: an :class:`App` on a tab of your own (e.g. from a browser launched with other flags)."""
    return lambda page: App(page, warm_app_url)


@pytest.fixture
def fresh_app(page: Page, fresh_app_url: str) -> App:
    """Like ``app``, on a server of its own that no session has visited yet."""
    return App(page, fresh_app_url)
