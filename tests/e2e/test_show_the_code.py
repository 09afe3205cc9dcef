"""In Chromium: "Show the code" starts closed with no code block on the page (so a new tab doesn't load the
syntax highlighter for it), opens with one click to the page's code, and stays open on the next page."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_show_the_code_opens_with_a_click_and_stays_open_on_the_next_page(app):
    app.open("edges")
    main = app.page.locator('[data-testid="stMain"]')
    code = main.locator('[data-testid="stCode"]')
    expect(main.get_by_text("Show the code")).to_be_visible()
    assert code.count() == 0

    main.get_by_text("Show the code").click()
    app.wait_idle()
    expect(code).to_have_count(1)
    expect(code).to_contain_text("edges.sobel(image, ksize=3")

    app.sidebar().locator('[data-testid="stSidebarNavLink"]').filter(has_text="Kernels").first.click()
    app.page.wait_for_url(re.compile(r"/kernels"))
    app.wait_idle()
    expect(code).to_have_count(1)
    expect(code).to_contain_text("from explorer")
