"""Edges & gradients in a real browser: the page opens cleanly on its first section, the section chooser's
buttons show one section at a time (and go into the link), and moving the Sobel size or a Canny threshold with
the keyboard changes the picture it drives (and the link)."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect


def _press(app, slider_label: str, key: str, *, thumb: int = 0) -> None:
    """Focus a slider's thumb and press ``key`` once (as a keyboard user would), then wait for the rerun."""
    slider = app.page.locator('[data-testid="stSlider"]').filter(has_text=slider_label)
    handle = slider.get_by_role("slider").nth(thumb)
    handle.focus()
    handle.press(key)
    app.wait_idle()


# The section chooser's buttons, each with its section's heading and one of its pictures' captions.
SECTIONS = [
    ("Sobel gradient", "gradient", "The gradient, with Sobel kernels", "gx: change to the right"),
    ("Direction & threshold", "direction", "The gradient's direction, and a threshold", "Direction atan2"),
    ("Smoothing & Laplacian", "smoothing", "Why smooth first", "Laplacian after"),
    ("Canny", "canny", "Canny, step by step", "5. Hysteresis"),
    ("Harris corners", "harris", "Harris corners", "Harris score"),
    ("Hough lines & circles", "hough", "Hough transform: lines and circles", "Accumulator"),
]


def _choose(app, button: str) -> None:
    """Click the section chooser's button ``button`` (``st.segmented_control`` draws one button per option)."""
    chooser = app.page.locator('[data-testid="stButtonGroup"]')
    chooser.get_by_role("radio", name=button, exact=True).click()  # buttons with role="radio"
    app.wait_idle()


def test_edges_page_shows_one_section_at_a_time(app):
    app.open("edges")
    assert app.title() == "Edges & gradients"
    headings = app.page.locator('[data-testid="stMain"] h2')
    expect(headings).to_have_count(1)
    expect(headings).to_contain_text("The gradient, with Sobel kernels")
    seen = set()
    for button, name, heading, caption in SECTIONS[1:] + SECTIONS[:1]:
        _choose(app, button)
        expect(headings).to_have_count(1)
        expect(headings).to_contain_text(heading)
        src = app.image_src(caption)
        assert src not in seen
        seen.add(src)
        if name == "gradient":  # the first section is the default: not in the link
            assert "show=" not in app.page.url, app.page.url
        else:
            assert re.search(rf"[?&]show={name}\b", app.page.url), app.page.url
        for other, *_, other_caption in SECTIONS:  # no other section's pictures
            if other != button:
                expect(app.image(other_caption)).to_have_count(0)
    _choose(app, "Hough lines & circles")
    assert "longest side at most 320 px" in app.main_text()
    app.screenshot("edges")


def test_a_link_opens_a_section(app):
    app.open("edges", "show=harris")
    expect(app.page.locator('[data-testid="stMain"] h2')).to_have_text(["Harris corners"])
    assert app.image_src("Harris score")
    selected = app.page.locator('[data-testid="stButtonGroup"]').get_by_role("radio", checked=True)
    expect(selected).to_have_text(["Harris corners"])


def test_sobel_size_and_canny_threshold_change_their_pictures(app):
    app.open("edges")
    sobel_before = app.image_src("gx: change to the right")
    _choose(app, "Canny")
    canny_before = app.image_src("5. Hysteresis")
    _choose(app, "Sobel gradient")

    _press(app, "Sobel kernel size", "ArrowRight")  # 3 -> 5
    expect(app.page.locator('[data-testid="stSlider"]').filter(has_text="Sobel kernel size")).to_contain_text("5")
    assert app.image_src("gx: change to the right") != sobel_before
    assert re.search(r"[?&]ksize=5\b", app.page.url), app.page.url
    _choose(app, "Canny")
    assert app.image_src("5. Hysteresis") == canny_before  # Canny has its own 3 x 3 gradient

    _press(app, "Low and high thresholds", "ArrowRight", thumb=1)  # high: 0.15 -> 0.16
    assert app.image_src("5. Hysteresis") != canny_before
    assert re.search(r"[?&]canny=0\.05(%2C|,)0\.16\b", app.page.url), app.page.url
    assert re.search(r"[?&]ksize=5\b", app.page.url), app.page.url  # the other section's setting is kept
    app.screenshot("edges-changed")


def test_automatic_thresholds_show_in_the_disabled_slider(app):
    """With the median rule on, the disabled slider used to keep showing the hand-set (unused) thresholds."""
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.open("edges")
    _choose(app, "Canny")
    app.page.get_by_text("Automatic thresholds (median rule)").click()
    app.wait_idle()
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("The median rule gives low = ")
    low, high = map(float, re.search(r"gives low = (\d+\.\d+), high = (\d+\.\d+)", app.main_text()).groups())
    slider = app.page.locator('[data-testid="stSlider"]').filter(has_text="set by the median rule")
    thumbs = slider.get_by_role("slider")  # range inputs, one per thumb
    expect(thumbs).to_have_count(2)
    shown = [float(thumb.input_value()) for thumb in thumbs.all()]
    assert shown == pytest.approx([low, high], abs=6e-4), (shown, low, high)
    assert all(thumb.is_disabled() for thumb in thumbs.all())
    # The numbers drawn over the thumbs are the ones in use (3 decimals), not the hand-set 0.05 and 0.15.
    expect(slider.locator('[data-testid="stSliderThumbValue"]')).to_have_text([f"{low:.3f}", f"{high:.3f}"])
    slider.scroll_into_view_if_needed()
    app.screenshot("edges-auto-thresholds-1280x800")


def test_gx_is_drawn_on_a_robust_scale(app):
    """gx used to be scaled by its largest value: one sharp edge set the scale and every other edge was a pale
    tint. Now about the strongest 1 % of pixels reach full colour and ordinary edges are clearly coloured."""
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.open("edges")
    src = app.image_src("gx: change to the right")
    response = app.page.request.get(app.base_url + src if src.startswith("/") else src)
    picture = np.asarray(Image.open(io.BytesIO(response.body())).convert("RGB")).astype(np.float64) / 255
    red, blue = np.array([0.70, 0.09, 0.17]), np.array([0.13, 0.40, 0.67])  # explorer.core.display's ends
    # How far each pixel is from white towards its end colour, 0 (white) .. 1 (full colour).
    towards = np.maximum(
        ((1 - picture) @ (1 - red)) / ((1 - red) @ (1 - red)), ((1 - picture) @ (1 - blue)) / ((1 - blue) @ (1 - blue))
    )
    full = float((towards > 0.97).mean())
    assert 0.005 <= full <= 0.02, full  # the top 1 % (ties and rounding aside), not one pixel
    assert float((towards > 0.25).mean()) >= 0.05  # a visible share of the picture is coloured, not near-white
    caption = app.image("gx: change to the right").locator("xpath=../..").inner_text()
    assert re.search(r"full colour at ±0\.\d\d", caption), caption
    app.page.locator('[data-testid="stImage"]').filter(has_text="gx: change").scroll_into_view_if_needed()
    app.screenshot("edges-gradients-1280x800")
