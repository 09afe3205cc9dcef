"""explorer.interpret.embeddings: projections against scikit-learn (PCA, trustworthiness), a hand-computed PCA
and cosine, determinism, a layout started from the previous frame, nearest neighbours on the shipped digits
model, and messages for bad input."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.metrics.pairwise import cosine_similarity

from explorer.data.datasets import digits
from explorer.interpret import embeddings
from explorer.nets.checkpoints import load_default
from explorer.nets.evaluation import embeddings as model_embeddings
from tests.unit.two_threads import in_two_threads


def _blobs(seed: int = 0, *, clusters: int = 8, per_cluster: int = 25, dims: int = 10):
    """``clusters`` Gaussian blobs (std 1) with centres 20 apart on average in ``dims`` dimensions: well separated."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 20.0, (clusters, dims))
    labels = np.repeat(np.arange(clusters), per_cluster)
    return (centres[labels] + rng.normal(0.0, 1.0, (len(labels), dims))).astype(np.float32), labels


@pytest.fixture(scope="module")
def digits_spaces():
    """Pixel and feature space of the shipped digits model on scikit-learn's 1,797 digits."""
    checkpoint = load_default("digits")
    data = digits(size=8)
    return embeddings.pixel_features(data.images), model_embeddings(checkpoint.model, data)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projection_of_well_separated_blobs_is_trustworthy(method):
    x, _ = _blobs()
    layout = embeddings.project(x, method=method)
    assert layout.shape == (len(x), 2) and layout.dtype == np.float32
    assert trustworthiness(x, layout, n_neighbors=5) >= 0.9


@pytest.mark.parametrize("shape", [(60, 7), (12, 30)], ids=["more points than dims", "more dims than points"])
def test_pca_equals_sklearn_up_to_sign(shape):
    x = np.random.default_rng(1).normal(size=shape) * np.linspace(1, 7, shape[1])  # distinct variances
    ours = embeddings.project(x, method="pca")
    reference = PCA(n_components=2).fit_transform(x)
    for axis in range(2):
        sign = np.sign(ours[:, axis] @ reference[:, axis])
        np.testing.assert_allclose(ours[:, axis], sign * reference[:, axis], rtol=1e-4, atol=1e-4)


def test_pca_by_hand_on_a_line():
    # Points spread along x with a little y, uncorrelated with x (sum of x*y is 0): the first component is x
    # minus its mean (largest loading +x), the second y minus its mean.
    x = np.array([[-2.0, 0.1], [-1.0, -0.1], [1.0, -0.1], [2.0, 0.1], [0.0, 0.0]]) + [3.0, 5.0]
    layout = embeddings.project(x, method="pca")
    np.testing.assert_allclose(layout[:, 0], [-2, -1, 1, 2, 0], atol=1e-6)
    np.testing.assert_allclose(np.abs(layout[:, 1]), [0.1, 0.1, 0.1, 0.1, 0.0], atol=1e-6)


def test_pca_init_flips_the_axes_that_disagree():
    x, _ = _blobs(2)
    layout = embeddings.project(x, method="pca")
    np.testing.assert_array_equal(embeddings.project(x, method="pca", init=-layout), -layout)
    flipped_second = layout * [1, -1]
    np.testing.assert_array_equal(embeddings.project(x, method="pca", init=flipped_second), flipped_second)


def test_tsne_is_deterministic_by_seed():
    x, _ = _blobs(3, clusters=4, per_cluster=30)
    first = embeddings.project(x, method="tsne", seed=7)
    np.testing.assert_array_equal(first, embeddings.project(x, method="tsne", seed=7))


def test_tsne_from_the_previous_layout_stays_close_to_it():
    x, _ = _blobs(4)
    previous = embeddings.project(x, method="tsne")
    # The next epoch: the same points, moved a little.
    moved = x + np.random.default_rng(5).normal(0.0, 0.3, x.shape).astype(np.float32)
    scale = previous.std(axis=0)
    random_start = np.random.default_rng(6).normal(0.0, 1.0, previous.shape) * scale
    from_previous = embeddings.project(moved, method="tsne", init=previous)
    from_random = embeddings.project(moved, method="tsne", init=random_start)

    def displacement(layout):
        return np.linalg.norm(layout - previous, axis=1).mean()

    assert displacement(from_previous) < 0.1 * displacement(from_random)
    assert trustworthiness(moved, from_previous, n_neighbors=5) >= 0.9


@pytest.mark.parametrize("n", [4, 6, 10, 39])
def test_tsne_of_a_small_set_does_not_collapse_to_a_point(n):
    x = np.random.default_rng(n).random((n, 5))
    layout = embeddings.project(x, method="tsne")
    assert np.isfinite(layout).all() and layout.std(axis=0).min() > 0.1


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_identical_points_land_on_the_origin(method):
    np.testing.assert_array_equal(embeddings.project(np.ones((20, 3)), method=method), np.zeros((20, 2)))


def test_two_threads_project_as_one():
    x, _ = _blobs(8, clusters=4, per_cluster=30)
    expected = embeddings.project(x, method="tsne")
    for result in in_two_threads(lambda slot: embeddings.project(x, method="tsne")):
        np.testing.assert_array_equal(result, expected)


def test_cosine_by_hand_best_first_ties_by_index():
    bank = np.array([[0, 1], [1, 1], [2, 0], [-1, 0], [0, 0]], dtype=np.float32)
    indices, similarities = embeddings.nearest(np.array([3.0, 0.0]), bank, k=5)
    np.testing.assert_array_equal(indices, [2, 1, 0, 4, 3])  # 0 and the zero row 4 tie at 0: lower index first
    np.testing.assert_allclose(similarities, [1, 1 / np.sqrt(2), 0, 0, -1], atol=1e-7)
    assert indices.dtype == np.int64 and similarities.dtype == np.float32


def test_nearest_agrees_with_sklearn_cosine_similarity():
    rng = np.random.default_rng(9)
    bank, query = rng.normal(size=(50, 6)), rng.normal(size=6)
    reference = cosine_similarity(query[None], bank)[0]
    indices, similarities = embeddings.nearest(query, bank, k=10)
    np.testing.assert_array_equal(indices, np.argsort(-reference)[:10])
    np.testing.assert_allclose(similarities, np.sort(reference)[::-1][:10], rtol=1e-6)


@pytest.mark.parametrize("space", [0, 1], ids=["pixels", "features"])
def test_a_test_image_is_its_own_nearest_neighbour(digits_spaces, space):
    bank = digits_spaces[space]
    for index in (0, 5, 100, 1796):
        indices, similarities = embeddings.nearest(bank[index], bank, k=3)
        assert indices[0] == index
        assert similarities[0] == pytest.approx(1.0, abs=1e-6)
        assert similarities[1] <= similarities[0]


def test_pixel_features_are_the_images_rows():
    images = np.arange(16, dtype=np.float32).reshape(2, 2, 2, 2)
    np.testing.assert_array_equal(
        embeddings.pixel_features(images), [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]]
    )


def test_project_pixel_and_feature_space_of_the_digits(digits_spaces):
    pixels, features = digits_spaces
    for space in (pixels, features):
        assert embeddings.project(space, method="pca").shape == (len(space), 2)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"features": np.zeros((10, 3)), "method": "mds"}, "method"),
        ({"features": np.zeros(10), "method": "pca"}, "features"),
        ({"features": np.zeros((3, 3)), "method": "pca"}, "features"),
        ({"features": np.zeros((10, 1)), "method": "pca"}, "features"),
        ({"features": np.full((10, 3), np.nan), "method": "pca"}, "features"),
        ({"features": np.array([["a", "b"]] * 10), "method": "pca"}, "features"),
        ({"features": np.zeros((10, 3)), "method": "tsne", "seed": -1}, "seed"),
        ({"features": np.zeros((10, 3)), "method": "tsne", "seed": 1.5}, "seed"),
        ({"features": np.zeros((10, 3)), "method": "tsne", "init": np.zeros((9, 2))}, "init"),
        ({"features": np.zeros((10, 3)), "method": "pca", "init": np.full((10, 2), np.inf)}, "init"),
    ],
)
def test_project_errors_name_the_argument(kwargs, name):
    features = kwargs.pop("features")
    with pytest.raises(ValueError, match=name):
        embeddings.project(features, **kwargs)


def test_umap_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="umap"):
        embeddings.project(np.zeros((10, 3)), method="umap")


@pytest.mark.parametrize(
    ("query", "bank", "k", "name"),
    [
        (np.ones((1, 3)), np.ones((4, 3)), 1, "query"),
        (np.ones(3), np.ones(3), 1, "bank"),
        (np.ones(3), np.ones((4, 2)), 1, "bank"),
        (np.ones(3), np.ones((4, 3)), 0, "k"),
        (np.ones(3), np.ones((4, 3)), 5, "k"),
        (np.ones(3), np.ones((4, 3)), True, "k"),
        (np.zeros(3), np.ones((4, 3)), 1, "query is all zeros"),
        (np.ones(3), np.full((4, 3), np.nan), 1, "bank"),
    ],
)
def test_nearest_errors_name_the_argument(query, bank, k, name):
    with pytest.raises(ValueError, match=name):
        embeddings.nearest(query, bank, k=k)


def test_pixel_features_error_names_images():
    with pytest.raises(ValueError, match="images"):
        embeddings.pixel_features(np.zeros((2, 8, 8), dtype=np.float32))
