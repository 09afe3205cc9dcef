"""How many cells a sliding window leaves along one axis: the output size of a convolution or a pooling.

A window of ``kernel`` cells, ``dilation`` apart (so it spans ``dilation·(kernel − 1) + 1`` cells), moved
``stride`` cells at a time over an input of ``size`` cells padded by ``padding`` zeros (``before + after``)::

    ⌊(size + before + after − dilation·(kernel − 1) − 1) / stride⌋ + 1

the formula of ``torch.nn.Conv2d`` and ``torch.nn.MaxPool2d`` (``ceil_mode=False``). Plain integers, no torch.
"""

from __future__ import annotations

from explorer.core import checks


def _check_padding(padding: object) -> tuple[int, int]:
    if isinstance(padding, tuple) and len(padding) == 2:
        return checks.integer("padding", padding[0], 0), checks.integer("padding", padding[1], 0)
    if isinstance(padding, tuple):
        raise ValueError(f"padding must be an integer or a (before, after) pair, got {padding!r}")
    amount = checks.integer("padding", padding, 0)
    return amount, amount


def output_size(
    size: int, *, kernel: int, stride: int = 1, padding: int | tuple[int, int] = 0, dilation: int = 1
) -> int:
    """Cells along one axis after the window (the formula in the module docstring).

    padding : zeros on each side, or a ``(before, after)`` pair (an even kernel's "same" padding is uneven).
    Raises ``ValueError`` when the padded input is shorter than the window's span (there is no output), and
    ``TypeError``/``ValueError`` (naming the argument) for a value that is not a positive integer.
    """
    size = checks.integer("size", size, 1)
    kernel = checks.integer("kernel", kernel, 1)
    stride = checks.integer("stride", stride, 1)
    dilation = checks.integer("dilation", dilation, 1)
    before, after = _check_padding(padding)
    padded = size + before + after
    span = dilation * (kernel - 1) + 1
    if padded < span:
        raise ValueError(
            f"the padded input ({padded} cells) is shorter than the window's span ({span} cells): there is no output"
        )
    return (padded - span) // stride + 1
