"""Occlusion (Inspect a CNN): hide a square of the image, see how much the network's confidence drops, map it
over the whole image; then paint gray squares by hand and watch the answer change."""

from __future__ import annotations

import streamlit as st

from explorer.interpret import attribution, occlusion
from ui import common, inspect_input, inspect_jobs, inspect_model, inspect_worker, occl_code, occl_paint, urlstate
from ui.cached import occlusion as cached

BASELINE_LABELS = {"black": "zero (black)", "gray": "gray", "blurred": "blurred"}
PREDICTED = -1  # the target class "whatever the network predicts"
RISE_SHOWN = 5e-5  # rises below 0.005 % (rounding-level) are not worth a sentence ("up to 0.00 %")
MAX_CLASSES = 1000


def max_window(side: int) -> int:
    """The window slider's end: up to half the shorter side (the whole side for inputs of 8 pixels or fewer)."""
    return min(side, max(8, side // 2))


def default_window(side: int) -> int:
    """About a seventh of the side (4 on 28×28, the issue's setting), at least 2: one window is a stroke's part."""
    return max(2, side // 7)


def percent(value: float) -> str:
    """A probability change for people: whole percent, or two decimals below 1 %."""
    return f"{value:.0%}" if abs(value) >= 0.01 or value == 0 else f"{value:.2%}"


PARAMS = (
    urlstate.Param("window", "occl.window", 4, parse=urlstate.int_in(1, 128)),
    urlstate.Param("stride", "occl.stride", 2, parse=urlstate.int_in(1, 128)),
    urlstate.Param("baseline", "occl.baseline", "black", parse=urlstate.one_of(attribution.BASELINES)),
    urlstate.Param("target", "occl.target", PREDICTED, parse=urlstate.int_in(PREDICTED, MAX_CLASSES - 1)),
    urlstate.Param("opacity", "occl.opacity", 0.6, parse=urlstate.float_in(0.0, 1.0)),
)

st.title("Occlusion")
st.markdown(
    "Cover part of a picture and ask the network again: if its confidence in the answer falls, the covered "
    "part mattered. Slide a gray or black square over every position and you get a map of what the answer "
    "depends on, measured by changing the input for real, not by calculus. Then hide parts yourself: can you "
    "make the network change its mind?"
)
urlstate.restore("occl", PARAMS)
inspected = inspect_model.choose()
if inspected is None:
    st.stop()
# The image chooser beside the map, so both share the first screen of a laptop.
chooser_column, map_area = st.columns([1.1, 1.2], gap="medium")
with chooser_column:
    chosen = inspect_input.choose(inspected, page="occl")
if chosen is None:
    st.stop()
model = inspected.trained.model
token = inspected.trained.token
class_names = list(inspected.trained.class_names)
image = chosen.image
side = min(image.shape[1:])

# The window's and stride's defaults follow the input size: a link's values are kept on its first run; after
# that, switching to an input of another size starts from that size's defaults.
if st.session_state.get("occl.sized_for") != side:
    first = "occl.sized_for" not in st.session_state
    if not (first and "window" in st.query_params):
        st.session_state["occl.window"] = default_window(side)
    if not (first and "stride" in st.query_params):
        st.session_state["occl.stride"] = max(1, st.session_state["occl.window"] // 2)
    st.session_state["occl.sized_for"] = side
st.session_state["occl.window"] = min(max(1, int(st.session_state["occl.window"])), max_window(side))
st.session_state["occl.stride"] = min(max(1, int(st.session_state["occl.stride"])), st.session_state["occl.window"])
if st.session_state["occl.target"] >= len(class_names):
    st.session_state["occl.target"] = PREDICTED

# ------------------------------------------------------------------------------------------ the map
with map_area:
    st.subheader("1. Slide a square over the image")
    input_column, map_column = st.columns(2, gap="small")
    settings = [*st.columns(2, gap="medium"), *st.columns(2, gap="medium")]
    text_column = st.container()
window = settings[0].slider(
    "Window (pixels a side)",
    1,
    max_window(side),
    key="occl.window",
    help="The side of the square hidden at once, in the network's input pixels.",
)
if st.session_state["occl.stride"] > window:
    st.session_state["occl.stride"] = window
stride = settings[1].slider(
    "Stride",
    1,
    max(window, 2),
    key="occl.stride",
    disabled=window == 1,
    help="How far the square moves between two tries. Larger than the window would leave pixels never hidden.",
)
stride = min(stride, window)
baseline = settings[2].radio(
    "Fill the square with",
    attribution.BASELINES,
    key="occl.baseline",
    format_func=BASELINE_LABELS.get,
    help="Zero is black; gray is the middle value 0.5; blurred is the image itself, blurred, so the square keeps "
    "its surroundings' brightness and only loses detail.",
)
before = cached.probabilities(token, chosen.key, (), model, image)
predicted = int(before.argmax())
target_choice = settings[3].selectbox(
    "Class to explain",
    [PREDICTED, *range(len(class_names))],
    key="occl.target",
    format_func=lambda c: f"predicted ({class_names[predicted]})" if c == PREDICTED else str(class_names[c]),
)
target = predicted if target_choice == PREDICTED else int(target_choice)

heat = None
if not cached.direct(image.shape, default_window(side), max(1, default_window(side) // 2)):
    inspect_jobs.WORKERS.warm_up()  # a big input's first map needs a worker: start it now, not at the first job
if cached.direct(image.shape, window, stride):
    with common.user_errors():
        heat = cached.occlusion_map(token, chosen.key, target, window, stride, baseline, model, image)
else:
    call = inspect_worker.Call(
        "occlusion.occlusion",
        key=("occlusion", token, chosen.key, target, window, stride, baseline),
        model=cached.model_ref(token, inspected.trained),
        args=(image,),
        kwargs={"target": target, "window": window, "stride": stride, "baseline": baseline},
    )
    heat, view = inspect_jobs.result(call, label="The occlusion map")
    if view is not None:
        with text_column:
            inspect_jobs.wait(call, view, label="The occlusion map")

with input_column:
    st.image(inspect_input.seen(image, side=cached.PICTURE_SIDE), caption=common.plain(chosen.title))
if heat is not None:
    opacity = text_column.slider("Opacity of the map", 0.0, 1.0, step=0.05, key="occl.opacity")
    picture, low, high = cached.overlay_picture(
        token, chosen.key, (target, window, stride, baseline), opacity, image, heat
    )
    with map_column:
        st.image(picture, caption=f"Drop of p({common.plain(class_names[target])}) when hidden")
    with text_column:
        rise = f" **Blue**: hiding it raises it, by up to {percent(-low)}." if low <= -RISE_SHOWN else ""
        st.markdown(
            f"On the untouched image the network gives **{common.plain(class_names[target])}** "
            f"{before[target]:.0%}. **Red**: hiding that part lowers it, by up to {percent(max(high, 0.0))}.{rise}"
        )
        if max(high, -low) < cached.FULL_COLOUR_FLOOR:
            st.info(
                "No window of this size moves the answer by even 1 %: no single small part matters much to "
                "this network here. Try a larger window."
            )
        st.caption(
            f"{occlusion.windows(image.shape, window=window, stride=stride)} positions of a {window}×{window} window, stride "
            f"{stride}; each pixel shows the mean drop over the windows that covered it."
        )

# ------------------------------------------------------------------------------------------ painting
st.subheader("2. Paint your own occlusion")
st.markdown(
    "Click the picture to cover a square with gray (0.5). The bars show the network's answer for the painted "
    "picture at once. Try the red parts of the map above first."
)
occl_paint.panel(
    token=token,
    input_key=chosen.key,
    image=image,
    model=model,
    class_names=class_names,
    challenge=inspected.kind == "digits",
)
if inspected.kind != "digits":
    st.caption(
        f"The challenge “{occl_paint.CHALLENGE.title}” is set on the default digits model: choose "
        f"“{inspect_model.LABELS['digits']}” under “Network to inspect” at the top to try it."
    )

urlstate.publish((*PARAMS, *inspect_model.PARAMS, *inspect_input.PARAMS))

# ------------------------------------------------------------------------------------------ explanation
st.subheader("What is going on")
st.markdown(
    """
Occlusion is an experiment on the network: change the input, run it again, compare the answers. For every
position of the window the picture goes through the network once more with that square filled in, and the
drop of the class's probability is written onto the pixels the square covered. Where windows overlap (stride
smaller than the window), a pixel gets the average of their drops.

- **It measures a real change.** A gradient map (the Attribution page's saliency) asks how the score would
  move if a pixel changed a tiny bit. Occlusion removes a whole patch and looks at the actual result, so it
  also sees effects that a tiny change misses: a network that is already very sure can have almost no
  gradient and still lose its answer when a stroke disappears.
- **It costs one run of the network per position.** A 28×28 picture at stride 1 is 784 extra pictures
  through the network; a gradient map needs a single backward pass for the whole picture.
- **The answer depends on the filling and the window.** Black on a digit is the background, so it erases a
  stroke; gray adds something that was never there. A window larger than the important detail blurs the map;
  a tiny one can miss parts that matter only together.
- **Hiding parts is also a way to train.** Covering random patches of the training pictures (random erasing,
  one of the augmentations) teaches a network not to bet everything on one small part, which is exactly
  what this map would show.
- **Blue is allowed.** Hiding something can raise a class's probability: the part that was covered spoke for
  another class.
"""
)
common.check_yourself(
    "On a digit, the occlusion map with a black window shows a strong red spot where the saliency map is "
    "nearly zero. How can both be right?",
    "They answer different questions. Saliency is the gradient: how much the score changes for a *tiny* change "
    "of each pixel. If the network is saturated (very sure, a ReLU switched off), that slope is almost flat. "
    "Occlusion makes a *large* change, blacking out a whole square, and measures the real drop, which can be "
    "big even where the slope at the current image is small.",
    key="occl.check",
)
common.show_code(
    occl_code.code(
        kind=inspected.kind,
        input_key=chosen.key,
        target=None if target_choice == PREDICTED else target,
        window=window,
        stride=stride,
        baseline=baseline,
        patches=occl_paint.patches(occl_paint.store_key(chosen.key, image.shape)),
    )
)
