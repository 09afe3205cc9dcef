"""Edges & gradients: Sobel derivatives, smoothing first, Canny step by step, Harris corners, Hough lines and circles."""

from __future__ import annotations

import streamlit as st

from explorer.classical import edges, hough
from explorer.core import display, resize
from ui import common, images, snippets, urlstate
from ui.cached import edges as cached

# Slider ranges. Thresholds are in "step units": 1 is a sharp black-to-white edge (see explorer.classical.edges).
SIGMA_STEP = 0.2
THRESHOLD_STEP = 0.01
# Above 0.5 of the strongest edge almost nothing of a photo is left; the sliders stop there for precision.
MAX_MASK = 0.5
# Harris thresholds below 0.1 % of the strongest corner mark nearly every textured pixel.
MIN_CORNER = 0.001
MAX_CORNER = 0.5
# The disabled slider that shows the median rule's thresholds (rounded to 4 decimals by edges.auto_thresholds).
AUTO_SLIDER_KEY = "_edges.canny_auto"
AUTO_STEP = 0.0001
MAX_VOTES = 200  # a full circle of radius 30 at the working size has ~190 edge pixels to vote
# One section at a time (issue 11, page weight): the exact PNGs of all of them moved 3.1 MB per visit; each
# section alone stays under 1 MB on the default 512 x 512 image. The gradient's pictures alone (gx, gy,
# magnitude: ~0.89 MB) leave no room for the direction and the threshold (~0.21 MB), hence two sections.
SECTIONS = {
    "gradient": "Sobel gradient",
    "direction": "Direction & threshold",
    "smoothing": "Smoothing & Laplacian",
    "canny": "Canny",
    "harris": "Harris corners",
    "hough": "Hough lines & circles",
}


def _pair(low: float, high: float, *, whole: bool = False):
    """URL parser for ``"a,b"`` with ``low <= a <= b <= high``."""

    def parse(text: str) -> tuple:
        parts = text.split(",")
        if len(parts) != 2:
            raise ValueError(f"expected two numbers separated by a comma, got {text[:20]!r}")
        try:
            values = tuple(int(p) if whole else float(p) for p in parts)
        except ValueError:
            raise ValueError(f"expected two numbers separated by a comma, got {text[:20]!r}") from None
        if not low <= values[0] <= values[1] <= high:  # also refuses nan
            raise ValueError(f"expected {low} <= first <= second <= {high}, got {text[:20]!r}")
        return values

    return parse


def _ksize(text: str) -> int:
    if text not in tuple(str(k) for k in edges.SOBEL_SIZES):
        raise ValueError(f"expected one of {', '.join(map(str, edges.SOBEL_SIZES))}; got {text[:20]!r}")
    return int(text)


def _format_pair(value: tuple) -> str:
    return f"{value[0]},{value[1]}"


PARAMS = (
    urlstate.Param("show", "edges.section", next(iter(SECTIONS)), parse=urlstate.one_of(tuple(SECTIONS))),
    urlstate.Param("ksize", "edges.ksize", 3, parse=_ksize),
    urlstate.Param("sigma", "edges.sigma", 1.0, parse=urlstate.float_in(0.0, edges.MAX_SIGMA)),
    urlstate.Param("mask", "edges.mask", 0.05, parse=urlstate.float_in(0.0, MAX_MASK)),
    urlstate.Param("level", "edges.level", 0.15, parse=urlstate.float_in(0.0, 1.0)),
    urlstate.Param("auto", "edges.auto", False, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("canny", "edges.canny", (0.05, 0.15), parse=_pair(0.0, 1.0), format=_format_pair),
    urlstate.Param("block", "edges.block", 3, parse=urlstate.int_in(edges.MIN_BLOCK_SIZE, edges.MAX_BLOCK_SIZE)),
    urlstate.Param("k", "edges.k", 0.04, parse=urlstate.float_in(0.01, edges.MAX_HARRIS_K)),
    urlstate.Param("corner", "edges.corner", 0.05, parse=urlstate.float_in(MIN_CORNER, MAX_CORNER)),
    urlstate.Param("votes", "edges.line_votes", 0.5, parse=urlstate.float_in(0.1, 1.0)),
    urlstate.Param("lines", "edges.max_lines", 10, parse=urlstate.int_in(1, hough.MAX_LINES)),
    urlstate.Param(
        "radii", "edges.radii", (10, 40), parse=_pair(1, hough.WORKING_SIDE // 2, whole=True), format=_format_pair
    ),
    urlstate.Param("cvotes", "edges.circle_votes", 30, parse=urlstate.int_in(5, MAX_VOTES)),
)


def _matrix(kernel) -> str:
    rows = [" & ".join(f"{int(v)}" for v in row) for row in kernel]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


# ---- settings shared by sections: one helper each, the same keys wherever it is drawn ---------------------
# Only one section is drawn per run, so a helper drawn by several sections never makes a duplicate key; the
# router keeps every "edges." key while its widget isn't drawn (urlstate.keep_page_state).


def _ksize_slider() -> int:
    return st.select_slider("Sobel kernel size", edges.SOBEL_SIZES, key="edges.ksize")


def _sigma_slider() -> float:
    return st.slider(
        "Smoothing before differentiating (Gaussian σ, pixels)",
        0.0,
        edges.MAX_SIGMA,
        step=SIGMA_STEP,
        key="edges.sigma",
        help="0 means no smoothing. One setting for every section of this page except Harris corners.",
    )


def _canny_thresholds(gray, image_id: str) -> tuple[bool, float, float]:
    """The automatic-threshold toggle and the low/high slider (disabled, showing the median rule's pair, when
    the toggle is on): ``(auto, low, high)``."""
    auto_column, slider_column = st.columns([1.4, 2.0], gap="large")  # room for the toggle's label at 1280 px
    with auto_column:
        auto = st.toggle(
            "Automatic thresholds (median rule)",
            key="edges.auto",
            help="low = 0.67 × median brightness, high = 1.33 × median brightness, converted to this page's units.",
        )
    with slider_column:
        if auto:
            with common.user_errors():
                low, high = cached.auto_thresholds(image_id, gray)
            # A separate, disabled slider shows the thresholds in use; the user's own pair stays in "edges.canny"
            # (kept while this slider is drawn instead) and comes back when the toggle goes off.
            st.session_state[AUTO_SLIDER_KEY] = (low, high)
            st.slider(
                "Low and high thresholds (gradient magnitude), set by the median rule",
                0.0,
                1.0,
                step=AUTO_STEP,
                format="%.3f",
                key=AUTO_SLIDER_KEY,
                disabled=True,
            )
        else:
            low, high = st.slider(
                "Low and high thresholds (gradient magnitude)",
                0.0,
                1.0,
                step=THRESHOLD_STEP,
                key="edges.canny",
            )
    if auto:
        auto_column.caption(
            f"The median rule gives low = {low:.3f}, high = {high:.3f}. A popular rule of thumb for "
            "`cv2.Canny` on 0..255 images (thresholds (1 ∓ 0.33) × median brightness), rescaled to the units "
            "here; it works because brighter photos tend to have bigger steps, not for any deeper reason."
        )
    return auto, low, high


# ---- the sections ---------------------------------------------------------------------------------------


def _gradient(gray, image_id: str) -> None:
    st.header("The gradient, with Sobel kernels")
    left, right = st.columns([1, 2], gap="large")
    with left:
        ksize = _ksize_slider()
        sigma = _sigma_slider()
    kx, ky, divisor = edges.sobel_kernels(ksize)
    with right:
        st.latex(rf"G_x = \frac{{1}}{{{divisor:g}}}{_matrix(kx)} \qquad G_y = \frac{{1}}{{{divisor:g}}}{_matrix(ky)}")
        st.caption(
            f"Each kernel is a difference in one direction times a smoothing in the other. Dividing by "
            f"{divisor:g} (the sum of the positive weights) makes a sharp black-to-white step read exactly 1, "
            "whatever the kernel size, so the thresholds on this page mean the same thing for 3, 5 and 7."
        )

    with common.user_errors():
        sobel = cached.sobel_pictures(image_id, ksize, sigma, gray)
    columns = st.columns(3)
    columns[0].image(
        sobel.gx,
        caption=f"gx: change to the right (red brighter to the right, blue darker; full colour at ±{sobel.gx_limit:.2f})",
        width="stretch",
        output_format="PNG",
    )
    columns[1].image(
        sobel.gy,
        caption=f"gy: change downwards (red brighter below, blue darker; full colour at ±{sobel.gy_limit:.2f})",
        width="stretch",
        output_format="PNG",
    )
    columns[2].image(
        sobel.magnitude,
        caption=f"Magnitude √(gx² + gy²), black 0 … white {cached.MAGNITUDE_WHITE:g} or more "
        f"(largest here: {sobel.strongest:.2f})",
        width="stretch",
        output_format="PNG",
    )
    st.caption(
        f"gx and gy reach full colour at the size that only the strongest {100 - display.ROBUST_PERCENTILE:g} % "
        "of their pixels exceed (those are drawn at full colour too), so ordinary edges show, not only the "
        "sharpest. The gradient's direction, and a plain threshold on its magnitude: section "
        f"*{SECTIONS['direction']}*."
    )


def _direction(gray, image_id: str) -> None:
    st.header("The gradient's direction, and a threshold")
    st.markdown(
        "The arrow (gx, gy) points towards brighter pixels; its angle atan2(gy, gx) is drawn as a colour, and "
        "its length (the magnitude) can be thresholded to keep the strong edges only. Same gradient as in "
        f"*{SECTIONS['gradient']}*, with these settings:"
    )
    columns = st.columns(2, gap="large")
    with columns[0]:
        ksize = _ksize_slider()
    with columns[1]:
        sigma = _sigma_slider()
    columns = st.columns([1, 0.35, 1], gap="medium")
    with columns[0]:
        mask = st.slider(
            "Hide directions where the magnitude is below",
            0.0,
            MAX_MASK,
            step=THRESHOLD_STEP,
            key="edges.mask",
            help="On flat areas the gradient is tiny and its direction is just noise.",
        )
        with common.user_errors():
            st.image(
                cached.direction_png(image_id, ksize, sigma, mask, gray),
                width="stretch",
                output_format="PNG",
                caption="Direction atan2(gy, gx) as a colour; black: magnitude too small",
            )
    with columns[1]:
        st.image(
            cached.hue_wheel_png(),
            width=120,
            output_format="PNG",
            caption="Colour = direction the arrow points (rows go down)",
        )
    with columns[2]:
        level = st.slider("Keep pixels whose magnitude is at least", 0.0, 1.0, step=THRESHOLD_STEP, key="edges.level")
        with common.user_errors():
            threshold_png, kept = cached.threshold_png(image_id, ksize, sigma, level, gray)
        st.image(
            threshold_png,
            width="stretch",
            output_format="PNG",
            caption=f"Magnitude ≥ {level:.2f}: {kept:.1%} of the pixels",
        )
    st.markdown(
        "A plain threshold gives thick edges (every pixel on the slope passes) and broken ones (a weak stretch "
        f"of an edge falls below). Canny (section *{SECTIONS['canny']}*) fixes both."
    )


def _smoothing(gray, image_id: str) -> None:
    st.header("Why smooth first, and two other derivatives")
    st.markdown(
        "A derivative subtracts neighbouring pixels, so it magnifies anything that changes from pixel to pixel "
        "— including noise and fine texture. Blurring first with a Gaussian removes those small wiggles while "
        "keeping the big steps, so the edges that are left are the ones of objects. Larger σ: fewer, smoother, "
        "thicker edges. (Because both are convolutions, smoothing then differentiating is the same as one "
        "kernel: the derivative of a Gaussian.)"
    )
    left, _ = st.columns([1, 1], gap="large")
    with left:
        sigma = _sigma_slider()
    with common.user_errors():
        raw_png, smoothed_png, scharr_png, laplacian_png = cached.comparison_pictures(image_id, sigma, gray)
    columns = st.columns(4)
    columns[0].image(raw_png, caption="Sobel 3 × 3 magnitude, no smoothing", width="stretch", output_format="PNG")
    columns[1].image(
        smoothed_png, caption=f"Sobel 3 × 3 magnitude after σ = {sigma:g}", width="stretch", output_format="PNG"
    )
    columns[2].image(
        scharr_png,
        caption=f"Scharr (3-10-3 weights) magnitude after σ = {sigma:g}",
        width="stretch",
        output_format="PNG",
    )
    columns[3].image(
        laplacian_png, caption=f"Laplacian after σ = {sigma:g} (red +, blue −)", width="stretch", output_format="PNG"
    )
    st.caption(
        "Scharr is a 3 × 3 derivative with weights 3-10-3 instead of 1-2-1: its response depends less on the "
        "edge's angle. The Laplacian is the second derivative (gx's change along x plus gy's along y): it has "
        "no direction, and an edge shows as a red/blue pair with the edge exactly where the sign flips."
    )


def _canny(gray, image_id: str) -> None:
    st.header("Canny, step by step")
    left, _ = st.columns([1, 1], gap="large")
    with left:
        sigma = _sigma_slider()
    _, low, high = _canny_thresholds(gray, image_id)
    with common.user_errors():
        canny_pictures, counts = cached.canny_pictures(image_id, sigma, low, high, gray)
    captions = [
        f"1. Smoothed (σ = {sigma:g})",
        "2. Gradient magnitude (3 × 3 Sobel)",
        f"3. Non-maximum suppression: ridges one pixel thin ({counts['thin']:,} px)",
        f"4. Double threshold: strong > {high:.2f} white ({counts['strong']:,}), "
        f"weak > {low:.2f} gray ({counts['weak']:,})",
        f"5. Hysteresis: strong + weak touching strong ({counts['edges']:,} px)",
    ]
    for column, picture, caption in zip(st.columns(5), canny_pictures, captions):
        column.image(picture, caption=caption, width="stretch", output_format="PNG")
    if counts["edges"] == 0:
        st.info(
            "Nothing found: no pixel's gradient is above the high threshold. Lower it, or pick an image with edges."
        )
    st.caption(
        "Step 3 keeps a pixel only if it is larger than its two neighbours across the edge (along the gradient), "
        "so a thick slope becomes a one-pixel line. Step 5 keeps a weak pixel only if a chain of weak pixels "
        "connects it to a strong one: real edges stay whole, isolated noise goes. Every step is computed here "
        "(not by `cv2.Canny`); given the same 8-bit smoothed image, `cv2.Canny` marks the same pixels but for "
        "a few tenths of a percent, where its whole-number gradients round differently."
    )


def _harris(gray, image_id: str) -> None:
    st.header("Harris corners")
    st.markdown(
        "Along an edge every gradient in a small window points the same way; in a flat area there is no "
        "gradient at all. A **corner** is where the window holds strong gradients pointing in *different* "
        f"directions — in the direction picture (section *{SECTIONS['direction']}*), where two colours meet at "
        "an angle. Harris measures this with the 2 × 2 matrix of summed gx², gx·gy, gy² over the window: both "
        "of its eigenvalues are large only at a corner. The score det − k·trace² is positive there, negative "
        "along edges and near 0 on flat areas. (σ is not used here: summing over the window already evens the gradients out.)"
    )
    columns = st.columns(3)
    block = columns[0].slider(
        "Window (block size, pixels)", edges.MIN_BLOCK_SIZE, edges.MAX_BLOCK_SIZE, key="edges.block"
    )
    k = columns[1].slider(
        "k",
        0.01,
        edges.MAX_HARRIS_K,
        step=0.01,
        key="edges.k",
        help="Larger k demands a more even corner; 0.04–0.06 is the usual choice.",
    )
    corner_threshold = columns[2].slider(
        "Threshold (fraction of the strongest corner)",
        MIN_CORNER,
        MAX_CORNER,
        step=MIN_CORNER,
        key="edges.corner",
        format="%.3f",
    )
    with common.user_errors():
        corners_png, response_png, n_corners = cached.harris_pictures(image_id, block, k, corner_threshold, gray)
    columns = st.columns(2)
    columns[0].image(
        corners_png,
        caption=f"{n_corners} corners (one ring per blob above the threshold)",
        width="stretch",
        output_format="PNG",
    )
    columns[1].image(
        response_png,
        caption="Harris score: red corner (full red from the threshold up), blue edge, white flat",
        width="stretch",
        output_format="PNG",
    )
    if n_corners == 0:
        st.info("Nothing found: no corner response above 0 (a flat image or a single straight edge has no corners).")


def _hough(gray, image_id: str) -> None:
    st.header("Hough transform: lines and circles")
    small_rows, small_cols = resize.fitted_shape(gray.shape, max_side=hough.WORKING_SIDE)
    st.markdown(
        "Every edge pixel votes for all the lines that could pass through it. A line is written "
        "ρ = x·cos θ + y·sin θ (ρ: distance from the top-left corner, θ: angle of its normal), so one pixel's "
        "votes trace a wave in the (θ, ρ) **accumulator**; where many waves cross, many pixels lie on one line. "
        f"Voting is the slow part, so this section works on the image shrunk to {small_rows} × {small_cols} "
        f"(longest side at most {hough.WORKING_SIDE} px). The voters are Canny's edges: the smoothing and "
        f"thresholds here are the ones of section *{SECTIONS['canny']}* (changing them here changes them there)."
    )
    left, _ = st.columns([1, 1], gap="large")
    with left:
        sigma = _sigma_slider()
    _, low, high = _canny_thresholds(gray, image_id)
    columns = st.columns(2)
    line_votes = columns[0].slider(
        "Votes needed (fraction of the best line)", 0.1, 1.0, step=0.05, key="edges.line_votes"
    )
    max_lines = columns[1].slider("At most this many lines", 1, hough.MAX_LINES, key="edges.max_lines")
    with common.user_errors():
        edges_png, accumulator_png, lines_png, lines, accumulator_shape = cached.line_pictures(
            image_id, sigma, low, high, line_votes, max_lines, gray
        )
    columns = st.columns([1, 0.8, 1])
    columns[0].image(
        edges_png, caption="Canny edges at the working size (the voters)", width="stretch", output_format="PNG"
    )
    columns[1].image(
        accumulator_png,
        caption=f"Accumulator: θ from −90° (left) to 89° (right), ρ from −{accumulator_shape[0] // 2} (top) "
        f"to {accumulator_shape[0] // 2} px (bottom); white rings: lines found",
        width="stretch",
        output_format="PNG",
    )
    columns[2].image(lines_png, caption=f"{len(lines)} lines drawn back", width="stretch", output_format="PNG")
    if len(lines) == 0:
        st.info("Nothing found: no line has enough votes. Lower the Canny thresholds or the votes needed.")
    else:
        best = ", ".join(f"ρ = {rho:.0f} px, θ = {theta:.0f}° ({votes:.0f} votes)" for rho, theta, votes in lines[:3])
        st.caption(f"Strongest: {best}.")

    st.markdown(
        "Circles need three numbers (centre row, centre column, radius). OpenCV's gradient method saves work by "
        "letting each edge pixel vote only along its gradient direction, where a centre must lie. Its edge "
        "pixels are those above the high threshold."
    )
    columns = st.columns(2)
    radii = columns[0].slider(
        "Radius range (pixels at the working size)", 1, hough.WORKING_SIDE // 2, key="edges.radii"
    )
    circle_votes = columns[1].slider("Votes a centre needs", 5, MAX_VOTES, key="edges.circle_votes")
    with common.user_errors():
        circles_png, circles = cached.circle_pictures(image_id, sigma, high, tuple(radii), circle_votes, gray)
    columns = st.columns([1, 1])
    columns[0].image(
        circles_png,
        caption=f"Hough circles: {len(circles)} found with radius {radii[0]}–{radii[1]} px",
        width="stretch",
        output_format="PNG",
    )
    with columns[1]:
        if len(circles) == 0:
            st.info("Nothing found: no centre got enough votes. Widen the radius range or lower the votes needed.")
        else:
            st.caption("Try the *coins* sample: each coin is a circle of radius about 15–30 px at this size.")


DRAW = {
    "gradient": _gradient,
    "direction": _direction,
    "smoothing": _smoothing,
    "canny": _canny,
    "harris": _harris,
    "hough": _hough,
}

st.title("Edges & gradients")
urlstate.restore("edges", PARAMS)
st.markdown(
    "An **edge** is where the brightness changes quickly. Measure how fast it changes to the right and "
    "downwards at every pixel and you have the **gradient**: an arrow pointing towards brighter pixels, long "
    "where the edge is strong. Almost every classical detector on this page starts from that arrow."
)
gray = images.current_gray()
image_id = images.image_id()
st.caption(f"Image: {images.describe()} (worked on in gray)")
section = st.segmented_control(
    "Section (one at a time; settings are shared between sections)",
    list(SECTIONS),
    key="edges.section",
    format_func=SECTIONS.__getitem__,
    required=True,
)
DRAW[section](gray, image_id)

# ---- wrap-up: every setting's current value, whichever section drew it ----------------------------------
common.check_yourself(
    "At one pixel gx = 0.3 and gy = −0.4. What are the gradient's magnitude and direction, and is the "
    "brighter side up or down?",
    "Magnitude √(0.3² + 0.4²) = **0.5**. Direction atan2(−0.4, 0.3) ≈ **−53°**: right and *up*, because "
    "rows are counted downwards, so a negative gy means the image gets brighter towards the top. "
    "The edge itself runs across that arrow, at about 37°.",
    key="edges.check",
)
value = st.session_state  # the settings of the sections not drawn in this run are kept here (see above)
ksize, sigma, radii = value["edges.ksize"], value["edges.sigma"], value["edges.radii"]
low, high = value["edges.canny"]
canny_line = (
    "low, high = edges.auto_thresholds(image)  # the median rule\n"
    if value["edges.auto"]
    else f"low, high = {low}, {high}\n"
)
common.show_code(
    f"""from explorer.classical import edges, hough
from explorer.core import dtype
from explorer.images import imageio, samples

{snippets.load_lines(image_id, convert="gray")}

gradient = edges.sobel(image, ksize={ksize}, sigma={sigma:g})  # .gx .gy .magnitude .direction
kx, ky, divisor = edges.sobel_kernels({ksize})
colours = edges.direction_picture(gradient, min_magnitude={value["edges.mask"]:g})
strong = edges.threshold(gradient.magnitude, level={value["edges.level"]:g})
scharr = edges.scharr(image, sigma={sigma:g})
laplacian = edges.laplacian(image, sigma={sigma:g})

{canny_line}steps = edges.canny(image, sigma={sigma:g}, low=low, high=high)  # .smoothed .magnitude .suppressed .strong .weak .edges

corners = edges.harris(image, block_size={value["edges.block"]}, k={value["edges.k"]:g}, threshold={value["edges.corner"]:g})  # .response .points (row, col)

small = edges.smooth(hough.working_size(image)[0], sigma={sigma:g})  # longest side {hough.WORKING_SIDE} px
found = hough.find_lines(edges.canny(small, sigma=0, low=low, high=high).edges, threshold={value["edges.line_votes"]:g}, max_lines={value["edges.max_lines"]})
print(found.lines)  # rows of (rho px, theta degrees, votes)
circles = hough.find_circles(small, min_radius={radii[0]}, max_radius={radii[1]}, votes={value["edges.circle_votes"]}, edge_threshold=max(high, 0.01))
"""
)
urlstate.publish(PARAMS)
