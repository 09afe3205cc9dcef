"""explorer.interpret.activations: feature maps against the layers run by hand and against SciPy, names against
the layer table, spectra against NumPy's FFT, top patches against brute force and hand-counted receptive fields,
a user's kernel inside conv1 against the Kernels page's correlate; the model left exactly as found."""

import hashlib

import numpy as np
import pytest
import torch
from scipy import signal
from torch import nn

from explorer.data import datasets
from explorer.images import convolution, kernels
from explorer.interpret import activations
from explorer.nets import architecture, checkpoints
from tests.unit.two_threads import in_two_threads

MAP_KINDS = ("conv", "pool", "batchnorm", "activation")


@pytest.fixture(scope="module")
def digits_model():
    return checkpoints.load_default("digits")


@pytest.fixture(scope="module")
def digit_images():
    return datasets.digits(size=8).images  # (1797, 1, 8, 8) float32


def _fingerprint(model: nn.Module) -> tuple:
    """Everything inspection must leave alone: weights and buffers, modes, requires_grad flags, hooks."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().numpy().tobytes())
    modes = tuple(module.training for module in model.modules())
    grads = tuple(p.requires_grad for p in model.parameters())
    hooks = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules())
    return digest.hexdigest(), modes, grads, hooks


def _two_conv_model():
    """conv 3×3 padding 1 -> relu -> conv 3×3 stride 2 (no padding): a unit of layer 3 sees 5×5 input pixels."""
    torch.manual_seed(3)
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Conv2d(2, 3, 3, stride=2)).eval()


# ----------------------------------------------------------------------------------------------- feature maps


@pytest.mark.parametrize("name", ["digits", "shapes"])
def test_feature_maps_are_named_and_shaped_as_the_layer_table(name):
    checkpoint = checkpoints.load_default(name)
    rows = architecture.summary(checkpoint.spec)
    image = np.random.default_rng(0).random(checkpoint.spec.input_shape, dtype=np.float32)
    maps = activations.feature_maps(checkpoint.model, image)
    expected = {f"{i + 1}. {row.name}": row.output_shape for i, row in enumerate(rows) if row.kind in MAP_KINDS}
    assert list(maps) == list(expected)  # in layer order, as the Train page's table numbers them
    assert {key: value.shape for key, value in maps.items()} == expected
    assert all(value.dtype == np.float32 for value in maps.values())
    assert activations.layer_names(checkpoint.model) == list(expected)
    assert activations.conv_layer_names(checkpoint.model) == [
        f"{i + 1}. {row.name}" for i, row in enumerate(rows) if row.kind == "conv"
    ]
    assert list(maps)[:3] == (
        ["1. conv 32 3×3, padding same", "2. batchnorm", "3. relu"]
        if name == "digits"
        else ["1. conv 16 5×5", "2. batchnorm", "3. relu"]
    )


def test_feature_maps_equal_the_layers_run_by_hand(digits_model, digit_images):
    model = digits_model.model
    image = digit_images[5]
    maps = activations.feature_maps(model, image)
    x = torch.from_numpy(image.copy())[None]
    with torch.no_grad():
        for name in activations.layer_names(model):
            number = int(name.split(".")[0])
            np.testing.assert_array_equal(maps[name], model[:number](x)[0].numpy(), err_msg=name)
        # The last map (maxpool) through flatten and the dense layer gives model(x)'s logits.
        last = torch.from_numpy(maps[list(maps)[-1]])[None]
        np.testing.assert_allclose(model[-2:](last).numpy(), model(x).numpy(), rtol=0, atol=0)
    assert len(maps) == 11  # 3 convs, 3 batch norms, 3 relus, 2 pools


def test_the_first_conv_map_is_scipys_correlation_plus_bias(digits_model, digit_images):
    model = digits_model.model
    image = digit_images[7]
    conv1 = activations.feature_maps(model, image)["1. conv 32 3×3, padding same"]
    weight, bias = model[0].weight.detach().numpy(), model[0].bias.detach().numpy()
    for f in range(weight.shape[0]):
        expected = signal.correlate2d(image[0].astype(np.float64), weight[f, 0], mode="same") + bias[f]
        np.testing.assert_allclose(conv1[f], expected, atol=1e-5)
    # and relu is max(0, batchnorm)
    maps = activations.feature_maps(model, image)
    np.testing.assert_array_equal(maps["3. relu"], np.maximum(maps["2. batchnorm"], 0))


def test_feature_maps_leave_the_model_as_found(digits_model, digit_images):
    model = digits_model.model
    before = _fingerprint(model)
    activations.feature_maps(model, digit_images[0])
    activations.top_patches(model, digit_images[:50], layer=1, channel=0)
    activations.filter_spectra(model, size=16)
    copied = activations.replace_filter(model, 0, np.ones((3, 3)))
    assert _fingerprint(model) == before and before[3] == 0
    assert copied is not model and copied[0].weight.data_ptr() != model[0].weight.data_ptr()


def test_a_model_in_training_mode_runs_as_an_eval_copy_and_stays_in_training_mode(digits_model, digit_images):
    import copy

    model = copy.deepcopy(digits_model.model).train()
    before = _fingerprint(model)
    maps = activations.feature_maps(model, digit_images[3])
    assert _fingerprint(model) == before  # batch norm's running statistics not updated, still in train mode
    expected = activations.feature_maps(digits_model.model, digit_images[3])
    for name in expected:
        np.testing.assert_array_equal(maps[name], expected[name])


class _Boom(nn.ReLU):
    """A ReLU that raises: a map layer, pointwise, so both feature_maps and top_patches reach it."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def forward(self, x):
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected", "match"),
    [
        (RuntimeError("shapes do not match"), ValueError, r"image of shape \(1, 6, 6\) does not fit .* 2\. _Boom"),
        (KeyError("a bug"), KeyError, "a bug"),
    ],
)
def test_a_layer_that_raises_leaves_no_hook_and_no_change(error, expected, match):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), _Boom(error), nn.ReLU()).eval()
    before = _fingerprint(model)
    with pytest.raises(expected, match=match):
        activations.feature_maps(model, np.zeros((1, 6, 6), np.float32))
    with pytest.raises(expected, match=match.replace("image of", "images of").replace(r"\(1, 6", r"\(2, 1, 6")):
        activations.top_patches(model, np.zeros((2, 1, 6, 6), np.float32), layer=3, channel=0, k=1)
    assert _fingerprint(model) == before and before[3] == 0


def test_feature_maps_from_two_threads_equal_single_threaded(digits_model, digit_images):
    model = digits_model.model
    images = digit_images[:40]
    expected = [activations.feature_maps(model, image) for image in images]
    results = in_two_threads(
        lambda slot: [[activations.feature_maps(model, image) for image in images] for _ in range(3)]
    )
    for runs in results:
        for run in runs:
            for got, want in zip(run, expected):
                assert list(got) == list(want)
                for name in want:
                    np.testing.assert_array_equal(got[name], want[name])


def test_feature_maps_refuse_bad_input(digits_model):
    model = digits_model.model
    with pytest.raises(ValueError, match=r"image must be a non-empty \(C, H, W\) array, got shape \(8, 8\)"):
        activations.feature_maps(model, np.zeros((8, 8), np.float32))
    with pytest.raises(ValueError, match=r"image of shape \(3, 8, 8\) does not fit the model at layer 1\. conv 32"):
        activations.feature_maps(model, np.zeros((3, 8, 8), np.float32))
    with pytest.raises(ValueError, match=r"image of shape \(1, 1, 1\) does not fit the model at layer 7\. maxpool 2"):
        activations.feature_maps(model, np.zeros((1, 1, 1), np.float32))
    with pytest.raises(ValueError, match=r"image of shape \(1, 16, 16\) does not fit the model at layer 13\. dense"):
        activations.feature_maps(model, np.zeros((1, 16, 16), np.float32))
    with pytest.raises(ValueError, match="image must hold finite numbers only"):
        activations.feature_maps(model, np.full((1, 8, 8), np.nan, np.float32))
    with pytest.raises(ValueError, match="image must hold real numbers, got dtype <U1"):
        activations.feature_maps(model, np.full((1, 8, 8), "a"))
    with pytest.raises(ValueError, match=r"model must be a non-empty torch.nn.Sequential .* got Linear"):
        activations.feature_maps(nn.Linear(2, 2), np.zeros((1, 8, 8), np.float32))
    with pytest.raises(ValueError, match="got an empty Sequential"):
        activations.feature_maps(nn.Sequential(), np.zeros((1, 8, 8), np.float32))


def test_layers_no_spec_describes_are_named_by_index_and_class():
    model = nn.Sequential(nn.Conv2d(1, 2, (3, 1)), nn.MaxPool2d(2, padding=1), nn.LeakyReLU(0.2), nn.Tanh())
    assert activations.layer_names(model) == ["1. Conv2d", "2. MaxPool2d", "3. LeakyReLU", "4. tanh"]
    maps = activations.feature_maps(model.eval(), np.ones((1, 6, 6), np.float32))
    assert {k: v.shape for k, v in maps.items()} == {
        "1. Conv2d": (2, 4, 6),
        "2. MaxPool2d": (2, 3, 4),
        "3. LeakyReLU": (2, 3, 4),
        "4. tanh": (2, 3, 4),
    }


# ---------------------------------------------------------------------------------------------------- filters


def test_conv1_filters_are_a_copy_of_the_first_convolutions_weights(digits_model):
    model = digits_model.model
    filters = activations.conv1_filters(model)
    assert filters.shape == (32, 1, 3, 3) and filters.dtype == np.float32
    np.testing.assert_array_equal(filters, model[0].weight.detach().numpy())
    filters[:] = 0
    assert model[0].weight.abs().sum() > 0
    with pytest.raises(ValueError, match="model has no Conv2d layer"):
        activations.conv1_filters(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)))


def test_filter_spectra_are_the_kernels_dft_magnitudes():
    torch.manual_seed(0)
    model = nn.Sequential(nn.ReLU(), nn.Conv2d(3, 4, (3, 5)))  # conv1 need not be the first module
    spectra = activations.filter_spectra(model, size=16)
    weight = model[1].weight.detach().numpy().astype(np.float64)
    assert spectra.shape == (4, 3, 16, 16) and spectra.dtype == np.float32
    for f in range(4):
        for c in range(3):
            expected = np.abs(np.fft.fftshift(np.fft.fft2(weight[f, c], s=(16, 16))))
            np.testing.assert_allclose(spectra[f, c], expected, rtol=1e-5, atol=1e-6)
            assert spectra[f, c, 8, 8] == pytest.approx(abs(weight[f, c].sum()), rel=1e-5)  # centre = kernel sum
    with pytest.raises(ValueError, match=r"size must be at least the kernel size \(5\), got 4"):
        activations.filter_spectra(model, size=4)
    with pytest.raises(ValueError, match="size must be from 1 to 512, got 0"):
        activations.filter_spectra(model, size=0)
    big = nn.Sequential(nn.Conv2d(4, 512, 3))
    with pytest.raises(ValueError, match="size 512 gives 512 × 4 responses"):
        activations.filter_spectra(big, size=512)


# ------------------------------------------------------------------------------------------------ top patches


def _hand_box(row: int, col: int, side: int) -> tuple[int, int, int, int]:
    """Layer 3 of _two_conv_model: conv2 unit r sees conv1 units 2r .. 2r+2, conv1 unit j sees input j−1 .. j+1
    (padding 1): input rows 2r−1 .. 2r+3, cut to the image."""
    top, left = max(2 * row - 1, 0), max(2 * col - 1, 0)
    return top, left, min(2 * row + 4, side) - top, min(2 * col + 4, side) - left


def test_receptive_boxes_match_a_hand_count_for_two_convolutions():
    model = _two_conv_model()
    for row in range(4):  # 9×9 input: conv1 keeps 9×9, conv2 (3, stride 2) gives 4×4
        for col in range(4):
            box = activations.receptive_box(
                model, layer="3. conv 3 3×3, stride 2", row=row, col=col, image_shape=(9, 9)
            )
            assert box == _hand_box(row, col, 9), (row, col)
    # Layer 1 (padding 1): 3×3 around the unit; layer 2 (relu) adds nothing.
    assert activations.receptive_box(model, layer=1, row=0, col=4, image_shape=(9, 9)) == (0, 3, 2, 3)
    assert activations.receptive_box(model, layer=2, row=8, col=8, image_shape=(9, 9)) == (7, 7, 2, 2)


def _bounding_box(grad: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(grad)
    return int(rows.min()), int(cols.min()), int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def test_receptive_boxes_are_the_pixels_the_gradient_reaches(digits_model):
    """Every unit's box, at every conv and pool layer of the digits model, is the bounding box of the input pixels
    with a non-zero gradient (a brute-force reference that does not use the recursion). On a linearised copy
    (ReLU -> identity, max pool -> average pool over the same windows) every pixel of the field counts, so the
    boxes are equal; on the model itself the gradient may vanish inside the field, never outside."""
    import copy

    model = digits_model.model
    linear = copy.deepcopy(model)
    for index, module in enumerate(linear):
        if isinstance(module, nn.ReLU):
            linear[index] = nn.Identity()
        elif isinstance(module, nn.MaxPool2d):
            linear[index] = nn.AvgPool2d(module.kernel_size, stride=module.stride)
    torch.manual_seed(0)
    x = (torch.rand(1, 1, 8, 8) + 0.5).requires_grad_(True)
    for name in [*activations.conv_layer_names(model), "7. maxpool 2", "11. maxpool 2"]:
        number = int(name.split(".")[0])
        exact, real = linear[:number](x)[0, 0], model[:number](x)[0, 0]
        for row in range(exact.shape[0]):
            for col in range(exact.shape[1]):
                box = activations.receptive_box(model, layer=name, row=row, col=col, image_shape=(8, 8))
                (grad,) = torch.autograd.grad(exact[row, col], x, retain_graph=True)
                assert _bounding_box(grad[0, 0].numpy()) == box, (name, row, col)
                (grad,) = torch.autograd.grad(real[row, col], x, retain_graph=True)
                if grad.abs().sum() > 0:
                    top, left, height, width = box
                    inside = np.zeros((8, 8), bool)
                    inside[top : top + height, left : left + width] = True
                    assert not grad[0, 0].numpy()[~inside].any(), (name, row, col)


def test_top_patches_are_the_brute_force_best_images_with_hand_boxes():
    model = _two_conv_model()
    images = np.random.default_rng(1).random((30, 1, 9, 9), dtype=np.float32)
    for channel in range(3):
        scores, units = [], []
        for image in images:  # brute force: every image's map, one at a time, by hand with torch
            with torch.no_grad():
                channel_map = model(torch.from_numpy(image)[None])[0, channel].numpy()
            scores.append(channel_map.max())
            units.append(np.unravel_index(np.argmax(channel_map), channel_map.shape))
        order = sorted(range(len(images)), key=lambda i: (-scores[i], i))[:5]
        indices, boxes, values = activations.top_patches(model, images, layer=3, channel=channel, k=5)
        np.testing.assert_array_equal(indices, order)
        np.testing.assert_allclose(values, [scores[i] for i in order], rtol=1e-6)
        assert [tuple(box) for box in boxes] == [_hand_box(*units[i], 9) for i in order]
        assert indices.dtype == np.int64 and boxes.dtype == np.int64 and values.dtype == np.float32
        assert boxes.shape == (5, 4) and values.shape == (5,)
        assert list(values) == sorted(values, reverse=True)


def test_top_patches_on_the_digits_test_set_match_feature_maps(digits_model, digit_images):
    model = digits_model.model
    images = digit_images[:300]
    layer = "4. conv 32 3×3, padding same"
    indices, boxes, values = activations.top_patches(model, images, layer=layer, channel=5, k=9)
    best = np.array([activations.feature_maps(model, image)[layer][5].max() for image in images])
    np.testing.assert_array_equal(indices, np.argsort(-best, kind="stable")[:9])
    np.testing.assert_allclose(values, best[indices], rtol=1e-6)
    assert ((boxes[:, 2] >= 1) & (boxes[:, 2] <= 5) & (boxes[:, 0] + boxes[:, 2] <= 8)).all()  # 5×5 fields, cut


def test_top_patches_break_ties_by_lower_index():
    model = _two_conv_model()
    candidates = np.random.default_rng(2).random((4, 1, 9, 9), dtype=np.float32)
    with torch.no_grad():
        scores = model(torch.from_numpy(candidates))[:, 0].amax(dim=(1, 2)).numpy()
    best, others = candidates[np.argmax(scores)], np.delete(candidates, np.argmax(scores), axis=0)
    images = np.stack([others[0], best, others[1], best, others[2], best])  # the best image three times
    indices, _, values = activations.top_patches(model, images, layer=3, channel=0, k=4)
    assert list(indices[:3]) == [1, 3, 5] and values[0] == values[1] == values[2] > values[3]


def test_top_patches_refuse_bad_input(digits_model, digit_images):
    model, images = digits_model.model, digit_images[:20]
    with pytest.raises(ValueError, match=r"layer must be one of the model's map layers \('1\. conv 32"):
        activations.top_patches(model, images, layer="conv1", channel=0)
    with pytest.raises(ValueError, match="layer must be one of .* got 12"):  # 12 is flatten
        activations.top_patches(model, images, layer=12, channel=0)
    with pytest.raises(ValueError, match="channel must be from 0 to 31 for layer 1. conv 32 3×3, padding same, got 32"):
        activations.top_patches(model, images, layer=1, channel=32)
    with pytest.raises(ValueError, match=r"k must be at most the number of images \(20\), got 21"):
        activations.top_patches(model, images, layer=1, channel=0, k=21)
    with pytest.raises(ValueError, match="k must be from 1 to 100, got 0"):
        activations.top_patches(model, images, layer=1, channel=0, k=0)
    with pytest.raises(ValueError, match=r"images must be a non-empty \(N, C, H, W\) array, got shape \(1, 8, 8\)"):
        activations.top_patches(model, images[0], layer=1, channel=0)
    with pytest.raises(ValueError, match="channel must be a whole number, got 1.5"):
        activations.top_patches(model, images, layer=1, channel=1.5)
    odd = nn.Sequential(nn.Conv2d(1, 2, (3, 1)), nn.ReLU())
    with pytest.raises(ValueError, match=r"layer 1\. Conv2d: its receptive field can't be traced"):
        activations.top_patches(odd, images, layer=2, channel=0)


# ------------------------------------------------------------------------------ your kernel inside the network

SOBEL_X = kernels.preset("sobel x")  # the Kernels page's preset


def test_your_kernel_in_conv1_gives_the_kernels_pages_map(digits_model, digit_images):
    model = digits_model.model
    before = _fingerprint(model)
    kernel = np.asarray(SOBEL_X, np.float32)  # not symmetric: a flipped kernel would change the sign
    copied = activations.replace_filter(model, 4, kernel)
    assert _fingerprint(model) == before
    image = digit_images[11]
    learned = activations.feature_maps(model, image)["1. conv 32 3×3, padding same"]
    ours = activations.feature_maps(copied, image)["1. conv 32 3×3, padding same"]
    page = convolution.correlate(image[0], kernel, padding="zero")  # what the Kernels page shows
    np.testing.assert_allclose(ours[4], page, atol=1e-5)
    np.testing.assert_array_equal(np.delete(ours, 4, axis=0), np.delete(learned, 4, axis=0))  # others untouched
    layer = activations.kernel_layer(model, kernel)
    assert layer.padding == "zero" and layer.stride == 1
    by_module = layer(torch.from_numpy(image.copy())[None])
    assert by_module.shape == (1, 1, 8, 8) and by_module.dtype == torch.float32
    np.testing.assert_allclose(by_module[0, 0].numpy(), ours[4], atol=1e-5)
    assert not np.allclose(ours[4], convolution.correlate(image[0], kernel[::-1, ::-1], padding="zero"))


@pytest.mark.parametrize(
    ("conv", "mode"),
    [
        (nn.Conv2d(3, 4, 3, padding=0, stride=2), "valid"),
        (nn.Conv2d(3, 4, 5, padding=2, padding_mode="reflect"), "reflect"),
        (nn.Conv2d(3, 4, 3, padding="same", padding_mode="circular"), "wrap"),
        (nn.Conv2d(3, 4, 3, padding=1, padding_mode="replicate"), "replicate"),
    ],
)
def test_your_kernel_on_a_colour_model_is_the_channel_mean_through_correlate(conv, mode):
    model = nn.Sequential(conv, nn.ReLU()).eval()
    size = conv.kernel_size[0]
    kernel = np.arange(size * size, dtype=np.float32).reshape(size, size) - size  # asymmetric
    copied = activations.replace_filter(model, 2, kernel, bias=0.25)
    image = np.random.default_rng(4).random((3, 11, 10), dtype=np.float32)
    network = activations.feature_maps(copied, image)[activations.layer_names(copied)[0]][2]
    layer = activations.kernel_layer(model, kernel)
    assert layer.padding == mode
    by_module = layer(torch.from_numpy(image)[None])[0, 0].numpy()
    np.testing.assert_allclose(network, by_module + 0.25, rtol=1e-6, atol=1e-5)  # float32 sums of ~90
    if mode == "valid":  # and against SciPy, by hand: the mean of the channels' correlations, every 2nd pixel
        expected = np.mean([signal.correlate2d(c, kernel, mode="valid") for c in image], axis=0)[::2, ::2]
        np.testing.assert_allclose(network, expected + 0.25, atol=1e-4)


def test_replace_filter_and_kernel_layer_refuse_bad_input(digits_model):
    model = digits_model.model
    with pytest.raises(ValueError, match="index must be a filter number from 0 to 31, got 32"):
        activations.replace_filter(model, 32, np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"kernel must have conv1's size \(3, 3\), got shape \(5, 5\)"):
        activations.replace_filter(model, 0, np.ones((5, 5)))
    with pytest.raises(ValueError, match=r"kernel must be 2-D \(rows, cols\), got shape \(3,\)"):
        activations.replace_filter(model, 0, np.ones(3))
    with pytest.raises(ValueError, match="bias must be a finite number, got nan"):
        activations.replace_filter(model, 0, np.ones((3, 3)), bias=float("nan"))
    no_bias = nn.Sequential(nn.Conv2d(1, 2, 3, bias=False))
    with pytest.raises(ValueError, match="bias must be 0: conv1 of this model has no bias"):
        activations.replace_filter(no_bias, 0, np.ones((3, 3)), bias=1.0)
    with pytest.raises(ValueError, match="matches only no padding or kernel // 2"):
        activations.kernel_layer(nn.Sequential(nn.Conv2d(1, 2, 5, padding=1)), np.ones((5, 5)))
    with pytest.raises(ValueError, match="matches only no padding or kernel // 2"):
        activations.kernel_layer(nn.Sequential(nn.Conv2d(1, 2, 4, padding="same")), np.ones((4, 4)))
    resized_first = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(1, 2, 3))
    with pytest.raises(ValueError, match="does not see the picture itself but what Upsample made of it"):
        activations.kernel_layer(resized_first, np.ones((3, 3)))
    with pytest.raises(ValueError, match="padding must be one of"):
        activations.KernelConv(np.ones((3, 3)), padding="same")
