"""Speed of ``explorer.images.convolution.correlate`` against a bare ``cv2.filter2D`` call, in the same process.

For a 512 x 512 float32 image, 3 x 3 and 11 x 11 kernels and every padding mode, both are timed in
alternating rounds (so a busy moment on the machine hits both alike) and the median time per call is
compared. The baseline is ``cv2.filter2D`` with the matching border (``BORDER_CONSTANT`` for zero,
``BORDER_REFLECT_101`` for reflect, ``BORDER_REPLICATE`` for replicate). For **valid** the baseline is
``cv2.filter2D`` with ``BORDER_REFLECT_101``: OpenCV has no "valid" output, so the question asked is what our
crop costs on top of a plain same-size filter. ``cv2.filter2D`` has no wrap border at all, so **wrap** is
measured twice: against what an OpenCV user writes for it (``copyMakeBorder(BORDER_WRAP)`` then
``filter2D`` and a crop), and against the plain reflect filter, which shows what the extra padded copy costs.

Times are CPU seconds of this process (``time.process_time``), not wall-clock: on a shared machine other
programs then slow neither side, and OpenCV's worker threads, if any, are counted in full for both.

Run ``python benchmarks/bench_convolution.py`` for a table; ``benchmarks/run.py`` imports :func:`run`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from explorer.images.convolution import PADDING_MODES, correlate  # noqa: E402

IMAGE_SIZE = 512
KERNEL_SIZES = (3, 11)
# 7 rounds of 30 calls: each round long enough to swamp the timer's resolution, enough rounds for a
# median that ignores a round disturbed by other work on the machine.
ROUNDS = 7
CALLS = 30
TARGET = 1.2  # ours may take at most 1.2x the bare OpenCV call

_BASELINE_BORDER = {
    "zero": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
    "wrap": cv2.BORDER_REFLECT_101,  # no wrap border in filter2D: compare with the default border
    "valid": cv2.BORDER_REFLECT_101,  # no "valid" output in filter2D: compare with the same-size result
}


def _per_call_ms(function, calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        function()
    return (time.process_time() - start) / calls * 1e3


def _compare(ours, baseline, *, rounds: int, calls: int) -> tuple[float, float]:
    """Median ms per call of each, timed in alternating rounds (order swapped every round)."""
    ours(), baseline()  # warm-up: first calls allocate and pick code paths
    ours_ms, baseline_ms = [], []
    for index in range(rounds):
        if index % 2:
            baseline_ms.append(_per_call_ms(baseline, calls))
            ours_ms.append(_per_call_ms(ours, calls))
        else:
            ours_ms.append(_per_call_ms(ours, calls))
            baseline_ms.append(_per_call_ms(baseline, calls))
    return statistics.median(ours_ms), statistics.median(baseline_ms)


def _opencv_wrap(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Periodic correlation the way an OpenCV user writes it: pad with BORDER_WRAP, filter, crop."""
    kh, kw = kernel.shape
    top, left = kh // 2, kw // 2
    padded = cv2.copyMakeBorder(image, top, kh - 1 - top, left, kw - 1 - left, cv2.BORDER_WRAP)
    return cv2.filter2D(padded, -1, kernel)[top : top + image.shape[0], left : left + image.shape[1]]


def _baselines(padding: str, image: np.ndarray, kernel: np.ndarray) -> list[tuple[str, object]]:
    """``(label, callable)`` pairs to compare ``padding`` against."""
    plain = ("", lambda: cv2.filter2D(image, -1, kernel, borderType=_BASELINE_BORDER[padding]))
    if padding != "wrap":
        return [plain]
    return [
        (" vs copyMakeBorder(WRAP)+filter2D", lambda: _opencv_wrap(image, kernel)),
        (" vs plain filter2D", plain[1]),
    ]


def run(*, rounds: int = ROUNDS, calls: int = CALLS) -> list[dict]:
    """One row per (kernel size, padding mode): ``{name, ours_ms, baseline_ms, ratio, target, ok}``."""
    rng = np.random.default_rng(0)
    image = rng.random((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    rows = []
    # The pages call correlate with check_finite=False (their images come from the loader, always finite);
    # both variants are measured so the cost of the check stays visible.
    for check_finite in (True, False):
        for size in KERNEL_SIZES:
            kernel = rng.standard_normal((size, size)).astype(np.float32)
            for padding in PADDING_MODES:
                for against, baseline in _baselines(padding, image, kernel):
                    ours_ms, baseline_ms = _compare(
                        lambda kernel=kernel, padding=padding, check=check_finite: correlate(
                            image, kernel, padding=padding, check_finite=check
                        ),
                        baseline,
                        rounds=rounds,
                        calls=calls,
                    )
                    ratio = ours_ms / baseline_ms
                    checked = "" if check_finite else ", check_finite=False (as the pages call it)"
                    rows.append(
                        {
                            "name": f"correlate {IMAGE_SIZE}x{IMAGE_SIZE} float32, {size}x{size} kernel, "
                            f"{padding}{against}{checked}",
                            "ours_ms": round(ours_ms, 4),
                            "baseline_ms": round(baseline_ms, 4),
                            "ratio": round(ratio, 3),
                            "target": TARGET,
                            "ok": bool(ratio <= TARGET),
                        }
                    )
    return rows


def main() -> int:
    rows = run()
    width = max(len(row["name"]) for row in rows)
    print(f"{'benchmark':<{width}}  {'ours ms':>8}  {'cv2 ms':>8}  {'ratio':>6}  target  ok")
    for row in rows:
        print(
            f"{row['name']:<{width}}  {row['ours_ms']:>8.3f}  {row['baseline_ms']:>8.3f}  "
            f"{row['ratio']:>6.2f}  {row['target']:>6}  {'yes' if row['ok'] else 'NO'}"
        )
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
