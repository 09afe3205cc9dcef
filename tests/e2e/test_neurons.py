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


# The perceptron chart's axis ranges and its line traces, as plotly.js laid them out in the browser.
_PLOT = """() => {
  const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  return {x: plot._fullLayout.xaxis.range, y: plot._fullLayout.yaxis.range,
          lines: plot._fullData.filter(t => t.mode === 'lines').map(t => ({name: t.name, x: t.x, y: t.y}))};
}"""


def _assert_lines_in_view(app) -> dict:
    plot = app.page.evaluate(_PLOT)
    assert plot["x"] == [-0.5, 1.5] and plot["y"] == [-0.5, 1.5], plot
    for line in plot["lines"]:
        assert all(-0.5 - 1e-9 <= v <= 1.5 + 1e-9 for v in line["x"] + line["y"]), line
    return plot


def test_the_decision_line_stays_in_view_on_a_laptop_screen(app):
    """After the third step the line (x2 = 3.75 + 0.5 x1) used to be drawn out of the plot."""
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.open("neurons")
    _assert_lines_in_view(app)
    for _ in range(3):
        app.page.get_by_role("button", name="Step", exact=True).click()
        app.wait_idle()
    plot = _assert_lines_in_view(app)
    assert [line["name"] for line in plot["lines"]] == ["line before the step"]
    expect(app.page.locator('[data-testid="stMain"]')).to_contain_text("No decision line in view")
    for _ in range(8):
        app.page.get_by_role("button", name="Run epoch", exact=True).click()
        app.wait_idle()
        _assert_lines_in_view(app)
        if "Learned AND" in app.main_text():
            break
    assert "decision line" in [line["name"] for line in _assert_lines_in_view(app)["lines"]]
    app.page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
    app.screenshot("neurons-line-in-view-1280x800")
