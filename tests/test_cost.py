"""utils.cost: parameter and multiply-add counts, checked by hand and against real runs."""

import numpy as np
import pytest

from utils.attention import init_mha_params, multi_head_attention
from utils.cost import (
    STAGES,
    attention_macs,
    cost_table,
    count_parameters,
    format_cost_table,
    matmul_macs,
    measured_macs,
    mha_cost,
)


def test_parameters_of_the_paper_layer():
    counts = count_parameters(512, 8)
    assert counts["W_q"] == counts["W_o"] == 512 * 512
    assert counts["biases"] == 4 * 512
    assert counts["total"] == 4 * 512 * 512 + 4 * 512 == 1_050_624
    assert count_parameters(512, 8, bias=False)["total"] == 4 * 512 * 512


def test_full_width_heads_multiply_the_parameters():
    # notebook 02's (2, 3h) example: every head keeps d_v = d_model = 3
    counts = count_parameters(3, 8, d_k=3, d_v=3, bias=False)
    assert counts == {"W_q": 72, "W_k": 72, "W_v": 72, "W_o": 72, "biases": 0, "total": 288}


def test_macs_by_hand_small_case():
    # n=2, d=4, h=2, d_k=d_v=2: projections 3*2*4*4, scores 2*2*2*2, weights@V same, out 2*4*4
    macs = attention_macs(2, 4, 2)
    assert macs == {STAGES[0]: 96, STAGES[1]: 16, STAGES[2]: 16, STAGES[3]: 32, "total": 160}


def test_cost_constant_in_h_but_weight_memory_grows():
    rows = cost_table(128, 512, [1, 4, 8, 16, 32])
    assert len({r["parameters"] for r in rows}) == 1
    assert len({r["total"] for r in rows}) == 1
    assert rows[0]["total"] == 4 * 128 * 512 * 512 + 2 * 128 * 128 * 512
    assert [r["weight_matrices"] for r in rows] == [1, 4, 8, 16, 32]
    assert [r["weight_entries"] for r in rows] == [h * 128 * 128 for h in (1, 4, 8, 16, 32)]
    assert [r["d_k"] for r in rows] == [512, 128, 64, 32, 16]


@pytest.mark.parametrize("h", [1, 2, 3, 6])
def test_measured_macs_match_formula_and_library(h):
    rng = np.random.default_rng(h)
    x = rng.normal(size=(5, 6))
    params = init_mha_params(6, h, seed=h)
    macs, out = measured_macs(x, params, h)
    assert macs == attention_macs(5, 6, h)
    np.testing.assert_allclose(out, multi_head_attention(x, x, params, h)[0], atol=1e-12)


def test_measured_macs_without_bias_and_full_width_heads():
    x = np.random.default_rng(0).normal(size=(4, 3))
    params = init_mha_params(3, 2, d_k=3, d_v=3, bias=False)
    macs, out = measured_macs(x, params, 2)
    assert macs == attention_macs(4, 3, 2, d_k=3, d_v=3)
    np.testing.assert_allclose(out, multi_head_attention(x, x, params, 2)[0], atol=1e-12)


def test_matmul_macs_broadcasts_batch_and_checks_inner_size():
    assert matmul_macs((8, 10, 64), (8, 64, 10)) == 8 * 10 * 64 * 10
    assert matmul_macs((3, 4), (2, 4, 5)) == 2 * 3 * 4 * 5
    with pytest.raises(ValueError, match="inner sizes differ"):
        matmul_macs((3, 4), (5, 6))


def test_errors_and_table_text():
    with pytest.raises(ValueError, match="not divisible"):
        mha_cost(4, 512, 7)
    with pytest.raises(ValueError, match="positive integer"):
        attention_macs(0, 512, 8)
    text = format_cost_table(cost_table(128, 512, [1, 8]))
    lines = text.splitlines()
    assert len(lines) == 3 and "weight_entries" in lines[0]
    assert "1,050,624" in lines[1] and lines[1].count("1,050,624") == 1
    assert len({len(line) for line in lines}) == 1  # aligned
