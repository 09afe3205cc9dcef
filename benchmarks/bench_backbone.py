"""The pretrained backbone: one forward + backward pass at 192 px, SqueezeNet 1.1 (the app's choice,
``explorer.deep.backbone``) against MobileNetV3-small, both built with ``weights=None`` (the speed does not
depend on the weights' values), and what the "A pretrained network" page computes for one picture.

What is timed, torch on one thread as the app runs it, both networks in eval mode with frozen weights:

- ``fwd+bwd``: ``model(x)[0, c].backward()`` for a ``(1, 3, 192, 192)`` input that requires a gradient: what
  Grad-CAM, saliency, DeepDream and style transfer pay per step (the gradient goes to the input, never into
  the frozen weights). SqueezeNet is "ours", MobileNetV3-small the baseline, in alternating rounds (so a busy
  moment on the shared machine hits both alike), median CPU time (``time.process_time``) per pass;
- ``forward``: the same under ``torch.inference_mode`` (the top-5);
- the page's pieces on the astronaut at 192 px, reported: ``predict.probabilities``, Grad-CAM of the top class
  (``attribution.attribute``, on a copy as the page does), ``activations.feature_maps`` of every layer, and
  ``neighbours.bank`` of the 13 sample pictures (once per server).

The whole measurement is repeated :data:`RUNS` times; each row's ``ours_ms``/``baseline_ms`` is the median of the
runs' medians and ``ours_range``/``baseline_range`` the lowest and highest. The weights' size is reported
(``float32`` parameters, MB) beside the times.

Run ``python benchmarks/bench_backbone.py`` for a table and the JSON line; ``benchmarks/run.py`` imports
:func:`run`.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from explorer.deep import backbone, neighbours, predict  # noqa: E402
from explorer.images import samples  # noqa: E402
from explorer.interpret import activations, attribution  # noqa: E402

SIZE = 192
RUNS = 3
ROUNDS = 5  # per run, alternating SqueezeNet and MobileNet
CALLS = 10  # passes per round
PAGE_CALLS = 5
# One forward + backward must leave a page (and a DeepDream step) room: 100 ms a pass on one thread.
TARGET_MS = 100.0


def _mobilenet() -> torch.nn.Module:
    from torchvision import models

    torch.manual_seed(0)
    model = models.mobilenet_v3_small(weights=None).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def _mb(model: torch.nn.Module) -> float:
    return sum(p.numel() for p in model.parameters()) * 4 / 1e6


def _fwd_bwd(model: torch.nn.Module, x: torch.Tensor):
    def step() -> None:
        batch = x.clone().requires_grad_()
        model(batch)[0, 3].backward()

    return step


def _forward(model: torch.nn.Module, x: torch.Tensor):
    def step() -> None:
        with torch.inference_mode():
            model(x)

    return step


def _per_call_ms(function, calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        function()
    return (time.process_time() - start) / calls * 1e3


def _alternating(ours, baseline) -> tuple[float, float]:
    ours(), baseline()  # warm-up
    ours_ms, baseline_ms = [], []
    for index in range(ROUNDS):
        pair = [(ours, ours_ms), (baseline, baseline_ms)]
        for function, out in pair[::-1] if index % 2 else pair:
            out.append(_per_call_ms(function, CALLS))
    return statistics.median(ours_ms), statistics.median(baseline_ms)


def _median_ms(function, calls: int = PAGE_CALLS) -> float:
    function()
    return statistics.median(_per_call_ms(function, 1) for _ in range(calls))


def _one_run(squeeze, mobile, image: np.ndarray) -> dict[str, tuple[float, float | None]]:
    x = torch.from_numpy(np.random.default_rng(0).normal(size=(1, 3, SIZE, SIZE)).astype(np.float32))
    results: dict[str, tuple[float, float | None]] = {
        "fwd+bwd": _alternating(_fwd_bwd(squeeze, x), _fwd_bwd(mobile, x)),
        "forward": _alternating(_forward(squeeze, x), _forward(mobile, x)),
    }
    results["page: probabilities (top-5)"] = (_median_ms(lambda: predict.probabilities(squeeze, image)), None)
    results["page: Grad-CAM, top class (copy + map)"] = (
        _median_ms(lambda: attribution.attribute(copy.deepcopy(squeeze), image, method="grad_cam", target=3)),
        None,
    )
    results["page: feature maps, every layer"] = (_median_ms(lambda: activations.feature_maps(squeeze, image)), None)
    pictures = neighbours.sample_pictures()
    results["page: deep-feature bank, 13 samples"] = (
        _median_ms(lambda: neighbours.bank(squeeze, pictures), calls=1),
        None,
    )
    return results


def run() -> list[dict]:
    torch.set_num_threads(1)
    squeeze, mobile = backbone.build(pretrained=False), _mobilenet()
    image = backbone.to_input(samples.load_builtin("sample:astronaut"), SIZE)[0].numpy()
    runs = [_one_run(squeeze, mobile, image) for _ in range(RUNS)]
    rows = []
    for name in runs[0]:
        ours = [r[name][0] for r in runs]
        base = [r[name][1] for r in runs]
        has_baseline = base[0] is not None
        ours_ms = statistics.median(ours)
        baseline_ms = statistics.median(base) if has_baseline else None  # type: ignore[type-var]
        row = {
            "name": f"SqueezeNet 1.1 {name}, {SIZE} px" + (" (vs MobileNetV3-small)" if has_baseline else ""),
            "ours_ms": ours_ms,
            "baseline_ms": baseline_ms,
            "ratio": ours_ms / baseline_ms if has_baseline else None,
            # a string: the row's ratio is SqueezeNet against MobileNet, the target is on SqueezeNet's own time
            "target": f"<= {TARGET_MS:g} ms" if name == "fwd+bwd" else "reported",
            "ok": ours_ms <= TARGET_MS if name == "fwd+bwd" else True,
            "ours_range": [min(ours), max(ours)],
            "runs": RUNS,
        }
        if has_baseline:
            row["baseline_range"] = [min(base), max(base)]  # type: ignore[type-var]
        rows.append(row)
    rows.append(
        {
            "name": "weights, MB (float32 parameters): SqueezeNet 1.1 vs MobileNetV3-small",
            "ours_ms": None,
            "baseline_ms": None,
            "ratio": None,
            "target": "reported",
            "ok": True,
            "squeezenet_mb": round(_mb(squeeze), 2),
            "mobilenet_v3_small_mb": round(_mb(mobile), 2),
        }
    )
    return rows


if __name__ == "__main__":
    from benchmarks.run import table

    result = [{"benchmark": "backbone", **row} for row in run()]
    print(table(result))
    for row in result:
        extra = {k: v for k, v in row.items() if k.endswith(("_range", "_mb"))}
        if extra:
            print(f"  {row['name']}: {extra}")
    print(json.dumps({"benchmarks": result, "errors": []}))
