"""Cached wrappers over ``explorer.classical.morphology`` and ``explorer.classical.segmentation`` for the Morphology
page.

Keys are small and stable: the input's id, the settings as tuples, the structuring element as its text
(``"010;111;010"``). Arrays are passed as ``_``-prefixed arguments (not hashed). Every step returns what the
page draws (PNG bytes, small tables) next to the array the next step needs, so a rerun with nothing changed
computes and encodes nothing.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.classical import morphology, segmentation
from explorer.core.display import to_display
from ui.cached.shared import encode

# A session flips between a handful of settings; 32 results of at most a few MB each keep the recent ones
# warm without letting one busy session hold hundreds of MB.
MAX_RESULTS = 32
LETTER_ID = "morph:noisy-letter"
# The tables list the largest shapes only: past this many rows nobody reads them.
TABLE_ROWS = 50
SWATCH_PX = 64  # side of one colour tile
ELEMENT_PX = 126  # the element picture: big enough to see a 31 x 31 element's cells, small beside a photo

# (method, threshold, block size, c in byte levels, invert): everything the binary image depends on.
BinaryKey = tuple[str, float, int, int, bool]
# (input id, binary key, operation, element text, iterations): everything the morphology result depends on.
StepKey = tuple[str, BinaryKey, str, str, int]


@st.cache_data(max_entries=2, show_spinner=False)
def letter_gray() -> np.ndarray:
    """The noisy letter as a gray ``(H, W) float32`` image (0 black, 1 white)."""
    return morphology.noisy_letter().noisy.astype(np.float32)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def binary(input_id: str, key: BinaryKey, _gray: np.ndarray) -> tuple[np.ndarray, float | None, bytes, bytes]:
    """``morphology.binarize``: (mask, threshold used, gray PNG, mask PNG)."""
    method, threshold, block_size, c_levels, invert = key
    mask, used = morphology.binarize(
        _gray, method=method, threshold=threshold, block_size=block_size, c=c_levels / 255, invert=invert
    )
    return mask, used, encode(to_display(_gray)), encode(mask.view(np.uint8) * np.uint8(255))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def element_png(element_text: str) -> bytes:
    """The structuring element as a picture of cells, about :data:`ELEMENT_PX` wide whatever its size."""
    element = morphology.element_from_text(element_text)
    cell = max(4, ELEMENT_PX // max(element.shape))
    return encode(morphology.element_picture(element, cell=cell))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def morphed(key: StepKey, _mask: np.ndarray) -> tuple[np.ndarray, bytes, bytes, int, int]:
    """``morphology.morph`` of the binary image: (result, result PNG, difference PNG, white before, after)."""
    _, _, operation, element_text, iterations = key
    result = morphology.morph(
        _mask, operation=operation, element=morphology.element_from_text(element_text), iterations=iterations
    )
    pictures = encode(result.view(np.uint8) * np.uint8(255)), encode(morphology.difference_picture(_mask, result))
    return result, *pictures, int(_mask.sum()), int(result.sum())


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def contours(
    key: StepKey, min_area: int, max_area: int, boxes: bool, _mask: np.ndarray, _background: np.ndarray
) -> tuple[bytes, int, list[dict]]:
    """``segmentation.find_contours`` drawn over the input: (PNG, number found, table of the largest)."""
    found = segmentation.find_contours(_mask, min_area=min_area, max_area=max_area)
    picture = segmentation.draw_contours(_background, found, boxes=boxes)
    table = [
        {
            "#": i + 1,
            "area (px)": c.area,
            "polygon area": round(c.polygon_area, 1),
            "top": c.box[0],
            "left": c.box[1],
            "height": c.box[2],
            "width": c.box[3],
        }
        for i, c in enumerate(found[:TABLE_ROWS])
    ]
    return encode(picture), len(found), table


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def components(key: StepKey, connectivity: int, _mask: np.ndarray) -> tuple[bytes, int, list[dict]]:
    """``segmentation.components`` as a coloured label picture, their number and the largest ones' sizes."""
    found = segmentation.components(_mask, connectivity=connectivity)
    table = [
        {
            "label": int(i) + 1,
            "size (px)": int(found.sizes[i]),
            "top": int(found.boxes[i][0]),
            "left": int(found.boxes[i][1]),
            "height": int(found.boxes[i][2]),
            "width": int(found.boxes[i][3]),
        }
        for i in found.largest(TABLE_ROWS)
    ]
    return encode(segmentation.color_labels(found.labels)), found.count, table


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def kmeans(
    image_id: str, k: int, space: str, seed: int, _rgb: np.ndarray
) -> tuple[bytes, list[np.ndarray], list[float], np.ndarray]:
    """``segmentation.kmeans_colors``: (recoloured PNG, one tile per cluster, fractions, centres)."""
    result = segmentation.kmeans_colors(_rgb, k=k, space=space, seed=seed)
    tiles = [np.full((SWATCH_PX, SWATCH_PX, 3), colour, dtype=np.uint8) for colour in result.swatches]
    picture = encode(segmentation.recolor(result.labels, result.swatches))
    return picture, tiles, [float(f) for f in result.fractions], result.centres


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def challenge_input(key: str) -> bytes:
    """The challenge's noisy letter as PNG bytes."""
    return encode(morphology.challenge_letter(key).noisy.view(np.uint8) * np.uint8(255))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def grade(key: str, operation: str, element_text: str, iterations: int) -> tuple[bool, tuple[str, ...], bytes]:
    """``morphology.grade``: (passed, feedback, the result compared with the noisy input as PNG)."""
    verdict = morphology.grade(
        key, operation=operation, element=morphology.element_from_text(element_text), iterations=iterations
    )
    if verdict.result is None:  # morphology's graders always hand back the cleaned mask
        raise ValueError(f"the {key!r} grader returned no result to show")
    noisy = morphology.challenge_letter(key).noisy
    return verdict.passed, verdict.feedback, encode(morphology.difference_picture(noisy, verdict.result))
