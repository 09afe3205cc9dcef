"""Cached wrappers over ``explorer.classical.fourier`` for the Fourier page.

Keys are small and stable: the image id, the mask settings (a tuple), the second sample's name, the kernel as a
tuple of tuples of floats, the row number. Arrays are passed as ``_work`` / ``_strokes`` and not hashed (a
drawn mask is keyed by :func:`strokes_key`, a digest of its bytes). Results come back as encoded pictures and
small numbers, so a rerun with nothing changed computes and encodes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from explorer.classical import fourier
from explorer.core import dtype
from explorer.core.display import to_display
from explorer.core.resize import enlarge, screen_factor
from explorer.images import samples
from ui.cached.shared import KernelKey, encode, kernel_array

# A session flips between a handful of images, masks and kernels; 32 results of a few hundred kB each keep
# the recent ones warm without letting one busy session hold much memory.
MAX_RESULTS = 32
# The zero-padding disagreement is a band as wide as the kernel's reach (a few pixels): the picture shows the
# top-left corner of this many pixels, enlarged, so the band is visible.
CORNER = 16
# Side of the enlarged corner picture, in pixels.
CORNER_PX = 240
# Width and gray level of the frame drawn round masks and responses (see _png).
FRAME_PX = 2
FRAME_GRAY = 160
# Colour of the line marking the chosen row on the image (RGB).
_ROW_COLOUR = np.array([230, 40, 40], dtype=np.uint8)

# A mask as a cache key: ("low-pass" | "high-pass", profile, radius), ("band-pass", profile, inner, outer)
# or ("drawn", digest of the strokes, keep).
MaskKey = tuple


@dataclass(frozen=True)
class MaskedPictures:
    """PNG bytes of the mask, the filtered log spectrum and the reconstruction, and how it was drawn."""

    mask: bytes
    filtered_spectrum: bytes
    reconstruction: bytes
    mode: str
    kept: float  # fraction of the spectrum's energy the mask keeps


@dataclass(frozen=True)
class KernelPictures:
    """The Kernels section: PNG bytes of the pictures and the agreement numbers of ``fourier.check_theorem``."""

    response: bytes
    filtered_spectrum: bytes
    by_fft: bytes
    zero_gap: bytes  # |zero padding - by_fft| in the top-left CORNER x CORNER pixels, enlarged
    wrap_difference: float
    zero_difference: float
    zero_difference_inside: float
    centre: float  # the response at zero frequency: the kernel's sum


def strokes_key(strokes: np.ndarray) -> str:
    """A short digest of a drawn mask's pixels (the drawing is a cache key without being hashed by Streamlit)."""
    array = np.ascontiguousarray(strokes)
    return hashlib.blake2b(array.tobytes() + str(array.shape).encode(), digest_size=12).hexdigest()


def _png(values: np.ndarray, mode: str, *, framed: bool = False) -> bytes:
    picture = to_display(values, mode=mode)
    if framed and min(picture.shape[:2]) > 2 * FRAME_PX:
        # Masks and responses are often white at the edge: a gray frame shows where the picture ends.
        picture = picture.copy()
        picture[:FRAME_PX], picture[-FRAME_PX:] = FRAME_GRAY, FRAME_GRAY
        picture[:, :FRAME_PX], picture[:, -FRAME_PX:] = FRAME_GRAY, FRAME_GRAY
    return encode(picture)


@st.cache_data(max_entries=16, show_spinner=False)
def working(image_id: str, _gray: np.ndarray) -> np.ndarray:
    """``fourier.working_image`` of the current gray image: longest side at most ``FFT_SIZE``."""
    return fourier.working_image(_gray)


@st.cache_data(max_entries=16, show_spinner=False)
def spectrum_pictures(image_id: str, _work: np.ndarray) -> tuple[bytes, bytes, bytes]:
    """PNG bytes of the working image, its log-magnitude spectrum and its phase."""
    spectrum = fourier.spectrum(_work)
    return (
        _png(_work, "clip"),
        _png(fourier.log_magnitude(spectrum), "normalize"),
        _png(fourier.phase(spectrum), "normalize"),
    )


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def row_picture(image_id: str, row: int, _work: np.ndarray) -> bytes:
    """The working image with row ``row`` drawn in red, as PNG bytes."""
    picture = np.repeat(to_display(_work, mode="clip")[:, :, None], 3, axis=2)
    picture[row] = _ROW_COLOUR
    return encode(picture)


# cache_resource, not cache_data: a figure coming out of cache_data is unpickled and re-validated by plotly on
# every run (~20 ms); the figure itself is shared read-only (st.plotly_chart only reads it).
@st.cache_resource(max_entries=MAX_RESULTS, show_spinner=False)
def row_figure(image_id: str, row: int, _work: np.ndarray) -> go.Figure:
    """Two plots of ``fourier.row_spectrum``: the row's brightness, and the magnitude of its 1-D DFT (log scale)."""
    strip = fourier.row_spectrum(_work, row=row)
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"Row {row}: brightness along the row", "|DFT| of that row (log scale)"),
        horizontal_spacing=0.12,
    )
    figure.add_trace(go.Scatter(y=strip.values, mode="lines", name="brightness"), row=1, col=1)
    # Magnitudes of exactly 0 can't be drawn on a log axis; they are left out of the plot, not invented.
    magnitude = np.where(strip.magnitude > 0, strip.magnitude, np.nan)
    figure.add_trace(go.Scatter(x=strip.frequencies, y=magnitude, mode="lines", name="|DFT|"), row=1, col=2)
    figure.update_xaxes(title_text="column", row=1, col=1)
    figure.update_yaxes(title_text="brightness (0 to 1)", range=[-0.02, 1.02], row=1, col=1)
    figure.update_xaxes(title_text="frequency (cycles per pixel)", row=1, col=2)
    # One tick per power of ten (dtick=1 on a log axis), written 0.1, 1, 10, 100: plotly's default adds the
    # 2s and 5s of every decade, a column of a dozen crowded labels on a 300 px plot.
    figure.update_yaxes(type="log", dtick=1, title_text="magnitude", row=1, col=2)
    figure.update_layout(height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False)
    return figure


def _mask(key: MaskKey, shape: tuple[int, int], strokes: np.ndarray | None) -> np.ndarray:
    kind = key[0]
    if kind == "drawn":
        if strokes is None:
            raise ValueError("a drawn mask needs the drawing's strokes")
        return fourier.drawn_mask(strokes, shape=shape, keep=key[2])
    if kind == "band-pass":
        return fourier.frequency_mask(shape, kind=kind, profile=key[1], inner=key[2], outer=key[3])
    return fourier.frequency_mask(shape, kind=kind, profile=key[1], radius=key[2])


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def masked(image_id: str, key: MaskKey, _work: np.ndarray, _strokes: np.ndarray | None = None) -> MaskedPictures:
    """The mask, the filtered spectrum and the reconstruction for a mask key (see :data:`MaskKey`).

    The reconstruction is drawn clipped to ``[0, 1]`` when the mask keeps the centre (the mean brightness
    survives), else stretched min..max ("normalize"), since without the mean the values sit around 0.
    """
    spectrum = fourier.spectrum(_work)
    mask = _mask(key, _work.shape, _strokes)
    filtered, reconstruction = fourier.apply_mask(spectrum, mask)
    mode = "clip" if fourier.keeps_mean(mask) else "normalize"
    return MaskedPictures(
        mask=_png(mask, "clip", framed=True),
        filtered_spectrum=_png(fourier.log_magnitude(filtered), "normalize"),
        reconstruction=_png(reconstruction, mode),
        mode=mode,
        kept=fourier.kept_energy(spectrum, mask),
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _other_gray(name: str) -> np.ndarray:
    return dtype.to_gray(samples.load_sample(name))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def swapped(image_id: str, other: str, _work: np.ndarray) -> tuple[bytes, bytes, bytes]:
    """PNG bytes of the second sample (at the working image's shape), and the two swaps:
    (magnitude of this image + phase of the other), (magnitude of the other + phase of this image).
    """
    second = fourier.resize_to(_other_gray(other), shape=_work.shape)
    return (
        _png(second, "clip"),
        _png(fourier.combine(magnitude_from=_work, phase_from=second), "normalize"),
        _png(fourier.combine(magnitude_from=second, phase_from=_work), "normalize"),
    )


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def kernel_pictures(image_id: str, kernel: KernelKey, _work: np.ndarray) -> KernelPictures:
    """The kernel's frequency response at the image's shape, the filtered spectrum, the result of multiplying
    spectra, where zero padding disagrees, and the numbers of ``fourier.check_theorem``.
    """
    view = fourier.kernel_view(_work, kernel_array(kernel), corner=CORNER)
    check = view.check
    zero_gap = enlarge(view.zero_gap, factor=screen_factor(max(view.zero_gap.shape), target=CORNER_PX))  # crisp pixels
    return KernelPictures(
        # Drawn against its own peak, so a flat response (the identity kernel passes everything) shows white.
        response=_png(view.gain, "clip", framed=True),
        filtered_spectrum=_png(view.filtered_log, "normalize"),
        by_fft=_png(check.by_fft, "normalize"),
        zero_gap=_png(zero_gap, "normalize"),
        wrap_difference=check.wrap_difference,
        zero_difference=check.zero_difference,
        zero_difference_inside=check.zero_difference_inside,
        centre=view.centre,
    )
