"""Browser test of the Train page's "Try your model" on a 1280×800 laptop screen: the shipped digits model
reads an uploaded picture of a digit and a drawing on the canvas; a file that is not a picture gets a message."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def laptop_app(browser, app_on):
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(60_000)
    try:
        yield app_on(context.new_page())
    finally:
        context.close()


def seven_png() -> bytes:
    """A photo-sized picture of a 7 in black marker on white paper."""
    picture = np.full((300, 400, 3), 255, np.uint8)
    cv2.line(picture, (130, 60), (280, 60), (0, 0, 0), 22)
    cv2.line(picture, (280, 60), (180, 250), (0, 0, 0), 22)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue()


def stroke(app, start, end) -> None:
    """Press, drag and release on the try panel's canvas, at fractions of its width and height."""
    canvas = app.page.locator("canvas.upper-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    app.page.mouse.move(box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"])
    app.page.mouse.down()
    app.page.mouse.move(box["x"] + end[0] * box["width"], box["y"] + end[1] * box["height"], steps=12)
    app.page.mouse.up()
    app.wait_idle()


def test_upload_and_drawing_get_the_models_answer(laptop_app):
    app = laptop_app
    app.open("train")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Train a network (or load one below), then try it here")
    app.page.get_by_role("button", name="Use the default digits model").click()
    app.wait_idle()

    # Drawing: a 7 in two strokes; the network answers after each stroke.
    expect(main).to_contain_text("Draw on the white square")
    stroke(app, (0.25, 0.2), (0.75, 0.2))
    expect(main.get_by_text("What the network sees: 8×8, gray")).to_be_visible()
    stroke(app, (0.75, 0.2), (0.4, 0.85))
    expect(main.get_by_text("The network says 7")).to_be_visible()
    app.screenshot("train-try-draw-1280")

    app.page.get_by_role("radiogroup", name="Picture from").get_by_text("Upload a picture", exact=True).click()
    app.wait_idle()
    uploader = app.page.locator('[data-testid="stFileUploader"]').filter(has_text="A picture")
    uploader.locator('input[type="file"]').set_input_files(
        files=[{"name": "not-a-picture.png", "mimeType": "image/png", "buffer": b"just some text\n" * 40}]
    )
    app.wait_idle()
    expect(main.locator('[data-testid="stAlertContentError"]')).to_contain_text("That picture could not be used")
    assert "Traceback" not in app.main_text()

    uploader.locator('input[type="file"]').set_input_files(
        files=[{"name": "seven.png", "mimeType": "image/png", "buffer": seven_png()}]
    )
    app.wait_idle()
    expect(main.locator('[data-testid="stAlertContentError"]')).to_have_count(0)
    expect(main.get_by_text("The network says 7")).to_be_visible()
    main.get_by_text("What the network sees: 8×8, gray").scroll_into_view_if_needed()
    app.screenshot("train-try-upload-1280")
