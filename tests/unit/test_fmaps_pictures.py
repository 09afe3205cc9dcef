"""explorer.interpret.pictures against hand-coloured pixels, and the additions to explorer.interpret.activations
for the Feature maps page (spectra of a snapshot's filters, the accuracy with a swapped filter) against NumPy's FFT
and a hand-swapped model run through torch."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from explorer.core import mosaic
from explorer.images import kernels
from explorer.interpret import activations, pictures
from explorer.nets import checkpoints, recipes

WHITE = (255, 255, 255)
RED = (round(0.70 * 255), round(0.09 * 255), round(0.17 * 255))
BLUE = (round(0.13 * 255), round(0.40 * 255), round(0.67 * 255))


def test_signed_grid_one_scale_for_every_map():
    maps = np.array([[[2.0, 0.0]], [[-2.0, 1.0]]])  # two 1×2 maps; largest magnitude 2
    picture = pictures.signed_grid(maps, columns=2, gap=1)
    assert picture.shape == (1, 5, 3) and picture.dtype == np.uint8
    assert tuple(picture[0, 0]) == RED and tuple(picture[0, 1]) == WHITE
    assert tuple(picture[0, 2]) == (mosaic.GAP_VALUE,) * 3
    assert tuple(picture[0, 3]) == BLUE
    # 1 is half of the layer's scale: halfway from white to red, whatever the map's own maximum
    halfway = tuple(round((1 + 0.5 * (c / 255 - 1)) * 255) for c in RED)
    assert np.abs(picture[0, 4].astype(int) - halfway).max() <= 1


def test_one_map_and_an_all_zero_layer_is_white():
    assert tuple(pictures.one_map(np.array([[0.0, -3.0]]))[0, 1]) == BLUE
    assert (pictures.signed_grid(np.zeros((3, 2, 2)), columns=3, gap=0) == 255).all()


def test_grid_columns():
    assert pictures.grid_columns(32, 8) == 16
    assert pictures.grid_columns(5, 8) == 5
    assert pictures.grid_columns(16, 24) == 8
    assert pictures.grid_columns(64, 100) == pictures.WIDE_COLUMNS


def test_filter_grid_gray_is_diverging_and_colour_is_mid_gray_at_zero():
    gray = np.stack([kernels.preset("sobel x")])[:, None]  # (1, 1, 3, 3), largest magnitude 2
    picture = pictures.filter_grid(gray, columns=1)
    assert tuple(picture[1, 2]) == RED and tuple(picture[1, 0]) == BLUE and tuple(picture[0, 1]) == WHITE
    colour = np.zeros((1, 3, 1, 2), dtype=np.float32)
    colour[0, 0, 0, 0] = 1.0  # red channel +1 (the largest) at the left pixel
    picture = pictures.filter_grid(colour, columns=1)
    assert tuple(picture[0, 0]) == (255, 128, 128) and tuple(picture[0, 1]) == (128, 128, 128)


def test_spectrum_grid_normalises_each_filter():
    spectra = np.stack([np.full((1, 2, 2), 4.0), np.array([[[0.0, 1.0], [2.0, 0.5]]]), np.zeros((1, 2, 2))])
    picture = pictures.spectrum_grid(spectra, columns=3, gap=0)
    assert picture.shape == (2, 6)
    assert (picture[:, :2] == 255).all()
    assert picture[:, 2:4].tolist() == [[0, 128], [255, 64]]
    assert (picture[:, 4:] == 0).all()


def test_crop_cuts_the_boxes():
    images = np.arange(2 * 1 * 4 * 4, dtype=np.float32).reshape(2, 1, 4, 4)
    (patch,) = pictures.crop(images, np.array([1]), np.array([[1, 2, 2, 2]]))
    np.testing.assert_array_equal(patch[0], [[22, 23], [26, 27]])
    with pytest.raises(ValueError, match="empty"):
        pictures.crop(images, np.array([0]), np.array([[0, 0, 0, 2]]))


def test_bad_arrays_are_refused_by_name():
    with pytest.raises(ValueError, match="maps must be"):
        pictures.signed_grid(np.ones((2, 2)), columns=1)
    with pytest.raises(ValueError, match="filters must be"):
        pictures.filter_grid(np.ones((2, 3, 3)), columns=1)


# ------------------------------------------------------------------------------ additions to activations


def test_spectra_of_an_array_are_numpys_fft_magnitudes():
    filters = np.random.default_rng(0).normal(size=(2, 3, 3, 3)).astype(np.float32)
    out = activations.spectra(filters, size=8)
    for f in range(2):
        for c in range(3):
            padded = np.zeros((8, 8))
            padded[:3, :3] = filters[f, c]
            expected = np.fft.fftshift(np.abs(np.fft.fft2(padded)))
            np.testing.assert_allclose(out[f, c], expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="filters"):
        activations.spectra(np.ones((3, 3)), size=8)


@pytest.fixture(scope="module")
def digits():
    return checkpoints.load_default("digits").model, recipes.RECIPES["digits"].data()[1]


def test_swapped_accuracy_equals_a_hand_swapped_model(digits):
    model, test = digits
    before = copy.deepcopy(model.state_dict())
    kernel = kernels.preset("sobel x")
    swapped = copy.deepcopy(model)
    with torch.no_grad():
        swapped[0].weight[5, 0] = torch.from_numpy(kernel)
        swapped[0].bias[5] = 0.0
        expected = float((swapped(torch.from_numpy(np.array(test.images))).argmax(1).numpy() == test.labels).mean())
    got = activations.swapped_accuracy(model, test.images, test.labels, index=5, kernel=kernel)
    assert got == pytest.approx(expected, abs=1e-12)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, before[name])


def test_swapped_accuracy_refuses_bad_labels(digits):
    model, test = digits
    with pytest.raises(ValueError, match="labels must be"):
        activations.swapped_accuracy(model, test.images, test.labels[:-1], index=0, kernel=np.ones((3, 3)))
    with pytest.raises(ValueError, match="index"):
        activations.swapped_accuracy(model, test.images, test.labels, index=99, kernel=np.ones((3, 3)))
    with pytest.raises(ValueError, match="one score per class"):
        activations.swapped_accuracy(
            nn.Sequential(nn.Conv2d(1, 1, 3)), test.images, test.labels, index=0, kernel=np.ones((3, 3))
        )


def test_cells_are_enlarged_in_whole_pixels_and_the_gaps_are_not():
    maps = np.array([[[1.0, -1.0]], [[0.0, 0.0]]])  # two 1×2 maps
    picture = pictures.signed_grid(maps, columns=2, gap=2, factor=3)
    assert picture.shape == (3, 2 * 6 + 2, 3)
    assert (picture[:, :3] == RED).all() and (picture[:, 3:6] == BLUE).all()
    assert (picture[:, 6:8] == mosaic.GAP_VALUE).all() and (picture[:, 8:] == 255).all()
    with pytest.raises(ValueError, match="factor"):
        pictures.signed_grid(maps, columns=2, factor=0)


def test_cell_factor_fills_the_target_width():
    # 16 maps of 8 px, 2 px apart, in 720 px: (720 − 30) // 128 = 5
    assert pictures.cell_factor(8, columns=16, target=720, gap=2) == 5
    assert pictures.cell_factor(100, columns=4, target=200) == 1
