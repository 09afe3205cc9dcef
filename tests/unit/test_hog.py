"""explorer.classical.hog: HOG against skimage.feature.hog and the length formula by hand, per-cell histograms against
skimage's cells, a vertical edge by hand, and bad input."""

import numpy as np
import pytest
import skimage.feature

from explorer.classical import hog
from explorer.core import dtype


@pytest.mark.parametrize(
    "shape, orientations, cell, block",
    [((64, 64), 9, 8, 2), ((100, 73), 6, 8, 3), ((37, 90), 12, 4, 1), ((48, 48), 4, 16, 3)],
)
def test_hog_length_matches_skimage_and_the_formula(shape, orientations, cell, block):
    image = np.random.default_rng(5).random(shape, dtype=np.float32)
    reference = skimage.feature.hog(
        image, orientations=orientations, pixels_per_cell=(cell, cell), cells_per_block=(block, block)
    )
    result = hog.hog(image, orientations=orientations, cell_size=cell, block_size=block)
    # Formula by hand: blocks per side = floor(side / cell) - block + 1.
    rows, cols = shape
    by_hand = (rows // cell - block + 1) * (cols // cell - block + 1) * block * block * orientations
    assert len(reference) == len(result.descriptor) == by_hand
    assert hog.hog_length(shape, orientations=orientations, cell_size=cell, block_size=block) == by_hand
    np.testing.assert_allclose(result.descriptor, reference, atol=1e-6)
    assert result.descriptor.dtype == np.float32


def test_hog_cell_histograms_match_skimage_cells(astronaut):
    gray = dtype.to_gray(astronaut)
    result = hog.hog(gray, orientations=9, cell_size=8, block_size=2)
    assert result.cell_histograms.shape == (64, 64, 9)
    # skimage with 1-cell blocks and L1 normalisation returns each cell's histogram divided by its sum.
    reference = skimage.feature.hog(
        gray, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(1, 1), block_norm="L1", feature_vector=False
    )[:, :, 0, 0, :]
    cells = result.cell_histograms.astype(np.float64)
    np.testing.assert_allclose(cells / (cells.sum(axis=-1, keepdims=True) + 1e-5), reference, atol=1e-5)


def test_hog_of_a_vertical_edge_is_one_bin():
    image = np.zeros((32, 32), np.float32)
    image[:, 16:] = 1.0  # brightness changes along the columns: gradient direction 0 degrees
    result = hog.hog(image, orientations=9, cell_size=8, block_size=1)
    edge_cells = result.cell_histograms[:, 1:3]  # columns 8..23 hold the edge
    assert np.all(edge_cells[..., 0] > 0) and np.all(edge_cells[..., 1:] == 0)
    # Each edge cell: 8 rows x 1 column of magnitude 1 among 64 pixels (central differences: 2 columns
    # of 1, one in each of the two cells). Mean magnitude 8 / 64.
    np.testing.assert_allclose(edge_cells[..., 0], 8 / 64)
    picture = hog.hog_picture(result, glyph_size=16)
    assert picture.shape == (64, 64) and picture.dtype == np.float32
    assert picture[:, :16].max() == 0 and picture[:, 16:48].max() > 0.5


def test_hog_too_small_says_how_big():
    with pytest.raises(ValueError, match=r"image must be at least 16 × 16 px for HOG with 8 px cells"):
        hog.hog(np.zeros((10, 40), np.float32), cell_size=8, block_size=2)


def test_orientations_out_of_range_is_named():
    with pytest.raises(ValueError, match="orientations must be from 2 to 36, got 1"):
        hog.hog(np.zeros((32, 32), np.float32), orientations=1)
