"""The Color page: renders, follows its widgets, the sidebar image and deep links."""

from tests.app.helpers import image_captions, metric

PAGE = "app_pages/color.py"


def test_renders_with_defaults(open_page):
    at = open_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Color"
    assert len(at.warning) == 0
    assert metric(at, "Pixels selected").endswith("%")
    assert any(m.value.startswith("**HSV.**") for m in at.markdown)


def test_colour_space_changes_the_channels(open_page):
    at = open_page(PAGE)
    assert any(c.startswith("H: hue") for c in image_captions(at))
    at.selectbox(key="color.space").set_value("Lab").run()
    assert not at.exception
    captions = image_captions(at)
    assert any(c.startswith("L: lightness") for c in captions) and not any(c.startswith("H: hue") for c in captions)
    at.selectbox(key="color.space").set_value("BGR").run()
    assert any("red and blue swap" in c for c in image_captions(at))
    assert at.query_params["space"] == "BGR"


def test_colour_range_changes_the_selected_fraction(open_page):
    at = open_page(PAGE)
    before = metric(at, "Pixels selected")
    at.slider(key="color.s").set_value((0, 255)).run()
    assert not at.exception
    assert metric(at, "Pixels selected") != before
    at.radio(key="color.sel_space").set_value("RGB").run()
    at.slider(key="color.r").set_value((0, 255)).run()
    at.slider(key="color.g").set_value((0, 255)).run()
    at.slider(key="color.b").set_value((0, 255)).run()
    assert not at.exception
    assert metric(at, "Pixels selected") == "100.0%"
    assert at.query_params["r"] == "0,255" and at.query_params["sel"] == "RGB"


def test_hue_wrap_toggle_selects_the_complement(open_page):
    at = open_page(PAGE)
    at.slider(key="color.s").set_value((0, 255)).run()
    at.slider(key="color.v").set_value((0, 255)).run()
    wrapped = float(metric(at, "Pixels selected").rstrip("%"))
    at.toggle(key="color.wrap").set_value(False).run()
    inside = float(metric(at, "Pixels selected").rstrip("%"))
    # 340..20 and 20..340 cover every hue, and share only 20° and 340° exactly (about 2.3% of the astronaut's
    # pixels, where G - B or B - G is a third of the spread): the two fractions add up to a little over 100%.
    assert 100.0 <= wrapped + inside <= 103.0


def test_sidebar_sample_changes_the_brightness(open_page):
    at = open_page(PAGE)
    before = metric(at, "Mean brightness")
    at.selectbox(key="shared.sample").set_value("rocket").run()
    assert not at.exception
    assert metric(at, "Mean brightness") != before
    assert any("Verdict: **night**" in m.value for m in at.markdown)


def test_threshold_changes_the_verdict(open_page):
    at = open_page(PAGE)
    assert any("Verdict: **day**" in m.value for m in at.markdown)  # the astronaut: mean V about 143
    at.slider(key="color.threshold").set_value(200).run()
    assert any("Verdict: **night**" in m.value for m in at.markdown)


def test_deep_link_sets_the_widgets(open_page):
    at = open_page(PAGE, query={"space": "Gray", "sel": "RGB", "g": "10,200", "bg": "#FFFFFF", "day": "150"})
    assert not at.exception and len(at.warning) == 0
    assert at.selectbox(key="color.space").value == "Gray"
    assert at.radio(key="color.sel_space").value == "RGB"
    assert at.slider(key="color.g").value == (10, 200)
    assert at.color_picker(key="color.background").value == "#ffffff"
    assert at.slider(key="color.threshold").value == 150


def test_garbage_link_warns_and_falls_back(open_page):
    at = open_page(PAGE, query={"space": "CMYK", "h": "340,20", "s": "x", "bg": "red", "day": "999"})
    assert not at.exception
    assert len(at.warning) == 1
    text = at.warning[0].value
    for name in ("`space`", "`h`", "`s`", "`bg`", "`day`"):
        assert name in text
    assert "the first number must not be above the second" in text
    assert at.selectbox(key="color.space").value == "HSV"
    assert at.slider(key="color.h").value == (20, 340)


def test_settings_survive_a_trip_to_another_page(open_page):
    at = open_page(PAGE)
    at.selectbox(key="color.space").set_value("Lab").run()
    at.switch_page("app_pages/images_are_numbers.py").run()
    assert not at.exception and at.title[0].value == "Images are numbers"
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.selectbox(key="color.space").value == "Lab"


def test_the_log_count_axis_has_one_tick_per_power_of_ten(open_page):
    import json

    at = open_page(PAGE)
    at.toggle(key="color.log").set_value(True).run()
    assert not at.exception
    (chart,) = [c for c in at.get("plotly_chart") if "number of pixels" in c.proto.spec]
    yaxis = json.loads(chart.proto.spec)["layout"]["yaxis"]
    assert yaxis["type"] == "log" and yaxis["dtick"] == 1
