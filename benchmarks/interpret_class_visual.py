"""Speed of ``explorer.interpret.class_visual`` on the shipped models, compute only (issue 10, "Performance").

- ``class_images`` of all 10 classes on the default digits model (8×8), the page's default settings (150
  steps), in one batch: target ≤ 2 s. The baseline is the same pictures made one class at a time (10 calls),
  timed in alternating rounds; the ratio is ours / one at a time.
- The same for the 8 classes of the default shapes model (28×28), and one channel of the last conv layer of
  each model (the page's "one channel"): reported.

Torch runs on one thread, as in the app's workers. Each call is timed in CPU seconds of this process
(``time.process_time``: other programs on this shared machine don't count); the median of a few rounds after a
warm-up.
``benchmarks/bench_interpret.py`` can gather :func:`rows` with the other Inspect benchmarks;
``python benchmarks/interpret_class_visual.py`` prints a table.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ALL_CLASSES_TARGET_S = 2.0
ROUNDS = 5  # a round is a few tenths of a second: the median of five ignores one disturbed round


def _seconds(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def _compare(ours, baseline, rounds: int = ROUNDS) -> tuple[float, float]:
    ours(), baseline()  # warm-up
    ours_s, baseline_s = [], []
    for index in range(rounds):
        pair = [(ours, ours_s), (baseline, baseline_s)]
        for function, out in pair[:: -1 if index % 2 else 1]:
            out.append(_seconds(function))
    return statistics.median(ours_s), statistics.median(baseline_s)


def rows() -> list[dict]:
    """The all-classes rows (digits with the ≤ 2 s target, shapes reported) and the one-channel rows."""
    from explorer.interpret import activations, class_visual
    from explorer.nets import checkpoints
    from ui import torch_runtime

    torch_runtime.configure()
    out = []
    for name in ("digits", "shapes"):
        checkpoint = checkpoints.load_default(name)
        model, shape = checkpoint.model, checkpoint.spec.input_shape
        classes = len(checkpoint.class_names)

        def batch(model=model, shape=shape):
            return class_visual.class_images(model, shape)

        def one_at_a_time(model=model, shape=shape, classes=classes):
            return [class_visual.class_images(model, shape, classes=[k]) for k in range(classes)]

        ours, baseline = _compare(batch, one_at_a_time)
        digits = name == "digits"
        out.append(
            {
                "name": f"class_images, all {classes} classes of the {name} model ({shape[1]}×{shape[2]}), "
                f"{class_visual.DEFAULT.steps} steps, one batch vs one class at a time",
                "ours_ms": round(ours * 1e3, 1),
                "baseline_ms": round(baseline * 1e3, 1),
                "ratio": round(ours / baseline, 2),
                "target": f"<= {ALL_CLASSES_TARGET_S:g} s" if digits else "reported",
                "ok": ours <= ALL_CLASSES_TARGET_S if digits else True,
            }
        )
        layer = activations.conv_layer_names(model)[-1]

        def one_channel(model=model, shape=shape, layer=layer):
            return class_visual.channel_images(model, shape, layer=layer, channels=[0])

        one_channel()  # warm-up
        channel_s = statistics.median(_seconds(one_channel) for _ in range(ROUNDS))
        out.append(
            {
                "name": f"channel_images, one channel of {layer}, {name} model",
                "ours_ms": round(channel_s * 1e3, 1),
                "baseline_ms": None,
                "ratio": None,
                "target": "reported",
                "ok": True,
            }
        )
    return out


def main() -> None:
    from bench_interpret import print_part

    print_part("interpret_class_visual", rows())


if __name__ == "__main__":
    main()
