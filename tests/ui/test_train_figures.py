"""ui.train_figures: the Train page's plotly figures hold the numbers they are given (traces, x and y values,
axis titles), checked on hand-made inputs."""

import numpy as np
import pytest

from explorer.nets.curves import Curves
from ui import train_figures

CURVES = Curves(
    epochs=(1, 2),
    train_x=(1, 2, 2.25),
    train_loss=(1.5, 0.9, 0.8),
    train_accuracy=(0.4, 0.7, 0.75),
    test_loss=(1.6, 1.1),
    test_accuracy=(0.35, 0.6),
)


def test_curves_figure_traces_hold_the_series():
    figure = train_figures.curves_figure(CURVES)
    train_loss, test_loss, train_accuracy, test_accuracy = figure.data
    assert [t.name for t in figure.data] == ["train", "test", "train", "test"]
    assert list(train_loss.x) == [1, 2, 2.25] and list(train_loss.y) == [1.5, 0.9, 0.8]
    assert list(test_loss.x) == [1, 2] and list(test_loss.y) == [1.6, 1.1]
    assert list(train_accuracy.x) == [1, 2, 2.25] and list(train_accuracy.y) == [0.4, 0.7, 0.75]
    assert list(test_accuracy.x) == [1, 2] and list(test_accuracy.y) == [0.35, 0.6]
    # loss on the left plot, accuracy on the right; the legend names train and test once
    assert (train_loss.xaxis, train_loss.yaxis, test_accuracy.xaxis, test_accuracy.yaxis) == ("x", "y", "x2", "y2")
    assert [t.showlegend for t in figure.data] == [True, True, False, False]
    # one colour for train, another for test, in both plots
    assert train_loss.line.color == train_accuracy.line.color != test_loss.line.color == test_accuracy.line.color


def test_curves_figure_axes_and_titles():
    layout = train_figures.curves_figure(CURVES).layout
    assert layout.xaxis.title.text == "epoch" and layout.xaxis2.title.text == "epoch"
    assert [a.text for a in layout.annotations] == ["Loss (lower is better)", "Accuracy"]
    assert tuple(layout.yaxis2.range) == (0, 1.02) and layout.yaxis2.tickformat == ".0%"
    assert layout.yaxis.rangemode == "tozero"


def test_curves_figure_of_nothing_yet_is_empty_but_valid():
    empty = Curves((), (), (), (), (), ())
    figure = train_figures.curves_figure(empty)
    assert len(figure.data) == 4 and all(len(t.x) == 0 for t in figure.data)


def test_confusion_figure_holds_the_matrix_and_escapes_names():
    matrix = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    figure = train_figures.confusion_figure(matrix, ("cat", "<b>dog</b>", "a & b"))
    heatmap, cells = figure.data
    np.testing.assert_array_equal(np.asarray(heatmap.z), matrix)
    np.testing.assert_array_equal(np.asarray(heatmap.text), matrix)  # each cell labelled with its count
    expected = ["cat", "&lt;b&gt;dog&lt;/b&gt;", "a &amp; b"]
    assert list(heatmap.x) == expected and list(heatmap.y) == expected
    # one clickable point per cell, row by row, at the cell's labels, hovering with its count
    assert cells.type == "scatter" and cells.mode == "markers"
    assert list(zip(cells.y, cells.x, cells.customdata)) == [
        (expected[t], expected[p], matrix[t, p]) for t in range(3) for p in range(3)
    ]
    layout = figure.layout
    assert layout.xaxis.title.text == "predicted class" and layout.yaxis.title.text == "true class"
    # exactly the cells, true class 0 in the top row (the range runs downwards), as the matrix is printed
    assert tuple(layout.xaxis.range) == (-0.5, 2.5) and tuple(layout.yaxis.range) == (2.5, -0.5)
    assert layout.height == 140 + 36 * 3


@pytest.mark.parametrize("name", ["plain", "1 < 2", "<script>"])
def test_plain_round_trips_through_html(name):
    import html

    assert html.unescape(train_figures.plain(name)) == name and "<" not in train_figures.plain(name)


def test_confusion_figure_outlines_the_selected_cell():
    matrix = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    assert not train_figures.confusion_figure(matrix, ("a", "b", "c")).layout.shapes
    (shape,) = train_figures.confusion_figure(matrix, ("a", "b", "c"), selected=(1, 0)).layout.shapes
    # true class 1 is the second row (y = 1), predicted class 0 the first column (x = 0); a cell spans ±0.5
    assert (shape.type, shape.x0, shape.x1, shape.y0, shape.y1) == ("rect", -0.5, 0.5, 0.5, 1.5)


def test_clicked_cell_reads_the_selection_of_the_heat_map():
    names = ("cat", "<b>dog</b>", "7")
    # what st.plotly_chart(on_select=...) keeps: the clicked points with the labels of their column (x) and row (y)
    state = {"selection": {"points": [{"x": "&lt;b&gt;dog&lt;/b&gt;", "y": "cat", "z": 1}], "box": [], "lasso": []}}
    assert train_figures.clicked_cell(state, names) == (0, 1)
    two = {"selection": {"points": [{"x": "cat", "y": "cat"}, {"x": "cat", "y": 7}]}}  # a number-like name
    assert train_figures.clicked_cell(two, names) == (2, 0)  # the last point clicked
    for nothing in (None, {}, {"selection": {"points": []}}, {"selection": {"points": [{"x": "cow", "y": "cat"}]}}):
        assert train_figures.clicked_cell(nothing, names) is None
