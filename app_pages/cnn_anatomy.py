"""CNN anatomy: output sizes, receptive fields, a network's layer-by-layer summary, and why convolutions
find a pattern wherever it is."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explorer.nets import architecture, receptive, translation
from ui import common, torch_runtime, urlstate
from ui.cached import cnn_anatomy as cached

NONE = "none"
LAYER_OPTIONS = (*receptive.LAYER_CHOICES, NONE)
DEFAULT_STACK = ("conv3", "conv3", "pool2", "conv3")
STACK_DEPTH = len(DEFAULT_STACK)
# The grid is drawn cell by cell: 8 cells is the least that shows a stack, 40 still has visible cells.
GRID_RANGE = (8, 40)
# The calculator's input: up to a 64-pixel side keeps the numbers easy to follow by hand.
MAX_SIZE = 64
POOL_CHOICES = (0, 2, 3)
INPUTS = {
    "cifar": ("CIFAR-10 photos, 32×32×3", (3, 32, 32)),
    "mnist": ("MNIST digits, 28×28×1", (1, 28, 28)),
    "lenet": ("LeNet's padded digits, 32×32×1", (1, 32, 32)),
    "explainer": ("CNN Explainer, 64×64×3", (3, 64, 64)),
}
NUM_CLASSES = 10
SEED = 0


def _pool(text: str) -> int:
    return int(urlstate.one_of(tuple(str(p) for p in POOL_CHOICES))(text))


PARAMS = (
    urlstate.Param("size", "anatomy.size", 28, parse=urlstate.int_in(1, MAX_SIZE)),
    urlstate.Param("kernel", "anatomy.kernel", 3, parse=urlstate.int_in(1, receptive.MAX_KERNEL)),
    urlstate.Param("padding", "anatomy.padding", 0, parse=urlstate.int_in(0, receptive.MAX_PADDING)),
    urlstate.Param("stride", "anatomy.stride", 1, parse=urlstate.int_in(1, receptive.MAX_STRIDE)),
    urlstate.Param("dilation", "anatomy.dilation", 1, parse=urlstate.int_in(1, receptive.MAX_DILATION)),
    urlstate.Param("pool", "anatomy.pool", 0, parse=_pool),
    *(
        urlstate.Param(f"l{i + 1}", f"anatomy.layer{i + 1}", DEFAULT_STACK[i], parse=urlstate.one_of(LAYER_OPTIONS))
        for i in range(STACK_DEPTH)
    ),
    urlstate.Param("grid", "anatomy.grid", 16, parse=urlstate.int_in(*GRID_RANGE)),
    urlstate.Param("arch", "anatomy.arch", "tf_cnn", parse=urlstate.one_of(architecture.PRESETS)),
    urlstate.Param("input", "anatomy.input", "cifar", parse=urlstate.one_of(tuple(INPUTS))),
    urlstate.Param("shift", "anatomy.shift", 0, parse=urlstate.int_in(-translation.MAX_SHIFT, translation.MAX_SHIFT)),
)

st.title("CNN anatomy")
st.markdown(
    "A convolutional network is a stack of a few kinds of layers. This page takes it apart: how big each "
    "layer's output is, how much of the image one unit of a deep layer can see, where a network keeps its "
    "parameters, and why a convolution finds a pattern wherever it appears while a dense layer does not."
)
urlstate.restore("anatomy", PARAMS)

# ----------------------------------------------------------------------------------- output size
st.subheader("How big is the output?")
st.markdown(
    "A layer that slides a window (a convolution or a pooling) produces one output per window position. "
    "Count the positions along one side and you have the output size; the same count applies to rows and "
    "columns."
)
inputs, result = st.columns([1.3, 1.0], gap="large")
with inputs:
    first, second, third = st.columns(3)
    size = first.number_input("Input size (pixels a side)", 1, MAX_SIZE, step=1, key="anatomy.size")
    kernel = second.number_input("Kernel", 1, receptive.MAX_KERNEL, step=1, key="anatomy.kernel")
    padding = third.number_input("Padding", 0, receptive.MAX_PADDING, step=1, key="anatomy.padding")
    stride = first.number_input("Stride", 1, receptive.MAX_STRIDE, step=1, key="anatomy.stride")
    dilation = second.number_input(
        "Dilation",
        1,
        receptive.MAX_DILATION,
        step=1,
        key="anatomy.dilation",
        help="Gaps between the kernel's cells: dilation 2 spreads a 3×3 kernel over 5×5 pixels.",
    )
    pool = third.selectbox(
        "Then pool",
        POOL_CHOICES,
        key="anatomy.pool",
        format_func=lambda p: "no pooling" if p == 0 else f"{p}×{p}, stride {p}",
    )
with result:
    # A calculator mistake (a kernel bigger than the input) is shown here and must not stop the rest of the
    # page, so this section catches its own ValueError instead of ui.common.user_errors (which stops).
    try:
        conv_size = receptive.conv_output_size(size, kernel=kernel, padding=padding, stride=stride, dilation=dilation)
        st.markdown(
            "**Convolution:** ⌊(input + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1  \n"
            + receptive.output_size_formula(size, kernel=kernel, padding=padding, stride=stride, dilation=dilation)
        )
        final = conv_size
        if pool:
            final = receptive.conv_output_size(conv_size, kernel=pool, stride=pool)
            st.markdown(
                "**Pooling** (same formula, no padding): "
                + receptive.output_size_formula(conv_size, kernel=pool, stride=pool)
            )
        st.metric("Output size", f"{final} × {final}")
    except ValueError as error:
        st.error(f"No output: {error}.")

# ------------------------------------------------------------------------------- receptive field
st.subheader("What one unit sees")
st.markdown(
    "Pick a small stack of layers. Each picture is the input grid; the red cells are the input pixels that "
    "can change the **centre unit** of that layer's output: its *receptive field*. Every 3×3 convolution "
    "adds two pixels to it, a pooling with stride 2 doubles how fast later layers make it grow."
)
pickers = st.columns(STACK_DEPTH + 1)
for index, column in enumerate(pickers[:STACK_DEPTH]):
    column.selectbox(
        f"Layer {index + 1}",
        LAYER_OPTIONS,
        key=f"anatomy.layer{index + 1}",
        format_func=lambda code: "(none)" if code == NONE else receptive.LAYER_CHOICES[code].label,
    )
grid = pickers[STACK_DEPTH].slider("Input grid (pixels a side)", *GRID_RANGE, key="anatomy.grid")
codes = tuple(st.session_state[f"anatomy.layer{i + 1}"] for i in range(STACK_DEPTH))
codes = tuple(code for code in codes if code != NONE)
if not codes:
    st.info("Choose at least one layer to see a receptive field.")
else:
    try:
        view = cached.stack_view(codes, grid)
    except ValueError as error:
        view = None
        st.error(f"This stack does not fit a {grid}×{grid} input: {error}. Make the grid bigger or drop a layer.")
    if view is not None:
        for index, column in enumerate(st.columns(STACK_DEPTH)[: len(codes)]):
            field, jump, _ = view.fields[index]
            column.image(
                view.pictures[index],
                caption=(
                    f"After layer {index + 1} ({view.labels[index]}): output {view.sizes[index]}×{view.sizes[index]}, "
                    f"unit ({view.units[index]}, {view.units[index]}) sees {field}×{field} pixels"
                ),
                output_format="PNG",
            )
        st.dataframe(
            pd.DataFrame(
                {
                    "layer": [f"{i + 1}. {label}" for i, label in enumerate(view.labels)],
                    "output size": view.sizes,
                    "receptive field": [f"{f[0]}×{f[0]}" for f in view.fields],
                    "jump (input pixels between neighbours)": [f[1] for f in view.fields],
                }
            ),
            hide_index=True,
        )

# ------------------------------------------------------------------------------------ a network
st.subheader("A whole network, layer by layer")
st.markdown(
    "The table is what Keras prints with `model.summary()`: every layer's output shape (height × width × "
    "channels) and how many numbers it learns. A convolution learns `filters × (kernel² × input channels + 1)` "
    "numbers, however big the image; a dense layer learns `(inputs + 1) × units`, so it grows with the image."
)
left, right = st.columns(2)
arch = left.selectbox("Network", architecture.PRESETS, key="anatomy.arch", format_func=architecture.PRESET_TITLES.get)
input_key = right.selectbox("Input", tuple(INPUTS), key="anatomy.input", format_func=lambda k: INPUTS[k][0])
try:
    title, rows, fields = cached.network_summary(arch, INPUTS[input_key][1], NUM_CLASSES)
except ValueError as error:
    rows = None
    st.error(f"{architecture.PRESET_TITLES[arch]} does not fit {INPUTS[input_key][0]}: {error}.")
if rows is not None:
    total = sum(row.params for row in rows)
    dense_params = sum(row.params for row in rows if row.kind == "dense")
    st.dataframe(
        pd.DataFrame(
            {
                "layer": [f"{i + 1}. {row.name}" for i, row in enumerate(rows)],
                "output shape": [architecture.format_shape(row.output_shape) for row in rows],
                "params": [f"{row.params:,}" for row in rows],
                "receptive field": ["whole image" if f is None else f"{f}×{f}" for f in fields],
            }
        ),
        hide_index=True,
        height="content",
    )
    metrics = st.columns(3)
    metrics[0].metric("Total parameters", f"{total:,}")
    metrics[1].metric("In dense layers", f"{dense_params:,}")
    metrics[2].metric("Share in dense layers", f"{dense_params / total:.0%}")

# -------------------------------------------------------------------------- dense vs convolution
st.subheader("Dense versus convolution: move the eye")
st.markdown(
    "Two one-unit detectors were trained on the same pictures, always with the eye (a ring with a pupil) in "
    "the middle of a 28×28 canvas. The **dense** unit has one weight per pixel and gives one number per "
    "picture. The **conv** unit has one 5×5 filter that it slides everywhere, giving one number per position. "
    "Move the eye and compare."
)
torch_runtime.configure()
shift = st.slider(
    "Move the eye right (pixels; negative moves it left)",
    -translation.MAX_SHIFT,
    translation.MAX_SHIFT,
    key="anatomy.shift",
)
urlstate.publish(PARAMS)
eye = cached.eye_view(SEED, shift)
curve = cached.shift_curve(SEED)
pictures = st.columns(4)
pictures[0].image(eye.canvas_picture, caption=f"Input: the eye moved {shift:+d} px", output_format="PNG")
pictures[1].image(
    eye.dense_weights_picture,
    caption="Dense weights (red positive, blue negative): a template glued in place",
    output_format="PNG",
)
pictures[2].image(
    eye.conv_kernel_picture, caption="Conv filter, 5×5: the same template, used everywhere", output_format="PNG"
)
pictures[3].image(
    eye.conv_map_picture,
    caption=f"Conv response map: brightest at row {eye.conv_peak_at[0]}, column {eye.conv_peak_at[1]}",
    output_format="PNG",
)
numbers = st.columns(3)
numbers[0].metric("Dense response", f"{eye.dense:.3f}")
numbers[1].metric("Conv response (peak of the map)", f"{eye.conv_peak:.3f}")
numbers[2].metric("Conv peak column", f"{eye.conv_peak_at[1]}", help="The eye's centre column is 14 + the shift.")
figure = go.Figure()
figure.add_scatter(x=curve.shifts, y=curve.dense, mode="lines+markers", name="dense response", line_color="#d95f02")
figure.add_scatter(
    x=curve.shifts, y=curve.conv_peak, mode="lines+markers", name="conv response (peak)", line_color="#1b6ca8"
)
figure.add_vline(x=shift, line_dash="dot", line_color="gray")
figure.update_layout(
    xaxis_title="shift of the eye (pixels)",
    yaxis_title="response",
    yaxis_range=[-0.05, 1.05],
    height=320,
    margin=dict(l=10, r=10, t=30, b=10),
    legend=dict(orientation="h", y=1.12),
)
st.plotly_chart(figure, key="anatomy.curve_chart")

# ----------------------------------------------------------------------------------- explanation
st.subheader("What is going on")
st.markdown(
    """
- **Sizes.** Without padding, a k×k kernel loses k − 1 pixels per side length; padding of (k − 1)/2 on each
  side keeps the size ("same"). A stride of 2 or a 2×2 pooling halves it. The TensorFlow tutorial network
  goes 32 → 30 → 15 → 13 → 6 → 4 that way.
- **Receptive fields.** One unit of layer 1 sees a kernel-sized patch. A unit of layer 2 sees a patch of
  layer-1 units, each of which sees its own patch, so the field grows with depth; after a stride or a pooling
  each step of the later kernel jumps several input pixels, so the field grows faster. That is how deep units
  come to respond to whole objects although every kernel is tiny.
- **Parameters.** A convolution reuses its few weights at every position (*weight sharing*), so its count
  doesn't depend on the image size. Dense layers connect everything to everything: in most small CNNs they
  hold most of the parameters (the first dense layer of the TensorFlow network has 65,600 of its 122,570).
- **Translation.** Because the same filter is applied at every position, moving the input moves the conv
  response map by the same amount (*translation equivariance*); its maximum stays the same. A dense unit has
  a separate weight for every pixel: it learned what the eye looks like *at one place* and has to learn it
  again for every other place.
"""
)
common.check_yourself(
    "Two 3×3 convolutions (stride 1) are stacked. How many input pixels does one unit of the second layer see, "
    "and how does that compare with a single 5×5 convolution on C input channels and C filters?",
    "It sees **5×5** pixels: each of the 3×3 layer-1 units it reads sees 3×3, and neighbours overlap, so "
    "1 + 2 + 2 = 5. The single 5×5 layer sees the same area with 25·C² weights; the two 3×3 layers need "
    "2·9·C² = 18·C² and add a non-linearity in between, which is why VGG-style networks stack 3×3 kernels.",
    key="anatomy.check",
)
common.show_code(
    f"""from explorer.nets import architecture, receptive, translation

# Output size of one layer
receptive.conv_output_size({size}, kernel={kernel}, padding={padding}, stride={stride}, dilation={dilation})

# Receptive fields of a stack: (size, jump, start) after each layer, and the mask of one unit
layers = [receptive.LAYER_CHOICES[code] for code in {codes!r}]
receptive.receptive_field(layers)
unit = receptive.centre_unit(layers, input_size={grid})
receptive.receptive_mask(layers, input_size={grid}, row=unit, col=unit)

# A network: the Keras-like summary, and the same network in PyTorch
spec = architecture.preset({arch!r}, input_shape={INPUTS[input_key][1]!r}, num_classes={NUM_CLASSES})
rows = architecture.summary(spec)          # LayerRow(name, kind, output_shape, params)
model = architecture.build(spec, seed=0)  # torch.nn.Sequential, one module per row

# Dense versus convolution
found = translation.train(seed={SEED})
canvas = translation.place(translation.eye(), row=14, col=14 + {shift})
dense, conv_map = translation.responses(found, canvas)
curve = translation.shift_curve(found)
"""
)
