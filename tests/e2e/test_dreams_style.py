"""Browser tests of "Dreams and style": offline, the notice and a rough dream on a small network; with fake
pretrained weights (torchvision's SqueezeNet 1.1 with random weights saved where the real ones would be, in the
cache folder of a server of its own), a dream and a style transfer whose pictures change as they form, the loss
curve, the Gram matrices, and Stop."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
import torch
from PIL import Image
from playwright.sync_api import expect
from torchvision import models

from explorer.deep import backbone
from tests.e2e import harness
from tests.e2e.conftest import App

JOB_MS = 180_000  # a cold worker imports torch and builds the network before the first step
CHANGE_WITHIN_S = 10


def _server_with_cache(monkeypatch, request, cache):
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return request.getfixturevalue("fresh_app_url")


@pytest.fixture
def offline_app(page, tmp_path, monkeypatch, request):
    """A server whose cache folder holds no weights (this machine has no internet either)."""
    return App(page, _server_with_cache(monkeypatch, request, tmp_path))


@pytest.fixture
def weights_app(page, tmp_path, monkeypatch, request):
    """A server whose cache folder holds SqueezeNet weights (random ones: they load like the real file)."""
    path = tmp_path / "vision-explorer" / "weights" / backbone.weights_path("x").name
    path.parent.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(models.squeezenet1_1(weights=None).state_dict(), path)
    return App(page, _server_with_cache(monkeypatch, request, tmp_path))


def picture_src(app: App, caption: str) -> str | None:
    try:
        return (
            app.page.locator('[data-testid="stImage"]')
            .filter(has_text=caption)
            .locator("img")
            .first.get_attribute("src", timeout=1_000)
        )
    except Exception:  # redrawn at that moment
        return None


def changes(app: App, caption: str) -> bool:
    """True once the picture captioned ``caption`` shows something new within CHANGE_WITHIN_S seconds."""
    expect(app.page.get_by_text(caption, exact=True).first).to_be_visible(timeout=JOB_MS)
    first = picture_src(app, caption)
    deadline = time.monotonic() + CHANGE_WITHIN_S
    while time.monotonic() < deadline:
        now = picture_src(app, caption)
        if now is not None and now != first:
            return True
        app.page.wait_for_timeout(200)
    return False


def test_offline_the_page_says_what_it_needs_and_dreams_roughly(offline_app):
    app = offline_app
    app.open("dreams", "octaves=2&steps=3&size=128")
    text = app.main_text()
    assert "one-time download" in text or "downloaded once" in text  # offline, or a connected machine
    assert "rough" in text
    expect(app.page.get_by_role("combobox", name="Network")).to_have_value("Default: shapes 28×28")
    app.page.get_by_role("button", name="Start dreaming").click()
    expect(app.page.get_by_text("Dreamed", exact=True)).to_be_visible(timeout=JOB_MS)
    app.wait_idle()
    app.screenshot("dreams_offline")
    app.page.locator('[data-testid="stButtonGroup"] button').filter(has_text="Style transfer").click()
    app.wait_idle()
    assert "needs the pretrained network" in app.main_text()
    expect(app.page.get_by_role("button", name="Start the style transfer")).to_be_disabled()


def test_with_weights_a_dream_and_a_style_transfer_form_live(weights_app):
    app = weights_app
    app.open("dreams", "octaves=4&steps=50&size=256")  # about 8 s on a quiet machine: frames to see
    app.page.get_by_role("button", name="Start dreaming").click()
    assert changes(app, "Dreaming…"), "the dream's picture did not change while it formed"
    expect(app.page.get_by_text("Dreamed", exact=True)).to_be_visible(timeout=JOB_MS)
    app.wait_idle()
    app.screenshot("dreams_dream")

    app.open("dreams", "mode=style&ssize=128&ssteps=160")
    app.page.get_by_role("button", name="Start the style transfer").click()
    assert changes(app, "Forming…"), "the style transfer's picture did not change while it formed"
    expect(app.page.locator(".js-plotly-plot >> visible=true").first).to_be_visible()  # the loss curves beside it
    expect(app.page.get_by_text("Stylised", exact=True)).to_be_visible(timeout=JOB_MS)
    app.wait_idle()
    assert "Gram matrices of conv1" in app.main_text()
    assert app.page.get_by_role("button", name="Start the style transfer").is_enabled()
    app.screenshot("dreams_style")
    app.page.set_viewport_size({"width": 1280, "height": 800})
    harness.screenshot(app.page, "dreams_style_1280x800")


def test_stop_ends_a_style_transfer(weights_app):
    app = weights_app
    app.open("dreams", "mode=style&ssteps=400")
    app.page.get_by_role("button", name="Start the style transfer").click()
    expect(app.page.get_by_text("Forming…", exact=True)).to_be_visible(timeout=JOB_MS)
    app.page.get_by_role("button", name="Stop").click()
    expect(app.page.get_by_text("Stopped because Stop was pressed.")).to_be_visible(timeout=30_000)
    app.wait_idle()
    assert app.page.get_by_role("button", name="Start the style transfer").is_enabled()


def _upload_style(app: App, name: str, mime: str, data: bytes) -> None:
    uploader = app.page.locator('[data-testid="stMain"] [data-testid="stFileUploader"]')
    uploader.locator('input[type="file"]').set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    app.wait_idle()


def test_an_uploaded_style_picture_or_a_clear_error(offline_app):
    app = offline_app
    app.open("dreams", "mode=style")
    app.page.get_by_text("Upload", exact=True).last.click()  # the style picture's source (not the sidebar's)
    app.wait_idle()
    _upload_style(app, "notes.png", "image/png", b"these are my notes, not a picture")
    expect(app.page.get_by_text("This file can't be used as a style picture")).to_be_visible()
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (60, 90, 3), dtype=np.uint8)).save(buffer, "PNG")
    _upload_style(app, "texture.png", "image/png", buffer.getvalue())
    expect(app.page.get_by_text("This file can't be used as a style picture")).to_have_count(0)
    expect(app.page.get_by_text("Style", exact=True)).to_be_visible()  # the caption under the uploaded picture
