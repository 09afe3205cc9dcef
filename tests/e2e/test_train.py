"""Browser tests of "Train a CNN": live progress while training in the background, Stop, the results, and
the line of waiting trainings when every slot is taken."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlencode, urlparse

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


# ----------------------------------------------------------------------------- leaving the page and coming back
LAPTOP = {"width": 1280, "height": 800}
# TinyVGG takes the 16×16 digits but not the 8×8 ones; 30 epochs in batches of 8 (the default) run long
# enough to leave the page and come back while it trains.
CHOSEN = {"data": "digits16", "net": "tinyvgg", "rotate": "10", "lr": "0.003", "epochs": "25"}


def go_to(app, title: str, path: str) -> None:
    """Click a page's link in the sidebar, as a user does, and wait for it."""
    app.sidebar().locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).first.click()
    app.page.wait_for_url(re.compile(rf":\d+/{path}(\?.*)?$"))
    app.wait_idle()


def selected(app, label: str) -> str:
    """The option a selectbox shows."""
    return app.page.get_by_role("combobox", name=label).input_value()


def assert_chosen_settings(app) -> None:
    query = parse_qs(urlparse(app.page.url).query)
    assert {name: query.get(name, [None])[0] for name in CHOSEN} == CHOSEN, app.page.url
    assert selected(app, "Data set").startswith("Digits enlarged to 16×16")
    assert selected(app, "Start from").startswith("TinyVGG")
    assert app.page.get_by_role("slider", name="Rotate up to (degrees)").input_value() == "10"
    expect(app.page.get_by_text("of 16×16 pixels", exact=False)).to_be_visible()
    assert "can't take" not in app.main_text()


def test_settings_survive_leaving_the_page_during_and_after_a_training(app):
    """Reported twice: back on the page during a training, the data set was Digits 8×8 again, "Start from"
    Small CNN, the layer table still TinyVGG's ("can't take 8×8 images", Start disabled) and the URL empty."""
    app.page.set_viewport_size(LAPTOP)
    app.open("train", urlencode(CHOSEN))
    assert_chosen_settings(app)
    start(app.page)
    expect(app.page.locator(PROGRESS).filter(has_text="Epoch")).to_be_visible(timeout=30_000)
    first = progress_text(app.page)
    deadline = time.monotonic() + CHANGE_WITHIN_S
    while progress_text(app.page) == first and time.monotonic() < deadline:  # the live panel ran on its own
        app.page.wait_for_timeout(250)
    assert progress_text(app.page) != first
    go_to(app, "Kernels", "kernels")
    go_to(app, "Train a CNN", "train")
    assert_chosen_settings(app)
    expect(app.page.locator(PROGRESS).filter(has_text="Epoch")).to_be_visible()  # still training
    assert app.page.get_by_role("button", name="Start training").is_disabled()
    app.screenshot("train-back-during-training-1280x800")
    app.page.get_by_role("button", name="Stop").click()
    expect(app.page.get_by_text("Stopped because Stop was pressed.")).to_be_visible(timeout=15_000)
    app.wait_idle()
    # after the training: pick a cell to look inside (the results rerun on their own), leave, come back
    true_class = app.page.get_by_role("combobox", name="True class")
    true_class.click()
    true_class.press("ArrowDown")  # opens the list (a click alone did not, here)
    true_class.fill("7")  # keeps the one option "7"
    true_class.press("Enter")
    app.wait_idle()
    assert selected(app, "True class") == "7"
    go_to(app, "Neurons", "neurons")
    go_to(app, "Train a CNN", "train")
    assert_chosen_settings(app)
    assert app.page.get_by_role("button", name="Start training").is_enabled()
    assert selected(app, "True class") == "7"
    expect(app.page.get_by_text("Test accuracy:")).to_be_visible()  # the trained model is still there
    app.screenshot("train-back-after-training-1280x800")


# ------------------------------------------------------------------------------------------ the confusion matrix
def click_cell(app, true_class: int, predicted: int) -> None:
    """Click the confusion matrix's cell (row ``true_class``, column ``predicted``) where plotly drew it."""
    chart = app.page.locator('[data-testid="stPlotlyChart"]').filter(has_text="predicted class").first
    chart.scroll_into_view_if_needed()
    x, y = chart.evaluate(
        """(element, [row, column]) => {
            const plot = element.querySelector('.js-plotly-plot');
            const box = plot.getBoundingClientRect(), layout = plot._fullLayout;
            return [box.left + layout.xaxis._offset + layout.xaxis.l2p(column),
                    box.top + layout.yaxis._offset + layout.yaxis.l2p(row)];
        }""",
        [true_class, predicted],
    )
    app.page.mouse.click(x, y)


def chosen_cell(app) -> tuple[str, str]:
    return selected(app, "True class"), selected(app, "Predicted class")


def test_results_open_on_the_worst_confusion_and_a_click_picks_a_cell(app):
    app.page.set_viewport_size(LAPTOP)
    app.open("train", "net=small_cnn&batch=32&epochs=2")  # after 2 epochs the small CNN still mixes up a few
    start(app.page)
    expect(app.page.get_by_text("Training finished: 2 epoch(s)")).to_be_visible(timeout=60_000)
    app.wait_idle()
    true_class, predicted = chosen_cell(app)
    assert true_class != predicted  # the worst confusion, off the diagonal
    count = re.search(r"(\d+) test image\(s\) in this cell", app.main_text())
    assert count and int(count.group(1)) > 0
    target = ("3", "3") if (true_class, predicted) != ("3", "3") else ("5", "5")
    click_cell(app, int(target[0]), int(target[1]))
    app.wait_idle()
    deadline = time.monotonic() + CHANGE_WITHIN_S
    while chosen_cell(app) != target and time.monotonic() < deadline:
        app.page.wait_for_timeout(250)
    assert chosen_cell(app) == target
    app.screenshot("train-confusion-cell-clicked-1280x800")
