"""explorer.interpret.occlusion against the drop of a linear model's softmax computed by hand, window by
window; batching never changes the map; the model is left untouched, also by two threads at once."""

import hashlib

import numpy as np
import pytest
import torch
from torch import nn

from explorer.data import datasets, shapes
from explorer.interpret.occlusion import occlusion, window_starts
from explorer.nets import checkpoints
from tests.unit.two_threads import in_two_threads


def model_state(model: nn.Module) -> tuple:
    """Everything an inspection must leave alone: weights, modes, requires_grad flags, hooks (none)."""
    weights = hashlib.sha256(b"".join(t.detach().contiguous().numpy().tobytes() for t in model.state_dict().values()))
    hooks = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
    return (
        weights.hexdigest(),
        tuple(module.training for module in model.modules()),
        tuple(p.requires_grad for p in model.parameters()),
        any(getattr(module, name) for module in model.modules() for name in hooks),
    )


def softmax(logits: np.ndarray) -> np.ndarray:
    exps = np.exp(logits - logits.max())
    return exps / exps.sum()


def occlusion_by_hand(weights, bias, image, target, window, stride, fill) -> np.ndarray:
    """Every window position in plain loops: the probability drop added to the pixels it covers, then divided by
    how many windows covered each pixel."""
    _, rows, cols = image.shape
    total = np.zeros((rows, cols))
    count = np.zeros((rows, cols))
    p = softmax(weights @ image.ravel().astype(np.float64) + bias)[target]
    top = 0
    while True:
        left = 0
        while True:
            hidden = image.astype(np.float64).copy()
            hidden[:, top : top + window, left : left + window] = fill[:, top : top + window, left : left + window]
            drop = p - softmax(weights @ hidden.ravel() + bias)[target]
            total[top : top + window, left : left + window] += drop
            count[top : top + window, left : left + window] += 1
            if left + window >= cols:
                break
            left += stride
        if top + window >= rows:
            break
        top += stride
    assert count.min() >= 1
    return total / count


@pytest.mark.parametrize(("window", "stride"), [(3, 2), (2, 2), (4, 1), (5, 3)])
def test_a_linear_model_gives_the_analytic_drop_per_window(window, stride):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 7 * 6, 4)).eval()
    weights = model[1].weight.detach().numpy().astype(np.float64) * 3  # larger drops than the default init's
    with torch.no_grad():
        model[1].weight.mul_(3)
    bias = model[1].bias.detach().numpy().astype(np.float64)
    image = np.random.default_rng(0).random((2, 7, 6), dtype=np.float32)
    for target in (0, 3):
        for baseline, fill in ((0.0, np.zeros_like(image)), ("gray", np.full_like(image, 0.5))):
            heat = occlusion(model, image, target=target, window=window, stride=stride, baseline=baseline)
            assert heat.shape == (7, 6) and heat.dtype == np.float32
            expected = occlusion_by_hand(weights, bias, image, target, window, stride, fill)
            np.testing.assert_allclose(heat, expected, atol=1e-6)
    predicted = int(np.argmax(weights @ image.ravel() + bias))
    np.testing.assert_array_equal(occlusion(model, image), occlusion(model, image, target=predicted))


def test_window_starts_by_hand():
    np.testing.assert_array_equal(window_starts(28, window=4, stride=2), np.arange(0, 25, 2))  # 13 positions
    np.testing.assert_array_equal(window_starts(7, window=3, stride=2), [0, 2, 4])
    np.testing.assert_array_equal(window_starts(6, window=3, stride=2), [0, 2, 4])  # the last one cut to 2
    np.testing.assert_array_equal(window_starts(8, window=8, stride=3), [0])


def test_one_window_the_size_of_the_image_is_the_drop_of_the_whole_image():
    loaded = checkpoints.load_default("digits")
    image = datasets.digits(size=8).images[5]
    with torch.no_grad():
        logits = loaded.model(torch.from_numpy(np.stack([image, np.zeros_like(image)]))).double()
    target = int(logits[0].argmax())
    probabilities = torch.softmax(logits, dim=1)[:, target].numpy()
    heat = occlusion(loaded.model, image, window=8, stride=8)
    np.testing.assert_allclose(heat, np.full((8, 8), probabilities[0] - probabilities[1]), atol=1e-6)


@pytest.fixture(scope="module")
def shapes_case():
    loaded = checkpoints.load_default("shapes")
    return loaded.model, shapes.make_shapes(1, seed=0).images[3]  # a disc, (1, 28, 28)


def test_batching_never_changes_the_map(shapes_case):
    model, image = shapes_case
    one_at_a_time = occlusion(model, image, perturbations_per_eval=1)
    assert one_at_a_time.shape == (28, 28) and np.abs(one_at_a_time).max() > 0
    for per_eval in (7, 64, 169, 500, None):
        np.testing.assert_allclose(
            occlusion(model, image, perturbations_per_eval=per_eval), one_at_a_time, atol=1e-6, err_msg=str(per_eval)
        )


def test_the_model_is_left_as_it_was_also_by_two_threads_at_once(shapes_case):
    model, image = shapes_case
    before = model_state(model)
    alone = occlusion(model, image, target=2, baseline="blurred")
    assert model_state(model) == before
    first, second = in_two_threads(
        lambda slot: [occlusion(model, image, target=2, baseline="blurred") for _ in range(4)]
    )
    for heat in first + second:
        np.testing.assert_allclose(heat, alone, atol=1e-7)
    assert model_state(model) == before


def test_clear_errors(shapes_case):
    model, image = shapes_case
    with pytest.raises(ValueError, match=r"window must be at most the image's shorter side \(28 pixels\), got 29"):
        occlusion(model, image, window=29)
    with pytest.raises(ValueError, match="stride must be from 1 to 4, got 5"):
        occlusion(model, image, window=4, stride=5)
    with pytest.raises(ValueError, match="stride must be"):
        occlusion(model, image, stride=0)
    with pytest.raises(ValueError, match="window must be"):
        occlusion(model, image, window=1.5)
    with pytest.raises(ValueError, match="target must be a class index from 0 to 7"):
        occlusion(model, image, target=8)
    with pytest.raises(ValueError, match=r"image must be a \(C, H, W\)"):
        occlusion(model, image[0])
    with pytest.raises(ValueError, match="does not fit this network"):
        occlusion(model, np.zeros((1, 20, 20), np.float32))
    with pytest.raises(ValueError, match="baseline must have the image's shape"):
        occlusion(model, image, baseline=np.zeros((1, 8, 8), np.float32))
    with pytest.raises(ValueError, match="perturbations_per_eval must be"):
        occlusion(model, image, perturbations_per_eval=0)
