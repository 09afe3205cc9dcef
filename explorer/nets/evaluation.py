"""How well a trained network does: predictions, confusion matrix, per-class accuracy, its worst mistakes,
and the features it computes just before its last layer (embeddings, for maps of the data).

``model`` is a ``torch.nn.Sequential`` as :func:`explorer.nets.architecture.build` makes it; ``dataset`` an
:class:`explorer.data.datasets.Dataset` (or a ``(N, C, H, W) float32`` array). Models run in ``eval()`` mode
under ``torch.inference_mode`` in chunks of ``batch_size`` images, and are left in the mode they came in.
The counting functions are numpy only; torch is imported inside the functions that run a model.
:func:`evaluate` gives everything the "Train a CNN" page shows about a model in one :class:`Evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core import checks
from explorer.data.datasets import Dataset

# 128 images: their feature maps stay in the CPU's cache. Measured on our models (one thread), 512 was
# 1.3-2x slower, 64 no faster.
DEFAULT_BATCH = 128
MAX_BATCH = 4096


def _images(dataset) -> np.ndarray:
    if isinstance(dataset, Dataset):
        return dataset.images
    if isinstance(dataset, np.ndarray) and dataset.ndim == 4 and dataset.dtype == np.float32:
        return dataset
    got = f"{dataset.dtype} {dataset.shape}" if isinstance(dataset, np.ndarray) else type(dataset).__name__
    raise TypeError(f"dataset must be a Dataset or a (N, C, H, W) float32 array, got {got}")


def _batch_size(batch_size: object) -> int:
    return checks.integer("batch_size", batch_size, 1, MAX_BATCH, wrong_type=ValueError)


def head_index(model) -> int:
    """Index of the last ``nn.Linear`` in ``model`` (the classifier); the layers before it make the features.

    Without any dense layer, the last module is the head.
    """
    from torch import nn

    linear = [i for i, module in enumerate(model) if isinstance(module, nn.Linear)]
    return linear[-1] if linear else len(model) - 1


def forward_chunks(model, images, *, batch_size: int = DEFAULT_BATCH, features: bool = False):
    """Run ``model`` on ``images`` (a ``(N, C, H, W)`` tensor or float32 array) in eval mode, chunk by chunk.

    Returns ``logits (N, K)`` float32 tensor, or ``(features (N, D), logits)`` when ``features`` is True
    (``features``: the input of the classifier, see :func:`head_index`, flattened per image).
    """
    import torch

    was_training = model.training
    split = head_index(model)
    body, head = model[:split], model[split:]
    outputs, feats = [], []
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                chunk = images[start : start + batch_size]
                # A copy of a numpy chunk: datasets are read-only arrays, which torch warns about sharing.
                x = torch.from_numpy(np.array(chunk)) if isinstance(chunk, np.ndarray) else chunk
                hidden = body(x)
                outputs.append(head(hidden))
                if features:
                    feats.append(hidden.reshape(len(hidden), -1))
    finally:
        model.train(was_training)
    logits = torch.cat(outputs)
    return (torch.cat(feats), logits) if features else logits


def predict(model, dataset, *, batch_size: int = DEFAULT_BATCH) -> tuple[np.ndarray, np.ndarray]:
    """``(predictions (N,) int64, probabilities (N, K) float32)``: the most likely class and the softmax."""
    import torch

    logits = forward_chunks(model, _images(dataset), batch_size=_batch_size(batch_size))
    probabilities = torch.softmax(logits, dim=1).numpy()
    return probabilities.argmax(axis=1).astype(np.int64), probabilities.astype(np.float32, copy=False)


def embeddings(model, dataset, *, batch_size: int = DEFAULT_BATCH) -> np.ndarray:
    """``(N, D) float32``: each image's features as the classifier receives them (the layer before the last)."""
    features, _ = forward_chunks(model, _images(dataset), batch_size=_batch_size(batch_size), features=True)
    return features.numpy().astype(np.float32, copy=False)


def _labels(labels: object, name: str) -> np.ndarray:
    array = np.asarray(labels)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-D array of integers, got {array.dtype} {array.shape}")
    return array.astype(np.int64, copy=False)


def _pair(labels, predictions, num_classes) -> tuple[np.ndarray, np.ndarray, int]:
    labels, predictions = _labels(labels, "labels"), _labels(predictions, "predictions")
    if labels.shape != predictions.shape:
        raise ValueError(f"labels and predictions must have the same length, got {len(labels)} and {len(predictions)}")
    num_classes = checks.integer("num_classes", num_classes, 1, wrong_type=ValueError)
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} must be in 0..{num_classes - 1}, got {values.min()}..{values.max()}")
    return labels, predictions, num_classes


def confusion_matrix(labels, predictions, *, num_classes: int) -> np.ndarray:
    """``(K, K) int64``: row = true class, column = predicted class (scikit-learn's convention)."""
    labels, predictions, k = _pair(labels, predictions, num_classes)
    return np.bincount(labels * k + predictions, minlength=k * k).reshape(k, k).astype(np.int64)


def per_class_accuracy(labels, predictions, *, num_classes: int) -> np.ndarray:
    """``(K,) float64``: the fraction of each class's images predicted right (its recall); NaN for a class
    with no image."""
    matrix = confusion_matrix(labels, predictions, num_classes=num_classes)
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / totals, np.nan)


def misclassified(labels, predictions, probabilities) -> np.ndarray:
    """Indices ``(M,) int64`` of the wrong predictions, the most confident mistakes first.

    Confidence is the probability given to the (wrong) predicted class; ties keep index order.
    """
    labels, predictions = _labels(labels, "labels"), _labels(predictions, "predictions")
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or probabilities.shape[0] != len(labels) or labels.shape != predictions.shape:
        raise ValueError(
            f"labels (N,), predictions (N,) and probabilities (N, K) must agree, got {labels.shape}, "
            f"{predictions.shape} and {probabilities.shape}"
        )
    if predictions.size and (predictions.min() < 0 or predictions.max() >= probabilities.shape[1]):
        raise ValueError(f"predictions must be in 0..{probabilities.shape[1] - 1}")
    wrong = np.flatnonzero(labels != predictions)
    confidence = probabilities[wrong, predictions[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")].astype(np.int64)


def confidence(predictions, probabilities) -> np.ndarray:
    """``(N,) float32``: the probability each image's prediction was given (row ``i``, column ``predictions[i]``)."""
    predictions = _labels(predictions, "predictions")
    probabilities = np.asarray(probabilities, dtype=np.float32)
    if probabilities.ndim != 2 or probabilities.shape[0] != len(predictions):
        raise ValueError(
            f"predictions (N,) and probabilities (N, K) must agree, got {predictions.shape} and {probabilities.shape}"
        )
    if predictions.size and (predictions.min() < 0 or predictions.max() >= probabilities.shape[1]):
        raise ValueError(f"predictions must be in 0..{probabilities.shape[1] - 1}")
    return probabilities[np.arange(len(predictions)), predictions]


def accuracy(labels, predictions) -> float:
    """The fraction of predictions equal to their label (NaN for no images)."""
    labels, predictions = _labels(labels, "labels"), _labels(predictions, "predictions")
    if labels.shape != predictions.shape:
        raise ValueError(f"labels and predictions must have the same length, got {len(labels)} and {len(predictions)}")
    return float(np.mean(labels == predictions)) if labels.size else float("nan")


def cell(labels, predictions, *, true_class: int, predicted: int) -> np.ndarray:
    """Indices ``(M,) int64``, in order, of the images of class ``true_class`` predicted as ``predicted``: the
    images counted in the confusion matrix's cell ``[true_class, predicted]``."""
    labels, predictions = _labels(labels, "labels"), _labels(predictions, "predictions")
    if labels.shape != predictions.shape:
        raise ValueError(f"labels and predictions must have the same length, got {len(labels)} and {len(predictions)}")
    true_class = checks.integer("true_class", true_class, 0, wrong_type=ValueError)
    predicted = checks.integer("predicted", predicted, 0, wrong_type=ValueError)
    return np.flatnonzero((labels == true_class) & (predictions == predicted)).astype(np.int64)


def worst_confusion(matrix) -> tuple[int, int] | None:
    """``(true_class, predicted)``: the cell off the diagonal of a ``(K, K)`` confusion matrix (row = true
    class) with the largest count, the pair of classes the network mixes up most. Ties go to the first cell
    in row-major order (reading the matrix row by row). ``None`` when no cell off the diagonal counts
    anything (no mistakes, or a single class)."""
    counts = np.asarray(matrix)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ValueError(f"matrix must be a square (K, K) array with K >= 1, got shape {counts.shape}")
    if not np.issubdtype(counts.dtype, np.integer):
        raise ValueError(f"matrix must hold whole-number counts, got {counts.dtype}")
    if counts.size and counts.min() < 0:
        raise ValueError(f"matrix must hold counts >= 0, got {counts.min()}")
    off_diagonal = counts.astype(np.int64)  # a copy
    np.fill_diagonal(off_diagonal, -1)
    flat = int(np.argmax(off_diagonal))  # the first largest, in row-major order
    if off_diagonal.flat[flat] <= 0:
        return None
    true_class, predicted = divmod(flat, counts.shape[1])
    return true_class, predicted


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value
class Evaluation:
    """A model's results on a test set of N images and K classes."""

    predictions: np.ndarray  # (N,) int64
    confidence: np.ndarray  # (N,) float32, the probability of the predicted class
    matrix: np.ndarray  # (K, K) int64, row = true class
    per_class: np.ndarray  # (K,) float64, NaN for a class without test images
    wrong: np.ndarray  # (M,) int64 indices, most confident mistakes first
    accuracy: float


def summarize(labels, predictions, probabilities, *, num_classes: int) -> Evaluation:
    """Every count of :class:`Evaluation` from the labels ``(N,)``, predictions ``(N,)`` and probabilities
    ``(N, K)`` (as :func:`predict` returns them)."""
    return Evaluation(
        predictions=_labels(predictions, "predictions"),
        confidence=confidence(predictions, probabilities),
        matrix=confusion_matrix(labels, predictions, num_classes=num_classes),
        per_class=per_class_accuracy(labels, predictions, num_classes=num_classes),
        wrong=misclassified(labels, predictions, probabilities),
        accuracy=accuracy(labels, predictions),
    )


def evaluate(model, dataset: Dataset, *, batch_size: int = DEFAULT_BATCH) -> Evaluation:
    """:func:`predict` on ``dataset`` and :func:`summarize` against its labels."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset must be a Dataset (its labels are needed), got {type(dataset).__name__}")
    predictions, probabilities = predict(model, dataset, batch_size=batch_size)
    return summarize(dataset.labels, predictions, probabilities, num_classes=dataset.n_classes)
