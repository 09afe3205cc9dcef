"""A pretrained network: what SqueezeNet 1.1, trained on ImageNet's 1.2 million photos, makes of the sidebar's
picture: its top-5 classes, where it sees the chosen class (Grad-CAM), its feature maps, and which sample pictures
it finds similar, against pixels. Offline, the page says what it needs and keeps what works without it.

The network comes from ``ui.backbone_weights`` (shared, never hooked); every number from ``ui.cached.pretrained``
(each one ``explorer.deep`` or ``explorer.interpret`` call); the snippet from ``ui.pretrained_code``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.deep import backbone
from ui import backbone_weights, common, images, pretrained_code, urlstate
from ui.cached import pretrained as cached

TOP = -1  # the class to explain: "the network's top class"
DEFAULT_LAYERS = ["conv1", "fire3", "fire6", "fire9"]
TARGET_KEY = "pretrained.target"
SEARCH_KEY = "pretrained.search"
LAYERS_KEY = "pretrained.layers"
CAM_KEY = "pretrained.cam"
# Grad-CAM's layers: the class maps (what the scores are averages of), or a fire module (finer, less direct).
CAM_LAYERS = {
    "class maps": backbone.CLASS_MAPS_LAYER,
    **{name: backbone.LAYERS[name] for name in ("fire9", "fire7", "fire5")},
}
NEIGHBOURS = 3


def _layers(text: str) -> list[str]:
    names = [name for name in text.split(",") if name]
    if any(name not in backbone.LAYERS for name in names) or len(set(names)) != len(names):
        raise ValueError(f"expected layer names from {', '.join(backbone.LAYERS)}, each once; got {text!r}")
    return names


PARAMS = (
    urlstate.Param("class", TARGET_KEY, TOP, parse=urlstate.int_in(TOP, 999)),
    urlstate.Param("layers", LAYERS_KEY, DEFAULT_LAYERS, parse=_layers, format=",".join),
    urlstate.Param("cam", CAM_KEY, "class maps", parse=urlstate.one_of(tuple(CAM_LAYERS))),
)

st.title("A pretrained network")
st.markdown(
    f"The networks on the other pages learned from a few thousand small pictures. This one, **{backbone.TITLE}**, "
    "learned from 1.2 million photos of 1,000 kinds of things (ImageNet): dogs, cars, mushrooms, keyboards. Show "
    "it the picture chosen in the sidebar (a sample, your upload or a camera photo) and see what it says, where "
    "it looks, what its layers compute and which pictures it finds alike."
)
urlstate.restore("pretrained", PARAMS)
picture = images.current_rgb()
image_id = images.image_id()
model = backbone_weights.model_or_notice(key="pretrained")
weights = cached.token() if model is not None else ""

# ------------------------------------------------------------------------------------------------ what it says
st.subheader("What the network says")
if model is None:
    st.markdown(
        "With its weights, this part shows the five ImageNet classes the network finds most likely for your "
        "picture with their probabilities, and a heat map of where in the picture it sees the class you choose "
        "(any of the five, or any of the 1,000 by name). The network itself, its layers and their channels:"
    )
    st.dataframe(
        pd.DataFrame(
            {
                "layer": list(backbone.LAYERS),
                "index in the network": list(backbone.LAYERS.values()),
                "channels": list(cached.layer_channels().values()),
            }
        ),
        hide_index=True,
    )
    st.session_state.setdefault(TARGET_KEY, TOP)
else:
    with common.user_errors():
        image = cached.network_input(image_id, picture)
        probabilities = cached.probabilities(weights, image_id, model, image)
    names = backbone.categories()
    top5 = cached.top_classes(probabilities)
    search_column, class_column = st.columns(2, gap="medium")
    query = search_column.text_input(
        "Find any ImageNet class by name",
        key=SEARCH_KEY,
        placeholder="e.g. tabby, sports car, espresso",
        max_chars=40,
    )
    found = cached.search(query) if query else []
    if query and not found:
        search_column.caption(f"No ImageNet class name contains “{common.plain(query.strip())}”.")
    current = st.session_state[TARGET_KEY]
    options = list(dict.fromkeys([TOP, *top5, *found, *([current] if current != TOP else [])]))
    class_column.selectbox(
        "Explain the class",
        options,
        key=TARGET_KEY,
        format_func=lambda c: (
            f"the top class ({names[top5[0]]})" if c == TOP else f"{names[c]} ({probabilities[c]:.1%})"
        ),
        help="The top five, then the classes your search found.",
    )
    target = top5[0] if st.session_state[TARGET_KEY] == TOP else int(st.session_state[TARGET_KEY])
    seen_column, table_column, cam_column = st.columns([1.0, 1.15, 1.0], gap="medium")
    seen_column.image(
        cached.seen_png(image_id, image),
        width=cached.PICTURE_PX,
        caption=f"What the network sees: {image.shape[1]}×{image.shape[2]} px",
    )
    with table_column:
        st.dataframe(
            pd.DataFrame({"class": [names[i] for i in top5], "probability": [float(probabilities[i]) for i in top5]}),
            hide_index=True,
            column_config={
                # a long class name ("black and gold garden spider") must not push the probability out of sight
                "class": st.column_config.TextColumn("class", width="small"),
                "probability": st.column_config.ProgressColumn("probability", format="percent", min_value=0.0),
            },
        )
        st.caption(f"The top five of 1,000 classes; together {sum(probabilities[i] for i in top5):.0%}.")
    cam_layer = cam_column.selectbox(
        "Grad-CAM on",
        list(CAM_LAYERS),
        key=CAM_KEY,
        help="The class maps are what the scores are averages of: coarse, but exactly the score's make-up. A fire "
        "module's maps are finer (fire5's are twice as big), but say less directly what made the score.",
    )
    with common.user_errors():
        cam = cached.grad_cam_png(weights, image_id, target, CAM_LAYERS[cam_layer], model, image)
    cam_column.image(
        cam, width=cached.PICTURE_PX, caption=f"Grad-CAM: where it sees “{names[target]}” ({probabilities[target]:.1%})"
    )

# ------------------------------------------------------------------------------------------------ feature maps
st.subheader("Inside the network: feature maps")
chosen_layers = st.multiselect(
    "Layers",
    list(backbone.LAYERS),
    key=LAYERS_KEY,
    placeholder="Choose one or more layers",
    help="conv1 is the first convolution; each fire module squeezes its input with 1×1 filters, then expands it "
    "with 1×1 and 3×3 filters side by side.",
)
urlstate.publish(PARAMS)
if model is None:
    st.caption(
        "With the weights, each chosen layer shows its first feature maps for your picture: edges and colours in "
        "conv1, textures in the middle, object parts in fire9 (smaller maps, many more channels)."
    )
elif chosen_layers:
    with common.user_errors():
        maps = cached.feature_maps(weights, image_id, model, image)
    for layer in chosen_layers:
        values = maps[backbone.LAYERS[layer]]
        channels, rows, cols = values.shape
        st.image(
            cached.layer_grid_png(weights, image_id, layer, values),
            caption=f"{layer}: the first {min(channels, cached.SHOWN_MAPS)} of {channels} maps, {rows}×{cols} each",
            width=cached.GRID_WIDTH_PX,
        )
    st.caption(
        "White is 0, red positive, blue negative; one scale per layer, so a pale map is a channel that found "
        "little. conv1's maps are shown before its ReLU (so they have negative values); a fire module ends in "
        "ReLUs, so its maps never do."
    )
else:
    st.info("Choose at least one layer above.")

# ------------------------------------------------------------------------------------------------ neighbours
st.subheader("Which sample pictures are alike? Deep features versus pixels")
st.markdown(
    "Two ways to measure how alike two pictures are, on the app's built-in samples. **Pixels**: shrink both to "
    "32×32 and compare the colours place by place. **Deep features**: compare the 512 numbers fire9 gives, each "
    "the average strength of one pattern the network learned, wherever it is in the picture. Both use cosine "
    "similarity (1: same direction)."
)
with common.user_errors():
    if model is not None:
        by_deep, by_pixels = cached.nearest(weights, image_id, NEIGHBOURS, model, picture)
    else:
        by_deep, by_pixels = [], cached.nearest_by_pixels(image_id, NEIGHBOURS, picture)
deep_column, pixel_column = st.columns(2, gap="large")
for column, title, matches in ((deep_column, "By deep features", by_deep), (pixel_column, "By pixels", by_pixels)):
    with column:
        st.markdown(f"**{title}**")
        if matches:
            st.image(
                [cached.thumbnail_png(m.name) for m in matches],
                caption=[f"{m.name} · {m.similarity:.2f}" for m in matches],
                width=cached.THUMB_PX,
            )
        else:
            st.caption("Needs the network's weights (see above).")

# ------------------------------------------------------------------------------------------------ transfer
st.subheader("Use it on your own pictures: transfer learning")
st.markdown(
    "The features fire9 computes were learned from a million photos, yet they are useful far beyond ImageNet's "
    "classes. Keep the network frozen, and train only a new last layer on its features for *your* classes: a few "
    "dozen pictures per class and a few seconds on a CPU are often enough, where a small network trained from "
    "scratch needs far more pictures."
)
st.page_link(
    "app_pages/train.py",
    label="Train a CNN on your own pictures, starting from the pretrained backbone",
    query_params={"data": "own", "pretrained": "1"},
)

# ------------------------------------------------------------------------------------------------ explanation
st.subheader("What is going on")
st.markdown(
    """
- **Top-5.** The last layer gives one score per class; the softmax turns the 1,000 scores into probabilities.
  ImageNet has no "person" or "astronaut" class, so for a photo of one the network names the closest things it
  knows (a suit, a space shuttle…). It can only choose among the classes it was trained on.
- **Grad-CAM.** SqueezeNet has no fully connected layer: its last convolution makes one small map per class, and
  the class's score is that map's average. Grad-CAM on that layer shows where the map is positive, enlarged to
  the picture: coarse (one cell is about 17 pixels here) but it is exactly what the score is made of.
- **Feature maps.** Early maps are big and look like the picture (edges, colours). Every pooling halves them,
  while the number of channels grows from 64 to 512: deep layers say *what* is there more than *where*.
- **Deep features versus pixels.** Pixels find pictures with the same light and colours in the same places;
  deep features find pictures with the same things in them, even when the colours differ.
"""
)
common.check_yourself(
    "You show the network a photo of your cat, and its top class is “tabby” at 35 %. Then you show it a photo "
    "of a person. Why does it still name five classes, and why can't it answer “person”?",
    "The softmax always shares 100 % among the 1,000 classes it was trained on, whatever the picture: it cannot "
    "say “none of these”. ImageNet's classes have no “person”, so it names what looks most similar (clothes, "
    "objects in the picture). To recognise your own classes, train a new last layer on its features "
    "(transfer learning, on the Train page).",
    key="pretrained.check",
)
common.show_code(
    pretrained_code.code(
        image_id=image_id,
        pretrained=model is not None,
        target=None if st.session_state[TARGET_KEY] == TOP else int(st.session_state[TARGET_KEY]),
        cam_layer=CAM_LAYERS[str(st.session_state.get(CAM_KEY, "class maps"))],
        layers=chosen_layers,
        size=cached.SIZE,
    )
)
