"""CNN anatomy in a real browser: a deep link restores the network and the eye, the shift slider moves it."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_deep_link_opens_lenet_with_the_eye_moved(app):
    app.open("cnn-anatomy", "arch=lenet5&input=lenet&shift=4")
    assert app.title() == "CNN anatomy"
    # 156 + 2,416 + 48,120 + 10,164 + 850
    assert app.metric_value("Total parameters") == "61,706"
    assert app.metric_value("Conv peak column") == "18"  # the eye's centre: 14 + 4
    expect(app.page.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)
    app.screenshot("cnn-anatomy-deep-link")


def test_shift_slider_moves_the_conv_peak(app):
    app.open("cnn-anatomy")
    assert app.metric_value("Conv peak column") == "14"
    slider = app.page.locator('[data-testid="stSlider"]').filter(has_text="Move the eye").get_by_role("slider")
    for _ in range(3):
        # One step at a time: quick key presses can be merged into fewer reruns by the slider.
        slider.focus()
        slider.press("ArrowRight")
        app.wait_idle()
    app.page.wait_for_url(re.compile(r"[?&]shift=3\b"))
    app.wait_idle()
    expect(app.metric("Conv peak column")).to_have_text("17")
    app.screenshot("cnn-anatomy-shifted")
