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
