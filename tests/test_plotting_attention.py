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


def test_every_figure_fits_a_720_pixel_slide(presentation):
    """In both styles: the presentation style's larger text grows a canvas, within a slide."""
    from utils.plotting.attention import FIGURES

    for name, make in FIGURES.items():
        fig = make()
        width, height = fig.get_size_inches() * fig.dpi
        assert width <= 1280 and height <= 720, (name, width, height)
        plt.close(fig)


def test_softmax_axis_figure_names_the_wrong_axis_and_writes_the_row_sums():
    from utils.plotting.attention import softmax_axis_figure

    fig = softmax_axis_figure()
    heatmaps = [ax for ax in fig.axes if ax.images]
    assert "columns sum to 1 (WRONG)" in heatmaps[1].get_title()
    for ax in heatmaps:
        weights = ax.images[0].get_array()
        sums = [t for t in ax.texts if t.get_position()[0] > weights.shape[1] - 0.5]
        shown = [float(t.get_text()) for t in sums if t.get_text() != "sum"]
        assert shown == [round(float(s), 2) for s in weights.sum(axis=-1)]
    wrong_sums = [t for t in heatmaps[1].texts if t.get_color() == "tab:red"]
    assert len(wrong_sums) == 4  # no row of the wrong panel sums to 1
    plt.close(fig)


def test_mask_polarity_figure_hatches_exactly_the_blocked_cells():
    from utils.plotting.attention import mask_polarity_figure

    fig = mask_polarity_figure()
    right, flipped = (ax for ax in fig.axes if ax.images)
    assert len(right.patches) == 6  # above the diagonal of a 4 x 4 causal mask
    assert len(flipped.patches) == 10  # on and below it: the flipped mask blocks those
    assert all(p.get_hatch() == "//" for p in right.patches + flipped.patches)
    assert any("blocks" in t.get_text() for t in fig.texts)  # the note says what hatching is
    plt.close(fig)


def test_scaling_figure_variance_panel_fits_its_data_and_marks_uniform_gradient():
    import numpy as np

    from utils.examples import measure_scaling, softmax_jacobian_norm
    from utils.plotting.attention import scaling_figure

    stats = measure_scaling()
    fig = scaling_figure(stats)
    variance, _, _, gradient = fig.axes[:4]
    top = max(stats["var_dot"].max(), (stats["score_std"]["none"] ** 2).max())
    assert top < variance.get_ylim()[1] <= 100 * top  # no decades of empty axis above
    assert [t.get_text() for t in variance.get_legend().get_texts()] == [
        "d_k (predicted var(q·k))"
    ]  # the colours are the figure's legend, not repeated in the panel
    uniform = float(softmax_jacobian_norm(np.full(stats["n_keys"], 1 / stats["n_keys"])))
    dotted = [line for line in gradient.lines if line.get_linestyle() == ":"]
    assert len(dotted) == 1 and np.allclose(dotted[0].get_ydata(), uniform)
    plt.close(fig)
