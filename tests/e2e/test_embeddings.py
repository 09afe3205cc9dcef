"""Browser tests of "Embeddings": both maps paint (screenshots at 1280×800 and tall), a click on a dot shows
that test image, and for a network trained in this session on the Train page the epoch slider moves the dots."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e import harness

LAPTOP = {"width": 1280, "height": 800}
MAPS_TIMEOUT_S = 180  # a cold worker imports torch and openTSNE before the first t-SNE
PLOTS = ".js-plotly-plot"


def wait_for_plots(app, count: int) -> None:
    """Until ``count`` plotly charts are drawn and the app is idle (the waiting fragment reruns the page)."""
    deadline = time.monotonic() + MAPS_TIMEOUT_S
    while app.page.locator(PLOTS).count() < count:
        assert time.monotonic() < deadline, f"fewer than {count} charts after {MAPS_TIMEOUT_S} s"
        app.page.wait_for_timeout(500)
    app.wait_idle()
    app.page.wait_for_timeout(1000)  # plotly's glide between frames


def point_positions(app, plot: int) -> list[str]:
    """The ``transform`` (screen position) of every dot of the ``plot``-th chart's first trace."""
    points = app.page.locator(PLOTS).nth(plot).locator(".scatterlayer .trace").first.locator("path.point")
    return [points.nth(i).get_attribute("transform") for i in range(points.count())]


def shown_image(app) -> str:
    return re.search(r"Test image \d+", app.main_text()).group(0)


def test_maps_paint_and_a_click_shows_that_image(app):
    app.page.set_viewport_size(LAPTOP)
    app.open("embeddings")
    wait_for_plots(app, 2)
    app.page.screenshot(path=f"{harness.SCREENSHOTS}/embeddings_digits_1280.png")
    app.page.set_viewport_size({"width": 1280, "height": 2600})
    app.wait_idle()
    app.screenshot("embeddings_digits")
    assert shown_image(app) == "Test image 0"
    # The CSV: a header and one row per test image, read back with the csv module
    with app.page.expect_download() as download:
        app.page.get_by_role("button", name="Download the map as CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"), newline="")))
    assert rows[0][:5] == ["index", "pixels_tsne_x", "pixels_tsne_y", "features_tsne_x", "features_tsne_y"]
    assert len(rows) == 1 + 359 and [row[0] for row in rows[1:4]] == ["0", "1", "2"]
    app.wait_idle()
    # Click a dot of the class "1" on the feature map (the second trace: class 1)
    dot = app.page.locator(PLOTS).nth(1).locator(".scatterlayer .trace").nth(1).locator("path.point").nth(3)
    dot.scroll_into_view_if_needed()
    dot.click(force=True)
    deadline = time.monotonic() + 30
    while shown_image(app) == "Test image 0" and time.monotonic() < deadline:
        app.page.wait_for_timeout(250)
    app.wait_idle()
    assert shown_image(app) != "Test image 0"
    assert "true class: 1" in app.main_text()


def test_shapes_maps_paint(app):
    app.open("embeddings", "model=shapes")
    wait_for_plots(app, 2)
    assert "784 numbers per image" in app.main_text()
    app.page.set_viewport_size(LAPTOP)
    app.wait_idle()
    app.page.screenshot(path=f"{harness.SCREENSHOTS}/embeddings_shapes_1280.png")
    app.page.set_viewport_size({"width": 1280, "height": 2600})
    app.screenshot("embeddings_shapes")


def test_the_epoch_slider_moves_the_points(app):
    app.open("train", "epochs=3")
    app.page.get_by_role("button", name="Start training").click()
    expect(app.page.get_by_text(re.compile(r"Training finished: 3 epoch"))).to_be_visible(timeout=120_000)
    app.wait_idle()
    app.sidebar().locator('[data-testid="stSidebarNavLink"]').filter(has_text="Embeddings").first.click()
    app.page.wait_for_url(re.compile(r"/embeddings"))
    wait_for_plots(app, 3)
    assert "Your model" in app.main_text() or "own" in app.page.url
    expect(app.page.get_by_text(re.compile(r"After epoch 3 of 3"))).to_be_visible()
    app.screenshot("embeddings_session")
    before = point_positions(app, 2)
    assert len(before) > 5
    slider = app.page.locator('[data-testid="stSlider"]').filter(has_text="Epoch").get_by_role("slider")
    slider.focus()
    slider.press("Home")  # epoch 1
    expect(app.page.get_by_text(re.compile(r"After epoch 1 of 3"))).to_be_visible(timeout=30_000)
    app.wait_idle()
    app.page.wait_for_timeout(1500)  # the dots glide for 0.6 s
    after = point_positions(app, 2)
    assert len(after) == len(before)
    moved = sum(a != b for a, b in zip(before, after, strict=True))
    assert moved > len(before) // 2, (moved, len(before))
    # Play steps through the epochs by itself and stops at the last one
    app.page.get_by_role("button", name="Play").click()
    expect(app.page.get_by_text(re.compile(r"After epoch 2 of 3"))).to_be_visible(timeout=15_000)
    expect(app.page.get_by_text(re.compile(r"After epoch 3 of 3"))).to_be_visible(timeout=15_000)
    expect(app.page.get_by_role("button", name="Play")).to_be_visible(timeout=15_000)
    app.wait_idle()
    assert point_positions(app, 2) != after
