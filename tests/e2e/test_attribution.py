"""Browser tests of the Attribution page: it paints with the default digits and shapes models, its sanity check
finishes in a worker, and a link under the Train page's gallery opens it on that test image."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

LAPTOP = {"width": 1280, "height": 800}
TALL = {"width": 1280, "height": 3800}
SANITY_TIMEOUT_MS = 90_000


def wait_for_the_sanity_check(app) -> None:
    """The sanity check runs in a worker; its caption appears once its maps are drawn."""
    expect(app.page.get_by_text("Each row: the trained network's map")).to_be_visible(timeout=SANITY_TIMEOUT_MS)
    app.wait_idle()


def test_attribution_paints_with_the_default_models(app):
    for model, name in (("digits", "attribution"), ("shapes", "attribution_shapes")):
        app.page.set_viewport_size(LAPTOP)
        app.open("attribution", f"model={model}")
        assert app.title() == "Attribution"
        wait_for_the_sanity_check(app)
        for method in ("Saliency", "Integrated Gradients", "Guided Backprop", "Grad-CAM"):
            expect(app.image(method)).to_be_visible()
        expect(app.page.get_by_text("random order").first).to_be_visible()  # the deletion curves' reference
        app.screenshot(f"{name}_laptop")
        app.page.set_viewport_size(TALL)
        app.wait_idle()
        app.screenshot(name)


def test_a_link_under_the_train_pages_gallery_opens_attribution_on_that_image(app):
    app.page.set_viewport_size(TALL)
    app.open("train", "epochs=1")
    app.page.get_by_role("button", name="Start training").click()
    expect(app.page.get_by_text("Training finished")).to_be_visible(timeout=90_000)
    app.wait_idle()
    # st.pills: a radio group of links "#17", one per picture, under each gallery; the mistakes' is the last
    mistakes = app.page.get_by_role("radiogroup", name=re.compile("Open one on the Attribution page")).last
    links = mistakes.get_by_role("radio", name=re.compile(r"^#\d+$"))
    expect(links.first).to_be_visible()
    index = int(links.first.inner_text().strip().lstrip("#"))
    links.first.click()
    app.page.wait_for_url(re.compile(r"/attribution\?"), timeout=30_000)
    app.wait_idle()
    assert app.title() == "Attribution"
    query = parse_qs(urlparse(app.page.url).query)
    assert query.get("i") == [str(index)] and query.get("model") == ["own"], app.page.url
    expect(app.image(f"test image {index} ")).to_be_visible()
    assert app.page.get_by_role("combobox", name="Network to inspect").input_value().startswith("Your model")
    wait_for_the_sanity_check(app)
    app.screenshot("attribution_from_train")
