"""utils.widgets.heads: the explorer redraws on every control and shows the right numbers."""

import re

import numpy as np
import pytest

from utils.attention import init_mha_params, multi_head_attention
from utils.widgets.heads import HeadsExplorer, divisors, shape_rows


def shown_weights(view: str) -> np.ndarray:
    """The numbers written in the view's weights table, as a flat array."""
    table = re.search(r"<table.*?</table>", view, flags=re.S).group(0)
    return np.array([float(v) for v in re.findall(r"<td[^>]*>([-\d.]+)</td>", table)])


def test_divisors():
    assert divisors(12) == [1, 2, 3, 4, 6, 12]
    assert divisors(7) == [1, 7]


def test_shape_rows_paper_sizes():
    rows = dict(shape_rows(10, 512, 8))
    assert rows["Q split into heads"] == (8, 10, 64)
    assert rows["concatenation"] == (10, 512)
    assert rows["weights softmax(QK^T/sqrt(d_k))"] == (8, 10, 10)


def test_initial_state_and_repr():
    explorer = HeadsExplorer()
    assert explorer.renders == 1 and explorer.last_png is None and explorer.last_view
    assert repr(explorer) == "HeadsExplorer(d_model=12, h=3, head=0, d_k=4)"
    assert "d_k = d_v = 4" in explorer.last_view
    # heads, tokens and features differ in size, so a learner can tell the axes apart
    assert "<code>(3, 6, 4)</code>" in explorer.last_view
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == repr(explorer)


def test_head_control_redraws_that_head():
    explorer = HeadsExplorer()
    before = explorer.last_view
    explorer.head_control.value = 1
    assert explorer.renders == 2 and explorer.last_view != before
    params = init_mha_params(12, 3, seed=0)
    expected = multi_head_attention(explorer.x, explorer.x, params, 3)[1]
    np.testing.assert_allclose(explorer.weights(), expected)
    np.testing.assert_allclose(shown_weights(explorer.last_view), expected[1].ravel(), atol=0.006)
    assert "head=1" in repr(explorer) and "head 1 of 3" in explorer.last_view


def test_a_repeated_word_has_one_embedding_and_the_same_weights():
    """Notebook 01 teaches that equal tokens give equal rows: the two "the"s must agree (the
    explorer used to draw one random vector per position)."""
    explorer = HeadsExplorer()
    first, second = [i for i, t in enumerate(explorer.tokens) if t == "the"]
    np.testing.assert_array_equal(explorer.x[first], explorer.x[second])
    for h in (1, 3, 12):
        explorer.h_control.value = h
        np.testing.assert_allclose(explorer.weights()[:, first], explorer.weights()[:, second])
    assert len({tuple(row) for row in explorer.x}) == len(set(explorer.tokens))


def test_first_h_is_a_divisor_of_d_model():
    assert HeadsExplorer(h=4).h == 4
    with pytest.raises(ValueError, match="must divide d_model=12"):
        HeadsExplorer(h=5)


def test_h_control_updates_table_and_clamps_head_with_one_redraw():
    explorer = HeadsExplorer()
    explorer.h_control.value = 6
    explorer.head_control.value = 5
    renders, png = explorer.renders, explorer.last_view
    explorer.h_control.value = 3  # head 5 does not exist any more: clamped to 2
    assert explorer.renders == renders + 1 and explorer.last_view != png
    assert explorer.head == 2 and explorer.head_control.max == 2
    assert "d_k = d_v = 4" in explorer.last_view
    assert "<code>(3, 6, 6)</code>" in explorer.last_view
    assert "h&middot;n&middot;n = 108" in explorer.last_view
    assert explorer.weights().shape == (3, 6, 6)
    np.testing.assert_allclose(explorer.weights().sum(axis=-1), 1.0)


def test_parameters_shown_do_not_change_with_h():
    explorer = HeadsExplorer()
    texts = []
    for h in (1, 4, 12):
        explorer.h_control.value = h
        texts.append(explorer.last_view.split("parameters: ")[1].split(" ")[0])
    assert texts == [str(4 * 12 * 12 + 4 * 12)] * 3
