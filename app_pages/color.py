"""Color: one image in several colour spaces, colour selection (a green screen), histograms, day or night."""

import plotly.graph_objects as go
import streamlit as st

from explorer.images import color
from ui import common, images, show, snippets, urlstate
from ui.cached import color as cached

SPACE_HELP = {
    "RGB": "How screens and most files store colour: how much red, green and blue light to mix.",
    "BGR": "The very same numbers in the order OpenCV reads files: blue first, red last.",
    "HSV": "Colour as a person describes it: which colour (hue), how vivid (saturation), how bright (value).",
    "Lab": "Built so that equal steps look equally different to people: lightness plus two colour axes.",
    "Gray": "One number per pixel: the brightness we perceive, colour thrown away.",
}
CHANNEL_HELP = {
    ("RGB", "R"): "red light, 0..255",
    ("RGB", "G"): "green light, 0..255",
    ("RGB", "B"): "blue light, 0..255",
    ("BGR", "B"): "blue light, 0..255 (stored first)",
    ("BGR", "G"): "green light, 0..255",
    ("BGR", "R"): "red light, 0..255 (stored last)",
    ("HSV", "H"): "hue: the angle on the colour wheel, 0..360° (0 red, 120 green, 240 blue); drawn 0 black → 360 white",
    ("HSV", "S"): "saturation: 0 gray, 255 pure colour",
    ("HSV", "V"): "value: the largest of R, G, B, 0..255",
    ("Lab", "L"): "lightness, 0 black..100 white",
    ("Lab", "a"): "green (−) to red (+), about −128..127; mid-gray is 0",
    ("Lab", "b"): "blue (−) to yellow (+), about −128..127; mid-gray is 0",
    ("Gray", "Gray"): "0.299 R + 0.587 G + 0.114 B, 0..255",
}
SLIDER_LABELS = {
    "RGB": ("R (red)", "G (green)", "B (blue)"),
    "HSV": ("H (hue, degrees)", "S (saturation)", "V (value)"),
}
# URL name and session key of each selection channel's range; the defaults pick out reds in both spaces.
RANGE_PARAMS = {
    "RGB": (("r", "color.r", (150, 255)), ("g", "color.g", (0, 100)), ("b", "color.b", (0, 100))),
    "HSV": (("h", "color.h", (20, 340)), ("s", "color.s", (100, 255)), ("v", "color.v", (60, 255))),
}


def _range_param(space: str, channel: int) -> urlstate.Param:
    name, key, default = RANGE_PARAMS[space][channel]
    low, high = (int(v) for v in color.CHANNEL_RANGES[space][channel])
    return urlstate.Param(
        name,
        key,
        default,
        parse=lambda text: color.parse_range(text, low=low, high=high),
        format=lambda value: f"{value[0]},{value[1]}",
    )


def _hex_colour(text: str) -> str:
    color.hex_to_rgb(text)  # raises ValueError with a message when the text is not a colour
    return text.lower()


PARAMS = (
    urlstate.Param("space", "color.space", "HSV", parse=urlstate.one_of(color.COLOR_SPACES)),
    urlstate.Param("sel", "color.sel_space", "HSV", parse=urlstate.one_of(color.SELECTION_SPACES)),
    *(_range_param(space, c) for space in color.SELECTION_SPACES for c in range(3)),
    urlstate.Param("wrap", "color.wrap", True, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("bg", "color.background", "#00b140", parse=_hex_colour),
    urlstate.Param("log", "color.log", False, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("day", "color.threshold", int(color.DAY_NIGHT_THRESHOLD), parse=urlstate.int_in(0, 255)),
)

st.title("Color")
urlstate.restore("color", PARAMS)
st.markdown(
    """
The same colours can be written down in different ways — **colour spaces**. RGB says how much of three
lights to mix; HSV separates *which* colour from *how bright*, which is what makes it easy to pick out
"everything red" whether in sun or shade. Choosing the right space often turns a hard vision problem
into a simple range check.
"""
)

rgb = images.current_rgb()
image_id = images.image_id()
st.caption(f"Image: {images.describe()}")

# ---- colour spaces ----------------------------------------------------------------------------------------
st.header("One image, five colour spaces")
space = st.selectbox("Colour space", color.COLOR_SPACES, key="color.space")
st.markdown(f"**{space}.** {SPACE_HELP[space]}")
with common.user_errors():
    pictures, names = cached.channel_pictures(image_id, space, rgb)
arrays, captions = [rgb], ["The image (RGB)"]
if space == "BGR":
    arrays.append(cached.as_bgr_bytes(image_id, rgb))
    captions.append("The BGR bytes shown as if they were RGB: red and blue swap")
arrays += pictures
captions += [f"{name}: {CHANNEL_HELP[(space, name)]}" for name in names]
show.side_by_side(arrays, captions)
if space == "BGR":
    st.markdown(
        "OpenCV's `cv2.imread` returns pixels in **B, G, R** order. Hand those bytes to a library that "
        "expects R, G, B (matplotlib, Streamlit, PIL) and red things turn blue — the second picture. "
        "Convert once with `cv2.cvtColor(image, cv2.COLOR_BGR2RGB)` right after reading."
    )
with st.expander("Units used on this page"):
    st.markdown(
        """
- R, G, B and Gray: 0..255, the numbers stored in the file.
- HSV: H in degrees 0..360 (OpenCV's 8-bit images store H / 2, i.e. 0..179, so it fits in a byte);
  S and V in 0..255.
- Lab: L in 0..100, a and b about −128..127 (CIE units).

Each channel picture stretches its range to black..white.
"""
    )

# ---- colour selection -------------------------------------------------------------------------------------
st.header("Select a colour range (green screen)")
st.markdown(
    "Keep only the pixels whose three channels all lie inside your ranges; everything else is painted over. "
    "In HSV one hue range picks a colour under any lighting, which is hard to do with R, G, B ranges."
)
sel_space = st.radio("Select in", color.SELECTION_SPACES, key="color.sel_space", horizontal=True)
slider_columns = st.columns(3)
for c, column in enumerate(slider_columns):
    _, key, _ = RANGE_PARAMS[sel_space][c]
    low, high = (int(v) for v in color.CHANNEL_RANGES[sel_space][c])
    with column:
        st.slider(SLIDER_LABELS[sel_space][c], low, high, key=key)
ranges = [st.session_state[RANGE_PARAMS[sel_space][c][1]] for c in range(3)]
lower, upper = [r[0] for r in ranges], [r[1] for r in ranges]
option_columns = st.columns(2)
with option_columns[0]:
    if sel_space == "HSV":
        wrap = st.toggle(
            "Go round through red: keep the hues *outside* the hue range",
            key="color.wrap",
            help="Red sits at both ends of the hue wheel (0° and 360°). With this on, a hue range 20..340 "
            "selects 340..360 and 0..20 instead: all the reds.",
        )
        if wrap:
            lower[0], upper[0] = upper[0], lower[0]
            st.caption(f"Hue kept: {lower[0]}..360 and 0..{upper[0]} degrees.")
with option_columns[1]:
    background_text = st.color_picker("Background for the unselected pixels", key="color.background")

with common.user_errors():
    background = color.hex_to_rgb(background_text)
    mask_picture, kept, fraction = cached.selection(image_id, sel_space, tuple(lower), tuple(upper), background, rgb)
st.metric("Pixels selected", f"{fraction:.1%}")
show.side_by_side([rgb, mask_picture, kept], ["The image", "Mask: white = selected", "Selected pixels kept"])

# ---- histograms and brightness ----------------------------------------------------------------------------
st.header("Histograms and a day-or-night feature")
st.markdown(
    "A histogram counts how many pixels take each value 0..255, one curve per channel. A dark picture "
    "piles up on the left, a bright one on the right."
)
with common.user_errors():
    counts = cached.histograms(image_id, rgb)
    brightness = cached.mean_brightness(image_id, rgb)
figure = go.Figure()
for c, (name, line) in enumerate(zip(("R", "G", "B"), ("#d62728", "#2ca02c", "#1f77b4"))):
    figure.add_trace(go.Scatter(x=list(range(256)), y=counts[c], name=name, mode="lines", line={"color": line}))
log_counts = st.toggle("Logarithmic count axis (lets small counts show next to one huge peak)", key="color.log")
figure.update_layout(
    height=320,
    margin={"l": 0, "r": 0, "t": 10, "b": 0},
    xaxis_title="value (0..255)",
    yaxis_title="number of pixels" + (" (log scale)" if log_counts else ""),
    yaxis_type="log" if log_counts else "linear",
    yaxis_dtick=1 if log_counts else None,  # on a log axis: one tick per power of ten (1, 10, 100, ...)
)
st.plotly_chart(figure, key="_color.histogram_chart")

st.markdown(
    "A **feature** is one number that tells classes apart. For day versus night photos a simple one works "
    "surprisingly well: the average brightness, i.e. the mean of HSV's V over all pixels. Photos taken in "
    "daylight come out well above about 100; night scenes, mostly dark with a few lamps, well below."
)
threshold = st.slider("Threshold on mean V (day at or above it)", 0, 255, key="color.threshold")
with common.user_errors():
    verdict = cached.day_or_night(image_id, threshold, rgb)
metric_column, verdict_column = st.columns(2)
metric_column.metric("Mean brightness (V, 0..255)", f"{brightness:.1f}")
with verdict_column:
    relation = "≥" if verdict == "day" else "<"
    st.markdown(f"### Verdict: **{verdict}**")
    st.caption(
        f"{brightness:.1f} {relation} {threshold}. It only measures light: a photo of a black cat at "
        "noon also says night."
    )

common.check_yourself(
    "You want to select a red ball that is half in sunlight and half in shade. Why does an HSV range work "
    "better than an RGB range, and which HSV channel would you leave wide open?",
    "Shade lowers all of R, G and B together, so the sunlit and shaded red sit far apart in RGB and one box "
    "can't hold both without taking in other colours. In HSV the shade mostly changes V; the hue stays red. "
    "Keep the hue range narrow around red (wrapping through 0°) and leave V wide open.",
    key="color.check",
)

common.show_code(
    f"""from explorer.images import color, imageio, samples

{snippets.load_lines(image_id)}
channels, names = color.convert(image, space={space!r})    # (H, W, C) float32, units in the docstring
mask = color.color_mask(image, space={sel_space!r}, lower={tuple(lower)}, upper={tuple(upper)})
kept = color.apply_mask(image, mask, background={background})
print(f"selected: {{mask.mean():.1%}}")
counts = color.histograms(image)                             # (3, 256) pixel counts per value
print(color.mean_brightness(image), color.day_or_night(image, threshold={threshold}))"""
)

urlstate.publish(PARAMS)
