"""Fourier page in a real browser: it opens by URL, and drawing a mask on the spectrum changes the reconstruction."""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import expect


def draw_stroke(app, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press, drag and release the mouse on the canvas, at fractions of its width and height."""
    # The canvas is a Fabric.js pair of <canvas> in the component's shadow DOM (Playwright's CSS pierces it);
    # the upper one takes the mouse.
    canvas = app.page.locator("canvas.upper-canvas").first
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    x0, y0 = box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"]
    x1, y1 = box["x"] + end[0] * box["width"], box["y"] + end[1] * box["height"]
    app.page.mouse.move(x0, y0)
    app.page.mouse.down()
    app.page.mouse.move(x1, y1, steps=12)
    app.page.mouse.up()
    app.wait_idle()


def test_page_opens_by_url(app):
    app.open("fourier", "mask=band-pass&band=8-40&kernel=sobel+x")
    assert app.title() == "Fourier"
    text = app.main_text()
    for words in ("Working size: 256 × 256 px", "Magnitude and phase", "Phase carries the structure", "Wrap padding"):
        assert words in text
    expect(app.image("Back to an image")).to_be_visible()
    app.screenshot("fourier")


def test_drawing_a_mask_changes_the_reconstruction(app):
    app.open("fourier", "mask=drawn")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Nothing drawn yet")
    expect(app.image("Back to an image")).to_have_count(0)

    # A stroke across the centre of the spectrum: the low frequencies, so the picture comes back blurred.
    draw_stroke(app, (0.40, 0.45), (0.60, 0.55))
    expect(main).not_to_contain_text("Nothing drawn yet")
    picture = app.image("Back to an image")
    expect(picture).to_be_visible()
    first = picture.get_attribute("src")

    # A second stroke further out adds finer stripes: a different mask, a different reconstruction.
    draw_stroke(app, (0.15, 0.20), (0.30, 0.20))
    expect(app.image("Back to an image")).not_to_have_attribute("src", first)
    assert "The mask keeps" in app.main_text()
    app.screenshot("fourier-drawn")


@pytest.mark.parametrize("viewport", [None, {"width": 1280, "height": 800}], ids=["tall", "1280x800"])
def test_the_row_spectrums_log_axis_has_one_label_per_power_of_ten(app, viewport):
    """The |DFT| plot's log axis used to label 2 and 5 of every decade too: a crowded column of numbers."""
    if viewport:
        app.page.set_viewport_size(viewport)
    app.open("fourier")
    chart = app.page.locator('[data-testid="stPlotlyChart"]').first
    labels = [t.strip() for t in chart.locator(".yaxislayer-above .y2tick text").all_text_contents()]
    assert 2 <= len(labels) <= 6, labels
    values = [float(label.replace("−", "-")) for label in labels]
    assert all(abs(math.log10(v) - round(math.log10(v))) < 1e-9 for v in values), labels  # 0.1, 1, 10, 100...
    chart.scroll_into_view_if_needed()
    app.screenshot(f"fourier-row-spectrum-{'tall' if viewport is None else '1280x800'}")
