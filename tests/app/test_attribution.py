"""AppTests of the Attribution page: the default digits and shapes models and a model trained in the session;
the maps, the sanity check (a worker job), the deletion curves and the epochs against explorer's functions
called here directly; the URL state; the drill-down from the Train page's galleries; the model left unchanged."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from explorer.interpret import attribution
from explorer.nets import checkpoints, recipes
from tests.app.helpers import image_captions, model_state, ok, trained_in_session

PAGE = "app_pages/attribution.py"
JOB_TIMEOUT_S = 90


def sanity_done(at):
    """Rerun until the sanity check's maps show (the job runs in a worker; AppTest's fragments don't tick)."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        if any(": ρ " in caption for caption in image_captions(at)):
            return at
        time.sleep(0.2)
        ok(at.run())
    raise AssertionError(f"the sanity check did not finish: {[e.value for e in at.error]}")


def deletion_table(at):
    (frame,) = [f.value for f in at.dataframe if "area" in f.value.columns]
    return dict(zip(frame["method"], frame["area"]))


@pytest.fixture(scope="module")
def digits():
    return checkpoints.load_default("digits").model, recipes.RECIPES["digits"].data()[1]


def test_default_digits_model_maps_sanity_check_and_deletion(open_page, digits):
    model, test = digits
    before = model_state(model)
    at = sanity_done(open_page(PAGE, query={"i": "3"}))
    index, image = 3, test.images[3]
    with torch.no_grad():
        predicted = int(model(torch.tensor(image[None])).argmax())
    captions = image_captions(at)
    # the maps side by side: one picture per default method, captioned with its name
    assert ["Saliency", "Integrated Gradients", "Guided Backprop", "Grad-CAM"] == [
        c for c in captions if c in ("Saliency", "Integrated Gradients", "Guided Backprop", "Grad-CAM", "SmoothGrad")
    ]
    assert any(f"test image {index}" in c for c in captions)
    assert any(f"explains the class **{test.class_names[predicted]}**" in c.value for c in at.caption)
    # the sanity check: each randomised layer's rho, as explorer computes it for the same settings
    expected = attribution.sanity_check(model, image, method="saliency", target=predicted)
    for name, _, rho in expected:
        assert f"+ {name}: ρ {rho:.2f}" in captions
    guided = attribution.sanity_check(model, image, method="guided_backprop", target=predicted)
    assert f"+ {guided[0][0]}: ρ {guided[0][2]:.2f}" in captions
    # the deletion curves' areas, against deletion_curve called here on each method's map
    areas = deletion_table(at)
    heat = attribution.attribute(model, image, method="integrated_gradients", target=predicted)
    assert areas["Integrated Gradients"] == pytest.approx(deletion_curve_area(model, image, heat, predicted))
    assert set(areas) == {"Saliency", "Integrated Gradients", "Guided Backprop", "Grad-CAM", "random order"}
    best = min(areas, key=areas.get)
    assert any(f"here **{best}**" in m.value for m in at.markdown)
    # no training snapshots for a default model: a clear note instead
    assert any("needs a network trained on the Train page" in i.value for i in at.info)
    assert model_state(model) == before


def deletion_curve_area(model, image, heat, target) -> float:
    return attribution.deletion_curve(model, image, heat, target=target, baseline="black")[2]


def test_methods_target_and_options_change_the_page(open_page, digits):
    model, test = digits
    at = open_page(PAGE)
    at.multiselect(key="attr.methods").set_value(["smoothgrad", "input_x_gradient"]).run()
    ok(at)
    assert [c for c in image_captions(at) if c in ("SmoothGrad", "Input × Gradient", "Saliency")] == [
        "SmoothGrad",
        "Input × Gradient",
    ]
    at.selectbox(key="attr.target").set_value(3).run()
    ok(at)
    assert any("explains the class **3**" in c.value for c in at.caption)
    # the code shown names the chosen methods, the target and the options
    code = at.get("code")[0].value
    assert "method='smoothgrad'" in code and "target = 3" in code and "samples=20" in code
    at.multiselect(key="attr.methods").set_value([]).run()
    assert any("Choose at least one method" in i.value for i in ok(at).info)


def test_grad_cam_layer_choice_is_the_models_conv_layers(open_page):
    at = open_page(PAGE, query={"methods": "grad_cam", "layer": "3"})
    layer = at.selectbox(key="attr.layer")
    assert layer.value == 3
    assert layer.options == [
        "the last conv layer, 7 (conv 64 3×3)",
        "0 (conv 32 3×3)",
        "3 (conv 32 3×3)",
        "7 (conv 64 3×3)",
    ]


def test_the_shapes_model(open_page):
    at = open_page(PAGE)
    at.selectbox(key="inspect.model").set_value("shapes").run()
    at = sanity_done(ok(at))
    shapes = checkpoints.load_default("shapes")
    assert at.selectbox(key="attr.target").options[1:] == list(shapes.class_names)
    assert at.selectbox(key="attr.layer").options[1:] == ["0 (conv 16 5×5)", "4 (conv 32 3×3)", "8 (conv 64 3×3)"]
    assert "random order" in deletion_table(at)
    code = at.get("code")[0].value
    assert 'load_default("shapes")' in code and "test.images[0]" in code


def test_a_model_trained_in_the_session_shows_saliency_across_epochs(open_page):
    trained = trained_in_session()
    at = open_page(PAGE)
    at.session_state["train.model"] = trained
    ok(at.run())
    assert at.selectbox(key="inspect.model").value == "session"
    epoch_captions = [c for c in image_captions(at) if c.startswith("epoch ")]
    assert [c.split(":")[0] for c in epoch_captions] == ["epoch 1", "epoch 2", "epoch 3"]
    # each epoch's probability is that snapshot's, as its weights give it
    image = trained.test.images[0]
    with torch.no_grad():
        target = int(trained.model(torch.tensor(image[None])).argmax())
    for snapshot, caption in zip(trained.snapshots, epoch_captions):
        network = checkpoints.model_from_weights(trained.spec, snapshot.weights)
        with torch.no_grad():
            p = torch.softmax(network(torch.tensor(image[None])).double(), 1)[0, target].item()
        assert caption == f"epoch {snapshot.epoch}: {p:.0%}"
    assert 'load_checkpoint(open("my_model.safetensors"' in at.get("code")[0].value


def test_url_state_round_trip_and_bad_values(open_page):
    query = {"methods": "grad_cam,saliency", "target": "4", "opacity": "0.3", "steps": "20", "baseline": "gray"}
    at = open_page(PAGE, query=query)
    assert at.multiselect(key="attr.methods").value == ["grad_cam", "saliency"]
    assert at.selectbox(key="attr.target").value == 4
    assert at.select_slider(key="attr.opacity").value == 0.3
    assert at.select_slider(key="attr.ig_steps").value == 20
    assert at.selectbox(key="attr.baseline").value == "gray"
    for name, value in query.items():
        assert at.query_params[name] == [value] or at.query_params[name] == value
    bad = open_page(PAGE, query={"methods": "magic", "opacity": "7"})
    assert bad.multiselect(key="attr.methods").value == [
        "saliency",
        "integrated_gradients",
        "guided_backprop",
        "grad_cam",
    ]
    assert any("could not be used" in w.value for w in bad.warning)


def test_the_train_pages_gallery_link_opens_attribution_on_that_image(open_page):
    trained = trained_in_session()
    at = open_page("app_pages/train.py")
    at.session_state["train.model"] = trained
    ok(at.run())
    links = at.get("button_group")
    assert links, "the galleries have no links"
    wrong = [int(i) for i in np.flatnonzero(trained.evaluation.predictions != trained.test.labels)]
    index = wrong[0] if wrong else 0
    key = "train.explain.wrong" if wrong else "train.explain.cell"
    options = [g for g in links if g.key == key][0]
    options.set_value(index).run()
    ok(at)
    assert at.session_state["inspect.test_index"] == index
    assert any(f"test image {index}" in c for c in image_captions(at))
    assert at.selectbox(key="inspect.model").value == "session"


def test_the_sidebars_picture_shows_its_preprocessing_and_a_flat_map_says_so(open_page):
    at = open_page(PAGE, query={"methods": "grad_cam,saliency"})
    at.radio(key="inspect.input").set_value("picker").run()
    ok(at)
    captions = image_captions(at)
    # the picture and what the network sees beside it, every step in between in an expander
    assert captions[:2] == ["The sidebar's picture", "stretched so the strongest cell is 16"]
    assert any(c.startswith("8×8") for c in captions[2:])  # a step in between
    code = at.get("code")[0].value
    assert "samples.load_builtin('sample:astronaut')" in code and "style='digits'" in code
    # Grad-CAM keeps only evidence for the class (a ReLU): for a class the network rules out it can be 0 everywhere
    model = checkpoints.load_default("digits").model
    image = None
    for index in range(40):
        image = recipes.RECIPES["digits"].data()[1].images[index]
        if not attribution.attribute(model, image, method="grad_cam", target=0).any():
            break
    else:
        pytest.skip("no test image among the first 40 has a flat Grad-CAM map for class 0")
    at = open_page(PAGE, query={"methods": "grad_cam", "target": "0", "i": str(index)})
    assert "Grad-CAM (0 everywhere)" in image_captions(at)


def test_the_train_pages_galleries_link_only_a_model_trained_here(open_page):
    # The default model on the Train page is tested on the Train page's split, not on the test set the Inspect
    # pages use for it: its test image numbers would open other images, so its galleries have no links.
    at = open_page("app_pages/train.py")
    at.button(key="_train.use_default").click().run()
    ok(at)
    assert not [g for g in at.get("button_group") if str(g.key).startswith("train.explain")]
    at.session_state["train.model"] = trained_in_session()
    ok(at.run())
    assert [g for g in at.get("button_group") if str(g.key).startswith("train.explain")]


def test_a_network_without_conv_layers_has_no_grad_cam(open_page):
    from explorer.nets import architecture, layer_table
    from ui.cached.train import TrainedModel

    test = recipes.RECIPES["digits"].data()[1]
    spec = layer_table.rows_to_spec(layer_table.preset_rows("mlp"), name="mlp", input_shape=(1, 8, 8), num_classes=10)
    mlp = TrainedModel(
        architecture.build(spec).eval(), spec, tuple(test.class_names), "mlp for a test", "a test", test=test
    )
    at = open_page(PAGE, query={"methods": "grad_cam,saliency", "layer": "3"})
    at.session_state["train.model"] = mlp
    at = sanity_done(ok(at.run()))
    assert at.multiselect(key="attr.methods").value == ["saliency"]
    assert "Grad-CAM" not in at.multiselect(key="attr.methods").options  # the labels
    assert any("Grad-CAM needs a conv layer" in c.value for c in at.caption)
    assert [c for c in image_captions(at) if c.startswith("+ ")] == [
        f"+ {name}: ρ {rho:.2f}"
        for name, _, rho in attribution.sanity_check(mlp.model, test.images[0], method="saliency")
    ]
