"""explorer.classical.segmentation: contours on a hand-drawn mask with known shapes, connected components against
SciPy's ``ndimage.label``, k-means on an image of three flat colours."""

import cv2
import numpy as np
import pytest

# Imported at collection time: its first import takes about a second, which would otherwise be billed to
# whichever k-means test runs first.
import sklearn.cluster  # noqa: E402,F401
from scipy import ndimage

from explorer.classical import segmentation
from explorer.images import color


def shapes_mask() -> tuple[np.ndarray, np.ndarray]:
    """A 10 x 20 rectangle and three discs of radius 6, 5 and 4 drawn with numpy (no OpenCV): (mask, discs)."""
    mask = np.zeros((60, 100), bool)
    mask[5:15, 10:30] = True  # rows 5..14, columns 10..29: 10 x 20 = 200 pixels
    rows, cols = np.mgrid[0:60, 0:100]
    discs = []
    for row, col, radius in ((40, 20, 6), (40, 50, 5), (30, 80, 4)):
        disc = (rows - row) ** 2 + (cols - col) ** 2 <= radius**2
        discs.append(disc)
        mask |= disc
    return mask, np.array(discs)


# ---- contours -------------------------------------------------------------------------------------------------


def test_contours_of_known_shapes():
    mask, discs = shapes_mask()
    contours = segmentation.find_contours(mask)
    assert len(contours) == 4
    rectangle = contours[0]  # largest first
    assert rectangle.area == 200
    assert rectangle.polygon_area == pytest.approx(9 * 19)  # through the centres of the outline pixels
    assert rectangle.box == (5, 10, 10, 20)
    assert rectangle.points.shape[1] == 2 and rectangle.points.dtype == np.int32
    assert sorted(c.area for c in contours[1:]) == sorted(int(d.sum()) for d in discs)


def test_contour_area_filter():
    mask, discs = shapes_mask()
    only_discs = segmentation.find_contours(mask, max_area=199)
    assert len(only_discs) == 3
    assert [c.area for c in segmentation.find_contours(mask, min_area=200)] == [200]
    assert segmentation.find_contours(mask, min_area=201, max_area=10_000) == []
    assert segmentation.find_contours(np.zeros((5, 5), bool)) == []


def test_a_hole_is_inside_the_outline():
    mask = np.zeros((20, 20), bool)
    mask[2:12, 2:12] = True
    mask[5:8, 5:8] = False  # a ring: the outer outline still encloses 100 pixels
    (ring,) = segmentation.find_contours(mask)
    assert ring.area == 100


def test_bad_contour_input_is_named():
    mask, _ = shapes_mask()
    with pytest.raises(ValueError, match="min_area must be at most max_area, got min_area 50 > max_area 10"):
        segmentation.find_contours(mask, min_area=50, max_area=10)
    with pytest.raises(TypeError, match="mask must be a bool array, got dtype float32"):
        segmentation.find_contours(mask.astype(np.float32))


def test_draw_contours_paints_the_outline_and_box():
    mask, _ = shapes_mask()
    contours = segmentation.find_contours(mask)
    picture = segmentation.draw_contours(mask, contours, boxes=True)
    assert picture.shape == (60, 100, 3) and picture.dtype == np.uint8
    colour = segmentation.palette(4)[0]
    np.testing.assert_array_equal(picture[5, 10], colour)  # the rectangle's corner is on its outline
    np.testing.assert_array_equal(picture[9, 20], [255, 255, 255])  # inside stays white
    np.testing.assert_array_equal(picture[0, 0], [0, 0, 0])


# ---- connected components --------------------------------------------------------------------------------------


@pytest.mark.parametrize("connectivity, structure", [(4, None), (8, np.ones((3, 3)))])
def test_components_match_scipy_label(connectivity, structure):
    mask = np.random.default_rng(1).random((50, 70)) < 0.45
    found = segmentation.components(mask, connectivity=connectivity)
    reference, count = ndimage.label(mask, structure=structure)
    assert found.count == count
    assert found.labels.dtype == np.int32 and found.labels.shape == mask.shape
    np.testing.assert_array_equal(found.labels > 0, mask)
    # The same partition: each of our labels covers exactly one SciPy label, and the other way round.
    pairs = np.unique(np.stack([found.labels[mask], reference[mask]]), axis=1)
    assert pairs.shape[1] == count
    np.testing.assert_array_equal(np.sort(found.sizes), np.sort(np.bincount(reference[mask])[1:]))
    label = 1
    rows, cols = np.nonzero(found.labels == label)
    assert tuple(found.boxes[0]) == (rows.min(), cols.min(), np.ptp(rows) + 1, np.ptp(cols) + 1)
    np.testing.assert_allclose(found.centroids[0], (rows.mean(), cols.mean()))


def test_components_of_known_shapes_and_colours():
    mask, _ = shapes_mask()
    found = segmentation.components(mask)
    assert found.count == 4 and sorted(found.sizes)[-1] == 200
    picture = segmentation.color_labels(found.labels)
    assert picture.shape == (60, 100, 3) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture[0, 0], [0, 0, 0])
    colours = {tuple(picture[r, c]) for r, c in ((10, 20), (40, 20), (40, 50), (30, 80))}
    assert len(colours) == 4 and (0, 0, 0) not in colours
    with pytest.raises(ValueError, match="connectivity must be 4 or 8, got 6"):
        segmentation.components(mask, connectivity=6)


def test_largest_components_by_hand():
    mask = np.zeros((9, 9), bool)
    mask[0, 0:3] = True  # label 1: 3 px
    mask[2:4, 5:8] = True  # label 2: 6 px
    mask[6:8, 0:3] = True  # label 3: 6 px (ties with 2: lower label first)
    mask[8, 8] = True  # label 4: 1 px
    found = segmentation.components(mask, connectivity=4)
    np.testing.assert_array_equal(found.sizes, [3, 6, 6, 1])
    np.testing.assert_array_equal(found.largest(3), [1, 2, 0])
    np.testing.assert_array_equal(found.largest(10), [1, 2, 0, 3])
    assert found.largest(0).shape == (0,)
    with pytest.raises(ValueError, match="n must be >= 0, got -1"):
        found.largest(-1)


# ---- k-means ------------------------------------------------------------------------------------------------------

COLOURS = np.array([[200, 30, 40], [20, 160, 60], [30, 40, 210]], np.uint8)


def three_colours() -> np.ndarray:
    """(30, 40, 3) uint8: a red band (600 px), a green band (400 px), a blue band (200 px)."""
    image = np.empty((30, 40, 3), np.uint8)
    image[:15] = COLOURS[0]
    image[15:25] = COLOURS[1]
    image[25:] = COLOURS[2]
    return image


@pytest.mark.parametrize("space", segmentation.KMEANS_SPACES)
def test_kmeans_recovers_three_flat_colours_exactly(space):
    image = three_colours()
    result = segmentation.kmeans_colors(image, k=3, space=space, seed=0)
    expected, _ = color.convert(COLOURS[None], space=space)  # (1, 3, 3) in the space's units
    np.testing.assert_allclose(result.centres, expected[0], atol=1e-3)  # largest cluster first: red, green, blue
    np.testing.assert_array_equal(result.swatches, COLOURS)
    np.testing.assert_allclose(result.fractions, [0.5, 1 / 3, 1 / 6], atol=1e-6)
    np.testing.assert_array_equal(segmentation.recolor(result.labels, result.swatches), image)
    assert result.labels.dtype == np.int32 and result.labels.shape == (30, 40)


def test_kmeans_is_deterministic_by_seed():
    image = cv2.resize(np.random.default_rng(3).integers(0, 256, (8, 8, 3), dtype=np.uint8), (120, 120))
    first = segmentation.kmeans_colors(image, k=4, seed=7)
    again = segmentation.kmeans_colors(image, k=4, seed=7)
    np.testing.assert_array_equal(first.labels, again.labels)
    np.testing.assert_array_equal(first.centres, again.centres)
    # Every pixel carries its nearest centre (checked by brute force).
    pixels = image.reshape(-1, 3).astype(np.float64)
    nearest = np.argmin(((pixels[:, None] - first.centres[None].astype(np.float64)) ** 2).sum(-1), axis=1)
    assert (nearest == first.labels.ravel()).mean() > 0.999  # float32 centres: ties may round either way


def test_kmeans_on_a_big_image_fits_a_sample():
    image = np.repeat(three_colours(), 4, axis=0).repeat(30, axis=1)  # 120 x 1200 = 144 000 pixels
    assert image.shape[0] * image.shape[1] > segmentation.KMEANS_SAMPLE
    result = segmentation.kmeans_colors(image, k=3, seed=0)
    np.testing.assert_array_equal(result.swatches, COLOURS)


def test_kmeans_refuses_more_clusters_than_colours_or_pixels():
    with pytest.raises(ValueError, match="k must be at most the number of distinct colours \\(3\\), got k = 4"):
        segmentation.kmeans_colors(three_colours(), k=4)
    with pytest.raises(ValueError, match="k must be at most the number of pixels \\(1\\), got k = 2"):
        segmentation.kmeans_colors(np.zeros((1, 1, 3), np.uint8), k=2)
    with pytest.raises(ValueError, match="k must be from 2 to 12, got 1"):
        segmentation.kmeans_colors(three_colours(), k=1)
    with pytest.raises(ValueError, match="space must be one of"):
        segmentation.kmeans_colors(three_colours(), k=2, space="Gray")


def test_recolor_checks_labels():
    with pytest.raises(ValueError, match="labels must lie in 0..1, got 0..2"):
        segmentation.recolor(np.array([[0, 2]]), np.zeros((2, 3), np.uint8))
