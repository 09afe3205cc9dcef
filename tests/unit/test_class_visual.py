"""explorer.interpret.class_visual against references that are not the optimisation itself: the shipped models'
own logits (each class's picture scores highest for its class), the optimum of a linear model worked out by
hand, the channel means of explorer.interpret.activations.feature_maps, OpenCV's Gaussian kernel; and the rules
every inspection function keeps (seeded, model unchanged, no hooks, two threads at once)."""

import hashlib
from copy import deepcopy

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from explorer.data import datasets
from explorer.interpret import activations, class_visual
from explorer.interpret.class_visual import Settings, channel_images, class_images
from explorer.nets import checkpoints
from tests.unit.two_threads import in_two_threads


def model_state(model: nn.Module) -> tuple:
    """Weights, modes, requires_grad flags, gradients and hooks: everything the optimisation must leave alone."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().numpy().tobytes())
    hooks = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
    return (
        digest.hexdigest(),
        tuple(module.training for module in model.modules()),
        tuple(p.requires_grad for p in model.parameters()),
        tuple(p.grad is None for p in model.parameters()),
        all(not getattr(module, name) for module in model.modules() for name in hooks),
    )


@pytest.fixture(scope="module", params=["digits", "shapes"])
def shipped(request):
    return checkpoints.load_default(request.param)


def logits(model: nn.Module, images: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(images)).numpy()


def test_each_class_picture_raises_its_class_logit_above_every_other(shipped):
    before = model_state(shipped.model)
    pictures = class_images(shipped.model, shipped.spec.input_shape)
    classes = len(shipped.class_names)
    assert pictures.shape == (classes, *shipped.spec.input_shape) and pictures.dtype == np.float32
    assert pictures.min() >= 0.0 and pictures.max() <= 1.0
    scores = logits(shipped.model, pictures)  # (K, K): row i is picture i's logits
    for k in range(classes):
        others = np.delete(scores[k], k)
        assert scores[k, k] > others.max(), f"class {k}: {scores[k]}"
    assert model_state(shipped.model) == before


def test_a_chosen_subset_of_classes_comes_back_in_its_order(shipped):
    pictures = class_images(shipped.model, shipped.spec.input_shape, classes=[3, 1])
    assert list(logits(shipped.model, pictures).argmax(axis=1)) == [3, 1]


def test_a_linear_model_reaches_the_optimum_worked_out_by_hand():
    # Logit k = w_k · x + b_k; with L2 weight λ on mean((x - 0.5)²) over n pixels, each pixel's objective is
    # w_ki x_i - (λ / n)(x_i - 0.5)², maximal at x_i = 0.5 + w_ki n / (2λ), clipped to [0, 1].
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(1 * 4 * 4, 3)).eval()
    with torch.no_grad():
        model[1].weight.mul_(0.05)
    settings = Settings(steps=600, learning_rate=0.02, jitter=0.0, blur_sigma=0.0, l2=1.0, noise=0.1)
    pictures = class_images(model, (1, 4, 4), settings=settings)
    weights = model[1].weight.detach().numpy()  # (3, 16)
    expected = np.clip(0.5 + weights * 16 / 2.0, 0.0, 1.0).reshape(3, 1, 4, 4)
    np.testing.assert_allclose(pictures, expected, atol=0.01)
    # without the penalty, every pixel goes to the bound its weight points to
    free = class_images(model, (1, 4, 4), settings=Settings(steps=300, jitter=0.0, blur_sigma=0.0, l2=0.0))
    np.testing.assert_allclose(free, (weights > 0).astype(np.float32).reshape(3, 1, 4, 4), atol=1e-6)


def test_channel_pictures_excite_their_channel_more_than_any_test_image():
    checkpoint = checkpoints.load_default("digits")
    layer = activations.conv_layer_names(checkpoint.model)[-1]
    channels = [0, 5, 9]
    pictures = channel_images(checkpoint.model, (1, 8, 8), layer=layer, channels=channels)
    test = datasets.digits(size=8).images[:200]
    for picture, channel in zip(pictures, channels, strict=True):
        mean = activations.feature_maps(checkpoint.model, picture)[layer][channel].mean()
        best = max(activations.feature_maps(checkpoint.model, image)[layer][channel].mean() for image in test)
        assert mean > best


def test_seeded_and_deterministic(shipped):
    shape = shipped.spec.input_shape
    quick = Settings(steps=20)
    first = class_images(shipped.model, shape, settings=quick, seed=3)
    np.testing.assert_array_equal(first, class_images(shipped.model, shape, settings=quick, seed=3))
    assert not np.array_equal(first, class_images(shipped.model, shape, settings=quick, seed=4))


def test_the_blur_is_opencvs_3x3_gaussian():
    kernel = class_visual._blur_kernel(0.5, 1)[0, 0].numpy()
    reference = cv2.getGaussianKernel(3, 0.5) @ cv2.getGaussianKernel(3, 0.5).T
    np.testing.assert_allclose(kernel, reference, atol=1e-6)


def test_progress_is_reported_up_to_one():
    seen: list[float] = []
    model = checkpoints.load_default("digits").model
    class_images(model, (1, 8, 8), classes=[0], settings=Settings(steps=40), on_progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 20


def test_a_model_in_training_mode_is_optimised_in_eval_mode_and_left_training():
    model = checkpoints.load_default("digits").model
    copy = deepcopy(model).train()
    before = model_state(copy)
    quick = Settings(steps=20)
    np.testing.assert_array_equal(
        class_images(copy, (1, 8, 8), settings=quick), class_images(model, (1, 8, 8), settings=quick)
    )
    assert model_state(copy) == before


def test_two_threads_at_once_give_the_single_thread_results():
    model = checkpoints.load_default("digits").model
    quick = Settings(steps=30)
    alone = class_images(model, (1, 8, 8), settings=quick)
    both = in_two_threads(lambda slot: class_images(model, (1, 8, 8), settings=quick))
    for result in both:
        np.testing.assert_array_equal(result, alone)


def test_clear_errors():
    model = checkpoints.load_default("digits").model
    with pytest.raises(ValueError, match=r"input_shape must be \(C, H, W\)"):
        class_images(model, (8, 8))
    with pytest.raises(ValueError, match=r"an input of shape \(1, 28, 28\) does not fit this model"):
        class_images(model, (1, 28, 28))
    with pytest.raises(ValueError, match=r"classes must hold class indices in 0\.\.9, got 10"):
        class_images(model, (1, 8, 8), classes=[10])
    with pytest.raises(ValueError, match=r"settings\.steps must be in 1\.\.2000, got 0"):
        class_images(model, (1, 8, 8), settings=Settings(steps=0))
    with pytest.raises(ValueError, match=r"settings\.l2 must be a finite number >= 0"):
        class_images(model, (1, 8, 8), settings=Settings(l2=float("nan")))
    with pytest.raises(ValueError, match=r"layer must be one of the model's map layers"):
        channel_images(model, (1, 8, 8), layer="no such layer")
    layer = activations.conv_layer_names(model)[0]
    with pytest.raises(ValueError, match=r"channels must hold channel indices in 0\.\.31, got 32"):
        channel_images(model, (1, 8, 8), layer=layer, channels=32)
    with pytest.raises(ValueError, match=r"model must be a non-empty torch\.nn\.Sequential"):
        class_images(nn.Linear(3, 2), (1, 8, 8))
