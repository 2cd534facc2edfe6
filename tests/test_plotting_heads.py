"""utils.plotting.heads: the figures of notebook 02 draw the right, labelled data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from utils.examples import SENTENCE  # noqa: E402
from utils.plotting.heads import (  # noqa: E402
    concatenation_diagram,
    head_heatmaps,
    it_heads_figure,
)


def test_concatenation_diagram_shows_every_value_once_per_place():
    z = [np.full((2, 3), 1.0), np.full((2, 3), 2.0)]
    fig = concatenation_diagram(z, token_labels=["a", "b"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("1.00") == 12 and texts.count("2.00") == 12  # head + concat
    assert "concatenation (2, 6)" in texts
    plt.close(fig)


def test_head_heatmaps_one_axes_per_head_plus_colourbars():
    fig = head_heatmaps(np.full((3, 4, 4), 0.25), list("abcd"), highlight=1)
    assert len(fig.axes) == 6
    plt.close(fig)


def test_it_figure_writes_out_only_the_it_row():
    fig = it_heads_figure()
    heads = [ax for ax in fig.axes if ax.texts]
    assert len(heads) == 2
    values = [[float(t.get_text()) for t in ax.texts] for ax in heads]
    assert all(len(row) == len(SENTENCE) for row in values)
    assert values[0][SENTENCE.index("animal")] == 0.97
    assert values[1][SENTENCE.index("tired")] == 0.99
    assert "1/11" in fig.get_supxlabel()
    plt.close(fig)
