"""The sidebar uploader in a real browser: a corrupt file gets a friendly message, and the app keeps working."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from playwright.sync_api import expect


def png_bytes(rows: int, cols: int) -> bytes:
    """A small valid colour PNG, made at test time (a gradient, so it is not one flat colour)."""
    ramp = np.linspace(0, 255, cols, dtype=np.uint8)
    image = np.stack([np.tile(ramp, (rows, 1))] * 3, axis=-1)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def choose_upload(app) -> None:
    app.sidebar().get_by_text("Upload", exact=True).click()
    app.wait_idle()


def upload(app, name: str, data: bytes, mime: str) -> None:
    file_input = app.sidebar().locator('[data-testid="stFileUploader"] input[type="file"]')
    file_input.set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    app.wait_idle()


def test_corrupt_upload_shows_a_friendly_error_and_the_app_keeps_working(app):
    app.open("kernels")
    sidebar = app.sidebar()
    expect(sidebar).to_contain_text("Current image: astronaut")
    choose_upload(app)
    upload(app, "bad.png", b"this is not a picture, just some text\n" * 20, "image/png")

    error = sidebar.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text("That image could not be used:")
    assert "Traceback" not in error.inner_text()
    expect(sidebar).to_contain_text("Current image: astronaut")  # the previous image stays selected
    app.screenshot("upload-corrupt")

    # Still working: another page runs cleanly, and a real image is then accepted.
    sidebar.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Color").click()
    app.wait_idle()
    upload(app, "ramp.png", png_bytes(40, 60), "image/png")
    expect(sidebar).to_contain_text("Current image: your upload · 40 × 60 px")
    expect(sidebar.locator('[data-testid="stAlertContentError"]')).to_have_count(0)
    app.screenshot("upload-valid")
