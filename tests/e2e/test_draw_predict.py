"""Browser tests of the Draw & predict page: drawing a digit on the canvas (mouse strokes on the canvas element)
gives the shipped digits model's prediction, the preprocessing steps and the class pictures (a worker job);
a ring drawn for the shapes model is a ring. Screenshots at 1280×800 and on a tall viewport."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

LAPTOP = {"width": 1280, "height": 800}
TALL = {"width": 1280, "height": 4200}


@pytest.fixture
def tab_at(browser, app_on):
    contexts = []

    def open_tab(viewport):
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(60_000)
        contexts.append(context)
        return app_on(context.new_page())

    try:
        yield open_tab
    finally:
        for context in contexts:
            context.close()


def stroke(app, points) -> None:
    """Press at the first point, drag through the others, release: fractions of the canvas's width and height."""
    # The canvas is a Fabric.js pair of <canvas> elements; the upper one takes the mouse.
    canvas = app.page.locator("canvas.upper-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x0, y0 = points[0]
    app.page.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
    app.page.mouse.down()
    for x, y in points[1:]:
        app.page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=12)
    app.page.mouse.up()
    app.wait_idle()


def draw_seven(app) -> None:
    stroke(app, [(0.3, 0.15), (0.7, 0.15)])
    stroke(app, [(0.7, 0.15), (0.4, 0.9)])


@pytest.mark.parametrize("viewport, name", [(LAPTOP, "1280"), (TALL, "tall")])
def test_drawing_a_digit_gives_a_prediction(tab_at, viewport, name):
    app = tab_at(viewport)
    app.open("draw")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Draw on the canvas: the network answers after every stroke.")
    draw_seven(app)
    expect(main.get_by_text("The network says 7")).to_be_visible()
    expect(main.get_by_text("8×8: the ink in each 4×4 block, 0–16")).to_be_visible()
    expect(main.get_by_text("over the input")).to_be_visible()
    # the class pictures come from a worker: they appear by themselves
    expect(main.locator('[data-testid="stImage"]').filter(has_text="channel 0 of")).to_be_visible(timeout=90_000)
    app.wait_idle()
    assert "Traceback" not in app.main_text()
    if name == "1280":
        main.get_by_text("The network says 7").scroll_into_view_if_needed()
    app.screenshot(f"draw-predict-digits-{name}")


@pytest.mark.parametrize("viewport, name", [(LAPTOP, "1280"), (TALL, "tall")])
def test_the_shapes_model_reads_a_drawn_ring(tab_at, viewport, name):
    app = tab_at(viewport)
    app.open("draw", "model=shapes")
    main = app.page.locator('[data-testid="stMain"]')
    circle = [(0.5 + 0.3 * x, 0.5 + 0.3 * y) for x, y in _circle(24)]
    stroke(app, circle)
    expect(main.get_by_text("The network says ring")).to_be_visible()
    expect(main.locator('[data-testid="stImage"]').filter(has_text="channel 0 of")).to_be_visible(timeout=90_000)
    app.wait_idle()
    if name == "1280":
        main.get_by_text("The network says ring").scroll_into_view_if_needed()
    app.screenshot(f"draw-predict-shapes-{name}")


def _circle(points: int) -> list[tuple[float, float]]:
    import math

    return [(math.cos(2 * math.pi * k / points), math.sin(2 * math.pi * k / points)) for k in range(points + 1)]
