"""The "Try your model" probability chart (ui.train_figures), a pure function of its numbers."""

from ui import train_figures


def test_bars_follow_the_class_order_and_the_most_likely_stands_out():
    figure = train_figures.probabilities_figure([0.2, 0.7, 0.1], ["cat", "<i>dog</i>", "fish"])
    (bars,) = figure.data
    assert list(bars.y) == ["cat", "&lt;i&gt;dog&lt;/i&gt;", "fish"]  # class order, names as text
    assert list(bars.x) == [0.2, 0.7, 0.1]
    assert list(bars.marker.color) == [train_figures.OTHER_COLOR, train_figures.TOP_COLOR, train_figures.OTHER_COLOR]
    assert list(bars.text) == ["20%", "70%", "10%"]
