"""utils.cost: parameter and multiply-add counts, checked by hand and against real runs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.attention import init_mha_params, multi_head_attention
from utils.cost import (
    MAC_COLUMNS,
    SIZE_COLUMNS,
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
    assert [r["attention_matrices"] for r in rows] == [1, 4, 8, 16, 32]
    assert [r["attention_weights"] for r in rows] == [h * 128 * 128 for h in (1, 4, 8, 16, 32)]
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
    assert len(lines) == 3 and "attention_weights" in lines[0]
    assert "1,050,624" in lines[1] and lines[1].count("1,050,624") == 1
    assert len({len(line) for line in lines}) == 1  # aligned


def test_the_two_half_tables_fit_a_notebook_output():
    """Notebook 02 prints the table in two halves: the full one (~130 characters) wrapped in
    JupyterLab's output and its columns no longer lined up."""
    rows = cost_table(128, 512, [1, 4, 8, 16, 32])
    for columns in (MAC_COLUMNS, SIZE_COLUMNS):
        lines = format_cost_table(rows, columns).splitlines()
        assert lines[0].split()[:2] == ["h", "d_k"] and len(lines) == 6
        assert max(len(line) for line in lines) <= 80
    assert "attention_matrices" in format_cost_table(rows, SIZE_COLUMNS)
    assert "total" in format_cost_table(rows, MAC_COLUMNS).splitlines()[0]
    for columns in ("h", 3, [1, 2]):
        with pytest.raises(TypeError, match="^columns must be"):
            format_cost_table(rows, columns)


# --- adversarial inputs: a correct count, or an error that names the argument ----------------

JUNK = st.one_of(  # anything a learner might pass by mistake
    st.text(max_size=3),
    st.booleans(),
    st.none(),
    st.complex_numbers(),
    st.floats(),  # fractional, NaN, inf; a float is never a size, even 4.0
    st.lists(st.integers(0, 5), min_size=1, max_size=2).map(np.array),
)


def is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


@given(
    st.lists(st.integers(0, 3), min_size=2, max_size=4),
    st.lists(st.integers(0, 3), min_size=2, max_size=4),
)
def test_matmul_macs_agrees_with_numpy_on_every_small_shape(a_shape, b_shape):
    try:
        out = np.zeros(a_shape) @ np.zeros(b_shape)
    except ValueError:  # numpy refuses: inner sizes or batch sizes do not match
        with pytest.raises(ValueError, match="inner sizes differ|batch sizes do not broadcast"):
            matmul_macs(tuple(a_shape), tuple(b_shape))
        return
    assert matmul_macs(tuple(a_shape), tuple(b_shape)) == out.size * a_shape[-1]
    assert matmul_macs(a_shape, b_shape) == out.size * a_shape[-1]  # lists work too


@given(
    st.integers(0, 3),
    st.sampled_from(["a_shape", "b_shape"]),
    st.one_of(JUNK, st.integers(-5, -1)),
)
def test_matmul_macs_names_the_bad_size(position, which, bad):
    shapes = {"a_shape": [2, 3, 3, 4], "b_shape": [2, 3, 4, 5]}
    shapes[which][position] = bad
    error = ValueError if is_int(bad) or isinstance(bad, float) else TypeError
    with pytest.raises(error, match=rf"^{which}\[{position}\] must be a non-negative integer"):
        matmul_macs(tuple(shapes["a_shape"]), tuple(shapes["b_shape"]))


def test_matmul_macs_edges():
    assert matmul_macs((0, 4), (4, 5)) == 0  # an empty axis costs nothing
    assert matmul_macs((3, 0), (0, 5)) == 0
    huge = 10**20
    assert matmul_macs((huge, huge), (huge, 3)) == 3 * 10**40  # exact, no overflow
    assert matmul_macs((np.int64(2**40), 2**20), (2**20, 2**10)) == 2**70  # > int64
    with pytest.raises(ValueError, match=r"^a_shape must have at least 2 sizes"):
        matmul_macs((3,), (3, 4))
    with pytest.raises(TypeError, match=r"^b_shape must be a shape tuple"):
        matmul_macs((3, 4), 4)
    with pytest.raises(TypeError, match=r"^a_shape must be a shape tuple"):
        matmul_macs("34", (4, 5))
    with pytest.raises(ValueError, match=r"^batch sizes do not broadcast: \(2, 3, 4\)"):
        matmul_macs((2, 3, 4), (3, 4, 5))


SIZES = st.one_of(st.integers(-3, 13), JUNK)


@given(st.one_of(SIZES, st.sampled_from([1, 2, 3, 4, 6, 12])))
def test_cost_functions_any_num_heads(h):
    if is_int(h) and h > 0 and 12 % h == 0:
        assert count_parameters(12, h)["total"] == 4 * 12 * 12 + 4 * 12
        assert attention_macs(5, 12, h)["total"] == 4 * 5 * 12 * 12 + 2 * 5 * 5 * 12
        assert mha_cost(5, 12, h)["attention_weights"] == h * 25
        return
    for func in (count_parameters, lambda d, heads: attention_macs(5, d, heads)):
        with pytest.raises((TypeError, ValueError), match="num_heads"):
            func(12, h)


@given(st.one_of(st.integers(-3, 10**30), st.integers(1, 2**62).map(np.int64), JUNK))
def test_cost_functions_any_n_exact_even_when_huge(n):
    if is_int(n) and n > 0:
        n = int(n)
        assert attention_macs(n, 8, 2)["total"] == 4 * n * 8 * 8 + 2 * n * n * 8
        assert mha_cost(n, 8, 2)["attention_weights"] == 2 * n * n  # no int64 overflow
        return
    for func in (attention_macs, mha_cost):
        with pytest.raises((TypeError, ValueError), match="^n must"):
            func(n, 8, 2)


@pytest.mark.parametrize("name", ["d_model", "d_k", "d_v"])
@pytest.mark.parametrize("bad", [0, -4, 2.5, 8.0, "8", True, np.array([8])])  # None = default
def test_count_parameters_bad_sizes_name_the_argument(name, bad):
    sizes = {"d_model": 8, "num_heads": 2, "d_k": 4, "d_v": 4, name: bad}
    with pytest.raises((TypeError, ValueError), match=f"^{name} must"):
        count_parameters(**sizes)


def test_bias_must_be_a_bool():
    assert count_parameters(8, 2, bias=np.bool_(False))["biases"] == 0
    for bias in ("no", 0, None):
        with pytest.raises(TypeError, match="^bias must be True or False"):
            mha_cost(4, 8, 2, bias=bias)


def test_cost_table_heads_and_format_edges():
    for heads in (8, "18", None):
        with pytest.raises(TypeError, match="^heads must be a list"):
            cost_table(4, 8, heads)
    assert [row["h"] for row in cost_table(4, 8, np.array([1, 2]))] == [1, 2]
    header = format_cost_table([])
    assert header.split() == format_cost_table(cost_table(4, 8, [1])).splitlines()[0].split()
    with pytest.raises(ValueError, match=r"^rows must be dicts as from cost_table\(\).*'d_k'"):
        format_cost_table([{"h": 1}])


def test_measured_macs_bad_inputs_name_the_argument():
    x = np.random.default_rng(0).normal(size=(4, 6))
    params = init_mha_params(6, 2)
    cases = [
        ((x[0], params, 2), ValueError, "^x must have shape"),
        ((np.where(x > 1, np.inf, x), params, 2), ValueError, "^x contains inf"),
        ((x.astype(str), params, 2), TypeError, "^x must be a numeric"),
        ((x, [params], 2), TypeError, "^params must be a dict"),
        ((x, {**params, "W_o": None}, 2), TypeError, "^W_o must be a numeric"),
        ((x, {k: v for k, v in params.items() if k != "W_o"}, 2), ValueError, "missing.*W_o"),
        ((x, {**params, "b_q": np.zeros(5)}, 2), ValueError, r"^b_q must have shape \(6,\)"),
        (
            (x, {**params, "W_k": params["W_k"][0]}, 2),
            ValueError,
            r"^W_k must have shape \(d_model, width\)",
        ),
        ((x, {**params, "W_v": params["W_v"] * np.nan}, 2), ValueError, "^W_v contains NaN"),
        ((x, params, 4), ValueError, "multiple of num_heads=4"),
        ((x, params, 2.0), ValueError, "^num_heads must"),
        ((x * 1e200, params, 2), ValueError, "overflowed float64"),  # not a NaN output
    ]
    for args, error, words in cases:
        with pytest.raises(error, match=words):
            measured_macs(*args)
