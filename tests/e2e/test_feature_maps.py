"""Feature maps & filters in a real browser: the page paints for the default digits and shapes models (screenshots
at 1280 × 800 and tall), and a click on a layer's grid of maps enlarges the map clicked."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.e2e import harness


@pytest.mark.parametrize("model", ["digits", "shapes"])
def test_the_page_paints_for_the_default_models(app, model):
    app.open("feature-maps", f"model={model}")
    assert app.title() == "Feature maps & filters"
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Every layer's feature maps")
    expect(main).to_contain_text("Your kernel inside the network")
    expect(app.page.get_by_text(re.compile(r"^#\d+ · "))).to_have_count(9)  # the top test patches
    app.screenshot(f"feature-maps-{model}-tall")
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.wait_idle()
    os.makedirs(harness.SCREENSHOTS, exist_ok=True)
    app.page.screenshot(path=os.path.join(harness.SCREENSHOTS, f"feature-maps-{model}-1280x800.png"))


def test_clicking_a_map_in_the_grid_enlarges_it(app):
    app.open("feature-maps")
    expect(app.image("channel 0:")).to_be_visible()
    # the second clickable picture: the first is the test-image grid of the input chooser
    frame = app.page.frame_locator('iframe[title*="streamlit_image_coordinates"]').nth(1)
    grid = frame.locator("img").first
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    # 32 maps of conv1, 16 to a row: the middle of the fourth map of the second row
    cell = (box["width"] + 2) / 16
    grid.click(position={"x": 3.5 * cell, "y": 1.5 * cell})
    app.wait_idle()
    expect(app.image("channel 19:")).to_be_visible()
    assert app.page.locator('input[aria-label="Channel"]').input_value() == "19"
    app.page.wait_for_url(re.compile(r"[?&]channel=19\b"))
