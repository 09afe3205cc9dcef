"""Attribution: which pixels a trained network's answer depends on, by six methods side by side; whether a method
explains the network at all (the sanity check), which one explains it best (deletion curves), and how the
picture formed over the training epochs.

The model and the image come from ``ui.inspect_model`` and ``ui.inspect_input``; the maps, curves and pictures
from ``ui.cached.attribution`` (each one ``explorer.interpret.attribution`` call); the sanity check runs in a
worker (``ui.inspect_jobs``); the figures are in ``ui.attr_figures``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.interpret import attribution
from ui import attr_figures, attr_snippet, common, inspect_input, inspect_jobs, inspect_model, train_figures, urlstate
from ui.cached import attribution as cached

LABELS = attr_figures.LABELS
DEFAULT_METHODS = ["saliency", "integrated_gradients", "guided_backprop", "grad_cam"]
PREDICTED = -1  # the target "the class the network predicts"
LAST_CONV = -1  # Grad-CAM's layer "the last conv layer"
IG_STEPS = (10, 20, 50, 100, 200)
SMOOTH_SAMPLES = (5, 10, 20, 50)
SMOOTH_NOISE = (5, 10, 15, 20, 30)  # % of the [0, 1] range
OPACITIES = tuple(round(0.1 * i, 1) for i in range(11))
# Pictures: the input about 168 screen pixels a side; each method's map about 128, so four sit in a row beside
# the probabilities at 1280×800 (at 140 the fourth wrapped); the sanity check's and epochs' rows about 96.
INPUT_SIDE = 168
MAP_SIDE = 128
SMALL_SIDE = 96
STEP_SIDE = 150  # a picture's preprocessing: its first and last step side by side in the input's column


def _methods(text: str) -> list[str]:
    names = [name for name in text.split(",") if name]
    if not names or any(name not in attribution.METHODS for name in names) or len(set(names)) != len(names):
        raise ValueError(f"expected method names from {', '.join(attribution.METHODS)}, each once; got {text!r}")
    return names


PARAMS = (
    urlstate.Param("methods", "attr.methods", DEFAULT_METHODS, parse=_methods, format=",".join),
    urlstate.Param("target", "attr.target", PREDICTED, parse=urlstate.int_in(PREDICTED, 999)),
    urlstate.Param("opacity", "attr.opacity", 0.6, parse=urlstate.number_from(OPACITIES)),
    urlstate.Param("steps", "attr.ig_steps", 50, parse=urlstate.int_in(1, attribution.MAX_STEPS)),
    urlstate.Param("baseline", "attr.baseline", "black", parse=urlstate.one_of(attribution.BASELINES)),
    urlstate.Param("layer", "attr.layer", LAST_CONV, parse=urlstate.int_in(LAST_CONV, 999)),
    urlstate.Param("samples", "attr.sg_samples", 20, parse=urlstate.int_in(1, attribution.MAX_SAMPLES)),
    urlstate.Param("noise", "attr.sg_noise", 15, parse=urlstate.int_in(0, 100)),
)

st.title("Attribution")
st.markdown(
    "Which pixels made the network say what it said? An **attribution map** gives every pixel a score for how "
    "much the chosen class's score depends on it. There are many recipes, and they disagree: below you can put "
    "six of them side by side, test whether a map reflects what the network learned at all, and measure which "
    "one points at the pixels the network really needs."
)
urlstate.restore("attr", PARAMS)
inspected = inspect_model.choose()
if inspected is None:
    st.stop()
model = inspected.trained.model
token = inspected.trained.token
class_names = inspected.trained.class_names
# The input chooser (its grid of test images) beside the chosen picture and what the network says about it.
input_column, picture_column = st.columns([1.35, 1.0], gap="large")
with input_column:
    picked = inspect_input.choose(inspected, page="attr")
if picked is None:
    urlstate.publish((*PARAMS, *inspect_model.PARAMS, *inspect_input.PARAMS))
    st.stop()
image = picked.image

# ------------------------------------------------------------------------------------------------ settings
layers = attribution.conv_layer_names(model)
# Values a link or another model left behind that this model can't take fall back to the defaults.
if st.session_state["attr.target"] >= len(class_names):
    st.session_state["attr.target"] = PREDICTED
if st.session_state["attr.layer"] != LAST_CONV and st.session_state["attr.layer"] not in layers:
    st.session_state["attr.layer"] = LAST_CONV
if st.session_state["attr.ig_steps"] not in IG_STEPS:
    st.session_state["attr.ig_steps"] = 50
if st.session_state["attr.sg_samples"] not in SMOOTH_SAMPLES:
    st.session_state["attr.sg_samples"] = 20
if st.session_state["attr.sg_noise"] not in SMOOTH_NOISE:
    st.session_state["attr.sg_noise"] = 15
methods_available = [m for m in attribution.METHODS if m != "grad_cam" or layers]
st.session_state["attr.methods"] = [m for m in st.session_state["attr.methods"] if m in methods_available]
with common.user_errors():
    probabilities = cached.probabilities(token, picked.key, model, image)
predicted = int(probabilities.argmax())
with picture_column:
    if picked.steps:  # a picture made into the network's input: the picture and what the network sees
        ends = (picked.steps[0], picked.steps[-1])
        st.image([p for _, p in ends], caption=[common.plain(c) for c, _ in ends], width=STEP_SIDE)
    else:
        st.image(inspect_input.seen(image, INPUT_SIDE), caption=common.plain(picked.title), width=INPUT_SIDE)

if len(picked.steps) > 2:
    with st.expander("How the picture became the network's input, step by step"):
        st.image([p for _, p in picked.steps], caption=[common.plain(c) for c, _ in picked.steps], width=STEP_SIDE)

controls = st.columns([2.2, 1.3, 1.0], gap="medium")
chosen = controls[0].multiselect(
    "Methods, side by side",
    methods_available,
    key="attr.methods",
    format_func=LABELS.get,
    placeholder="Choose one or more methods",
)
controls[1].selectbox(
    "Explain the class",
    [PREDICTED, *range(len(class_names))],
    key="attr.target",
    format_func=lambda c: f"predicted ({class_names[predicted]})" if c == PREDICTED else class_names[c],
)
controls[2].select_slider("Opacity of the map", OPACITIES, key="attr.opacity")
with st.expander("Method settings"):
    first, second, third = st.columns(3, gap="medium")
    first.select_slider("Integrated Gradients: steps", IG_STEPS, key="attr.ig_steps")
    first.selectbox(
        "Baseline (the picture 'without information')",
        attribution.BASELINES,
        key="attr.baseline",
        help="Integrated Gradients walks from this picture to yours; the deletion curves below fill removed "
        "pixels with it.",
    )
    if layers:
        last = max(layers)
        second.selectbox(
            "Grad-CAM: layer",
            [LAST_CONV, *layers],
            key="attr.layer",
            format_func=lambda i: f"the last conv layer, {layers[last]}" if i == LAST_CONV else layers[i],
        )
    else:
        second.caption("Grad-CAM needs a conv layer; this network has none.")
    third.select_slider("SmoothGrad: noisy copies", SMOOTH_SAMPLES, key="attr.sg_samples")
    third.select_slider("SmoothGrad: noise (% of the range)", SMOOTH_NOISE, key="attr.sg_noise")
urlstate.publish((*PARAMS, *inspect_model.PARAMS, *inspect_input.PARAMS))

target = predicted if st.session_state["attr.target"] == PREDICTED else int(st.session_state["attr.target"])
opacity = float(st.session_state["attr.opacity"])
options = {
    "integrated_gradients": {"steps": st.session_state["attr.ig_steps"], "baseline": st.session_state["attr.baseline"]},
    "grad_cam": {"layer": None if st.session_state["attr.layer"] == LAST_CONV else st.session_state["attr.layer"]},
    "smoothgrad": {"samples": st.session_state["attr.sg_samples"], "stdev": st.session_state["attr.sg_noise"] / 100},
}
chosen = [m for m in chosen if m in methods_available]
keys = cached.method_keys(chosen, options)

# ------------------------------------------------------------------------------------------------ the maps
maps_column, probabilities_column = st.columns([2.6, 1.0], gap="small")
with probabilities_column:  # what the network says, beside the maps that explain it
    st.plotly_chart(train_figures.probabilities_figure(probabilities, class_names), key="attr.probabilities")
with maps_column:
    if not chosen:
        st.info("Choose at least one method above.")
    else:
        with common.user_errors():
            pictures = [
                cached.overlay_png(token, picked.key, method, settings, target, opacity, MAP_SIDE, model, image)
                for method, settings in keys
            ]
        # A map that is 0 everywhere (Grad-CAM's ReLU keeps only evidence for the class) says so under it.
        flat = [not cached.attribution_map(token, picked.key, m, o, target, model, image).any() for m, o in keys]
        st.image(
            pictures,
            caption=[LABELS[m] + (" (0 everywhere)" if f else "") for m, f in zip(chosen, flat)],
            width=MAP_SIDE,
        )
        st.caption(
            f"Each map explains the class **{common.plain(class_names[target])}** "
            f"(the network gives it {probabilities[target]:.0%}). Saliency, SmoothGrad and Grad-CAM are "
            "magnitudes: dark is unimportant, bright yellow most important. Integrated Gradients, Input × "
            "Gradient and Guided Backprop have a sign: red pixels speak for the class, blue against it. Each "
            "map is scaled to its own strongest pixels."
        )

# ------------------------------------------------------------------------------------------------ sanity check
st.subheader("Sanity check: does the map depend on what the network learned?")
st.markdown(
    "Adebayo and colleagues (2018) asked a simple question: if we replace the network's learned weights by random "
    "ones, layer by layer from the output down, does the map change? A map that explains the *network* must "
    "fall apart, since the network's answer does. A map that stays the same is showing the picture's edges, "
    "not the network's reasons."
)


if not chosen:
    st.caption("Choose a method above to run the check.")
else:
    call = cached.sanity_call(inspected.trained, picked.key, image, keys, target)
    checked, view = inspect_jobs.result(call, label="Sanity check")
    if view is not None:
        inspect_jobs.wait(call, view, label="Sanity check")
    else:
        for method in chosen:
            pictures, captions = cached.sanity_pictures(call.key, method, SMALL_SIDE, *checked[method])
            st.image(pictures, caption=captions, width=SMALL_SIDE)
        plot_part, _ = st.columns([2.0, 1.0])
        plot_part.plotly_chart(cached.sanity_figure(call.key, tuple(chosen), checked), key="attr.sanity_plot")
        st.caption(
            "Each row: the trained network's map, then the map after randomising the layers named, cumulatively, "
            "from the output down. ρ is Spearman's rank correlation with the trained map (1: the same order of "
            "pixels, 0: unrelated; – for a flat map, with no order to compare). **Guided Backprop barely changes**: "
            "its map mostly redraws the picture's own edges (the ReLUs pass what the input lights up), so it looks convincing while telling you little "
            "about what this network decided."
        )

# ------------------------------------------------------------------------------------------------ deletion
st.subheader("Which explanation is right? Delete the most important pixels first")
if chosen:
    with common.user_errors():
        curves = cached.deletion(token, picked.key, keys, target, st.session_state["attr.baseline"], model, image)
    labels = LABELS
    plot_column, table_column = st.columns([2.2, 1.0], gap="medium")
    with plot_column:
        baseline = st.session_state["attr.baseline"]
        figure = cached.deletion_figure(token, picked.key, keys, target, baseline, class_names[target], curves)
        st.plotly_chart(figure, key="attr.deletion_plot")
    ranked = sorted(curves.items(), key=lambda item: item[1][2])
    with table_column:
        st.dataframe(
            pd.DataFrame({"method": [labels[n] for n, _ in ranked], "area": [c[2] for _, c in ranked]}),
            hide_index=True,
            column_config={
                "area": st.column_config.NumberColumn(
                    "area", format="%.3f", help="The area under the method's curve: smaller is better."
                )
            },
        )
    best = ranked[0][0]
    st.markdown(
        f"Each method ranks the pixels; we remove them in that order, 5 % at a time (filling them with the "
        f"{st.session_state['attr.baseline']} baseline), and watch the probability of "
        f"**{common.plain(class_names[target])}**. The curve that falls fastest, the smallest area, belongs to "
        f"the method that found the pixels this network needs most: here **{labels[best]}**"
        + (
            " (not even better than a random order: no method explains this answer well)."
            if best == attribution.RANDOM
            else "."
        )
    )
else:
    st.caption("Choose a method above to compare the methods.")

# ------------------------------------------------------------------------------------------------ epochs
st.subheader("Across the epochs: when did the network learn where to look?")
epochs = inspected.epochs_with_weights()
if inspected.kind != "session":
    st.info(
        "This needs a network trained on the Train page in this session: its training keeps a copy after every "
        "epoch. The shipped default models and uploaded files have only their final weights."
    )
elif not epochs:
    st.info(
        "Your network's training kept no copies of its weights along the way (a network loaded from a file has "
        "only its final weights): train one on the Train page to see this."
    )
else:
    with common.user_errors():
        results = [
            cached.epoch_saliency(token, epoch, picked.key, target, inspected.snapshot_model(epoch), image)
            for epoch in epochs
        ]
    st.image(
        [cached.map_png(heat, image, opacity=opacity, signed=False, side=SMALL_SIDE) for heat, _ in results],
        caption=[f"epoch {epoch}: {p[target]:.0%}" for epoch, (_, p) in zip(epochs, results)],
        width=SMALL_SIDE,
    )
    st.caption(
        f"Saliency for **{common.plain(class_names[target])}** after each epoch, and the probability the network "
        "gave that class then."
    )

# ------------------------------------------------------------------------------------------------ explanation
st.subheader("What is going on")
st.markdown(
    """
- **Saliency** is the gradient: how much the class score would change if one pixel got a little brighter. It is
  fast but noisy, and it describes the score only right around this picture.
- **Integrated Gradients** adds up gradients along a straight path from a baseline picture to yours. Its scores
  add up to the score's change from the baseline to the picture, so they share out the whole answer, but they
  depend on which baseline you call "no information".
- **Input × Gradient** multiplies each pixel by its gradient: a dark pixel gets no credit, however sensitive.
- **Guided Backprop** only lets positive gradients through each ReLU on the way back. The maps look crisp, yet
  the sanity check shows they hardly depend on the top layers.
- **Grad-CAM** weighs a conv layer's feature maps by their average gradient and keeps the positive part: coarse
  (a deep layer has few, big cells) but tied to what the network computed.
- **SmoothGrad** averages the saliency of many noisy copies of the picture, which washes out the noise.
"""
)
common.check_yourself(
    "A map looks like a sharp outline of the digit, and it stays almost the same after the network's last two "
    "layers get random weights. Should you trust it as an explanation of the network's answer?",
    "No. The random network gives different answers, yet the map did not change, so the map is not about the "
    "network's decision: it mostly shows the picture's own edges. Prefer a method whose map falls apart in the "
    "sanity check and whose deletion curve falls fast.",
    key="attr.check",
)
common.show_code(
    attr_snippet.code(
        kind=inspected.kind,
        style=inspected.style,
        input_shape=tuple(inspected.trained.spec.input_shape),
        source_key=picked.key,
        methods=chosen,
        options={m: options[m] for m in chosen if m in options},
        target=None if st.session_state["attr.target"] == PREDICTED else target,
        opacity=opacity,
        baseline=st.session_state["attr.baseline"],
    )
)
