"""explorer.nets.augment: each operation against a hand-made case or torchvision's v2 functional kernels, the
identity settings, seeded determinism, and the messages for bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torchvision.transforms.v2 import InterpolationMode
from torchvision.transforms.v2 import functional as tvf

from explorer.nets.augment import AugmentConfig, affine_theta, augment_batch, augmentation_preview, erase_mask


def _batch(n=64, channels=1, height=8, width=8, seed=0):
    return torch.rand(n, channels, height, width, generator=torch.Generator().manual_seed(seed))


def _generator(seed=0):
    return torch.Generator().manual_seed(seed)


def test_hflip_mirrors_some_images_and_leaves_the_others():
    images = _batch()
    out = augment_batch(images, AugmentConfig(hflip=True), generator=_generator())
    flipped = [bool(torch.equal(o, i.flip(-1))) for o, i in zip(out, images)]
    kept = [bool(torch.equal(o, i)) for o, i in zip(out, images)]
    assert all(f != k for f, k in zip(flipped, kept))  # each image is exactly one of the two
    assert 16 < sum(flipped) < 48  # p = 1/2 of 64


def test_hflip_hand_case_and_vflip():
    image = torch.arange(6, dtype=torch.float32).reshape(1, 1, 2, 3)
    outs = {
        tuple(augment_batch(image, AugmentConfig(hflip=True), generator=_generator(s)).flatten().tolist())
        for s in range(20)
    }
    assert outs == {(0, 1, 2, 3, 4, 5), (2, 1, 0, 5, 4, 3)}
    outs = {
        tuple(augment_batch(image, AugmentConfig(vflip=True), generator=_generator(s)).flatten().tolist())
        for s in range(20)
    }
    assert outs == {(0, 1, 2, 3, 4, 5), (3, 4, 5, 0, 1, 2)}


@pytest.mark.parametrize("config", [AugmentConfig(), AugmentConfig(rotation_deg=0, shift=0, noise_std=0, erasing_p=0)])
def test_zero_settings_are_the_identity_and_copy(config):
    images = _batch()
    out = augment_batch(images, config, generator=_generator())
    assert torch.equal(out, images) and out.data_ptr() != images.data_ptr()
    assert config.is_identity


@pytest.mark.parametrize(("height", "width"), [(8, 8), (12, 20)])
def test_rotation_and_shift_match_torchvision_affine(height, width):
    images = _batch(3, 2, height, width)
    angles = torch.tensor([0.0, 30.0, -75.0], dtype=torch.float64)
    shifts = torch.tensor([[2.0, 0.0], [0.0, -1.0], [3.0, 2.0]], dtype=torch.float64)
    grid = F.affine_grid(
        affine_theta(angles, shifts, height=height, width=width), [3, 2, height, width], align_corners=False
    )
    ours = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    for b in range(3):
        reference = tvf.affine(
            images[b],
            angle=float(angles[b]),
            translate=[float(v) for v in shifts[b]],
            scale=1.0,
            shear=[0.0, 0.0],
            interpolation=InterpolationMode.BILINEAR,
        )
        np.testing.assert_allclose(ours[b].numpy(), reference.numpy(), atol=1e-5)


def test_rotation_by_90_degrees_is_clockwise_and_a_shift_moves_right():
    image = torch.zeros(1, 1, 5, 5)
    image[0, 0, 0, 2] = 1.0  # top middle
    grid = F.affine_grid(
        affine_theta(torch.tensor([90.0]), torch.zeros(1, 2), height=5, width=5), [1, 1, 5, 5], align_corners=False
    )
    rotated = F.grid_sample(image, grid, align_corners=False)[0, 0]
    assert rotated[2, 4] == pytest.approx(1.0, abs=1e-5) and float(rotated.sum()) == pytest.approx(1.0, abs=1e-5)
    grid = F.affine_grid(
        affine_theta(torch.zeros(1), torch.tensor([[1.0, 0.0]]), height=5, width=5), [1, 1, 5, 5], align_corners=False
    )
    shifted = F.grid_sample(image, grid, align_corners=False)[0, 0]
    assert shifted[0, 3] == pytest.approx(1.0, abs=1e-6) and float(shifted.sum()) == pytest.approx(1.0, abs=1e-6)


def test_erase_mask_matches_torchvision_erase():
    images = _batch(2, 3, 10, 12)
    boxes = torch.tensor([[1, 2, 4, 5], [6, 0, 4, 12]])
    ours = images.masked_fill(erase_mask(boxes, height=10, width=12), 0.0)
    for b in range(2):
        top, left, h, w = boxes[b].tolist()
        assert torch.equal(ours[b], tvf.erase(images[b], top, left, h, w, torch.tensor(0.0)))


def test_erasing_always_blanks_one_rectangle_of_the_allowed_size():
    images = torch.ones(32, 1, 16, 16)
    out = augment_batch(images, AugmentConfig(erasing_p=1.0), generator=_generator())
    for image in out[:, 0]:
        rows, cols = torch.nonzero(image == 0, as_tuple=True)
        h, w = int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
        assert len(rows) == h * w  # one filled rectangle
        assert 0.02 * 256 * 0.5 <= h * w <= 0.33 * 256 * 1.5  # 2-33 % of the image, give or take rounding


def test_noise_has_the_requested_spread_and_stays_in_range():
    images = torch.full((64, 1, 16, 16), 0.5)
    out = augment_batch(images, AugmentConfig(noise_std=0.1), generator=_generator())
    assert float(out.std()) == pytest.approx(0.1, rel=0.05) and float(out.mean()) == pytest.approx(0.5, abs=0.01)
    clipped = augment_batch(images, AugmentConfig(noise_std=1.0), generator=_generator())
    assert float(clipped.min()) == 0.0 and float(clipped.max()) == 1.0


def test_same_generator_seed_same_batch_and_input_untouched():
    images = _batch()
    before = images.clone()
    config = AugmentConfig(hflip=True, rotation_deg=20, shift=0.1, noise_std=0.05, erasing_p=0.5)
    first = augment_batch(images, config, generator=_generator(3))
    assert torch.equal(first, augment_batch(images, config, generator=_generator(3)))
    assert not torch.equal(first, augment_batch(images, config, generator=_generator(4)))
    assert torch.equal(images, before)


def test_preview_is_float32_in_range_and_seeded():
    images = _batch(6, 3, 12, 12).numpy()
    config = AugmentConfig(vflip=True, rotation_deg=45, noise_std=0.2)
    out = augmentation_preview(images, config, seed=1)
    assert out.shape == images.shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    np.testing.assert_array_equal(out, augmentation_preview(images, config, seed=1))


def test_bad_settings_are_refused_with_a_message():
    with pytest.raises(ValueError, match=r"rotation_deg must be from 0.0 to 180.0, got 200"):
        AugmentConfig(rotation_deg=200)
    with pytest.raises(ValueError, match=r"shift must be from 0.0 to 0.5, got -0.1"):
        AugmentConfig(shift=-0.1)
    with pytest.raises(ValueError, match=r"erasing_p must be a finite number from 0.0 to 1.0, got 'high'"):
        AugmentConfig(erasing_p="high")
    with pytest.raises(TypeError, match=r"hflip must be True or False, got 1"):
        AugmentConfig(hflip=1)
    with pytest.raises(ValueError, match=r"images must be a \(B, C, H, W\) floating-point tensor, got ndarray"):
        augment_batch(np.zeros((1, 1, 4, 4)), AugmentConfig(), generator=_generator())
    with pytest.raises(TypeError, match=r"generator must be a torch.Generator, got int"):
        augment_batch(torch.zeros(1, 1, 4, 4), AugmentConfig(), generator=0)
    with pytest.raises(ValueError, match=r"images must be a \(N, C, H, W\) float32 array, got float64"):
        augmentation_preview(np.zeros((1, 1, 4, 4)), AugmentConfig())
