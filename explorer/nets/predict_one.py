"""One picture through a trained network, as Teachable Machine's "try it": any picture (a drawing, a photo, an
upload) made to look like the pictures the network learned from (:func:`prepare_picture`), then the network's
probability for each class (:func:`class_probabilities`).

A network only knows the kind of picture it trained on, so the conversion follows the data set's *style*
(:data:`STYLES`; :func:`style_for` picks it from the data set's name):

- ``"photo"`` (your own pictures, CIFAR-10, the colour shapes): the centred crop of the input's aspect, resized
  as :func:`explorer.data.own_images.square_crop_resize` does (area averaging when shrinking, bilinear when
  enlarging), in ``[0, 1]``; gray is the BT.601 luma (as your own gray pictures are made).
- ``"dark"`` (gray shapes, Fashion-MNIST: light things on a black background): as ``"photo"``, and a picture
  whose background is light (a drawing on white paper) is inverted, ``1 - value``, so its background turns dark.
- ``"mnist"`` (MNIST's convention): the ink (the distance from the background, so either polarity works)
  cropped to its bounding box, fitted into the central 20/28 of the frame, moved so its centre of mass is at
  the frame's centre, and stretched so the strongest pixel is 1: light strokes on black.
- ``"digits"`` (scikit-learn's 8×8 digits): :func:`explorer.data.datasets.drawing_to_digit` (ink counts
  0..16, white on black), divided by 16 and, for a network on the enlarged digits, enlarged exactly as
  :func:`explorer.data.datasets.digits` enlarges them (bilinear).

``picture`` is ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``, ``uint8`` or float in ``[0, 1]``; transparent pixels
count as white paper (a drawing canvas sends its strokes on a transparent background). Torch is imported in
:func:`class_probabilities` only.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from explorer.core import dtype, resize
from explorer.data import datasets, shapes
from explorer.nets import evaluation

STYLES = ("photo", "dark", "mnist", "digits")
# MNIST's digits were fitted into a 20×20 box and centred (by centre of mass) in a 28×28 frame.
MNIST_BOX, MNIST_FRAME = 20, 28
# A background is light when the median of the border pixels is above this (values in [0, 1]).
LIGHT_BACKGROUND = 0.5
_DIGIT_NAMES = tuple(str(digit) for digit in range(10))


def _check_shape(input_shape: object) -> tuple[int, int, int]:
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if (
        shape is None
        or len(shape) != 3
        or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in shape)
        or shape[0] not in (1, 3)
    ):
        raise ValueError(f"input_shape must be (C, H, W) with C 1 or 3 and H, W >= 1, got {input_shape!r}")
    return int(shape[0]), int(shape[1]), int(shape[2])


def _on_white(picture: object) -> np.ndarray:
    """``picture`` as ``(H, W)`` gray or ``(H, W, 3)`` RGB, float32 in [0, 1], transparent pixels on white."""
    if not isinstance(picture, np.ndarray):
        raise TypeError(f"picture must be a numpy array, got {type(picture).__name__}")
    values = dtype.to_float(picture)  # checks the dtype: uint8 (/255) or float
    if values.ndim == 3 and values.shape[2] == 1:
        values = values[:, :, 0]
    if values.ndim not in (2, 3) or (values.ndim == 3 and values.shape[2] not in (3, 4)) or 0 in values.shape:
        raise ValueError(f"picture must be (H, W), (H, W, 3) or (H, W, 4), got shape {picture.shape}")
    if not np.all(np.isfinite(values)) or values.min() < 0.0 or values.max() > 1.0:
        raise ValueError("picture must hold finite values in [0, 1] (or be uint8)")
    if values.ndim == 3 and values.shape[2] == 4:
        alpha = values[:, :, 3:]
        values = values[:, :, :3] * alpha + (1.0 - alpha)  # over white paper
    return np.ascontiguousarray(values, dtype=np.float32)


def _gray(values: np.ndarray) -> np.ndarray:
    """``(H, W)`` float32: the picture itself if gray, else its BT.601 luma (as own_images makes gray sets)."""
    if values.ndim == 2:
        return values
    return values @ np.asarray(dtype.GRAY_WEIGHTS, dtype=np.float32)


def _channels(gray_or_rgb: np.ndarray, channels: int) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` -> ``(C, H, W)`` float32 with ``channels`` channels, clipped to [0, 1]."""
    if channels == 1:
        planes = _gray(gray_or_rgb)[None]
    elif gray_or_rgb.ndim == 2:
        planes = np.repeat(gray_or_rgb[None], 3, axis=0)
    else:
        planes = gray_or_rgb.transpose(2, 0, 1)
    return np.ascontiguousarray(np.clip(planes, 0.0, 1.0), dtype=np.float32)


def _crop_to_aspect(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """The centred part of ``image`` with the aspect ``rows : cols`` (the middle of the longer side kept)."""
    height, width = image.shape[:2]
    if height * cols > width * rows:  # too tall
        keep = max(1, round(width * rows / cols))
        top = (height - keep) // 2
        return image[top : top + keep]
    keep = max(1, round(height * cols / rows))
    left = (width - keep) // 2
    return image[:, left : left + keep]


def _photo(picture: np.ndarray, shape: tuple[int, int, int], invert: bool | None, dark: bool) -> np.ndarray:
    channels, rows, cols = shape
    if isinstance(picture, np.ndarray) and picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[2] == 3:
        # Resized as bytes, then scaled: exactly the order own_images uses on the training pictures.
        crop = _crop_to_aspect(picture, rows, cols)
        values = dtype.to_float(resize.to_shape(crop, rows=rows, cols=cols))
        background = _border_median(_gray(dtype.to_float(crop)))
    else:
        crop = _crop_to_aspect(_on_white(picture), rows, cols)
        values = resize.to_shape(crop, rows=rows, cols=cols)
        background = _border_median(_gray(crop))
    prepared = _channels(values, channels)
    if invert is None:
        invert = dark and background > LIGHT_BACKGROUND
    return 1.0 - prepared if invert else prepared


def _border_median(gray: np.ndarray) -> float:
    return float(np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])))


def _mnist(picture: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    channels, rows, cols = shape
    square = datasets.ink_square(_on_white(picture))  # (S, S) ink in [0, 1], light on dark
    box = max(1, round(min(rows, cols) * MNIST_BOX / MNIST_FRAME))
    small = resize.to_shape(square, rows=box, cols=box)
    frame = np.zeros((rows, cols), dtype=np.float32)
    mass = small.sum()
    # Where the box goes so that its centre of mass lands on the frame's centre, kept inside the frame.
    if mass > 0:
        grid = np.arange(box, dtype=np.float64)
        centre_row = float((small.sum(axis=1) * grid).sum() / mass)
        centre_col = float((small.sum(axis=0) * grid).sum() / mass)
    else:
        centre_row = centre_col = (box - 1) / 2
    top = min(max(round((rows - 1) / 2 - centre_row), 0), rows - box)
    left = min(max(round((cols - 1) / 2 - centre_col), 0), cols - box)
    frame[top : top + box, left : left + box] = small
    peak = frame.max()
    if peak > 0:
        frame = frame / peak
    return _channels(frame, channels)


def _digits(picture: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    channels, rows, cols = shape
    digit = datasets.drawing_to_digit(_on_white(picture)) / np.float32(datasets.DIGIT_INK_MAX)  # (8, 8) in [0, 1]
    if (rows, cols) != digit.shape:
        digit = cv2.resize(digit, (cols, rows), interpolation=cv2.INTER_LINEAR)  # as datasets.digits enlarges
    return _channels(digit, channels)


def prepare_picture(
    picture: np.ndarray, input_shape: tuple[int, int, int], *, style: str = "photo", invert: bool | None = None
) -> np.ndarray:
    """Any picture as a network with input ``input_shape`` ``(C, H, W)`` sees its training pictures.

    Returns ``(C, H, W) float32`` in ``[0, 1]``. ``style`` is one of :data:`STYLES` (see the module docstring).
    ``invert`` (``"photo"`` and ``"dark"`` only): ``True``/``False`` forces swapping dark and light or not;
    ``None`` lets the style decide (``"photo"`` never swaps, ``"dark"`` swaps a picture with a light border).
    ``"mnist"`` and ``"digits"`` find the ink's polarity themselves, and raise ``ValueError`` on a blank picture.
    """
    shape = _check_shape(input_shape)
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    if invert is not None and not isinstance(invert, (bool, np.bool_)):
        raise TypeError(f"invert must be True, False or None, got {type(invert).__name__}")
    if style in ("photo", "dark"):
        return _photo(picture, shape, None if invert is None else bool(invert), style == "dark")
    if invert is not None:
        raise ValueError(f"invert applies to the photo and dark styles; the {style} style finds the ink itself")
    return _mnist(picture, shape) if style == "mnist" else _digits(picture, shape)


def style_for(
    input_shape: tuple[int, int, int], *, data_name: str | None = None, class_names: Sequence[str] = ()
) -> str:
    """The :data:`STYLES` entry for a network on ``input_shape``, trained on the data set named ``data_name``.

    Names as ``explorer.data`` makes them (a split adds " (test)"): "Digits …" -> digits, "MNIST …" -> mnist,
    gray "Shapes …" and "Fashion-MNIST …" -> dark, anything else (your own pictures, CIFAR-10, colour shapes)
    -> photo. Without a name (a model loaded from a file), a gray network telling the ten digits apart gets
    mnist on 28×28 and digits on any other size, one telling the shapes apart gets dark, any other photo.
    """
    channels, rows, cols = _check_shape(input_shape)
    if data_name is not None:
        if not isinstance(data_name, str):
            raise TypeError(f"data_name must be a string or None, got {type(data_name).__name__}")
        name = data_name.strip().lower()
        if name.startswith("digits"):
            return "digits"
        if name.startswith("mnist"):
            return "mnist"
        if channels == 1 and name.startswith(("shapes", "fashion-mnist")):
            return "dark"
        return "photo"
    if channels == 1 and tuple(class_names) == _DIGIT_NAMES:
        return "mnist" if (rows, cols) == (MNIST_FRAME, MNIST_FRAME) else "digits"
    if channels == 1 and tuple(class_names) == shapes.CLASS_NAMES:
        return "dark"
    return "photo"


def class_probabilities(model, image: np.ndarray) -> np.ndarray:
    """The network's probability for each class: ``(K,) float64``, the softmax of its outputs (summing to 1).

    model : a ``torch.nn.Sequential`` (``architecture.build``); it runs in eval mode under
        ``torch.inference_mode`` and is left in the mode it came in, its weights untouched.
    image : ``(C, H, W) float32``, e.g. from :func:`prepare_picture`. An image the network can't take raises
        ``ValueError``.
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.float32 or image.ndim != 3:
        got = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"image must be a (C, H, W) float32 array, got {got}")
    if not np.all(np.isfinite(image)):
        raise ValueError("image must hold finite values")
    try:
        logits = evaluation.forward_chunks(model, np.ascontiguousarray(image)[None])  # (1, K)
    except RuntimeError as error:  # torch's shape mismatch: the network was built for another input
        raise ValueError(f"an image of shape {image.shape} does not fit this network ({error})") from None
    scores = logits.numpy()[0].astype(np.float64)
    exps = np.exp(scores - scores.max())  # shifted by the largest: the same softmax, never overflowing
    return exps / exps.sum()


# ------------------------------------------------------------------------------------ steps, as pictures
# scikit-learn's digits were made from 32×32 bitmaps of handwriting, each 4×4 block counted: 8×8 counts 0..16.
DIGIT_BITMAP = 32
DIGIT_BLOCK = DIGIT_BITMAP // 8


def _picture(values: np.ndarray) -> np.ndarray:
    """``(H, W)``, ``(H, W, 3)`` or ``(C, H, W)`` float in [0, 1] -> a uint8 picture ``(H, W)`` or ``(H, W, 3)``."""
    if values.ndim == 3 and values.shape[0] in (1, 3) and values.shape[2] not in (1, 3):
        values = values[0] if values.shape[0] == 1 else values.transpose(1, 2, 0)
    return dtype.to_uint8(np.clip(np.ascontiguousarray(values, dtype=np.float32), 0.0, 1.0))


def digit_steps(picture: np.ndarray) -> dict[str, np.ndarray]:
    """The digits preprocessing (:func:`explorer.data.datasets.drawing_to_digit`) one step at a time.

    picture : as for :func:`prepare_picture`. Returns float32 arrays, ink light on dark:

    - ``"strokes"`` ``(h, w)`` in [0, 1]: the ink cropped to the strokes' bounding box;
    - ``"square"`` ``(S, S)``: centred in a square (the shorter side padded equally with no ink);
    - ``"bitmap"`` ``(32, 32)`` in [0, 1]: scaled to the data set's 32×32 (area averaging; a square smaller than
      32 is first enlarged by whole pixels), each pixel the fraction of it that is ink;
    - ``"counts"`` ``(8, 8)`` in 0..16: the ink in each 4×4 block of the bitmap, as the data set counted the
      inked pixels of its bitmaps (here partly inked pixels count in part);
    - ``"digit"`` ``(8, 8)`` in 0..16: the counts scaled so the strongest cell is 16 (as
      :func:`~explorer.data.datasets.drawing_to_digit`: thin strokes reach the data set's full cells).

    ``"digit"`` equals ``drawing_to_digit(picture)`` (the two routes average the same areas). A blank picture
    raises ``ValueError``.
    """
    square = datasets.ink_square(_on_white(picture))  # (S, S)
    inked = square > datasets.INK_THRESHOLD
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    strokes = square[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    side = len(square)
    enlarged = square if side >= DIGIT_BITMAP else resize.enlarge(square, factor=-(-DIGIT_BITMAP // side))
    bitmap = cv2.resize(enlarged, (DIGIT_BITMAP, DIGIT_BITMAP), interpolation=cv2.INTER_AREA)  # (32, 32)
    counts = bitmap.reshape(8, DIGIT_BLOCK, 8, DIGIT_BLOCK).sum(axis=(1, 3))  # (8, 8) in 0..16
    digit = counts / counts.max() * np.float32(datasets.DIGIT_INK_MAX)
    return {
        "strokes": np.ascontiguousarray(strokes, dtype=np.float32),
        "square": square,
        "bitmap": bitmap.astype(np.float32),
        "counts": counts.astype(np.float32),
        "digit": digit.astype(np.float32),
    }


def preparation_steps(
    picture: np.ndarray, input_shape: tuple[int, int, int], *, style: str = "photo"
) -> tuple[tuple[str, np.ndarray], ...]:
    """How :func:`prepare_picture` turns ``picture`` into the network's input, as captioned pictures.

    Returns ``((caption, uint8 picture (h, w) or (h, w, 3)), ...)`` from the picture on white paper to the
    network's input itself, each at its own size (small ones are for enlarging in whole pixels). The last
    picture is ``prepare_picture(picture, input_shape, style=style)`` as uint8. Arguments and errors as
    :func:`prepare_picture` (a blank picture is a ``ValueError`` for the ``"mnist"`` and ``"digits"`` styles).
    """
    final = prepare_picture(picture, input_shape, style=style)  # checks everything first
    channels, rows, cols = _check_shape(input_shape)
    paper = _on_white(picture)
    steps: list[tuple[str, np.ndarray]] = [("your drawing", _picture(paper))]
    if style == "digits":
        parts = digit_steps(picture)
        sixteenth = np.float32(datasets.DIGIT_INK_MAX)
        steps += [
            ("cropped to the strokes (ink white on black)", _picture(parts["strokes"])),
            ("centred in a square", _picture(parts["square"])),
            (f"scaled to {DIGIT_BITMAP}×{DIGIT_BITMAP}", _picture(parts["bitmap"])),
            (f"8×8: the ink in each {DIGIT_BLOCK}×{DIGIT_BLOCK} block, 0–16", _picture(parts["counts"] / sixteenth)),
            ("stretched so the strongest cell is 16", _picture(parts["digit"] / sixteenth)),
        ]
        if (rows, cols) != (8, 8):
            steps.append((f"enlarged to {rows}×{cols}, as the training digits", _picture(final)))
    elif style == "mnist":
        square = datasets.ink_square(paper)
        box = max(1, round(min(rows, cols) * MNIST_BOX / MNIST_FRAME))
        steps += [
            ("cropped to the strokes, centred in a square (ink white on black)", _picture(square)),
            (f"scaled to {box}×{box}", _picture(resize.to_shape(square, rows=box, cols=box))),
            (f"in a {rows}×{cols} frame, centred by its mass, strongest pixel white", _picture(final)),
        ]
    else:
        crop = _crop_to_aspect(paper, rows, cols)
        if crop.shape[:2] != paper.shape[:2]:
            steps.append((f"the centre, cut to the network's {rows}:{cols} shape", _picture(crop)))
        small = resize.to_shape(crop, rows=rows, cols=cols)
        steps.append((f"scaled to {rows}×{cols}", _picture(small)))
        if channels == 1 and small.ndim == 3 and np.ptp(small, axis=2).max() > 0:  # a colour picture
            steps.append(("gray", _picture(_gray(small))))
        if style == "dark" and _border_median(_gray(crop)) > LIGHT_BACKGROUND:
            steps.append(("turned to light on dark, as the training pictures", _picture(final)))
        elif channels == 3 and small.ndim == 2:
            steps.append(("three equal colour channels", _picture(final)))
    caption, _ = steps[-1]
    steps[-1] = (caption, _picture(final))  # exactly the input (a photo's bytes are resized before scaling)
    return tuple(steps)


def on_background(picture: np.ndarray, background: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """A drawing with transparent pixels laid on a flat ``background`` colour: ``(H, W, 3) uint8``.

    picture : ``(H, W, 4) uint8`` (a canvas's strokes, alpha = opacity) or ``(H, W, 3) uint8`` (returned as a
        copy). background : ``(red, green, blue)`` in 0..255. Each pixel is ``alpha · colour + (1 - alpha) ·
        background``, rounded (the "over" operator of Porter & Duff).
    """
    if not isinstance(picture, np.ndarray) or picture.dtype != np.uint8:
        got = f"{picture.dtype} array" if isinstance(picture, np.ndarray) else type(picture).__name__
        raise ValueError(f"picture must be a uint8 array, got {got}")
    if picture.ndim != 3 or picture.shape[2] not in (3, 4) or 0 in picture.shape:
        raise ValueError(f"picture must be (H, W, 3) or (H, W, 4), got shape {picture.shape}")
    colour = tuple(background) if isinstance(background, (tuple, list)) else ()
    if len(colour) != 3 or not all(isinstance(v, (int, np.integer)) and 0 <= v <= 255 for v in colour):
        raise ValueError(f"background must be three integers in 0..255, got {background!r}")
    if picture.shape[2] == 3:
        return picture.copy()
    alpha = picture[:, :, 3:].astype(np.float32) / 255.0
    mixed = picture[:, :, :3].astype(np.float32) * alpha + np.asarray(colour, np.float32) * (1.0 - alpha)
    return np.round(mixed).astype(np.uint8)
