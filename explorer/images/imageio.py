"""Turning uploaded bytes into a picture we can work on.

:func:`load_image` is the only door for user files. It decodes with Pillow and returns ``(H, W, 3) uint8``
RGB, at most :data:`WORKING_SIZE` pixels on the longest side. Anything it cannot use (empty files, web
pages, archives, damaged or enormous images) raises ``ValueError`` with a message meant for the person who
uploaded the file; no Pillow exception ever escapes.

Moving between that ``uint8`` edge format and the ``float32`` ``[0, 1]`` processing format is
:mod:`explorer.core.dtype`'s job (the one dtype rule).
"""

from __future__ import annotations

import io
import math
import re
import warnings

import numpy as np
from PIL import Image, ImageFile, ImageOps

from explorer.core import checks, resize

UPLOAD_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif")
# Every filter in the app runs interactively on the current image: 1024 px on the longest side keeps a
# convolution or a CNN forward pass well under a second while showing plenty of detail.
WORKING_SIZE = 1024
# Checked on the header, before any pixel is decoded. A 12-megapixel phone photo (and up to ~40 MP
# cameras) must load, while a small file announcing e.g. 20000 x 20000 pixels (a decompression bomb,
# 1.2 GB of RGB) is refused. 40 MP of RGB is 120 MB while decoding, which one session can afford.
MAX_PIXELS = 40_000_000

# Only the decoders for the formats we accept are tried: Pillow can also open formats whose plugins call
# outside programs (EPS runs Ghostscript) or are rarely exercised, and an upload must never reach them.
# (Phone "MPO" JPEGs are opened by the JPEG plugin.)
_PILLOW_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")
_FORMATS_TEXT = "PNG, JPEG, WebP, BMP, TIFF or GIF"
# A damaged file is an error, not a half-grey picture (Pillow's default; restated because it is global).
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Leading bytes of common non-image files, to say what the file is instead of just "not an image".
_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"%PDF", "a PDF document"),
)
# How many leading bytes are inspected to recognise text files (SVG, HTML, XML, plain text).
_SNIFF_BYTES = 2048


def _not_image(what: str, advice: str) -> ValueError:
    return ValueError(f"the file is {what}, not an image; {advice}")


def _sniff(data: bytes) -> ValueError | None:
    """A specific error for well-known non-image files, or None."""
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            advice = "unpack it and upload a single picture" if "archive" in what else "export a page as PNG"
            return _not_image(what, advice)
    if len(data) > 262 and data[257:262] == b"ustar":
        return _not_image("a tar archive", "unpack it and upload a single picture")
    head = data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        if b"<svg" in head:
            return _not_image("an SVG drawing (vector graphics)", "export it as PNG first")
        if b"<html" in head or b"<!doctype html" in head:
            return _not_image("a web page (HTML)", "save the picture itself rather than the page")
        return _not_image("XML or HTML text", f"expected {_FORMATS_TEXT}")
    return None


def _looks_like_text(data: bytes) -> bool:
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return False
    printable = sum(byte >= 32 or byte in b"\t\r\n" for byte in head)
    return printable >= 0.95 * len(head)


def _too_large(pixels: int | None, width: int | None, height: int | None, max_pixels: int) -> ValueError:
    limit = f"the limit is {max_pixels / 1e6:g} megapixels"
    if width and height:
        return ValueError(
            f"the image is too large: its header announces {width} × {height} pixels "
            f"({width * height / 1e6:.1f} megapixels); {limit}"
        )
    if pixels:
        return ValueError(f"the image is too large: its header announces {pixels / 1e6:.1f} megapixels; {limit}")
    return ValueError(f"the image is too large; {limit}")


def _pillow_limit(max_pixels: int) -> int:
    return min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Identify the file and check its header size; nothing is decoded yet."""
    try:
        image = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow's own cap (Image.MAX_IMAGE_PIXELS) is checked on open and can be lower than max_pixels.
        match = re.search(r"\((\d+) pixels\)", str(error))
        raise _too_large(int(match.group(1)) if match else None, None, None, _pillow_limit(max_pixels)) from None
    except Exception:  # UnidentifiedImageError, or a header too damaged to parse (OSError, SyntaxError...)
        if _looks_like_text(data):
            raise _not_image("plain text", f"expected {_FORMATS_TEXT}") from None
        raise ValueError(f"the file is not an image this app can read (expected {_FORMATS_TEXT})") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise ValueError(f"the image header announces {width} × {height} pixels, which is empty")
    if width * height > max_pixels:
        raise _too_large(None, width, height, max_pixels)
    return image


def _decode(image: Image.Image, max_side: int) -> Image.Image:
    """Decode the first frame (at reduced scale for big JPEGs) and apply the EXIF orientation."""
    try:
        image.seek(0)  # the first frame of an animation (or of a phone's multi-picture JPEG)
        width, height = image.size
        if image.format in ("JPEG", "MPO") and max(width, height) > max_side:
            # The JPEG decoder can skip detail and decode at 1/2, 1/4 or 1/8 scale directly: about twice as
            # fast as decoding everything and shrinking. draft() keeps the result at least this size.
            factor = max_side / max(width, height)
            image.draft(None, (max(1, math.ceil(width * factor)), max(1, math.ceil(height * factor))))
        image.load()
    except Image.DecompressionBombError:
        raise
    except Exception as error:
        if "truncated" in str(error) or isinstance(error, EOFError):
            raise ValueError("the image file is incomplete: it ends before all its pixels (truncated)") from None
        raise ValueError("the image file is damaged and could not be decoded") from None
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a malformed EXIF block should not cost the user a good picture: keep it unrotated
        return image


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[:, :, None], 3, axis=2)


def _stretch(values: np.ndarray) -> np.ndarray:
    """High-depth gray data to ``uint8``; non-finite values become 0.

    Values in ``[0, 1]`` (float images) are scaled by 255; anything else is stretched min..max.
    """
    values = values.astype(np.float64)
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, np.uint8)
    low, high = values[finite].min(), values[finite].max()
    if low >= 0.0 and high <= 1.0:
        scaled = values * 255.0
    elif high > low:
        scaled = (values - low) / (high - low) * 255.0
    else:
        scaled = np.zeros_like(values)
    return np.round(np.where(finite, scaled, 0.0)).astype(np.uint8)


def _to_rgb_array(image: Image.Image) -> np.ndarray:
    """Any Pillow mode to ``(H, W, 3) uint8``; transparent pixels are composited on white."""
    mode = image.mode
    if mode.startswith("I;16"):  # 16-bit gray: 65535 / 257 = 255 exactly
        gray = np.asarray(image).astype(np.float64) / 257.0
        return _gray_to_rgb(np.round(gray).astype(np.uint8))
    if mode == "I":  # 32-bit integers, in practice 16-bit data (TIFF, PGM); anything else is stretched
        values = np.asarray(image)
        if values.size and values.min() >= 0 and values.max() <= 65535:
            return _gray_to_rgb(np.round(values / 257.0).astype(np.uint8))
        return _gray_to_rgb(_stretch(values))
    if mode == "F":
        return _gray_to_rgb(_stretch(np.asarray(image)))
    try:
        if image.has_transparency_data:  # an alpha band, or a transparent palette entry / colour key
            rgba = np.asarray(image.convert("RGBA")).astype(np.uint32)  # (H, W, 4)
            alpha = rgba[:, :, 3:]
            blended = (rgba[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255  # over white, rounded
            return blended.astype(np.uint8)
        return np.asarray(image.convert("RGB"))
    except Exception:
        raise ValueError(f"the image's pixel format ({mode}) is not supported") from None


def load_image(data: bytes, *, max_side: int = WORKING_SIZE, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode an image file's bytes to ``(H, W, 3) uint8`` RGB.

    - files whose header announces more than ``max_pixels`` pixels are refused before decoding;
    - the EXIF orientation is applied (phone photos come out upright); animations give their first frame;
    - gray, palette, CMYK and 16-bit images become RGB (16-bit values divided by 257); transparent pixels
      become white; float TIFFs in ``[0, 1]`` are scaled by 255, other float ranges stretched, NaN -> 0;
    - the result is shrunk (area averaging) so its longest side is at most ``max_side``, never below 1 px.

    Raises ``ValueError`` with a message for the user for anything that is not a readable image.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    max_side = checks.integer("max_side", max_side, 1)
    max_pixels = checks.integer("max_pixels", max_pixels, 1)
    data = bytes(data)
    if not data:
        raise ValueError(f"the file is empty (0 bytes); expected an image ({_FORMATS_TEXT})")
    refusal = _sniff(data)
    if refusal is not None:
        raise refusal
    # Pillow warns (and from 2x errors) past its own MAX_IMAGE_PIXELS; turn the warning into an error too.
    # Its UserWarnings about damaged TIFF tags are silenced: the outcome (image or ValueError) is what counts.
    # catch_warnings is process-wide before Python 3.14: a concurrent session could at worst leave these
    # two filters installed, which only affects warnings Pillow raises while decoding.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open(data, max_pixels) as opened:
                decoded = _decode(opened, max_side)
                rgb = _to_rgb_array(decoded)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large(None, None, None, _pillow_limit(max_pixels)) from None
    rgb = resize.fit_within(rgb, max_side=max_side)  # imports OpenCV only when it shrinks
    return np.ascontiguousarray(rgb, dtype=np.uint8)
