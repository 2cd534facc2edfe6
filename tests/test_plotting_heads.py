"""utils.plotting.heads: the figures of notebook 02 draw the right, labelled data, and no
label is drawn over another panel's labels."""

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils.examples import SENTENCE  # noqa: E402
from utils.plotting.heads import (  # noqa: E402
    FIGURES,
    concatenation_diagram,
    cost_figure,
    head_heatmaps,
    it_heads_figure,
    short_weight,
    split_diagram,
)


def drawn_tick_labels(axis):
    """The tick labels an axis draws: those of ticks inside its view limits."""
    low, high = sorted(axis.get_view_interval())
    ticks = [t for t in axis.get_major_ticks() if low - 1e-9 <= t.get_loc() <= high + 1e-9]
    return [label for t in ticks for label in (t.label1, t.label2)]


def texts_of(ax):
    """Every visible text an Axes draws: tick labels, axis labels, title, cell numbers."""
    found = [*drawn_tick_labels(ax.xaxis), *drawn_tick_labels(ax.yaxis), *ax.texts]
    found += [ax.xaxis.label, ax.yaxis.label, ax.title]
    return [t for t in found if t.get_visible() and t.get_text()]


def assert_no_text_overlaps_another_axes(fig, pad=6):
    """No text of one Axes (or the figure) comes within ``pad`` pixels of a text or the
    panel of another Axes."""
    renderer = fig.canvas.get_renderer()
    boxes = {
        ax: [t.get_window_extent(renderer).expanded(1, 1).padded(pad / 2) for t in texts_of(ax)]
        for ax in fig.axes
    }
    for a, b in itertools.permutations(fig.axes, 2):
        panel = b.get_window_extent(renderer)
        for box in boxes[a]:
            assert not box.overlaps(panel), f"{a.get_title()!r}: a label lies over another panel"
            for other in boxes[b]:
                assert not box.overlaps(other), f"{a.get_title()!r} and {b.get_title()!r}"
    for title in (fig._suptitle, fig._supxlabel):
        if title is not None:
            box = title.get_window_extent(renderer)
            for ax in fig.axes:
                assert all(not box.overlaps(t) for t in boxes[ax]), "figure title over a label"


def test_concatenation_diagram_shows_every_value_once_per_place():
    z = [np.full((2, 3), 1.0), np.full((2, 3), 2.0)]
    fig = concatenation_diagram(z, token_labels=["a", "b"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("1.00") == 12 and texts.count("2.00") == 12  # head + concat
    assert "concatenation (2, 6)" in texts
    plt.close(fig)


def test_head_heatmaps_one_axes_per_head_plus_one_colour_bar():
    fig = head_heatmaps(np.full((3, 4, 4), 0.25), list("abcd"), highlight=1)
    assert len(fig.axes) == 4  # three heads and one shared colour bar
    # between the panels only the next head's query labels: one axis label, on the left,
    # and the colour bar right of the last head
    assert [ax.get_ylabel() for ax in fig.axes[:3]] == ["query (attending)", "", ""]
    bar, last = fig.axes[3].get_position(), fig.axes[2].get_position()
    assert bar.x0 > last.x1
    plt.close(fig)


@pytest.mark.parametrize("tokens", [["x0", "x1", "x2", "x3"], ["because", "a", "b", "tired"]])
def test_head_heatmaps_draw_no_label_over_the_next_head(tokens, presentation):
    """Notebook 02's figure of two heads: head 1's query label was drawn over head 0's
    colour-bar ticks."""
    weights = np.random.default_rng(0).dirichlet(np.ones(4), size=(2, 4))  # (h, n, n)
    fig = head_heatmaps(weights, tokens)
    fig.canvas.draw()
    assert_no_text_overlaps_another_axes(fig)
    plt.close(fig)


def test_it_figure_writes_out_only_the_it_row_large(presentation):
    fig = it_heads_figure()
    fig.canvas.draw()
    heads = [ax for ax in fig.axes if ax.texts]
    assert len(heads) == 2
    values = [[t.get_text() for t in ax.texts] for ax in heads]
    assert all(len(row) == len(SENTENCE) for row in values)
    assert values[0][SENTENCE.index("animal")] == ".97"
    assert values[1][SENTENCE.index("tired")] == ".99"
    assert min(t.get_fontsize() for ax in heads for t in ax.texts) >= (16 if presentation else 12)
    assert "1/11" in fig.get_supxlabel()
    assert_no_text_overlaps_another_axes(fig)
    width, height = fig.get_size_inches() * 100
    # shown at full size in a notebook and on a slide
    max_width, max_height = (1280, 720) if presentation else (1200, 620)
    assert width <= max_width and height <= max_height
    plt.close(fig)


def test_short_weight():
    assert [short_weight(v) for v in (0.0, 0.004, 0.03, 0.9706, 1.0)] == [
        "0",
        "0",
        ".03",
        ".97",
        "1.00",
    ]


def test_cost_figure_title_stands_clear_of_the_panel_titles(presentation):
    fig = cost_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    gaps = [title.y0 - ax.title.get_window_extent(renderer).y1 for ax in fig.axes]
    assert min(gaps) >= 15  # pixels at 100 dpi
    assert_no_text_overlaps_another_axes(fig)
    plt.close(fig)


def test_figure_names_say_what_they_show():
    assert "02_it_heads_animal_tired.png" in FIGURES and "02_head_heatmaps.png" not in FIGURES


def test_cost_figure_h_axis_is_numeric_so_growth_looks_linear():
    """The h axis was categorical (1, 4, 8, 16, 32 evenly spaced): h n^2 looked exponential."""
    fig = cost_figure(128, 512, (1, 4, 8, 16, 32))
    for ax in fig.axes:
        assert list(ax.get_xticks()) == [1, 4, 8, 16, 32]
        x, y = ax.lines[0].get_data()
        assert list(x) == [1, 4, 8, 16, 32]
    x, y = fig.axes[2].lines[0].get_data()
    np.testing.assert_allclose(np.asarray(y) / np.asarray(x), 128 * 128 / 1e3)  # in proportion
    assert "attention weights" in fig.axes[2].get_ylabel()
    plt.close(fig)


def test_split_diagram_labels_columns_of_q_and_says_so():
    """Cells were labelled t1f2 ("feature") while the text insists these are columns of Q."""
    fig = split_diagram()  # Q (3, 8), 2 heads of 4 columns
    fig.canvas.draw()
    labels = [[t.get_text() for t in ax.texts] for ax in fig.axes]
    assert labels[0][:4] == ["t0c0", "t0c1", "t0c2", "t0c3"]  # correct split, head 0, row 0
    assert labels[2][4:8] == ["t0c4", "t0c5", "t0c6", "t0c7"]  # bug, head 0, row 1: token 0
    assert "column 2 of Q" in fig.get_supxlabel()
    assert_no_text_overlaps_another_axes(fig)
    plt.close(fig)
