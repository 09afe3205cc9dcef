"""The upload loader on good and hostile files, against hand-computed values (the dtype helpers: test_dtype.py).

Every file is built in memory at test time; nothing binary is committed.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFile

from explorer.images import imageio

RNG = np.random.default_rng(0)
NOISE_RGB = RNG.integers(0, 256, (32, 48, 3), dtype=np.uint8)  # noise compresses badly: truncation bites


def _encode(array_or_image, fmt: str, **options) -> bytes:
    image = array_or_image if isinstance(array_or_image, Image.Image) else Image.fromarray(array_or_image)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny valid-looking PNG whose IHDR announces ``width x height`` RGB (the pixel data is not there)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _refused(data: bytes, **options) -> str:
    with pytest.raises(ValueError) as info:
        imageio.load_image(data, **options)
    return str(info.value)


def test_constants():
    assert imageio.UPLOAD_EXTENSIONS == ("png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif")
    assert imageio.WORKING_SIZE == 1024
    assert 4000 * 3000 <= imageio.MAX_PIXELS < 20000 * 20000


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("PNG", {}), ("BMP", {}), ("TIFF", {}), ("WEBP", {"lossless": True}), ("TIFF", {"compression": "tiff_lzw"})],
)
def test_lossless_formats_round_trip_exactly(fmt, options):
    loaded = imageio.load_image(_encode(NOISE_RGB, fmt, **options))
    assert loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, NOISE_RGB)


def test_one_by_one_pixel():
    loaded = imageio.load_image(_encode(np.array([[[10, 20, 30]]], np.uint8), "PNG"))
    np.testing.assert_array_equal(loaded, [[[10, 20, 30]]])


def test_gray_and_bilevel_become_three_equal_channels():
    gray = np.array([[0, 100], [200, 255]], np.uint8)
    np.testing.assert_array_equal(imageio.load_image(_encode(gray, "PNG")), np.repeat(gray[:, :, None], 3, 2))
    bilevel = Image.fromarray(np.array([[True, False]])).convert("1")
    np.testing.assert_array_equal(imageio.load_image(_encode(bilevel, "PNG"))[:, :, 0], [[255, 0]])


def test_sixteen_bit_png_is_divided_by_257():
    values = np.array([[0, 257, 1000], [30000, 65534, 65535]], np.uint16)
    data = _encode(values, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I;16")
    # by hand: 1000 / 257 = 3.89 -> 4; 30000 / 257 = 116.7 -> 117; 65534 / 257 = 254.996 -> 255
    expected = np.array([[0, 1, 4], [117, 255, 255]], np.uint8)
    np.testing.assert_array_equal(imageio.load_image(data), np.repeat(expected[:, :, None], 3, 2))


def test_float_tiff_in_unit_range_is_scaled_and_nan_is_black():
    values = np.array([[0.0, 0.5], [1.0, np.nan]], np.float32)
    data = _encode(values, "TIFF")
    assert Image.open(io.BytesIO(data)).mode == "F"
    np.testing.assert_array_equal(imageio.load_image(data)[:, :, 0], [[0, 128], [255, 0]])


def test_float_tiff_out_of_range_is_stretched():
    values = np.array([[-1.0, 0.0], [1.0, 3.0]], np.float32)
    # min..max = -1..3: (v + 1) / 4 * 255 = 0, 63.75, 127.5, 255
    np.testing.assert_array_equal(imageio.load_image(_encode(values, "TIFF"))[:, :, 1], [[0, 64], [128, 255]])


def test_cmyk_jpeg_primaries():
    cmyk = np.zeros((16, 64, 4), np.uint8)
    cmyk[:, 16:32, 0] = 255  # cyan -> (0, 255, 255)
    cmyk[:, 32:48, 2] = 255  # yellow -> (255, 255, 0)
    cmyk[:, 48:, 3] = 255  # black
    data = _encode(Image.fromarray(cmyk, mode="CMYK"), "JPEG", quality=100)
    loaded = imageio.load_image(data).astype(int)
    for block, colour in enumerate([(255, 255, 255), (0, 255, 255), (255, 255, 0), (0, 0, 0)]):
        centre = loaded[4:12, block * 16 + 4 : block * 16 + 12]
        assert np.abs(centre - colour).max() <= 6, (block, centre.mean(axis=(0, 1)))


def test_palette_png_transparency_becomes_white():
    indices = np.array([[0, 1], [1, 0]], np.uint8)
    image = Image.fromarray(indices, mode="P")
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)  # 0 red, 1 blue
    data = _encode(image, "PNG", transparency=0)  # red is the transparent entry
    assert Image.open(io.BytesIO(data)).mode == "P"
    expected = np.array([[[255, 255, 255], [0, 0, 255]], [[0, 0, 255], [255, 255, 255]]], np.uint8)
    np.testing.assert_array_equal(imageio.load_image(data), expected)


def test_partial_alpha_is_composited_on_white():
    rgba = np.array([[[0, 0, 0, 128], [200, 100, 0, 255], [50, 50, 50, 0]]], np.uint8)
    # by hand: v * a/255 + 255 * (1 - a/255): 0 -> 127; opaque unchanged; fully transparent -> white
    expected = np.array([[[127, 127, 127], [200, 100, 0], [255, 255, 255]]], np.uint8)
    np.testing.assert_array_equal(imageio.load_image(_encode(rgba, "PNG")), expected)
    gray_alpha = Image.fromarray(np.array([[[0, 0], [0, 255]]], np.uint8), mode="LA")
    np.testing.assert_array_equal(imageio.load_image(_encode(gray_alpha, "PNG"))[0, :, 0], [255, 0])


def test_animated_gif_gives_first_frame():
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (8, 6), colour) for colour in colours]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    loaded = imageio.load_image(data)
    assert loaded.shape == (6, 8, 3)
    np.testing.assert_array_equal(loaded, np.broadcast_to(np.array(colours[0], np.uint8), (6, 8, 3)))


def test_phone_multi_picture_jpeg_gives_first_picture():
    first, second = Image.new("RGB", (16, 8), (250, 250, 250)), Image.new("RGB", (16, 8), (0, 0, 0))
    data = _encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert imageio.load_image(data).min() > 240


def test_exif_orientation_6_is_rotated_clockwise():
    stored = np.zeros((40, 60, 3), np.uint8)  # 40 rows x 60 cols as stored in the file
    stored[:10, :20] = 255  # white block in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    data = _encode(stored, "JPEG", quality=95, exif=exif.tobytes())
    loaded = imageio.load_image(data)
    assert loaded.shape == (60, 40, 3)
    expected = np.rot90(stored, k=-1)  # k=-1: clockwise; the block ends up top-right
    assert np.abs(loaded.astype(int) - expected).mean() < 3
    assert loaded[5, 35].min() > 200 and loaded[5, 5].max() < 50


@pytest.mark.parametrize(("rows", "cols", "expected"), [(1, 4000, (1, 1024, 3)), (4000, 1, (1024, 1, 3))])
def test_thin_images_keep_at_least_one_pixel(rows, cols, expected):
    loaded = imageio.load_image(_encode(np.full((rows, cols, 3), 77, np.uint8), "PNG"))
    assert loaded.shape == expected
    assert (loaded == 77).all()


def test_downsizing_averages_blocks():
    row = np.tile(np.array([0, 40, 80, 120], np.uint8), 1024)[None, :, None].repeat(3, axis=2)  # (1, 4096, 3)
    loaded = imageio.load_image(_encode(row, "PNG"))
    assert loaded.shape == (1, 1024, 3)
    assert np.abs(loaded.astype(int) - 60).max() <= 1  # 4-to-1 area average of 0, 40, 80, 120


def test_max_side_option():
    assert imageio.load_image(_encode(NOISE_RGB, "PNG"), max_side=12).shape == (8, 12, 3)


def _count_decodes(monkeypatch) -> list[tuple[int, int]]:
    """Record the size (width, height) of every picture Pillow decodes from here on: the decoder's work,
    counted instead of timed (``benchmarks/bench_loading.py`` times it)."""
    decoded: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def counting_load(self):
        decodes = bool(self.tile)  # what is left to decode; empty once loaded (later calls are no-ops)
        result = load(self)
        if decodes:
            decoded.append(self.size)
        return result

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    return decoded


def test_twelve_megapixel_photo_is_decoded_at_reduced_scale(monkeypatch):
    import skimage.data

    photo = cv2.resize(skimage.data.astronaut(), (4000, 3000), interpolation=cv2.INTER_LINEAR)  # 12 MP
    data = _encode(photo, "JPEG", quality=90)
    decoded = _count_decodes(monkeypatch)
    loaded = imageio.load_image(data)
    assert loaded.shape == (768, 1024, 3) and loaded.dtype == np.uint8
    reference = cv2.resize(photo, (1024, 768), interpolation=cv2.INTER_AREA)
    assert np.abs(loaded.astype(int) - reference).mean() < 4
    # draft() has the JPEG decoder skip detail: it decodes once, at 1/2 scale (the smallest scale still at
    # least 1024 wide), a quarter of the pixels of a full decode.
    assert decoded == [(2000, 1500)]


def test_bomb_header_is_refused_without_decoding(monkeypatch):
    data = _png_header_only(20000, 20000)  # 400 MP announced in a ~100-byte file
    decoded = _count_decodes(monkeypatch)
    message = _refused(data)
    assert decoded == []
    assert message == "the image is too large: its header announces 400.0 megapixels; the limit is 40 megapixels"


def test_header_over_our_limit_but_under_pillows_is_refused():
    assert _refused(_png_header_only(7000, 7000)) == (
        "the image is too large: its header announces 7000 × 7000 pixels (49.0 megapixels); the limit is 40 megapixels"
    )
    assert "the limit is 0.0001 megapixels" in _refused(_encode(NOISE_RGB, "PNG"), max_pixels=100)


def test_pillow_bomb_warning_is_turned_into_a_refusal():
    # 100 MP passes a raised max_pixels but trips Pillow's own warning threshold (about 89 MP)
    message = _refused(_png_header_only(10000, 10000), max_pixels=200_000_000)
    assert message.startswith("the image is too large: its header announces 100.0 megapixels")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty (0 bytes); expected an image (PNG, JPEG, WebP, BMP, TIFF or GIF)"),
        (b"hello, this is a text file renamed to picture.png\n", "the file is plain text, not an image"),
        (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
            "the file is an SVG drawing (vector graphics), not an image; export it as PNG first",
        ),
        (b"\xef\xbb\xbf<svg><circle r='4'/></svg>", "the file is an SVG drawing"),
        (
            b"<!DOCTYPE html>\n<html><body><img src='cat.png'></body></html>",
            "the file is a web page (HTML), not an image",
        ),
        (b"<?xml version='1.0'?><note>hi</note>", "the file is XML or HTML text, not an image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "the file is a PDF document, not an image"),
        (gzip.compress(b"not a picture", mtime=0), "the file is a gzip archive, not an image"),
        (bytes(RNG.integers(0, 256, 500, dtype=np.uint8)), "the file is not an image this app can read"),
        (b"P5\n2 2\n255\n\x00\x01\x02\x03", "not an image"),  # a valid PGM, but not an accepted format
    ],
    ids=["empty", "text", "svg", "svg-bom", "html", "xml", "pdf", "gzip", "random-bytes", "pgm"],
)
def test_non_images_are_refused_with_a_reason(data, message):
    assert message in _refused(data)


def test_zip_archive_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.png", _encode(NOISE_RGB, "PNG"))
    message = _refused(buffer.getvalue())
    assert message == "the file is a ZIP archive, not an image; unpack it and upload a single picture"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_files_are_refused(fmt):
    data = _encode(NOISE_RGB, fmt)
    assert _refused(data[: len(data) // 2]) == "the image file is incomplete: it ends before all its pixels (truncated)"


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("PNG", {}),
        ("JPEG", {}),
        ("GIF", {}),
        ("BMP", {}),
        ("TIFF", {}),
        ("WEBP", {}),
        ("TIFF", {"compression": "tiff_deflate"}),
    ],
)
def test_every_truncation_or_corruption_is_a_value_error(fmt, options, recwarn):
    data = _encode(NOISE_RGB[:16, :16], fmt, **options)
    damaged = [data[:cut] for cut in range(1, len(data), max(1, len(data) // 40))]
    for position in range(8, len(data), max(1, len(data) // 20)):
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        damaged.append(bytes(flipped))
    for sample in damaged:
        try:
            loaded = imageio.load_image(sample)
        except ValueError as error:
            assert str(error) and "Traceback" not in str(error)
        else:  # some damage still decodes (e.g. a flipped pixel); then the result must be well formed
            assert loaded.dtype == np.uint8 and loaded.ndim == 3 and loaded.shape[2] == 3
    assert not [w for w in recwarn if "PIL" in w.filename]  # Pillow's complaints stay out of the server log


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: imageio.load_image("photo.png"), TypeError, "data must be bytes, got str"),
        (lambda: imageio.load_image(b"x", max_side=0), ValueError, "max_side must be >= 1, got 0"),
        (
            lambda: imageio.load_image(b"x", max_pixels=2.5),
            TypeError,
            "max_pixels must be an integer >= 1, got 2.5 (float)",
        ),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
