"""Cached wrappers over ``explorer.images.regions``, ``explorer.images.color`` and ``explorer.images.digits``
for the "Images are numbers" page, and the page's two figures as plain dicts.

Keys are small and stable: the image id and the settings. The image itself is passed as ``_image`` and not
hashed. Pictures come back encoded (image file bytes, or a data URI inside a figure), so a rerun with nothing
changed computes and encodes nothing.

Where this page's time went (a visit from Home in the same browser tab, 512 × 512 astronaut: 2.1–3.6 s against
0.3–1.1 s for the other pages): the hover overview was a plotly ``Image`` trace with every pixel as data (``z``,
256 × 256 × 3), 262 kB of base64 in every run's messages, which plotly.js decoded and drew one ``fillRect`` per
pixel: about 1.3 s of the browser's main thread in a profile. Given as a lossless WebP in ``source``, the same
pixels are 100–130 kB and the browser draws them as one picture (visits 0.55–0.9 s); plotly reads a hovered
pixel's values back from its canvas, so hovering still shows the stored numbers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core import dtype
from explorer.images import color, digits, regions
from ui.cached.shared import encode

# A session flips between a few images and settings; 32 results of at most a few hundred kB each keep the
# recent ones warm without letting one busy session hold much memory.
MAX_RESULTS = 32
# Digit pictures are tiny (a few hundred bytes): enough entries for every digit at both sizes the page uses.
MAX_DIGIT_PICTURES = 4096
# Height of the hover overview, in screen pixels.
OVERVIEW_HEIGHT = 520
# Colour scales of the region heatmap: the chosen channel drawn in its own colour, from black to full.
HEATMAP_SCALES = {
    "Gray": [[0, "black"], [1, "white"]],
    "R": [[0, "black"], [1, "rgb(255,0,0)"]],
    "G": [[0, "black"], [1, "rgb(0,255,0)"]],
    "B": [[0, "black"], [1, "rgb(0,0,255)"]],
}
# Room round the heatmap's cells for the row numbers (left) and the column numbers (top), in screen pixels.
HEATMAP_MARGIN_LEFT = 40
HEATMAP_MARGIN_TOP = 28


@dataclass(frozen=True)
class Overview:
    """The hover overview as a picture: a lossless WebP data URI of every ``step``-th pixel."""

    source: str  # "data:image/webp;base64,..."
    rows: int  # of the overview
    cols: int
    step: int


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def overview(image_id: str, _image: np.ndarray) -> Overview:
    """``regions.overview``, encoded once per image as a lossless WebP (exact values for hovering)."""
    small, step = regions.overview(_image)
    webp = encode(small, format="WEBP")
    source = "data:image/webp;base64," + base64.b64encode(webp).decode("ascii")
    return Overview(source=source, rows=small.shape[0], cols=small.shape[1], step=step)


def overview_figure(picture: Overview, *, top: int, left: int, size: int) -> dict:
    """The overview with the region drawn as a yellow square; hovering names a pixel and its R, G, B.

    A plain dict: plotly's graph objects validate every property as they are built, and ``st.plotly_chart``
    validates the finished figure once anyway.
    """
    trace = {
        "type": "image",
        "source": picture.source,
        "x0": 0,
        "dx": picture.step,
        "y0": 0,
        "dy": picture.step,
        "hovertemplate": "row %{y}, col %{x}<br>R %{z[0]}  G %{z[1]}  B %{z[2]}<extra></extra>",
    }
    square = {
        "type": "rect",
        "x0": left - 0.5,
        "x1": left + size - 0.5,
        "y0": top - 0.5,
        "y1": top + size - 0.5,
        "line": {"color": "yellow", "width": 2},
    }
    layout = {"height": OVERVIEW_HEIGHT, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "shapes": [square]}
    return {"data": [trace], "layout": layout}


def region_figure(values: np.ndarray, *, top: int, left: int, channel: str, cell: int) -> dict:
    """A heatmap of a region's numbers (``values (size, size)``), each written in its cell.

    The figure is exactly the region: ``cell`` screen pixels a cell, the axis ranges are the region's rows and
    columns, and nothing is added round them. (An aspect-locked heatmap in a box of another shape used to get
    its y range stretched: empty rows above and below the region.) Should the browser give the chart less
    width than asked, ``constrain="domain"`` shrinks the cells and keeps the ranges.
    """
    size = int(values.shape[0])
    rows = list(range(top, top + size))
    cols = list(range(left, left + size))
    numbers = values.tolist()
    ticks = 1 if size <= 12 else 2
    trace = {
        "type": "heatmap",
        "z": numbers,
        "x": cols,
        "y": rows,
        "text": numbers,
        "texttemplate": "%{text}",
        "textfont": {"size": 13 if cell >= 30 else 11},
        "colorscale": HEATMAP_SCALES[channel],
        "zmin": 0,
        "zmax": 255,
        "showscale": False,
        "hovertemplate": "row %{y}, col %{x}: %{z}<extra></extra>",
    }
    axis = {"dtick": ticks, "constrain": "domain", "showgrid": False, "zeroline": False, "fixedrange": True}
    layout = {
        "width": HEATMAP_MARGIN_LEFT + cell * size,
        "height": HEATMAP_MARGIN_TOP + cell * size,
        "margin": {"l": HEATMAP_MARGIN_LEFT, "r": 0, "t": HEATMAP_MARGIN_TOP, "b": 0, "autoexpand": False},
        "xaxis": {**axis, "range": [left - 0.5, left + size - 0.5], "side": "top"},
        # Top row first, as in the table: the range runs from the bottom row up.
        "yaxis": {**axis, "range": [top + size - 0.5, top - 0.5], "scaleanchor": "x"},
    }
    return {"data": [trace], "layout": layout}


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def region_picture(image_id: str, top: int, left: int, size: int, _image: np.ndarray) -> bytes:
    """``regions.region_picture`` as PNG bytes (exact blocks; JPEG would blur their edges)."""
    return encode(regions.region_picture(_image, top=top, left=left, size=size))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def channel_pictures(image_id: str, tinted: bool, _image: np.ndarray) -> list[bytes]:
    """``color.split_channels`` and the gray image, as four JPEG files: R, G, B, gray.

    They are photos to look at (the numbers are read in the region above), so JPEG: a few times smaller.
    """
    red, green, blue = color.split_channels(_image, tinted=tinted)
    gray = dtype.to_uint8(dtype.to_gray(_image))
    return [encode(picture, format="JPEG") for picture in (red, green, blue, gray)]


@st.cache_resource(show_spinner=False)
def digit_data() -> tuple[np.ndarray, np.ndarray]:
    """``digits.load()``, shared read-only by every session (never modify the arrays)."""
    images, labels = digits.load()
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def digit_neighbours(index: int, count: int) -> digits.Neighbours:
    """``digits.most_and_least_similar`` over the whole data set."""
    images, _ = digit_data()
    return digits.most_and_least_similar(images, index, count=count)


@st.cache_data(max_entries=MAX_DIGIT_PICTURES, show_spinner=False)
def digit_picture(index: int, scale: int) -> bytes:
    """``digits.to_picture`` of digit ``index`` as PNG bytes."""
    images, _ = digit_data()
    return encode(digits.to_picture(images[index], scale=scale))
