"""explorer.interpret.attribution against references that are not captum: a linear model's weights, finite
differences on a float64 CNN, Grad-CAM and Guided Backprop written out by hand, IG's completeness, a deletion
curve computed by hand; and the rules every inspection function keeps (model unchanged, no hooks left, even
after an error, thread safety)."""

import math

import numpy as np
import pytest
import scipy.ndimage
import torch
from torch import nn

from explorer.data import datasets
from explorer.interpret.attribution import (
    METHODS,
    attribute,
    baseline_image,
    conv_layers,
    deletion_curve,
    sanity_check,
    spearman,
)
from explorer.nets import checkpoints
from tests.unit.model_digest import weights_hash
from tests.unit.two_threads import in_two_threads


# ------------------------------------------------------------------------------------------------ helpers
def no_hooks(model: nn.Module) -> bool:
    hooks = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
    local = all(not getattr(module, name) for module in model.modules() for name in hooks)
    globals_ = torch.nn.modules.module
    return local and not globals_._global_forward_hooks and not globals_._global_backward_hooks


def model_state(model: nn.Module) -> tuple:
    """Everything an inspection must leave alone: weights, modes, requires_grad flags, hooks."""
    return (
        weights_hash(model),
        tuple(module.training for module in model.modules()),
        tuple(p.requires_grad for p in model.parameters()),
        no_hooks(model),
    )


@pytest.fixture(scope="module")
def digits_model() -> nn.Module:
    return checkpoints.load_default("digits").model


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    return datasets.digits(size=8).images[0]  # a 0, (1, 8, 8) float32


def linear_model(channels: int, rows: int, cols: int, classes: int, *, seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(channels * rows * cols, classes)).eval()


def small_cnn() -> nn.Sequential:
    torch.manual_seed(1)
    return (
        nn.Sequential(
            nn.Conv2d(2, 3, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(3, 4, 3),
            nn.Tanh(),
            nn.Flatten(),
            nn.Linear(4 * 1 * 1, 3),
        )
        .double()
        .eval()
    )


def finite_gradient(model: nn.Module, image: np.ndarray, target: int, h: float = 1e-6) -> np.ndarray:
    """Central differences of the target logit, one value at a time (float64)."""
    gradient = np.zeros_like(image)
    with torch.no_grad():
        for index in np.ndindex(image.shape):
            plus, minus = image.copy(), image.copy()
            plus[index] += h
            minus[index] -= h
            up = model(torch.from_numpy(plus[None]))[0, target].item()
            down = model(torch.from_numpy(minus[None]))[0, target].item()
            gradient[index] = (up - down) / (2 * h)
    return gradient


# ------------------------------------------------------------------------------------------------ references
def test_saliency_of_a_linear_model_is_the_largest_weight_magnitude_over_channels():
    model = linear_model(3, 5, 4, 4)
    image = np.random.default_rng(0).random((3, 5, 4), dtype=np.float32)
    weights = model[1].weight.detach().numpy()  # (4, 60)
    for target in range(4):
        expected = np.abs(weights[target].reshape(3, 5, 4)).max(axis=0)
        heat = attribute(model, image, method="saliency", target=target)
        assert heat.shape == (5, 4) and heat.dtype == np.float32
        np.testing.assert_allclose(heat, expected, rtol=1e-6)


def test_saliency_and_input_x_gradient_match_finite_differences_on_a_float64_cnn():
    model = small_cnn()
    image = np.random.default_rng(2).random((2, 6, 6))  # float64
    for target in range(3):
        gradient = finite_gradient(model, image, target)
        saliency = attribute(model, image, method="saliency", target=target)
        np.testing.assert_allclose(saliency, np.abs(gradient).max(axis=0), rtol=1e-5, atol=1e-8)
        input_x_gradient = attribute(model, image, method="input_x_gradient", target=target)
        np.testing.assert_allclose(input_x_gradient, (image * gradient).sum(axis=0), rtol=1e-5, atol=1e-8)


def test_target_none_is_the_predicted_class():
    model = small_cnn()
    image = np.random.default_rng(3).random((2, 6, 6))
    predicted = int(model(torch.from_numpy(image[None])).argmax())
    np.testing.assert_array_equal(
        attribute(model, image, method="saliency"), attribute(model, image, method="saliency", target=predicted)
    )


@pytest.mark.parametrize("baseline", ["black", "gray"])
def test_integrated_gradients_are_complete(digits_model, baseline):
    # Completeness (Sundararajan et al.): the map sums to f(x) - f(baseline) for the target logit, up to the
    # error of the path integral. Tolerance, measured over 80 digits with captum's Gauss-Legendre rule: the
    # worst error was 2.3 % of the difference at 50 steps (asserted: 3 %) and 0.27 % at 500 (asserted: 0.5 %).
    images = datasets.digits(size=8).images[:100:10]
    for image in images:
        reference = np.zeros_like(image) if baseline == "black" else np.full_like(image, 0.5)
        with torch.no_grad():
            logits = digits_model(torch.tensor(np.stack([image, reference])))
        target = int(logits[0].argmax())
        difference = float(logits[0, target] - logits[1, target])
        assert abs(difference) > 1.0
        for steps, tolerance in ((50, 0.03), (500, 0.005)):
            heat = attribute(
                digits_model, image, method="integrated_gradients", target=target, baseline=baseline, steps=steps
            )
            assert heat.sum(dtype=np.float64) == pytest.approx(difference, rel=tolerance)


def test_the_blurred_baseline_is_scipys_gaussian_with_mirrored_borders():
    image = np.random.default_rng(4).random((2, 16, 24), dtype=np.float32)
    blurred = baseline_image(image, "blurred")  # sigma = 16 / 8 = 2, cv2's kernel reaches 4 sigma
    expected = np.stack([scipy.ndimage.gaussian_filter(c, 2.0, mode="mirror", truncate=4.0) for c in image])
    assert blurred.shape == image.shape and blurred.dtype == np.float32
    np.testing.assert_allclose(blurred, expected, atol=1e-5)
    np.testing.assert_array_equal(baseline_image(image, "gray"), np.full_like(image, 0.5))
    np.testing.assert_array_equal(baseline_image(image, 0.25), np.full_like(image, 0.25))


def grad_cam_by_hand(model: nn.Sequential, image: np.ndarray, target: int, layer: int) -> np.ndarray:
    """Selvaraju et al.: channel weights = mean gradient of the logit over the layer's map, ReLU of the weighted
    sum of the maps, bilinear upsampling (pixel centres aligned) to the input's size."""
    activations = model[: layer + 1](torch.tensor(image[None])).detach().requires_grad_()
    logit = model[layer + 1 :](activations)[0, target]
    (gradient,) = torch.autograd.grad(logit, activations)
    weights = gradient.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * activations).sum(dim=1, keepdim=True))
    size = image.shape[1:]
    return torch.nn.functional.interpolate(cam, size=size, mode="bilinear", align_corners=False)[0, 0].detach().numpy()


def test_grad_cam_is_the_input_size_and_matches_the_formula_by_hand(digits_model, digit):
    assert conv_layers(digits_model) == [0, 3, 7]
    for target in (0, 6):
        for layer in (0, 3, 7):
            heat = attribute(digits_model, digit, method="grad_cam", target=target, layer=layer)
            assert heat.shape == digit.shape[1:] and heat.dtype == np.float32
            assert heat.min() >= 0
            np.testing.assert_allclose(heat, grad_cam_by_hand(digits_model, digit, target, layer), atol=1e-5)
        default = attribute(digits_model, digit, method="grad_cam", target=target)
        np.testing.assert_array_equal(
            default, attribute(digits_model, digit, method="grad_cam", target=target, layer=7)
        )


def test_grad_cam_on_the_28_pixel_shapes_model_is_28_by_28():
    loaded = checkpoints.load_default("shapes")
    image = np.random.default_rng(5).random((1, 28, 28), dtype=np.float32)
    assert attribute(loaded.model, image, method="grad_cam").shape == (28, 28)


def test_guided_backprop_stops_negative_gradients_at_the_relu_by_hand():
    torch.manual_seed(6)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)).double().eval()
    image = np.random.default_rng(6).normal(size=(1, 2, 2))
    w1, b1 = model[1].weight.detach().numpy(), model[1].bias.detach().numpy()
    w2 = model[3].weight.detach().numpy()
    pre = w1 @ image.ravel() + b1
    for target in (0, 1):
        through_relu = np.maximum(w2[target], 0) * (pre > 0)  # only positive gradients, only where the unit is on
        expected = (w1.T @ through_relu).reshape(2, 2)
        heat = attribute(model, image, method="guided_backprop", target=target)
        np.testing.assert_allclose(heat, expected, rtol=1e-6, atol=1e-9)


def test_smoothgrad_is_seeded_and_without_noise_is_saliency(digits_model, digit):
    first = attribute(digits_model, digit, method="smoothgrad", seed=3)
    np.testing.assert_array_equal(first, attribute(digits_model, digit, method="smoothgrad", seed=3))
    assert not np.array_equal(first, attribute(digits_model, digit, method="smoothgrad", seed=4))
    np.testing.assert_allclose(
        attribute(digits_model, digit, method="smoothgrad", stdev=0.0, samples=3),
        attribute(digits_model, digit, method="saliency"),
        rtol=1e-5,
        atol=1e-7,
    )


# ------------------------------------------------------------------------------------------------ deletion
def test_deletion_curve_by_hand_and_the_oracle_falls_faster_than_random_maps():
    # Two classes, class 0's logit is w·x + b and class 1's is 0: p(0) = sigmoid(w·x + b). Removing a pixel (to
    # 0) takes away its contribution w_i x_i exactly, so the oracle map is the contributions themselves.
    rows, cols = 6, 5
    model = linear_model(1, rows, cols, 2, seed=7)
    with torch.no_grad():
        model[1].weight[1] = 0
        model[1].bias[1] = 0
    w = model[1].weight[0].detach().numpy().astype(np.float64)
    b = float(model[1].bias[0].detach())
    image = np.random.default_rng(7).random((1, rows, cols), dtype=np.float32)
    contributions = w * image.ravel()
    oracle = contributions.reshape(rows, cols).astype(np.float32)
    fractions, probabilities, area = deletion_curve(model, image, oracle, target=0)

    removed = np.round(fractions * rows * cols).astype(int)
    np.testing.assert_allclose(fractions * rows * cols, removed, atol=1e-9)  # whole pixels
    np.testing.assert_array_equal(removed, np.floor(np.arange(21) * 1.5 + 0.5))  # 5 % of 30 pixels, halves up
    order = np.argsort(-contributions, kind="stable")
    expected = [1 / (1 + math.exp(-(contributions[order[k:]].sum() + b))) for k in removed]
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5)
    assert area == pytest.approx(np.trapezoid(expected, fractions), rel=1e-5)

    rng = np.random.default_rng(8)
    for _ in range(10):
        random_map = rng.random((rows, cols)).astype(np.float32)
        assert deletion_curve(model, image, random_map, target=0)[2] > area


def test_deletion_curve_steps_and_baselines(digits_model, digit):
    heat = attribute(digits_model, digit, method="saliency")
    fractions, probabilities, _ = deletion_curve(digits_model, digit, heat, step=0.3, baseline="gray")
    np.testing.assert_allclose(fractions, np.array([0, 19, 38, 58, 64]) / 64)  # 30 % of 64 pixels is 19.2
    with torch.no_grad():
        logits = digits_model(torch.from_numpy(np.stack([digit, np.full_like(digit, 0.5)])))
    target = int(logits[0].argmax())
    start, end = torch.softmax(logits.double(), dim=1)[:, target].numpy()
    assert probabilities[0] == pytest.approx(start, rel=1e-5) and probabilities[-1] == pytest.approx(end, rel=1e-5)


# ------------------------------------------------------------------------------------------------ sanity check
def test_sanity_check_randomises_from_the_top_and_saliency_decorrelates(digits_model, digit):
    before = model_state(digits_model)
    steps = sanity_check(digits_model, digit, method="saliency", seed=0)
    assert model_state(digits_model) == before
    assert [name for name, _, _ in steps] == ["12 (dense 10)", "7 (conv 64 3×3)", "3 (conv 32 3×3)", "0 (conv 32 3×3)"]
    original = attribute(digits_model, digit, method="saliency")
    for _, heat, rho in steps:
        assert heat.shape == (8, 8)
        assert rho == pytest.approx(spearman(original, heat))
    # Once every layer is random, saliency no longer ranks the pixels as the trained network's did.
    assert steps[-1][2] < 0.5
    again = sanity_check(digits_model, digit, method="saliency", seed=0)
    np.testing.assert_array_equal(steps[-1][1], again[-1][1])


def test_guided_backprop_barely_changes_when_the_classifier_is_random(digits_model, digit):
    # Adebayo et al.'s finding, on our digits model: with the dense layer random, the guided backprop map keeps
    # nearly the same ranking (the ReLU masks, set by the input, do most of its work); saliency's is gone.
    guided = sanity_check(digits_model, digit, method="guided_backprop")[0][2]
    saliency = sanity_check(digits_model, digit, method="saliency")[0][2]
    assert guided > 0.8 and saliency < 0.3


def test_spearman_is_scipys_and_nan_for_a_constant_map():
    a = np.array([[1.0, 5.0], [2.0, 2.0]])
    b = np.array([[0.3, 0.9], [0.1, 0.2]])
    # ranks by hand: a -> 1, 4, 2.5, 2.5; b -> 3, 4, 1, 2
    ra, rb = np.array([1, 4, 2.5, 2.5]), np.array([3, 4, 1, 2])
    assert spearman(a, b) == pytest.approx(np.corrcoef(ra, rb)[0, 1])
    assert math.isnan(spearman(a, np.zeros((2, 2))))


# ------------------------------------------------------------------------------------------------ model untouched
def test_every_function_leaves_the_model_as_it_was(digits_model, digit):
    before = model_state(digits_model)
    assert before[3]
    for method in METHODS:
        attribute(digits_model, digit, method=method)
        assert model_state(digits_model) == before, method
    deletion_curve(digits_model, digit, np.ones((8, 8), np.float32), baseline="blurred")
    sanity_check(digits_model, digit, method="guided_backprop")
    assert model_state(digits_model) == before


class Bomb(nn.Module):
    """Passes values through, but fails inside an attribution (when the input needs a gradient)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.requires_grad:
            raise RuntimeError("boom")
        return x


@pytest.mark.parametrize("method", METHODS)
def test_no_hooks_left_after_an_error_inside_captum(method):
    torch.manual_seed(9)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), Bomb(), nn.Flatten(), nn.Linear(72, 3)).eval()
    model[0].bias.requires_grad_(False)  # a flag that must come back as it was, not reset to True
    image = np.random.default_rng(9).random((1, 6, 6), dtype=np.float32)
    before = model_state(model)
    with pytest.raises(RuntimeError, match="boom"):
        attribute(model, image, method=method)
    assert model_state(model) == before
    with pytest.raises(ValueError, match="target must be a class index from 0 to 2"):
        attribute(model, image, method=method, target=3)
    assert model_state(model) == before


def test_a_model_in_training_mode_is_inspected_in_eval_mode_and_left_training(digit):
    model = checkpoints.load_default("digits").model
    expected = attribute(model, digit, method="saliency")
    model.train()
    assert np.array_equal(attribute(model, digit, method="saliency"), expected)
    assert all(module.training for module in model.modules())


def test_two_threads_at_once_give_the_single_thread_results(digits_model, digit):
    methods = ("guided_backprop", "grad_cam", "smoothgrad", "saliency", "integrated_gradients")
    alone = {method: attribute(digits_model, digit, method=method, target=3) for method in methods}

    def work(slot: int) -> dict[str, list[np.ndarray]]:
        maps: dict[str, list[np.ndarray]] = {}
        for _ in range(5):
            for method in methods if slot == 0 else reversed(methods):
                maps.setdefault(method, []).append(attribute(digits_model, digit, method=method, target=3))
        return maps

    for maps in in_two_threads(work):
        for method in methods:
            for heat in maps[method]:
                np.testing.assert_allclose(heat, alone[method], rtol=1e-6, atol=1e-7, err_msg=method)
    assert no_hooks(digits_model)


# ------------------------------------------------------------------------------------------------ errors
def test_clear_errors(digits_model, digit):
    with pytest.raises(ValueError, match="method must be one of saliency"):
        attribute(digits_model, digit, method="lime")
    with pytest.raises(ValueError, match="has no option 'steps'"):
        attribute(digits_model, digit, method="saliency", steps=5)
    with pytest.raises(ValueError, match="target must be a class index from 0 to 9"):
        attribute(digits_model, digit, method="saliency", target=10)
    with pytest.raises(ValueError, match="target must be a class index"):
        attribute(digits_model, digit, method="saliency", target=-1)
    with pytest.raises(ValueError, match=r"image must be a \(C, H, W\) float32 array, got float32 \(8, 8\)"):
        attribute(digits_model, digit[0], method="saliency")
    with pytest.raises(ValueError, match="image must be a"):
        attribute(digits_model, digit.astype(np.uint8), method="saliency")
    with pytest.raises(ValueError, match=r"does not fit this network"):
        attribute(digits_model, np.zeros((3, 8, 8), np.float32), method="saliency")
    with pytest.raises(ValueError, match="finite"):
        attribute(digits_model, np.full((1, 8, 8), np.nan, np.float32), method="saliency")
    with pytest.raises(ValueError, match=r"layer must be the index of a conv layer \(0, 3, 7\), got 2"):
        attribute(digits_model, digit, method="grad_cam", layer=2)
    with pytest.raises(ValueError, match="has none"):
        attribute(linear_model(1, 8, 8, 10), digit, method="grad_cam")
    with pytest.raises(ValueError, match="steps must be from 1 to 1000, got 0"):
        attribute(digits_model, digit, method="integrated_gradients", steps=0)
    with pytest.raises(ValueError, match="baseline must be one of black, gray, blurred"):
        attribute(digits_model, digit, method="integrated_gradients", baseline="white")
    with pytest.raises(ValueError, match="attribution_map must be the image's"):
        deletion_curve(digits_model, digit, np.ones((4, 4), np.float32))
    with pytest.raises(ValueError, match="step must be"):
        deletion_curve(digits_model, digit, np.ones((8, 8), np.float32), step=0)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        attribute("model", digit, method="saliency")


def test_grad_cam_on_a_block_holding_convolutions_matches_the_formula_by_hand():
    # SqueezeNet's Fire modules are blocks of convolutions: Grad-CAM may target them, as any conv layer.
    from explorer.deep import backbone

    model = backbone.build(pretrained=False, seed=1)
    fires = [index for name, index in backbone.LAYERS.items() if name != "conv1"]
    assert conv_layers(model) == [0, *fires, 14]  # conv1, fire2..fire9, the 1×1 classifier conv
    image = np.random.default_rng(2).normal(size=(3, 80, 96)).astype(np.float32)
    fire5 = backbone.LAYERS["fire5"]
    heat = attribute(model, image, method="grad_cam", target=7, layer=fire5)
    np.testing.assert_allclose(heat, grad_cam_by_hand(model, image, 7, fire5), rtol=1e-4, atol=1e-6)
