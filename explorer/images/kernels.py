"""Kernels: the named presets, a Gaussian, and turning what a person types into a checked kernel.

A kernel is a ``(kh, kw) float32`` array with ``1 <= kh, kw <=`` :data:`MAX_KERNEL_SIZE` and entries of
magnitude at most :data:`MAX_ABS_VALUE`.

The box blurs in :data:`PRESETS` are the **raw** all-ones kernels the lesson writes (the 3x3 one sums to
9, the 10x11 one to 110), so the output is 9 or 110 times brighter than an average. That is on purpose:
it shows why a blur is divided by its sum, which :func:`normalize` (the page's "normalize by sum"
toggle) does. The Gaussian preset is already normalised (it sums to 1), as Gaussian kernels always are.

Dividing by the sum only makes sense for a blur: :data:`BLURS` says which presets are blurs, and
:func:`normalize_refusal` says why a kernel is left as it is (a sum of 0, a negative sum, a preset that is
not a blur), so the page can say it instead of flipping every sign of an edited Sobel.
"""

from __future__ import annotations

import math
import numbers
import re

import numpy as np

from explorer.core import checks
from explorer.images import convolution
from explorer.images.convolution import MAX_KERNEL_SIZE

# Largest |entry|: with 15 x 15 entries of at most 1000 and pixels in [0, 1], a sum stays below 2.3e5,
# far from float32 trouble, and the output still means something on screen.
MAX_ABS_VALUE = 1000.0
# Below this a kernel's sum counts as 0 (float32 sums of entries like 1/9 are not exactly 0 or 1).
ZERO_SUM = 1e-9
# Longest kernel text accepted from a URL: 225 cells of up to ~16 characters plus separators.
MAX_TEXT_CHARS = 5000
# How much of a bad cell is echoed back in an error message.
_ECHO_CHARS = 20

# A decimal number ("1", "-2.5", ".5", "1e-3"); no "nan", "inf", "1_000" or hex, which float() would take.
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_FRACTION_RE = re.compile(rf"({_NUMBER})\s*/\s*({_NUMBER})")


def gaussian(*, size: int, sigma: float) -> np.ndarray:
    """Sampled 2-D Gaussian ``exp(-(r² + c²) / 2σ²)`` centred in a ``(size, size)`` grid, float32 summing to 1.

    For odd sizes these are the samples of ``cv2.getGaussianKernel(size, sigma)`` (outer product with
    itself); for even sizes the centre falls between the two middle cells.
    """
    size = checks.integer("size", size, 1, MAX_KERNEL_SIZE)
    sigma = checks.number("sigma", sigma, 0.0, low_open=True)
    offsets = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    line = np.exp(-(offsets**2) / (2.0 * sigma**2))
    line /= line.sum()
    return np.outer(line, line).astype(np.float32)


def _frozen(rows: list[list[float]] | np.ndarray) -> np.ndarray:
    array = np.array(rows, dtype=np.float32)
    array.flags.writeable = False
    return array


PRESETS: dict[str, np.ndarray] = {
    "identity": _frozen([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box blur 3×3": _frozen(np.ones((3, 3))),
    "box blur 5×5": _frozen(np.ones((5, 5))),
    "box blur 10×11": _frozen(np.ones((10, 11))),  # the lesson's bigger blur: 10 rows, 11 columns
    "gaussian 5×5": _frozen(gaussian(size=5, sigma=1.0)),
    "sharpen": _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "horizontal edges": _frozen([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
    "vertical edges": _frozen([[1, 0, -1], [1, 0, -1], [1, 0, -1]]),
    "laplacian (8 in the centre)": _frozen([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    # Sobel: a vertical-edge kernel that weights the middle row double (smoother, less noisy). Positive
    # where brightness increases to the right (x) or downwards (y), because nothing is flipped.
    "sobel x": _frozen([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "sobel y": _frozen([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "emboss": _frozen([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
    # The 4-neighbour Laplacian: thinner outlines than the 8 one, blind to purely diagonal detail.
    "outline": _frozen([[0, -1, 0], [-1, 4, -1], [0, -1, 0]]),
}


# The presets that average their neighbourhood: the ones "normalise by the sum" is meant for. Every other
# preset sums to 0 (edge detectors) or to 1 already (identity, sharpen, emboss): dividing changes nothing
# useful there.
BLURS = frozenset({"box blur 3×3", "box blur 5×5", "box blur 10×11", "gaussian 5×5"})


def preset(name: str) -> np.ndarray:
    """A writable ``float32`` copy of ``PRESETS[name]``."""
    if name not in PRESETS:
        shown = name[:40] if isinstance(name, str) else name
        raise ValueError(f"preset name must be one of {', '.join(PRESETS)}; got {shown!r}")
    return PRESETS[name].copy()


# ------------------------------------------------------------------------------------------ checking


def check_kernel(kernel: object) -> np.ndarray:
    """``kernel`` as a new ``(kh, kw) float32`` array: :func:`explorer.images.convolution.check_kernel`'s checks
    (dtype, shape, finite entries), and entries of magnitude at most :data:`MAX_ABS_VALUE`."""
    array = np.array(convolution.check_kernel(kernel))  # a copy: callers may change it
    if np.abs(array).max() > MAX_ABS_VALUE:
        raise ValueError(
            f"kernel entries must be between -{MAX_ABS_VALUE:g} and {MAX_ABS_VALUE:g}, "
            f"got {float(array.flat[np.abs(array).argmax()]):g}"
        )
    return array


def _cell_value(cell: object, where: str) -> float:
    """One cell typed by a person -> float; ``where`` names it in the error message."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        raise ValueError(f"{where} is empty; type a number (0 if the cell should not count)")
    if isinstance(cell, bool):
        raise ValueError(f"{where} is {cell!r}, not a number")
    if isinstance(cell, numbers.Real):
        value = float(cell)
        if math.isnan(value):  # data editors give NaN for a cleared cell
            raise ValueError(f"{where} is empty or not a number (NaN); type a number")
    elif isinstance(cell, str):
        text = cell.strip()
        shown = text[:_ECHO_CHARS] + ("…" if len(text) > _ECHO_CHARS else "")
        if _NUMBER_RE.fullmatch(text):
            value = float(text)
        elif match := _FRACTION_RE.fullmatch(text):
            numerator, denominator = float(match.group(1)), float(match.group(2))
            if denominator == 0:
                raise ValueError(f"{where} is {shown!r}, which divides by zero")
            value = numerator / denominator
        else:
            raise ValueError(f"{where} is {shown!r}, not a number (write e.g. 2, -0.5, 1/9 or 1e-3)")
    else:
        raise ValueError(f"{where} is a {type(cell).__name__}, not a number")
    if not math.isfinite(value) or abs(value) > MAX_ABS_VALUE:
        raise ValueError(f"{where} is {value:g}; entries must be between -{MAX_ABS_VALUE:g} and {MAX_ABS_VALUE:g}")
    return value


def parse_kernel(cells: object) -> np.ndarray:
    """Rows of cells from an editable grid -> ``(kh, kw) float32``.

    A cell may be an int, a float or a string such as ``"1"``, ``" -2.5 "``, ``"1/9"`` or ``"1e-3"``
    (no expressions are evaluated). Anything else -- text, an empty cell, NaN, infinity, a magnitude above
    :data:`MAX_ABS_VALUE` -- raises ``ValueError`` naming the cell by 1-based row and column, as do
    ragged rows and sizes outside ``1..MAX_KERNEL_SIZE``.
    """
    if isinstance(cells, np.ndarray):
        cells = cells.tolist()
    if isinstance(cells, (str, bytes)) or not isinstance(cells, (list, tuple)):
        raise TypeError(f"kernel cells must be a list of rows, got {type(cells).__name__}")
    if not 1 <= len(cells) <= MAX_KERNEL_SIZE:
        raise ValueError(f"kernel must have 1 to {MAX_KERNEL_SIZE} rows, got {len(cells)}")
    width = None
    values = []
    for r, row in enumerate(cells, start=1):
        if isinstance(row, (str, bytes)) or not isinstance(row, (list, tuple)):
            raise TypeError(f"kernel row {r} must be a list of cells, got {type(row).__name__}")
        if width is None:
            width = len(row)
            if not 1 <= width <= MAX_KERNEL_SIZE:
                raise ValueError(f"kernel must have 1 to {MAX_KERNEL_SIZE} columns, got {width}")
        elif len(row) != width:
            raise ValueError(
                f"kernel row {r} has {len(row)} cells but row 1 has {width}; every row needs the same number"
            )
        values.append([_cell_value(cell, f"kernel cell (row {r}, column {c})") for c, cell in enumerate(row, 1)])
    return np.array(values, dtype=np.float32)


# ------------------------------------------------------------------------------------------ changing


def normalize(kernel: np.ndarray) -> np.ndarray:
    """``kernel / kernel.sum()`` as float32, so a blur keeps the image's brightness.

    Raises ``ValueError`` when the entries sum to (almost) 0, as edge kernels do on purpose.
    """
    array = check_kernel(kernel)
    total = float(array.sum(dtype=np.float64))
    if abs(total) < ZERO_SUM:
        raise ValueError(
            "kernel entries sum to 0, so the kernel can't be normalised (dividing by the sum would divide "
            "by zero). That is expected for edge kernels: they sum to 0 on purpose, so flat areas give 0."
        )
    return (array / total).astype(np.float32)


def matching_preset(kernel: np.ndarray) -> str | None:
    """The name of the preset ``kernel`` equals entry for entry (same shape, same float32 values), else None."""
    array = check_kernel(kernel)
    for name, values in PRESETS.items():
        if np.array_equal(array, values):
            return name
    return None


def normalize_refusal(kernel: np.ndarray) -> str | None:
    """None when dividing ``kernel`` by its sum makes sense, else why it is left as it is (a sentence).

    It makes sense for a blur preset and for any other kernel whose entries sum to a positive number, except a
    preset that is not a blur (those sum to 0 or already to 1). A sum of (almost) 0 can't be divided by (an edge
    detector); a negative sum would flip the sign of every entry, turning the kernel into its opposite.
    """
    array = check_kernel(kernel)
    total = float(array.sum(dtype=np.float64))
    if abs(total) < ZERO_SUM:
        return (
            "Its cells sum to 0, so it is not normalised (dividing by the sum would divide by zero): an edge "
            "detector sums to 0 on purpose, so flat areas give 0. It is left as it is."
        )
    if total < 0:
        return (
            f"Its cells sum to {_number_text(total)}, so it is not normalised: dividing by a negative sum would "
            "flip the sign of every cell and turn the kernel into its opposite. It is left as it is."
        )
    name = matching_preset(array)
    if name is not None and name not in BLURS:
        return (
            f"“{name}” is not a blur, so it is not normalised: it is used as it is "
            f"(its cells add up to {_number_text(total)})."
        )
    return None


def resize(kernel: np.ndarray, *, rows: int, cols: int) -> np.ndarray:
    """A ``(rows, cols) float32`` kernel keeping the overlap with ``kernel``, anchors aligned, zeros elsewhere.

    The anchor cell ``(k // 2)`` stays the anchor, so growing a 3x3 to 5x5 puts a ring of zeros around
    it and shrinking keeps the middle.
    """
    array = check_kernel(kernel)
    rows = checks.integer("rows", rows, 1, MAX_KERNEL_SIZE)
    cols = checks.integer("cols", cols, 1, MAX_KERNEL_SIZE)
    out = np.zeros((rows, cols), dtype=np.float32)
    old_rows, old_cols = array.shape
    shift_r, shift_c = rows // 2 - old_rows // 2, cols // 2 - old_cols // 2  # anchor to anchor
    # Old index i lands on new index i + shift; keep the indices that land inside both.
    r0, r1 = max(0, -shift_r), min(old_rows, rows - shift_r)
    c0, c1 = max(0, -shift_c), min(old_cols, cols - shift_c)
    out[r0 + shift_r : r1 + shift_r, c0 + shift_c : c1 + shift_c] = array[r0:r1, c0:c1]
    return out


# ----------------------------------------------------------------------------------------------- text


def _number_text(value: float) -> str:
    value = float(np.float32(value)) + 0.0  # + 0.0 turns -0 into 0
    if value == 0 or 1e-4 <= abs(value) < 1e6:
        return np.format_float_positional(np.float32(value), unique=True, trim="-")
    return np.format_float_scientific(np.float32(value), unique=True, trim="-")


def to_text(kernel: np.ndarray) -> str:
    """Compact text for a URL: rows separated by ``;``, entries by ``,`` -- e.g. ``"1,2,1;0,0,0;-1,-2,-1"``.

    Each entry is the shortest decimal that reads back as the same float32, so the round trip through
    :func:`from_text` is exact.
    """
    array = check_kernel(kernel)
    return ";".join(",".join(_number_text(v) for v in row) for row in array)


def from_text(text: str) -> np.ndarray:
    """Inverse of :func:`to_text` (entries may also be fractions such as ``1/9``): ``(kh, kw) float32``."""
    if not isinstance(text, str):
        raise TypeError(f"kernel text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("kernel text is empty; expected rows like '1,2,1;0,0,0;-1,-2,-1'")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"kernel text must be at most {MAX_TEXT_CHARS} characters, got {len(text)}")
    return check_kernel(parse_kernel([row.split(",") for row in text.split(";")]))
