"""Checks of a figure's content, shared by the figure tests and the notebooks' tests."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def rendered(figure: Figure) -> Figure:
    """The figure drawn on an Agg canvas (its layout done), as a saved file would be."""
    FigureCanvasAgg(figure)
    figure.canvas.draw()
    return figure


def texts_of(figure: Figure) -> list[str]:
    """Every axis label, tick label, legend title and entry of a figure."""
    texts = []
    for axes in figure.axes:
        texts += [axes.get_xlabel(), axes.get_ylabel()]
        texts += [t.get_text() for t in axes.get_xticklabels() + axes.get_yticklabels()]
    for legend in legends_of(figure):
        texts += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return [t for t in texts if t]


def legends_of(figure: Figure) -> list:
    """The figure's own legends and those of its axes."""
    found = list(figure.legends)
    found += [axes.get_legend() for axes in figure.axes if axes.get_legend() is not None]
    return found


def assert_readable(figure: Figure) -> None:
    """No raw keys among the figure's texts: no `scenario.` paths, `key=value`, snake_case."""
    texts = texts_of(figure)
    assert texts
    for text in texts:
        assert "scenario." not in text and "=" not in text and "_" not in text, text


def assert_legends_inside(figure: Figure) -> None:
    """Every legend (the figure's and its axes') lies inside the canvas."""
    figure = rendered(figure)
    renderer = figure.canvas.get_renderer()
    canvas = figure.bbox
    for legend in legends_of(figure):
        box = legend.get_window_extent(renderer)
        assert canvas.x0 <= box.x0 and box.x1 <= canvas.x1, (box, canvas)
        assert canvas.y0 <= box.y0 and box.y1 <= canvas.y1, (box, canvas)


def assert_legend_fits(figure: Figure) -> None:
    """Each of the figure's legends lies inside the canvas and overlaps no axes (it never hides
    data)."""
    figure = rendered(figure)
    renderer = figure.canvas.get_renderer()
    assert figure.legends, "no legend"
    assert_legends_inside(figure)
    for legend in figure.legends:
        box = legend.get_window_extent(renderer)
        for axes in figure.axes:
            if axes.get_visible():
                assert not box.overlaps(axes.get_window_extent(renderer)), (box, axes)
