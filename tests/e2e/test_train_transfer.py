"""Browser test of transfer learning on "Train a CNN": your own pictures per class, "start from a network
pretrained on ImageNet" offline (the notice, Start waiting), then with weights in the cache folder (a state dict
of ``squeezenet1_1(weights=None)``: random weights where the real ones would be, no download), a training
through the queue, the comparison table, and the network on the Feature maps page.

The server runs with its own cache folder (``XDG_CACHE_HOME`` of a temporary folder): the machine's real cache
is never read or written.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from PIL import Image
from playwright.sync_api import expect
from torchvision import models

from explorer.deep import backbone
from tests.e2e import harness
from tests.e2e.conftest import SERVER_START_TIMEOUT_S, App

LAPTOP = {"width": 1280, "height": 800}
TALL = {"width": 1280, "height": 3800}
PICTURES_PER_CLASS = 6
QUERY = "data=own&own=classes&classes=2&class1=red&class2=blue&pretrained=1&epochs=5"


def disc_png(colour: tuple[int, int, int], seed: int) -> bytes:
    """A 48×48 picture of a coloured disc on a light background, a little seeded noise."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:48, :48]
    inside = (rows - 20 - seed % 7) ** 2 + (cols - 24 + seed % 5) ** 2 < (10 + seed % 4) ** 2
    image = np.full((48, 48, 3), 230.0)
    image[inside] = colour
    image = np.clip(image + rng.normal(0, 8, image.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def cache_folder(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("xdg-cache"))


@pytest.fixture(scope="module")
def transfer_url(cache_folder) -> Iterator[str]:
    """A server of its own whose cache folder is ``cache_folder`` (empty at first: no weights)."""
    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = cache_folder  # the server process inherits it
    try:
        process = harness.start_server(port)
    finally:
        if saved is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = saved
    try:
        harness.wait_healthy(process, base_url, SERVER_START_TIMEOUT_S)
        yield base_url
    finally:
        harness.stop_server(process)


def add_pictures(app: App) -> None:
    uploaders = app.page.locator('[data-testid="stFileUploader"]').filter(has_text="Pictures")
    expect(uploaders).to_have_count(2)
    for index, colour in enumerate(((220, 40, 40), (40, 40, 220))):
        files = [
            {"name": f"{index}-{n}.png", "mimeType": "image/png", "buffer": disc_png(colour, 10 * index + n)}
            for n in range(PICTURES_PER_CLASS)
        ]
        uploaders.nth(index).locator('input[type="file"]').set_input_files(files=files)
        app.wait_idle()


def test_transfer_learning_offline_then_with_weights_then_inspected(page, transfer_url, cache_folder):
    app = App(page, transfer_url)
    page.set_viewport_size(TALL)
    app.open("train", QUERY)
    add_pictures(app)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text(f"{2 * PICTURES_PER_CLASS} images of 32×32 pixels, colour")
    # No weights in the cache folder and no internet: the option says what it needs; Start waits.
    expect(main).to_contain_text("needs a one-time download of its weights", timeout=30_000)
    expect(page.get_by_role("button", name="Start training")).to_be_disabled()
    app.screenshot("train_transfer_offline")

    # The weights arrive (as scripts/prefetch_weights.py would put them): random ones, same network.
    path = backbone.weights_path(os.path.join(cache_folder, "vision-explorer"))
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(7)
    torch.save(models.squeezenet1_1(weights=None).state_dict(), path)
    page.get_by_text("Start from a network pretrained on ImageNet").click()  # off, then on
    app.wait_idle()
    page.get_by_text("Start from a network pretrained on ImageNet").click()
    app.wait_idle()
    expect(main).to_contain_text("pretrained SqueezeNet, frozen, 128 px")
    expect(app.metric("Parameters to learn")).to_have_text("1,026")
    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_text("Training finished: 5 epoch(s)")).to_be_visible(timeout=120_000)
    app.wait_idle()
    expect(main).to_contain_text("pretrained backbone + new last layer")
    page.set_viewport_size(LAPTOP)
    app.wait_idle()
    app.screenshot("train_transfer_laptop")
    page.set_viewport_size(TALL)
    app.wait_idle()
    app.screenshot("train_transfer")

    # The session's network on the Feature maps page: SqueezeNet's conv1 and fire9 maps, ImageNet's conv1 filters.
    page.get_by_role("link", name="Feature maps & filters").click()
    app.wait_idle()
    expect(main).to_contain_text("Pretrained SqueezeNet + new last layer")
    expect(main).to_contain_text("2. conv 64 3×3, stride 2")
    expect(main).to_contain_text("512 maps of 7×7")
    expect(main).to_contain_text("64 filters of 3×3 × 3 channels")
    app.screenshot("feature_maps_transfer")
    page.set_viewport_size(LAPTOP)
    app.wait_idle()
    app.screenshot("feature_maps_transfer_laptop")
