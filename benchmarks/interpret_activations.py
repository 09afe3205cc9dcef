"""Speed of ``explorer.interpret.activations`` on the default digits model, compute only (issue 10, "Performance").

- ``feature_maps`` of every layer for one 8×8 test digit, against the bare forward pass ``model(x)`` under
  ``torch.inference_mode`` (what the maps cost on top of the prediction the page makes anyway), timed in
  alternating rounds; median wall time per call. Target: ≤ 10 ms.
- ``top_patches`` of one conv channel over the digits test split (359 images), and ``filter_spectra`` of conv1
  at the Kernels page's size (64): reported.

Torch runs on one thread, as in the app (``ui.torch_runtime``). ``benchmarks/bench_interpret.py`` gathers
:func:`rows` with the other Inspect benchmarks; ``python benchmarks/interpret_activations.py`` prints a table.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FEATURE_MAPS_TARGET_MS = 10.0
# 15 rounds of 40 calls: a call is about a millisecond, so a round is long enough for the timer and the median
# of rounds ignores one disturbed by the other programs on this shared machine.
ROUNDS = 15
CALLS = 40


def _per_call_ms(function, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls * 1e3


def _compare(ours, baseline, *, rounds: int = ROUNDS, calls: int = CALLS) -> tuple[float, float]:
    """Median ms per call of each, in alternating rounds (order swapped every round), after a warm-up."""
    for _ in range(5):
        ours(), baseline()
    ours_ms, baseline_ms = [], []
    for index in range(rounds):
        pair = [(ours, ours_ms), (baseline, baseline_ms)]
        for function, out in pair[:: -1 if index % 2 else 1]:
            out.append(_per_call_ms(function, calls))
    return statistics.median(ours_ms), statistics.median(baseline_ms)


def _median_ms(function, *, rounds: int = 7, calls: int = 3) -> float:
    function()
    return statistics.median(_per_call_ms(function, calls) for _ in range(rounds))


def rows() -> list[dict]:
    """The feature-maps row (target ≤ 10 ms, ratio to the bare forward pass), then the reported rows."""
    import torch

    from explorer.data import datasets
    from explorer.interpret import activations
    from explorer.nets import checkpoints
    from ui import torch_runtime

    torch_runtime.configure()
    checkpoint = checkpoints.load_default("digits")
    model = checkpoint.model
    _, test = datasets.digits(size=8).split(0.2, seed=0)
    image = test.images[0]
    x = torch.from_numpy(image.copy())[None]

    def forward():
        with torch.inference_mode():
            return model(x)

    ours, baseline = _compare(lambda: activations.feature_maps(model, image), forward)
    layers = len(activations.layer_names(model))
    out = [
        {
            "name": f"feature_maps, every layer ({layers} maps), digits model, one 8×8 image vs model(x)",
            "ours_ms": round(ours, 3),
            "baseline_ms": round(baseline, 3),
            "ratio": round(ours / baseline, 2),
            "target": f"<= {FEATURE_MAPS_TARGET_MS:g} ms",
            "ok": ours <= FEATURE_MAPS_TARGET_MS,
        }
    ]
    layer = activations.conv_layer_names(model)[-1]
    top_ms = _median_ms(lambda: activations.top_patches(model, test.images, layer=layer, channel=0, k=9))
    out.append(
        {
            "name": f"top_patches, layer {layer}, {len(test.images)} test digits, k=9",
            "ours_ms": round(top_ms, 3),
            "baseline_ms": None,
            "ratio": None,
            "target": "reported",
            "ok": True,
        }
    )
    spectra_ms = _median_ms(lambda: activations.filter_spectra(model, size=64))
    out.append(
        {
            "name": "filter_spectra, conv1's 32 filters at 64×64",
            "ours_ms": round(spectra_ms, 3),
            "baseline_ms": None,
            "ratio": None,
            "target": "reported",
            "ok": True,
        }
    )
    return out


def main() -> None:
    from bench_interpret import print_part

    print_part("interpret_activations", rows())


if __name__ == "__main__":
    main()
