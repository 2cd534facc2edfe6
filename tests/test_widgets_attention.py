"""Headless tests of notebook 01's explorers: every control redraws, and the numbers shown
are the right ones (parsed out of the HTML view and checked against utils.attention)."""

import re

import numpy as np

from utils.attention import scaled_dot_product_attention
from utils.examples import toy_attention, toy_example
from utils.widgets.attention import POLARITIES, AttentionExplorer, MaskExplorer


def table_values(view: str) -> list[list[float]]:
    """The numbers written in every heatmap table of an HTML view, one list per table."""
    tables = re.findall(r"<table.*?</table>", view, flags=re.S)
    return [[float(v) for v in re.findall(r"<td[^>]*>([-\d.]+)</td>", t)] for t in tables]


def bar_values(view: str) -> list[float]:
    """The value labels written above the bars of every bar chart (in order)."""
    return [float(v) for v in re.findall(r'text-anchor="middle">(-?\d+\.\d\d)</text>', view)]


def toy_weights(scale: float) -> np.ndarray:
    ex = toy_example()
    q, k, v = ex["X"] @ ex["W_q"], ex["X"] @ ex["W_k"], ex["X"] @ ex["W_v"]
    return scaled_dot_product_attention(q, k, v, scale=scale)[1]  # (n, n)


def test_attention_explorer_default_matches_the_toy_example():
    ex = AttentionExplorer()
    out, weights = toy_attention()
    np.testing.assert_allclose(ex.weights, weights[1])
    np.testing.assert_allclose(ex.out, out[1])
    assert repr(ex) == "AttentionExplorer(query='cat', scale=0.50)"
    assert ex.renders == 1 and ex.last_png is None
    shown = table_values(ex.last_view)[0]  # every query's weights at the scale
    np.testing.assert_allclose(shown, np.round(weights, 2).ravel(), atol=0.006)
    assert "2. weights = softmax of panel 1" in ex.last_view  # not "softmax of 1."


def test_attention_explorer_query_control():
    ex = AttentionExplorer()
    view = ex.last_view
    ex.query.value = "sat"
    assert ex.renders == 2 and ex.last_view != view
    np.testing.assert_allclose(ex.weights, toy_attention()[1][2])
    bars = bar_values(ex.last_view)
    n = len(ex.tokens)
    np.testing.assert_allclose(bars[n : 2 * n], ex.weights, atol=0.006)  # 2nd chart: weights
    np.testing.assert_allclose(bars[2 * n :], ex.out, atol=0.006)  # 3rd chart: output row
    assert "outlined: &#x27;sat&#x27;" in ex.last_view or "outlined: 'sat'" in ex.last_view


def test_attention_explorer_scale_control():
    ex = AttentionExplorer()
    view = ex.last_view
    ex.scale.value = 0.0
    assert ex.renders == 2 and ex.last_view != view
    np.testing.assert_allclose(ex.weights, 1 / len(ex.tokens))  # scale 0: uniform
    ex.scale.value = 1.0
    np.testing.assert_allclose(ex.weights, toy_attention(scale=1.0)[1][1])
    np.testing.assert_allclose(table_values(ex.last_view)[0], toy_weights(1.0).ravel(), atol=0.006)
    assert ex.output.outputs[0]["data"]["text/plain"] == "<query='cat', scale=1.00>"


def test_mask_explorer_causal_default_sees_no_future():
    ex = MaskExplorer()
    np.testing.assert_allclose(ex.future_weight, 0)
    np.testing.assert_allclose(ex.weights.sum(axis=1), 1)
    assert ex.weights.shape == (6, 6)
    mask_shown, weights_shown = table_values(ex.last_view)
    np.testing.assert_array_equal(np.reshape(mask_shown, (6, 6)), np.tril(np.ones((6, 6))))
    np.testing.assert_allclose(np.reshape(weights_shown, (6, 6)), ex.weights, atol=0.006)


def test_mask_explorer_each_control():
    ex = MaskExplorer()
    view = ex.last_view
    ex.kind.value = "padding"
    assert ex.renders == 2 and ex.last_view != view
    np.testing.assert_allclose(ex.weights[:, 4:], 0)  # length 4: pads get no weight
    view = ex.last_view
    ex.length.value = 2
    assert ex.renders == 3 and ex.last_view != view
    np.testing.assert_allclose(ex.weights[:, 2:], 0)
    np.testing.assert_allclose(ex.weights.sum(axis=1), 1)
    assert "2 sat (pad)" in ex.last_view  # a word the padding mask treats as padding
    view = ex.last_view
    ex.polarity.value = POLARITIES[1]
    assert ex.renders == 4 and ex.last_view != view
    np.testing.assert_allclose(ex.weights[:, :2], 0)  # flipped: only the pads are attended
    assert "polarity=flipped" in repr(ex) and "FLIPPED" in ex.last_view


RED = "color:#d62728"


def test_mask_explorer_flipped_causal_attends_only_to_the_future():
    ex = MaskExplorer()
    ex.polarity.value = POLARITIES[1]
    np.testing.assert_allclose(ex.future_weight[:-1], 1)  # every row but the last: all future
    assert ex.blocked_rows == [5]  # the last token has no future: fully blocked, zeros
    np.testing.assert_allclose(ex.weights[5], 0)
    assert "5 of 6 queries see the future" in ex.last_view and RED in ex.last_view
    assert "fully blocked query rows (weights all 0): 5 &lt;pad&gt;" in ex.last_view


def test_mask_explorer_causal_mask_never_relabels_words_as_padding():
    ex = MaskExplorer()
    assert ex.kind.value == "causal" and ex.length.disabled
    ex.length.value = 2  # no padding mask applies: the length does not matter
    assert "(pad)" not in ex.last_view and "2 sat" in ex.last_view and "3 down" in ex.last_view
    assert "no query sees the future" in ex.last_view and RED not in ex.last_view


def test_mask_explorer_encoder_masks_raise_no_future_alarm():
    ex = MaskExplorer()
    for kind in ("none", "padding"):
        ex.kind.value = kind
        assert ex.future_weight[:3].min() > 0  # an encoder does look ahead
        assert "see the future" not in ex.last_view and RED not in ex.last_view
        assert "may look ahead" in ex.last_view
    assert not ex.length.disabled  # "padding": the length matters again
    ex.kind.value = "none"
    assert ex.length.disabled


def test_mask_explorer_flipped_padding_is_flagged_as_attending_to_padding():
    ex = MaskExplorer()
    ex.kind.value = "padding"
    assert "attend to padding" not in ex.last_view
    np.testing.assert_allclose(ex.pad_weight, 0)
    ex.polarity.value = POLARITIES[1]
    np.testing.assert_allclose(ex.pad_weight, 1)  # every query looks only at the pads
    assert "6 of 6 queries attend to padding" in ex.last_view and RED in ex.last_view


def test_mask_explorer_buttons_show_their_whole_label_and_a_tooltip():
    ex = MaskExplorer()
    for buttons in (ex.kind, ex.polarity):
        assert buttons.style.button_width == "auto"  # not cut off at the default width
        assert len(buttons.tooltips) == len(buttons.options)
        assert all(tip for tip in buttons.tooltips)
    assert all(len(label) <= 36 for label in ex.polarity.options)
    assert ex.length.tooltip
