"""explorer.nets.challenges: the small-shapes grade on hand-made cases, and one real network that passes."""

import numpy as np
import pytest

from explorer.nets import challenges
from explorer.nets.architecture import Activation, ArchitectureSpec, BatchNorm, Conv, Dense, Flatten, Pool, build


def test_a_small_accurate_shapes_network_passes():
    grade = challenges.grade_small_shapes(
        dataset_name="Shapes 28×28 gray", parameters=4_408, accuracy=0.99, test_images=640
    )
    assert grade.passed and grade.feedback == ("99.0% with only 4,408 parameters.",)


@pytest.mark.parametrize(
    "name, parameters, accuracy, images, reason",
    [
        ("Digits 8×8", 3_000, 0.99, 359, "trained on Digits"),
        ("Shapes 28×28 gray", 5_000, 0.99, 640, "1 too many"),
        ("Shapes 28×28 gray", 4_000, 0.9499, 640, "below 95%"),
        ("Shapes 28×28 gray", 4_000, 0.99, 40, "at least 100 test images"),
    ],
)
def test_each_failing_criterion_says_what_to_change(name, parameters, accuracy, images, reason):
    grade = challenges.grade_small_shapes(
        dataset_name=name, parameters=parameters, accuracy=accuracy, test_images=images
    )
    assert not grade.passed and len(grade.feedback) == 1 and reason in grade.feedback[0]


def test_the_network_the_module_describes_is_under_the_limit():
    # The docstring's passing network, counted by torch (the reference): 4,408 parameters.
    relu = Activation("relu")
    layers = (
        Conv(12, 3), BatchNorm(), relu, Pool("max", 2),
        Conv(16, 3), BatchNorm(), relu, Pool("max", 2),
        Conv(16, 3), BatchNorm(), relu, Pool("avg", 3),
        Flatten(), Dense(8),
    )  # fmt: skip
    model = build(ArchitectureSpec("small", (1, 28, 28), layers, 8))
    assert sum(int(np.prod(p.shape)) for p in model.parameters()) == 4_408 < challenges.MAX_PARAMETERS


def test_bad_numbers_are_refused():
    with pytest.raises(ValueError, match="accuracy"):
        challenges.grade_small_shapes(dataset_name="Shapes", parameters=10, accuracy=1.5, test_images=200)
