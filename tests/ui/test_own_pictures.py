"""ui.cached.train's own pictures: camera photos kept small without changing what the data set makes of them."""

import io

import cv2
import numpy as np
import skimage.data
from PIL import Image

from explorer.data import own_images
from explorer.images import imageio
from ui.cached import train as cached


def test_a_kept_photo_is_small_and_gives_the_data_set_the_same_picture():
    buffer = io.BytesIO()
    Image.fromarray(cv2.resize(skimage.data.astronaut(), (640, 480))).save(buffer, "JPEG", quality=100)
    photo = buffer.getvalue()  # as the camera sends it: 480p at full JPEG quality
    kept = cached.kept_photo(photo)
    assert max(imageio.load_image(kept).shape[:2]) == cached.KEPT_SIDE
    assert len(kept) < len(photo) / 5
    for size in (16, 32, 64):
        original = own_images.picture(photo, image_size=size).astype(np.float64)
        again = own_images.picture(kept, image_size=size).astype(np.float64)
        assert np.abs(original - again).mean() < 2.0  # of 255 levels: JPEG's small losses only


def test_a_file_that_is_not_a_picture_is_kept_as_it_is():
    assert cached.kept_photo(b"not a picture") == b"not a picture"
