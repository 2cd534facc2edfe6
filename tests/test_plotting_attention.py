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


def test_mask_polarity_title_says_the_last_token_sees_nothing():
    from utils.plotting.attention import mask_polarity_figure

    fig = mask_polarity_figure()
    title = fig.get_suptitle()
    assert "only to later tokens" in title and "sees nothing" in title
    assert "every token sees only the future" not in title  # wrong for the last token
    right, flipped = (ax.images[0].get_array() for ax in fig.axes if ax.images)
    assert flipped[-1].sum() == 0 and right[-1].sum() > 0.99  # the last row is all zeros
    plt.close(fig)


def test_every_figure_fits_a_720_pixel_slide():
    from utils.plotting.attention import FIGURES

    for name, make in FIGURES.items():
        fig = make()
        width, height = fig.get_size_inches() * fig.dpi
        assert width <= 1280 and height <= 720, (name, width, height)
        plt.close(fig)
