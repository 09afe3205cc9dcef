"""Browser tests of "A pretrained network", each on a server of its own with a cache folder of its own
(``XDG_CACHE_HOME``) and a proxy that refuses connections, so no test depends on the machine's real network:

- offline: an empty cache folder; the page says within seconds what it needs, and the rest still paints;
- with weights: a random SqueezeNet saved where the real weights go (only downloads are hash-checked), so the
  classes in these screenshots come from random weights, not ImageNet's.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from playwright.sync_api import expect
from torchvision import models

from explorer.deep import backbone
from tests.e2e import harness
from tests.e2e.conftest import SERVER_START_TIMEOUT_S, App

LAPTOP = {"width": 1280, "height": 800}
TALL = {"width": 1280, "height": 3600}
# The offline notice must come within seconds (the reachability check gives up after 3 s).
NOTICE_WITHIN_S = 15


@contextlib.contextmanager
def server_with_cache(cache: Path) -> Iterator[str]:
    """``streamlit run`` whose cache folder is ``cache/vision-explorer`` and whose every HTTPS connection goes to
    a closed local port (a proxy nobody runs): the server is offline whatever the machine's network."""
    port, closed = harness.free_port(), harness.free_port()
    process = harness.start_server(
        port, env={"XDG_CACHE_HOME": str(cache), "https_proxy": f"http://127.0.0.1:{closed}", "no_proxy": ""}
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        harness.wait_healthy(process, base_url, SERVER_START_TIMEOUT_S)
        yield base_url
    finally:
        harness.stop_server(process)


@pytest.fixture
def offline_app(page, tmp_path) -> Iterator[App]:
    with server_with_cache(tmp_path) as base_url:
        yield App(page, base_url)


@pytest.fixture
def weights_app(page, tmp_path) -> Iterator[App]:
    path = backbone.weights_path(tmp_path / "vision-explorer")
    path.parent.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(models.squeezenet1_1(weights=None).state_dict(), path)
    with server_with_cache(tmp_path) as base_url:
        yield App(page, base_url)


def _shots(app: App, name: str) -> None:
    app.page.set_viewport_size(LAPTOP)
    app.wait_idle()
    app.screenshot(f"{name}_laptop")
    app.page.set_viewport_size(TALL)
    app.wait_idle()
    app.screenshot(name)


def test_offline_the_page_says_what_it_needs_within_seconds(offline_app):
    app = offline_app
    app.page.set_viewport_size(LAPTOP)
    app.open("feature-maps")  # torch and the Inspect modules imported: what is timed next is this page's own work
    # the notice is drawn before the rest of the page: timed from the request to the notice on screen
    started = time.monotonic()
    app.page.goto(f"{app.base_url}/pretrained", wait_until="domcontentloaded")
    expect(app.page.get_by_text("one-time download").first).to_be_visible(timeout=NOTICE_WITHIN_S * 1000)
    assert time.monotonic() - started < NOTICE_WITHIN_S
    app.wait_idle()
    assert app.title() == "A pretrained network"
    expect(app.page.get_by_text(backbone.PREFETCH_COMMAND).first).to_be_visible()
    expect(app.page.get_by_text("By pixels", exact=True)).to_be_visible()
    _shots(app, "pretrained_offline")
    # every other page keeps working: the sidebar leads to the Edges page
    app.page.get_by_role("link", name="Edges & gradients").click()
    app.page.wait_for_url(re.compile(r"/edges"))
    app.wait_idle()
    assert app.title() == "Edges & gradients"


def test_with_weights_top5_gradcam_maps_neighbours_and_a_class_by_search(weights_app):
    app = weights_app
    app.page.set_viewport_size(TALL)
    app.open("pretrained", "img=sample:chelsea")
    expect(app.image("Grad-CAM: where it sees")).to_be_visible()
    expect(app.image("fire9: the first 32 of 512 maps")).to_be_visible()
    expect(app.page.get_by_text("By deep features", exact=True)).to_be_visible()
    expect(app.page.get_by_role("link", name=re.compile("starting from the pretrained backbone"))).to_be_visible()
    _shots(app, "pretrained")
    before = app.image_src("Grad-CAM: where it sees")
    search = app.page.get_by_label("Find any ImageNet class by name")
    search.fill("goldfish")
    search.press("Enter")
    app.wait_idle()
    app.page.get_by_role("combobox", name="Explain the class").click()
    app.page.get_by_role("option", name=re.compile("^goldfish")).click()
    app.wait_idle()
    expect(app.image("Grad-CAM: where it sees “goldfish”")).to_be_visible()
    assert app.image_src("Grad-CAM: where it sees") != before
    assert "class=1" in app.page.url
