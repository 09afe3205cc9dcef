"""The Occlusion page with AppTest: the default digits and shapes models, a model trained in the session, and an
uploaded colour network whose big occlusion runs in a worker with a progress bar. Painting is driven through the
page's session keys (the click component does not run in AppTest; the browser test clicks it for real)."""

from __future__ import annotations

import time

import numpy as np

from explorer.interpret import occlusion
from explorer.nets import architecture, checkpoints, predict_one, recipes
from tests.app.helpers import image, image_url, model_state, ok, trained_in_session
from ui import challenge_board, inspect_jobs, inspect_model, occl_paint
from ui.cached import train as cached_train

PAGE = "app_pages/occlusion.py"
# Digits test image 1 is a 9 the default model gets right; graying these three pixels (found by a greedy
# search, each time the pixel that lowers p(9) most) makes it answer 5.
NINE = 1
HIDING_PATCHES = [[3, 5, 1], [2, 5, 1], [5, 2, 1]]


def texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info])


def passed(at) -> set[str]:
    return (
        set(at.session_state[challenge_board.PASSED_KEY]) if challenge_board.PASSED_KEY in at.session_state else set()
    )


def paint_on(at, input_key: str, shape: tuple[int, ...], patches):
    at.session_state[occl_paint.PATCHES_KEY] = {occl_paint.store_key(input_key, shape): patches}
    return ok(at.run())


def test_default_digits_map_follows_the_window_and_leaves_the_model_alone(open_page):
    model = inspect_model.default_model("digits").model
    before = model_state(model)
    at = open_page(PAGE, query={"i": str(NINE)})
    assert at.session_state["occl.window"] == 2 and at.session_state["occl.stride"] == 1  # the 8×8 defaults
    assert at.session_state[occl_paint.SIZE_KEY] == 1
    assert "49 positions of a 2×2 window, stride 1" in texts(at)
    caption = "Drop of p(9) when hidden"
    first = image_url(at, caption)
    at.slider(key="occl.window").set_value(4).run()
    ok(at)
    assert at.session_state["occl.stride"] == 1
    assert "25 positions of a 4×4 window, stride 1" in texts(at)
    assert image_url(at, caption) != first
    at.selectbox(key="occl.target").set_value(4).run()
    assert image(ok(at), "Drop of p(4) when hidden")
    assert model_state(model) == before
    assert all(not module.training for module in model.modules())


def test_the_text_states_the_maps_largest_drop(open_page):
    at = open_page(PAGE, query={"i": str(NINE)})
    test = inspect_model.default_test("digits")
    heat = occlusion.occlusion(inspect_model.default_model("digits").model, test.images[NINE], window=2, stride=1)
    assert f"by up to {heat.max():.0%}" in texts(at)


def test_painting_changes_the_probabilities_and_passes_the_challenge(open_page):
    at = open_page(PAGE, query={"i": str(NINE)})
    key, shape = f"test:{NINE}", (1, 8, 8)
    assert "The network says **9**" in texts(at)
    assert occl_paint.CHALLENGE_ID not in passed(at)

    paint_on(at, key, shape, HIDING_PATCHES[:1])
    assert "1 square, 1 of 64 pixels painted" in texts(at)
    assert "Still **9**" in texts(at)
    assert any(i.value.startswith("Not yet.") for i in at.info)

    paint_on(at, key, shape, HIDING_PATCHES)
    model = inspect_model.default_model("digits").model
    painted = occl_paint.paint.apply_patches(inspect_model.default_test("digits").images[NINE], HIDING_PATCHES)
    expected = predict_one.class_probabilities(model, painted)
    assert int(expected.argmax()) == 5
    assert f"Now **5** ({expected[5]:.0%})" in texts(at)
    assert any(s.value.startswith("Passed!") for s in at.success)
    assert occl_paint.CHALLENGE_ID in passed(at) and occl_paint.CHALLENGE_ID == "occl.hide"

    at.button(key="_occl.undo").click().run()
    assert "2 squares, 2 of 64 pixels painted" in texts(ok(at))
    at.button(key="_occl.clear").click().run()
    assert "0 squares, 0 of 64 pixels painted" in texts(ok(at))
    assert occl_paint.CHALLENGE_ID in passed(at)  # passed once stays passed


def test_squares_are_kept_per_image(open_page):
    at = open_page(PAGE, query={"i": str(NINE)})
    paint_on(at, f"test:{NINE}", (1, 8, 8), [[0, 0, 2]])
    at.session_state["inspect.test_index"] = 2
    assert "0 squares" in texts(ok(at.run()))
    at.session_state["inspect.test_index"] = NINE
    assert "1 square, 1 of 64 pixels painted" in texts(ok(at.run()))  # 2×2 at the corner: 1 pixel inside


def test_too_many_pixels_fail_the_challenge_even_when_the_answer_changes(open_page):
    at = open_page(PAGE, query={"i": str(NINE)})
    # 3 pixels, then 2×2 and 2×3 cut off by the top corners: 13 pixels, and the answer is still 5
    paint_on(at, f"test:{NINE}", (1, 8, 8), [*HIDING_PATCHES, [0, 0, 4], [0, 7, 4]])
    assert "13 of 64 pixels painted" in texts(at)
    assert any("The answer changed to “5”, but with 13 pixels painted, more than 12" in i.value for i in at.info)
    assert not at.success


def test_default_shapes(open_page):
    """Also: test image 0 painted the same way on the digits first must not hand its (8×8) results to the shapes
    (every cache key holds the model's token)."""
    digits = open_page(PAGE, query={"i": "0"})
    paint_on(digits, "test:0", (1, 8, 8), [[1, 1, 1]])
    model = inspect_model.default_model("shapes").model
    before = model_state(model)
    at = open_page(PAGE, query={"model": "shapes", "i": "0"})
    paint_on(at, "test:0", (1, 28, 28), [[1, 1, 1]])
    assert at.session_state["occl.window"] == 4 and at.session_state["occl.stride"] == 2
    assert at.session_state[occl_paint.SIZE_KEY] == 4  # squares of 4×4 on 28×28 (single pixels on the digits)
    assert "169 positions of a 4×4 window, stride 2" in texts(at)
    assert "set on the default digits model" in texts(at)
    paint_on(at, "test:0", (1, 28, 28), [[14, 14, 8]])
    assert "1 square, 64 of 784 pixels painted" in texts(at)
    assert model_state(model) == before


def test_a_link_restores_the_settings(open_page):
    at = open_page(PAGE, query={"window": "3", "stride": "2", "baseline": "gray", "target": "7", "opacity": "0.3"})
    assert (at.session_state["occl.window"], at.session_state["occl.stride"]) == (3, 2)
    assert at.session_state["occl.baseline"] == "gray" and at.session_state["occl.target"] == 7
    assert image(at, "Drop of p(7) when hidden")
    assert at.query_params["window"] == "3" and at.query_params["baseline"] == "gray"


def test_a_model_trained_in_the_session(open_page):
    trained = trained_in_session()
    before = model_state(trained.model)
    at = open_page(PAGE)
    at.session_state[cached_train.MODEL_KEY] = trained
    ok(at.run())
    assert at.session_state["inspect.model"] == "session"
    assert "49 positions of a 2×2 window" in texts(at)
    assert "set on the default digits model" in texts(at)  # the challenge is on the shipped model only
    assert model_state(trained.model) == before


def colour_network() -> cached_train.TrainedModel:
    """An (untrained) LeNet-5 for 3×32×32 pictures of four classes, as if uploaded."""
    spec = architecture.preset("lenet5", input_shape=(3, 32, 32), num_classes=4)
    data = checkpoints.save_checkpoint(architecture.build(spec, seed=1).eval(), spec, class_names=list("abcd"))
    return cached_train.load_uploaded(data, "colour.safetensors")


def test_a_big_occlusion_runs_in_a_worker_and_shows_its_progress(open_page):
    trained = colour_network()
    before = model_state(trained.model)
    at = open_page(PAGE)
    at.session_state[inspect_model.UPLOADED_KEY] = trained
    at.session_state["inspect.model"] = "upload"
    at.session_state["inspect.input"] = "picker"
    ok(at.run())
    assert at.session_state["occl.window"] == 4 and at.session_state["occl.stride"] == 2
    # 226 images of 3×32×32 (694,272 values): a job; the page shows no map until it is done
    assert not any(e.captions and e.captions[0].startswith("Drop of") for e in at.get("image"))
    assert "225 positions" not in texts(at)
    waiting = [e.proto.text for e in at.get("progress")] + [i.value for i in at.info]
    assert any(text.startswith("The occlusion map: ") for text in waiting), waiting  # computing… or in line
    key = next(k for k in inspect_jobs._jobs if k[0] == "occlusion" and k[1] == trained.token)
    assert key[4:] == (4, 2, "black")  # (…, token, input, target, window, stride, baseline)
    assert inspect_jobs.join(key, timeout=120)
    for _ in range(50):
        ok(at.run())
        if any(e.captions and e.captions[0].startswith("Drop of") for e in at.get("image")):
            break
        time.sleep(0.1)
    assert "225 positions of a 4×4 window, stride 2" in texts(at)
    assert model_state(trained.model) == before


def test_the_recipe_test_set_is_the_one_the_page_uses():
    """The snippet reloads the default test images with recipes.RECIPES[...].data()[1]: the page's test set."""
    for name in ("digits", "shapes"):
        np.testing.assert_array_equal(recipes.RECIPES[name].data()[1].images, inspect_model.default_test(name).images)


def test_the_code_runs_for_a_test_image_and_for_the_sidebar_picture(open_page, tmp_path):
    """Show the code on a painted test image (its printed answer is the page's), then on an uploaded sidebar
    picture (read from the file the snippet names)."""
    from tests.app.helpers import use_own_image
    from tests.app.test_show_the_code import _png, run_snippet, snippets

    at = open_page(PAGE, query={"i": str(NINE)})
    paint_on(at, f"test:{NINE}", (1, 8, 8), HIDING_PATCHES)
    (code,) = snippets(at)
    assert "patches = [(3, 5, 1), (2, 5, 1), (5, 2, 1)]" in code and "test.images[1]" in code
    answer, pixels, heat_max = run_snippet(
        code, cwd=str(tmp_path), checks=["net.class_names[probabilities.argmax()]", "pixels", "float(heat.max())"]
    )
    assert (answer, pixels) == ("5", 3)
    assert f"by up to {heat_max:.0%}" in texts(at)

    picture = np.zeros((60, 40, 3), np.uint8)
    picture[10:50, 15:25] = 255  # a bright bar: a "1"
    at = use_own_image(at, picture, "occlusion-snippet")
    at.session_state["inspect.input"] = "picker"
    (code,) = snippets(ok(at.run()))
    assert "The challenge is about a test digit: pick one of the test images above" in texts(at)
    assert "imageio.load_image(open(" in code and "prepare_picture(" in code, code
    (tmp_path / "your_image.jpg").write_bytes(_png(picture))
    run_snippet(code, cwd=str(tmp_path))
