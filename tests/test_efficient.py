"""utils.efficient: the online softmax by hand, tiled attention equal to the plain version,
and the measuring tools (no timing assertions: speed is measured by make bench)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.attention import causal_mask, padding_mask, scaled_dot_product_attention, softmax
from utils.efficient import (
    best_time,
    fit_power,
    online_softmax_attention,
    peak_memory,
    running_max_and_sum,
    score_bytes,
    tiled_peak_bytes,
)


def _qkv(shape_q, n_k, d_v=None, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    *lead, n_q, d = shape_q
    q = rng.normal(size=(*lead, n_q, d)).astype(dtype)
    k = rng.normal(size=(*lead, n_k, d)).astype(dtype)
    v = rng.normal(size=(*lead, n_k, d_v or d)).astype(dtype)
    return q, k, v


# --- the 1-D online softmax -----------------------------------------------------------------


def test_running_max_and_sum_by_hand():
    x = np.array([1.0, 3.0, 2.0, 5.0])
    m, total = running_max_and_sum(x, 2)
    np.testing.assert_allclose(m, [3.0, 5.0])
    # block 1: exp(1-3) + exp(3-3); block 2 raises the max to 5: rescale by exp(3-5), add
    first = np.exp(-2) + 1
    np.testing.assert_allclose(total, [first, first * np.exp(-2) + np.exp(-3) + 1])
    np.testing.assert_allclose(np.exp(x - m[-1]) / total[-1], softmax(x))


@given(
    st.lists(st.floats(-50, 50), min_size=1, max_size=40),
    st.integers(1, 50),
)
def test_running_max_and_sum_gives_softmax_for_any_block_size(values, block):
    x = np.array(values)
    m, total = running_max_and_sum(x, block)
    assert m.shape == total.shape == (-(-x.size // block),)
    assert m[-1] == x.max()
    np.testing.assert_allclose(np.exp(x - m[-1]) / total[-1], softmax(x), rtol=1e-12)
    np.testing.assert_array_equal(np.maximum.accumulate(m), m)  # the maximum never falls


@pytest.mark.parametrize("bad", [np.zeros((2, 2)), np.array([]), [1.0, np.nan]])
def test_running_max_and_sum_rejects_bad_rows(bad):
    with pytest.raises(ValueError):
        running_max_and_sum(bad, 2)
    with pytest.raises((ValueError, TypeError)):
        running_max_and_sum([1.0, 2.0], 0)


# --- tiled attention equals the plain version ------------------------------------------------


@pytest.mark.parametrize("block", [1, 3, 16, 64, 1000])
@pytest.mark.parametrize(("shape_q", "n_k"), [((7, 8), 13), ((2, 3, 10, 4), 10), ((1, 16), 50)])
def test_tiled_equals_plain_float32(shape_q, n_k, block):
    q, k, v = _qkv(shape_q, n_k, d_v=5)
    plain, _ = scaled_dot_product_attention(q, k, v)
    tiled = online_softmax_attention(q, k, v, block_size=block)
    assert tiled.shape == plain.shape and tiled.dtype == np.float32
    np.testing.assert_allclose(tiled, plain, atol=1e-5)


@pytest.mark.parametrize("block", [1, 4, 9, 128])
def test_tiled_equals_plain_with_masks(block):
    q, k, v = _qkv((3, 9, 8), 9)
    for mask in (causal_mask(9), padding_mask([9, 4, 1], 9), np.ones((9, 1), dtype=bool)):
        plain, _ = scaled_dot_product_attention(q, k, v, mask=mask)
        tiled = online_softmax_attention(q, k, v, mask=mask, block_size=block)
        np.testing.assert_allclose(tiled, plain, atol=1e-5)
    causal_plain, _ = scaled_dot_product_attention(q, k, v, mask=causal_mask(9))
    causal_tiled = online_softmax_attention(q, k, v, block_size=block, causal=True)
    np.testing.assert_allclose(causal_tiled, causal_plain, atol=1e-5)


@pytest.mark.parametrize("block", [1, 4, 9, 128])
def test_causal_true_keeps_the_mask_too(block):
    """causal=True with a mask: a key counts only where both allow it (mask & causal_mask)."""
    q, k, v = _qkv((3, 9, 8), 9)
    for mask in (
        padding_mask([9, 4, 1], 9),  # (3, 1, 9): a different padding per sequence
        np.ones((9, 1), dtype=bool),  # one column: broadcast to every key
        np.random.default_rng(1).random((3, 9, 9)) > 0.4,  # rows the causal mask leaves empty
    ):
        both, _ = scaled_dot_product_attention(q, k, v, mask=mask & causal_mask(9))
        tiled = online_softmax_attention(q, k, v, mask=mask, block_size=block, causal=True)
        np.testing.assert_allclose(tiled, both, atol=1e-5)
    padded = padding_mask([9, 4, 1], 9)
    causal_only = online_softmax_attention(q, k, v, block_size=block, causal=True)
    with_padding = online_softmax_attention(q, k, v, mask=padded, block_size=block, causal=True)
    assert not np.allclose(with_padding, causal_only)  # the padding is not dropped


def test_fully_blocked_rows_give_zeros_like_the_plain_version():
    q, k, v = _qkv((4, 6), 6)
    mask = np.ones((4, 6), dtype=bool)
    mask[1] = False  # query 1 may attend to nothing
    mask[2, :3] = False  # query 2 sees only the second block
    plain, _ = scaled_dot_product_attention(q, k, v, mask=mask)
    tiled = online_softmax_attention(q, k, v, mask=mask, block_size=3)
    np.testing.assert_array_equal(tiled[1], 0.0)
    np.testing.assert_allclose(tiled, plain, atol=1e-6)


def test_large_scores_need_the_running_maximum():
    # scores of several hundred: exp would overflow without subtracting the running max
    q, k, v = _qkv((5, 8), 20, dtype=np.float64)
    q *= 40
    plain, _ = scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(online_softmax_attention(q, k, v, block_size=4), plain)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes_are_kept(dtype):
    q, k, v = _qkv((6, 8), 12, dtype=dtype)
    out = online_softmax_attention(q, k, v, block_size=5)
    assert out.dtype == dtype
    reference, _ = scaled_dot_product_attention(*(a.astype(np.float64) for a in (q, k, v)))
    np.testing.assert_allclose(out, reference, atol={np.float16: 5e-3}.get(dtype, 1e-5))


def test_integers_become_float64_and_scale_is_used():
    q = np.arange(6).reshape(2, 3)
    out = online_softmax_attention(q, q, q, block_size=1, scale=0.1)
    plain, _ = scaled_dot_product_attention(q, q, q, scale=0.1)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, plain)


def test_bad_inputs_raise_clear_errors():
    q, k, v = _qkv((4, 8), 6)
    with pytest.raises(ValueError, match="block_size"):
        online_softmax_attention(q, k, v, block_size=0)
    with pytest.raises(ValueError, match="causal"):
        online_softmax_attention(q, k, v, causal=True)
    with pytest.raises(TypeError, match="boolean"):
        online_softmax_attention(q, k, v, mask=np.ones((4, 6)))
    with pytest.raises(ValueError, match="broadcast"):
        online_softmax_attention(q, k, v, mask=np.ones((4, 5), dtype=bool))
    with pytest.raises(ValueError, match="NaN"):
        online_softmax_attention(np.full_like(q, np.nan), k, v)
    with pytest.raises(ValueError, match="d_k"):
        online_softmax_attention(q, k[:, :4], v)


# --- measuring ------------------------------------------------------------------------------


def test_peak_memory_counts_what_the_call_allocates():
    result, peak = peak_memory(np.ones, 1_000_000)
    assert result.shape == (1_000_000,) and 8_000_000 <= peak < 8_100_000
    q, k, v = _qkv((512, 16), 512)
    (_, weights), plain = peak_memory(scaled_dot_product_attention, q, k, v)
    _, tiled = peak_memory(online_softmax_attention, q, k, v, block_size=32)
    assert plain >= weights.nbytes >= score_bytes(512, 512) and tiled < plain / 4


def test_peak_memory_does_not_nest():
    with pytest.raises(RuntimeError, match="nest"):
        peak_memory(peak_memory, np.ones, 3)


def test_best_time_and_fit_power():
    assert best_time(sum, [1, 2, 3], repeats=2) >= 0
    n = np.array([256, 512, 1024, 2048])
    p, c = fit_power(n, 3e-9 * n**2)
    assert p == pytest.approx(2) and c == pytest.approx(3e-9)
    with pytest.raises(ValueError):
        fit_power([1, 2], [1, -1])
    with pytest.raises(ValueError):
        fit_power([1], [1])


def test_score_bytes_worked_numbers():
    assert score_bytes(8192, 8192) == 8192 * 8192 * 4 == 256 * 2**20
    assert score_bytes(8192, 8192, block_size=128) == 4 * 2**20
    assert score_bytes(10, 20, num_heads=8, block_size=64, bytes_per_value=2) == 8 * 10 * 20 * 2
    with pytest.raises(ValueError):
        score_bytes(0, 3)


@pytest.mark.parametrize("block", [32, 64, 128, 512, 1024, 2048])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tiled_peak_bytes_matches_tracemalloc(block, dtype):
    """The formula the notebook prints and the explorer uses, within 3 % of the measured
    peak once n * d * bytes >= 256 KiB (n = 1024 keys here; block 2048 is one block)."""
    q, k, v = _qkv((1024, 64), 1024, dtype=dtype)
    _, measured = peak_memory(online_softmax_attention, q, k, v, block_size=block)
    formula = tiled_peak_bytes(1024, 1024, block, 64, bytes_per_value=np.dtype(dtype).itemsize)
    assert formula <= measured <= 1.03 * formula


def test_tiled_peak_bytes_worked_numbers():
    # n = 2048, block 128, d = 64, float32: (4 * 128 + 64) values per query = 4.5 MiB
    assert tiled_peak_bytes(2048, 2048, 128, 64) == 2048 * 576 * 4 == 4.5 * 2**20
    # small blocks: the end of a block (2 B + 3 d) outweighs its start (4 B + d)
    assert tiled_peak_bytes(2048, 2048, 32, 64) == 2048 * 256 * 4
    # one block: the plain softmax's 3 n values per query, plus the output
    assert tiled_peak_bytes(100, 100, 512, 8, num_heads=2) == 2 * 100 * 308 * 4
    with pytest.raises(ValueError):
        tiled_peak_bytes(10, 10, 0, 8)
