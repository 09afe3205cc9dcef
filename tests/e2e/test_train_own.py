"""Browser tests of "Train a CNN" with your own pictures, as Teachable Machine does: a ZIP of class folders,
pictures per class from the camera (Chromium's fake camera), then the trained model downloaded and loaded back."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e import harness

PICTURES_PER_CLASS = 6
# A hostile class folder name (no "/": that would make it a path): shown as text, never as markup.
HOSTILE = "<img src=x onerror=alert(1)> **b**"  # under the 40 characters a class name keeps


def stripes_png(vertical: bool, seed: int) -> bytes:
    """A 40×40 picture of stripes (vertical or horizontal) with a little seeded noise."""
    rng = np.random.default_rng(seed)
    ramp = (np.arange(40) // 5 % 2 * 200 + 20).astype(np.float64)
    image = np.tile(ramp, (40, 1)) if vertical else np.tile(ramp[:, None], (1, 40))
    image = np.clip(image + rng.normal(0, 15, image.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def class_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(PICTURES_PER_CLASS):
            archive.writestr(f"vertical/{index}.png", stripes_png(True, index))
            archive.writestr(f"{HOSTILE}/{index}.png", stripes_png(False, 100 + index))
    return buffer.getvalue()


def upload(app, label: str, name: str, data: bytes, mime: str) -> None:
    uploader = app.page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    uploader.locator('input[type="file"]').set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    app.wait_idle()


def test_zip_of_class_folders_trains_and_the_model_round_trips(app, tmp_path):
    app.open("train", "data=own&own_size=16&epochs=3")
    upload(app, "ZIP archive", "classes.zip", class_zip(), "application/zip")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text(f"{2 * PICTURES_PER_CLASS} images of 16×16 pixels, colour")

    app.page.get_by_role("button", name="Start training").click()
    expect(app.page.get_by_text("Training finished: 3 epoch(s)")).to_be_visible(timeout=60_000)
    app.wait_idle()
    expect(app.page.get_by_text("Test accuracy:")).to_be_visible()
    # The hostile folder name labels the confusion matrix and the class pickers as text, never as markup.
    expect(main).to_contain_text(HOSTILE)
    assert main.locator('img[src="x"], a[href="x"], strong:text-is("b")').count() == 0
    app.screenshot("train-own-zip")

    # Right after training, the model answers on a picture of your own, seen as its training pictures were.
    app.page.get_by_role("radiogroup", name="Picture from").get_by_text("Upload a picture", exact=True).click()
    app.wait_idle()
    upload(app, "A picture", "mine.png", stripes_png(True, 999), "image/png")
    expect(main.get_by_text("What the network sees: 16×16, colour")).to_be_visible()
    said = main.locator('[data-testid="stMarkdownContainer"]').filter(has_text="The network says")
    expect(said).to_have_count(1)
    assert "The network says vertical" in said.inner_text() or f"The network says {HOSTILE}" in said.inner_text()

    with app.page.expect_download() as download_info:
        app.page.get_by_role("button", name="Download the model").click()
    path = tmp_path / "model.safetensors"
    download_info.value.save_as(path)
    data = path.read_bytes()
    (header_length,) = struct.unpack("<Q", data[:8])  # safetensors: a little-endian length, then JSON
    header = json.loads(data[8 : 8 + header_length])
    assert any(name.endswith("weight") for name in header if name != "__metadata__")

    upload(app, "Load a model", "my-model.safetensors", data, "application/octet-stream")
    expect(app.page.get_by_text("Model: loaded from my-model.safetensors.", exact=True)).to_be_visible()
    assert not app.page.locator('[data-testid="stAlertContentError"]').count()


def test_a_zip_that_is_not_a_data_set_yet_says_why_and_keeps_the_page(app):
    app.open("train", "data=own&own_size=16")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(PICTURES_PER_CLASS):
            archive.writestr(f"vertical/{index}.png", stripes_png(True, index))
        for index in range(3):  # too few for a class
            archive.writestr(f"horizontal/{index}.png", stripes_png(False, 100 + index))
    upload(app, "ZIP archive", "short.zip", buffer.getvalue(), "application/zip")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main.locator('[data-testid="stAlertContentError"]')).to_contain_text(
        "This ZIP does not make a data set: class 'horizontal' has 3 usable image(s)"
    )
    expect(main).to_contain_text("7. Save or load a model")  # nothing below is hidden
    expect(app.page.get_by_role("button", name="Start training")).to_be_disabled()


@pytest.fixture
def camera_page(browser):
    """A tab of a second Chromium whose camera is a fake device (a synthetic picture), allowed without asking."""
    camera_browser = harness.launch_chromium(
        browser.browser_type, extra_args=("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")
    )
    try:
        context = camera_browser.new_context(viewport={"width": 1400, "height": 2600})
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
    finally:
        camera_browser.close()


def test_camera_pictures_per_class_make_a_data_set(camera_page, app_on):
    app = app_on(camera_page)
    app.open("train", "data=own&own=classes&classes=2&class1=left&class2=right&camera=1&own_size=16")
    camera = camera_page.locator('[data-testid="stCameraInput"]')
    expect(camera).to_have_count(1)  # one video stream, whatever the number of classes
    main = camera_page.locator('[data-testid="stMain"]')
    # The whole page is there before any picture: the network for 16×16 colour pictures, Start waiting.
    expect(main).to_contain_text("2. The network")
    expect(main).to_contain_text("7. Save or load a model")
    expect(camera_page.get_by_role("button", name="Start training")).to_be_disabled()
    progress = camera_page.locator('[data-testid="stProgress"]')
    thumbnails = main.locator('[data-testid="stImage"]').filter(has_not_text="The first images")  # not the preview
    counts = [0, 0]
    for index, name in enumerate(("left", "right")):
        camera_page.get_by_role("radiogroup", name="The next picture goes to").get_by_text(name, exact=True).click()
        app.wait_idle()
        for _ in range(5):
            # No "Clear photo" between shots: after each photo the camera is live again.
            camera.get_by_role("button", name="Take Photo").click()
            app.wait_idle()
            counts[index] += 1
            texts = [
                f"{n}: {c} of 5" if c < 5 else f"{n}: {c} pictures, enough" for n, c in zip(("left", "right"), counts)
            ]
            expect(progress).to_have_text(texts)
            expect(thumbnails).to_have_count(sum(counts))
            expect(camera.get_by_role("button", name="Take Photo")).to_be_enabled()
        if index == 0:
            expect(main).to_contain_text("Still short: right: 0 of 5")
    expect(main).to_contain_text("10 images of 16×16 pixels, colour")
    expect(camera_page.get_by_role("button", name="Start training")).to_be_enabled()
    app.screenshot("train-own-camera")

    # A thumbnail's ✕ forgets that picture: the class is one short again, and Start waits.
    main.get_by_role("button", name="✕").first.click()
    app.wait_idle()
    expect(progress).to_have_text(["left: 4 of 5", "right: 5 pictures, enough"])
    expect(thumbnails).to_have_count(9)
    expect(camera_page.get_by_role("button", name="Start training")).to_be_disabled()


def test_the_try_panel_takes_a_camera_photo(camera_page, app_on):
    app = app_on(camera_page)
    app.open("train")
    camera_page.get_by_role("button", name="Use the default digits model").click()
    app.wait_idle()
    camera_page.get_by_role("radiogroup", name="Picture from").get_by_text("Camera", exact=True).click()
    app.wait_idle()
    main = camera_page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Take a photo: the network answers at once.")
    camera_page.locator('[data-testid="stCameraInput"]').get_by_role("button", name="Take Photo").click()
    app.wait_idle()
    expect(main.get_by_text("What the network sees: 8×8, gray")).to_be_visible()
    expect(main.locator('[data-testid="stMarkdownContainer"]').filter(has_text="The network says")).to_have_count(1)
