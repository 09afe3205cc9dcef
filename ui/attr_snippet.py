"""The Attribution page's "Show the code": the ``explorer`` calls that redo the page in a notebook, for the
network and the image the page shows (no Streamlit here, so a test can build and run every variant)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ui import snippets

# What a session's own network (or an uploaded one) is read from in the snippet: the file the Train page saves.
MODEL_FILE = "my_model.safetensors"


def _model_lines(kind: str) -> str:
    if kind in ("digits", "shapes"):
        return (
            f'model = checkpoints.load_default("{kind}").model\n'
            f'test = recipes.RECIPES["{kind}"].data()[1]  # the test images the default model never trained on\n'
        )
    return (
        f'checkpoint = checkpoints.load_checkpoint(open("{MODEL_FILE}", "rb").read())  # saved on the Train page\n'
        "model = checkpoint.model\n"
    )


def code(
    *,
    kind: str,
    style: str,
    input_shape: tuple[int, int, int],
    source_key: str,
    methods: Sequence[str],
    options: Mapping[str, Mapping[str, Any]],
    target: int | None,
    opacity: float,
    baseline: str,
) -> str:
    """Python that loads the network (a default by name, else the file saved on the Train page) and the image
    (a test image by number, else a picture through ``predict_one``), then makes the page's maps, overlays,
    sanity check and deletion curves."""
    method_calls = "\n".join(
        f"    {method!r}: attribution.attribute(model, image, method={method!r}, target=target"
        + "".join(f", {name}={value!r}" for name, value in options.get(method, {}).items())
        + "),"
        for method in methods
    )
    return (
        "from explorer.images import imageio, samples\n"
        "from explorer.interpret import attribution\n"
        "from explorer.nets import checkpoints, predict_one, recipes\n\n"
        + _model_lines(kind)
        + f"model_input_shape = {tuple(input_shape)!r}\n"
        + snippets.inspect_image_lines(source_key, kind=kind, style=style)
        + "probabilities = predict_one.class_probabilities(model, image)\n"
        + (
            "target = int(probabilities.argmax())  # the predicted class\n"
            if target is None
            else f"target = {int(target)}\n"
        )
        + "maps = {  # each (H, W) float32\n"
        + method_calls
        + "\n}\n"
        + "pictures = {name: attribution.overlay(image, heat, opacity="
        + f"{opacity:g}, signed=name in attribution.SIGNED_METHODS)\n"
        + "            for name, heat in maps.items()}  # (H, W, 3) uint8 each\n"
        + "checks = attribution.sanity_checks(model, image, methods=list(maps), target=target"
        + (
            ", options={" + ", ".join(f"{m!r}: {dict(options[m])!r}" for m in methods if options.get(m)) + "}"
            if any(options.get(m) for m in methods)
            else ""
        )
        + ")\n"
        + "for name, (trained_map, steps) in checks.items():\n"
        + '    print(name, [f"{layer}: {rho:.2f}" for layer, _, rho in steps])  # Spearman rho per layer randomised\n'
        + f"curves = attribution.deletion_curves(model, image, maps, target=target, baseline={baseline!r})\n"
        + "for name, (fractions, probs, area) in sorted(curves.items(), key=lambda item: item[1][2]):\n"
        + '    print(f"{name}: area under the deletion curve {area:.3f}")  # smallest first: explains best\n'
    )
