"""AppTests of the CNN anatomy page: output-size calculator, receptive-field stack, network summary, the
moving eye, deep links and bad links.

Numbers read from the page are checked against hand arithmetic (the formula, Keras' published summary of
the TensorFlow tutorial network, the LeNet-5 count) or against what a moved eye must do (the conv peak's
column is the eye's column).
"""

from tests.app.helpers import image_captions, metric

PAGE = "app_pages/cnn_anatomy.py"


def markdown_with(at, text: str) -> list[str]:
    return [md.value for md in at.markdown if text in md.value]


def test_renders_with_defaults(open_page):
    at = open_page(PAGE)
    assert at.title[0].value == "CNN anatomy"
    assert len(at.warning) == 0 and len(at.error) == 0
    # 28, kernel 3, no padding: (28 - 3) / 1 + 1 = 26
    assert metric(at, "Output size") == "26 × 26"
    assert markdown_with(at, "⌊(28 + 2·0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 26")
    # The TensorFlow tutorial CNN on CIFAR-10, as Keras prints it
    assert metric(at, "Total parameters") == "122,570"
    assert metric(at, "In dense layers") == "66,250"  # 65,600 + 650
    # Default stack conv3, conv3, pool2, conv3: fields 3, 5, 6, 10
    captions = image_captions(at)
    for field in ("3×3", "5×5", "6×6", "10×10"):
        assert any(f"sees {field} pixels" in c for c in captions), captions
    assert metric(at, "Conv peak column") == "14"


def test_calculator_follows_its_inputs(open_page):
    at = open_page(PAGE)
    at.number_input(key="anatomy.padding").set_value(1).run()
    assert metric(at, "Output size") == "28 × 28"
    at.number_input(key="anatomy.stride").set_value(2).run()
    # (28 + 2 - 2 - 1) // 2 + 1 = 14
    assert metric(at, "Output size") == "14 × 14"
    at.selectbox(key="anatomy.pool").set_value(2).run()
    assert not at.exception
    assert metric(at, "Output size") == "7 × 7"
    assert markdown_with(at, "**Pooling**")
    assert at.query_params["padding"] == "1" and at.query_params["pool"] == "2"


def test_impossible_calculator_settings_show_an_error_and_the_rest_of_the_page(open_page):
    at = open_page(PAGE)
    at.number_input(key="anatomy.size").set_value(4).run()
    at.number_input(key="anatomy.kernel").set_value(7).run()
    assert not at.exception
    assert any("smaller than the window's extent 7" in e.value for e in at.error)
    assert metric(at, "Total parameters") == "122,570"  # later sections still drawn


def test_changing_the_stack_changes_the_receptive_fields(open_page):
    at = open_page(PAGE)
    at.selectbox(key="anatomy.layer3").set_value("conv3d2").run()
    assert not at.exception
    captions = image_captions(at)
    # conv3, conv3, dilated conv3 (extent 5): 3, 5, 9; then conv3: 11
    assert any("sees 9×9 pixels" in c for c in captions) and any("sees 11×11 pixels" in c for c in captions)
    assert at.query_params["l3"] == "conv3d2"
    for key in ("anatomy.layer1", "anatomy.layer2", "anatomy.layer3", "anatomy.layer4"):
        at.selectbox(key=key).set_value("none")
    at.run()
    assert not at.exception
    assert any("at least one layer" in i.value for i in at.info)


def test_stack_too_deep_for_the_grid_is_an_error_not_a_crash(open_page):
    at = open_page(PAGE, query={"l1": "conv5", "l2": "pool2", "l3": "conv5", "l4": "conv5", "grid": "8"})
    assert not at.exception
    assert any("does not fit a 8×8 input" in e.value for e in at.error)


def test_choosing_a_network_changes_the_summary(open_page):
    at = open_page(PAGE)
    at.selectbox(key="anatomy.arch").set_value("lenet5").run()
    at.selectbox(key="anatomy.input").set_value("lenet").run()
    assert not at.exception
    # 156 + 2,416 + 48,120 + 10,164 + 850
    assert metric(at, "Total parameters") == "61,706"
    at.selectbox(key="anatomy.arch").set_value("tinyvgg").run()
    # TinyVGG on 32x32x1: 30, 28, 14, 12, 10, 5 -> 10·(9+1) + 3·910 + (250 + 1)·10 = 100 + 2,730 + 2,510
    assert metric(at, "Total parameters") == "5,340"


def test_moving_the_eye_moves_the_conv_peak_and_drops_the_dense_response(open_page):
    at = open_page(PAGE)
    assert float(metric(at, "Dense response")) > 0.9
    before = float(metric(at, "Conv response"))
    at.slider(key="anatomy.shift").set_value(6).run()
    assert not at.exception
    assert float(metric(at, "Dense response")) < 0.3
    assert abs(float(metric(at, "Conv response")) - before) < 0.01
    assert metric(at, "Conv peak column") == "20"
    assert any("moved +6 px" in c for c in image_captions(at))
    assert at.query_params["shift"] == "6"


def test_deep_link_opens_the_page_in_that_state(open_page):
    at = open_page(PAGE, query={"arch": "mlp", "input": "mnist", "shift": "-5", "kernel": "5"})
    assert not at.exception and len(at.warning) == 0
    # (784 + 1)·128 + (128 + 1)·64 + (64 + 1)·10 = 100,480 + 8,256 + 650
    assert metric(at, "Total parameters") == "109,386"
    assert metric(at, "Conv peak column") == "9"
    assert metric(at, "Output size") == "24 × 24"


def test_garbage_in_the_link_warns_and_falls_back(open_page):
    at = open_page(PAGE, query={"kernel": "abc", "l1": "lstm", "shift": "99", "arch": "resnet"})
    assert not at.exception
    (warning,) = at.warning
    for name in ("`kernel`", "`l1`", "`shift`", "`arch`"):
        assert name in warning.value
    assert metric(at, "Output size") == "26 × 26"
    assert metric(at, "Total parameters") == "122,570"
    assert metric(at, "Conv peak column") == "14"
