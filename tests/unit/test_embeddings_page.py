"""explorer.interpret.embeddings, what the Embeddings page adds: layouts across epochs (each frame started from
the one before, checked against chained project() calls and against independent layouts), an even sample of a
big set, and the CSV export read back with Python's csv module (quoting) with formula-like class names
defused (OWASP's CSV-injection rule)."""

import csv
import io

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from explorer.interpret import embeddings


def _blobs(seed: int, *, spread: float = 20.0, clusters: int = 5, per_cluster: int = 20, dims: int = 8):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, spread, (clusters, dims))
    labels = np.repeat(np.arange(clusters), per_cluster)
    return (centres[labels] + rng.normal(0.0, 1.0, (len(labels), dims))).astype(np.float32), labels


def _training_like_frames(n_frames: int = 4):
    """Features of the same 100 points whose clusters separate further each "epoch" (spread 2 -> 20)."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0.0, 1.0, (5, 8))
    noise = rng.normal(0.0, 1.0, (100, 8))
    labels = np.repeat(np.arange(5), 20)
    return [(centres[labels] * s + noise).astype(np.float32) for s in np.linspace(2, 20, n_frames)], labels


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_frames_are_project_chained_from_the_previous_layout(method):
    frames, _ = _training_like_frames(3)
    expected = [embeddings.project(frames[0], method=method, seed=3)]
    for frame in frames[1:]:
        expected.append(embeddings.project(frame, method=method, seed=3, init=expected[-1]))
    layouts = embeddings.project_frames(frames, method=method, seed=3)
    assert layouts.shape == (3, 100, 2) and layouts.dtype == np.float32
    np.testing.assert_array_equal(layouts, np.stack(expected))


def test_frames_move_less_than_independent_layouts_and_stay_faithful():
    frames, _ = _training_like_frames(4)
    chained = embeddings.project_frames(frames, method="tsne")
    # Each frame computed on its own, with a different seed per frame (what a page without init would show).
    independent = [embeddings.project(frame, method="tsne", seed=e + 1) for e, frame in enumerate(frames)]

    def jump(a, b):  # mean displacement relative to the layout's spread
        return np.linalg.norm(a - b, axis=1).mean() / a.std()

    smooth = np.mean([jump(chained[e], chained[e + 1]) for e in range(3)])
    jumpy = np.mean([jump(independent[e], independent[e + 1]) for e in range(3)])
    assert smooth < 0.5 * jumpy
    for frame, layout in zip(frames, chained, strict=True):
        assert trustworthiness(frame, layout, n_neighbors=5) >= 0.9


def test_frames_report_progress_and_accept_changing_dimensions():
    x, _ = _blobs(1)
    seen = []
    layouts = embeddings.project_frames([x, x[:, :3], x * 2], method="pca", on_progress=seen.append)
    assert seen == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert layouts.shape == (3, 100, 2)


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ([], "frames must be a list"),
        (np.zeros((5, 2)), "frames must be a list"),
        ([np.zeros((10, 3)), np.zeros((11, 3))], "same number of points"),
        ([np.zeros((10, 3))] * (embeddings.MAX_FRAMES + 1), "frames must be a list"),
        ([np.full((10, 3), np.nan)], "features must be finite"),
    ],
)
def test_frames_errors_name_the_argument(frames, message):
    with pytest.raises(ValueError, match=message):
        embeddings.project_frames(frames, method="pca")


def test_frames_refuse_umap_with_the_reason():
    with pytest.raises(ValueError, match="left out"):
        embeddings.project_frames([_blobs(0)[0]], method="umap")


@pytest.mark.parametrize(
    ("n", "limit", "expected"),
    [(5, 10, [0, 1, 2, 3, 4]), (10, 4, [0, 3, 6, 9]), (7, 3, [0, 3, 6]), (3, 1, [0]), (0, 5, [])],
)
def test_spread_indices_by_hand(n, limit, expected):
    indices = embeddings.spread_indices(n, limit=limit)
    assert indices.dtype == np.int64
    assert indices.tolist() == expected


def test_spread_indices_are_distinct_and_cover_both_ends():
    for n, limit in [(1001, 1000), (2000, 1999), (10_000, 2000)]:
        indices = embeddings.spread_indices(n, limit=limit)
        assert len(np.unique(indices)) == limit and indices[0] == 0 and indices[-1] == n - 1


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("cat", "cat"),
        ("a=b", "a=b"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_spreadsheet_text_defuses_formulas(text, safe):
    assert embeddings.spreadsheet_text(text) == safe


def test_points_csv_reads_back_with_the_csv_module():
    names = ["plain", 'say "hi", twice', "=cmd|' /C calc'!A0", "two\nlines", "-minus", "@at", "+plus", "ünï"]
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7])
    predictions = np.array([0, 2, 2, 3, 5, 5, 6, 0])
    feature = np.array([[i - 3.25, 2.0 * i] for i in range(8)], dtype=np.float32)
    pixel = -feature
    text = embeddings.points_csv(
        {"features_tsne": feature, "pixels_tsne": pixel},
        labels=labels,
        predictions=predictions,
        class_names=names,
        indices=np.arange(10, 18),
    )
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [
        "index", "features_tsne_x", "features_tsne_y", "pixels_tsne_x", "pixels_tsne_y",
        "true_class", "true_name", "predicted_class", "predicted_name", "correct",
    ]  # fmt: skip
    assert len(rows) == 9
    expected_names = [
        "plain",
        'say "hi", twice',
        "'=cmd|' /C calc'!A0",
        "two\nlines",
        "'-minus",
        "'@at",
        "'+plus",
        "ünï",
    ]
    for row, i in zip(rows[1:], range(8), strict=True):
        assert row[0] == str(10 + i)
        assert [float(v) for v in row[1:5]] == pytest.approx([i - 3.25, 2.0 * i, 3.25 - i, -2.0 * i])
        assert row[5] == str(labels[i]) and row[6] == expected_names[labels[i]]
        assert row[7] == str(predictions[i]) and row[8] == expected_names[predictions[i]]
        assert row[9] == ("1" if labels[i] == predictions[i] else "0")
    # Negative coordinates are numbers, not text: they keep their minus sign without an apostrophe.
    assert rows[1][1] == "-3.25"


def test_points_csv_parses_in_pandas_like_a_spreadsheet_would():
    import pandas

    text = embeddings.points_csv(
        {"pca": np.array([[0.5, 1.0], [1.5, -2.0]])},
        labels=np.array([1, 0]),
        predictions=np.array([1, 1]),
        class_names=["a,b", "=1+1"],
    )
    table = pandas.read_csv(io.StringIO(text))
    assert table["true_name"].tolist() == ["'=1+1", "a,b"]
    assert table["pca_y"].tolist() == [1.0, -2.0]
    assert table["correct"].tolist() == [1, 0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"points": {}}, "points must be a non-empty dict"),
        ({"points": {"bad name": np.zeros((2, 2))}}, "names must be letters"),
        ({"points": {"p": np.zeros((3, 2))}}, r"points\['p'\] must be a real \(N, 2\) array"),
        ({"labels": np.array([0.0, 1.0])}, "labels must be"),
        ({"predictions": np.array([0, 2])}, "predictions must be class numbers"),
        ({"indices": np.array([1])}, "indices must be"),
    ],
)
def test_points_csv_errors_name_the_argument(kwargs, message):
    arguments = {
        "points": {"p": np.zeros((2, 2))},
        "labels": np.array([0, 1]),
        "predictions": np.array([1, 0]),
        "class_names": ["a", "b"],
    } | kwargs
    with pytest.raises(ValueError, match=message):
        embeddings.points_csv(**arguments)


LABELS = np.array([0, 0, 1, 1, 2])
NAMES = ("zero", "one", "two")


@pytest.mark.parametrize(
    ("label", "pixel", "feature", "passed", "first"),
    [
        (
            0,
            2,
            1,
            True,
            "This zero: by pixels its nearest neighbour is test image 2, a one, but by features it is test image 1, "
            "a zero.",
        ),
        (0, 1, 1, False, "By pixels this zero already finds a zero"),
        (0, 2, 4, False, "By features this zero's nearest neighbour is a two."),
        (1, 2, 4, False, "By pixels this one already finds a one"),
        (None, 2, 1, False, "Choose a test image"),
    ],
)
def test_grade_pixels_mislead_by_hand(label, pixel, feature, passed, first):
    grade = embeddings.grade_pixels_mislead(
        label=label, pixel_neighbour=pixel, feature_neighbour=feature, labels=LABELS, class_names=NAMES
    )
    assert grade.passed is passed
    assert grade.feedback[0].startswith(first)


def test_pixels_mislead_on_the_shipped_digits_model():
    """Test image 19 of the default digits model's split qualifies, test image 7 does not (found by scikit-learn's
    cosine similarity, computed here)."""
    from sklearn.metrics.pairwise import cosine_similarity

    from explorer.nets import checkpoints, evaluation, recipes

    model = checkpoints.load_default("digits").model
    test = recipes.RECIPES["digits"].data()[1]
    spaces = (test.images.reshape(len(test), -1), evaluation.embeddings(model, test))
    grades = {}
    for query in (7, 19):
        first = []
        for space in spaces:
            similarity = cosine_similarity(space[query : query + 1], space)[0]
            similarity[query] = -np.inf
            first.append(int(similarity.argmax()))
        grades[query] = embeddings.grade_pixels_mislead(
            label=int(test.labels[query]),
            pixel_neighbour=first[0],
            feature_neighbour=first[1],
            labels=test.labels,
            class_names=test.class_names,
        )
    assert grades[19].passed and not grades[7].passed


def test_grade_pixels_mislead_checks_its_arguments():
    with pytest.raises(ValueError, match="pixel_neighbour"):
        embeddings.grade_pixels_mislead(
            label=0, pixel_neighbour=5, feature_neighbour=1, labels=LABELS, class_names=NAMES
        )
    with pytest.raises(ValueError, match="label"):
        embeddings.grade_pixels_mislead(
            label=3, pixel_neighbour=2, feature_neighbour=1, labels=LABELS, class_names=NAMES
        )
