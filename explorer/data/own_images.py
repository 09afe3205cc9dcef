"""The user's own pictures as a :class:`~explorer.data.datasets.Dataset`, as Teachable Machine collects them.

- :func:`from_zip`: a ZIP archive with one folder per class (``cats/1.jpg``, ``dogs/2.png``; one enclosing
  folder such as ``pets/cats/1.jpg`` is fine too);
- :func:`from_class_files`: files grouped by class name (multi-file uploads or camera captures).

Every picture goes through :func:`explorer.images.imageio.load_image` (which refuses anything that is not a sane
image), then is **centre-cropped** to a square (the middle of the longer side is kept, nothing is padded or
stretched) and resized to ``image_size × image_size``. Files that can't be used are skipped and reported in
:attr:`OwnImagesResult.skipped` with the reason, so one bad file does not spoil an upload.

The ZIP is read in memory and never extracted to disk. Its directory is checked before any member is read:
the member count, every member's declared size and compression ratio, the total declared size. Reading is
guarded again by counting the bytes actually decompressed. Names that climb out of the archive (``../x.png``,
absolute paths), links, encrypted members and archives inside the archive are skipped; system clutter
(``__MACOSX/``, ``.DS_Store``, hidden files, ``Thumbs.db``) is ignored silently.
"""

from __future__ import annotations

import io
import stat
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from explorer.core import checks, dtype
from explorer.data.datasets import Dataset
from explorer.images import imageio

# Teachable Machine's range: one class is not a classification, and more than 10 would need more pictures
# per class than a workshop collects.
MIN_CLASSES, MAX_CLASSES = 2, 10
# Fewer than 5 pictures leave nothing to test on after the split, and the network learns the pictures by heart.
MIN_IMAGES_PER_CLASS = 5
# 10 classes × 100 pictures: decoding more takes minutes on a shared server, and the small networks we train
# on a CPU don't need more.
MAX_IMAGES = 1000
# ZIP members, counting folders and the __MACOSX shadow file macOS adds for each file: about 3 per picture.
MAX_MEMBERS = 3 * MAX_IMAGES
# Uploaded ZIP size: 1000 phone photos after "reduce size" export, or a few hundred full-size ones.
MAX_ZIP_BYTES = 200 * 1024 * 1024
# Declared uncompressed size: of one member (a 40-megapixel JPEG is about 15 MB) and of all members together
# (pictures hardly compress, so the total stays close to the ZIP's own size).
MAX_MEMBER_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 300 * 1024 * 1024
# Compressed pictures shrink little in a ZIP (JPEG/PNG: ratio near 1). A member over 1 MB whose declared size
# is more than 100 times its compressed size is a bomb, not a photo (a flat BMP is allowed while small).
MAX_RATIO = 100
RATIO_CHECK_BYTES = 1024 * 1024
# Class names appear as titles and in charts; 40 characters fit, longer ones are cut.
MAX_CLASS_NAME_CHARS = 40
# Output size range: below 8 pixels nothing is recognisable; above 64 a CPU training gets slow.
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 8, 64

_IMAGE_SUFFIXES = tuple(f".{ext}" for ext in imageio.UPLOAD_EXTENSIONS)
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".apk")
_CLUTTER_NAMES = ("__macosx", "thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class Skipped:
    """A file left out, and why (plain text for the user)."""

    name: str
    reason: str


@dataclass(frozen=True, eq=False)
class OwnImagesResult:
    """The data set built from the usable pictures, and the files that were left out."""

    dataset: Dataset
    skipped: tuple[Skipped, ...]


def clean_class_name(name: object) -> str:
    """A class name as plain text: control characters removed, spaces collapsed, at most
    :data:`MAX_CLASS_NAME_CHARS` characters. An empty result raises ``ValueError``."""
    if not isinstance(name, str):
        raise TypeError(f"class name must be a string, got {type(name).__name__}")
    text = unicodedata.normalize("NFC", name)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())[:MAX_CLASS_NAME_CHARS].strip()
    if not text:
        raise ValueError(f"class name must contain visible characters, got {name!r}")
    return text


def _clean_or_none(name: str | None) -> str | None:
    try:
        return clean_class_name(name) if name is not None else None
    except ValueError:
        return None


def _check_image_size(image_size: object) -> int:
    return checks.integer("image_size", image_size, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE)


def square_crop_resize(image: np.ndarray, *, image_size: int) -> np.ndarray:
    """``(H, W, 3) uint8`` -> ``(image_size, image_size, 3) uint8``: the centred square (side = shorter
    side) resized, by area averaging when shrinking and bilinearly when enlarging."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        kind = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"image must be an (H, W, 3) uint8 array, got {kind}")
    image_size = _check_image_size(image_size)
    rows, cols = image.shape[:2]
    side = min(rows, cols)
    top, left = (rows - side) // 2, (cols - side) // 2
    square = image[top : top + side, left : left + side]
    method = cv2.INTER_AREA if side >= image_size else cv2.INTER_LINEAR
    return cv2.resize(square, (image_size, image_size), interpolation=method)


def picture(data: bytes, *, image_size: int) -> np.ndarray:
    """One picture file as a data set holds it, before any gray conversion: ``(image_size, image_size, 3)
    uint8``, the centred square of the decoded file (:func:`square_crop_resize`). ``ValueError`` with the
    reason for a file that is not a readable picture."""
    image_size = _check_image_size(image_size)
    # Decoding at a few times the target size is enough and lets big JPEGs decode at reduced scale.
    rgb = imageio.load_image(data, max_side=max(4 * image_size, 256))
    return square_crop_resize(rgb, image_size=image_size)


def still_needed(counts: Mapping[str, int]) -> dict[str, int]:
    """How many more pictures each class needs before a data set can be made of them: ``{class: n}``, 0 for a
    class that has :data:`MIN_IMAGES_PER_CLASS` or more (counts of files, before any is found unreadable)."""
    if not isinstance(counts, Mapping):
        raise TypeError(f"counts must be a mapping of class name to a count, got {type(counts).__name__}")
    needed = {}
    for name, count in counts.items():
        count = checks.integer(f"counts[{name!r}]", count, 0)
        needed[name] = max(0, MIN_IMAGES_PER_CLASS - count)
    return needed


def _check_class_count(names: Sequence[str]) -> None:
    if not MIN_CLASSES <= len(names) <= MAX_CLASSES:
        found = ", ".join(repr(c) for c in names) or "none"
        raise ValueError(f"need {MIN_CLASSES} to {MAX_CLASSES} classes, got {len(names)} ({found})")


def _build(name: str, groups: dict[str, list[np.ndarray]], color: bool, skipped: list[Skipped]) -> OwnImagesResult:
    """Check the class counts and stack the pictures: ``(N, C, S, S) float32``."""
    _check_class_count(list(groups))
    for class_name, pictures in groups.items():
        if len(pictures) < MIN_IMAGES_PER_CLASS:
            raise ValueError(
                f"class {class_name!r} has {len(pictures)} usable image(s); each class needs at least "
                f"{MIN_IMAGES_PER_CLASS}"
            )
    stacked = np.stack([p for pictures in groups.values() for p in pictures])  # (N, S, S, 3) uint8
    images = dtype.to_float(stacked)
    if not color:  # the BT.601 gray of dtype.to_gray, for the whole stack at once
        images = images @ np.asarray(dtype.GRAY_WEIGHTS, dtype=np.float32)[:, None]  # (N, S, S, 1)
    labels = np.repeat(np.arange(len(groups)), [len(p) for p in groups.values()])
    dataset = Dataset(name, np.ascontiguousarray(images.transpose(0, 3, 1, 2)), labels, tuple(groups))
    return OwnImagesResult(dataset, tuple(skipped))


def from_class_files(
    files: Mapping[str, Sequence[bytes]], *, image_size: int = 32, color: bool = True, name: str = "My images"
) -> OwnImagesResult:
    """Build a data set from ``{class_name: [file bytes, ...]}``; classes keep the mapping's order.

    Returns images ``(N, 3 or 1, image_size, image_size) float32`` in ``[0, 1]``. Unreadable files are
    skipped (named ``"<class> #<n>"``). Needs 2..10 classes with at least 5 usable pictures each.
    """
    image_size = _check_image_size(image_size)
    if not isinstance(files, Mapping):
        raise TypeError(f"files must be a mapping of class name to a list of file bytes, got {type(files).__name__}")
    _check_class_count([str(k) for k in files])  # before any decoding
    lists = [v for v in files.values() if isinstance(v, Sequence) and not isinstance(v, (bytes, str))]
    total = sum(len(v) for v in lists)
    if total > MAX_IMAGES:
        raise ValueError(f"files hold {total} pictures; the limit is {MAX_IMAGES}")
    size = sum(len(item) for v in lists for item in v if isinstance(item, (bytes, bytearray, memoryview)))
    if size > MAX_TOTAL_BYTES:
        raise ValueError(f"files add up to {size / 2**20:.0f} MB; the limit is {MAX_TOTAL_BYTES // 2**20} MB")
    groups: dict[str, list[np.ndarray]] = {}
    skipped: list[Skipped] = []
    for raw_name, items in files.items():
        class_name = clean_class_name(raw_name)
        if class_name in groups:
            raise ValueError(f"two classes are both named {class_name!r}; give each class its own name")
        if isinstance(items, (bytes, str)) or not isinstance(items, Sequence):
            raise TypeError(f"files[{class_name!r}] must be a list of file bytes, got {type(items).__name__}")
        groups[class_name] = []
        for number, data in enumerate(items, start=1):
            try:
                groups[class_name].append(picture(data, image_size=image_size))
            except (ValueError, TypeError) as error:
                skipped.append(Skipped(f"{class_name} #{number}", str(error)))
    return _build(name, groups, color, skipped)


def _clutter(parts: list[str]) -> bool:
    return any(p.startswith(".") or p.lower() in _CLUTTER_NAMES for p in parts)


def _unsafe_name(name: str) -> str | None:
    """Why a member name is refused, or None."""
    if "\x00" in name:
        return "its name contains a NUL character"
    normal = name.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":"):
        return "its name is an absolute path"
    if ".." in normal.split("/"):
        return "its name points outside the archive (..)"
    return None


def _screen(info: zipfile.ZipInfo) -> str | None:
    """Why a member is skipped before reading, judged on the ZIP's directory alone; None if it may be read."""
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "it is a symbolic link"
    if info.flag_bits & 0x1:
        return "it is encrypted"
    lower = info.filename.lower()
    if lower.endswith(_ARCHIVE_SUFFIXES):
        return "it is an archive inside the archive; unpack it and add its pictures instead"
    if not lower.endswith(_IMAGE_SUFFIXES):
        return f"it is not a picture (expected {', '.join(imageio.UPLOAD_EXTENSIONS)})"
    if info.file_size > MAX_MEMBER_BYTES:
        return f"it is {info.file_size / 2**20:.0f} MB uncompressed; the limit is {MAX_MEMBER_BYTES // 2**20} MB"
    if info.file_size > RATIO_CHECK_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"it compresses {info.file_size // max(info.compress_size, 1)}:1, which only a zip bomb does"
    return None


def _class_of(paths: list[list[str]]) -> list[str | None]:
    """The class folder of each member, given its folder names: the first folder below the folders that
    all members share (``pets/cats/1.jpg`` -> ``cats``); None for a file outside any class folder."""
    shared = 0
    while (
        all(len(p) > shared for p in paths)
        and len({p[shared] for p in paths}) == 1
        and any(len(p) > shared + 1 for p in paths)  # keep one level: a lone folder is itself the class
    ):
        shared += 1
    return [p[shared] if len(p) > shared else None for p in paths]


def from_zip(data: bytes, *, image_size: int = 32, color: bool = True, name: str = "My images") -> OwnImagesResult:
    """Build a data set from a ZIP with one folder per class; classes in alphabetical order.

    Returns images ``(N, 3 or 1, image_size, image_size) float32`` in ``[0, 1]``, and the members left out
    with reasons. The whole archive is refused (``ValueError``) when it is not a ZIP, is too big, has too
    many members or declares too much uncompressed data, or when fewer than 2 or more than 10 classes or a
    class with fewer than 5 usable pictures remain.
    """
    image_size = _check_image_size(image_size)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    if len(data) > MAX_ZIP_BYTES:
        raise ValueError(f"the ZIP is {len(data) / 2**20:.0f} MB; the limit is {MAX_ZIP_BYTES // 2**20} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValueError("the file is not a readable ZIP archive") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ValueError(f"the ZIP has {len(members)} entries; the limit is {MAX_MEMBERS}")
        skipped: list[Skipped] = []
        candidates = []
        for info in members:
            parts = [p for p in info.filename.replace("\\", "/").split("/") if p]
            reason = _unsafe_name(info.filename)  # before the clutter check: ".." looks like a hidden name
            if info.is_dir() or not parts or (reason is None and _clutter(parts)):
                continue
            reason = reason or _screen(info)
            if reason:
                skipped.append(Skipped(info.filename, reason))
            else:
                candidates.append((info, parts[:-1]))
        declared = sum(info.file_size for info, _ in candidates)
        if declared > MAX_TOTAL_BYTES:
            raise ValueError(
                f"the ZIP's pictures add up to {declared / 2**20:.0f} MB uncompressed; the limit is "
                f"{MAX_TOTAL_BYTES // 2**20} MB"
            )
        if len(candidates) > MAX_IMAGES:
            raise ValueError(f"the ZIP holds {len(candidates)} pictures; the limit is {MAX_IMAGES}")
        groups: dict[str, list[np.ndarray]] = {}
        folders = _class_of([folders for _, folders in candidates])
        names = {_clean_or_none(folder) for folder in folders}
        _check_class_count(sorted(name for name in names if name is not None))  # before any decoding
        read = 0
        for (info, _), folder in sorted(zip(candidates, folders), key=lambda pair: pair[0][0].filename):
            if folder is None:
                skipped.append(Skipped(info.filename, "it is not inside a class folder"))
                continue
            try:
                with archive.open(info) as member:
                    content = member.read(MAX_MEMBER_BYTES + 1)  # never more than the limit, whatever is declared
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
                skipped.append(Skipped(info.filename, f"it could not be unpacked ({type(error).__name__})"))
                continue
            read += len(content)
            if len(content) > MAX_MEMBER_BYTES or read > MAX_TOTAL_BYTES:
                raise ValueError("the ZIP holds more data than its directory declares, as a zip bomb does")
            try:
                class_name = clean_class_name(folder)
                decoded = picture(content, image_size=image_size)
            except ValueError as error:
                skipped.append(Skipped(info.filename, str(error)))
                continue
            groups.setdefault(class_name, []).append(decoded)
    return _build(name, dict(sorted(groups.items())), color, skipped)
