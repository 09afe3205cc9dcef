"""explorer.core.sizes: the conv/pool output size against torch's own layers and hand cases."""

import itertools

import pytest
import torch

from explorer.core import sizes


@pytest.mark.parametrize("kernel, dilation", [(1, 1), (2, 1), (3, 1), (3, 2), (4, 3), (5, 1)])
def test_output_size_matches_torch_conv2d_and_maxpool2d(kernel, dilation):
    span = dilation * (kernel - 1) + 1
    for size, stride, padding in itertools.product(range(max(1, span - 2), span + 9), (1, 2, 3), (0, 1, 2)):
        if size + 2 * padding < span:
            continue
        x = torch.zeros(1, 1, size, size)
        ours = sizes.output_size(size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        conv = torch.nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
        assert conv(x).shape[-1] == ours, (size, kernel, stride, padding, dilation)
        if 2 * padding <= kernel:  # torch's pooling allows at most half the kernel as padding
            pool = torch.nn.MaxPool2d(kernel, stride=stride, padding=padding, dilation=dilation)
            assert pool(x).shape[-1] == ours, (size, kernel, stride, padding, dilation)


@pytest.mark.parametrize("before, after", [(0, 1), (1, 0), (2, 1), (0, 3)])
def test_uneven_padding_matches_torch_pad_then_conv(before, after):
    for size, kernel, stride in itertools.product((4, 7, 10), (2, 3, 4), (1, 2)):
        x = torch.nn.functional.pad(torch.zeros(1, 1, size, size), (before, after, before, after))
        conv = torch.nn.Conv2d(1, 1, kernel, stride=stride)
        ours = sizes.output_size(size, kernel=kernel, stride=stride, padding=(before, after))
        assert conv(x).shape[-1] == ours, (size, kernel, stride, before, after)


def test_hand_cases():
    assert sizes.output_size(28, kernel=3, padding=1) == 28  # "same" for an odd kernel
    assert sizes.output_size(28, kernel=5) == 24
    assert sizes.output_size(7, kernel=3, stride=2) == 3  # floor(4 / 2) + 1
    assert sizes.output_size(30, kernel=2, stride=2) == 15 and sizes.output_size(13, kernel=2, stride=2) == 6
    assert sizes.output_size(9, kernel=3, dilation=2) == 5  # span 5
    assert sizes.output_size(8, kernel=4, padding=(1, 2)) == 8  # an even kernel's "same" padding
    assert sizes.output_size(3, kernel=3) == 1


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"padded input \(4 cells\) is shorter than the window's span \(5 cells\)"):
        sizes.output_size(4, kernel=5)
    with pytest.raises(ValueError, match=r"padded input \(5 cells\) is shorter than the window's span \(7 cells\)"):
        sizes.output_size(5, kernel=4, dilation=2)
    with pytest.raises(TypeError, match="kernel must be an integer >= 1"):
        sizes.output_size(8, kernel=True)
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        sizes.output_size(8, kernel=3, stride=0)
    with pytest.raises(ValueError, match="padding must be >= 0, got -1"):
        sizes.output_size(8, kernel=3, padding=-1)
    with pytest.raises(ValueError, match=r"padding must be an integer or a \(before, after\) pair"):
        sizes.output_size(8, kernel=3, padding=(1, 2, 3))
    with pytest.raises(ValueError, match="size must be >= 1, got 0"):
        sizes.output_size(0, kernel=1)
