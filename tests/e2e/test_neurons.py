"""Neurons page in a real browser: a deep link, Step / Run epoch moving the decision line, typed logits."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_stepping_the_perceptron_in_the_browser(app):
    app.open("neurons")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("weighted sum: 0.8 · 1 + 0.4 · (−1) = 0.4")
    expect(main).to_contain_text("Last step: none yet")
    charts = app.page.locator('[data-testid="stPlotlyChart"]')
    expect(charts.first).to_be_visible()

    for _ in range(3):
        app.page.get_by_role("button", name="Step", exact=True).click()
        app.wait_idle()
    # The third example, (1, 0), fires wrongly: w = (0.8, 0.4) + 1 · (−1) · (1, 0).
    expect(main).to_contain_text("w ← (0.8, 0.4) + 1 · (−1) · (1, 0) = (−0.2, 0.4)")
    expect(main).to_contain_text("line before the step")  # the plot's legend shows the old line

    for _ in range(8):
        app.page.get_by_role("button", name="Run epoch", exact=True).click()
        app.wait_idle()
        if "Learned AND" in app.main_text():
            break
    expect(main).to_contain_text("Learned AND")
    app.screenshot("neurons-and-learned")


def test_deep_link_and_typed_logits(app):
    app.open("neurons", "gate=XOR&act=relu&seed=6")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("ReLU. f(z) = max(0, z)")
    expect(main).to_contain_text("This start got stuck")
    logits = app.page.get_by_label("Logits, separated by commas")
    logits.fill("1000, 1001")
    logits.press("Enter")
    app.wait_idle()
    expect(main).to_contain_text("0.731")  # softmax([1000, 1001]) = (0.269, 0.731)
    assert re.search(r"[?&]logits=1000", app.page.url), app.page.url
    app.screenshot("neurons-xor-link")
