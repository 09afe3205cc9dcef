"""Images are numbers and Color in a real browser: a link restores a region, a selectbox changes the pictures."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from explorer.images import samples


def test_link_opens_images_are_numbers_on_a_given_region(app):
    app.open("images-are-numbers", "row=10&col=20&size=4&ch=R")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("The region's R values, rows 10–13, columns 20–23")
    app.screenshot("images-are-numbers-link")


def test_choosing_a_colour_space_changes_the_channel_pictures(app):
    app.open("color")
    pictures = app.page.locator('[data-testid="stImage"]')
    expect(pictures.filter(has_text="H: hue")).to_have_count(1)
    before = pictures.filter(has_text="H: hue").locator("img").get_attribute("src")

    box = app.page.locator('[data-testid="stSelectbox"]').filter(has_text="Colour space")
    box.click()
    app.page.get_by_role("option", name="Lab", exact=True).click()
    app.wait_idle()

    lightness = pictures.filter(has_text="L: lightness")
    expect(lightness).to_have_count(1)
    assert lightness.locator("img").get_attribute("src") != before
    expect(pictures.filter(has_text="H: hue")).to_have_count(0)
    assert re.search(r"[?&]space=Lab\b", app.page.url), app.page.url  # the choice is in the link
    app.screenshot("color-lab")


def test_hovering_the_overview_reads_the_stored_pixel_values(app):
    """The overview is sent as a lossless picture; hovering must still name a pixel and its true R, G, B."""
    app.open("images-are-numbers")
    astronaut = samples.load_builtin("sample:astronaut")  # what the picker loads (skimage's file)
    chart = app.page.locator('[data-testid="stPlotlyChart"]').first
    drag = chart.locator(".nsewdrag").first
    box = drag.bounding_box()
    label = chart.locator(".hoverlayer .hovertext")
    seen, text = set(), ""
    for fx, fy in ((0.3, 0.4), (0.62, 0.55), (0.8, 0.2)):
        app.page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        previous = text
        for _ in range(50):  # the label follows the mouse a frame or two later
            text = " ".join(label.locator("text").all_text_contents())
            if text and text != previous:
                break
            app.page.wait_for_timeout(50)
        found = re.search(r"row (\d+), col (\d+)\s*R (\d+)\s+G (\d+)\s+B (\d+)", text)
        assert found, text
        row, col, *rgb = map(int, found.groups())
        assert row % 2 == 0 and col % 2 == 0, text  # every 2nd pixel of a 512 px image: 256 px shown
        assert rgb == astronaut[row, col].tolist(), (text, astronaut[row, col])
        seen.add((row, col))
    assert len(seen) == 3


@pytest.mark.parametrize("viewport", [None, {"width": 1280, "height": 800}], ids=["tall", "1280x800"])
def test_region_heatmap_has_exactly_the_regions_rows(app, viewport):
    """The heatmap used to stretch its y range to fill its box: empty rows above and below the region."""
    if viewport:
        app.page.set_viewport_size(viewport)
    for size in (8, 12, 20):
        app.open("images-are-numbers", f"row=100&col=50&size={size}")
        heatmap = app.page.locator('[data-testid="stPlotlyChart"]').nth(1)
        expect(heatmap.locator(".heatmaplayer")).to_have_count(1)
        step = 1 if size <= 12 else 2
        row_ticks = heatmap.locator(".yaxislayer-above .ytick text")
        col_ticks = heatmap.locator(".xaxislayer-above .xtick text")
        expect(row_ticks).to_have_count(len(range(0, size, step)))  # fails too if blank rows get ticks of their own
        # SVG text: textContent, not innerText; the DOM lists a reversed axis's ticks bottom-up.
        rows = sorted(int(text) for text in row_ticks.all_text_contents())
        cols = sorted(int(text) for text in col_ticks.all_text_contents())
        assert rows == list(range(100, 100 + size, step)), rows
        assert cols == list(range(50, 50 + size, step)), cols
        # The cells fill the plot area from its top edge to its bottom edge: no blank band of rows.
        cells = heatmap.locator(".heatmaplayer image").bounding_box()
        area = heatmap.locator(".nsewdrag").first.bounding_box()
        assert abs(cells["y"] - area["y"]) <= 1 and abs(cells["height"] - area["height"]) <= 1, (cells, area)
        assert abs(cells["height"] - cells["width"]) <= 2, cells  # square pixels
    app.screenshot(f"images-are-numbers-region-20-{'tall' if viewport is None else '1280x800'}")
