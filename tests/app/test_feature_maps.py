"""AppTests of the Feature maps & filters page: the default digits and shapes models and a model trained in the
session; layer/channel choice (selectbox, URL, click on the grid), the epoch slider, a kernel put into conv1 (its
test accuracy against a model swapped by hand in torch), the vertical-edge challenge, and the shared model left
exactly as it was."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from explorer.images import kernels
from explorer.interpret import activations, edge_filters
from explorer.nets import checkpoints, recipes
from tests.app.helpers import image_caption, image_url, metric, model_state, ok, trained_in_session
from ui import inspect_model

PAGE = "app_pages/feature_maps.py"


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_default_digits_shows_every_layer_and_leaves_the_model_as_it_was(open_page):
    shared = inspect_model.default_model("digits").model  # the very object the page inspects
    before = model_state(shared)
    at = open_page(PAGE)
    assert at.title[0].value == "Feature maps & filters"
    names = activations.layer_names(checkpoints.load_default("digits").model)
    labels = [md.value for md in at.markdown if md.value.startswith("**") and md.value[2:3].isdigit()]
    assert len(labels) == len(names) == 11
    # the first conv layer: 32 maps of 8×8 (padding same), its range from the maps of test image 0
    test = recipes.RECIPES["digits"].data()[1]
    maps = activations.feature_maps(checkpoints.load_default("digits").model, test.images[0])
    first = maps[names[0]]
    assert f"32 maps of 8×8  \nmin {first.min():.3g} · max {first.max():.3g}" in _captions(at)
    assert any(c.startswith("Train a model on the Train page to watch its filters form") for c in _captions(at))
    assert model_state(shared) == before


def test_the_swapped_filters_test_accuracy_equals_a_model_swapped_by_hand(open_page):
    at = open_page(PAGE)
    at.number_input(key="fmaps.swap_filter").set_value(4).run()
    ok(at)
    test = recipes.RECIPES["digits"].data()[1]
    swapped = checkpoints.load_default("digits").model
    with torch.no_grad():
        swapped[0].weight[4, 0] = torch.from_numpy(kernels.preset("sobel x"))  # the page's default preset
        swapped[0].bias[4] = 0.0
        predictions = swapped(torch.from_numpy(np.array(test.images))).argmax(1).numpy()
    expected = (predictions == test.labels).mean()
    assert metric(at, "Test accuracy") == f"{expected:.1%}"
    assert any("largest difference 0" in c for c in _captions(at))  # the Kernels page's code, the same map


def test_layer_and_channel_from_the_link_and_the_top_patches(open_page):
    at = open_page(PAGE, query={"layer": "8", "channel": "5", "i": "3"})
    assert at.selectbox(key="fmaps.layer").value == 8
    assert at.number_input(key="fmaps.channel").value == 5
    model = checkpoints.load_default("digits").model
    test = recipes.RECIPES["digits"].data()[1]
    name = "8. conv 64 3×3, padding same"
    values = activations.feature_maps(model, test.images[3])[name][5]
    assert image_caption(at, name).startswith(f"{name}, channel 5: 4×4, min {values.min():.3g}")
    # the 9 best test images for that channel: brute force over the test set, without top_patches
    best = np.array([activations.feature_maps(model, image)[name][5].max() for image in test.images])
    order = np.argsort(-best, kind="stable")[:9]
    shown = [c for c in at.get("image") if c.captions and c.captions[0].startswith("#")]
    assert [element.captions[0].split(" ")[0] for element in shown] == [f"#{i}" for i in order]


def test_a_bad_layer_in_the_link_falls_back_and_the_channel_is_cut_to_the_layer(open_page):
    at = open_page(PAGE, query={"layer": "12", "channel": "40"})  # 12 is the dense layer: no maps
    assert at.selectbox(key="fmaps.layer").value == 1
    assert at.number_input(key="fmaps.channel").value == 31


def test_changing_the_channel_and_clicking_the_grid_change_the_enlarged_map(open_page):
    at = open_page(PAGE)
    first = image_url(at, "1. conv 32 3×3, padding same, channel 0")
    at.number_input(key="fmaps.channel").set_value(7).run()
    assert image_url(at, "1. conv 32 3×3, padding same, channel 7") != first
    # the grid: 16 maps a row, each 8 px × factor, GAP_PX apart; click the middle of row 1, column 2, the
    # picture drawn at half its width (a narrow window)
    from ui.cached import feature_maps as cached

    factor = (cached.GRID_WIDTH_PX - 15 * cached.GAP_PX) // (16 * 8)
    cell = 8 * factor + cached.GAP_PX
    width = 16 * cell - cached.GAP_PX
    click = {"x": (2 * cell + 4) / 2, "y": (cell + 4) / 2, "width": width / 2, "height": cell - 1}
    at.session_state["_fmaps.grid_click.1"] = click
    at.run()
    ok(at)
    assert at.number_input(key="fmaps.channel").value == 16 + 2


def test_shapes_model_fits_a_3x3_preset_into_its_5x5_filters(open_page):
    at = open_page(PAGE, query={"model": "shapes", "preset": "vertical edges"})
    assert any("is 3×3; conv1's filters are 5×5" in c for c in _captions(at))
    assert any(c.startswith("16 filters of 5×5") for c in _captions(at))
    frame = at.dataframe[-1]  # the kernel put into conv1 (the filter looked at closely comes first)
    np.testing.assert_array_equal(
        frame.value.to_numpy(), kernels.resize(kernels.preset("vertical edges"), rows=5, cols=5)
    )


def test_the_kernels_pages_kernel_and_a_typed_one(open_page):
    at = open_page(PAGE)
    at.session_state["kernels.good"] = ((1.0, 1.0, 1.0), (1.0, 1.0, 1.0), (1.0, 1.0, 1.0))
    at.session_state["kernels.normalize"] = True
    at.run()
    at.radio(key="fmaps.kernel_source").set_value("kernels").run()
    ok(at)
    frame = at.dataframe[-1]
    np.testing.assert_allclose(frame.value.to_numpy(), np.full((3, 3), 1 / 9), rtol=1e-6)  # normalised, as there
    at.radio(key="fmaps.kernel_source").set_value("typed").run()
    at.text_input(key="fmaps.kernel_text").set_value("1,2;x,4").run()
    ok(at)
    assert any("That kernel can't be read" in e.value for e in at.error)


def test_the_vertical_edge_challenge(open_page):
    at = open_page(PAGE)
    filters = activations.conv1_filters(checkpoints.load_default("digits").model)
    vertical, horizontal = edge_filters.edge_responses(filters)
    right = int(np.argmax(np.where(vertical >= 2 * horizontal, vertical, 0)))  # clearly vertical and strong
    wrong = int(np.argmax(horizontal - vertical))  # the most horizontal one
    at.number_input(key="fmaps.pick").set_value(wrong).run()
    at.button(key="_fmaps.grade").click().run()
    assert at.error and at.error[0].value.startswith("Not yet.")
    assert "challenges.passed" not in at.session_state
    at.number_input(key="fmaps.pick").set_value(right).run()
    assert not at.success  # a new pick is graded only when asked
    at.button(key="_fmaps.grade").click().run()
    assert at.success and at.success[0].value.startswith("Passed!")
    assert "fmaps.vertical_edge" in at.session_state["challenges.passed"]  # Home's list of challenges


@pytest.fixture(scope="module")
def own_model():
    return trained_in_session()


def test_a_model_trained_in_the_session_has_an_epoch_slider(open_page, own_model):
    at = open_page(PAGE)
    at.session_state["train.model"] = own_model
    at.run()
    ok(at)
    assert at.selectbox(key="inspect.model").value == "session"
    slider = at.select_slider(key="fmaps.epoch")
    assert slider.value == 3
    last = image_url(at, "Filter 0")
    assert any(c.startswith("32 filters of 3×3, after epoch 3") for c in _captions(at))
    slider.set_value(1).run()
    ok(at)
    assert any(c.startswith("32 filters of 3×3, after epoch 1") for c in _captions(at))
    assert image_url(at, "Filter 0") != last
    own_filters = next(s.conv1_filters for s in own_model.snapshots if s.epoch == 1)
    np.testing.assert_allclose(at.dataframe[0].value.to_numpy(), own_filters[0, 0], rtol=1e-6)
    assert any("grades the finished network's filters" in c for c in _captions(at))


def test_switching_the_model_shows_the_other_models_test_image(open_page):
    at = open_page(PAGE)
    digit = image_url(at, "What the network sees: test image 0")
    assert image_caption(at, "What the network sees").endswith(", 8×8")
    at.selectbox(key="inspect.model").set_value("shapes").run()
    ok(at)
    assert image_caption(at, "What the network sees").endswith(", 28×28")
    assert image_url(at, "What the network sees: test image 0") != digit


def test_the_sidebar_picture_is_shown_with_its_preprocessing(open_page):
    at = open_page(PAGE)
    at.radio(key="inspect.input").set_value("picker").run()
    ok(at)
    assert image_caption(at, "What the network sees: the sidebar's picture, 8×8")
    assert image_caption(at, "The sidebar's picture")  # the first preprocessing step
    assert "Every layer's feature maps" in [s.value for s in at.subheader]


def _colour_model():
    """An untrained TinyVGG on colour shapes 32×32 (3 input channels), with a test set big enough (8 × 400
    pictures, 9.8 M values) that the page sends its test-set work to a worker process."""
    from explorer.data import shapes
    from explorer.nets import architecture
    from ui.cached.train import TrainedModel

    spec = architecture.preset("tinyvgg", input_shape=(3, 32, 32), num_classes=8)
    test = shapes.make_shapes(400, color=True, seed=1)
    model = architecture.build(spec, seed=0).eval()
    return TrainedModel(model, spec, tuple(test.class_names), "fmaps test colour tinyvgg", "a test", test=test)


def test_a_colour_model_with_a_big_test_set_works_through_the_workers(open_page):
    from ui.cached import feature_maps as cached

    trained = _colour_model()
    assert not cached.in_server(trained.test.images)
    before = model_state(trained.model)
    at = open_page(PAGE)
    at.session_state["train.model"] = trained
    at.run()
    ok(at)
    assert any(c.startswith("10 filters of 3×3 × 3 channels (drawn as colours") for c in _captions(at))
    for _ in range(600):  # the workers import torch first: up to a minute on a busy machine
        patches = [c for c in at.get("image") if c.captions and c.captions[0].startswith("#")]
        accuracy = [m for m in at.metric if m.label == "Test accuracy"]
        if len(patches) == 9 and accuracy:
            break
        time.sleep(0.1)
        at.run()
        ok(at)
    else:
        raise AssertionError("the workers' results never showed")
    indices, _, _ = activations.top_patches(trained.model, trained.test.images, layer=1, channel=0, k=9)
    assert [c.captions[0].split(" ")[0] for c in patches] == [f"#{i}" for i in indices]
    expected = activations.swapped_accuracy(
        trained.model, trained.test.images, trained.test.labels, index=0, kernel=kernels.preset("sobel x")
    )
    assert accuracy[0].value == f"{expected:.1%}"
    assert model_state(trained.model) == before


def test_a_conv1_the_kernels_page_cannot_match_is_said_and_the_rest_of_the_page_goes_on(open_page):
    """conv 5×5 with padding 1: the Kernels page's borders have no match (they pad kernel // 2 = 2)."""
    from explorer.data import datasets
    from explorer.nets import architecture
    from ui.cached.train import TrainedModel

    spec = architecture.ArchitectureSpec(
        "odd padding",
        (1, 8, 8),
        (architecture.Conv(4, 5, padding=1), architecture.Flatten(), architecture.Dense(10)),
        10,
    )
    test = datasets.digits(size=8)
    trained = TrainedModel(architecture.build(spec, seed=0).eval(), spec, test.class_names, "fmaps odd", "a test")
    at = open_page(PAGE)
    at.session_state["train.model"] = trained
    at.run()
    ok(at)
    assert any(i.value.startswith("Your kernel inside the network is not available") for i in at.info)
    assert "What is going on" in [s.value for s in at.subheader]


def test_clicking_a_filter_picks_it_for_a_close_look_the_swap_and_the_challenge(open_page):
    at = open_page(PAGE)
    from ui.cached import feature_maps as cached

    # 32 filters of 3×3, 8 to a row: the cell is 3 × the factor that fills FILTER_GRID_PX
    factor = (cached.FILTER_GRID_PX - 7 * cached.FILTER_GAP_PX) // (8 * 3)
    cell = 3 * factor + cached.FILTER_GAP_PX
    width = 8 * cell - cached.FILTER_GAP_PX
    at.session_state["_fmaps.filter_click"] = {"x": 5 * cell + 3, "y": 2 * cell + 3, "width": width, "height": 4 * cell}
    at.run()
    ok(at)
    assert at.session_state["fmaps.filter"] == 21
    assert at.number_input(key="fmaps.swap_filter").value == 21
    assert at.number_input(key="fmaps.pick").value == 21
    filters = activations.conv1_filters(checkpoints.load_default("digits").model)
    np.testing.assert_allclose(at.dataframe[0].value.to_numpy(), filters[21, 0], rtol=1e-6)


def test_a_wide_layer_draws_its_first_maps_and_every_channel_stays_reachable(open_page):
    from explorer.data import datasets
    from explorer.nets import architecture
    from ui.cached import feature_maps as cached
    from ui.cached.train import TrainedModel

    layers = (architecture.Conv(80, 3, padding="same"), architecture.Flatten(), architecture.Dense(10))
    spec = architecture.ArchitectureSpec("wide", (1, 8, 8), layers, 10)
    test = datasets.digits(size=8)
    trained = TrainedModel(architecture.build(spec, seed=0).eval(), spec, test.class_names, "fmaps wide", "a test")
    at = open_page(PAGE)
    at.session_state["train.model"] = trained
    at.run()
    ok(at)
    assert any(
        c.startswith("80 maps of 8×8") and c.endswith(f"the first {cached.MAX_SHOWN_MAPS} drawn") for c in _captions(at)
    )
    at.number_input(key="fmaps.channel").set_value(79).run()
    ok(at)
    assert image_caption(at, "1. conv 80 3×3, padding same, channel 79: 8×8")


def test_a_typed_kernel_from_the_link(open_page):
    at = open_page(PAGE, query={"kernel_from": "typed", "typed": "1,2,1;0,0,0;-1,-2,-1", "swap": "3"})
    assert at.radio(key="fmaps.kernel_source").value == "typed"
    np.testing.assert_array_equal(at.dataframe[-1].value.to_numpy(), -kernels.preset("sobel y"))
    assert image_caption(at, "The learned filter 3's map")
