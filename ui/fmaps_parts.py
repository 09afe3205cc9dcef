"""The Feature maps page's parts: which kernel goes into conv1 (the Kernels page's, a preset, or typed), the
layer numbers the URL keeps, clicks on a grid of maps or filters, the top test patches of a channel, and the
"Show the code" snippet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import streamlit as st

from explorer.core import mosaic
from explorer.images import kernels
from ui import common, inspect_jobs, inspect_worker, snippets
from ui.cached import feature_maps as cached
from ui.inspect_model import Inspected

# Where the kernel put into conv1 comes from.
SOURCES = {"kernels": "The Kernels page's kernel", "preset": "A preset", "typed": "Type one"}
SOURCE_KEY = "fmaps.kernel_source"
PRESET_KEY = "fmaps.preset"
TEXT_KEY = "fmaps.kernel_text"
DEFAULT_PRESET = "sobel x"
TOP_K = 9  # Zeiler & Fergus's grid of nine; nine columns whatever the count, so patches keep one size
SEARCH_LABEL = "Searching the test set"
DEFAULT_TEXT = "1,0,-1;2,0,-2;1,0,-1"
# The Kernels page's last kernel that parsed (rows of floats) and its "Normalise by the sum" toggle
# (ui.kernel_grid.GOOD_KEY; app_pages/kernels.py). Read only: this page never changes the Kernels page's state.
KERNELS_GOOD_KEY = "kernels.good"
KERNELS_NORMALIZE_KEY = "kernels.normalize"
KERNEL_CELL_PX = 52  # a kernel table's column: "-0.111" fits


@contextmanager
def not_for_this_network(what: str) -> Iterator[None]:
    """Run a section's calls; a ``ValueError`` (a network this part can't handle: a receptive field that can't
    be traced, a padding the Kernels page has no match for) becomes a note, and the rest of the page goes on."""
    try:
        yield
    except ValueError as error:
        st.info(f"{what} is not available for this network: {common.plain(error)}.")


def clicked_cell(click: dict, *, cell: tuple[int, int], gap: int, columns: int, count: int, width: int) -> int | None:
    """The position of the map or filter under a ``streamlit_image_coordinates`` click on a grid picture ``width``
    pixels wide whose cells are ``cell`` pixels, ``gap`` apart (the browser may draw it narrower: the click's
    ``width`` says how wide it was drawn); None on a gap."""
    scale = click["width"] / width if click.get("width") else 1.0
    return mosaic.cell_at(
        float(click["x"]), float(click["y"]), cell=cell, gap=gap, columns=columns, count=count, scale=scale
    )


def show_top_patches(inspected: Inspected, layer: str, channel: int) -> None:
    """The :data:`TOP_K` test pictures that excite ``channel`` of ``layer`` most, cut at its receptive field;
    computed in the server for small test sets, by a worker for big ones (it shows its progress meanwhile)."""
    st.markdown(f"**What excites this channel most in the test set** ({common.plain(layer)}, channel {channel})")
    test, trained = inspected.test, inspected.trained
    if test is None:
        st.info("This network's test set is not known, so there are no test pictures to search.")
        return
    token = trained.token
    test_key = f"{token} {test.name}"
    top_k = min(TOP_K, len(test))
    top: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    with not_for_this_network("Searching the test set"):
        if cached.in_server(test.images):
            top = cached.top_patches(token, test_key, layer, channel, top_k, trained.model, test.images)
        else:
            call = inspect_worker.Call(
                "activations.top_patches",
                key=("fmaps top", token, test_key, layer, channel, top_k),
                model=cached.model_ref(token, trained),
                args=(test.images,),
                kwargs={"layer": layer, "channel": channel, "k": top_k},
            )
            top, view = inspect_jobs.result(call, label=SEARCH_LABEL)
            if view is not None:
                inspect_jobs.wait(call, view, label=SEARCH_LABEL)
    if top is None:
        return
    indices, boxes, strongest = top
    pictures = cached.patch_pictures(token, test_key, layer, channel, test.images, indices, boxes)
    size = int(boxes[:, 2:].max())
    st.caption(
        f"The {top_k} test pictures in which this channel's strongest unit is highest, cut to the {size}×{size} "
        "pixels that unit sees (its receptive field; cut smaller at the picture's border)."
    )
    for column, picture, index, value in zip(st.columns(TOP_K), pictures, indices, strongest):
        column.image(picture, caption=f"#{int(index)} · {float(value):.3g}")


def typed_param(text: str) -> str:
    """URL parser of a typed kernel: one that :func:`explorer.images.kernels.from_text` reads, as it writes it."""
    return kernels.to_text(kernels.from_text(text))


def layer_number(name: str) -> int:
    """``"7. maxpool 2"`` -> 7: the number :func:`explorer.interpret.activations.layer_names` starts a name with."""
    return int(name.split(".", 1)[0])


def kernels_page_kernel() -> np.ndarray | None:
    """The kernel the Kernels page applies (normalised when its toggle is on and it can be), or None when the
    Kernels page has not been opened in this session."""
    rows = st.session_state.get(KERNELS_GOOD_KEY)
    if not rows:
        return None
    kernel = np.array(rows, dtype=np.float32)
    if st.session_state.get(KERNELS_NORMALIZE_KEY, True) and kernels.normalize_refusal(kernel) is None:
        return kernels.normalize(kernel)
    return kernel


def choose_kernel(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Draw the kernel's source and return ``(kernel as given, kernel fitted to conv1's shape, where from)``;
    None when a typed kernel can't be read (the page has said why)."""
    from_kernels = kernels_page_kernel()
    sources = [source for source in SOURCES if source != "kernels" or from_kernels is not None]
    if st.session_state.get(SOURCE_KEY) not in sources:
        st.session_state[SOURCE_KEY] = "preset"
    source = st.radio("Kernel", sources, key=SOURCE_KEY, format_func=SOURCES.get, horizontal=True)
    if from_kernels is None:
        st.caption("Build a kernel on the Kernels page and it is offered here too.")
    if source == "kernels":
        assert from_kernels is not None
        given, origin = from_kernels, "the Kernels page's kernel"
    elif source == "preset":
        name = st.selectbox("Preset", list(kernels.PRESETS), key=PRESET_KEY)
        given, origin = kernels.preset(name), f"the preset {name}"
    else:
        text = st.text_input(
            "Rows separated by ; and numbers by , (fractions such as 1/9 work too)", key=TEXT_KEY, max_chars=400
        )
        try:
            given = kernels.from_text(text)
        except ValueError as error:
            st.error(f"That kernel can't be read: {common.plain(error)}")
            return None
        origin = "your typed kernel"
    rows, cols = shape
    fitted = given if given.shape == shape else kernels.resize(given, rows=rows, cols=cols)
    return given, fitted, origin


def show_kernel(kernel: np.ndarray) -> None:
    """The kernel as a small table of numbers, narrow enough for a 5 × 5 kernel in a third of the page; whole
    numbers as they are, others with three decimals (learned weights are mostly below 1)."""
    import pandas as pd

    rows, cols = kernel.shape
    frame = pd.DataFrame(kernel, columns=[str(j + 1) for j in range(cols)], index=[str(i + 1) for i in range(rows)])
    places = "%.0f" if np.all(kernel == np.round(kernel)) else "%.3f"
    config = {str(j + 1): st.column_config.NumberColumn(width=KERNEL_CELL_PX, format=places) for j in range(cols)}
    st.dataframe(frame, column_config=config, width="content", hide_index=True)


def _model_lines(kind: str, input_shape: tuple[int, int, int]) -> str:
    if kind in ("digits", "shapes"):
        return (
            f'model = checkpoints.load_default("{kind}").model\n'
            f'test = recipes.RECIPES["{kind}"].data()[1]  # the test set it was measured on\n'
        )
    shape = ", ".join(str(side) for side in input_shape)
    return (
        "# Your own network: save it on the Train page (Download) and read the file\n"
        'model = checkpoints.load_checkpoint(open("model.safetensors", "rb").read()).model\n'
        f"test = None  # its test set, as a Dataset of ({shape}) images, if you have it\n"
    )


def code(
    *,
    kind: str,
    input_shape: tuple[int, int, int],
    style: str,
    input_key: str,
    picker_id: str,
    layer: str,
    channel: int,
    swap_index: int,
    kernel: np.ndarray,
    pick: int,
) -> str:
    """The page's computations as notebook code for its current state."""
    lines = [
        "from explorer.images import imageio, kernels, samples",
        "from explorer.interpret import activations, edge_filters",
        "from explorer.nets import checkpoints, predict_one, recipes",
    ]
    source, _, rest = input_key.partition(":")
    lines.append("")
    lines.append(_model_lines(kind, input_shape).rstrip("\n"))
    # The sidebar's picture (or a file of your own) made into the network's input, as the page does it.
    picture_id = rest if source == "picker" else (picker_id if source == "test" else "upload:your picture")
    load = snippets.load_lines(picture_id).replace("image = ", "picture = ", 1)
    prepare = f'predict_one.prepare_picture(picture, {tuple(input_shape)}, style="{style}")'
    if source == "test":
        lines.append(f"image = test.images[{int(rest)}]  # (C, H, W) float32, the network's input")
        lines += ["# or the sidebar's picture, made into the network's input:", load, f"from_picture = {prepare}"]
    else:
        lines += [load, f"image = {prepare}  # (C, H, W) float32, the network's input"]
    kernel_text = kernels.to_text(kernel)
    lines += [
        "",
        "maps = activations.feature_maps(model, image)  # layer name -> (C, H, W) float32",
        "for name, values in maps.items():",
        '    print(f"{name}: {values.shape}, min {values.min():.3g}, max {values.max():.3g}")',
        f"one_map = maps[{layer!r}][{channel}]",
        "",
        "filters = activations.conv1_filters(model)  # (F, C, kh, kw)",
        "spectra = activations.filter_spectra(model, size=32)  # (F, C, 32, 32), zero frequency in the centre",
        "",
    ]
    if kind in ("digits", "shapes"):
        lines += [
            "# The 9 test images whose strongest unit of this channel is highest, and the pixels that unit sees",
            f"indices, boxes, strongest = activations.top_patches(model, test.images, layer={layer!r}, "
            f"channel={channel}, k=9)",
            "patches = [test.images[i, :, t : t + h, l : l + w] for i, (t, l, h, w) in zip(indices, boxes)]",
            "",
        ]
    rows, cols = kernel.shape
    lines += [
        f'kernel = kernels.from_text("{kernel_text}")  # ({rows}, {cols}), conv1\'s size',
        f"swapped = activations.replace_filter(model, {swap_index}, kernel)  # a copy; model is unchanged",
        "before = predict_one.class_probabilities(model, image)",
        "after = predict_one.class_probabilities(swapped, image)",
    ]
    if kind in ("digits", "shapes"):
        lines.append(
            f"accuracy = activations.swapped_accuracy(model, test.images, test.labels, index={swap_index}, "
            "kernel=kernel)"
        )
    lines += [
        "",
        "vertical, horizontal = edge_filters.edge_responses(filters)  # each filter's answer to a step edge",
        f"print(edge_filters.grade_vertical_edge(filters, {pick}).feedback)",
    ]
    return "\n".join(lines)
