"""DeepDream: a step raises the chosen layer's response, octaves and stops behave, on the SqueezeNet with random
weights and on the shipped digits model (what the page uses offline)."""

import numpy as np
import pytest
import torch

from explorer.deep import backbone, dream
from explorer.images import samples
from explorer.nets import checkpoints
from tests.unit.model_digest import weights_hash


@pytest.fixture(scope="module")
def model():
    return backbone.build(pretrained=False, seed=0)


def _norm(values):
    return torch.tensor(values).reshape(1, 3, 1, 1)


@pytest.mark.parametrize("layer", ["conv1", "fire4", "fire7"])
def test_a_dream_step_raises_the_layers_activation_norm(model, layer):
    index = backbone.LAYERS[layer]
    picture = torch.from_numpy(samples.load_sample("chelsea")[::4, ::4].astype(np.float32) / 255)
    x = picture.permute(2, 0, 1)[None].contiguous()
    mean, std = _norm(backbone.MEAN), _norm(backbone.STD)

    def norm(pixels):  # reference: the layer's output through torchvision-order slicing, not dream's own loop
        with torch.no_grad():
            return float((model[: index + 1]((pixels - mean) / std) ** 2).mean())

    new, before = dream.step(model, x, layer=index, step_size=0.01, mean=mean, std=std)
    assert before == pytest.approx(norm(x), rel=1e-5)
    assert norm(new) > norm(x)
    assert new.shape == x.shape and 0 <= float(new.min()) and float(new.max()) <= 1
    # normalised step: the mean change of a pixel is the step size (less where clipping bit)
    assert float((new - x).abs().mean()) == pytest.approx(0.01, rel=0.2)


def test_octave_shapes_hand_computed():
    assert dream.octave_shapes(100, 200, octaves=3, scale=2.0) == [(25, 50), (50, 100), (100, 200)]
    assert dream.octave_shapes(28, 28, octaves=4, scale=2.0) == [(14, 14), (28, 28)]  # 3.5 and 7 px: dropped
    assert dream.octave_shapes(64, 64, octaves=1, scale=1.4) == [(64, 64)]


def test_dream_keeps_the_size_reports_every_step_and_leaves_the_model_alone(model):
    before = weights_hash(model)
    picture = samples.load_sample("astronaut")[::8, ::8]  # 64 × 64
    seen = []
    result = dream.dream(
        model,
        picture,
        layer=backbone.LAYERS["fire3"],
        settings=dream.Settings(octaves=2, steps=3, octave_scale=2.0, jitter=2),
        mean=backbone.MEAN,
        std=backbone.STD,
        on_progress=lambda step, pic, losses: seen.append((step, pic.shape, losses["activation"])),
    )
    assert result.picture.shape == (64, 64, 3) and result.picture.dtype == np.float32
    assert result.steps == 6 and not result.stopped and result.objective.shape == (6,)
    assert [s[0] for s in seen] == [1, 2, 3, 4, 5, 6]
    assert [s[1] for s in seen] == [(32, 32, 3)] * 3 + [(64, 64, 3)] * 3
    assert result.objective[2] > result.objective[0]  # the dream strengthens the layer within an octave
    assert not np.allclose(result.picture, picture / 255.0, atol=0.01)
    assert weights_hash(model) == before
    again = dream.dream(
        model,
        picture,
        layer=backbone.LAYERS["fire3"],
        settings=dream.Settings(octaves=2, steps=3, octave_scale=2.0, jitter=2),
        mean=backbone.MEAN,
        std=backbone.STD,
    )
    np.testing.assert_array_equal(again.picture, result.picture)  # seeded jitter: the same dream twice


def test_stop_ends_the_dream_with_a_full_size_picture(model):
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 2

    result = dream.dream(
        model,
        np.full((64, 96, 3), 0.5, dtype=np.float32),
        layer=backbone.LAYERS["fire2"],
        settings=dream.Settings(octaves=3, steps=5),
        should_stop=should_stop,
    )
    assert result.stopped and result.steps == 2 and result.picture.shape == (64, 96, 3)


def test_the_shipped_digits_model_dreams_in_gray():
    small = checkpoints.load_default("digits").model
    conv = next(i for i, m in enumerate(small) if isinstance(m, torch.nn.Conv2d))
    result = dream.dream(
        small, samples.load_sample("coins")[:48, :48], layer=conv, settings=dream.Settings(octaves=2, steps=2)
    )
    assert dream.input_channels(small) == 1
    assert result.picture.shape == (48, 48) and result.steps == 4


def test_errors_name_the_problem(model):
    picture = np.zeros((64, 64, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="no feature maps"):
        dream.dream(model, picture, layer=len(model) - 1, settings=dream.Settings(octaves=1))  # the final flatten
    with pytest.raises(ValueError, match="does not fit the network"):
        dream.dream(model, np.zeros((12, 12, 3)), layer=backbone.LAYERS["fire9"])
    with pytest.raises(ValueError, match="layer must be"):
        dream.dream(model, picture, layer=99)
    with pytest.raises(ValueError, match="settings.octaves"):
        dream.dream(model, picture, layer=0, settings=dream.Settings(octaves=0))
    with pytest.raises(ValueError, match="settings.step_size"):
        dream.dream(model, picture, layer=0, settings=dream.Settings(step_size=0.0))
    with pytest.raises(ValueError, match="image must be"):
        dream.dream(model, np.zeros((4, 4, 2)), layer=0)
    with pytest.raises(ValueError, match="mean and std"):
        dream.dream(model, picture, layer=0, mean=[0.5], std=[0.5])
