"""The pretrained backbone: SqueezeNet 1.1 trained on ImageNet, its weights fetched once into the cache folder.

Why SqueezeNet 1.1 (``benchmarks/bench_backbone.py`` measures both candidates, one thread, 192 px): one forward
and backward pass takes about 28 ms against MobileNetV3-small's 14 ms, both far inside what a page needs, and
its top-1 accuracy is lower (58 % against 68 %); but its weights are half the size (4.7 MB against 9.8 MB), and
it is plain convolutions and ReLUs, without batch normalisation, squeeze-and-excitation or hard-swish. That
keeps its feature maps readable, and Gram-matrix style transfer and DeepDream work on its activations as on the
VGG networks they were invented on (Stanford's CS231n uses SqueezeNet 1.1 for both for the same reason).

The weights are torchvision's (:data:`WEIGHTS_URL`); the first 8 hex digits of their SHA-256 are part of the
file name, and a download whose digest does not start with them is refused (torchvision's own check). They are
loaded with ``torch.load(..., weights_only=True)``. Without them, :func:`build` with ``pretrained=True`` raises
:class:`WeightsUnavailableError`, whose message says how to fetch them (:data:`PREFETCH_COMMAND`);
``pretrained=False`` builds the same network with seeded random weights (the tests, and offline exploring of
the architecture).

Pictures go in as ``(N, 3, H, W)`` ``float32`` tensors normalised with ImageNet's mean and standard deviation
(:func:`to_input`); the network accepts any size from about 64 px (it ends with a global average pool).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from explorer.core import checks, dtype, resize
from explorer.data import downloads

if TYPE_CHECKING:
    import torch
    from torch import nn

NAME = "squeezenet1_1"
TITLE = "SqueezeNet 1.1, trained on ImageNet"
WEIGHTS_URL = "https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth"  # torchvision's IMAGENET1K_V1
WEIGHTS_MB = 4.7
# What to run on a connected machine to fill the cache folder (then copy the folder, or run it on the server).
PREFETCH_COMMAND = "python scripts/prefetch_weights.py"
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)  # ImageNet's, per RGB channel
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# The layers a page can choose, as named in the SqueezeNet paper, with their index in the model (:func:`build`):
# conv1 (64 channels, stride 2), then "fire" modules (a 1×1 squeeze, then 1×1 and 3×3 expands, concatenated),
# with a max pool after conv1, fire3 and fire5. Channels: fire2-3 128, fire4-5 256, fire6-7 384, fire8-9 512.
LAYERS: dict[str, int] = {
    "conv1": 0,
    "fire2": 3,
    "fire3": 4,
    "fire4": 6,
    "fire5": 7,
    "fire6": 9,
    "fire7": 10,
    "fire8": 11,
    "fire9": 12,
}
# The last convolutional layer, whose 512 averaged channels are the network's "deep features".
FEATURE_LAYER = "fire9"
# The 1×1 convolution that turns fire9's 512 maps into one map per class (the scores are those maps' averages).
CLASS_MAPS_LAYER = 14
_HASH_PREFIX = re.compile(r"-([a-f0-9]+)\.")
_LOCK = threading.Lock()  # several sessions may ask for the weights at once: one downloads, the others wait


class WeightsUnavailableError(ConnectionError, ValueError):
    """The pretrained weights are not in the cache and cannot be downloaded now. A ``ValueError`` too, so
    pages show its message like any other problem with the user's request."""


def weights_path(root: str | Path | None = None, url: str = WEIGHTS_URL) -> Path:
    """Where the weights of ``url`` live in the cache folder ``root`` (default ``downloads.DEFAULT_ROOT``)."""
    return Path(root if root is not None else downloads.DEFAULT_ROOT) / "weights" / url.rsplit("/", 1)[-1]


def weights_cached(root: str | Path | None = None, url: str = WEIGHTS_URL) -> bool:
    """True if the weights are in the cache folder (no network is touched)."""
    return weights_path(root, url).is_file()


def unavailable_message(reason: str) -> str:
    """The one sentence every page shows when the weights are missing and can't be fetched now."""
    return (
        f"The pretrained network needs a one-time download of its weights ({WEIGHTS_MB:g} MB from "
        f"download.pytorch.org), and {reason}. On a machine with internet, run `{PREFETCH_COMMAND}` in the app's "
        f"folder (it fills {downloads.DEFAULT_ROOT}/weights; copy that folder to the server if it is another "
        "machine). Every other page works offline."
    )


def download_weights(
    root: str | Path | None = None, *, url: str = WEIGHTS_URL, on_progress: Callable[[float], None] | None = None
) -> Path:
    """Fetch the weights into the cache folder unless they are there; returns their path.

    The server is first checked with a connection attempt of at most ``downloads.REACHABILITY_TIMEOUT`` seconds,
    so an offline machine raises :class:`WeightsUnavailableError` within seconds. ``on_progress`` gets the
    fraction done (0..1) as bytes arrive, and 1.0 at the end. A file whose SHA-256 does not start with the hex
    prefix in its name is refused and not kept.
    """
    target = weights_path(root, url)
    found = _HASH_PREFIX.search(url.rsplit("/", 1)[-1])
    if found is None:
        raise ValueError(f"url must name a weights file with a hash prefix, as torchvision's do; got {url!r}")
    with _LOCK:
        if not target.is_file():
            if not downloads.is_reachable(url):
                host = url.split("/")[2]
                raise WeightsUnavailableError(
                    unavailable_message(f"{host} could not be reached within {downloads.REACHABILITY_TIMEOUT:g} s")
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            expected_bytes = WEIGHTS_MB * 1e6 if url == WEIGHTS_URL else 0.0
            done = 0

            def on_bytes(count: int) -> None:
                nonlocal done
                done += count
                if on_progress is not None and expected_bytes:
                    on_progress(min(done / expected_bytes, 0.99))

            try:
                downloads.download_file(url, target, algorithm="sha256", expected=found.group(1), on_bytes=on_bytes)
            except (OSError, ValueError) as error:
                raise WeightsUnavailableError(unavailable_message(f"the download failed ({error})")) from None
    if on_progress is not None:
        on_progress(1.0)
    return target


def build(*, pretrained: bool, root: str | Path | None = None, seed: int = 0, url: str = WEIGHTS_URL) -> nn.Sequential:
    """SqueezeNet 1.1 as one flat ``nn.Sequential``, in eval mode, every parameter frozen.

    Flat, so the Inspect section's functions (feature maps, Grad-CAM on a layer index, class pictures), which
    take a ``Sequential``, work on it unchanged: torchvision's ``features`` (indices 0-12, as :data:`LAYERS`),
    then its ``classifier`` (13 dropout, 14 the 1×1 convolution to 1,000 classes, 15 ReLU, 16 global average
    pool) and 17 a flatten; the same computation as torchvision's ``forward``. Frozen (``requires_grad=False``):
    gradients still flow to the input (saliency, DeepDream, style transfer) and to activations (Grad-CAM), never
    into the weights.

    pretrained : load the ImageNet weights from the cache folder ``root`` (raises
        :class:`WeightsUnavailableError` when they are not there: call :func:`download_weights` first);
        False: the same architecture with random weights drawn with ``seed``.
    Output: ``(N, 1000)`` logits for ``(N, 3, H, W)`` normalised input.
    """
    import torch
    from torch import nn
    from torchvision import models

    seed = checks.integer("seed", seed, 0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        network = models.squeezenet1_1(weights=None)
    if pretrained:
        path = weights_path(root, url)
        if not path.is_file():
            raise WeightsUnavailableError(unavailable_message("they are not in the cache folder yet"))
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            network.load_state_dict(state)
        except Exception as error:  # a truncated or foreign file: say which, and how to get a good one
            raise WeightsUnavailableError(
                unavailable_message(f"the file {path} could not be read ({type(error).__name__}); delete it")
            ) from None
    model = nn.Sequential(*network.features, *network.classifier, nn.Flatten())
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def categories() -> tuple[str, ...]:
    """The 1,000 ImageNet class names, in the network's output order (torchvision's list; no download)."""
    from torchvision.models import SqueezeNet1_1_Weights

    return tuple(SqueezeNet1_1_Weights.IMAGENET1K_V1.meta["categories"])


def to_input(picture: np.ndarray, size: int) -> torch.Tensor:
    """A picture as the network's input: ``(1, 3, h, w)`` ``float32``, ImageNet-normalised.

    picture : ``(H, W, 3)`` RGB or ``(H, W)`` gray, ``uint8`` or float in ``[0, 1]``; gray is repeated
        into three channels. It is resized (area-averaging when shrinking) so its longer side is ``size``
        pixels, keeping its aspect ratio (the network takes any size).
    size : the longer side in pixels, 32..1024.
    """
    import torch

    size = checks.integer("size", size, 32, 1024)
    rgb = dtype.to_float(np.asarray(picture))
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"picture must be (H, W, 3) RGB or (H, W) gray, got shape {np.shape(picture)}")
    resized = resize.to_longer_side(rgb, side=size)
    normalised = (resized - MEAN) / STD
    return torch.from_numpy(np.ascontiguousarray(normalised.transpose(2, 0, 1)[None], dtype=np.float32))


def to_picture(tensor: torch.Tensor) -> np.ndarray:
    """The inverse of :func:`to_input` for one picture: ``(1, 3, h, w)`` or ``(3, h, w)`` normalised
    tensor → ``(h, w, 3)`` ``uint8`` RGB (values outside ``[0, 1]`` after un-normalising are clipped)."""
    array = tensor.detach().cpu().numpy().astype(np.float32)
    if array.ndim == 4:
        if array.shape[0] != 1:
            raise ValueError(f"tensor must hold one picture, got batch of {array.shape[0]}")
        array = array[0]
    if array.ndim != 3 or array.shape[0] != 3:
        raise ValueError(f"tensor must be (1, 3, h, w) or (3, h, w), got shape {tuple(tensor.shape)}")
    rgb = array.transpose(1, 2, 0) * STD + MEAN
    return dtype.to_uint8(np.clip(rgb, 0.0, 1.0))
