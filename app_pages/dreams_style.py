"""Dreams and style: DeepDream and neural style transfer on the picker image, as background jobs.

Both run through the server's job queue in a worker process (``ui.cached.dreams_style``, job functions in
``ui.dream_worker``, the numbers in ``explorer.deep.dream`` and ``explorer.deep.style``); a fragment reads the
job's state once a second while it runs. One job per session at a time.
"""

from __future__ import annotations

import re

import streamlit as st

from explorer.deep import backbone, dream, style
from explorer.images import samples
from ui import backbone_weights, common, images, inspect_model, snippets, training_jobs, urlstate
from ui.cached import dreams_style as cached
from ui.cached import train as cached_train

LIVE_REFRESH_S = 1.0
JOB_KEY = "dreams.job"
SEEN_KEY = "dreams_seen"  # (job id, status) the full page last drew: a change triggers a full rerun
NETWORKS = {
    "pretrained": "SqueezeNet 1.1 trained on ImageNet",
    "session": "Your model (from the Train page)",
    "shapes": "Default: shapes 28×28",
    "digits": "Default: digits 8×8",
}
SIZES = [128, 192, 256, 320]
STEP_SIZES = [0.002, 0.005, 0.01, 0.02, 0.05]
STYLE_SIZES = [128, 160, 192]
STYLE_STRENGTHS = [0.1, 0.3, 1.0, 3.0, 10.0]
GRAM_LAYER = "conv1"
MODES = {"dream": "DeepDream", "style": "Style transfer"}
# A small network's layers are named as the Inspect pages name them ("3. relu", "4. conv 16 3×3").
SMALL_LAYER = re.compile(r"\d{1,2}\. [\w ×.-]{1,40}")


def _network(text: str) -> str:
    """A network from a link: a session's own model can't travel in one, so the link says ``own`` and whoever
    opens it gets their own model if they have one (else the first network available)."""
    return "session" if text == "own" else urlstate.one_of(("pretrained", "shapes", "digits"))(text)


def _network_in_link(value: str) -> str:
    return "own" if value == "session" else value


def _layer_name(text: str) -> str:
    """A layer from a link: one of SqueezeNet's (conv1, fire2..fire9) or a small network's numbered name."""
    if text in backbone.LAYERS or SMALL_LAYER.fullmatch(text):
        return text
    raise ValueError(
        f"expected one of {', '.join(backbone.LAYERS)} or a numbered layer such as '3. relu'; got {text!r}"
    )


PARAMS = (
    urlstate.Param("mode", "dreams.mode", "dream", parse=urlstate.one_of(tuple(MODES))),
    urlstate.Param("net", "dreams.network", "pretrained", parse=_network, format=_network_in_link),
    urlstate.Param("layer", "dreams.layer", "fire5", parse=_layer_name),
    urlstate.Param("octaves", "dreams.octaves", dream.DEFAULT.octaves, parse=urlstate.int_in(1, dream.MAX_OCTAVES)),
    urlstate.Param("steps", "dreams.steps", dream.DEFAULT.steps, parse=urlstate.int_in(1, 50)),
    urlstate.Param("step", "dreams.step", dream.DEFAULT.step_size, parse=urlstate.number_from(STEP_SIZES)),
    urlstate.Param("size", "dreams.size", 256, parse=urlstate.number_from(SIZES)),
    urlstate.Param("style", "dreams.style_sample", "chelsea", parse=urlstate.one_of(samples.SAMPLES)),
    urlstate.Param("ssize", "dreams.style_size", style.DEFAULT.size, parse=urlstate.number_from(STYLE_SIZES)),
    urlstate.Param("ssteps", "dreams.style_steps", style.DEFAULT.steps, parse=urlstate.int_in(20, 400)),
    urlstate.Param("strength", "dreams.style_strength", 1.0, parse=urlstate.number_from(STYLE_STRENGTHS)),
)

st.title("Dreams and style")
st.markdown(
    "A trained network can also *change* a picture. Instead of adjusting the network's weights to fit the "
    "pictures, keep the weights fixed and adjust the picture's pixels, with the same gradients. **DeepDream** "
    "pushes the pixels so that one layer responds more strongly: whatever that layer half-sees gets painted in. "
    "**Style transfer** pushes them until the picture has the *content* of one picture and the *textures* of "
    "another, as the network measures them."
)
urlstate.restore("dreams", PARAMS)
training_jobs.WORKERS.warm_up()  # the worker processes start importing torch now, not when Start is pressed
pretrained = backbone_weights.model_or_notice(key="dreams") is not None
root = str(backbone.weights_path().parent.parent)  # the cache folder the workers read the weights from
job: cached.DreamsJob | None = st.session_state.get(JOB_KEY)
if job is not None:
    view = job.view()
    if view.finished and st.session_state.get(SEEN_KEY) != (job.id, view.status):
        st.session_state[SEEN_KEY] = (job.id, view.status)
active = job is not None and not job.view().finished
picture = images.current_rgb()

mode = st.segmented_control(
    "What to make", list(MODES), key="dreams.mode", format_func=MODES.__getitem__, required=True
)


def _show_job(kind: str) -> None:
    """The session's job of this kind: its place in line, the picture as it forms, its curves; Stop."""
    job = st.session_state.get(JOB_KEY)
    if job is None:
        return
    view = job.view()
    outcome = view.value if isinstance(view.value, cached.Outcome) else None
    live = view.progress if isinstance(view.progress, cached.LiveState) else None
    if (outcome.kind if outcome is not None else live.kind if live is not None else kind) != kind:
        return
    if view.status == training_jobs.QUEUED:
        running, _ = training_jobs.SCHEDULER.counts()
        st.info(
            f"Waiting for the server: {training_jobs.ordinal(view.position)} in line ({running} job(s) running; "
            "trainings, dreams and style transfers share the line). It starts by itself."
        )
    elif view.status == training_jobs.FAILED:
        st.error(common.plain(view.message))
    elif view.status == training_jobs.STOPPED:
        st.info(common.plain(view.message or "Stopped."))
    if not view.finished:
        label = "Leave the line" if view.status == training_jobs.QUEUED else "Stop"
        st.button(label, key=f"_dreams.stop_{kind}", on_click=job.stop, type="primary")
    if outcome is not None:
        shown, curves, step, total = outcome.finished.picture, outcome.finished.losses, outcome.finished.steps, 0
    elif live is not None:
        shown, curves, step, total = live.picture, live.curves, live.step, live.total
    else:
        if view.status == training_jobs.RUNNING:
            st.progress(0.0, text="Starting… (the worker builds the network)")
        return
    if total:
        st.progress(min(step / total, 1.0), text=f"Step {step} of {total} · {view.seconds:.0f} s")
    else:
        st.caption(f"{step} steps in {view.seconds:.1f} s.")
    if kind == "dream":
        left, right = st.columns(2)
        left.image(outcome.source if outcome is not None else picture, caption="Before", width="stretch")
        right.image(shown, caption="Dreamed" if outcome is not None else "Dreaming…", width="stretch")
        if len(curves.get("activation", ())):
            st.plotly_chart(cached.curves_figure(curves, log=False), key=f"dreams.curve_{kind}")
            st.caption(
                "The layer's response (mean squared activation) before each step. It rises within an octave, "
                "wobbles with each step's random shift, and drops when the picture is enlarged for the next "
                "octave (new pixels, not yet dreamed)."
            )
        return
    left, right = st.columns([1.0, 1.2])
    left.image(shown, caption="Stylised" if outcome is not None else "Forming…", width="stretch")
    with right:
        if len(curves.get("total", ())):
            st.plotly_chart(cached.curves_figure(curves, log=True), key=f"dreams.curve_{kind}")
    grams = dict(outcome.finished.grams) if outcome is not None else {}
    if live is not None and live.style_gram is not None and "style" not in grams:
        grams["style"] = live.style_gram
    if grams:
        st.markdown(
            f"**Gram matrices of {GRAM_LAYER}** ({len(next(iter(grams.values())))} channels): the entry in row c, "
            "column d is how strongly channels c and d fire *together*, averaged over the whole picture "
            "(white: the largest entry; square-root scale). Where things are is gone; which textures go together stays. The style "
            "loss pulls the result's matrices towards the style picture's."
        )
        titles = {"content": "Content picture", "style": "Style picture", "result": "Result"}
        columns = st.columns(3)
        for column, name in zip(columns, ("content", "style", "result"), strict=True):
            if name in grams:
                key = f"{job.id}:{name}:{view.status}"
                column.image(cached.gram_picture(key, grams[name]), caption=titles[name], width="stretch")
            else:
                column.caption(f"{titles[name]}: at the end.")


@urlstate.fragment(run_every=LIVE_REFRESH_S if active else None)
def live(kind: str) -> None:
    job = st.session_state.get(JOB_KEY)
    if job is not None:
        view = job.view()
        if view.finished and st.session_state.get(SEEN_KEY) != (job.id, view.status):
            st.rerun()  # the whole page: stop refreshing, enable Start
    _show_job(kind)


def _busy_elsewhere(kind: str) -> bool:
    """True (after saying so) when the session's running job is of the other kind."""
    job = st.session_state.get(JOB_KEY)
    if not active or job is None:
        return False
    live_state = job.view().progress
    other = live_state.kind if isinstance(live_state, cached.LiveState) else None
    if other is not None and other != kind:
        st.info(f"Your {MODES[other].lower()} is still running: one job per session at a time.")
        return True
    return False


# ---------------------------------------------------------------------------------------------- DeepDream
if mode == "dream":
    st.subheader("DeepDream")
    own = st.session_state.get(cached_train.MODEL_KEY)
    networks = [n for n in NETWORKS if (n != "pretrained" or pretrained) and (n != "session" or own is not None)]
    if st.session_state.get("dreams.network") not in networks:
        st.session_state["dreams.network"] = networks[0]
    settings_column, picture_column = st.columns([1.0, 1.2], gap="large")
    with settings_column:
        network = st.selectbox("Network", networks, key="dreams.network", format_func=NETWORKS.__getitem__)
        small = None
        if network == "pretrained":
            layers = {name: style.LAYER_OUTPUTS[name] for name in backbone.LAYERS}
        else:
            small = own if network == "session" else inspect_model.default_model(network)
            layers = cached.dream_layers(small.model)
            if not layers:
                st.error("This network has no convolution layers to dream with: choose another.")
                st.stop()
        if st.session_state.get("dreams.layer") not in layers:
            st.session_state["dreams.layer"] = "fire5" if "fire5" in layers else cached.default_layer(layers)
        layer = st.selectbox(
            "Layer to amplify",
            list(layers),
            key="dreams.layer",
            help="Early layers amplify edges and colour contrasts; later ones textures and object parts.",
        )
        octaves = st.slider("Octaves", 1, dream.MAX_OCTAVES, key="dreams.octaves")
        steps = st.slider("Steps per octave", 1, 50, key="dreams.steps")
        step_size = st.select_slider("Step size", STEP_SIZES, key="dreams.step")
        size = st.select_slider("Picture size (longer side, px)", SIZES, key="dreams.size")
    settings = dream.Settings(octaves=octaves, steps=steps, step_size=float(step_size))
    with picture_column:
        st.image(picture, caption=f"The picture to dream on: {common.plain(images.describe())}", width="stretch")
    if network != "pretrained":
        st.info(
            ("Without the pretrained network's weights, the " if not pretrained else "The ")
            + "dream runs on a small network trained here on tiny pictures (8×8 digits or 28×28 shapes). It "
            "only knows strokes and blobs, so the pictures are rough: faint stripes and specks rather than eyes "
            "and fur. That is the lesson too: a network can only dream what it has learned."
        )
    start = st.button("Start dreaming", key="_dreams.start_dream", type="primary", disabled=active)
    if start and not active and not _busy_elsewhere("dream"):
        with common.user_errors():
            job = cached.start_dream(
                cached.fit(picture, int(size)),
                layer=layers[layer],
                settings=settings,
                root=root if network == "pretrained" else None,
                model=small.model if small is not None else None,
                spec=small.spec if small is not None else None,
                token=small.token if small is not None else "",
            )
        st.session_state[JOB_KEY] = job
        st.rerun()
    _busy_elsewhere("dream")
    live("dream")
    layer_code = f'backbone.LAYERS["{layer}"]' if network == "pretrained" else str(layers[layer])
    model_code = (
        "backbone.build(pretrained=backbone.weights_cached())  # random weights until the weights are fetched"
        if network == "pretrained"
        else f'checkpoints.load_default("{network}").model  # or your own model'
        if network != "session"
        else 'checkpoints.load_default("digits").model  # here: your model from the Train page'
    )
    if network == "pretrained" and layer == "conv1":
        layer_code = "1  # conv1's ReLU"
    norm_code = ", mean=backbone.MEAN, std=backbone.STD" if network == "pretrained" else ""
    common.show_code(
        f"""from explorer.core import dtype, resize
from explorer.deep import backbone, dream
from explorer.images import imageio, samples
from explorer.nets import checkpoints

{snippets.load_lines(images.image_id())}
scale = {int(size)} / max(image.shape[:2])
image = resize.to_shape(dtype.to_float(image), rows=round(image.shape[0] * scale), cols=round(image.shape[1] * scale))
model = {model_code}
settings = dream.Settings({cached.settings_code(settings)})
result = dream.dream(model, image, layer={layer_code}, settings=settings{norm_code},
                     on_progress=lambda step, picture, losses: print(step, losses))
picture = dtype.to_uint8(result.picture)   # (H, W, 3) or (H, W) for a gray network
"""
    )

# ------------------------------------------------------------------------------------------ style transfer
else:
    st.subheader("Neural style transfer")
    st.markdown(
        f"The picker's picture gives the **content**, another picture the **style**. Starting from the content "
        f"picture, every step changes the pixels to lower three losses measured inside SqueezeNet: the "
        f"*content loss* at **{style.DEFAULT.content_layer}** (its maps keep outlines and layout; early enough "
        f"that the objects stay recognisable, late enough that their texture may change), the *style loss* at "
        f"**{', '.join(style.DEFAULT.style_layers)}** (from fine strokes and colours to larger motifs; the "
        "deeper layers of this small network have maps of a few cells only at this size), and a small "
        "*smoothness* loss against pixel noise. These are the layers and weights of Stanford's CS231n "
        "assignment, which uses the same network."
    )
    left, right = st.columns(2, gap="large")
    with left:
        source = st.radio("Style picture", ["Built-in picture", "Upload"], key="dreams.style_source", horizontal=True)
        style_picture = None
        if source == "Built-in picture":
            name = st.selectbox("Built-in picture", samples.SAMPLES, key="dreams.style_sample")
            style_picture = cached.builtin_style(name)
        else:
            upload = st.file_uploader("Your style picture", type=["png", "jpg", "jpeg", "webp"], key="_dreams.upload")
            if upload is not None:
                try:
                    data = upload.getvalue()
                    style_picture = cached.uploaded_style(cached.digest(data), data)
                except ValueError as error:
                    st.error(f"This file can't be used as a style picture: {common.plain(error)}")
        size = st.select_slider("Picture size (longer side, px)", STYLE_SIZES, key="dreams.style_size")
        steps = st.slider("Steps", 20, 400, step=20, key="dreams.style_steps")
        strength = st.select_slider(
            "Style strength", STYLE_STRENGTHS, key="dreams.style_strength", help="Multiplies the style loss."
        )
    with right:
        a, b = st.columns(2)
        a.image(picture, caption="Content (the picker's picture)", width="stretch")
        if style_picture is not None:
            b.image(style_picture, caption="Style", width="stretch")
        else:
            b.caption("Choose or upload a style picture.")
    settings = style.Settings(
        size=int(size),
        steps=int(steps),
        style_weights=tuple(w * float(strength) for w in style.DEFAULT.style_weights),
    )
    if not pretrained:
        st.info(
            "Style transfer needs the pretrained network (see the note at the top of the page): a small network "
            "trained on digits has no textures to copy. With it, the picture above on the left is repainted "
            "step by step in the textures of the one on the right, with the loss curves beside it and the Gram "
            "matrices that measure style below."
        )
    ready = pretrained and style_picture is not None and not active
    start = st.button("Start the style transfer", key="_dreams.start_style", type="primary", disabled=not ready)
    if start and ready and not _busy_elsewhere("style"):
        assert style_picture is not None
        with common.user_errors():
            job = cached.start_style(picture, style_picture, settings=settings, root=root, gram_layer=GRAM_LAYER)
        st.session_state[JOB_KEY] = job
        st.rerun()
    _busy_elsewhere("style")
    live("style")
    style_line = (
        f'style_picture = samples.load_sample("{st.session_state["dreams.style_sample"]}")'
        if source == "Built-in picture"
        else 'style_picture = imageio.load_image(open("your_style.jpg", "rb").read())'
    )
    common.show_code(
        f"""from explorer.deep import backbone, style
from explorer.images import imageio, samples

{snippets.load_lines(images.image_id())}
{style_line}
model = backbone.build(pretrained=backbone.weights_cached())  # random weights until the weights are fetched
settings = style.Settings({cached.settings_code(settings)})
result = style.transfer(model, image, style_picture, settings=settings,
                        on_progress=lambda step, picture, losses: print(step, losses["total"]))
print(result.losses["style"][[0, -1]])      # the style loss at the first and the last step
grams = style.gram_matrices(model, style_picture, layers=["{GRAM_LAYER}"], size={int(size)})   # (64, 64)
"""
    )

st.subheader("What is going on")
st.markdown(
    """
- **Gradients with respect to the picture.** Training computes how the loss changes with each weight. The
  same backward pass also gives how a number inside the network changes with each *pixel*. Here the weights
  stay frozen and the pixels move.
- **DeepDream** makes the chosen layer's activations larger (their mean square). Each step is divided by the
  gradient's average size, so the step size is how much a pixel changes on average. A random shift before each
  step (jitter) keeps the patterns from sticking to exact pixel positions, and **octaves** dream the picture
  first small (large structures), then larger (fine detail).
- **Style transfer** (Gatys et al. 2016) matches two things at once: the feature maps of one layer (content:
  what is where) and the **Gram matrices** of several layers (style: which features appear together,
  anywhere in the picture). A Gram matrix forgets positions, which is exactly what a texture is.
- **Without the pretrained weights** a small network from the Train page can still dream, but it only knows
  what its tiny training pictures taught it.
"""
)
common.check_yourself(
    "You dream the same photo once with conv1 and once with fire8. Which one shows swirls of eyes, fur or "
    "wheels, and why? And why does a Gram matrix make a good measure of style but a bad one of content?",
    "**fire8**: deep layers respond to object parts the network learned on ImageNet, so amplifying them paints "
    "such parts in; conv1 only knows edges and colour contrasts, so it sharpens and streaks. A Gram matrix "
    "sums over every position: it keeps *which* features occur together (texture, colour, strokes) and "
    "throws away *where* they are, which is what content is about.",
    key="dreams.check",
)
urlstate.publish(PARAMS)
