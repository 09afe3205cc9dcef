"""Browser tests of "Train a CNN": live progress while training in the background, Stop, the results, and
the line of waiting trainings when every slot is taken."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e import harness

# Batches of 8 over the 1,438 training digits: 180 batches an epoch, about half a second each, so 30 epochs
# run long enough to watch (and to stop) but never hold a slot for more than a few seconds after a test.
LONG_TRAINING = "train?epochs=30&batch=8"
PROGRESS = '[data-testid="stProgress"]'
CHANGE_WITHIN_S = 8


def progress_text(page) -> str:
    return page.locator(PROGRESS).first.inner_text()


def curve_path(page) -> str | None:
    """The SVG path of the training loss curve (the first line of the first visible chart), or None."""
    line = page.locator(".js-plotly-plot >> visible=true").first.locator(".scatterlayer path.js-line").first
    try:
        return line.get_attribute("d", timeout=1_000)
    except Exception:  # redrawn at that moment
        return None


def start(page) -> None:
    page.get_by_role("button", name="Start training").click()


def test_training_updates_live_and_stops(app):
    app.open(LONG_TRAINING)
    start(app.page)
    expect(app.page.locator(PROGRESS).filter(has_text="Epoch")).to_be_visible(timeout=30_000)
    first = progress_text(app.page)
    # The live panel redraws once a second; on a busy machine allow a few seconds for the next redraw.
    deadline = time.monotonic() + CHANGE_WITHIN_S
    while progress_text(app.page) == first and time.monotonic() < deadline:
        app.page.wait_for_timeout(250)
    assert progress_text(app.page) != first, first
    # The curves appear after the first batches; a chart being redrawn is briefly hidden, so look for a
    # visible one. The training loss curve itself moves as the epoch goes on.
    expect(app.page.locator(".js-plotly-plot >> visible=true").first).to_be_visible(timeout=60_000)
    first_curve = curve_path(app.page)
    deadline = time.monotonic() + CHANGE_WITHIN_S
    while curve_path(app.page) in (first_curve, None) and time.monotonic() < deadline:
        app.page.wait_for_timeout(250)
    assert curve_path(app.page) not in (first_curve, None)
    app.page.get_by_role("button", name="Stop").click()
    expect(app.page.get_by_text("Stopped because Stop was pressed.")).to_be_visible(timeout=15_000)
    app.wait_idle()
    expect(app.page.get_by_text("Test accuracy:")).to_be_visible()
    assert app.page.locator(".js-plotly-plot").count() >= 2  # curves and the confusion matrix
    expect(app.page.get_by_text("The most confident mistakes")).to_be_visible()
    assert app.page.get_by_role("button", name="Start training").is_enabled()
    app.screenshot("train")


@pytest.fixture
def one_slot_url(monkeypatch, request):
    """A server of its own that trains one network at a time."""
    monkeypatch.setenv("VISION_EXPLORER_MAX_TRAININGS", "1")
    return request.getfixturevalue("fresh_app_url")


def test_second_training_waits_in_line(browser, one_slot_url):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 2600}) for _ in range(2)]
    try:
        first, second = (context.new_page() for context in contexts)
        for tab in (first, second):
            tab.set_default_timeout(30_000)
            tab.goto(f"{one_slot_url}/{LONG_TRAINING}", wait_until="domcontentloaded")
            expect(tab.get_by_role("button", name="Start training")).to_be_enabled(timeout=60_000)
        start(first)
        expect(first.locator(PROGRESS).filter(has_text="Epoch")).to_be_visible(timeout=30_000)
        start(second)
        expect(second.get_by_text("1st in line")).to_be_visible(timeout=15_000)
        harness.screenshot(second, "train_queue")
        first.get_by_role("button", name="Stop").click()
        # the slot frees: the waiting training starts by itself
        expect(second.locator(PROGRESS).filter(has_text="Epoch")).to_be_visible(timeout=20_000)
        second.get_by_role("button", name="Stop").click()
        expect(second.get_by_text("Stopped because Stop was pressed.")).to_be_visible(timeout=15_000)
    finally:
        for context in contexts:
            context.close()
