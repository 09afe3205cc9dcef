"""explorer.images.challenges: the lesson's answers pass; wrong kernels fail with feedback on what went wrong."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from explorer.images import challenges
from explorer.images.kernels import PRESETS

BOX_OVER_9 = np.full((3, 3), 1 / 9, dtype=np.float32)


def feedback(key: str, kernel) -> str:
    result = challenges.grade(key, np.asarray(kernel, dtype=np.float32))
    assert not result.passed
    return " ".join(result.feedback)


def test_three_challenges_with_keys_titles_prompts():
    assert [c.key for c in challenges.CHALLENGES] == ["blur", "horizontal", "all_edges"]
    for challenge in challenges.CHALLENGES:
        assert challenge.title and "3×3" in challenge.prompt
    with pytest.raises(dataclasses.FrozenInstanceError):
        challenges.CHALLENGES[0].key = "x"


@pytest.mark.parametrize(
    ("key", "kernel"),
    [
        ("blur", BOX_OVER_9),
        ("blur", np.full((3, 3), 0.111)),  # typed by hand: sums to 0.999
        ("blur", np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16),
        ("horizontal", PRESETS["horizontal edges"]),
        ("horizontal", PRESETS["sobel y"]),
        ("horizontal", -PRESETS["horizontal edges"]),
        ("all_edges", PRESETS["laplacian (8 in the centre)"]),
        ("all_edges", PRESETS["outline"]),
    ],
)
def test_lesson_answers_pass(key, kernel):
    result = challenges.grade(key, np.asarray(kernel, dtype=np.float32))
    assert result.passed, result.feedback
    assert len(result.feedback) == 1 and result.feedback[0].startswith("Well done")


def test_blur_feedback():
    assert "sums to 9; a blur should keep the brightness" in feedback("blur", PRESETS["box blur 3×3"])
    assert "dividing every entry by 9" in feedback("blur", PRESETS["box blur 3×3"])
    # the raw box blur smooths fine: only its sum is wrong
    assert len(challenges.grade("blur", PRESETS["box blur 3×3"]).feedback) == 1
    identity = feedback("blur", PRESETS["identity"])
    assert "100% as grainy as the input" in identity and "sums to" not in identity
    sharpen = feedback("blur", PRESETS["sharpen"])
    assert "Some entries are negative (the smallest is -1)" in sharpen
    assert "makes the grain stronger" in sharpen
    assert "sums to 1.5" in feedback("blur", BOX_OVER_9 * 1.5)
    assert "yours is 5×5" in feedback("blur", np.full((5, 5), 1 / 25))


def test_horizontal_feedback():
    vertical = feedback("horizontal", PRESETS["vertical edges"])
    assert "barely reacts to a horizontal edge" in vertical
    assert "also reacts to vertical edges" in vertical and "each column" in vertical
    identity = feedback("horizontal", PRESETS["identity"])
    assert "also reacts to vertical edges" in identity and "barely" not in identity
    laplacian = feedback("horizontal", PRESETS["laplacian (8 in the centre)"])
    assert "also reacts to vertical edges" in laplacian


def test_all_edges_feedback():
    box = feedback("all_edges", PRESETS["box blur 3×3"])
    assert "gives 4.5 instead of 0, because its entries sum to 9" in box
    assert "sum to 0" in feedback("all_edges", PRESETS["sharpen"])
    assert "gives 0.5 instead of 0" in feedback("all_edges", PRESETS["sharpen"])
    sobel = feedback("all_edges", PRESETS["sobel x"])
    assert "misses horizontal edges" in sobel and "flat" not in sobel
    assert "misses vertical edges" in feedback("all_edges", PRESETS["horizontal edges"])
    assert "barely reacts to edges" in feedback("all_edges", np.zeros((3, 3)))


def test_grade_bad_input():
    with pytest.raises(ValueError, match="key must be one of blur, horizontal, all_edges; got 'sharp'"):
        challenges.grade("sharp", BOX_OVER_9)
    with pytest.raises(ValueError, match="kernel must hold finite numbers only"):
        challenges.grade("blur", np.full((3, 3), np.nan))


def test_grading_does_not_change_the_kernel():
    kernel = PRESETS["sharpen"].copy()
    challenges.grade("all_edges", kernel)
    np.testing.assert_array_equal(kernel, PRESETS["sharpen"])
