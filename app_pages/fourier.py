"""Fourier: the image as a sum of stripes; masks in frequency; phase versus magnitude; kernels as filters."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from explorer.classical import fourier
from explorer.images import kernels, samples
from ui import common, images, snippets, urlstate
from ui.cached import fourier as cached
from ui.cached.shared import kernel_key

MASK_CHOICES = ("low-pass", "high-pass", "band-pass", "drawn")
MASK_LABELS = {"low-pass": "low-pass", "high-pass": "high-pass", "band-pass": "band-pass", "drawn": "draw your own"}
DRAW_ACTIONS = ("keep", "remove")
FROM_KERNELS_PAGE = "your kernel from the Kernels page"
KERNEL_CHOICES = tuple(kernels.PRESETS) + (FROM_KERNELS_PAGE,)
DEFAULT_KERNEL = "box blur 5×5"
DEFAULT_OTHER = "camera"
# The canvas is drawn this many screen pixels square: one pixel per frequency on a square working image (the
# strokes are resized to the spectrum's shape in any case).
CANVAS_SIDE = fourier.FFT_SIZE
CANVAS_KEY = "_fourier.canvas"  # a component: its state can't be assigned, hence the "_"
DRAWN_KEY = "fourier.drawn"  # the strokes' opacity (h, w) uint8, filled from the canvas (tests set it directly)
DRAWING_KEY = "fourier.drawing"  # the canvas's own description of the drawing, to redraw it after a remount
SENT_KEY = "fourier.sent"  # digest of the last picture the canvas sent, so each drawing is decoded once
INITIAL_KEY = "fourier.initial"  # what the mounted canvas was given as its initial drawing (kept constant)
# Brush widths in canvas pixels: thinner is hard to see, wider covers a fifth of the canvas in one stroke.
MIN_BRUSH, MAX_BRUSH = 2, 60
# A stroke in a colour that stands out on the gray spectrum, fully opaque, so its alpha is 255.
STROKE_COLOUR = "rgba(255, 120, 0, 1.0)"
KERNELS_GOOD_KEY = "kernels.good"  # the Kernels page's last kernel that parsed, as rows of floats


def _band_param(text: str) -> tuple[int, int]:
    inner_text, sep, outer_text = text.partition("-")
    if not sep:
        raise ValueError(f"expected two radii like 20-60, got {text!r}")
    parse = urlstate.int_in(0, fourier.MAX_RADIUS)
    inner, outer = parse(inner_text), parse(outer_text)
    if inner > outer:
        raise ValueError(f"the inner radius must not exceed the outer one, got {inner} > {outer}")
    return inner, outer


PARAMS = (
    urlstate.Param("mask", "fourier.mask", "low-pass", parse=urlstate.one_of(MASK_CHOICES)),
    urlstate.Param("profile", "fourier.profile", "ideal", parse=urlstate.one_of(fourier.PROFILES)),
    urlstate.Param("radius", "fourier.radius", 30, parse=urlstate.int_in(0, fourier.MAX_RADIUS)),
    urlstate.Param("band", "fourier.band", (10, 50), parse=_band_param, format=lambda band: f"{band[0]}-{band[1]}"),
    urlstate.Param("draw", "fourier.draw_action", "keep", parse=urlstate.one_of(DRAW_ACTIONS)),
    urlstate.Param("brush", "fourier.brush", 16, parse=urlstate.int_in(MIN_BRUSH, MAX_BRUSH)),
    urlstate.Param("row", "fourier.row", fourier.FFT_SIZE // 2, parse=urlstate.int_in(0, fourier.MAX_FFT_SIZE - 1)),
    urlstate.Param("other", "fourier.other", DEFAULT_OTHER, parse=urlstate.one_of(samples.SAMPLES)),
    urlstate.Param("kernel", "fourier.kernel", DEFAULT_KERNEL, parse=urlstate.one_of(KERNEL_CHOICES)),
    urlstate.Param("normalize", "fourier.normalize", True, parse=urlstate.boolean, format=urlstate.format_bool),
)


def _show(where, picture: bytes, caption: str) -> None:
    """A cached PNG picture; output_format="PNG" keeps Streamlit from re-encoding it as JPEG on every run."""
    where.image(picture, caption=caption, width="stretch", output_format="PNG")


st.title("Fourier")
st.markdown(
    "Any picture can be written as a sum of smooth **stripes**: wide, gentle ones for the overall light and "
    "shade, narrow, tightly packed ones for edges and fine texture. The Fourier transform finds how much of "
    "each stripe (its **magnitude**) and where its crests lie (its **phase**). Filtering becomes simple "
    "there: to blur, turn down the fine stripes; to keep only edges, turn down the wide ones."
)
urlstate.restore("fourier", PARAMS)

gray = images.current_gray()
image_id = images.image_id()
with common.user_errors():
    work = cached.working(image_id, gray)
rows, cols = work.shape
st.caption(
    f"Working size: {rows} × {cols} px. This page uses the gray image, shrunk so that its longest side is at "
    f"most {fourier.FFT_SIZE} px, which keeps every transform down to a few milliseconds."
)

# ------------------------------------------------------------------------------------------ the spectrum
st.subheader("Magnitude and phase")
picture, magnitude, phase = cached.spectrum_pictures(image_id, work)
left, middle, right = st.columns(3)
_show(left, picture, f"Gray image · {rows} × {cols}")
_show(middle, magnitude, "Magnitude, log(1 + |F|), centred")
_show(right, phase, "Phase, from −π (black) to π (white)")
st.markdown(
    "Each point of the spectrum is one stripe pattern. The **centre** is the flat, average brightness; going "
    "outwards the stripes get finer; the **direction** from the centre is the direction in which the "
    "brightness changes. Strong straight edges in the image show up as bright lines through the centre, at "
    "right angles to the edges. The bright cross through the centre of most spectra comes from the border: "
    "the transform treats the picture as repeating like tiles, and where the right edge meets the next "
    "tile's left edge (and the bottom meets the top) there is usually a jump in brightness. The magnitude "
    "is drawn on a log scale: the centre is thousands of times stronger than the rest and would otherwise "
    "be the only visible dot. The phase looks like noise, but keep reading."
)

# ------------------------------------------------------------------------------------------- one row
st.subheader("One row at a time")
if rows > 1:
    st.session_state["fourier.row"] = min(st.session_state["fourier.row"], rows - 1)
    row = st.slider("Row", 0, rows - 1, key="fourier.row", help="Which row of the working image to take apart.")
else:
    row = 0
    st.caption("This image has a single row.")
marked = cached.row_picture(image_id, row, work)
figure = cached.row_figure(image_id, row, work)
left, right = st.columns([1, 2.4])
_show(left, marked, f"Row {row} in red")
with right:
    st.plotly_chart(figure, key="_fourier.row_chart", config={"displayModeBar": False})
st.markdown(
    "The same idea in one dimension. The left curve is the brightness along the red row; the right one is "
    "how much of each frequency it takes to rebuild that curve. Frequency 0 (the middle) is the row's "
    "total brightness; 0.5 cycles per pixel is the fastest possible change, bright and dark in turn. A row "
    "crossing many edges has more weight far from the middle than a row across a smooth wall or sky."
)

# ----------------------------------------------------------------------------------------------- masks
st.subheader("Keep some frequencies, throw away the rest")
# Drawing needs a column as wide as the canvas: then the canvas sits between the controls and the result.
drawing = st.session_state["fourier.mask"] == "drawn"
controls, shown = st.columns([1, 2.4] if drawing else [1, 3], gap="medium")
with controls:
    kind = st.radio("Mask", MASK_CHOICES, key="fourier.mask", format_func=MASK_LABELS.get)
    if kind == "drawn":
        action = st.radio(
            "What you draw",
            DRAW_ACTIONS,
            key="fourier.draw_action",
            horizontal=True,
            format_func=lambda name: f"{name} those frequencies",
        )
        brush = st.slider("Brush width (canvas pixels)", MIN_BRUSH, MAX_BRUSH, key="fourier.brush")
        st.caption(
            "Your strokes are mirrored through the centre: a frequency and its mirror twin together make one "
            "real stripe, so they are kept or removed together."
        )
    else:
        profile = st.radio(
            "Edge of the mask",
            fourier.PROFILES,
            key="fourier.profile",
            horizontal=True,
            help="Ideal: a sharp cut-off (1 inside, 0 outside). Gaussian: a smooth fall-off.",
        )
        if kind == "band-pass":
            inner, outer = st.slider(
                "Band: inner and outer radius",
                0,
                fourier.MAX_RADIUS,
                key="fourier.band",
                help="In frequency steps from the centre. The band between the two radii is kept.",
            )
            mask_key = (kind, profile, float(inner), float(outer))
        else:
            radius = st.slider(
                "Radius",
                0,
                fourier.MAX_RADIUS,
                key="fourier.radius",
                help="In frequency steps from the centre (for the Gaussian: its width σ).",
            )
            mask_key = (kind, profile, float(radius))

strokes = None
if kind == "drawn":
    with shown:
        draw_col, result_col = st.columns([1.05, 1], gap="medium")
    with draw_col:
        # Above the canvas, not below: it also leaves room for the canvas's toolbar, which floats over it.
        st.caption(
            "Draw on the spectrum (centre = flat areas, edge = finest detail). Undo and clear are in the toolbar."
        )
        if CANVAS_KEY not in st.session_state:  # (re)mounted: redraw the last drawing, then keep it fixed
            st.session_state[INITIAL_KEY] = st.session_state.get(DRAWING_KEY)
        canvas = st_canvas(
            stroke_width=brush,
            stroke_color=STROKE_COLOUR,
            background_image=magnitude,
            height=CANVAS_SIDE,
            width=CANVAS_SIDE,
            drawing_mode="freedraw",
            initial_drawing=st.session_state.get(INITIAL_KEY),
            return_image_data=True,
            key=CANVAS_KEY,
        )
    sent = canvas.image_bytes
    if sent is not None and hashlib.sha1(sent).hexdigest() != st.session_state.get(SENT_KEY):
        # A new drawing from the canvas (decoded once): its strokes' opacity is the mask.
        st.session_state[SENT_KEY] = hashlib.sha1(sent).hexdigest()
        st.session_state[DRAWN_KEY] = np.ascontiguousarray(canvas.image_data[:, :, 3])
        st.session_state[DRAWING_KEY] = canvas.json_data
    strokes = st.session_state.get(DRAWN_KEY)
    mask_key = ("drawn", None if strokes is None else cached.strokes_key(strokes), action == "keep")
    container = result_col
else:
    container = shown

with container:
    if kind == "drawn" and strokes is None:
        st.info("Nothing drawn yet: paint over the spectrum on the left to make a mask.")
        result = None
    else:
        try:
            result = cached.masked(image_id, mask_key, work, strokes)
        except ValueError as error:  # an empty drawing (e.g. after "clear"): say so, keep the page going
            st.info(f"No mask to apply: {error}.")
            result = None
    if result is not None:
        drawn_as = "clipped to 0..1" if result.mode == "clip" else "stretched min..max (no mean left)"
        if kind == "drawn":  # the result large, the mask and the filtered spectrum small beneath it
            _show(st, result.reconstruction, f"Back to an image · {drawn_as}")
            columns = st.columns(2)
        else:
            columns = st.columns(3)
            _show(columns[2], result.reconstruction, f"Back to an image · {drawn_as}")
        _show(columns[0], result.mask, "Mask (white keeps, black removes)")
        _show(columns[1], result.filtered_spectrum, "Spectrum × mask (log scale)")
        st.caption(f"The mask keeps {result.kept:.1%} of the image's energy (sum of squared Fourier magnitudes).")
st.markdown(
    "A **low-pass** mask keeps the centre: the image gets blurry, because fine detail lives far from the "
    "centre. A **high-pass** mask keeps the outside: only edges and texture remain, around a mean of 0. A "
    "**band-pass** keeps a ring: details of one size. With the *ideal* (sharp) edge, look for ripples beside "
    "strong edges (ringing): a sudden cut in frequency spreads out in space. The *Gaussian* edge avoids them."
)

# -------------------------------------------------------------------------------- phase versus magnitude
st.subheader("Phase carries the structure")
other = st.selectbox("Second image", samples.SAMPLES, key="fourier.other")
second, mixed_a, mixed_b = cached.swapped(image_id, other, work)
columns = st.columns(4)
_show(columns[0], picture, "A: this image")
_show(columns[1], second, f"B: {other}, resized to {rows} × {cols}")
_show(columns[2], mixed_a, "Magnitude of A + phase of B")
_show(columns[3], mixed_b, "Magnitude of B + phase of A")
st.markdown(
    "Swap the two halves of the description. The magnitudes say *how much* of each stripe; the phases say "
    "*where* each stripe's crests fall. The picture you recognise is the one whose **phase** it got: edges are "
    "places where many stripes line up in step, and that lining up is written in the phase. (Both mixtures "
    "are drawn stretched min..max.)"
)

# ----------------------------------------------------------------------------------- kernels in frequency
st.subheader("A kernel is a filter in frequency")
has_own_kernel = KERNELS_GOOD_KEY in st.session_state
choices = KERNEL_CHOICES if has_own_kernel else tuple(kernels.PRESETS)
if st.session_state.get("fourier.kernel") not in choices:
    st.session_state["fourier.kernel"] = DEFAULT_KERNEL
pick, normal = st.columns([2, 1])
chosen = pick.selectbox(
    "Kernel",
    choices,
    key="fourier.kernel",
    help="The presets of the Kernels page; once you have edited a kernel there, it is offered here too.",
)
normalize = normal.toggle(
    "Divide by the sum", key="fourier.normalize", help="As on the Kernels page: a blur keeps the brightness."
)
raw = (
    np.array(st.session_state[KERNELS_GOOD_KEY], np.float32) if chosen == FROM_KERNELS_PAGE else kernels.PRESETS[chosen]
)
applied = raw
if normalize:
    try:
        applied = kernels.normalize(raw)
    except ValueError:
        normal.caption("This kernel sums to 0, so it is used as it is.")
if not has_own_kernel:
    st.caption("Edit a kernel on the Kernels page and it will be offered here as well.")
key = kernel_key(applied)
with common.user_errors():
    numbers = cached.kernel_pictures(image_id, key, work)
columns = st.columns(4)
_show(columns[0], magnitude, "Image spectrum |F| (log)")
_show(columns[1], numbers.response, f"Kernel response |H| · {numbers.centre:g} at the centre")
_show(columns[2], numbers.filtered_spectrum, "|F| × |H| (log)")
_show(columns[3], numbers.by_fft, "Filtered by multiplying spectra (stretched min..max)")
st.markdown(
    "Sliding a kernel over the image (left to right on the Kernels page) gives the same result as "
    "**multiplying** the image's spectrum by the kernel's spectrum and transforming back. The kernel's "
    "response says how strongly it lets each stripe through: a blur is bright in the middle (it passes wide "
    "stripes), an edge kernel is dark there (a flat area gives 0). Its value at the centre is the sum of its "
    "cells."
)
numbers_col, corner_col = st.columns([3, 1])
with numbers_col:
    metric_cols = st.columns(3)
    metric_cols[0].metric(
        "Wrap padding",
        f"{numbers.wrap_difference:.1e}",
        help="Largest |sliding in space − multiplying spectra| over all pixels, with wrap padding.",
    )
    metric_cols[1].metric(
        "Zero padding",
        f"{numbers.zero_difference:.2g}",
        help="The same with zero padding: the largest difference, found at the border.",
    )
    inside = "none" if np.isnan(numbers.zero_difference_inside) else f"{numbers.zero_difference_inside:.1e}"
    metric_cols[2].metric(
        "Zero padding, inside",
        inside,
        help="Zero padding again, but only where the kernel never reaches past the border.",
    )
    st.caption("Largest difference between sliding the kernel in space and multiplying spectra.")
_show(
    corner_col,
    numbers.zero_gap,
    f"Zero padding: where it differs, top-left {cached.CORNER} × {cached.CORNER} px enlarged (bright = large)",
)
st.markdown(
    "The numbers compare `convolution.correlate` (sliding in space) with multiplying spectra. The Fourier "
    "transform treats the image as if it repeated forever, left edge glued to right edge, which is exactly "
    "**wrap** padding: the two agree up to float32 rounding. With **zero** padding the sliding kernel sees "
    "black beyond the border while the Fourier version sees the opposite side of the image, so they differ "
    "in a band as wide as the kernel reaches, and agree again inside it. Two details make the match exact: "
    "the Kernels page *correlates* (it does not flip the kernel), which in frequency means multiplying by "
    "the complex conjugate of the kernel's spectrum; and the kernel's anchor cell (its middle) is placed at "
    "pixel (0, 0) before transforming, with the cells above and left of it wrapped to the far side."
)
urlstate.publish(PARAMS)

# ------------------------------------------------------------------------------------------ explanation
st.subheader("What is going on")
st.markdown(
    """
- The **2-D discrete Fourier transform** rewrites an H × W image as H × W stripe patterns (complex numbers):
  nothing is lost, and the inverse transform gives the image back exactly.
- **Low frequencies** (near the centre of the shifted spectrum) are slow changes: lighting, large shapes.
  **High frequencies** (far out) are fast changes: edges, texture, noise. That is why edges are called the
  high-frequency part of an image.
- A **mask** multiplies each frequency by a weight between 0 and 1; a **kernel** does the same with weights
  given by its own spectrum. Filtering by sliding a kernel and filtering by multiplying spectra are one
  operation (the convolution theorem); for big kernels the Fourier route is much faster.
- The **phase** decides where things are. Keep the phase and almost any magnitude still shows the scene.
"""
)
common.check_yourself(
    "You keep only the single centre point of the spectrum (an ideal low-pass of radius 0). What image "
    "comes back, and why?",
    "A **flat gray image** at the original's **mean brightness**. The centre is the zero-frequency stripe, "
    "which does not change anywhere: its value is the sum of all pixels, so transforming it back alone gives "
    "every pixel the average. Try it with the radius slider at 0.",
    key="fourier.check",
)
if kind == "drawn":
    mask_code = (
        f"mask = fourier.drawn_mask(strokes, shape=work.shape, keep={action == 'keep'})  "
        "# strokes: the canvas's opacity, (h, w) 0..255"
    )
elif kind == "band-pass":
    mask_code = f"mask = fourier.frequency_mask(work.shape, kind='band-pass', profile={profile!r}, inner={inner}, outer={outer})"
else:
    mask_code = f"mask = fourier.frequency_mask(work.shape, kind={kind!r}, profile={profile!r}, radius={radius})"
kernel_code = (
    f"kernel = np.array({[list(r) for r in key]}, dtype=np.float32)"
    if chosen == FROM_KERNELS_PAGE
    else f"kernel = kernels.PRESETS[{chosen!r}]"
    + ("\nkernel = kernels.normalize(kernel)" if applied is not raw else "")
)
common.show_code(
    f"""import numpy as np
from explorer.classical import fourier
from explorer.core import dtype
from explorer.images import imageio, kernels, samples

{snippets.load_lines(image_id, convert="gray")}
work = fourier.working_image(image)          # longest side at most {fourier.FFT_SIZE} px: {rows} x {cols}
F = fourier.spectrum(work)                   # np.fft.fftshift(np.fft.fft2(work)), complex128
magnitude, phase = fourier.log_magnitude(F), fourier.phase(F)
strip = fourier.row_spectrum(work, row={row})  # .values, .frequencies, .magnitude

{mask_code}
filtered, reconstruction = fourier.apply_mask(F, mask)

other = fourier.resize_to(dtype.to_gray(samples.load_sample({other!r})), shape=work.shape)
a_mag_b_phase = fourier.combine(magnitude_from=work, phase_from=other)
b_mag_a_phase = fourier.combine(magnitude_from=other, phase_from=work)

{kernel_code}
response = np.abs(fourier.kernel_spectrum(kernel, shape=work.shape))
check = fourier.check_theorem(work, kernel)  # by_fft vs convolution.correlate, wrap and zero padding
print(check.wrap_difference, check.zero_difference, check.zero_difference_inside)"""
)
