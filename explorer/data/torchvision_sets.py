"""MNIST, Fashion-MNIST and CIFAR-10 through torchvision, downloaded once into a cache folder.

:func:`load_torchvision` returns a :class:`~explorer.data.datasets.Dataset`. The files are fetched here (not by
torchvision) so that every network operation has a timeout and reports its progress: the server is checked
first with a short connection attempt (:data:`REACHABILITY_TIMEOUT`), so a machine without internet gets a
clear :class:`DatasetUnavailableError` within seconds instead of a hang. Each archive is checked against the
MD5 sum torchvision lists for it, then unpacked with torchvision's own ``extract_archive``, and torchvision's
dataset classes read the unpacked files.

Note on CIFAR-10: its batches are Python pickles, which torchvision unpickles. That is acceptable only
because they are the official files, verified by MD5 after download into our own cache folder. A pickle
from a user could run arbitrary code when loaded: user uploads never go near this module (see
``explorer.data.own_images``).

torch and torchvision are imported inside the functions that need them, so importing this module is cheap.
"""

from __future__ import annotations

import numbers
import os
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core import dtype
from explorer.data.datasets import Dataset
from explorer.data.downloads import (  # noqa: F401  (DOWNLOAD_TIMEOUT: the tests read it here)
    DEFAULT_ROOT,
    DOWNLOAD_TIMEOUT,
    REACHABILITY_TIMEOUT,
    download_file,
    is_reachable,
)

TORCHVISION_DATASETS = ("mnist", "fashion_mnist", "cifar10")
# Approximate archive sizes in bytes, used only to weight the progress bar across files.
_SIZES = {
    "train-images-idx3-ubyte.gz": {"mnist": 9_912_422, "fashion_mnist": 26_421_880},
    "train-labels-idx1-ubyte.gz": {"mnist": 28_881, "fashion_mnist": 29_515},
    "t10k-images-idx3-ubyte.gz": {"mnist": 1_648_877, "fashion_mnist": 4_422_102},
    "t10k-labels-idx1-ubyte.gz": {"mnist": 4_542, "fashion_mnist": 5_148},
    "cifar-10-python.tar.gz": {"cifar10": 170_498_071},
}
_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}
# Several sessions may ask for the same data set at once: one downloads, the others wait and then read it.
_LOCKS = {name: threading.Lock() for name in TORCHVISION_DATASETS}


class DatasetUnavailableError(ConnectionError, ValueError):
    """The data set is not in the cache and cannot be downloaded now. A ``ValueError`` too, so pages show
    its message like any other problem with the user's request."""


@dataclass(frozen=True)
class _Archive:
    filename: str
    md5: str
    urls: tuple[str, ...]  # mirrors, tried in order
    folder: Path  # where the archive is saved and unpacked
    unpacked: tuple[Path, ...]  # files it produces


def _archives(name: str, root: Path) -> tuple[type, list[_Archive]]:
    """torchvision's dataset class and its archives (names, checksums and mirrors are torchvision's own)."""
    from torchvision import datasets as tv

    if name == "cifar10":
        cls = tv.CIFAR10
        folder = root / cls.base_folder
        files = [f for f, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]
        return cls, [_Archive(cls.filename, cls.tgz_md5, (cls.url,), root, tuple(folder / f for f in files))]
    cls = tv.MNIST if name == "mnist" else tv.FashionMNIST
    raw = root / cls.__name__ / "raw"
    return cls, [
        _Archive(filename, md5, tuple(m + filename for m in cls.mirrors), raw, (raw / filename[: -len(".gz")],))
        for filename, md5 in cls.resources
    ]


def _fetch(name: str, archives: list[_Archive], on_progress: Callable[[float], None] | None) -> None:
    """Download the missing archives, reporting the fraction of bytes done across all of them."""
    missing = [a for a in archives if not (a.folder / a.filename).exists() and not all(p.exists() for p in a.unpacked)]
    total = sum(_SIZES.get(a.filename, {}).get(name, 1) for a in missing) or 1
    done = 0

    def on_bytes(count: int) -> None:
        nonlocal done
        done += count
        if on_progress is not None:
            on_progress(min(done / total, 0.99))

    for archive in missing:
        archive.folder.mkdir(parents=True, exist_ok=True)
        errors = []
        for url in archive.urls:
            if not is_reachable(url):
                host = urllib.parse.urlsplit(url).hostname
                errors.append(f"{host} could not be reached within {REACHABILITY_TIMEOUT:g} s")
                continue
            try:
                download_file(
                    url, archive.folder / archive.filename, algorithm="md5", expected=archive.md5, on_bytes=on_bytes
                )
                break
            except (OSError, ValueError) as error:  # timeouts, HTTP errors, refused connections, bad checksum
                errors.append(f"{urllib.parse.urlsplit(url).hostname}: {error}")
        else:
            raise DatasetUnavailableError(
                f"{_TITLES[name]} is not downloaded yet and could not be downloaded now ({'; '.join(errors)}). "
                "Check the internet connection, or use the Digits or Shapes data sets, which work offline."
            )


def _unpack(archives: list[_Archive]) -> None:
    from torchvision.datasets.utils import extract_archive

    for archive in archives:
        if not all(path.exists() for path in archive.unpacked):
            extract_archive(str(archive.folder / archive.filename), str(archive.folder))


def _first_per_class(labels: np.ndarray, max_per_class: int | None) -> np.ndarray:
    """Indices of the first ``max_per_class`` images of each class, in file order (all when None)."""
    if max_per_class is None:
        return np.arange(len(labels))
    rank = np.zeros(len(labels), dtype=np.int64)  # how many earlier images share the label
    for label in np.unique(labels):
        members = labels == label
        rank[members] = np.arange(members.sum())
    return np.flatnonzero(rank < max_per_class)


def load_torchvision(
    name: str,
    *,
    train: bool = True,
    max_per_class: int | None = None,
    root: str | os.PathLike | None = None,
    download: bool = True,
    on_progress: Callable[[float], None] | None = None,
) -> Dataset:
    """MNIST, Fashion-MNIST or CIFAR-10 as a :class:`~explorer.data.datasets.Dataset`.

    name : one of :data:`TORCHVISION_DATASETS`.
    train : the official training set (60,000 / 60,000 / 50,000 images) or test set (10,000 each).
    max_per_class : keep only the first this many images of each class, in file order (all when None).
        Memory: all of CIFAR-10's training set is 50,000 × 3 × 32 × 32 float32 = 600 MB.
    root : cache folder (default :data:`DEFAULT_ROOT`); torchvision's layout inside it
        (``MNIST/raw/...``, ``FashionMNIST/raw/...``, ``cifar-10-batches-py/...``).
    download : fetch missing files; if False, missing files raise ``ValueError``.
    on_progress : called with the fraction done (0..1) while downloading, and with 1.0 at the end.

    Images are ``(N, 1, 28, 28)`` (MNIST, Fashion-MNIST) or ``(N, 3, 32, 32)`` (CIFAR-10) ``float32`` in
    ``[0, 1]``. Raises :class:`DatasetUnavailableError` when files are missing and the server can't be reached.
    """
    if name not in TORCHVISION_DATASETS:
        raise ValueError(f"name must be one of {TORCHVISION_DATASETS}, got {name!r}")
    if max_per_class is not None and (
        isinstance(max_per_class, bool) or not isinstance(max_per_class, numbers.Integral) or max_per_class < 1
    ):
        raise ValueError(f"max_per_class must be a whole number >= 1 or None, got {max_per_class!r}")
    root = Path(root) if root is not None else DEFAULT_ROOT
    cls, archives = _archives(name, root)
    with _LOCKS[name]:
        have = [a for a in archives if (a.folder / a.filename).exists() or all(p.exists() for p in a.unpacked)]
        if len(have) < len(archives):
            if not download:
                raise ValueError(f"{_TITLES[name]} is not in the cache folder {root}; download it first")
            _fetch(name, archives, on_progress)
        _unpack(archives)
    try:
        source = cls(str(root), train=bool(train), download=False)
    except RuntimeError:  # torchvision's "not found or corrupted"
        raise ValueError(
            f"the {_TITLES[name]} files in {root} are damaged; delete that folder and load the data set again"
        ) from None
    labels = np.asarray(source.targets, dtype=np.int64)
    keep = _first_per_class(labels, max_per_class)
    data = source.data.numpy() if hasattr(source.data, "numpy") else np.asarray(source.data)
    pixels = data[keep]  # (n, 28, 28) uint8, or (n, 32, 32, 3) for CIFAR-10
    images = dtype.to_float(pixels[:, None] if pixels.ndim == 3 else pixels.transpose(0, 3, 1, 2))
    class_names = tuple(c.split(" - ")[0] for c in source.classes)  # MNIST's "0 - zero" becomes "0"
    if on_progress is not None:
        on_progress(1.0)
    title = f"{_TITLES[name]} ({'train' if train else 'test'})"
    return Dataset(title, np.ascontiguousarray(images, dtype=np.float32), labels[keep], class_names)
