"""Draw & predict (Inspect a CNN): draw on a canvas and watch the network answer after every stroke, with the
preprocessing step by step, the drawing's feature maps and saliency; then ask the network what each class
looks like to it (class visualisation by optimisation, in a worker)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.interpret import activations
from explorer.nets import predict_one
from ui import common, inspect_input, inspect_jobs, inspect_model, train_figures, try_model, urlstate
from ui.cached import draw_predict as cached
from ui.cached import train as cached_train

CANVAS_KEYS = try_model.CanvasKeys(
    canvas="_draw.canvas", drawing="draw.drawing", initial="draw.initial", sent="draw.sent", brush="draw.brush"
)
PICTURE_KEY = inspect_input.DRAWING_KEY  # "draw.picture": (H, W, 3) uint8, the drawing on its background
STROKE_KEY = "draw.stroke_color"
BACKGROUND_KEY = "draw.background_color"
LAYER_KEY = "draw.layer"  # 1-based position among the conv layers
CHANNEL_KEY = "draw.channel"
SEED_KEY = "draw.seed"
# A colour network gets colour pickers; these defaults are two colours far apart in brightness and hue, as the
# colour shapes are drawn (any two colours, never of similar brightness).
DEFAULT_STROKE, DEFAULT_BACKGROUND = "#f4c430", "#23408e"
CANVAS_LONG_SIDE = try_model.CANVAS_SIDE  # the Train page's 280
MAX_SEED = 9999
MAX_LAYERS = 64
MAX_CHANNEL = 4095

OWN_PARAMS = (
    urlstate.Param("layer", LAYER_KEY, 1, parse=urlstate.int_in(1, MAX_LAYERS)),
    urlstate.Param("channel", CHANNEL_KEY, 0, parse=urlstate.int_in(0, MAX_CHANNEL)),
    urlstate.Param("seed", SEED_KEY, 0, parse=urlstate.int_in(0, MAX_SEED)),
)
PARAMS = (*inspect_model.PARAMS, *OWN_PARAMS)  # inspect_model.choose() restores the model's parameter itself


def _rgb(text: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` (what st.color_picker gives) -> ``(r, g, b)``."""
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


def _model_line(kind: str) -> str:
    """The snippet's line that loads the inspected network."""
    if kind in ("digits", "shapes"):
        return f"checkpoint = checkpoints.load_default({kind!r})"
    return (
        "# your own network: save it on the Train page, then\n"
        '# checkpoint = checkpoints.load_checkpoint(open("my_model.safetensors", "rb").read())\n'
        'checkpoint = checkpoints.load_default("digits")'
    )


st.title("Draw & predict")
st.markdown(
    "Draw something and the network answers after every stroke. Before it can answer, your drawing is made to "
    "look like its training pictures (the steps are shown below); then you can look inside: which of its "
    "feature maps light up, and which pixels its answer is most sensitive to. At the end, turn the question "
    "round: start from noise and change the *picture* until the network is sure it shows a given class."
)
inspected = inspect_model.choose()
if inspected is None:
    st.stop()
conv_names = activations.conv_layer_names(inspected.trained.model)
# The last conv layer's channels make the most telling pictures (conv1 sees 3×3 pixels): it is the first choice.
st.session_state.setdefault(LAYER_KEY, max(1, len(conv_names)))
urlstate.restore("draw", OWN_PARAMS)
trained = inspected.trained
channels, rows, cols = trained.spec.input_shape
colour = channels == 3

# ------------------------------------------------------------------------------------------------- draw
st.subheader("Draw")
canvas_column, answer_column = st.columns([1.0, 1.45], gap="large")
with canvas_column:
    if colour:
        st.session_state.setdefault(STROKE_KEY, DEFAULT_STROKE)
        st.session_state.setdefault(BACKGROUND_KEY, DEFAULT_BACKGROUND)
        pick_stroke, pick_background = st.columns(2)
        pick_stroke.color_picker("Pen", key=STROKE_KEY)
        pick_background.color_picker("Paper", key=BACKGROUND_KEY)
        stroke, background = st.session_state[STROKE_KEY], st.session_state[BACKGROUND_KEY]
        caption = "This network sees colour: pick the pen and the paper. Undo and clear are in the toolbar."
    else:
        stroke, background = "#000000", "#ffffff"
        caption = "Draw in black on white, one thing, big. Undo and clear are in the toolbar."
    # The canvas has the network's input shape (280 pixels on its longer side).
    height = max(1, round(CANVAS_LONG_SIDE * rows / max(rows, cols)))
    width = max(1, round(CANVAS_LONG_SIDE * cols / max(rows, cols)))
    changed, drawn = try_model.canvas(
        CANVAS_KEYS, caption=caption, stroke_color=stroke, background_color=background, height=height, width=width
    )
    if changed:
        if drawn is None:
            st.session_state.pop(PICTURE_KEY, None)
        else:
            st.session_state[PICTURE_KEY] = predict_one.on_background(drawn, _rgb(background))

picture = st.session_state.get(PICTURE_KEY)
image = probabilities = None
key = ""
with answer_column:
    if picture is None:
        st.info("Draw on the canvas: the network answers after every stroke.")
    else:
        key = f"draw:{cached_train.picture_key(picture)[:16]}"
        try:
            image, probabilities = cached_train.probabilities(
                trained.token, key, inspected.style, trained.model, trained.spec.input_shape, picture
            )
        except ValueError as error:  # a blank drawing for the digit styles
            st.info(f"Nothing to recognise yet: {common.plain(error)}.")
    if probabilities is not None:
        top = int(np.argmax(probabilities))
        st.markdown(f"The network says **{common.plain(trained.class_names[top])}** ({probabilities[top]:.0%} sure).")
        st.plotly_chart(train_figures.probabilities_figure(probabilities, trained.class_names), key="draw.chart")
        st.caption('The drawing also appears on the other Inspect pages, as the image "Your drawing".')

if image is not None and probabilities is not None:
    top = int(np.argmax(probabilities))
    st.markdown("**What happens to your drawing before the network sees it**")
    steps = cached.steps(key, inspected.style, trained.spec.input_shape, picture)
    step_columns = st.columns(len(steps))
    for column, (step_caption, png, png_width) in zip(step_columns, steps, strict=True):
        column.image(png, caption=step_caption, width=png_width)

    # ------------------------------------------------------------------------------------ inside the network
    st.subheader("Inside the network")
    saliency_column, maps_column = st.columns([1.0, 2.2], gap="large")
    with saliency_column:
        heat_png, overlay_png = cached.saliency(trained.token, key, top, trained.model, image)
        st.markdown(f"**Saliency** for {common.plain(trained.class_names[top])}")
        st.image([heat_png, overlay_png], caption=["saliency", "over the input"])
        st.caption(
            "Bright pixels are those where a small change would move this class's score most (the gradient's "
            "size). It is a map of sensitivity, not proof of what the network 'looked at'."
        )
    with maps_column:
        st.markdown("**Feature maps**: each conv block's output for your drawing (brighter = more active)")
        grids = cached.feature_grids(trained.token, key, trained.model, image)
        for _, grid_png, grid_caption in grids:
            st.image(grid_png, caption=grid_caption)
        if not grids:
            st.caption("This network has no conv layers: its only maps are its inputs.")

# ------------------------------------------------------------------------------ class visualisation
st.subheader("What does the network think a 3 looks like?")
st.markdown(
    "Start from gray noise and nudge every pixel, step by step, in the direction that raises one class's score "
    "(gradient ascent on the picture, the network unchanged). Small random shifts, a slight blur and a pull "
    "back towards gray keep the picture from turning into pixel noise. Be warned: small networks give rough "
    "pictures. They only learned what tells their classes apart, so you see strokes and blobs in the right "
    "places, not a neat drawing."
)
st.number_input("Noise to start from (seed)", 0, MAX_SEED, step=1, key=SEED_KEY, help="Another seed, another start.")
seed = int(st.session_state[SEED_KEY])
ref = cached.model_ref(trained.token, trained.model, trained.spec)
call = cached.class_call(trained.token, ref, trained.spec.input_shape, seed)
value, view = inspect_jobs.result(call, label="Class pictures")
if view is not None:
    inspect_jobs.wait(call, view, label="Class pictures")
else:
    pngs, png_width = cached.pictures(f"classes {trained.token} {seed}", value)
    per_row = 10 if len(pngs) <= 10 else 8
    for start in range(0, len(pngs), per_row):
        row = st.columns(per_row)
        for column, png, name in zip(row, pngs[start : start + per_row], trained.class_names[start:], strict=False):
            column.image(png, caption=common.plain(name), width=png_width)  # captions are Markdown: escaped

st.markdown("**The same for one channel of a conv layer**: a picture that makes that channel's map bright.")
if not conv_names:
    st.caption("This network has no conv layers, so it has no channels to show.")
    urlstate.publish(PARAMS)
else:
    st.session_state[LAYER_KEY] = min(max(int(st.session_state.get(LAYER_KEY, 1)), 1), len(conv_names))
    layer_column, channel_column, result_column = st.columns([1.4, 1.0, 1.0])
    layer_number = layer_column.selectbox(
        "Conv layer", range(1, len(conv_names) + 1), key=LAYER_KEY, format_func=lambda n: conv_names[n - 1]
    )
    layer = conv_names[int(layer_number) - 1]
    layer_channels = int(trained.model[int(layer.split(".", 1)[0]) - 1].out_channels)
    st.session_state[CHANNEL_KEY] = min(max(int(st.session_state.get(CHANNEL_KEY, 0)), 0), layer_channels - 1)
    channel = int(channel_column.number_input("Channel", 0, layer_channels - 1, step=1, key=CHANNEL_KEY))
    urlstate.publish(PARAMS)
    channel_call = cached.channel_call(trained.token, ref, trained.spec.input_shape, layer, channel, seed)
    channel_value, channel_view = inspect_jobs.result(channel_call, label="Channel picture")
    with result_column:
        if channel_view is not None:
            inspect_jobs.wait(channel_call, channel_view, label="Channel picture")
        else:
            (png,), png_width = cached.pictures(
                f"channel {trained.token} {layer} {channel} {seed}", channel_value, cached.CHANNEL_SIDE
            )
            st.image(png, caption=f"channel {channel} of {layer}", width=png_width)

# ----------------------------------------------------------------------------------------- the end
common.check_yourself(
    "You draw a small 7 in the top left corner of the canvas, and the digits network still reads it as 7. "
    "Why doesn't the position matter here, when the network only ever saw centred digits?",
    "Because of the preprocessing, not the network: the drawing is cropped to its strokes, centred in a "
    "square and scaled before the network sees it, just as the data set's digits were made. The network itself "
    "would be thrown by an off-centre digit: its training pictures never had one.",
    key="draw.check",
)
common.show_code(
    f"""import cv2
import numpy as np
from explorer.interpret import activations, attribution, class_visual
from explorer.nets import checkpoints, predict_one

{_model_line(inspected.kind)}
model, shape = checkpoint.model, checkpoint.spec.input_shape
drawing = np.full((280, 280, 3), 255, np.uint8)          # stands in for your drawing: black on white
cv2.line(drawing, (150, 40), (130, 240), (0, 0, 0), 20)
style = predict_one.style_for(shape, class_names=checkpoint.class_names)
for caption, picture in predict_one.preparation_steps(drawing, shape, style=style):
    print(caption, picture.shape)
image = predict_one.prepare_picture(drawing, shape, style=style)           # (C, H, W)
probabilities = predict_one.class_probabilities(model, image)
top = int(probabilities.argmax())
print("the network says", checkpoint.class_names[top], f"{{probabilities[top]:.0%}}")
maps = activations.feature_maps(model, image)                             # layer name -> (C, H, W)
heat = attribution.attribute(model, image, method="saliency", target=top) # (H, W)
pictures = class_visual.class_images(model, shape, seed={seed})             # (classes, C, H, W)
layer = activations.conv_layer_names(model)[0]
channel = class_visual.channel_images(model, shape, layer=layer, channels=[0], seed={seed})
"""
)
