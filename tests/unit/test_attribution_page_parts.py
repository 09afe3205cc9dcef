"""The parts of explorer.interpret.attribution the Attribution page adds: the overlay and its colours (against
matplotlib's "inferno" and hand-computed blends), the several-method sanity check and deletion curves (against
the one-method functions they gather), and the conv layers' names."""

import matplotlib
import numpy as np
import pytest
import torch

from explorer.data import datasets
from explorer.interpret.attribution import (
    RANDOM,
    attribute,
    conv_layer_names,
    deletion_curve,
    deletion_curves,
    heat_colors,
    overlay,
    sanity_check,
    sanity_checks,
)
from explorer.nets import checkpoints
from tests.unit.test_attribution import model_state


@pytest.fixture(scope="module")
def digits_model():
    return checkpoints.load_default("digits").model


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    return datasets.digits(size=8).images[0]  # a 0, (1, 8, 8) float32


# ------------------------------------------------------------------------------------------------ pictures
def test_unsigned_colours_follow_matplotlibs_inferno():
    heat = np.linspace(0.0, 1.0, 200, dtype=np.float32).reshape(10, 20)  # 99th percentile: 0.99
    colours = heat_colors(heat, signed=False)
    assert colours.shape == (10, 20, 3) and colours.dtype == np.float32
    inferno = matplotlib.colormaps["inferno"]
    expected = inferno(np.clip(heat / np.percentile(heat, 99), 0, 1))[..., :3]
    # Nine points of inferno joined by straight lines: within 0.07 of the real map anywhere, exact at the points.
    np.testing.assert_allclose(colours, expected, atol=0.07)
    np.testing.assert_allclose(
        heat_colors(np.array([[0.0, 1.0]]), signed=False)[0], inferno([0.0, 1.0])[:, :3], atol=2e-3
    )


def test_unsigned_colours_are_not_washed_out_by_one_extreme_pixel_and_ignore_negatives():
    heat = np.ones((10, 20), dtype=np.float32)
    heat[0, 0] = 1000.0  # one pixel in 200: the 99th percentile is still 1
    heat[0, 1] = -0.5  # its magnitude is below 1: the limit stays 1
    colours = heat_colors(heat, signed=False)
    brightest = heat_colors(np.array([[0.0, 1.0]]), signed=False)[0, 1]
    np.testing.assert_allclose(colours[5, 5], brightest)  # an ordinary pixel at full colour
    np.testing.assert_allclose(colours[0, 0], brightest)  # above the limit: clipped
    np.testing.assert_allclose(colours[0, 1], heat_colors(np.array([[0.0, 1.0]]), signed=False)[0, 0])  # as 0


def test_signed_colours_are_white_at_zero_red_for_and_blue_against():
    heat = np.array([[0.0, 2.0, -2.0, 1.0]], dtype=np.float32)
    colours = heat_colors(heat, signed=True)
    np.testing.assert_allclose(colours[0, 0], [1, 1, 1])
    red, blue, half = colours[0, 1], colours[0, 2], colours[0, 3]
    assert red[0] > 0.6 and red[1] < 0.2 and red[2] < 0.2
    assert blue[2] > 0.6 and blue[0] < 0.2
    np.testing.assert_allclose(half, (np.ones(3) + red) / 2, atol=1e-6)  # halfway from white to red
    np.testing.assert_allclose(heat_colors(np.zeros((2, 2)), signed=True), 1.0)  # nothing to show: white


def test_overlay_blends_by_hand():
    image = np.array([[[0.0, 0.5], [1.0, 0.2]]], dtype=np.float32)  # (1, 2, 2) gray
    heat = np.array([[0.0, 1.0], [0.5, 0.25]], dtype=np.float32)
    picture = overlay(image, heat, opacity=0.0)
    assert picture.shape == (2, 2, 3) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture, np.repeat(np.round(image[0] * 255).astype(np.uint8)[..., None], 3, 2))
    colours = heat_colors(heat, signed=False)
    np.testing.assert_array_equal(overlay(image, heat, opacity=1.0), np.round(colours * 255).astype(np.uint8))
    mixed = overlay(image, heat, opacity=0.25)
    expected = 0.75 * image[0][..., None] + 0.25 * colours
    np.testing.assert_array_equal(mixed, np.round(expected * 255).astype(np.uint8))
    rgb = np.random.default_rng(1).random((3, 2, 2), dtype=np.float32)
    np.testing.assert_array_equal(overlay(rgb, heat, opacity=0.0), np.round(rgb.transpose(1, 2, 0) * 255))
    # A signed map covers each pixel by its strength: 0 leaves the image, the full value is the colour alone.
    signed_heat = np.array([[0.0, -1.0], [0.5, 0.25]], dtype=np.float32)  # limit: 99th percentile of |.| = 0.985
    limit = np.percentile(np.abs(signed_heat), 99)
    colours = heat_colors(signed_heat, signed=True)
    cover = 0.8 * np.clip(np.abs(signed_heat) / limit, 0, 1)[..., None]
    expected = (1 - cover) * image[0][..., None] + cover * colours
    signed = overlay(image, signed_heat, opacity=0.8, signed=True)
    np.testing.assert_array_equal(signed, np.round(expected * 255).astype(np.uint8))
    np.testing.assert_array_equal(signed[0, 0], [0, 0, 0])  # no attribution: the black pixel stays black


def test_overlay_errors():
    image = np.zeros((1, 4, 4), np.float32)
    with pytest.raises(ValueError, match="attribution_map must be the image's"):
        overlay(image, np.zeros((4, 5)))
    with pytest.raises(ValueError, match="opacity must be from 0.0 to 1.0, got 1.5"):
        overlay(image, np.zeros((4, 4)), opacity=1.5)
    with pytest.raises(ValueError, match="image must have 1 or 3 channels"):
        overlay(np.zeros((2, 4, 4), np.float32), np.zeros((4, 4)))
    with pytest.raises(ValueError, match="finite"):
        heat_colors(np.full((2, 2), np.nan), signed=False)


# ------------------------------------------------------------------------------------------------ sanity checks
def test_sanity_checks_gather_each_methods_sanity_check(digits_model, digit):
    before = model_state(digits_model)
    fractions = []
    options = {"integrated_gradients": {"steps": 16, "baseline": "gray"}, "smoothgrad": {"samples": 5}}
    methods = ["saliency", "integrated_gradients", "smoothgrad", "grad_cam"]
    results = sanity_checks(
        digits_model, digit, methods=methods, options=options, target=3, seed=2, on_progress=fractions.append
    )
    assert model_state(digits_model) == before
    assert list(results) == methods
    for method in methods:
        original, steps = results[method]
        own = dict(options.get(method, {}))
        if method == "smoothgrad":
            own["seed"] = 2
        np.testing.assert_array_equal(original, attribute(digits_model, digit, method=method, target=3, **own))
        own.pop("seed", None)
        expected = sanity_check(digits_model, digit, method=method, target=3, seed=2, **own)
        assert [name for name, _, _ in steps] == [name for name, _, _ in expected]
        for (_, heat, rho), (_, heat_ref, rho_ref) in zip(steps, expected):
            np.testing.assert_array_equal(heat, heat_ref)
            assert rho == pytest.approx(rho_ref, nan_ok=True)
    # Four layers (dense, three convs) per method, reported after each: 16 growing fractions ending at 1.
    assert len(fractions) == 16 and fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert fractions[3] == pytest.approx(0.25)


def test_sanity_checks_target_none_is_the_trained_prediction(digits_model, digit):
    with torch.no_grad():
        predicted = int(digits_model(torch.tensor(digit[None])).argmax())
    results = sanity_checks(digits_model, digit, methods=["saliency"])
    expected = attribute(digits_model, digit, method="saliency", target=predicted)
    np.testing.assert_array_equal(results["saliency"][0], expected)
    # and the randomised maps explain the same class: the first step's is the one sanity_check gives for it
    np.testing.assert_array_equal(
        results["saliency"][1][0][1], sanity_check(digits_model, digit, method="saliency", target=predicted)[0][1]
    )


def test_sanity_checks_errors(digits_model, digit):
    with pytest.raises(ValueError, match="methods must be a non-empty list"):
        sanity_checks(digits_model, digit, methods=[])
    with pytest.raises(ValueError, match="must not repeat"):
        sanity_checks(digits_model, digit, methods=["saliency", "saliency"])
    with pytest.raises(ValueError, match="method must be one of"):
        sanity_checks(digits_model, digit, methods=["magic"])
    with pytest.raises(ValueError, match="options names a method that is not in methods"):
        sanity_checks(digits_model, digit, methods=["saliency"], options={"grad_cam": {"layer": 0}})
    with pytest.raises(ValueError, match="has no option 'steps'"):
        sanity_checks(digits_model, digit, methods=["saliency"], options={"saliency": {"steps": 3}})


# ------------------------------------------------------------------------------------------------ deletion
def test_deletion_curves_are_each_maps_curve_and_a_random_ranking(digits_model, digit):
    maps = {name: attribute(digits_model, digit, method=name, target=0) for name in ("saliency", "grad_cam")}
    curves = deletion_curves(digits_model, digit, maps, target=0, baseline="gray", seed=4)
    assert list(curves) == ["saliency", "grad_cam", RANDOM]
    for name, heat in maps.items():
        for got, expected in zip(curves[name], deletion_curve(digits_model, digit, heat, target=0, baseline="gray")):
            np.testing.assert_array_equal(got, expected)
    ranking = np.random.default_rng(4).random((8, 8)).astype(np.float32)
    reference = deletion_curve(digits_model, digit, ranking, target=0, baseline="gray")
    np.testing.assert_array_equal(curves[RANDOM][1], reference[1])
    assert curves[RANDOM][2] == reference[2]
    assert len(curves["saliency"][0]) == 21  # 5 % steps
    with pytest.raises(ValueError, match="maps must be a mapping"):
        deletion_curves(digits_model, digit, {RANDOM: ranking})


def test_conv_layer_names_of_the_digits_model(digits_model):
    assert conv_layer_names(digits_model) == {0: "0 (conv 32 3×3)", 3: "3 (conv 32 3×3)", 7: "7 (conv 64 3×3)"}
    assert conv_layer_names(torch.nn.Linear(2, 2)) == {}
