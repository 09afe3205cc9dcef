"""AppTests of the Features & detection page: each section's key widget changes what is shown, links set
the widgets, bad links fall back, and tiny or flat images say "nothing found" instead of failing.

Numbers read from the page are checked against OpenCV called directly, or the HOG formula by hand.
"""

import cv2
import numpy as np

from explorer.images import samples
from tests.app.helpers import image_url, metric, ok, use_own_image

PAGE = "app_pages/features.py"


def _image_urls(at) -> list[str]:
    return [image.value[0] for image in at.get("image")]


def _markdown(at, start: str) -> str:
    (text,) = [md.value for md in at.markdown if md.value.startswith(start)]
    return text


def test_renders_every_section_on_the_default_image(open_page):
    at = open_page(PAGE)
    assert at.title[0].value == "Features & detection"
    assert int(metric(at, "Keypoints found")) == 500
    assert int(metric(at, "Faces found")) == 1
    # HOG of the 512 px astronaut, 8 px cells, 2 x 2 blocks, 9 bins: 63 * 63 * 4 * 9 by hand.
    assert f"{63 * 63 * 4 * 9:,}" in _markdown(at, "**Descriptor length")
    assert any("most similar to **itself**" in md.value for md in at.markdown)
    right, matches = int(metric(at, "Geometrically right")), int(metric(at, "Matches"))
    assert matches > 100 and right / matches > 0.8
    assert not at.warning and not at.error


def test_feature_count_changes_the_keypoints(open_page, astronaut):
    at = open_page(PAGE)
    before = image_url(at, "Circle = the patch")
    ok(at.slider(key="features.n_features").set_value(120).run())
    assert int(metric(at, "Keypoints found")) == 120
    assert int(metric(at, "Keypoints in the image")) == 120
    assert image_url(at, "Circle = the patch") != before
    # The same count as OpenCV's ORB with these settings, called directly.
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    assert len(cv2.ORB_create(120, 1.2, 8).detect(gray, None)) == 120


def test_pyramid_settings_change_the_levels(open_page):
    at = open_page(PAGE)
    ok(at.slider(key="features.n_levels").set_value(3).run())
    (table,) = [frame.value for frame in at.dataframe if "level" in frame.value.columns]
    assert list(table["level"]) == [0, 1, 2]
    ok(at.select_slider(key="features.scale_factor").set_value(2.0).run())
    (table,) = [frame.value for frame in at.dataframe if "level" in frame.value.columns]
    assert list(table["scale"]) == ["1/1.00", "1/2.00", "1/4.00"]


def test_copy_settings_change_the_matches(open_page):
    at = open_page(PAGE)
    before = (int(metric(at, "Keypoints in the copy")), int(metric(at, "Matches")), image_url(at, "Left: the image"))
    ok(at.slider(key="features.angle").set_value(90).run())
    ok(at.select_slider(key="features.scale").set_value(1.5).run())
    after = (int(metric(at, "Keypoints in the copy")), int(metric(at, "Matches")), image_url(at, "Left: the image"))
    assert after[2] != before[2] and after[:2] != before[:2]


def test_ratio_test_shows_its_slider(open_page):
    at = open_page(PAGE)
    assert not [s for s in at.select_slider if s.key == "features.ratio"]
    ok(at.radio(key="features.matcher").set_value("ratio").run())
    assert at.select_slider(key="features.ratio").value == 0.75
    matches = int(metric(at, "Matches"))
    ok(at.select_slider(key="features.ratio").set_value(0.5).run())
    assert int(metric(at, "Matches")) < matches  # a stricter ratio keeps fewer


def test_hog_cell_size_changes_the_length(open_page):
    at = open_page(PAGE)
    ok(at.select_slider(key="features.cell").set_value(16).run())
    # 512 / 16 = 32 cells, 31 blocks per side: 31 * 31 * 2 * 2 * 9 = 34,596.
    assert "**34,596**" in _markdown(at, "**Descriptor length")
    ok(at.slider(key="features.orientations").set_value(4).run())
    ok(at.slider(key="features.block").set_value(1).run())
    assert "**4,096**" in _markdown(at, "**Descriptor length")  # 32 * 32 * 1 * 4


def test_haar_settings_change_the_faces(open_page):
    at = open_page(PAGE)
    picture = image_url(at, "Boxes: detected faces")
    ok(at.slider(key="features.neighbours").set_value(0).run())
    assert int(metric(at, "Faces found")) > 1
    assert image_url(at, "Boxes: detected faces") != picture
    ok(at.slider(key="features.min_size").set_value(200).run())
    assert int(metric(at, "Faces found")) == 0
    assert any(info.value.startswith("Nothing found with these settings") for info in at.info)
    ok(at.select_slider(key="features.haar_scale").set_value(1.5).run())


def test_words_and_seed_change_the_histogram(open_page):
    at = open_page(PAGE)
    (chart,) = at.get("plotly_chart")
    before = chart.proto.spec
    ok(at.slider(key="features.k").set_value(5).run())
    (chart,) = at.get("plotly_chart")
    assert chart.proto.spec != before and '"x":[0,1,2,3,4]' in chart.proto.spec.replace(" ", "")
    ok(at.number_input(key="features.seed").set_value(3).run())
    (after,) = at.get("plotly_chart")
    assert after.proto.spec != chart.proto.spec


def test_deep_link_sets_the_widgets(open_page, astronaut):
    at = open_page(PAGE, query={"n": "200", "pyr": "1.5", "cell": "16", "neigh": "0", "k": "8", "matcher": "ratio"})
    assert at.slider(key="features.n_features").value == 200
    assert at.select_slider(key="features.scale_factor").value == 1.5
    assert at.select_slider(key="features.cell").value == 16
    assert at.slider(key="features.neighbours").value == 0
    assert at.slider(key="features.k").value == 8
    assert at.radio(key="features.matcher").value == "ratio"
    # Levels at least 63 px on a side: 512 / 1.5**5 = 67 fits, 512 / 1.5**6 = 45 doesn't, so 6 levels.
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    assert int(metric(at, "Keypoints found")) == len(cv2.ORB_create(200, 1.5, 6).detect(gray, None))
    assert any("Only 6 of the 8 levels" in caption.value for caption in at.caption)
    assert not at.warning


def test_garbage_link_warns_and_falls_back(open_page):
    at = open_page(PAGE, query={"n": "lots", "pyr": "7", "cell": "5", "matcher": "magic", "seed": "-1"})
    (warning,) = at.warning
    for name in ("`n`", "`pyr`", "`cell`", "`matcher`", "`seed`"):
        assert name in warning.value
    assert at.slider(key="features.n_features").value == 500
    assert at.select_slider(key="features.cell").value == 8
    assert int(metric(at, "Keypoints found")) == 500


def test_changing_the_sample_changes_the_output(open_page):
    at = open_page(PAGE)
    before = _image_urls(at)
    ok(at.selectbox(key="shared.sample").set_value("coins").run())
    after = _image_urls(at)
    assert len(after) == len(before) and all(a != b for a, b in zip(after, before))
    coins = cv2.cvtColor(samples.load_sample("coins"), cv2.COLOR_RGB2GRAY)
    expected = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml").detectMultiScale(
        coins, scaleFactor=1.1, minNeighbors=5, minSize=(30, 30)
    )
    assert int(metric(at, "Faces found")) == len(expected)  # coins can look like faces to a cascade
    assert any("Most similar sample" in md.value or "itself" in md.value for md in at.markdown)


def test_a_flat_image_says_nothing_found(open_page):
    at = use_own_image(open_page(PAGE), np.full((200, 300, 3), 128, np.uint8), "test-flat")
    assert int(metric(at, "Keypoints found")) == 0
    assert int(metric(at, "Faces found")) == 0
    infos = " ".join(info.value for info in at.info)
    assert "Nothing found: ORB needs corners" in infos
    assert "Nothing to match" in infos
    assert "its histogram is empty" in infos


def test_a_one_pixel_image_works(open_page):
    at = use_own_image(open_page(PAGE), np.zeros((1, 1, 3), np.uint8), "test-one-pixel")
    assert int(metric(at, "Keypoints found")) == 0
    assert any(info.value.startswith("No HOG for this image: image must be at least 16 × 16 px") for info in at.info)
    assert not at.error


def test_a_one_row_image_works(open_page):
    strip = np.tile((np.arange(1024) % 256).astype(np.uint8)[None, :, None], (1, 1, 3))
    at = use_own_image(open_page(PAGE), strip, "test-one-row")
    assert int(metric(at, "Keypoints found")) == 0 and int(metric(at, "Faces found")) == 0
    assert not at.error
