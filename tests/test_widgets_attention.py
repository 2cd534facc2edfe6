"""Headless tests of notebook 01's explorers: every control redraws, and the numbers are right."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from utils.plotting.attention import toy_attention  # noqa: E402
from utils.widgets.attention import POLARITIES, AttentionExplorer, MaskExplorer  # noqa: E402


def test_attention_explorer_default_matches_the_toy_example():
    ex = AttentionExplorer()
    out, weights = toy_attention()
    np.testing.assert_allclose(ex.weights, weights[1])
    np.testing.assert_allclose(ex.out, out[1])
    assert repr(ex) == "AttentionExplorer(query='cat', scale=0.50)"
    assert ex.renders == 1 and ex.last_png


def test_attention_explorer_query_control():
    ex = AttentionExplorer()
    png = ex.last_png
    ex.query.value = "sat"
    assert ex.renders == 2 and ex.last_png != png
    np.testing.assert_array_equal(ex.scores, [4, 2, 4, 2])
    np.testing.assert_allclose(ex.weights, toy_attention()[1][2])
    assert "[0.366, 0.134, 0.366, 0.134]" in ex.text.value


def test_attention_explorer_scale_control():
    ex = AttentionExplorer()
    png = ex.last_png
    ex.scale.value = 0.0
    assert ex.renders == 2 and ex.last_png != png
    np.testing.assert_allclose(ex.weights, 0.25)  # scale 0: uniform
    ex.scale.value = 1.0
    np.testing.assert_allclose(ex.weights, toy_attention(scale=1.0)[1][1])
    assert "scale 1.00" in ex.text.value
    assert ex.output.outputs[0]["data"]["text/plain"] == "<query='cat', scale=1.00>"


def test_mask_explorer_causal_default_sees_no_future():
    ex = MaskExplorer()
    np.testing.assert_allclose(ex.future_weight, 0)
    np.testing.assert_allclose(ex.weights.sum(axis=1), 1)
    assert ex.weights.shape == (6, 6)


def test_mask_explorer_each_control():
    ex = MaskExplorer()
    png = ex.last_png
    ex.kind.value = "padding"
    assert ex.renders == 2 and ex.last_png != png
    np.testing.assert_allclose(ex.weights[:, 4:], 0)  # length 4: pads get no weight
    png = ex.last_png
    ex.length.value = 2
    assert ex.renders == 3 and ex.last_png != png
    np.testing.assert_allclose(ex.weights[:, 2:], 0)
    np.testing.assert_allclose(ex.weights.sum(axis=1), 1)
    png = ex.last_png
    ex.polarity.value = POLARITIES[1]
    assert ex.renders == 4 and ex.last_png != png
    np.testing.assert_allclose(ex.weights[:, :2], 0)  # flipped: only the pads are attended
    assert "polarity=flipped" in repr(ex)


def test_mask_explorer_flipped_causal_attends_only_to_the_future():
    ex = MaskExplorer()
    ex.polarity.value = POLARITIES[1]
    np.testing.assert_allclose(ex.future_weight[:-1], 1)  # every row but the last: all future
    assert ex.blocked_rows == [5]  # the last token has no future: fully blocked, zeros
    np.testing.assert_allclose(ex.weights[5], 0)
    assert "fully blocked query rows (weights all 0): &lt;pad&gt;" in ex.text.value
