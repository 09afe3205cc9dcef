"""Speed of ``explorer.interpret.attribution`` and ``explorer.interpret.occlusion`` on the shipped models,
compute only (the model and the image are ready; nothing is drawn or encoded). Rows for
``benchmarks/bench_interpret.py``, which imports :func:`rows`.

- Saliency, Grad-CAM (last conv layer) and Integrated Gradients (50 steps, black baseline) on the default
  digits model (8×8 input): targets 5, 5 and 20 ms.
- Occlusion of a 28×28 input, 4×4 window, stride 2 (169 windows in one batch): the default digits model takes
  8×8 pictures, so this row uses the default **shapes** model (28×28). Target 30 ms; the baseline is the same
  call with one occluded image per forward pass (``perturbations_per_eval=1``), timed in alternating rounds,
  and the ratio is ours / one-at-a-time.
- For information (no target): Input × Gradient, Guided Backprop, SmoothGrad (20 samples), the sanity check
  (saliency, 4 layers randomised) and a deletion curve (21 steps).

Each call is timed alone in CPU seconds of this process (``time.process_time``, torch on one thread as the
app runs it), after a warm-up; rows give the median.

Run ``python benchmarks/interpret_attribution.py`` for a table.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from explorer.data import datasets, shapes  # noqa: E402
from explorer.interpret import attribution, occlusion  # noqa: E402
from explorer.nets import checkpoints  # noqa: E402

CALLS = 41  # per timed function: enough for a median that ignores calls disturbed by other work
WARM_UP = 3
TARGETS_MS = {"saliency": 5.0, "grad_cam": 5.0, "integrated_gradients": 20.0}
OCCLUSION_TARGET_MS = 30.0


def _times_ms(function: Callable[[], object], calls: int = CALLS) -> list[float]:
    for _ in range(WARM_UP):
        function()
    times = []
    for _ in range(calls):
        start = time.process_time()
        function()
        times.append((time.process_time() - start) * 1e3)
    return times


def _row(name: str, ours: float, *, target: float | str | None, ok: bool) -> dict:
    return {
        "name": name,
        "ours_ms": round(ours, 3),
        "baseline_ms": None,
        "ratio": None,
        "target": target,
        "ok": bool(ok),
    }


def rows() -> list[dict]:
    torch.set_num_threads(1)  # as the app (ui/torch_runtime.py) and the tests run it
    digits = checkpoints.load_default("digits").model
    digit = datasets.digits(size=8).images[0]
    out = []
    for method, label in (
        ("saliency", "saliency"),
        ("grad_cam", "Grad-CAM (last conv)"),
        ("integrated_gradients", "integrated gradients (50 steps)"),
    ):
        ours = statistics.median(_times_ms(lambda m=method: attribution.attribute(digits, digit, method=m)))
        target = TARGETS_MS[method]
        out.append(_row(f"attribution {label}, digits 8×8", ours, target=target, ok=ours <= target))

    shapes_model = checkpoints.load_default("shapes").model
    disc = shapes.make_shapes(1, seed=0).images[3]  # (1, 28, 28)
    batched, single = [], []
    for _ in range(7):  # alternating rounds: a busy moment on the machine hits both alike
        batched += _times_ms(lambda: occlusion.occlusion(shapes_model, disc, window=4, stride=2), calls=5)
        single += _times_ms(
            lambda: occlusion.occlusion(shapes_model, disc, window=4, stride=2, perturbations_per_eval=1), calls=2
        )
    ours, baseline = statistics.median(batched), statistics.median(single)
    out.append(
        {
            "name": "occlusion 4×4 stride 2, shapes 28×28 (169 windows) vs one at a time",
            "ours_ms": round(ours, 3),
            "baseline_ms": round(baseline, 3),
            "ratio": round(ours / baseline, 3),
            "target": f"<= {OCCLUSION_TARGET_MS:g} ms",
            "ok": bool(ours <= OCCLUSION_TARGET_MS),
        }
    )

    for method, label in (
        ("input_x_gradient", "input × gradient"),
        ("guided_backprop", "guided backprop"),
        ("smoothgrad", "SmoothGrad (20 samples)"),
    ):
        ours = statistics.median(_times_ms(lambda m=method: attribution.attribute(digits, digit, method=m)))
        out.append(_row(f"attribution {label}, digits 8×8", ours, target="reported", ok=True))
    heat = attribution.attribute(digits, digit, method="saliency")
    ours = statistics.median(_times_ms(lambda: attribution.sanity_check(digits, digit, method="saliency"), calls=11))
    out.append(_row("sanity check, saliency (4 layers), digits 8×8", ours, target="reported", ok=True))
    ours = statistics.median(_times_ms(lambda: attribution.deletion_curve(digits, digit, heat)))
    out.append(_row("deletion curve (21 steps), digits 8×8", ours, target="reported", ok=True))
    return out


if __name__ == "__main__":
    from benchmarks.run import table

    print(table([{"benchmark": "interpret_attribution", **row} for row in rows()]))
