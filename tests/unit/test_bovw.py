"""explorer.classical.bovw: word assignment against a brute-force Hamming search, similarity against SciPy, the
codebook against scikit-learn's KMeans and known groups, and its determinism."""

import numpy as np
import pytest
from scipy.spatial import distance
from sklearn.cluster import KMeans

from explorer.classical import bovw
from explorer.images import samples


@pytest.fixture(scope="module")
def sample_sets() -> list[np.ndarray]:
    return [bovw.descriptors(samples.load_sample(name), n_features=150) for name in ("astronaut", "coins", "brick")]


@pytest.fixture(scope="module")
def codebook(sample_sets) -> bovw.Codebook:
    return bovw.build_codebook(sample_sets, k=8, seed=0)


def _random_descriptors(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 32), dtype=np.uint8)


def test_histograms_sum_to_the_descriptor_count(sample_sets, codebook):
    for descriptors in sample_sets:
        histogram = bovw.word_histogram(descriptors, codebook)
        assert histogram.shape == (8,) and histogram.dtype == np.int64
        assert histogram.sum() == len(descriptors)
    assert bovw.word_histogram(np.zeros((0, 32), np.uint8), codebook).sum() == 0


def test_words_are_the_nearest_centres(sample_sets, codebook):
    descriptors = sample_sets[0]
    bits = np.unpackbits(descriptors, axis=1).astype(np.float64)
    # Reference: SciPy's pairwise Euclidean distances to the centres, nearest wins.
    expected = distance.cdist(bits, codebook.centres.astype(np.float64)).argmin(axis=1)
    np.testing.assert_array_equal(bovw.assign_words(descriptors, codebook), expected)


def test_squared_distance_on_bits_is_hamming():
    a, b = _random_descriptors(1, 1), _random_descriptors(1, 2)
    bits_a = np.unpackbits(a, axis=1).astype(np.float64)
    bits_b = np.unpackbits(b, axis=1).astype(np.float64)
    hamming = int(np.unpackbits(np.bitwise_xor(a, b)).sum())
    assert ((bits_a - bits_b) ** 2).sum() == hamming


def test_an_image_is_most_similar_to_itself(sample_sets, codebook):
    histograms = [bovw.word_histogram(d, codebook) for d in sample_sets]
    for index, histogram in enumerate(histograms):
        order, similarity = bovw.rank_by_similarity(histogram, histograms)
        assert order[0] == index
        assert similarity[index] == pytest.approx(1.0)


def test_cosine_similarity_matches_scipy():
    a, b = np.array([3, 0, 1, 2]), np.array([1, 4, 0, 2])
    assert bovw.cosine_similarity(a, b) == pytest.approx(1.0 - distance.cosine(a, b))
    assert bovw.cosine_similarity(a, np.zeros(4)) == 0.0  # no keypoints: similar to nothing


def test_codebook_is_deterministic_by_seed():
    sets = [_random_descriptors(60, 10), _random_descriptors(60, 11)]
    first = bovw.build_codebook(sets, k=5, seed=7)
    again = bovw.build_codebook(sets, k=5, seed=7)
    np.testing.assert_array_equal(first.centres, again.centres)
    other = bovw.build_codebook(sets, k=5, seed=8)
    assert not np.array_equal(first.centres, other.centres)
    assert first.centres.shape == (5, 256) and first.centres.dtype == np.float32


def test_one_word_holds_everything():
    descriptors = _random_descriptors(30, 3)
    book = bovw.build_codebook([descriptors], k=1)
    np.testing.assert_allclose(book.centres[0], np.unpackbits(descriptors, axis=1).mean(axis=0), atol=1e-6)
    np.testing.assert_array_equal(bovw.word_histogram(descriptors, book), [30])


@pytest.mark.parametrize(
    "k, message",
    [
        (0, "k must be at least 1 \\(the number of visual words\\), got 0"),
        (-2, "k must be at least 1"),
        (21, "k must be at most the number of descriptors \\(20\\) to cluster, got 21"),
    ],
)
def test_bad_k(k, message):
    with pytest.raises(ValueError, match=message):
        bovw.build_codebook([_random_descriptors(20, 4)], k=k)


def test_bad_descriptors():
    with pytest.raises(ValueError, match=r"descriptors must be \(N, 32\) uint8 ORB descriptors, got float64 \(3, 32\)"):
        bovw.build_codebook([np.zeros((3, 32))], k=1)


def _inertia(bits: np.ndarray, centres: np.ndarray) -> float:
    return float(distance.cdist(bits, centres, "sqeuclidean").min(axis=1).sum())


def test_codebook_is_as_tight_as_scikit_learns(sample_sets):
    """Reference: scikit-learn's KMeans (what the codebook used before) on the same pooled descriptors."""
    bits = np.concatenate([np.unpackbits(d, axis=1).astype(np.float64) for d in sample_sets])
    ours = _inertia(bits, bovw.build_codebook(sample_sets, k=16, seed=0).centres.astype(np.float64))
    reference = KMeans(n_clusters=16, random_state=0, n_init=bovw.N_INIT).fit(bits).inertia_
    assert ours <= 1.03 * reference, (ours, reference)


def test_codebook_finds_well_separated_groups():
    """Four random descriptors, each copied 25 times with 3 of its 256 bits flipped: 4 words are the 4 groups."""
    rng = np.random.default_rng(5)
    prototypes = np.unpackbits(_random_descriptors(4, 6), axis=1)
    bits = np.repeat(prototypes, 25, axis=0)
    for row in bits:
        row[rng.choice(256, 3, replace=False)] ^= 1
    book = bovw.build_codebook([np.packbits(bits, axis=1)], k=4, seed=1)
    words = bovw.assign_words(np.packbits(bits, axis=1), book)
    groups = np.repeat(np.arange(4), 25)
    assert len(set(zip(groups, words))) == 4 and len(set(words)) == 4  # one word per group, none shared
    for group in range(4):  # each centre is its group's mean: the prototype, give or take a few flipped bits
        centre = book.centres[words[groups == group][0]]
        assert np.abs(centre - prototypes[group]).max() <= 0.2
