"""explorer.nets.evaluation: counts against scikit-learn, model outputs against numpy by hand on a tiny network,
batching that doesn't change results, and messages for bad input."""

import numpy as np
import pytest
from sklearn import metrics

from explorer.data.datasets import Dataset
from explorer.nets import evaluation
from explorer.nets.architecture import Activation, ArchitectureSpec, Dense, Flatten, build


def _tiny():
    """Flatten -> dense 3 -> relu -> dense 2 on 1×2×2 images, and a dataset of 7 images."""
    spec = ArchitectureSpec("tiny", (1, 2, 2), (Flatten(), Dense(3), Activation("relu"), Dense(2)), 2)
    model = build(spec, seed=1)
    images = np.random.default_rng(0).random((7, 1, 2, 2), dtype=np.float32)
    return model, Dataset("tiny", images, np.array([0, 1, 0, 1, 0, 1, 1]), ("a", "b"))


def _numpy_forward(model, images):
    w1, b1 = model[1].weight.detach().numpy(), model[1].bias.detach().numpy()
    w2, b2 = model[3].weight.detach().numpy(), model[3].bias.detach().numpy()
    hidden = np.maximum(images.reshape(len(images), -1) @ w1.T + b1, 0)
    logits = hidden @ w2.T + b2
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return hidden, exp / exp.sum(axis=1, keepdims=True)


def test_confusion_matrix_matches_sklearn():
    rng = np.random.default_rng(0)
    labels, predictions = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    ours = evaluation.confusion_matrix(labels, predictions, num_classes=6)  # class 5 never occurs
    np.testing.assert_array_equal(ours, metrics.confusion_matrix(labels, predictions, labels=range(6)))
    assert ours.dtype == np.int64 and ours.shape == (6, 6)


def test_per_class_accuracy_is_sklearn_recall_and_nan_for_an_empty_class():
    labels, predictions = np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 1, 0, 2])
    ours = evaluation.per_class_accuracy(labels, predictions, num_classes=4)
    np.testing.assert_allclose(ours[:3], metrics.recall_score(labels, predictions, average=None))
    np.testing.assert_allclose(ours[:3], [1 / 2, 2 / 3, 1])
    assert np.isnan(ours[3])


def test_misclassified_most_confident_first():
    labels = np.array([0, 1, 2, 0, 1])
    predictions = np.array([1, 1, 0, 2, 0])
    probabilities = np.array([[0.3, 0.6, 0.1], [0, 1, 0], [0.9, 0, 0.1], [0.2, 0.2, 0.6], [0.95, 0.05, 0]])
    np.testing.assert_array_equal(evaluation.misclassified(labels, predictions, probabilities), [4, 2, 0, 3])


def test_predict_and_embeddings_match_a_hand_forward_pass():
    model, data = _tiny()
    hidden, probabilities = _numpy_forward(model, data.images)
    predictions, ours = evaluation.predict(model, data)
    np.testing.assert_allclose(ours, probabilities, rtol=1e-5)
    np.testing.assert_array_equal(predictions, probabilities.argmax(axis=1))
    assert predictions.dtype == np.int64 and ours.dtype == np.float32
    features = evaluation.embeddings(model, data)  # the input of the last dense layer: relu(dense 3)
    np.testing.assert_allclose(features, hidden, rtol=1e-5, atol=1e-6)
    assert features.shape == (7, 3) and features.dtype == np.float32


def test_batch_size_does_not_change_results_and_mode_is_restored():
    model, data = _tiny()
    model.train()
    one = evaluation.predict(model, data, batch_size=1)
    all_at_once = evaluation.predict(model, data.images, batch_size=512)
    np.testing.assert_allclose(one[1], all_at_once[1], rtol=1e-6)
    assert model.training


def test_bad_input_messages():
    with pytest.raises(ValueError, match=r"labels and predictions must have the same length, got 3 and 2"):
        evaluation.confusion_matrix([0, 1, 1], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match=r"predictions must be in 0..1, got 0..2"):
        evaluation.confusion_matrix([0, 1], [0, 2], num_classes=2)
    with pytest.raises(ValueError, match=r"labels must be a 1-D array of integers, got float64"):
        evaluation.per_class_accuracy(np.array([0.5]), [0], num_classes=2)
    model, data = _tiny()
    with pytest.raises(ValueError, match=r"batch_size must be from 1 to 4096, got 0"):
        evaluation.predict(model, data, batch_size=0)
    with pytest.raises(TypeError, match=r"dataset must be a Dataset or a \(N, C, H, W\) float32 array, got list"):
        evaluation.embeddings(model, [1, 2])


@pytest.mark.parametrize(
    ("matrix", "worst"),
    [
        # the diagonal holds the most (50) but the worst confusion is the 1 off it
        ([[50, 1], [0, 40]], (0, 1)),
        # 3 twice, in row 1: the first in row-major order; the 2 in row 0 is smaller
        ([[5, 2, 0], [3, 4, 3], [0, 0, 9]], (1, 0)),
        # 4 in rows 0 and 1: row 0 comes first
        ([[0, 4], [4, 0]], (0, 1)),
        # the largest count is in the last row
        ([[9, 0, 1], [0, 9, 0], [2, 7, 1]], (2, 1)),
    ],
)
def test_worst_confusion_by_hand(matrix, worst):
    assert evaluation.worst_confusion(np.array(matrix)) == worst


def test_worst_confusion_of_no_mistakes_is_none():
    assert evaluation.worst_confusion(np.diag([3, 5, 2])) is None
    assert evaluation.worst_confusion(np.array([[7]])) is None  # one class: nothing to confuse it with
    assert evaluation.worst_confusion(np.zeros((3, 3), np.int64)) is None


def test_worst_confusion_agrees_with_a_search_cell_by_cell():
    rng = np.random.default_rng(0)
    for _ in range(50):
        k = int(rng.integers(2, 7))
        matrix = rng.integers(0, 4, size=(k, k))  # small counts: many ties
        best, where = 0, None
        for true_class in range(k):
            for predicted in range(k):
                if true_class != predicted and matrix[true_class, predicted] > best:
                    best, where = matrix[true_class, predicted], (true_class, predicted)
        assert evaluation.worst_confusion(matrix) == where, matrix


def test_worst_confusion_of_a_confusion_matrix_from_labels():
    labels = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2])
    predictions = np.array([0, 2, 1, 2, 2, 2, 1, 0, 0])
    # 1 was called 2 twice, 2 was called 0 twice: row 1 comes first
    matrix = evaluation.confusion_matrix(labels, predictions, num_classes=3)
    assert evaluation.worst_confusion(matrix) == (1, 2)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.zeros(3, np.int64), r"square \(K, K\) array with K >= 1, got shape \(3,\)"),
        (np.zeros((2, 3), np.int64), r"got shape \(2, 3\)"),
        (np.zeros((0, 0), np.int64), r"got shape \(0, 0\)"),
        (np.ones((2, 2)), "whole-number counts, got float64"),
        (np.array([[1, -1], [0, 1]]), "counts >= 0, got -1"),
    ],
)
def test_worst_confusion_bad_input(matrix, message):
    with pytest.raises(ValueError, match=message):
        evaluation.worst_confusion(matrix)
