"""explorer.nets.evaluation's summary of a model on a test set (what the Train page shows): the confidence of
each prediction, the accuracy, the images of one confusion-matrix cell, and summarize/evaluate, against
scikit-learn and hand-computed cases."""

import numpy as np
import pytest
from sklearn import metrics

from explorer.data.datasets import Dataset
from explorer.nets import evaluation
from explorer.nets.architecture import ArchitectureSpec, Dense, Flatten, build


def test_confidence_is_the_probability_of_the_prediction():
    probabilities = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]], np.float32)
    confidence = evaluation.confidence([1, 0, 0], probabilities)  # the last one predicted against the odds
    np.testing.assert_array_equal(confidence, np.float32([0.7, 0.5, 0.2]))
    assert confidence.dtype == np.float32
    with pytest.raises(ValueError, match=r"predictions must be in 0..2"):
        evaluation.confidence([3, 0, 0], probabilities)
    with pytest.raises(ValueError, match=r"predictions \(N,\) and probabilities \(N, K\) must agree"):
        evaluation.confidence([1, 0], probabilities)


def test_accuracy_matches_sklearn():
    rng = np.random.default_rng(1)
    labels, predictions = rng.integers(0, 4, 97), rng.integers(0, 4, 97)
    assert evaluation.accuracy(labels, predictions) == pytest.approx(metrics.accuracy_score(labels, predictions))
    assert evaluation.accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75
    assert np.isnan(evaluation.accuracy(np.array([], np.int64), np.array([], np.int64)))
    with pytest.raises(ValueError, match=r"labels and predictions must have the same length, got 2 and 1"):
        evaluation.accuracy([0, 1], [0])


def test_cell_by_hand():
    labels, predictions = [0, 1, 1, 2, 1, 2], [0, 1, 2, 2, 1, 1]
    np.testing.assert_array_equal(evaluation.cell(labels, predictions, true_class=1, predicted=1), [1, 4])
    np.testing.assert_array_equal(evaluation.cell(labels, predictions, true_class=1, predicted=2), [2])
    empty = evaluation.cell(labels, predictions, true_class=0, predicted=2)
    assert empty.shape == (0,) and empty.dtype == np.int64
    with pytest.raises(ValueError, match=r"true_class must be"):
        evaluation.cell(labels, predictions, true_class=-1, predicted=0)


def test_every_cell_holds_as_many_images_as_sklearns_count():
    rng = np.random.default_rng(2)
    labels, predictions = rng.integers(0, 5, 300), rng.integers(0, 5, 300)
    expected = metrics.confusion_matrix(labels, predictions, labels=range(5))
    for true_class in range(5):
        for predicted in range(5):
            indices = evaluation.cell(labels, predictions, true_class=true_class, predicted=predicted)
            assert len(indices) == expected[true_class, predicted]
            assert np.all(labels[indices] == true_class) and np.all(predictions[indices] == predicted)


def test_summarize_agrees_with_sklearn():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, 120)
    probabilities = rng.dirichlet(np.ones(4), 120).astype(np.float32)  # class 3 is never a true label
    predictions = probabilities.argmax(axis=1)
    result = evaluation.summarize(labels, predictions, probabilities, num_classes=4)
    np.testing.assert_array_equal(result.matrix, metrics.confusion_matrix(labels, predictions, labels=range(4)))
    assert result.accuracy == pytest.approx(metrics.accuracy_score(labels, predictions))
    np.testing.assert_allclose(
        result.per_class[:3], metrics.recall_score(labels, predictions, labels=range(3), average=None)
    )
    assert np.isnan(result.per_class[3])
    np.testing.assert_array_equal(result.confidence, probabilities.max(axis=1))
    wrong = result.wrong
    assert set(wrong) == set(np.flatnonzero(labels != predictions))
    assert np.all(np.diff(result.confidence[wrong]) <= 0)  # most confident mistakes first
    assert result.predictions.dtype == np.int64


def test_evaluate_runs_the_model_and_counts_against_a_numpy_forward_pass():
    spec = ArchitectureSpec("linear", (1, 2, 2), (Flatten(), Dense(3)), 3)
    model = build(spec, seed=4)
    images = np.random.default_rng(5).random((11, 1, 2, 2), dtype=np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1])
    weight, bias = model[1].weight.detach().numpy(), model[1].bias.detach().numpy()
    by_hand = (images.reshape(11, 4) @ weight.T + bias).argmax(axis=1)
    result = evaluation.evaluate(model, Dataset("tiny", images, labels, ("a", "b", "c")))
    np.testing.assert_array_equal(result.predictions, by_hand)
    assert result.accuracy == pytest.approx(np.mean(by_hand == labels))
    assert result.matrix.sum() == 11
    with pytest.raises(TypeError, match=r"dataset must be a Dataset \(its labels are needed\), got ndarray"):
        evaluation.evaluate(model, images)
