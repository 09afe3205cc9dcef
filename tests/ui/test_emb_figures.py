"""ui.emb_figures: the Embeddings page's map carries every test image once (its index as customdata, in its
class's trace), rings exactly the mistakes, marks the selected image, and shows class names as text."""

import numpy as np

from ui import emb_figures


def _map(selected=None, predictions="some wrong"):
    layout = np.arange(12, dtype=np.float32).reshape(6, 2)
    labels = np.array([0, 1, 2, 0, 1, 2])
    indices = np.array([10, 11, 12, 13, 14, 15])
    wrong = np.array([0, 2, 2, 1, 1, 2]) if predictions == "some wrong" else predictions
    names = ("zero", "<b>one</b>", "two & co")
    return emb_figures.map_figure(layout, labels, names, indices=indices, predictions=wrong, selected=selected)


def test_every_point_once_in_its_class_trace():
    figure = _map()
    classes = figure.data[:3]
    assert [list(trace.customdata) for trace in classes] == [[10, 13], [11, 14], [12, 15]]
    assert list(classes[1].x) == [2.0, 8.0] and list(classes[1].y) == [3.0, 9.0]
    assert len({trace.marker.color for trace in classes}) == 3


def test_rings_are_the_mistakes():
    ring = _map().data[3]
    # true 0 1 2 0 1 2, predicted 0 2 2 1 1 2: images 11 and 13 are wrong
    assert list(ring.customdata) == [11, 13]
    assert ring.marker.symbol == "circle-open"
    assert ring.name == "wrong (2)"


def test_without_predictions_there_are_no_rings():
    figure = _map(predictions=None)
    assert [trace.name for trace in figure.data] == ["zero", "&lt;b&gt;one&lt;/b&gt;", "two &amp; co", "selected"]


def test_the_selected_image_is_marked():
    mark = _map(selected=14).data[-1]
    assert list(mark.customdata) == [14] and list(mark.x) == [8.0]
    assert mark.showlegend
    assert len(_map(selected=99).data[-1].x) == 0  # not on this map: nothing marked


def test_class_names_are_text_in_hover_and_legend():
    figure = _map()
    assert figure.data[1].name == "&lt;b&gt;one&lt;/b&gt;"
    assert (
        figure.data[1].hovertext[0]
        == "test image 11<br>true: &lt;b&gt;one&lt;/b&gt;<br>predicted: two &amp; co (wrong)"
    )
    assert figure.data[0].hovertext[0] == "test image 10<br>true: zero<br>predicted: zero"


def test_frame_ranges_hold_every_frame():
    layouts = np.array([[[0.0, 0.0], [1.0, 2.0]], [[-1.0, 5.0], [3.0, 1.0]]])
    (x0, x1), (y0, y1) = emb_figures.frame_ranges(layouts, margin=0.1)
    assert (x0, x1) == (-1.4, 3.4) and (y0, y1) == (-0.5, 5.5)


def test_a_map_without_its_legend():
    layout = np.zeros((2, 2), dtype=np.float32)
    figure = emb_figures.map_figure(layout, np.array([0, 1]), ("a", "b"), indices=np.array([0, 1]), legend=False)
    assert figure.layout.showlegend is False
