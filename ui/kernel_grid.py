"""The Kernels page's pieces: the editable kernel grid, the output-size formula, the worked example, the code.

The grid is a ``st.data_editor`` of text cells over a *base* kernel, a :class:`ui.versioned_editor.VersionedEditor`:
loading a preset, resizing or restoring a link sets a new base, which gives a fresh editor. Every run parses
what the editor returns; a cell that isn't a number is reported by name and the last good kernel stays in use.

Cells are text columns on purpose: a user can type ``1/9`` or ``abc`` and get told which cell is wrong,
instead of the editor silently refusing the keystroke.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from explorer.core.grading import Grade
from explorer.images import convolution, kernels
from ui import snippets
from ui.versioned_editor import VersionedEditor

BASE_KEY = "kernels.base"  # tuple of rows of cell texts: what a fresh editor shows
VERSION_KEY = "kernels.version"  # bumped whenever the base changes
CELLS_KEY = "kernels.cells"  # the texts the editor returned last run (so edits survive a page switch)
GOOD_KEY = "kernels.good"  # the last kernel that parsed, as rows of floats
ROWS_KEY = "kernels.rows"
COLS_KEY = "kernels.cols"
EDITOR = VersionedEditor(prefix="_kernels.grid", version_key=VERSION_KEY, base_key=BASE_KEY, value_key=CELLS_KEY)

Cells = tuple[tuple[str, ...], ...]


def cell_text(value: float) -> str:
    """A kernel value as the shortest text that reads back to the same float32 (``0.11111111``, ``-2``);
    negative zero is written ``0``."""
    return np.format_float_positional(np.float32(value) + np.float32(0.0), trim="-")


def _fixed(value: float, places: int) -> str:
    """``value`` with ``places`` decimals, never ``-0.000`` (a tiny negative number rounds to a plain 0)."""
    return f"{round(float(value), places) + 0.0:.{places}f}"


def to_cells(kernel: np.ndarray) -> Cells:
    return tuple(tuple(cell_text(value) for value in row) for row in np.asarray(kernel))


def set_base(kernel: np.ndarray) -> None:
    """Show ``kernel`` in a fresh editor. Call from a callback or before the page's widgets are drawn."""
    kernel = np.asarray(kernel, dtype=np.float32)
    EDITOR.reset(to_cells(kernel))
    st.session_state[GOOD_KEY] = tuple(tuple(float(v) for v in row) for row in kernel)
    st.session_state[ROWS_KEY], st.session_state[COLS_KEY] = kernel.shape


def keep_edits() -> None:
    """After a page switch the editor's edits are gone (Streamlit drops undrawn widgets); re-base on them.

    Call before the grid is drawn. On the editor's very first run the texts equal the base, so nothing moves.
    """
    EDITOR.keep_edits()


def good_kernel() -> np.ndarray:
    """The last kernel that parsed, ``(kh, kw) float32``."""
    return np.array(st.session_state[GOOD_KEY], dtype=np.float32)


def resize_to_widgets() -> None:
    """``on_change`` of the rows/cols inputs: the last good kernel, cropped or zero-padded to the new size;
    the preset box names the result (a preset's kernel made bigger is usually none of the presets)."""
    rows, cols = int(st.session_state[ROWS_KEY]), int(st.session_state[COLS_KEY])
    resized = kernels.resize(good_kernel(), rows=rows, cols=cols)
    set_base(resized)
    _name_in_box(resized)


def grid() -> tuple[np.ndarray, str | None]:
    """Draw the editor; return ``(kernel, error)``: the parsed kernel, or the last good one and the reason."""
    base = EDITOR.base()
    columns = [str(j) for j in range(len(base[0]))]
    frame = pd.DataFrame(list(base), columns=columns, index=[f"row {i + 1}" for i in range(len(base))])
    edited = EDITOR.draw(
        frame,
        num_rows="fixed",
        width="content",
        column_config={column: st.column_config.TextColumn(f"col {int(column) + 1}", width=60) for column in columns},
    )
    cells = tuple(tuple("" if v is None or v is pd.NA else str(v) for v in row) for row in edited.to_numpy())
    EDITOR.remember(cells)
    try:
        kernel = kernels.parse_kernel([list(row) for row in cells])
    except ValueError as error:
        return good_kernel(), str(error)
    st.session_state[GOOD_KEY] = tuple(tuple(float(v) for v in row) for row in kernel)
    return kernel, None


def describe(kernel: np.ndarray, applied: np.ndarray, *, normalize: bool) -> str:
    """One line under the grid: size, sum, and what normalising did (or that it is off)."""
    rows, cols = kernel.shape
    text = f"{rows} × {cols} kernel, its cells add up to {cell_text(kernel.sum(dtype=np.float64))}."
    if applied is not kernel:
        text += " Normalised: every cell is divided by that sum, so the kernel in use adds up to 1."
    elif not normalize:
        text += " Normalising is off: the kernel is used as typed."
    return text


# The preset box's entry for a kernel that is none of the presets (a link's own kernel, an edited preset).
CUSTOM = "custom"
PRESET_LABELS = {CUSTOM: "custom (not a preset)"}
PRESET_KEY = "kernels.preset"  # the preset box
# The last preset the box named (loaded from the box, a link or an edit equal to a preset): what "Reset" goes
# back to once an edit has turned the box to "custom". Absent while only a link's own kernel has been shown.
ORIGIN_KEY = "kernels.origin"


def link_preset(kernel: np.ndarray) -> str:
    """What the preset box shows for a kernel: the preset it equals, else :data:`CUSTOM`."""
    return kernels.matching_preset(kernel) or CUSTOM


def load_preset(name: str) -> None:
    """Show preset ``name`` in a fresh grid and in the box, and remember it for "Reset". Call from a callback
    or before the box is drawn."""
    set_base(kernels.preset(name))
    st.session_state[PRESET_KEY] = name
    st.session_state[ORIGIN_KEY] = name


def edited_cells() -> Cells:
    """The grid's texts with the editor's edits applied, readable before the grid is drawn this run.

    The editor keeps its edits in its session key as ``{"edited_rows": {row position: {column name: text}}}``
    (rows are fixed: none added or deleted); the columns are named ``"0"``, ``"1"``... (see :func:`grid`).
    """
    rows = [list(row) for row in EDITOR.base()]
    state = st.session_state.get(EDITOR.widget_key()) or {}
    for row, changes in (state.get("edited_rows") or {}).items():
        for column, value in changes.items():
            rows[int(row)][int(column)] = "" if value is None else str(value)
    return tuple(tuple(row) for row in rows)


def follow_edits() -> None:
    """When the grid was edited since the last run, name the kernel in the preset box: the preset it now
    equals, or :data:`CUSTOM`. Call before the box is drawn.

    Only an edit moves the box: picking "custom" by hand over a preset's kernel stays as chosen, and a cell
    that isn't a number leaves the box alone (the last kernel that worked is still in use).
    """
    cells = edited_cells()
    if cells == st.session_state.get(CELLS_KEY):
        return
    try:
        kernel = kernels.parse_kernel([list(row) for row in cells])
    except ValueError:
        return
    _name_in_box(kernel)


def _name_in_box(kernel: np.ndarray) -> None:
    name = link_preset(kernel)
    st.session_state[PRESET_KEY] = name
    if name != CUSTOM:
        st.session_state[ORIGIN_KEY] = name


# A kernel whose sum is beyond this makes flat areas this many times brighter: worth a hint to normalise.
BRIGHT_SUM = 1.5


def brightness_hint(kernel: np.ndarray) -> str | None:
    """A nudge to normalise when the kernel's sum makes the picture much brighter (the raw box blurs)."""
    total = float(kernel.sum(dtype=np.float64))
    if total <= BRIGHT_SUM:
        return None
    return (
        f"The cells add up to {total:g}, so a flat area comes out {total:g} times brighter and most of the "
        "picture turns white. Switch on “Normalise by the sum” to turn this into an average."
    )


# The kernel text a link opened the page with: it stays in the address bar while the kernel is unchanged, even
# when it equals a preset, so the page doesn't rewrite an instructor's link.
LINKED_KEY = "kernels.linked"


def link_text(kernel: np.ndarray, preset_name: str) -> str:
    """The kernel for the URL: empty when it is the selected preset unchanged (the preset name says it all),
    unless it is the kernel the page's link gave (:data:`LINKED_KEY`)."""
    text = kernels.to_text(kernel)
    if text == st.session_state.get(LINKED_KEY):
        return text
    try:
        unchanged = np.array_equal(kernel, kernels.preset(preset_name))
    except (KeyError, ValueError):
        unchanged = False
    return "" if unchanged else text


def show_output_size(image_shape: tuple[int, ...], kernel_shape: tuple[int, int], *, padding: str, stride: int) -> None:
    """The output size with the formula filled in with this image's numbers."""
    (top, bottom), (left, right) = convolution.padding_amounts(kernel_shape, padding=padding)
    lines = []
    for name, size, pads, k in (
        ("rows", image_shape[0], top + bottom, kernel_shape[0]),
        ("columns", image_shape[1], left + right, kernel_shape[1]),
    ):
        out = convolution.output_size(size, k, padding=padding, stride=stride)
        lines.append((name, size, pads, k, out))
    st.markdown(
        f"**Output size: {lines[0][4]} × {lines[1][4]}.** Along each side, "
        "⌊(input + padding − kernel) / stride⌋ + 1:\n\n"
        + "\n".join(
            f"- {name}: ⌊({size} + {pads} − {k}) / {stride}⌋ + 1 = **{out}**" for name, size, pads, k, out in lines
        )
    )


class EncodedImage:
    """Already-encoded image bytes for ``streamlit_image_coordinates``.

    The component accepts any object with ``save(buffer, format=..., ...)``; handing it cached bytes
    spares a PNG/JPEG encode of the whole image on every rerun.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data

    def save(self, buffer: Any, **_: Any) -> None:
        buffer.write(self.data)


def click_to_pixel(click: dict[str, Any], shape: tuple[int, ...]) -> tuple[int, int]:
    """The component's click (in displayed pixels) -> ``(row, col)`` of the image."""
    rows, cols = shape[:2]
    row = int(click["y"] * rows / max(click.get("height") or rows, 1))
    col = int(click["x"] * cols / max(click.get("width") or cols, 1))
    return min(max(row, 0), rows - 1), min(max(col, 0), cols - 1)


def clicked_pixel(shape: tuple[int, ...]) -> tuple[int, int]:
    """The stored click (``"kernels.click"``), clamped to this image; the centre before any click."""
    rows, cols = shape[:2]
    row, col = st.session_state.get("kernels.click", (rows // 2, cols // 2))
    return min(max(int(row), 0), rows - 1), min(max(int(col), 0), cols - 1)


def _table(values: np.ndarray, caption: str) -> None:
    st.markdown(caption)
    frame = pd.DataFrame(
        values, columns=[str(j + 1) for j in range(values.shape[1])], index=[str(i + 1) for i in range(values.shape[0])]
    )
    st.dataframe(
        frame,
        width="content",
        column_config={c: st.column_config.NumberColumn(format="%.3f", width=60) for c in frame.columns},
    )


# How many "pixel × weight" terms are written out before the rest is summarised as "…".
SHOWN_TERMS = 4


def equation(example: convolution.WorkedExample, kernel: np.ndarray) -> str:
    """``0.773 × (−1) + 0.772 × 0 + … (9 products) = 0.0177``: the first few terms of the sum, as text."""
    terms = []
    for pixel, weight in zip(example.patch.ravel()[:SHOWN_TERMS], kernel.ravel()[:SHOWN_TERMS]):
        shown = f"{float(weight) + 0.0:.3g}"  # + 0.0: a -0 weight is written 0
        terms.append(
            f"{_fixed(pixel, 3)} × {shown}" if not shown.startswith("-") else f"{_fixed(pixel, 3)} × ({shown})"
        )
    rest = kernel.size - len(terms)
    tail = f" + … ({rest} more)" if rest else ""
    return f"{' + '.join(terms)}{tail} = **{_fixed(example.total, 4)}**"


def show_sum(example: convolution.WorkedExample, kernel: np.ndarray, output: np.ndarray) -> None:
    """The sum of the products next to the output pixel it equals."""
    st.markdown("**The sum, written out**")
    st.markdown(equation(example, kernel))
    st.metric("Sum of the products", _fixed(example.total, 4))
    st.metric(
        f"Output pixel (row {example.out_row}, column {example.out_col})",
        _fixed(output[example.out_row, example.out_col], 4),
    )
    st.caption(
        f"The window's top-left corner is on input row {example.top}, column {example.left}. Negative "
        "numbers, or ones past the last row or column, mean the window hangs over the padding, and the "
        "patch holds padded values there."
    )


def show_tables(example: convolution.WorkedExample, kernel: np.ndarray) -> None:
    """Patch, kernel and products as number tables: side by side for small kernels, else one under another."""
    side_by_side = kernel.shape[1] <= 4
    places = st.columns(3, gap="medium") if side_by_side else [st.container() for _ in range(3)]
    for place, values, caption in zip(
        places,
        (example.patch, kernel, example.products),
        ("**Patch** (the image values under the window)", "**× Kernel**", "**= Products**, cell by cell"),
    ):
        with place:
            _table(values, caption)


def show_grade(grade: Grade) -> None:
    """A challenge's verdict and its feedback lines."""
    lines = [grade.feedback] if isinstance(grade.feedback, str) else list(grade.feedback)
    if grade.passed:
        st.success("Passed! " + " ".join(lines[:1]))
        lines = lines[1:]
    else:
        st.error("Not yet. " + " ".join(lines[:1]))
        lines = lines[1:]
    for line in lines:
        st.markdown(f"- {line}")


def code(
    *,
    kernel: np.ndarray,
    normalize: bool,
    padding: str,
    stride: int,
    per_channel: bool,
    mode: str,
    image_id: str,
    click: tuple[int, int],
) -> str:
    """The notebook code that reproduces the page's output, with this run's kernel and settings."""
    lines = [
        "from explorer.core import display, dtype\nfrom explorer.images import convolution, imageio, kernels, samples",
        "",
        snippets.load_lines(image_id, convert="float" if per_channel else "gray"),
        f"kernel = kernels.from_text({kernels.to_text(kernel)!r})  # rows separated by ';'",
    ]
    if normalize:
        lines.append("kernel = kernels.normalize(kernel)  # divide by the sum")
    lines += [
        f"output = convolution.correlate(image, kernel, padding={padding!r}, stride={stride})",
        f"picture = display.to_display(output, mode={mode!r})  # uint8, ready to show",
        "",
        "# One output pixel by hand (on the gray image):",
        f"example = convolution.worked_example(dtype.to_gray(rgb), kernel, row={click[0]}, col={click[1]}, "
        f"padding={padding!r}, stride={stride})",
        "print(example.products.sum(), example.total)",
    ]
    return "\n".join(lines)
