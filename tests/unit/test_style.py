"""Neural style transfer: Gram matrices and losses against hand-computed values, the layers against torchvision's
own SqueezeNet, and the loop on a small picture with random weights (weights=None: no download)."""

import numpy as np
import pytest
import torch
from torchvision import models

from explorer.deep import backbone, style
from explorer.images import samples
from tests.unit.model_digest import weights_hash


@pytest.fixture(scope="module")
def model():
    return backbone.build(pretrained=False, seed=0)


def test_gram_of_a_hand_computed_case():
    # two channels over two positions: F = [[1, 2], [3, 4]]; F Fᵀ = [[5, 11], [11, 25]], divided by C·H·W = 4
    features = torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]])  # (1, 2, 1, 2)
    expected = torch.tensor([[[5.0, 11.0], [11.0, 25.0]]]) / 4
    torch.testing.assert_close(style.gram(features), expected)
    torch.testing.assert_close(style.gram(features[0]), expected[0])  # (C, H, W) in, (C, C) out


def test_gram_of_a_batch_is_each_pictures_own_and_matches_numpy():
    rng = np.random.default_rng(0)
    batch = rng.normal(size=(3, 4, 5, 6)).astype(np.float32)
    grams = style.gram(torch.from_numpy(batch)).numpy()
    for n in range(3):
        flat = batch[n].reshape(4, 30).astype(np.float64)
        np.testing.assert_allclose(grams[n], flat @ flat.T / 120, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(style.gram(torch.from_numpy(batch[n])).numpy(), grams[n], rtol=1e-6)


def test_losses_hand_computed():
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = torch.tensor([[1.0, 0.0], [3.0, 5.0]])
    # content: 0.5 * ((2 - 0)² + (4 - 5)²) = 2.5
    assert float(style.content_loss(a, b, weight=0.5)) == pytest.approx(2.5)
    # style: 2·(4 + 1) + 10·0
    assert float(style.style_loss([a, a], [b, a], weights=[2.0, 10.0])) == pytest.approx(10.0)
    # variation of [[0, 1], [3, 1]]: rows (3-0)² + (1-1)² = 9, columns (1-0)² + (1-3)² = 5
    image = torch.tensor([[[[0.0, 1.0], [3.0, 1.0]]]])
    assert float(style.variation_loss(image, weight=2.0)) == pytest.approx(28.0)
    with pytest.raises(ValueError, match="one shape"):
        style.content_loss(a, a[:1])
    with pytest.raises(ValueError, match="as long"):
        style.style_loss([a], [b, b], weights=[1.0])


def test_features_are_torchvisions_layer_outputs(model):
    torch.manual_seed(0)
    reference = models.squeezenet1_1(weights=None).eval()
    x = torch.rand(1, 3, 80, 96)
    got = style.features(model, x, ["fire5", "conv1", "fire2"])
    with torch.no_grad():
        torch.testing.assert_close(got[0], reference.features[:8](x))
        torch.testing.assert_close(got[1], reference.features[:2](x))  # conv1 after its ReLU
        torch.testing.assert_close(got[2], reference.features[:4](x))
    assert (got[1] >= 0).all()
    with pytest.raises(ValueError, match="layer must be one of"):
        style.features(model, x, ["fire10"])
    with pytest.raises(ValueError, match="flat SqueezeNet"):
        style.features(torch.nn.Sequential(torch.nn.ReLU()), x, ["conv1"])


def test_gram_matrices_for_display_are_symmetric_and_positive_semidefinite(model):
    picture = samples.load_sample("coffee")
    grams = style.gram_matrices(model, picture, layers=["conv1", "fire3"], size=64)
    assert grams["conv1"].shape == (64, 64) and grams["fire3"].shape == (128, 128)
    for matrix in grams.values():
        assert matrix.dtype == np.float32
        np.testing.assert_allclose(matrix, matrix.T, rtol=1e-5, atol=1e-7)
        assert np.linalg.eigvalsh(matrix.astype(np.float64)).min() > -1e-5


def test_style_loss_falls_over_20_steps_and_the_model_is_unchanged(model):
    before = weights_hash(model)
    content = samples.load_sample("astronaut")
    style_picture = samples.load_sample("coffee")
    seen = []

    def on_progress(step, picture, losses):
        seen.append((step, picture.shape, picture.dtype, losses["style"]))

    result = style.transfer(
        model, content, style_picture, settings=style.Settings(size=64, steps=20), on_progress=on_progress
    )
    assert result.steps == 20 and not result.stopped
    assert [s[0] for s in seen] == list(range(1, 21))
    assert all(s[1] == (64, 64, 3) and s[2] == np.float32 for s in seen)
    curve = result.losses["style"]
    assert curve.shape == (20,) and curve[-1] < 0.5 * curve[0]
    np.testing.assert_allclose(
        result.losses["total"], result.losses["content"] + curve + result.losses["variation"], rtol=1e-5
    )
    assert result.picture.shape == (64, 64, 3) and 0 <= result.picture.min() and result.picture.max() <= 1
    assert weights_hash(model) == before
    assert not any(p.grad is not None for p in model.parameters())


def test_stop_ends_the_loop_after_the_current_step(model):
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 3

    result = style.transfer(
        model,
        samples.load_sample("astronaut"),
        samples.load_sample("coffee"),
        settings=style.Settings(size=64, steps=50),
        should_stop=should_stop,
    )
    assert result.stopped and result.steps == 3 and result.losses["total"].shape == (3,)


def test_a_wide_content_picture_keeps_its_aspect(model):
    wide = np.zeros((40, 80, 3), dtype=np.uint8)
    result = style.transfer(model, wide, samples.load_sample("coffee"), settings=style.Settings(size=64, steps=1))
    assert result.picture.shape == (32, 64, 3)


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        (style.Settings(size=32), "settings.size"),
        (style.Settings(steps=0), "settings.steps"),
        (style.Settings(content_layer="fc"), "layer must be one of"),
        (style.Settings(style_weights=(1.0,)), "one weight per style layer"),
        (style.Settings(learning_rate=0.0), "settings.learning_rate"),
    ],
)
def test_bad_settings_name_the_setting(model, settings, match):
    with pytest.raises(ValueError, match=match):
        style.transfer(model, np.zeros((64, 64, 3)), np.zeros((64, 64, 3)), settings=settings)


def test_gram_display_is_a_square_root_scale_to_the_largest_entry():
    shown = style.gram_display(np.array([[16.0, 4.0], [4.0, 0.0]]))
    np.testing.assert_allclose(shown, [[1.0, 0.5], [0.5, 0.0]])  # sqrt: 4, 2, 2, 0; divided by 4
    np.testing.assert_array_equal(style.gram_display(np.zeros((3, 3))), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"matrix must be square \(C, C\)"):
        style.gram_display(np.zeros((2, 3)))
