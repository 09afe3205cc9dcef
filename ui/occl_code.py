"""The Occlusion page's "Show the code": the notebook lines that compute its map and its painted prediction with
this run's settings.

A default model and its test images are reloaded by name; a model trained in the session or uploaded, and a
picture that is not a test image, live only in this browser session, so the snippet says where to put one's own
(saved from the Train page, prepared with ``predict_one.prepare_picture``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ui import snippets

DEFAULTS = ("digits", "shapes")
SAVED_MODEL = "your_model.safetensors"


def _load_lines(kind: str, input_key: str) -> list[str]:
    source, _, detail = input_key.partition(":")
    if kind in DEFAULTS:
        lines = [f"net = checkpoints.load_default({kind!r})  # .model (eval mode), .class_names"]
        test = f"recipes.RECIPES[{kind!r}].data()[1]  # the test split the default model was measured on"
    else:
        lines = [
            f"net = checkpoints.load_checkpoint(open({SAVED_MODEL!r}, 'rb').read())  # saved from the Train page",
        ]
        test = "None  # your model's test set, if you have it"
    if source == "test" and detail.isdigit() and kind in DEFAULTS:
        lines += [f"test = {test}", f"image = test.images[{int(detail)}]  # (C, H, W) float32 in [0, 1]"]
    else:
        if source == "picker":  # the sidebar's picture: a built-in one by name, an upload from its file
            load = snippets.load_lines(detail).replace("image = ", "picture = ", 1)
        else:
            load = "picture = imageio.load_image(open('your_picture.png', 'rb').read())  # (H, W, 3) uint8"
        lines += [
            "# the picture, turned into the network's input as the page does ('Try your model' preprocessing):",
            load,
            "style = predict_one.style_for(net.spec.input_shape, class_names=net.class_names)",
            "image = predict_one.prepare_picture(picture, net.spec.input_shape, style=style)  # (C, H, W) float32",
        ]
    return lines


def code(
    *,
    kind: str,
    input_key: str,
    target: int | None,
    window: int,
    stride: int,
    baseline: str,
    patches: Sequence[Sequence[int]],
) -> str:
    """Python that reproduces the page: the occlusion map, then the painted image and its probabilities."""
    painted = ", ".join(f"({row}, {col}, {size})" for row, col, size in patches)
    lines = [
        "from explorer.images import imageio, samples",
        "from explorer.interpret import occlusion, paint",
        "from explorer.nets import checkpoints, predict_one, recipes",
        "",
        *_load_lines(kind, input_key),
        "",
        "# the drop of the class's probability when each part is hidden: (H, W) float32",
        f"heat = occlusion.occlusion(net.model, image, target={target!r}, window={window}, stride={stride}, "
        f"baseline={baseline!r})",
        "picture = occlusion.overlay(image, heat, opacity=0.6)  # (H, W, 3) float32, red: hiding it costs confidence",
        "",
        "# gray squares (row, column, side) in the network's input pixels, and the answer for the painted image",
        f"patches = [{painted}]",
        "painted = paint.apply_patches(image, patches)",
        "probabilities = predict_one.class_probabilities(net.model, painted)  # (classes,) summing to 1",
        "pixels = int(paint.painted_mask(image.shape[1:], patches).sum())",
        'print(net.class_names[probabilities.argmax()], f"{probabilities.max():.0%}", pixels, "pixels painted")',
    ]
    return "\n".join(lines)
