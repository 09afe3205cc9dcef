"""Speed of loading data: a 12-megapixel phone photo through ``explorer.images.imageio.load_image``, and the
shapes data set from ``explorer.data.shapes.make_shapes``.

These were wall-clock assertions in the unit tests; the tests now check what makes them fast (the JPEG is
decoded once at 1/2 scale, a bomb header is refused before any decoding) and the times are reported here.

- **12 MP JPEG**: ``load_image`` (decoder at reduced scale via ``draft()``, then an area resize to 1024 px)
  against what it would do without ``draft()``: a full decode with Pillow then ``cv2.resize(INTER_AREA)``,
  timed in alternating rounds, median wall time.
- **shapes**: ``make_shapes(500)`` (8 classes of 500 gray 28 x 28 images, what the Train page builds), median
  wall time against an absolute target.

Run ``python benchmarks/bench_loading.py`` for a table; ``benchmarks/run.py`` imports :func:`run`.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from explorer.data import shapes  # noqa: E402
from explorer.images import imageio  # noqa: E402

ROUNDS = 7
PHOTO_SIZE = (4000, 3000)  # (width, height): a 12-megapixel phone photo
PHOTO_TARGET = 0.8  # reduced-scale decoding must save at least a fifth of a full decode and resize
SHAPES_PER_CLASS = 500
SHAPES_TARGET_MS = 1000.0  # the Train page builds this set while the user waits


def _photo_jpeg() -> bytes:
    import skimage.data

    photo = cv2.resize(skimage.data.astronaut(), PHOTO_SIZE, interpolation=cv2.INTER_LINEAR)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _full_decode_and_resize(data: bytes) -> np.ndarray:
    """The baseline: decode every pixel, then shrink to the same 1024 px as ``load_image``."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = np.asarray(image.convert("RGB"))
    scale = imageio.WORKING_SIZE / max(rgb.shape[:2])
    size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _ms(function) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1e3


def _photo_row(rounds: int) -> dict:
    data = _photo_jpeg()
    ours, baseline = (lambda: imageio.load_image(data)), (lambda: _full_decode_and_resize(data))
    ours(), baseline()  # warm-up
    ours_ms, baseline_ms = [], []
    for index in range(rounds):
        pair = [(ours_ms, ours), (baseline_ms, baseline)]
        for times, function in pair if index % 2 == 0 else pair[::-1]:
            times.append(_ms(function))
    ours_median, baseline_median = statistics.median(ours_ms), statistics.median(baseline_ms)
    ratio = ours_median / baseline_median
    return {
        "name": "load_image 12 MP JPEG -> 1024 px vs full decode + cv2.resize",
        "ours_ms": round(ours_median, 2),
        "baseline_ms": round(baseline_median, 2),
        "ratio": round(ratio, 3),
        "target": PHOTO_TARGET,
        "ok": bool(ratio <= PHOTO_TARGET),
    }


def _shapes_row(rounds: int) -> dict:
    shapes.make_shapes(SHAPES_PER_CLASS, seed=0)  # warm-up
    median = statistics.median(_ms(lambda: shapes.make_shapes(SHAPES_PER_CLASS, seed=0)) for _ in range(rounds))
    return {
        "name": f"make_shapes({SHAPES_PER_CLASS}): 8 classes, gray 28 x 28",
        "ours_ms": round(median, 2),
        "baseline_ms": None,
        "ratio": None,
        "target": SHAPES_TARGET_MS,
        "ok": bool(median <= SHAPES_TARGET_MS),
    }


def run(*, rounds: int = ROUNDS) -> list[dict]:
    """Two rows ``{name, ours_ms, baseline_ms, ratio, target, ok}``: the photo, then the shapes set."""
    return [_photo_row(rounds), _shapes_row(rounds)]


def main() -> int:
    rows = run()
    for row in rows:
        baseline = "" if row["baseline_ms"] is None else f"  baseline {row['baseline_ms']:.1f} ms  ratio {row['ratio']}"
        print(
            f"{row['name']}: {row['ours_ms']:.1f} ms{baseline}  target {row['target']}  {'yes' if row['ok'] else 'NO'}"
        )
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
