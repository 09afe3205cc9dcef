"""Pieces shared by the pages' "Show the code" snippets.

:func:`load_lines` writes the line(s) that load the page's current image in a notebook, then convert it by the
dtype rule of :mod:`explorer.core.dtype`. A built-in image (``sample:NAME``, ``pattern:NAME[:ANGLE]``) is reloaded
from its id; an upload or a camera photo lives only in this browser session, so the snippet reads a file instead.
A snippet that uses these lines imports ``samples`` and ``imageio`` (``explorer.images``) and, to convert,
``dtype`` (``explorer.core``).
"""

from __future__ import annotations

from typing import Literal

# What an upload is read from in the snippet (the person puts their own file name there).
UPLOAD_FILE = "your_image.jpg"

_CONVERSIONS = {
    "gray": "dtype.to_gray(rgb)  # (H, W) float32 in [0, 1]",
    "float": "dtype.to_float(rgb)  # (H, W, 3) float32 in [0, 1]",
}


def load_lines(image_id: str, *, convert: Literal["uint8", "gray", "float"] = "uint8") -> str:
    """Python lines that set ``image`` to the current image, without a trailing newline.

    convert : ``"uint8"`` leaves ``image`` as loaded, ``(H, W, 3) uint8``; ``"gray"`` and ``"float"`` keep the
        loaded picture in ``rgb`` and set ``image`` to its ``(H, W)`` gray or ``(H, W, 3)`` float32 version.
    """
    if convert not in ("uint8", "gray", "float"):
        raise ValueError(f"convert must be 'uint8', 'gray' or 'float', got {convert!r}")
    if image_id.partition(":")[0] in ("sample", "pattern"):
        source = f"samples.load_builtin({image_id!r})  # (H, W, 3) uint8"
    else:
        source = f'imageio.load_image(open("{UPLOAD_FILE}", "rb").read())  # your own image, (H, W, 3) uint8'
    if convert == "uint8":
        return f"image = {source}"
    return f"rgb = {source}\nimage = {_CONVERSIONS[convert]}"


def inspect_image_lines(source_key: str, *, kind: str, style: str) -> str:
    """Lines (each ending in a newline) that set ``image``, an Inspect page's input ``(C, H, W) float32``: a
    default model's test image by number (``source_key`` ``"test:17"``), the sidebar's picture
    (``"picker:<image id>"``) or any other picture read from a file, made into the network's input as
    :func:`explorer.nets.predict_one.prepare_picture` does for ``style``. They use ``test`` (a default model's
    test set) and ``model_input_shape``, and need ``imageio``, ``samples`` and ``predict_one`` imported."""
    source, _, rest = source_key.partition(":")
    prepare = (
        f"image = predict_one.prepare_picture(picture, model_input_shape, style={style!r})  # as the network sees it\n"
    )
    own = f'picture = imageio.load_image(open("{UPLOAD_FILE}", "rb").read())  # any picture, (H, W, 3) uint8\n'
    if source == "test" and kind in ("digits", "shapes"):
        return (
            f"image = test.images[{int(rest)}]  # (C, H, W) float32 in [0, 1]\n"
            "# or a picture of your own, made into the network's input as the page does:\n# " + own + "# " + prepare
        )
    if source == "picker":  # the sidebar's picture: a built-in one by its id, else the file it came from
        return load_lines(rest).replace("image = ", "picture = ", 1) + "\n" + prepare
    # an upload, a drawing, or a test image of a set that only the session has: read from a file
    return own + prepare
