"""utils.plotting.heads: the hand-built example behaves as the notebook says; figures draw."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from utils.plotting.heads import (  # noqa: E402
    SENTENCE,
    concatenation_diagram,
    head_heatmaps,
    it_embeddings,
    it_head_attention,
    it_head_weights,
    it_heads_figure,
    worked_example_heads,
)


def test_it_example_heads_attend_to_animal_and_tired():
    weights = it_head_attention()  # (2, 11, 11)
    assert weights.shape == (2, 11, 11)
    row = SENTENCE.index("it")
    assert SENTENCE[int(weights[0, row].argmax())] == "animal"
    assert SENTENCE[int(weights[1, row].argmax())] == "tired"
    assert weights[0, row].max() > 0.9 and weights[1, row].max() > 0.9
    # the other noun gets more than the non-nouns in head 0, less than the animate one
    street = SENTENCE.index("street")
    assert weights[0, row, 0] < weights[0, row, street] < weights[0, row, 1]
    # tokens with a zero query attend uniformly
    np.testing.assert_allclose(weights[:, 0], 1 / 11)


def test_it_example_inputs():
    x = it_embeddings()
    assert x.shape == (11, 6) and set(np.unique(x)) == {0.0, 1.0}
    heads = it_head_weights()
    assert len(heads) == 2
    assert all(w.shape == (6, 3) for head in heads for w in head.values())


def test_worked_example_is_two_full_width_heads():
    z = worked_example_heads()
    assert [a.shape for a in z] == [(2, 3), (2, 3)]
    assert not np.allclose(z[0], z[1])


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
