"""The Train page's graded challenge: a small network that still learns the shapes well.

A naive small network stalls below the mark (measured: two conv layers and a dense layer, 3,400 parameters,
86-94 % after 30 epochs); three conv layers with batch norm and an average pool before the dense layer
reach 99 % with 4,400. The lesson: where the parameters sit matters more than how many there are.
"""

from __future__ import annotations

from explorer.core.grading import Challenge, Grade

MAX_PARAMETERS = 5_000
MIN_ACCURACY = 0.95
# A test accuracy measured on fewer images is too noisy to count (the page's smallest shapes set has 160).
MIN_TEST_IMAGES = 100

SMALL_SHAPES = Challenge(
    key="small_shapes",
    title="Small but sharp",
    prompt=f"Reach {MIN_ACCURACY:.0%} test accuracy on the shapes with a network of fewer than "
    f"{MAX_PARAMETERS:,} parameters.",
)
CHALLENGES: tuple[Challenge, ...] = (SMALL_SHAPES,)


def grade_small_shapes(*, dataset_name: str, parameters: int, accuracy: float, test_images: int) -> Grade:
    """Grade a finished training: ``dataset_name`` (the data set's title, ``"Shapes 28×28 gray"``), the
    network's ``parameters``, its last test ``accuracy`` (0..1) on ``test_images`` images."""
    if parameters < 0 or not 0.0 <= accuracy <= 1.0 or test_images < 0:
        raise ValueError(
            f"parameters and test_images must be >= 0 and accuracy in [0, 1], got {parameters}, "
            f"{test_images}, {accuracy}"
        )
    findings = []
    if not dataset_name.startswith("Shapes"):
        findings.append(f"This network was trained on {dataset_name}: choose the shapes as the data set.")
    if test_images < MIN_TEST_IMAGES:
        findings.append(f"Use at least {MIN_TEST_IMAGES} test images (this training had {test_images}).")
    if parameters >= MAX_PARAMETERS:
        findings.append(
            f"The network has {parameters:,} parameters, {parameters - MAX_PARAMETERS + 1:,} too many: use fewer "
            "filters, pool before the dense layer, or a smaller dense layer."
        )
    if accuracy < MIN_ACCURACY:
        findings.append(
            f"Test accuracy {accuracy:.1%} is below {MIN_ACCURACY:.0%}: more epochs, batch norm after each "
            "convolution, or a third conv layer often help."
        )
    if findings:
        return Grade(False, tuple(findings))
    return Grade(True, (f"{accuracy:.1%} with only {parameters:,} parameters.",))
