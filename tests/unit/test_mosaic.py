"""explorer.core.mosaic against hand-laid grids."""

import numpy as np
import pytest

from explorer.core import mosaic


def _images(count, channels=1, size=2):
    return np.stack([np.full((channels, size, size), (i + 1) / 10, np.float32) for i in range(count)])


def test_tile_lays_out_rows_with_gray_gaps_and_empty_cells():
    picture = mosaic.tile(_images(5), columns=3, gap=1)
    # 2 rows of 3 cells of 2 px with 1 px gaps: 2*3-1 = 5 rows, 3*3-1 = 8 columns
    assert picture.shape == (5, 8) and picture.dtype == np.uint8
    assert picture[0, 0] == round(0.1 * 255) and picture[0, 3] == round(0.2 * 255) and picture[3, 3] == round(0.5 * 255)
    assert picture[0, 2] == mosaic.GAP_VALUE and picture[2, 0] == mosaic.GAP_VALUE  # gaps
    assert picture[3, 6] == mosaic.GAP_VALUE  # the sixth cell is empty


def test_tile_colour_and_fewer_images_than_columns():
    picture = mosaic.tile(_images(2, channels=3), columns=10, gap=0)
    assert picture.shape == (2, 4, 3)


@pytest.mark.parametrize(
    "x, y, expected",
    [(0, 0, 0), (5, 5, 0), (6, 0, None), (9, 0, 1), (18, 0, 2), (0, 9, 3), (9, 9, 4), (18, 9, None), (30, 0, None)],
)
def test_cell_at_inverts_tile(x, y, expected):
    # cells 2 px + 1 px gap, shown 3x enlarged: a cell spans 0..5 screen px, the gap 6..8
    assert mosaic.cell_at(x, y, cell=(2, 2), gap=1, columns=3, count=5, scale=3) == expected


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="images"):
        mosaic.tile(np.zeros((0, 1, 2, 2)), columns=2)
    with pytest.raises(ValueError, match="columns"):
        mosaic.tile(_images(2), columns=0)


def test_classes_in_turn_takes_one_of_each_class_then_the_next():
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    assert mosaic.classes_in_turn(labels, 7).tolist() == [0, 3, 5, 1, 4, 6, 2]
    assert mosaic.classes_in_turn(labels, 100).tolist() == [0, 3, 5, 1, 4, 6, 2, 7, 8]
    assert mosaic.classes_in_turn(np.array([2, 1, 2, 1]), 2).tolist() == [1, 0]  # class order, not position


@pytest.mark.parametrize(
    "side, expected",
    [
        (8, (6, 8)),  # 9-pixel cells x6 = 54: 8 fit in 470 (8*54 = 432)
        (28, (2, 8)),  # 29 x2 = 58: 470 // 58 = 8
        (32, (2, 7)),  # 33 x2 = 66: 7 fit
        (64, (1, 7)),  # 65 x1: 7 fit
    ],
)
def test_grid_layout_by_hand(side, expected):
    assert mosaic.grid_layout(side, target_cell=56, max_width=470, max_columns=10) == expected
