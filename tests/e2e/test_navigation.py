"""Every page opens by URL (also as the first request to a fresh server) and from the sidebar navigation,
with no Streamlit exception; one screenshot each."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ui.site_map import SITE_MAP

# The router's URL paths and the titles its sidebar navigation shows (ui/site_map.py). Home is the default
# page, served at the root ("").
PAGES = {entry.url_path: entry.title for entry in SITE_MAP}
PICKER = {entry.url_path: entry.image_picker for entry in SITE_MAP}


def expect_router_sidebar(app, path: str) -> None:
    """The router ran: its navigation is there, and the image picker exactly on the pages that use it."""
    navigation = app.sidebar().locator('[data-testid="stSidebarNavLink"]')
    expect(navigation).to_have_count(len(PAGES))
    if PICKER[path]:
        expect(app.sidebar()).to_contain_text("Current image:")
    else:
        expect(app.sidebar()).not_to_contain_text("Current image:")


def test_default_url_is_home(app):
    app.open()
    assert app.title() == "Vision Explorer"
    expect_router_sidebar(app, "")
    app.screenshot("home")


@pytest.mark.parametrize("path", [p for p in PAGES if p])
def test_page_opens_by_url(app, path):
    app.open(path)
    assert app.title()  # the page drew its title
    expect_router_sidebar(app, path)
    app.screenshot(path)


def test_every_page_opens_from_the_sidebar(app):
    app.open("kernels")  # start away from Home, so that every click below changes the page
    for path, title in PAGES.items():
        link = app.sidebar().locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).first
        link.click()
        app.page.wait_for_url(re.compile(rf":\d+/{path}(\?.*)?$"))
        app.wait_idle()
        assert app.title()
        expect_router_sidebar(app, path)
        app.screenshot(f"nav-{path or 'home'}")


def test_deep_link_as_first_request_runs_the_router(fresh_app):
    """A shared link is often the first thing a freshly started server is asked for.

    Streamlit treats a folder named ``pages/`` next to the entry file as an old-style multipage app until
    some session has called ``st.navigation``: a first request for ``/kernels`` then ran
    ``pages/kernels.py`` on its own, without the router's sidebar (picker, navigation titles) or URL state.
    (The page scripts now live in ``app_pages/``.) ``fresh_app`` runs on a server nothing has warmed up.
    """
    fresh_app.open("kernels")
    titles = fresh_app.sidebar().locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    assert titles == list(PAGES.values()), f"the sidebar shows {titles}: the router did not run"
    assert "Current image:" in fresh_app.sidebar().inner_text()
