"""explorer.interpret.occlusion's additions for the page: the window count and cost by hand, the progress
callback (rising to 1, never changing the map), and the overlay's colours worked out by hand."""

import numpy as np
import pytest

from explorer.data import shapes
from explorer.interpret import occlusion
from explorer.nets import checkpoints


def test_windows_and_work_by_hand():
    assert occlusion.windows((1, 28, 28), window=4, stride=2) == 13 * 13  # starts 0, 2, …, 24
    assert occlusion.windows((3, 7, 6), window=3, stride=2) == 3 * 3  # rows 0, 2, 4; columns 0, 2, 4
    assert occlusion.windows((1, 8, 8), window=8, stride=3) == 1
    assert occlusion.work((1, 28, 28), window=4, stride=2) == 170 * 784
    assert occlusion.work((3, 32, 32), window=1, stride=1) == (1024 + 1) * 3072


@pytest.fixture(scope="module")
def shapes_case():
    return checkpoints.load_default("shapes").model, shapes.make_shapes(1, seed=0).images[3]


def test_progress_rises_to_one_batch_by_batch_and_never_changes_the_map(shapes_case):
    model, image = shapes_case
    fractions: list[float] = []
    heat = occlusion.occlusion(model, image, window=4, stride=2, perturbations_per_eval=7, on_progress=fractions.append)
    assert len(fractions) == -(-169 // 7)  # 25 batches of at most 7 of the 169 windows
    np.testing.assert_allclose(fractions[:3], [7 / 169, 14 / 169, 21 / 169])
    assert fractions[-1] == 1.0 and all(a < b for a, b in zip(fractions, fractions[1:]))
    np.testing.assert_array_equal(heat, occlusion.occlusion(model, image, window=4, stride=2, perturbations_per_eval=7))


def test_overlay_by_hand():
    image = np.array([[[0.2, 0.8, 0.4]]], np.float32)  # (1, 1, 3): one row of three gray pixels
    heat = np.array([[1.0, -0.5, 0.0]], np.float32)
    red, blue = np.array([0.70, 0.09, 0.17]), np.array([0.13, 0.40, 0.67])  # display.diverging's end colours
    picture = occlusion.overlay(image, heat, opacity=0.5)
    assert picture.shape == (1, 3, 3) and picture.dtype == np.float32
    np.testing.assert_allclose(picture[0, 0], 0.5 * 0.2 + 0.5 * red, atol=1e-6)  # full strength, half opacity
    np.testing.assert_allclose(picture[0, 1], 0.75 * 0.8 + 0.25 * blue, atol=1e-6)  # half strength: weight 0.25
    np.testing.assert_allclose(picture[0, 2], [0.4, 0.4, 0.4], atol=1e-6)  # 0: the image unchanged
    np.testing.assert_allclose(occlusion.overlay(image, heat, opacity=1.0, limit=2.0)[0, 0], 0.5 * 0.2 + 0.5 * red)
    np.testing.assert_allclose(occlusion.overlay(image, heat, opacity=0.0), np.repeat(image[0, :, :, None], 3, 2))


def test_overlay_keeps_colour_images_and_checks_its_arguments():
    rgb = np.random.default_rng(0).random((3, 4, 5), dtype=np.float32)
    np.testing.assert_allclose(occlusion.overlay(rgb, np.zeros((4, 5))), rgb.transpose(1, 2, 0))
    with pytest.raises(ValueError, match=r"heat must have the image's size \(4, 5\), got shape \(5, 4\)"):
        occlusion.overlay(rgb, np.zeros((5, 4)))
    with pytest.raises(ValueError, match="opacity must be"):
        occlusion.overlay(rgb, np.zeros((4, 5)), opacity=1.5)
    with pytest.raises(ValueError, match="image must have 1 or 3 channels, got 2"):
        occlusion.overlay(rgb[:2], np.zeros((4, 5)))
    with pytest.raises(ValueError, match="limit must be a positive number"):
        occlusion.overlay(rgb, np.ones((4, 5)), limit=0.0)
