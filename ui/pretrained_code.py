"""The "A pretrained network" page's "Show the code": the ``explorer`` calls that redo the page in a notebook for
the picture, class and layers it shows (no Streamlit here, so a test can build and run every variant)."""

from __future__ import annotations

from collections.abc import Sequence

from explorer.deep import backbone
from ui import snippets


def code(
    *, image_id: str, pretrained: bool, target: int | None, cam_layer: int, layers: Sequence[str], size: int
) -> str:
    """Python that loads the picture (``snippets.load_lines``), builds the network (with the ImageNet weights
    when ``pretrained``, else random ones, as an offline page shows), and computes the top-5, the Grad-CAM of
    ``target`` (``None``: the top class) on the module at index ``cam_layer``, the chosen ``layers``' feature
    maps and the nearest sample pictures."""
    if pretrained:
        build = "model = backbone.build(pretrained=True)  # ImageNet weights, fetched once: backbone.download_weights()"
    else:
        build = (
            "# The ImageNet weights are not on this server yet: random weights, so the classes mean nothing.\n"
            f"# After `{backbone.PREFETCH_COMMAND}`, use pretrained=True.\n"
            "model = backbone.build(pretrained=False)"
        )
    name = image_id.partition(":")[2] if image_id.startswith("sample:") else None
    explained = "top5[0].class_index" if target is None else str(int(target))
    lines = [
        "import torch",
        "",
        "from explorer.core import dtype",
        "from explorer.deep import backbone, neighbours, predict",
        "from explorer.images import imageio, samples",
        "from explorer.interpret import activations, attribution",
        "",
        snippets.load_lines(image_id).replace("image = ", "picture = ", 1),
        build,
        f"image = backbone.to_input(picture, {int(size)})[0].numpy()  # (3, h, w) float32, ImageNet-normalised",
        "",
        "probs = predict.probabilities(model, image)  # (1000,) softmax of the logits",
        "top5 = predict.top_k(probs, k=5)  # [Prediction(class_index, name, probability), ...]",
        "for p in top5:",
        '    print(f"{p.probability:6.1%}  {p.name}")',
        "",
        "# Grad-CAM: where the class is seen, by the maps of one layer (14: the 1000 class maps; 12: fire9...)",
        f"heat = attribution.attribute(model, image, method='grad_cam', target={explained}, layer={int(cam_layer)})",
        "rgb = dtype.to_float(backbone.to_picture(torch.from_numpy(image))).transpose(2, 0, 1)  # (3, h, w) in [0, 1]",
        "overlay = attribution.overlay(rgb, heat, opacity=0.6)  # (h, w, 3) uint8",
        "",
        "maps = activations.feature_maps(model, image)  # {'1. conv 64 3×3': (64, h1, w1), ..., '13. Fire': ...}",
        'by_index = {int(name.split(".")[0]) - 1: values for name, values in maps.items()}',
        f"for layer in {list(layers)!r}:  # the names of the SqueezeNet paper",
        "    print(layer, by_index[backbone.LAYERS[layer]].shape)  # (channels, rows, cols)",
        "",
        "# Nearest sample pictures by deep features (fire9, averaged) and by pixels (32 × 32)",
        "bank = neighbours.bank(model, neighbours.sample_pictures())  # the built-in samples",
        "by_deep, by_pixels = neighbours.nearest(",
        f"    neighbours.deep_vector(model, picture), neighbours.pixel_vector(picture), bank, k=3, exclude={name!r}",
        ")",
        'print("deep:", by_deep)',
        'print("pixels:", by_pixels)',
    ]
    return "\n".join(lines) + "\n"
