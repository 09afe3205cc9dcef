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
    kept = camera_page.locator('[data-testid="stCaptionContainer"]').filter(has_text="camera picture(s) kept")
    counts = [0, 0]
    for index, name in enumerate(("left", "right")):
        camera_page.get_by_role("radiogroup", name="The next picture goes to").get_by_text(name, exact=True).click()
        app.wait_idle()
        for _ in range(5):
            camera.get_by_role("button", name="Take Photo").click()
            app.wait_idle()
            counts[index] += 1
            expect(kept).to_have_text([f"{n} camera picture(s) kept for this class" for n in counts])
            camera.get_by_role("button", name="Clear photo").click()  # ready for the next picture
            app.wait_idle()
    expect(camera_page.locator('[data-testid="stMain"]')).to_contain_text("10 images of 16×16 pixels, colour")
    expect(camera_page.get_by_role("button", name="Start training")).to_be_enabled()
    app.screenshot("train-own-camera")
