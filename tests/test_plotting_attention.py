"""utils.plotting.attention: the figures of notebook 01 draw the right, labelled data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from utils.plotting.attention import attention_weights_figure  # noqa: E402


def test_heatmap_has_token_labels_and_readable_text():
    fig = attention_weights_figure()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["the", "cat", "sat", "down"]
    assert len(ax.texts) == 16
    assert {t.get_color() for t in ax.texts} <= {"black", "white"}
    plt.close(fig)
