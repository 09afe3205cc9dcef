"""explorer.data.own_images: building data sets from the user's pictures, and refusing malicious ZIPs.

Pictures are encoded with OpenCV (an independent encoder) as solid colours, so the expected pixel values
are known by hand. Malicious archives are built in memory: lying directory entries are made by patching the
bytes of a real ZIP's central directory.
"""

import io
import stat
import struct
import zipfile

import cv2
import numpy as np
import pytest

from explorer.data import own_images
from explorer.data.own_images import clean_class_name, from_class_files, from_zip

# A solid colour per class (RGB).
COLOURS = {"cats": (200, 40, 10), "dogs": (10, 120, 250), "birds": (90, 90, 90)}


def png(rgb, shape=(12, 16)):
    image = np.zeros((*shape, 3), np.uint8)
    image[:] = rgb
    ok, encoded = cv2.imencode(".png", image[:, :, ::-1])  # OpenCV wants BGR
    assert ok
    return encoded.tobytes()


def make_zip(members):
    """``members``: a list of (name or ZipInfo, bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def good_members(classes=("cats", "dogs"), per_class=5, prefix=""):
    return [(f"{prefix}{c}/{i}.png", png(COLOURS.get(c, (0, 0, 0)))) for c in classes for i in range(per_class)]


def patch_directory(data, name, offset, fmt, value):
    """Rewrite a field of member ``name``'s entry in the ZIP's central directory (the part readers trust)."""
    data = bytearray(data)
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + name_length].decode() == name:
            struct.pack_into(fmt, data, start + offset, value)
            return bytes(data)
        start += 4
    raise AssertionError(f"{name} not found")


def set_declared_size(data, name, size):
    return patch_directory(data, name, 24, "<I", size)  # "uncompressed size" field


def set_encrypted(data, name):
    return patch_directory(data, name, 8, "<H", 0x1)  # "general purpose flags": bit 0 = encrypted


def reasons(result):
    return {s.name: s.reason for s in result.skipped}


# ---- good archives --------------------------------------------------------------------------------------------


def test_a_zip_with_a_folder_per_class():
    result = from_zip(make_zip(good_members(("dogs", "cats"))), image_size=16)
    data = result.dataset
    assert data.class_names == ("cats", "dogs")  # alphabetical
    assert data.images.shape == (10, 3, 16, 16) and data.images.dtype == np.float32
    assert data.counts() == {"cats": 5, "dogs": 5} and result.skipped == ()
    for label, name in enumerate(data.class_names):  # every pixel keeps its class's colour
        expected = np.broadcast_to(np.array(COLOURS[name], np.float32)[:, None, None] / 255, (3, 16, 16))
        np.testing.assert_allclose(data.images[data.labels == label], [expected] * 5, atol=1e-6)


def test_one_enclosing_folder_and_system_clutter_are_ignored():
    members = good_members(prefix="pets/") + [
        ("__MACOSX/pets/cats/._0.png", b"\x00\x05\x16\x07"),
        ("pets/.DS_Store", b"\x00\x00\x00\x01Bud1"),
        ("pets/cats/.hidden.png", b"junk"),
        ("pets/dogs/Thumbs.db", b"junk"),
    ]
    result = from_zip(make_zip(members))
    assert result.dataset.class_names == ("cats", "dogs") and result.skipped == ()


def test_files_outside_class_folders_are_skipped():
    result = from_zip(make_zip(good_members(prefix="pets/") + [("pets/readme.png", png((0, 0, 0)))]))
    assert reasons(result) == {"pets/readme.png": "it is not inside a class folder"}


def test_gray_output_and_centre_crop():
    # 20 rows × 40 columns: the left and right 10 columns red, the middle 20 green. The centred 20×20 square
    # is all green, so cropping (not padding or squeezing) gives pure green.
    image = np.zeros((20, 40, 3), np.uint8)
    image[:, :10] = image[:, 30:] = (0, 0, 255)  # BGR red
    image[:, 10:30] = (0, 255, 0)
    wide = cv2.imencode(".png", image)[1].tobytes()
    files = {"wide": [wide] * 5, "other": [png((0, 0, 0))] * 5}
    data = from_class_files(files, image_size=8).dataset
    np.testing.assert_array_equal(data.images[0].transpose(1, 2, 0), np.broadcast_to([0.0, 1.0, 0.0], (8, 8, 3)))
    gray = from_class_files(files, image_size=8, color=False).dataset
    assert gray.images.shape == (10, 1, 8, 8)
    np.testing.assert_allclose(gray.images[0], 0.587, atol=1e-6)  # BT.601 gray of pure green


def test_class_files_keep_their_order_and_skip_bad_files():
    files = {"zebra": [png((255, 255, 255))] * 5, " apple\t": [png((0, 0, 0))] * 5 + [b"hello, not an image"]}
    result = from_class_files(files, image_size=8)
    assert result.dataset.class_names == ("zebra", "apple")
    expected = "the file is plain text, not an image; expected PNG, JPEG, WebP, BMP, TIFF or GIF"
    assert reasons(result) == {"apple #6": expected}


def test_class_names_are_cleaned_plain_text():
    assert clean_class_name("  my\tcat\x00 <b>x</b>  ") == "my cat <b>x</b>"
    assert clean_class_name("a" * 100) == "a" * own_images.MAX_CLASS_NAME_CHARS
    with pytest.raises(ValueError, match="class name must contain visible characters"):
        clean_class_name(" \n\x01 ")


# ---- class counts ---------------------------------------------------------------------------------------------


def test_one_class_is_refused():
    with pytest.raises(ValueError, match=r"need 2 to 10 classes, got 1 \('cats'\)"):
        from_zip(make_zip(good_members(("cats",))))


def test_eleven_classes_are_refused():
    names = [f"class{k:02d}" for k in range(11)]
    with pytest.raises(ValueError, match="need 2 to 10 classes, got 11"):
        from_zip(make_zip(good_members(names)))


def test_a_class_with_fewer_than_five_images_is_named():
    members = good_members(("cats",)) + good_members(("dogs",), per_class=4)
    with pytest.raises(ValueError, match="class 'dogs' has 4 usable image"):
        from_zip(make_zip(members))


def test_class_files_with_duplicate_or_empty_names_are_refused():
    with pytest.raises(ValueError, match="two classes are both named 'cat'"):
        from_class_files({"cat": [png((0, 0, 0))] * 5, "cat ": [png((0, 0, 0))] * 5})
    with pytest.raises(ValueError, match="class name must contain visible characters"):
        from_class_files({"": [png((0, 0, 0))] * 5, "b": [png((0, 0, 0))] * 5})


# ---- malicious or broken archives -----------------------------------------------------------------------------


def test_not_a_zip():
    with pytest.raises(ValueError, match="not a readable ZIP archive"):
        from_zip(png((0, 0, 0)))


def test_a_member_declaring_a_huge_size_is_skipped_before_reading():
    data = set_declared_size(make_zip(good_members() + [("cats/bomb.png", png((0, 0, 0)))]), "cats/bomb.png", 2**31)
    result = from_zip(data)
    assert reasons(result) == {"cats/bomb.png": "it is 2048 MB uncompressed; the limit is 25 MB"}
    assert len(result.dataset) == 10


def test_a_highly_compressed_member_is_skipped_as_a_bomb():
    result = from_zip(make_zip(good_members() + [("cats/zeros.png", bytes(5 * 2**20))]))
    assert "which only a zip bomb does" in reasons(result)["cats/zeros.png"]


def test_a_member_longer_than_declared_is_not_read_past_its_declared_size():
    real = png((0, 0, 0), shape=(64, 64))
    data = set_declared_size(make_zip(good_members() + [("cats/liar.png", real)]), "cats/liar.png", 20)
    assert reasons(from_zip(data))["cats/liar.png"] == "it could not be unpacked (BadZipFile)"  # CRC of 20 bytes


def test_too_much_declared_data_in_total_refuses_the_archive(monkeypatch):
    monkeypatch.setattr(own_images, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(ValueError, match="the ZIP's pictures add up to 0 MB uncompressed; the limit is 0 MB"):
        from_zip(make_zip(good_members()))


def test_too_big_a_zip_is_refused(monkeypatch):
    monkeypatch.setattr(own_images, "MAX_ZIP_BYTES", 100)
    with pytest.raises(ValueError, match="the limit is 0 MB"):
        from_zip(make_zip(good_members()))


def test_too_many_members_are_refused():
    members = [(f"cats/{i}.png", b"") for i in range(own_images.MAX_MEMBERS + 1)]
    with pytest.raises(ValueError, match="the ZIP has 3001 entries; the limit is 3000"):
        from_zip(make_zip(members))


def test_path_traversal_absolute_links_nested_archives_and_non_images_are_skipped():
    link = zipfile.ZipInfo("cats/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    members = good_members() + [
        ("../evil.png", png((0, 0, 0))),
        ("cats/../../evil.png", png((0, 0, 0))),
        ("/etc/evil.png", png((0, 0, 0))),
        ("C:\\evil.png", png((0, 0, 0))),
        (link, b"/etc/passwd"),
        ("cats/locked.png", png((0, 0, 0))),
        ("cats/inner.zip", make_zip(good_members())),
        ("cats/inner.png", make_zip(good_members())),
        ("cats/notes.txt", b"hello"),
        ("cats/text.png", b"just some text in a file named .png"),
    ]
    result = from_zip(set_encrypted(make_zip(members), "cats/locked.png"))
    assert len(result.dataset) == 10
    found = reasons(result)
    assert found["../evil.png"] == found["cats/../../evil.png"] == "its name points outside the archive (..)"
    assert found["/etc/evil.png"] == found["C:\\evil.png"] == "its name is an absolute path"
    assert found["cats/link.png"] == "it is a symbolic link"
    assert found["cats/locked.png"] == "it is encrypted"
    assert found["cats/inner.zip"].startswith("it is an archive inside the archive")
    assert found["cats/inner.png"].startswith("the file is a ZIP archive, not an image")
    assert found["cats/notes.txt"].startswith("it is not a picture")
    assert found["cats/text.png"].startswith("the file is plain text, not an image")


def test_image_size_is_checked():
    with pytest.raises(ValueError, match="image_size must be from 8 to 64, got 4"):
        from_zip(make_zip(good_members()), image_size=4)
    with pytest.raises(TypeError, match="data must be bytes, got str"):
        from_zip("cats.zip")


def test_square_crop_keeps_the_middle_by_hand():
    columns = np.broadcast_to(np.arange(16, dtype=np.uint8)[None, :, None], (8, 16, 3)).copy()
    np.testing.assert_array_equal(own_images.square_crop_resize(columns, image_size=8)[0, :, 0], np.arange(4, 12))
    rows = columns.transpose(1, 0, 2).copy()  # 16 rows × 8 columns, value = row
    np.testing.assert_array_equal(own_images.square_crop_resize(rows, image_size=8)[:, 0, 0], np.arange(4, 12))
    with pytest.raises(ValueError, match=r"image must be an \(H, W, 3\) uint8 array, got float32 \(8, 8, 3\)"):
        own_images.square_crop_resize(np.zeros((8, 8, 3), np.float32), image_size=8)


# ---- one picture, and what a class still needs ----------------------------------------------------------------


def test_picture_is_the_centre_square_as_the_data_set_holds_it():
    image = np.zeros((12, 16, 3), np.uint8)
    image[:, :2] = (255, 0, 0)  # red in the two columns the centre crop cuts off on the left
    image[:, 2:] = (0, 0, 255)
    ok, encoded = cv2.imencode(".png", image[:, :, ::-1])
    assert ok
    square = own_images.picture(encoded.tobytes(), image_size=12)
    assert square.shape == (12, 12, 3) and square.dtype == np.uint8
    assert np.all(square == (0, 0, 255))  # only blue is left: columns 2..13 of 16
    dataset = from_class_files({"a": [encoded.tobytes()] * 5, "b": [png((0, 0, 0))] * 5}, image_size=12).dataset
    np.testing.assert_array_equal(dataset.images[0], square.transpose(2, 0, 1) / np.float32(255))
    with pytest.raises(ValueError, match="image_size must be from 8 to 64, got 4"):
        own_images.picture(encoded.tobytes(), image_size=4)


def test_still_needed_counts_down_to_zero():
    assert own_images.still_needed({"rock": 2, "paper": 0, "scissors": 7}) == {"rock": 3, "paper": 5, "scissors": 0}
    assert own_images.still_needed({}) == {}
    with pytest.raises(ValueError, match=r"counts\['rock'\] must be >= 0, got -1"):
        own_images.still_needed({"rock": -1})
