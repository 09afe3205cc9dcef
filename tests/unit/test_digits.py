"""explorer.images.digits against scikit-learn's cosine_similarity and a hand-computed case."""

import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.metrics.pairwise import cosine_similarity

from explorer.images import digits

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def data():
    return digits.load()


def test_load_returns_the_scikit_learn_data_set(data):
    images, labels = data
    reference = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float64
    assert labels.shape == (1797,) and np.issubdtype(labels.dtype, np.integer)
    assert images.min() == 0 and images.max() == digits.INK_MAX
    np.testing.assert_array_equal(images, reference.images)
    np.testing.assert_array_equal(labels, reference.target)


def test_two_vector_case_by_hand():
    vectors = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0], [-3.0, 0.0], [0.0, 0.0]])
    scores = digits.cosine_similarities(vectors, np.array([2.0, 0.0]))
    # angles 0, 45, 90 and 180 degrees; a zero row counts as 0
    np.testing.assert_allclose(scores, [1.0, 1 / np.sqrt(2), 0.0, -1.0, 0.0])


def test_cosine_similarities_match_scikit_learn(data):
    images, _ = data
    vectors = images.reshape(len(images), -1)
    for index in (0, 100, 1796):
        expected = cosine_similarity(vectors[index].reshape(1, -1), vectors).ravel()
        np.testing.assert_allclose(digits.cosine_similarities(vectors, vectors[index]), expected, atol=1e-12)


def test_most_and_least_similar_agree_with_scikit_learn_ranking(data):
    images, labels = data
    vectors = images.reshape(len(images), -1)
    index = 100
    found = digits.most_and_least_similar(images, index, count=5)
    expected = cosine_similarity(vectors[index].reshape(1, -1), vectors).ravel()
    order = np.argsort(-expected, kind="stable")
    order = order[order != index]
    np.testing.assert_allclose(found.most_scores, expected[order[:5]], atol=1e-12)
    np.testing.assert_allclose(found.least_scores, np.sort(expected)[:5], atol=1e-12)
    assert index not in found.most and index not in found.least
    assert np.all(np.diff(found.most_scores) <= 0) and np.all(np.diff(found.least_scores) >= 0)
    # the look-alikes of a digit are mostly the same digit
    assert np.mean(labels[found.most] == labels[index]) >= 0.8


def test_query_excluded_and_ties_broken_by_index():
    images = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [0.0, 1.0]])
    found = digits.most_and_least_similar(images, 1, count=2)
    np.testing.assert_array_equal(found.most, [0, 2])  # both score 1: smaller index first; 1 itself excluded
    np.testing.assert_array_equal(found.least, [3, 0])


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match="query is the zero vector"):
        digits.cosine_similarities(np.ones((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"query must have shape \(4,\) to match vectors, got \(3,\)"):
        digits.cosine_similarities(np.ones((3, 4)), np.ones(3))
    images = np.ones((5, 8, 8))
    with pytest.raises(ValueError, match="index must be from 0 to 4, got 5"):
        digits.most_and_least_similar(images, 5)
    with pytest.raises(ValueError, match="count must be from 1 to 4, got 0"):
        digits.most_and_least_similar(images, 0, count=0)
    blank = np.zeros((3, 8, 8))
    with pytest.raises(ValueError, match="query is the zero vector"):
        digits.most_and_least_similar(blank, 0, count=1)


def test_to_picture_is_dark_ink_on_white_in_blocks():
    image = np.zeros((8, 8))
    image[0, 0] = 16
    image[0, 1] = 8
    picture = digits.to_picture(image, scale=3)
    assert picture.shape == (24, 24) and picture.dtype == np.uint8
    assert picture[0, 0] == 0 and picture[2, 2] == 0 and picture[0, 3] == 128 and picture[23, 23] == 255


def test_load_does_not_import_scikit_learn():
    """Importing sklearn.datasets cost a cold server's first Images page 0.8–1.5 s; the file is read directly."""
    code = "import sys; from explorer.images import digits; digits.load(); print('sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False", result.stderr
