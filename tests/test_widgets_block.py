"""utils.widgets.block: each control redraws the view, and the view shows the right numbers."""

import re

import numpy as np

from utils.attention import padding_mask, scaled_dot_product_attention
from utils.block import cross_attention_example, stack_example, stream_norms
from utils.widgets import all_explorers
from utils.widgets.block import CrossAttentionExplorer, StackExplorer


def table_values(view: str) -> np.ndarray:
    """The numbers written in the view's first HTML table (the weights), row by row."""
    table = re.search(r"<table.*?</table>", view, flags=re.S).group(0)
    return np.array([float(v) for v in re.findall(r"<td[^>]*>([-\d.]+)</td>", table)])


def bar_values(view: str) -> list[str]:
    """The values written above the bars of the view's bar chart."""
    svg = re.findall(r"<svg.*?</svg>", view, flags=re.S)[-1]
    return re.findall(r'text-anchor="middle">([-\d.]+)</text>', svg)


def expected_weights(masked: bool) -> np.ndarray:
    ex = cross_attention_example()
    q, k = ex["Y_tgt"] @ ex["W_q"], ex["X_src"] @ ex["W_k"]
    mask = padding_mask([4], 5)[0] if masked else None
    return scaled_dot_product_attention(q, k, ex["X_src"] @ ex["W_v"], mask=mask)[1]


# --- the cross-attention explorer --------------------------------------------------------------


def test_cross_attention_explorer_starts_on_black_unmasked():
    explorer = CrossAttentionExplorer()
    assert explorer.renders == 1 and explorer.last_png is None
    assert repr(explorer) == "CrossAttentionExplorer(target=black, mask_padding=False)"
    assert explorer._repr_mimebundle_()["text/plain"] == repr(explorer)
    np.testing.assert_allclose(explorer.weights(), expected_weights(False))
    np.testing.assert_allclose(
        table_values(explorer.last_view), expected_weights(False).ravel(), atol=0.006
    )
    assert bar_values(explorer.last_view) == ["0.08", "0.21", "0.56", "0.08", "0.08"]
    assert "most on <b>noir</b>" in explorer.last_view
    assert "shape (3, 4) = (n_q, d_v)" in explorer.last_view
    assert "weights (3, 5) = (n_q, n_k)" in explorer.last_view


def test_choosing_a_target_token_outlines_its_row_and_works_it_out():
    explorer = CrossAttentionExplorer()
    explorer.target_control.value = "the"
    assert explorer.renders == 2 and "target=the" in repr(explorer)
    rows = re.findall(r"<tr style=\"([^\"]*)\">", explorer.last_view)[1:]  # after the header
    assert "outline" in rows[0] and "outline" not in rows[1]  # row "the" (rows: the, black, cat)
    assert "scores q·k/√4 against the source: [2, 1, 0, 0, 0]" in explorer.last_view
    assert "= 13.107" in explorer.last_view  # e^2 + e^1 + 3
    assert "most on <b>le</b> (0.564" in explorer.last_view
    assert "output row = weights @ V = [1.127, 0.415, 0.153, 0.153]" in explorer.last_view


def test_masking_the_padding_zeroes_its_column_and_renormalises():
    explorer = CrossAttentionExplorer()
    explorer.target_control.value = "the"
    before = explorer.last_view
    explorer.mask_control.value = True
    assert explorer.renders == 3 and explorer.last_view != before
    assert repr(explorer) == "CrossAttentionExplorer(target=the, mask_padding=True)"
    np.testing.assert_allclose(explorer.weights(), expected_weights(True))
    assert (explorer.weights()[:, -1] == 0).all()
    assert "softmax over the 4 source tokens" in explorer.last_view
    assert "(0.610 = e<sup>2</sup> / 12.107)" in explorer.last_view
    assert "&lt;pad&gt; gets 0.000" in explorer.last_view
    assert bar_values(explorer.last_view)[-1] == "0.00"
    explorer.mask_control.value = True  # the same value: no redraw
    assert explorer.renders == 3


# --- the stack explorer --------------------------------------------------------------------------


def chart_points(view: str) -> list[int]:
    """How many points each line of the chart has."""
    return [len(p.split()) for p in re.findall(r'<polyline points="([^"]*)"', view)]


def test_stack_explorer_starts_at_six_layers():
    explorer = StackExplorer()
    assert repr(explorer) == "StackExplorer(layers=6, input=x1)"
    ex = stack_example()
    post = stream_norms(ex["x"], ex["layers"], ex["num_heads"], norm_first=False)
    pre = stream_norms(ex["x"], ex["layers"], ex["num_heads"], norm_first=True)
    np.testing.assert_allclose(explorer.norms(False), post[:7])
    np.testing.assert_allclose(explorer.norms(True), pre[:7])
    assert chart_points(explorer.last_view) == [7, 7]
    ticks = re.findall(r'text-anchor="middle">(\d+)</text>', explorer.last_view)
    assert ticks[:7] == ["0", "4", "8", "12", "16", "20", "24"]  # the axis stays 0..24
    assert f"post-LN <b>{post[6]:.2f}</b>" in explorer.last_view
    assert f"pre-LN <b>{pre[6]:.2f}</b>" in explorer.last_view
    assert "√d_model = 2.83" in explorer.last_view


def test_more_layers_extend_the_lines():
    explorer = StackExplorer()
    explorer.layers_control.value = 24
    assert explorer.renders == 2 and chart_points(explorer.last_view) == [25, 25]
    assert "after layer 24: post-LN <b>2.83</b>" in explorer.last_view
    assert "the residual stream through 24 layers" in explorer.last_view
    assert explorer.last_view.count("<circle") == 2 * 25
    explorer.layers_control.value = 99  # clamped to the maximum: no change, no redraw
    assert explorer.k == 24 and explorer.renders == 2


def test_input_size_changes_pre_ln_but_not_post_ln_after_layer_one():
    explorer = StackExplorer()
    small = explorer.norms(True).copy(), explorer.norms(False).copy()
    explorer.scale_control.value = 10.0
    assert repr(explorer) == "StackExplorer(layers=6, input=x10)"
    big = explorer.norms(True), explorer.norms(False)
    np.testing.assert_allclose(big[0][0], 10 * small[0][0])  # the input itself
    np.testing.assert_allclose(big[1][1:], small[1][1:], rtol=1e-5)  # post-LN: sqrt(d) again
    assert big[0][-1] > 2 * small[0][-1]  # pre-LN carries the input's size along
    assert f"input: mean token length {big[0][0]:.2f}" in explorer.last_view
    assert "the input is carried along unchanged" in explorer.last_view


def test_both_explorers_are_found_and_redraw_in_place():
    found = {cls.__name__ for cls in all_explorers()}
    assert {"CrossAttentionExplorer", "StackExplorer"} <= found
    for explorer in (CrossAttentionExplorer(), StackExplorer()):
        assert len(explorer.output.outputs) == 1
        assert explorer.output.outputs[0]["data"]["text/html"] == explorer.last_view
