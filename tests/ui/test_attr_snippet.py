"""The Attribution page's "Show the code" (ui.attr_snippet) runs and computes what explorer computes when called
directly here, for a default model's test image and for the sidebar's built-in picture."""

import numpy as np

from explorer.images import samples
from explorer.interpret import attribution
from explorer.nets import checkpoints, predict_one, recipes
from ui import attr_snippet

OPTIONS = {"integrated_gradients": {"steps": 20, "baseline": "gray"}, "grad_cam": {"layer": 3}}


def run(code: str) -> dict:
    namespace: dict = {}
    exec(compile(code, "<snippet>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace


def test_the_snippet_of_a_digits_test_image_gives_the_pages_numbers():
    code = attr_snippet.code(
        kind="digits",
        style="digits",
        input_shape=(1, 8, 8),
        source_key="test:5",
        methods=["saliency", "integrated_gradients", "grad_cam"],
        options=OPTIONS,
        target=2,
        opacity=0.4,
        baseline="gray",
    )
    done = run(code)
    model = checkpoints.load_default("digits").model
    image = recipes.RECIPES["digits"].data()[1].images[5]
    np.testing.assert_array_equal(done["image"], image)
    assert done["target"] == 2
    expected = attribution.attribute(model, image, method="integrated_gradients", target=2, steps=20, baseline="gray")
    np.testing.assert_array_equal(done["maps"]["integrated_gradients"], expected)
    np.testing.assert_array_equal(
        done["maps"]["grad_cam"], attribution.attribute(model, image, method="grad_cam", target=2, layer=3)
    )
    np.testing.assert_array_equal(
        done["pictures"]["integrated_gradients"], attribution.overlay(image, expected, opacity=0.4, signed=True)
    )
    areas = {name: curve[2] for name, curve in done["curves"].items()}
    maps = {
        name: attribution.attribute(model, image, method=name, target=2, **OPTIONS.get(name, {}))
        for name in done["maps"]
    }
    reference = attribution.deletion_curves(model, image, maps, target=2, baseline="gray")
    assert areas == {name: curve[2] for name, curve in reference.items()}
    assert list(done["checks"]) == ["saliency", "integrated_gradients", "grad_cam"]
    assert 'open("your_image.jpg"' in code  # the commented way to a picture of your own


def test_the_snippet_of_the_sidebars_picture_prepares_it_as_the_page_does():
    code = attr_snippet.code(
        kind="shapes",
        style="photo",
        input_shape=(1, 28, 28),
        source_key="picker:sample:astronaut",
        methods=["saliency"],
        options={},
        target=None,
        opacity=0.6,
        baseline="black",
    )
    done = run(code)
    picture = samples.load_builtin("sample:astronaut")
    image = predict_one.prepare_picture(picture, (1, 28, 28), style="photo")
    np.testing.assert_array_equal(done["image"], image)
    model = checkpoints.load_default("shapes").model
    assert done["target"] == int(np.argmax(predict_one.class_probabilities(model, image)))


def test_a_session_model_is_read_from_the_saved_file():
    code = attr_snippet.code(
        kind="session",
        style="digits",
        input_shape=(1, 8, 8),
        source_key="test:3",
        methods=["saliency"],
        options={},
        target=None,
        opacity=0.6,
        baseline="black",
    )
    assert 'checkpoints.load_checkpoint(open("my_model.safetensors", "rb").read())' in code
    assert "predict_one.prepare_picture(picture, model_input_shape, style='digits')" in code
    compile(code, "<snippet>", "exec")  # valid Python
