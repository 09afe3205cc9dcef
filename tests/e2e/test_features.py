"""Features & detection in a real browser: the page opens by URL, and moving the ORB feature count or the
Haar cascade's min neighbours with the keyboard changes what the page shows."""

from __future__ import annotations

from playwright.sync_api import expect


def slider_thumb(app, label: str):
    """The thumb of the ``st.slider`` labelled ``label`` (Streamlit wraps each slider in a labelled group)."""
    thumb = app.page.get_by_role("group", name=label).get_by_role("slider").first
    expect(thumb).to_be_visible()
    return thumb


def test_page_opens_and_shows_every_section(app):
    app.open("features")
    assert app.title() == "Features & detection"
    text = app.main_text()
    for heading in (
        "ORB keypoints",
        "rotated, scaled copy",
        "HOG",
        "Haar cascade",
        "Bag of visual words",
        "Gender Shades",
    ):
        assert heading in text
    assert app.metric_value("Keypoints found") == "500"
    assert app.metric_value("Faces found") == "1"
    app.screenshot("features")


def test_orb_count_and_haar_neighbours_change_the_results(app):
    # One session for both checks: each page load of this long page costs seconds in Chromium.
    app.open("features", "n=300&neigh=1")
    assert app.metric_value("Keypoints found") == "300"
    keypoints_before = app.image_src("Circle = the patch")
    thumb = slider_thumb(app, "Number of keypoints (at most)")
    thumb.focus()
    thumb.press("ArrowLeft")  # 300 -> 299
    app.wait_idle()
    assert app.metric_value("Keypoints found") == "299"
    assert app.image_src("Circle = the patch") != keypoints_before
    assert "n=299" in app.page.url

    faces_before, faces_src = int(app.metric_value("Faces found")), app.image_src("Boxes: detected faces")
    thumb = slider_thumb(app, "Min neighbours")
    thumb.focus()
    thumb.press("ArrowLeft")  # 1 -> 0: every window that passed the cascade is reported
    app.wait_idle()
    assert int(app.metric_value("Faces found")) > faces_before
    assert app.image_src("Boxes: detected faces") != faces_src
    assert "neigh=0" in app.page.url
    app.screenshot("features-changed")
