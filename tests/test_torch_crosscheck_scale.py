"""Independent reference for notebook 06: our numpy against PyTorch (CPU, float32).

- grouped-query attention against ``torch.nn.functional.scaled_dot_product_attention(...,
  enable_gqa=True)`` on the same projected heads (torch repeats key/value head j for query
  heads j*g .. (j+1)*g - 1, as ours shares it);
- tiled (online softmax) attention against torch's fused attention, with and without a mask;
- token-by-token decoding against ``torch.nn.MultiheadAttention`` with a causal mask.
"""

import numpy as np
import pytest

from utils.attention import causal_mask, init_mha_params, split_heads
from utils.decoding import (
    causal_self_attention_incremental,
    grouped_query_attention,
    init_gqa_params,
)
from utils.efficient import online_softmax_attention

torch = pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0")
pytestmark = pytest.mark.torch


def _f32(params):
    return {k: v.astype(np.float32) for k, v in params.items()}


@pytest.mark.parametrize("h_kv", [1, 2, 4, 8])
@pytest.mark.parametrize("masked", [False, True])
def test_gqa_matches_torch_enable_gqa(h_kv, masked):
    batch, n, d_model, h = 2, 7, 32, 8
    p = _f32(init_gqa_params(d_model, h, h_kv, seed=h_kv))
    x = np.random.default_rng(0).normal(size=(batch, n, d_model)).astype(np.float32)
    mask = causal_mask(n) if masked else None
    out, weights = grouped_query_attention(x, x, p, h, h_kv, mask=mask)

    q = split_heads(x @ p["W_q"] + p["b_q"], h)  # (batch, h, n, d_k)
    k = split_heads(x @ p["W_k"] + p["b_k"], h_kv)  # (batch, h_kv, n, d_k)
    v = split_heads(x @ p["W_v"] + p["b_v"], h_kv)
    heads = torch.nn.functional.scaled_dot_product_attention(
        *(torch.from_numpy(a) for a in (q, k, v)),
        attn_mask=None if mask is None else torch.from_numpy(mask),  # True = may attend
        enable_gqa=True,
    ).numpy()  # (batch, h, n, d_k)
    concat = heads.transpose(0, 2, 1, 3).reshape(batch, n, d_model)
    np.testing.assert_allclose(out, concat @ p["W_o"] + p["b_o"], atol=1e-5)
    assert weights.shape == (batch, h, n, n)


@pytest.mark.parametrize("block", [1, 5, 32, 128])
@pytest.mark.parametrize("mask_kind", [None, "causal", "random"])
def test_online_softmax_attention_matches_torch(block, mask_kind):
    rng = np.random.default_rng(block)
    q, k, v = (rng.normal(size=(2, 3, 40, 16)).astype(np.float32) for _ in range(3))
    mask = {
        None: None,
        "causal": causal_mask(40),
        "random": rng.random((2, 1, 40, 40)) > 0.2,
    }[mask_kind]
    ours = online_softmax_attention(q, k, v, mask=mask, block_size=block)
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *(torch.from_numpy(a) for a in (q, k, v)),
        attn_mask=None if mask is None else torch.from_numpy(mask),
    ).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    if mask_kind == "causal":
        causal = online_softmax_attention(q, k, v, block_size=block, causal=True)
        ref = torch.nn.functional.scaled_dot_product_attention(
            *(torch.from_numpy(a) for a in (q, k, v)), is_causal=True
        ).numpy()
        np.testing.assert_allclose(causal, ref, atol=1e-5)


def test_incremental_decoding_matches_torch_causal_multihead_attention():
    batch, n, d_model, h = 2, 9, 16, 4
    params = _f32(init_mha_params(d_model, h, seed=11))
    x = np.random.default_rng(12).normal(size=(batch, n, d_model)).astype(np.float32)
    ours = causal_self_attention_incremental(x, params, h)

    layer = torch.nn.MultiheadAttention(d_model, h, batch_first=True)
    stacked = np.concatenate([params["W_q"].T, params["W_k"].T, params["W_v"].T])  # (3E, E)
    with torch.no_grad():
        layer.in_proj_weight.copy_(torch.from_numpy(stacked))
        layer.in_proj_bias.copy_(
            torch.from_numpy(np.concatenate([params["b_q"], params["b_k"], params["b_v"]]))
        )
        layer.out_proj.weight.copy_(torch.from_numpy(params["W_o"].T.copy()))
        layer.out_proj.bias.copy_(torch.from_numpy(params["b_o"]))
    xt = torch.from_numpy(x)
    blocked = torch.from_numpy(~causal_mask(n))  # nn.MultiheadAttention: True = blocked
    with torch.no_grad():
        theirs, _ = layer.eval()(xt, xt, xt, attn_mask=blocked)
    np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-5)
