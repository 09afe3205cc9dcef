"""explorer.nets.receptive: output sizes against torch's own layers, receptive fields against hand counts, the
VGG-16 figures from the literature, and a brute-force gradient check."""

import numpy as np
import pytest
import torch

from explorer.nets import receptive
from explorer.nets.receptive import Window

# Twelve-ish random settings per test run are plenty; the seed keeps failures reproducible.
RNG_SEED = 1234


def _random_settings(rng, count):
    for _ in range(count):
        kernel = int(rng.integers(1, 8))
        dilation = int(rng.integers(1, 4))
        stride = int(rng.integers(1, 5))
        padding = int(rng.integers(0, kernel // 2 + 1))  # torch's pooling allows at most half the kernel
        size = int(rng.integers(dilation * (kernel - 1) + 1, 40))
        yield size, kernel, padding, stride, dilation


def test_output_size_matches_torch_conv2d_and_maxpool2d():
    rng = np.random.default_rng(RNG_SEED)
    for size, kernel, padding, stride, dilation in _random_settings(rng, 40):
        x = torch.zeros(1, 1, size, size)
        conv = torch.nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
        pool = torch.nn.MaxPool2d(kernel, stride=stride, padding=padding, dilation=dilation)
        ours = receptive.conv_output_size(size, kernel=kernel, padding=padding, stride=stride, dilation=dilation)
        settings = (size, kernel, padding, stride, dilation)
        assert conv(x).shape[-1] == ours, settings
        assert pool(x).shape[-1] == ours, settings


def test_output_size_formula_hand_cases():
    # (28 + 2 - 2 - 1) / 1 + 1 = 28: "same" padding for a 3x3 kernel
    assert receptive.output_size_formula(28, kernel=3, padding=1) == "⌊(28 + 2·1 − 1·(3 − 1) − 1) / 1⌋ + 1 = 28"
    # TF tutorial: 30 -> 15 after a 2x2 pooling, 13 -> 6 (floor of 5.5, + 1)
    assert receptive.conv_output_size(30, kernel=2, stride=2) == 15
    assert receptive.conv_output_size(13, kernel=2, stride=2) == 6
    # dilation 2 spreads 3 cells over 5: (9 - 5) / 1 + 1 = 5
    assert receptive.conv_output_size(9, kernel=3, dilation=2) == 5


def test_output_size_refuses_a_window_bigger_than_the_input():
    with pytest.raises(ValueError, match=r"size 4 with padding 0 is 4 cells, smaller than the window's extent 5"):
        receptive.conv_output_size(4, kernel=5)
    with pytest.raises(TypeError, match=r"kernel must be an integer from 1 to 15, got True \(bool\)"):
        receptive.conv_output_size(8, kernel=True)
    with pytest.raises(ValueError, match="stride must be from 1 to 4, got 0"):
        receptive.conv_output_size(8, kernel=3, stride=0)


def test_output_sizes_names_the_failing_layer():
    layers = [Window(3, label="conv 3×3"), Window(2, stride=2, label="pool 2"), Window(3, label="conv 3×3")]
    assert receptive.output_sizes(layers, input_size=10) == [8, 4, 2]
    with pytest.raises(ValueError, match=r"^layer 3 \(conv 3×3\): size 2 with padding 0"):
        receptive.output_sizes(layers, input_size=6)


def test_receptive_field_hand_count():
    stack = [receptive.LAYER_CHOICES[code] for code in ("conv3", "conv3", "pool2", "conv3")]
    # conv3: size 1 + 2·1 = 3, jump 1, start 0 + 1 = 1
    # conv3: size 3 + 2·1 = 5, jump 1, start 1 + 1 = 2
    # pool2: size 5 + 1·1 = 6, jump 2, start 2 + 0.5 = 2.5
    # conv3: size 6 + 2·2 = 10, jump 2, start 2.5 + 1·2 = 4.5
    assert receptive.receptive_field(stack) == [(3, 1, 1.0), (5, 1, 2.0), (6, 2, 2.5), (10, 2, 4.5)]


def test_receptive_field_of_vgg16_matches_the_literature():
    # VGG-16: 13 convs 3x3 with padding 1 in blocks of 2, 2, 3, 3, 3, each block followed by a 2x2 max pool.
    # Published receptive fields: conv5_3 sees 196 pixels, pool5 212.
    conv, pool = Window(3, padding=1), Window(2, stride=2)
    layers = []
    for convs in (2, 2, 3, 3, 3):
        layers += [conv] * convs + [pool]
    fields = receptive.receptive_field(layers)
    assert fields[-2][0] == 196 and fields[-1][0] == 212
    assert fields[-1][1] == 32  # five poolings of stride 2


def _gradient_mask(layers, input_size, row, col):
    """Input pixels with a non-zero gradient of one output unit, through all-ones convolutions."""
    modules = [
        torch.nn.Conv2d(1, 1, w.kernel, stride=w.stride, padding=w.padding, dilation=w.dilation, bias=False)
        for w in layers
    ]
    for module in modules:
        torch.nn.init.ones_(module.weight)
    x = torch.ones(1, 1, input_size, input_size, requires_grad=True)
    y = torch.nn.Sequential(*modules)(x)
    y[0, 0, row, col].backward()
    return (x.grad[0, 0] != 0).numpy()


def test_receptive_mask_equals_the_gradient_region():
    # A pooling window reaches the same pixels as a convolution of its size, so all-ones convolutions stand
    # in for both (a max pool's gradient would only reach the argmax).
    rng = np.random.default_rng(RNG_SEED)
    choices = list(receptive.LAYER_CHOICES.values())
    for _ in range(12):
        layers = [choices[i] for i in rng.integers(len(choices), size=int(rng.integers(1, 5)))]
        input_size = int(rng.integers(20, 33))
        try:
            last = receptive.output_sizes(layers, input_size=input_size)[-1]
        except ValueError:
            continue
        row, col = int(rng.integers(last)), int(rng.integers(last))
        mask = receptive.receptive_mask(layers, input_size=input_size, row=row, col=col)
        np.testing.assert_array_equal(mask, _gradient_mask(layers, input_size, row, col), err_msg=str(layers))


def test_dilated_fields_have_holes_and_padding_is_clipped():
    mask = receptive.receptive_mask([Window(3, dilation=2)], input_size=7, row=0, col=0)
    expected = np.zeros((7, 7), bool)
    expected[np.ix_([0, 2, 4], [0, 2, 4])] = True
    np.testing.assert_array_equal(mask, expected)
    # Padding 1: unit 0 of a 3x3 window covers input -1..1, of which 0..1 exist.
    mask = receptive.receptive_mask([Window(3, padding=1)], input_size=5, row=0, col=0)
    assert mask.sum() == 4 and mask[:2, :2].all()


def test_mask_matches_the_box_from_size_jump_start():
    layers = [receptive.LAYER_CHOICES[c] for c in ("conv5", "pool2", "conv3s2", "conv3")]
    size, jump, start = receptive.receptive_field(layers)[-1]
    unit = 1
    centre = start + unit * jump
    low, high = int(centre - (size - 1) / 2), int(centre + (size - 1) / 2)
    mask = receptive.receptive_mask(layers, input_size=40, row=unit, col=unit)
    rows = np.flatnonzero(mask.any(axis=1))
    assert (rows[0], rows[-1]) == (low, high)


def test_receptive_mask_refuses_units_outside_the_output():
    with pytest.raises(ValueError, match="row must be below the last layer's size 8, got 8"):
        receptive.receptive_mask([Window(3)], input_size=10, row=8, col=0)
    with pytest.raises(ValueError, match="layers must hold at least one layer, got none"):
        receptive.receptive_mask([], input_size=10, row=0, col=0)
    with pytest.raises(TypeError, match=r"layers\[0\] must be a receptive.Window, got int"):
        receptive.receptive_field([3])


def test_mask_picture_draws_cells():
    mask = np.array([[True, False]])
    picture = receptive.mask_picture(mask, cell=4, colour=(10, 20, 30))
    assert picture.shape == (4, 8, 3) and picture.dtype == np.uint8
    assert tuple(picture[2, 2]) == (10, 20, 30) and tuple(picture[2, 6]) == (225, 225, 225)
    assert tuple(picture[0, 2]) == (255, 255, 255)  # the grid line
    with pytest.raises(ValueError, match=r"mask must be a 2-D bool array, got shape \(2,\)"):
        receptive.mask_picture(np.array([True, False]))
