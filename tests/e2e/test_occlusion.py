"""Occlusion page in a real browser: it renders, and clicking the painting image changes the probabilities (and,
on the right pixels of a digit, passes the challenge)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

# Digits test image 1 is a 9; graying these pixels (row, column) makes the default model say 5 (see
# tests/app/test_occlusion.py).
HIDING_PIXELS = [(3, 5), (2, 5), (5, 2)]


def paint_picture(app):
    """The clickable painting picture: the last image-coordinates component (the test-image grid is the first)."""
    frame = app.page.frame_locator('iframe[title*="streamlit_image_coordinates"]').last
    picture = frame.locator("img").first
    expect(picture).to_be_visible()
    return picture


def answer_line(app) -> str:
    """The line above the probability bars: "The network says 9 (100%)…", "Still 9: …", "Now 5 …"."""
    text = app.main_text()
    return re.search(r"^(The network says|Still|Now) .*$", text, re.MULTILINE).group(0)


def test_clicking_the_image_changes_the_probabilities(app):
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.open("occlusion", "i=1")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("1. Slide a square over the image")
    expect(main).to_contain_text("0 squares, 0 of 64 pixels painted")
    app.screenshot("occlusion-1280x800")
    before = answer_line(app)
    assert before.startswith("The network says 9"), before
    chart = app.page.locator('[data-testid="stPlotlyChart"]').last
    chart_before = chart.inner_text()

    for done, (row, col) in enumerate(HIDING_PIXELS, start=1):
        picture = paint_picture(app)
        box = picture.bounding_box()
        picture.click(position={"x": (col + 0.5) * box["width"] / 8, "y": (row + 0.5) * box["height"] / 8})
        app.wait_idle()
        expect(main).to_contain_text(f"{done} square{'s' if done > 1 else ''}, {done} of 64 pixels painted")
        if done == 1:
            after = answer_line(app)
            assert after.startswith("Still 9") and after != before, after
            assert chart.inner_text() != chart_before  # the bars' percentages moved
    assert answer_line(app).startswith("Now 5"), answer_line(app)
    expect(app.page.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text("Passed!")

    app.page.get_by_role("button", name="Undo").click()
    app.wait_idle()
    expect(main).to_contain_text("2 squares, 2 of 64 pixels painted")
    height = app.page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    app.page.set_viewport_size({"width": 1280, "height": min(height + 100, 6000)})
    app.wait_idle()
    app.screenshot("occlusion-painted-tall")


def test_shapes_renders(app):
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.open("occlusion", "model=shapes")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("169 positions of a 4×4 window, stride 2")
    expect(app.image("when hidden")).to_be_visible()
    app.screenshot("occlusion-shapes-1280x800")
