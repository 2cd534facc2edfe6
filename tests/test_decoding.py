"""utils.decoding: the KV cache gives full causal attention's outputs, worked cache sizes,
and grouped-query attention against multi-head attention."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.attention import causal_mask, init_mha_params, multi_head_attention
from utils.decoding import (
    KVCache,
    causal_self_attention_incremental,
    causal_self_attention_recompute,
    decode_step,
    grouped_query_attention,
    init_gqa_params,
    kv_cache_bytes,
)

GiB, MiB = 2**30, 2**20


def _x(shape, dtype=np.float64, seed=1):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


# --- cache sizes ------------------------------------------------------------------------------


def test_kv_cache_bytes_worked_numbers():
    # the example: 32 layers, 32 heads of 128, 4096 tokens, float16
    assert kv_cache_bytes(32, 32, 128, 4096) == 2 * 32 * 32 * 128 * 4096 * 2 == 2 * GiB
    assert kv_cache_bytes(32, 8, 128, 4096) == 512 * MiB  # 8 key/value heads: a quarter
    assert kv_cache_bytes(32, 1, 128, 4096) == 64 * MiB  # multi-query: one head
    assert kv_cache_bytes(32, 32, 128, 4096, batch=4, bytes_per_value=4) == 16 * GiB
    assert kv_cache_bytes(1, 1, 1, 1, bytes_per_value=1) == 2  # one key and one value


@pytest.mark.parametrize("bad", [0, -1, 2.5, "8"])
def test_kv_cache_bytes_rejects_bad_sizes(bad):
    with pytest.raises((ValueError, TypeError)):
        kv_cache_bytes(32, bad, 128, 4096)


# --- the KV cache -------------------------------------------------------------------------------


@pytest.mark.parametrize(("d_model", "h", "n"), [(16, 4, 1), (16, 4, 9), (24, 3, 17), (8, 1, 5)])
def test_incremental_equals_full_causal_attention_float32(d_model, h, n):
    params = {k: v.astype(np.float32) for k, v in init_mha_params(d_model, h, seed=3).items()}
    x = _x((2, n, d_model), np.float32)
    full, _ = multi_head_attention(x, x, params, h, mask=causal_mask(n))
    steps = causal_self_attention_incremental(x, params, h)
    assert steps.shape == full.shape == (2, n, d_model) and steps.dtype == np.float32
    np.testing.assert_allclose(steps, full, atol=1e-5)
    np.testing.assert_allclose(causal_self_attention_recompute(x, params, h), full, atol=1e-5)


@given(st.integers(1, 12), st.sampled_from([1, 2, 4]), st.booleans())
def test_incremental_equals_full_causal_attention_float64(n, h, bias):
    params = init_mha_params(8, h, bias=bias, seed=n)
    x = _x((n, 8), seed=n)
    full, _ = multi_head_attention(x, x, params, h, mask=causal_mask(n))
    np.testing.assert_allclose(causal_self_attention_incremental(x, params, h), full, atol=1e-12)


def test_kv_cache_grows_one_token_per_step_without_copying():
    params, h = init_mha_params(16, 4, seed=0), 4
    x = _x((5, 16))
    cache = KVCache(capacity=8)
    assert cache.nbytes == 0 and "length=0" in repr(cache)
    for t in range(5):
        out = decode_step(x[t : t + 1], params, h, cache)
        assert out.shape == (1, 16)
        assert cache.length == t + 1 and cache.keys.shape == (4, t + 1, 4)
    reserved = cache.keys.base if cache.keys.base is not None else cache.keys
    assert reserved.shape == (4, 8, 4) and cache.nbytes == 2 * 4 * 8 * 4 * 8
    full, _ = multi_head_attention(x, x, params, h, mask=causal_mask(5))
    np.testing.assert_allclose(out, full[-1:])  # the last step's output is the last row
    with pytest.raises(ValueError, match="at most 8"):
        cache.append(np.zeros((4, 4, 4)), np.zeros((4, 4, 4)))


def test_decode_step_rejects_more_than_one_token():
    params = init_mha_params(16, 4)
    with pytest.raises(ValueError, match="one token"):
        decode_step(_x((2, 16)), params, 4, KVCache(4))
    with pytest.raises(ValueError):
        causal_self_attention_incremental(_x((0, 16)), params, 4)
    with pytest.raises(ValueError):
        causal_self_attention_recompute(_x((0, 16)), params, 4)


# --- grouped-query attention --------------------------------------------------------------


def test_gqa_params_shapes_and_mha_when_every_head_has_its_own():
    p = init_gqa_params(32, 8, 2)
    assert p["W_q"].shape == (32, 32) and p["W_o"].shape == (32, 32)
    assert p["W_k"].shape == p["W_v"].shape == (32, 8) and p["b_k"].shape == (8,)
    same = init_gqa_params(32, 8, 8, seed=5)
    mha = init_mha_params(32, 8, seed=5)
    assert all(np.array_equal(same[name], mha[name]) for name in mha)
    x = _x((2, 6, 32))
    gqa_out, gqa_w = grouped_query_attention(x, x, same, 8, 8, mask=causal_mask(6))
    mha_out, mha_w = multi_head_attention(x, x, mha, 8, mask=causal_mask(6))
    np.testing.assert_allclose(gqa_out, mha_out, atol=1e-12)
    np.testing.assert_allclose(gqa_w, mha_w, atol=1e-12)


@pytest.mark.parametrize("h_kv", [1, 2, 4])
def test_gqa_equals_mha_with_key_value_heads_repeated(h_kv):
    d_model, h = 16, 4
    d_k, g = d_model // h, h // h_kv
    p = init_gqa_params(d_model, h, h_kv, seed=2)
    # each key/value head's columns copied for the g query heads of its group
    cols = np.concatenate(
        [np.arange(j * d_k, (j + 1) * d_k) for j in range(h_kv) for _ in range(g)]
    )
    repeated = {**p, "W_k": p["W_k"][:, cols], "W_v": p["W_v"][:, cols]}
    repeated |= {"b_k": p["b_k"][cols], "b_v": p["b_v"][cols]}
    x_q, x_kv = _x((3, 5, d_model), np.float32), _x((3, 7, d_model), np.float32, seed=4)
    mask = np.random.default_rng(0).random((3, 5, 7)) > 0.3
    out, w = grouped_query_attention(x_q, x_kv, p, h, h_kv, mask=mask)
    ref, ref_w = multi_head_attention(x_q, x_kv, repeated, h, mask=mask)
    assert out.shape == (3, 5, d_model) and w.shape == (3, h, 5, 7)
    np.testing.assert_allclose(out, ref, atol=1e-5)
    np.testing.assert_allclose(w, ref_w, atol=1e-6)


@pytest.mark.parametrize("h_kv", [1, 2])
def test_incremental_gqa_equals_causal_gqa(h_kv):
    p = init_gqa_params(16, 4, h_kv, seed=1)
    x = _x((2, 7, 16))
    full, _ = grouped_query_attention(x, x, p, 4, h_kv, mask=causal_mask(7))
    steps = causal_self_attention_incremental(x, p, 4, num_kv_heads=h_kv)
    np.testing.assert_allclose(steps, full, atol=1e-12)


def test_gqa_cache_is_smaller_by_the_group_size():
    x = _x((9, 32))
    sizes = {}
    for h_kv in (8, 2, 1):
        cache = KVCache(9)
        p = init_gqa_params(32, 8, h_kv)
        for t in range(9):
            decode_step(x[t : t + 1], p, 8, cache, num_kv_heads=h_kv)
        sizes[h_kv] = cache.nbytes
    assert sizes[8] == 4 * sizes[2] == 8 * sizes[1] == 2 * 8 * 9 * 4 * 8


def test_gqa_rejects_bad_head_counts_and_weights():
    p = init_gqa_params(16, 4, 2)
    x = _x((3, 16))
    with pytest.raises(ValueError, match="divide"):
        grouped_query_attention(x, x, p, 4, 3)
    with pytest.raises(ValueError, match="W_k"):
        grouped_query_attention(x, x, p, 4, 4)  # W_k has 2 heads' columns, not 4
    with pytest.raises(ValueError, match="missing"):
        grouped_query_attention(x, x, {"W_q": p["W_q"]}, 4, 2)
    with pytest.raises(ValueError, match="divisible"):
        init_gqa_params(10, 4, 2)
    with pytest.raises(ValueError, match="d_model"):
        grouped_query_attention(x, _x((3, 8)), p, 4, 2)
    with pytest.raises(ValueError, match="broadcast"):
        grouped_query_attention(x, x, p, 4, 2, mask=np.ones((3, 4), dtype=bool))
