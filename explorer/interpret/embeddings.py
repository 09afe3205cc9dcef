"""Maps of what a network has learned: 2-D projections of embeddings, and nearest neighbours by cosine.

The features come from :func:`explorer.nets.evaluation.embeddings` (``(N, D) float32``: what the classifier
receives, the layer before the last) for "feature space", or from :func:`pixel_features` (the raw pixels, one
row per image) for "pixel space": the same functions take both.

- :func:`project`: ``(N, D)`` -> ``(N, 2) float32`` by PCA or t-SNE (``"umap"`` is refused, with the
  reason); ``init`` starts a frame from the previous frame's layout, so embeddings across epochs move smoothly
  instead of jumping.
- :func:`nearest`: the ``k`` rows of a bank most similar to a query by cosine similarity, best first.
- :func:`project_frames`: one layout per training epoch, each started from the one before (an animation).
- :func:`points_csv`: a map's coordinates, labels and predictions as CSV, class names made safe for
  spreadsheets (:func:`spreadsheet_text`); :func:`spread_indices` samples a set too big for one map.

Everything runs on one CPU thread (the server's rule: many sessions share a few cores). Projections are
heavy work (about 1.6 s for a t-SNE of 2,000 points): pages run them in a worker process, never in the
server's interpreter.

Which t-SNE: openTSNE's Barnes-Hut t-SNE with shorter phases (:data:`TSNE_SETTINGS`), chosen by
``benchmarks/interpret_embeddings.py`` against scikit-learn's ``TSNE`` and openTSNE's defaults: on 2,000
embeddings it took 0.29x scikit-learn's time and 0.4x openTSNE's, with a trustworthiness no lower;
scikit-learn's own t-SNE could not get under 2 s without losing trustworthiness (its 250 early-exaggeration
iterations are fixed). UMAP is left out (see ``_umap``). See benchmarks/README.md, "Inspect functions:
embeddings".
"""

from __future__ import annotations

import csv
import io
import numbers
import re
from dataclasses import dataclass

import numpy as np

from explorer.core import checks
from explorer.core.grading import Grade

METHODS = ("pca", "tsne", "umap")
# The test sets of the workshop's data sets have 359 (digits) to a few thousand images; a t-SNE of 2,000
# points takes about 1.6 s on one thread. Barnes-Hut grows about as N log N: some 10 s at 10,000 points in
# a worker (an estimate, not measured).
MAX_POINTS = 10_000
# Fewer points than this make no map (and t-SNE's perplexity needs a few neighbours per point).
MIN_POINTS = 4


@dataclass(frozen=True)
class TsneSettings:
    """openTSNE settings for :func:`project` (``method="tsne"``), chosen by ``benchmarks/interpret_embeddings.py``.

    perplexity : 20 (60 neighbours a point), lowered to ``(N - 1) / 3`` for small sets. The usual 30 gave a
        trustworthiness 0.0001-0.0003 below scikit-learn's on our embeddings; 20 is above it, and faster.
    exaggeration_iter, exaggeration : the early-exaggeration phase that gathers the clusters (openTSNE's
        default 250 iterations at 12; 100 are enough on our embeddings: trustworthiness no lower). Below 120
        points the exaggeration is ``N / 10`` (at least 1): at 12, sets of 4 to 39 random points sometimes
        collapsed to a single point (the attraction outweighs the few points' repulsion).
    iterations : the phase after it (openTSNE's default 500, scikit-learn's 750). The neighbourhoods, what
        trustworthiness measures, are settled by 200; more only spread the clusters further apart.
    theta : Barnes-Hut's accuracy/speed trade-off (openTSNE's default 0.5). Barnes-Hut rather than openTSNE's
        default FFT gradient: faster for a few thousand points.
    init_iterations : from a previous frame's layout (``init``), only this many iterations, at the exaggeration
        phase's small learning rate (N / exaggeration): the layout adapts to the new features without expanding. On the
        unit tests' 200 blobs moved a little, openTSNE's usual rate N for 200 iterations moved the points by
        20 % of the layout's spread, these settings by 2 %, with the same trustworthiness.
    pca_dims : features with more columns are first reduced to this many by PCA (the usual t-SNE practice),
        so the exact neighbour search stays cheap for pixel space too.
    """

    perplexity: float = 20.0
    exaggeration_iter: int = 100
    exaggeration: float = 12.0
    iterations: int = 200
    theta: float = 0.5
    init_iterations: int = 100
    pca_dims: int = 50


TSNE_SETTINGS = TsneSettings()


def _features(features: object, name: str = "features") -> np.ndarray:
    """``features`` checked as a finite ``(N, D)`` real array with ``MIN_POINTS <= N <= MAX_POINTS`` and
    ``D >= 2``, returned as float64 (the projections' arithmetic)."""
    array = np.asarray(features)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (N, D), got shape {array.shape}")
    n, d = array.shape
    if not MIN_POINTS <= n <= MAX_POINTS:
        raise ValueError(f"{name} must have from {MIN_POINTS} to {MAX_POINTS} rows (points), got {n}")
    if d < 2:
        raise ValueError(f"{name} must have at least 2 columns (dimensions), got {d}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite, got NaN or infinity")
    return array


def _init(init: object, n: int) -> np.ndarray | None:
    if init is None:
        return None
    array = np.asarray(init)
    if array.dtype.kind not in "iuf" or array.shape != (n, 2):
        raise ValueError(
            f"init must be None or a real (N, 2) layout with N = {n} rows, got {array.dtype} {array.shape}"
        )
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError("init must be finite, got NaN or infinity")
    return array


def _pca(x: np.ndarray, n_components: int) -> np.ndarray:
    """The first ``n_components`` principal-component scores of ``x (N, D)`` float64.

    From the eigenvectors of the ``(D, D)`` scatter matrix when ``D <= N`` (embeddings: 4x faster than an SVD
    of the data for 2,000 x 64), else from the SVD of the centred data (pixels of a few hundred images). Each
    component's sign is fixed so that its largest loading (by absolute value) is positive, so the same data
    always gives the same picture.
    """
    centred = x - x.mean(axis=0)
    n, d = centred.shape
    k = min(n_components, n, d)
    if d <= n:
        _, vectors = np.linalg.eigh(centred.T @ centred)  # eigenvalues ascending
        components = vectors[:, ::-1][:, :k].T  # (k, D)
    else:
        components = np.linalg.svd(centred, full_matrices=False)[2][:k]
    signs = np.sign(components[np.arange(k), np.abs(components).argmax(axis=1)])
    signs[signs == 0] = 1.0
    return centred @ (components * signs[:, None]).T


def _align_signs(layout: np.ndarray, init: np.ndarray) -> np.ndarray:
    """Flip each axis of ``layout`` whose direction disagrees with ``init`` (negative dot product)."""
    centred = init - init.mean(axis=0)
    signs = np.where((layout * centred).sum(axis=0) < 0, -1.0, 1.0)
    return layout * signs


def _tsne(x: np.ndarray, *, seed: int, init: np.ndarray | None, settings: TsneSettings) -> np.ndarray:
    from openTSNE import TSNEEmbedding, affinity, initialization
    from threadpoolctl import threadpool_limits

    if x.shape[1] > settings.pca_dims:
        x = _pca(x, settings.pca_dims)
    exaggeration = min(settings.exaggeration, max(1.0, len(x) / 10))
    with threadpool_limits(limits=1):  # BLAS in the neighbour search and PCA: one thread
        affinities = affinity.PerplexityBasedNN(
            x, perplexity=min(settings.perplexity, (len(x) - 1) / 3), method="exact", n_jobs=1, random_state=seed
        )
        # openTSNE's PCA start is scaled to std 1e-4, as t-SNE wants to start.
        start = initialization.pca(x, random_state=seed) if init is None else init
        embedding = TSNEEmbedding(
            start, affinities, negative_gradient_method="bh", theta=settings.theta, n_jobs=1, random_state=seed
        )
        if init is None:
            embedding = embedding.optimize(n_iter=settings.exaggeration_iter, exaggeration=exaggeration, momentum=0.5)
            embedding = embedding.optimize(n_iter=settings.iterations, momentum=0.8)
        else:
            # From a previous layout, no early exaggeration: it would pull the clusters together and push them
            # apart again, and the frames would jump. Small steps: the layout is already spread out.
            embedding = embedding.optimize(
                n_iter=settings.init_iterations, momentum=0.8, learning_rate=len(x) / exaggeration
            )
    return np.asarray(embedding)


def _umap(x: np.ndarray, *, seed: int, init: np.ndarray | None) -> np.ndarray:
    # Measured with umap-learn 0.5.12 (benchmarks/interpret_embeddings.py, 2,000 embeddings, one thread): every
    # new process's first call compiles numba code for 15-20 s (its on-disk cache did not help), and a warm
    # call still takes about 4 s, with a lower trustworthiness than our t-SNE (0.994 against 0.998).
    raise ValueError(
        'method "umap" is left out: umap-learn compiles itself for 15-20 s on the first call in every new '
        "process and then takes about 4 s for 2,000 points, with less faithful neighbourhoods than t-SNE; "
        'use "tsne" or "pca"'
    )


def project(features, *, method: str, seed: int = 0, init=None) -> np.ndarray:
    """Project ``features (N, D)`` (any real dtype) to ``(N, 2) float32`` points for a scatter plot.

    method : ``"pca"`` (the two principal components, by SVD of the centred data; each axis's sign fixed so
        its largest loading is positive), ``"tsne"`` (openTSNE's Barnes-Hut t-SNE, :data:`TSNE_SETTINGS`, from PCA)
        or ``"umap"``, which raises ``ValueError``: left out, the message says why.
    seed : t-SNE's random state; the same seed and data give the same layout. PCA has no randomness.
    init : ``None`` or the previous frame's ``(N, 2)`` layout (the same points, in the same order). t-SNE starts
        from it instead of PCA and skips early exaggeration, so the points move little between frames; PCA
        flips an axis whose direction disagrees with it.

    Identical points (every row the same) all land on ``(0, 0)``, by either method.

    Errors: ``ValueError`` naming the argument (shape, size, NaN, unknown method, a wrong ``init``).
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    x = _features(features)
    seed = checks.integer("seed", seed, 0, 2**32 - 1, wrong_type=ValueError)
    start = _init(init, len(x))
    if method == "umap":
        layout = _umap(x, seed=seed, init=start)
    elif np.ptp(x, axis=0).max() == 0:  # every point the same: nothing to spread (t-SNE would divide by 0)
        layout = np.zeros((len(x), 2))
    elif method == "pca":
        layout = _pca(x, 2)  # (N, 2): N >= MIN_POINTS and D >= 2
        if start is not None:
            layout = _align_signs(layout, start)
    else:
        layout = _tsne(x, seed=seed, init=start, settings=TSNE_SETTINGS)
    return np.ascontiguousarray(layout, dtype=np.float32)


def nearest(query, bank, *, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``bank (N, D)`` most similar to ``query (D,)`` by cosine similarity, best first.

    Returns ``(indices (k,) int64, similarities (k,) float32)``; ties keep the lower index first. Cosine
    similarity is ``q·b / (|q| |b|)``, computed in float64. A bank row of zeros has similarity 0 to everything
    (scikit-learn's ``cosine_similarity`` rule); a query of zeros (a blank image) has no direction to compare
    and raises ``ValueError``.
    """
    q = np.asarray(query)
    b = np.asarray(bank)
    for name, array, ndim, shape in (("query", q, 1, "(D,)"), ("bank", b, 2, "(N, D)")):
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
        if array.ndim != ndim:
            raise ValueError(f"{name} must be a {ndim}-D array {shape}, got shape {array.shape}")
    if b.shape[0] < 1 or b.shape[1] != q.shape[0] or q.shape[0] < 1:
        raise ValueError(f"bank must be (N, D) with N >= 1 and D = len(query) = {q.shape[0]}, got shape {b.shape}")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= len(b):
        raise ValueError(f"k must be an integer from 1 to {len(b)} (the bank's rows), got {k!r}")
    q, b = q.astype(np.float64), b.astype(np.float64)
    if not (np.isfinite(q).all() and np.isfinite(b).all()):
        raise ValueError("query and bank must be finite, got NaN or infinity")
    q_norm = np.linalg.norm(q)
    if q_norm == 0:
        raise ValueError("query is all zeros: it has no direction, so cosine similarity is undefined")
    b_norms = np.linalg.norm(b, axis=1)
    similarities = (b @ q) / (np.where(b_norms > 0, b_norms, 1.0) * q_norm)  # zero rows: 0 / 1 = 0
    order = np.argsort(-similarities, kind="stable")[:k]
    return order.astype(np.int64), similarities[order].astype(np.float32)


def pixel_features(images) -> np.ndarray:
    """``images (N, C, H, W)`` float32 -> ``(N, C*H*W) float32``: each image's pixels as one row, "pixel space"
    for :func:`project` and :func:`nearest` (beside the network's features from
    :func:`explorer.nets.evaluation.embeddings`)."""
    array = np.asarray(images)
    if array.dtype != np.float32 or array.ndim != 4:
        raise ValueError(f"images must be a (N, C, H, W) float32 array, got {array.dtype} {array.shape}")
    return np.ascontiguousarray(array.reshape(len(array), -1))


# A training keeps a snapshot per epoch, at most explorer.nets.training.MAX_EPOCHS (100) of them.
MAX_FRAMES = 100


def project_frames(frames, *, method: str = "tsne", seed: int = 0, on_progress=None) -> np.ndarray:
    """Project ``frames``, a sequence of ``E`` feature sets ``(N, D_e)`` of the same ``N`` points (one per
    training epoch, in order; ``D_e`` may differ), to ``(E, N, 2) float32`` layouts for an animation.

    The first frame is ``project(frames[0], method=method, seed=seed)``; every later one is
    ``project(frames[e], ..., init=layout of frame e - 1)``, so a point moves only as far as its features moved
    and the picture changes smoothly from epoch to epoch instead of jumping.

    on_progress : ``None`` or a callable given the fraction of frames done (``0 < f <= 1``) after each frame.

    Errors: ``ValueError`` naming ``frames`` (not a sequence of 1 to :data:`MAX_FRAMES` arrays, different
    numbers of points) or as :func:`project` raises them for one frame.
    """
    if isinstance(frames, np.ndarray) and frames.ndim == 3:
        frames = list(frames)
    if not isinstance(frames, (list, tuple)) or not 1 <= len(frames) <= MAX_FRAMES:
        got = f"{len(frames)} frames" if isinstance(frames, (list, tuple)) else type(frames).__name__
        raise ValueError(f"frames must be a list of 1 to {MAX_FRAMES} (N, D) arrays, got {got}")
    counts = {np.shape(frame)[0] if np.ndim(frame) else 0 for frame in frames}
    if len(counts) != 1:
        raise ValueError(f"frames must all have the same number of points (rows), got {sorted(counts)}")
    if on_progress is not None and not callable(on_progress):
        raise ValueError(f"on_progress must be None or a callable, got {type(on_progress).__name__}")
    layouts = []
    previous = None
    for number, frame in enumerate(frames, start=1):
        previous = project(frame, method=method, seed=seed, init=previous)
        layouts.append(previous)
        if on_progress is not None:
            on_progress(number / len(frames))
    return np.stack(layouts)


def spread_indices(n: int, *, limit: int) -> np.ndarray:
    """``(min(n, limit),) int64`` indices into ``n`` items, increasing and spread evenly from the first to the
    last: all of them when ``n <= limit``. A deterministic sample for maps of sets with too many points."""
    n = checks.integer("n", n, 0, wrong_type=ValueError)
    limit = checks.integer("limit", limit, 1, wrong_type=ValueError)
    if n <= limit:
        return np.arange(n, dtype=np.int64)
    return np.round(np.linspace(0, n - 1, limit)).astype(np.int64)  # steps of (n - 1) / (limit - 1) >= 1: distinct


# Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell that starts with one of these as a formula
# (OWASP, "CSV injection"); a tab or carriage return first can hide one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """``text`` safe as a CSV cell for spreadsheets: a leading apostrophe when it starts like a formula
    (:data:`FORMULA_STARTS`), so ``=HYPERLINK(...)`` shows as text instead of running. Quoting of commas,
    quotes and line breaks is the CSV writer's job (:func:`points_csv`)."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def points_csv(points, *, labels, predictions, class_names, indices=None) -> str:
    """A CSV table (RFC 4180 quoting, ``\\r\\n`` line ends, a header row) of a map's points, one row per image.

    points : ``{name: (N, 2) array}``, e.g. ``{"features_tsne": ..., "pixels_tsne": ...}``: columns
        ``<name>_x`` and ``<name>_y`` (six significant digits), in the mapping's order. Names are the program's
        own (letters, digits, ``_``).
    labels, predictions : ``(N,)`` whole numbers in ``0..K-1``: the true and the predicted class.
    class_names : the ``K`` class names (user text): written through :func:`spreadsheet_text`.
    indices : ``(N,)`` the images' indices in the test set (default ``0..N-1``), the first column ``index``.

    Columns: index, the coordinates, true_class, true_name, predicted_class, predicted_name, correct (1 or 0).
    """
    if not isinstance(points, dict) or not points:
        raise ValueError("points must be a non-empty dict of name -> (N, 2) array")
    names = [str(name) for name in class_names]
    k = len(names)
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    n = labels.shape[0] if labels.ndim == 1 else -1
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.ndim != 1 or values.dtype.kind not in "iu" or len(values) != n:
            raise ValueError(
                f"{name} must be (N,) whole numbers with N = len(labels), got {values.dtype} {values.shape}"
            )
        if n and (values.min() < 0 or values.max() >= k):
            raise ValueError(f"{name} must be class numbers 0..{k - 1} (len(class_names) = {k})")
    columns = []
    for name, layout in points.items():
        layout = np.asarray(layout)
        if not re.fullmatch(r"[A-Za-z0-9_]+", str(name)):
            raise ValueError(f"points' names must be letters, digits and _, got {name!r}")
        if layout.shape != (n, 2) or layout.dtype.kind not in "iuf":
            raise ValueError(
                f"points[{name!r}] must be a real (N, 2) array with N = {n}, got {layout.dtype} {layout.shape}"
            )
        columns.append((str(name), layout))
    index = np.arange(n) if indices is None else np.asarray(indices)
    if index.shape != (n,) or index.dtype.kind not in "iu":
        raise ValueError(f"indices must be (N,) whole numbers with N = {n}, got {index.dtype} {index.shape}")
    safe = [spreadsheet_text(name) for name in names]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # QUOTE_MINIMAL: commas, quotes, line breaks quoted
    header = ["index"]
    for name, _ in columns:
        header += [f"{name}_x", f"{name}_y"]
    writer.writerow([*header, "true_class", "true_name", "predicted_class", "predicted_name", "correct"])
    for row in range(n):
        coordinates = [f"{float(value):.6g}" for _, layout in columns for value in layout[row]]
        true, predicted = int(labels[row]), int(predictions[row])
        writer.writerow(
            [int(index[row]), *coordinates, true, safe[true], predicted, safe[predicted], int(true == predicted)]
        )
    return out.getvalue()


def grade_pixels_mislead(
    *, label: int | None, pixel_neighbour: int, feature_neighbour: int, labels, class_names
) -> Grade:
    """Grade a query for the "where pixels mislead" challenge (``explorer.interpret.challenges``).

    ``label`` is the query's true class (None: not a test image); ``pixel_neighbour`` and ``feature_neighbour``
    are the test indices of its nearest neighbour (itself left out) by pixels and by features; ``labels (N,)``
    the test set's classes, ``class_names`` their names."""
    labels = np.asarray(labels)
    names = [str(name) for name in class_names]
    for name, index in (("pixel_neighbour", pixel_neighbour), ("feature_neighbour", feature_neighbour)):
        checks.integer(name, index, 0, len(labels) - 1, wrong_type=ValueError)
    if label is None:
        return Grade(False, ("Choose a test image as the query: only a test image has a known class.",))
    label = checks.integer("label", label, 0, len(names) - 1, wrong_type=ValueError)
    by_pixels, by_features = int(labels[pixel_neighbour]), int(labels[feature_neighbour])
    pixels_say = f"by pixels its nearest neighbour is test image {pixel_neighbour}, a {names[by_pixels]}"
    features_say = f"by features it is test image {feature_neighbour}, a {names[by_features]}"
    if by_pixels != label and by_features == label:
        return Grade(True, (f"This {names[label]}: {pixels_say}, but {features_say}.",))
    findings = []
    if by_pixels == label:
        findings.append(f"By pixels this {names[label]} already finds a {names[label]}: look for another image.")
    if by_features != label:
        findings.append(f"By features this {names[label]}'s nearest neighbour is a {names[by_features]}.")
    findings.append(
        "Hint: look for a dot of one colour sitting inside a group of another colour on the pixel map, and click it."
    )
    return Grade(False, tuple(findings))
