"""What the pretrained network says and its deep features (explorer.deep.predict), and nearest neighbours by deep
features versus pixels (explorer.deep.neighbours): against torchvision's SqueezeNet with the same seeded random
weights, scikit-learn's cosine similarity, OpenCV's resize and hand-computed cases."""

import cv2
import numpy as np
import pytest
import torch
from sklearn.metrics.pairwise import cosine_similarity
from torchvision import models

from explorer.deep import backbone, neighbours, predict
from explorer.interpret import activations


@pytest.fixture(scope="module")
def model():
    return backbone.build(pretrained=False, seed=1)


@pytest.fixture(scope="module")
def reference():
    """torchvision's own SqueezeNet 1.1 with the weights ``backbone.build(seed=1)`` draws."""
    torch.manual_seed(1)
    return models.squeezenet1_1(weights=None).eval()


def _image(seed: int, shape=(3, 64, 80)) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def test_probabilities_are_the_softmax_of_torchvisions_logits(model, reference):
    image = _image(0)
    probs = predict.probabilities(model, image)
    with torch.no_grad():
        expected = torch.softmax(reference(torch.from_numpy(image)[None]).double(), dim=1)[0].numpy()
    assert probs.shape == (1000,) and probs.dtype == np.float64
    np.testing.assert_allclose(probs, expected, rtol=1e-5, atol=1e-9)
    assert probs.sum() == pytest.approx(1.0)


def test_probabilities_refuse_bad_input_naming_it(model):
    with pytest.raises(ValueError, match="image must be"):
        predict.probabilities(model, np.zeros((64, 64), np.float32))
    with pytest.raises(ValueError, match="one picture"):
        predict.probabilities(model, np.zeros((2, 3, 64, 64), np.float32))
    with pytest.raises(ValueError, match="finite"):
        predict.probabilities(model, np.full((3, 64, 64), np.nan, np.float32))
    with pytest.raises(ValueError, match="does not fit the model"):
        predict.probabilities(model, np.zeros((3, 8, 8), np.float32))  # too small for SqueezeNet's pools
    with pytest.raises(ValueError, match="model must be"):
        predict.probabilities(torch.nn.Linear(3, 2), np.zeros((3, 64, 64), np.float32))


def test_top_k_by_hand_ties_keep_the_lower_index():
    probs = np.array([0.1, 0.35, 0.05, 0.35, 0.15])
    names = ("a", "b", "c", "d", "e")
    assert predict.top_k(probs, k=3, names=names) == [(1, "b", 0.35), (3, "d", 0.35), (4, "e", 0.15)]
    assert predict.top_k(probs, k=1, names=names)[0].name == "b"
    with pytest.raises(ValueError, match="k must be"):
        predict.top_k(probs, k=6, names=names)
    with pytest.raises(ValueError, match="names must"):
        predict.top_k(probs, k=2, names=("a", "b"))


def test_top_k_names_imagenet_classes_by_default():
    probs = np.zeros(1000)
    probs[[1, 999]] = [0.7, 0.3]
    assert predict.top_k(probs, k=2) == [(1, "goldfish", 0.7), (999, "toilet tissue", 0.3)]


def test_search_finds_names_containing_the_query_prefix_matches_first():
    names = ("tabby cat", "wildcat", "catamaran", "dog", "Persian cat")
    assert predict.search("cat", names=names) == [2, 0, 1, 4]  # "catamaran" starts with it, then class order
    assert predict.search("  CAT ", names=names, limit=2) == [2, 0]
    assert predict.search("", names=names) == [] and predict.search("zebra", names=names) == []
    assert predict.search("goldfish") == [1]  # the real ImageNet names


def test_deep_features_are_torchvisions_fire9_averaged(model, reference):
    images = np.stack([_image(1), _image(2)])
    features = predict.deep_features(model, images)
    with torch.no_grad():
        expected = reference.features(torch.from_numpy(images)).mean(dim=(2, 3)).numpy()
    assert features.shape == (2, 512) and features.dtype == np.float32
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-6)
    # one picture at a time gives the same rows as the batch (batching doesn't change results)
    np.testing.assert_allclose(predict.deep_features(model, images[1]), features[1:], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="layer must be one of"):
        predict.deep_features(model, images, layer="fc")


def test_feature_maps_include_the_fire_modules(model, reference):
    image = _image(3)
    maps = activations.feature_maps(model, image)
    fire9 = f"{backbone.LAYERS['fire9'] + 1}. Fire"
    assert fire9 in maps and f"{backbone.LAYERS['fire2'] + 1}. Fire" in maps
    assert list(maps) == activations.layer_names(model)
    with torch.no_grad():
        expected = reference.features(torch.from_numpy(image)[None])[0].numpy()
    np.testing.assert_allclose(maps[fire9], expected, rtol=1e-5, atol=1e-6)


class _Block(torch.nn.Module):
    """A block of layers holding a conv, as pretrained networks have (SqueezeNet's Fire, ResNet's blocks)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3, padding=1)

    def forward(self, x):
        return self.conv(x) * 2


def test_feature_maps_of_any_block_holding_a_conv_by_hand():
    block = _Block()
    with torch.no_grad():
        block.conv.weight.zero_()
        block.conv.weight[1, 0, 1, 1] = 1.0  # channel 1: the pixel itself, doubled by the block
        block.conv.bias.zero_()
    model = torch.nn.Sequential(block, torch.nn.Flatten()).eval()
    image = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    maps = activations.feature_maps(model, image)
    assert list(maps) == ["1. _Block"] == activations.layer_names(model)
    np.testing.assert_array_equal(maps["1. _Block"][0], np.zeros((4, 4)))
    np.testing.assert_array_equal(maps["1. _Block"][1], 2 * image[0])


def test_layer_channels_are_the_squeezenet_papers(model):
    # SqueezeNet 1.1: conv1 64; fire2-3 128, fire4-5 256, fire6-7 384, fire8-9 512 (expand 1×1 + expand 3×3)
    expected = [64, 128, 128, 256, 256, 384, 384, 512, 512]
    assert predict.layer_channels(model) == dict(zip(backbone.LAYERS, expected))
    with pytest.raises(ValueError, match="neither a conv nor a Fire"):
        predict.layer_channels(torch.nn.Sequential(*[torch.nn.ReLU()] * 13))


def _pictures():
    rng = np.random.default_rng(5)
    left = np.zeros((64, 96, 3), np.uint8)
    left[:, :48] = 255  # bright left half
    right = left[:, ::-1].copy()
    noise = rng.integers(0, 256, size=(80, 80, 3), dtype=np.uint8)
    return {"left": left, "right": right, "noise": noise}


def test_pixel_vector_is_opencvs_area_resize_channel_major():
    picture = _pictures()["noise"]
    expected = cv2.resize(picture.astype(np.float32) / 255, (32, 32), interpolation=cv2.INTER_AREA)
    vector = neighbours.pixel_vector(picture)
    assert vector.shape == (3 * 32 * 32,) and vector.dtype == np.float32
    np.testing.assert_allclose(vector, expected.transpose(2, 0, 1).ravel(), atol=1e-6)


def test_nearest_agrees_with_sklearns_cosine_similarity_and_excludes_the_query(model):
    pictures = _pictures()
    found = neighbours.bank(model, pictures, size=96)
    assert found.names == ("left", "right", "noise")
    assert found.deep.shape == (3, 512) and found.pixels.shape == (3, 3072)
    query = pictures["left"][:, ::-1][:, :, ::-1].copy()  # the "right" picture (gray, so the channel flip is moot)
    q_deep, q_pixels = neighbours.deep_vector(model, query, size=96), neighbours.pixel_vector(query)
    by_deep, by_pixels = neighbours.nearest(q_deep, q_pixels, found, k=3)
    for matches, query_vector, vectors in ((by_deep, q_deep, found.deep), (by_pixels, q_pixels, found.pixels)):
        expected = cosine_similarity(query_vector[None], vectors)[0]
        order = np.argsort(-expected, kind="stable")
        assert [m.name for m in matches] == [found.names[i] for i in order]
        np.testing.assert_allclose([m.similarity for m in matches], expected[order], rtol=1e-5)
    assert by_pixels[0] == ("right", pytest.approx(1.0))  # the same pixels
    # the pixels of the mirrored halves don't overlap at all: similarity 0
    assert dict(by_pixels)["left"] == pytest.approx(0.0, abs=1e-6)
    by_deep, by_pixels = neighbours.nearest(q_deep, q_pixels, found, k=2, exclude="right")
    assert "right" not in {m.name for m in by_deep + by_pixels}
    with pytest.raises(ValueError, match="k must be"):
        neighbours.nearest(q_deep, q_pixels, found, k=3, exclude="right")
    with pytest.raises(ValueError, match="at least one"):
        neighbours.bank(model, {})
