"""Dense versus convolution: who still finds an "eye" after it moves?

A small eye pattern (a ring with a pupil, :func:`eye`) is placed on a blank canvas. Two single-unit
detectors are trained on the same examples, always with the eye at the **same** place:

- a **dense** unit: one weight per canvas pixel plus a bias, ``sigmoid(w · x + b)`` -- one number per image;
- a **conv** unit: one ``kernel × kernel`` filter plus a bias slid over the canvas (zero padding, same size
  out), ``sigmoid(filter ⋆ x + b)`` -- one number per position, a *response map*.

Negative examples are canvases with noise only or with a look-alike (a filled square, a cross) at the
training place. The dense unit learns a template glued to the training place; the conv unit learns the
same template, but applies it everywhere. Moving the eye (:func:`shift_curve`) makes the dense response
collapse, while the conv map's peak keeps its height and moves with the eye.

Everything is seeded; training (Adam, :func:`explorer.nets.optimizers.make_optimizer`, as the Train page) takes
about a third of a second on one CPU thread. Weights come back as NumPy arrays (``float32``), so results can
be cached and drawn without torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.nets.optimizers import make_optimizer

CANVAS = 28  # MNIST's size, the lessons' running example
EYE_SIZE = 5
# Training steps and batch: enough for both units to pass 0.99 on the eye; 200 steps take ~0.3 s.
STEPS = 200
BATCH = 32
LEARNING_RATE = 0.05
# Pixel noise on training canvases, so the units can't succeed by counting bright pixels.
NOISE = 0.1
# Shifts beyond this would push a 5-pixel eye at the centre off a 28-pixel canvas.
MAX_SHIFT = (CANVAS - EYE_SIZE) // 2


def eye() -> np.ndarray:
    """The pattern: a 5×5 ring with a bright pupil, ``(5, 5) float32`` in ``[0, 1]``."""
    pattern = np.zeros((EYE_SIZE, EYE_SIZE), dtype=np.float32)
    pattern[0, 1:-1] = pattern[-1, 1:-1] = pattern[1:-1, 0] = pattern[1:-1, -1] = 1.0
    pattern[2, 2] = 1.0
    return pattern


def _distractors() -> list[np.ndarray]:
    """Look-alikes that are *not* an eye: a filled square and a cross."""
    square = np.zeros((EYE_SIZE, EYE_SIZE), np.float32)
    square[1:4, 1:4] = 1.0
    cross = np.zeros((EYE_SIZE, EYE_SIZE), np.float32)
    cross[2, :] = cross[:, 2] = 1.0
    return [square, cross]


def place(pattern: np.ndarray, *, row: int, col: int, size: int = CANVAS) -> np.ndarray:
    """A ``(size, size) float32`` canvas of zeros with ``pattern`` centred on ``(row, col)``.

    Raises ``ValueError`` if the pattern would stick out of the canvas.
    """
    pattern = np.asarray(pattern, dtype=np.float32)
    if pattern.ndim != 2:
        raise ValueError(f"pattern must be 2-D, got shape {pattern.shape}")
    top, left = row - pattern.shape[0] // 2, col - pattern.shape[1] // 2
    if top < 0 or left < 0 or top + pattern.shape[0] > size or left + pattern.shape[1] > size:
        raise ValueError(
            f"row, col must keep the {pattern.shape[0]}×{pattern.shape[1]} pattern inside the {size}×{size} "
            f"canvas, got ({row}, {col})"
        )
    canvas = np.zeros((size, size), dtype=np.float32)
    canvas[top : top + pattern.shape[0], left : left + pattern.shape[1]] = pattern
    return canvas


@dataclass(frozen=True)
class Detectors:
    """The two trained units and where they were trained: ``dense_weights (28, 28)``, ``conv_kernel (5, 5)``."""

    dense_weights: np.ndarray
    dense_bias: float
    conv_kernel: np.ndarray
    conv_bias: float
    position: tuple[int, int]


def train(*, position: tuple[int, int] = (CANVAS // 2, CANVAS // 2), steps: int = STEPS, seed: int = 0) -> Detectors:
    """Train the dense and the conv unit on eyes centred on ``position`` (and on negatives), seeded.

    Both see exactly the same canvases. Dense target: 1 for an eye, 0 otherwise. Conv target: a map that
    is 1 at the eye's centre and 0 everywhere else (binary cross-entropy on every position).
    """
    import torch
    import torch.nn.functional as F

    row, col = position
    place(eye(), row=row, col=col)  # checks the position
    if not 1 <= steps <= 5000:
        raise ValueError(f"steps must be from 1 to 5000, got {steps}")
    rng = np.random.default_rng(seed)
    positive = place(eye(), row=row, col=col)
    negatives = [np.zeros_like(positive)] + [place(p, row=row, col=col) for p in _distractors()]
    centre = np.zeros_like(positive)
    centre[row, col] = 1.0

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        dense = torch.nn.Linear(CANVAS * CANVAS, 1)
        conv = torch.nn.Conv2d(1, 1, EYE_SIZE, padding=EYE_SIZE // 2)
    optimizer = make_optimizer([*dense.parameters(), *conv.parameters()], "adam", lr=LEARNING_RATE)
    # Conv loss weights: the eye's centre counts as much as all other positions together, so the single
    # positive position isn't drowned by 783 negative ones.
    off_centre = torch.from_numpy(1.0 - centre)[None, None] / (CANVAS * CANVAS - 1)  # (1, 1, 28, 28)
    for _ in range(steps):
        is_eye = rng.random(BATCH) < 0.5
        picks = rng.integers(len(negatives), size=BATCH)
        clean = np.stack([positive if e else negatives[p] for e, p in zip(is_eye, picks)])
        images = clean + NOISE * rng.standard_normal(clean.shape).astype(np.float32)
        x = torch.from_numpy(images.astype(np.float32))  # (B, 28, 28)
        target = torch.from_numpy(is_eye.astype(np.float32))  # (B,)
        dense_loss = F.binary_cross_entropy_with_logits(dense(x.flatten(1))[:, 0], target)
        conv_map = conv(x[:, None])  # (B, 1, 28, 28)
        centre_loss = F.binary_cross_entropy_with_logits(conv_map[:, 0, row, col], target)
        rest_loss = (F.softplus(conv_map) * off_centre).sum() / BATCH  # BCE with target 0 elsewhere
        loss = dense_loss + centre_loss + rest_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return Detectors(
        dense_weights=dense.weight.detach().numpy().reshape(CANVAS, CANVAS).astype(np.float32),
        dense_bias=float(dense.get_parameter("bias").detach()[0]),
        conv_kernel=conv.weight.detach().numpy()[0, 0].astype(np.float32),
        conv_bias=float(conv.get_parameter("bias").detach()[0]),
        position=(row, col),
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def responses(detectors: Detectors, image: np.ndarray) -> tuple[float, np.ndarray]:
    """``(dense response, conv response map (28, 28) float32)`` for a ``(28, 28)`` canvas, both in ``[0, 1]``.

    Computed with NumPy (cross-correlation with zero padding, as ``torch.nn.Conv2d`` does).
    """
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (CANVAS, CANVAS):
        raise ValueError(f"image must be ({CANVAS}, {CANVAS}), got shape {image.shape}")
    dense = float(_sigmoid(np.sum(detectors.dense_weights * image) + detectors.dense_bias))
    half = EYE_SIZE // 2
    padded = np.pad(image, half)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (EYE_SIZE, EYE_SIZE))  # (28, 28, 5, 5)
    conv = _sigmoid(np.einsum("ijkl,kl->ij", windows, detectors.conv_kernel) + detectors.conv_bias)
    return dense, conv.astype(np.float32)


@dataclass(frozen=True)
class ShiftCurve:
    """Responses to the eye moved ``shifts`` pixels to the right of the training place.

    ``conv_peak_col`` is the column of the conv map's maximum: it should follow ``position col + shift``.
    """

    shifts: np.ndarray
    dense: np.ndarray
    conv_peak: np.ndarray
    conv_peak_col: np.ndarray


def shift_curve(detectors: Detectors, *, shifts: np.ndarray | None = None) -> ShiftCurve:
    """Dense response, conv peak and its column for each horizontal shift (default: every shift that fits)."""
    row, col = detectors.position
    if shifts is None:
        half = EYE_SIZE // 2
        shifts = np.arange(half - col, CANVAS - half - col)
    shifts = np.asarray(shifts, dtype=int)
    dense, peak, peak_col = [], [], []
    for shift in shifts:
        d, conv = responses(detectors, place(eye(), row=row, col=col + int(shift)))
        dense.append(d)
        peak.append(conv.max())
        peak_col.append(np.unravel_index(np.argmax(conv), conv.shape)[1])
    return ShiftCurve(shifts, np.array(dense, np.float32), np.array(peak, np.float32), np.array(peak_col))
