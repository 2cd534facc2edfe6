"""Independent reference: our numpy attention against PyTorch's implementations (float32).

Weight mapping (notebook 02, the table of library weight layouts): torch's in_proj_weight
is [W_q; W_k; W_v] stacked as (3E, E) and applied as x @ W.T, so it holds our matrices
transposed; out_proj.weight is W_o.T. torch's nn.MultiheadAttention mask uses
True = *blocked*: we pass ``~mask``.
"""

import numpy as np
import pytest

from utils.attention import (
    causal_mask,
    init_mha_params,
    multi_head_attention,
    padding_mask,
    scaled_dot_product_attention,
)

torch = pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0")
pytestmark = pytest.mark.torch


def torch_mha_from(params, d_model, h):
    """An nn.MultiheadAttention holding exactly ``params`` (row-vector convention)."""
    layer = torch.nn.MultiheadAttention(d_model, h, bias=True, batch_first=True)
    stacked = np.concatenate([params["W_q"].T, params["W_k"].T, params["W_v"].T])  # (3E, E)
    bias = np.concatenate([params["b_q"], params["b_k"], params["b_v"]])  # (3E,)
    with torch.no_grad():
        layer.in_proj_weight.copy_(torch.from_numpy(stacked.astype(np.float32)))
        layer.in_proj_bias.copy_(torch.from_numpy(bias.astype(np.float32)))
        layer.out_proj.weight.copy_(torch.from_numpy(params["W_o"].T.astype(np.float32)))
        layer.out_proj.bias.copy_(torch.from_numpy(params["b_o"].astype(np.float32)))
    return layer.eval()


@pytest.mark.parametrize("mask_kind", [None, "causal", "padding"])
def test_mha_matches_torch_multihead_attention(mask_kind):
    batch, n, d_model, h = 3, 6, 16, 4
    params = {k: v.astype(np.float32) for k, v in init_mha_params(d_model, h, seed=7).items()}
    x = np.random.default_rng(8).normal(size=(batch, n, d_model)).astype(np.float32)
    mask = {None: None, "causal": causal_mask(n), "padding": padding_mask([6, 4, 1], n)}[mask_kind]
    ours, our_w = multi_head_attention(x, x, params, h, mask=mask)

    layer = torch_mha_from(params, d_model, h)
    xt = torch.from_numpy(x)
    kwargs = {}
    if mask_kind == "causal":
        kwargs["attn_mask"] = torch.from_numpy(~mask)  # torch: True = blocked
    elif mask_kind == "padding":
        kwargs["key_padding_mask"] = torch.from_numpy(~mask[:, 0, :])
    with torch.no_grad():
        ref, ref_w = layer(xt, xt, xt, average_attn_weights=False, **kwargs)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref.numpy(), atol=1e-5)
    np.testing.assert_allclose(our_w, ref_w.numpy(), atol=1e-5)


@pytest.mark.parametrize("use_mask", [False, True])
def test_sdpa_matches_torch_functional(use_mask):
    rng = np.random.default_rng(9)
    q = rng.normal(size=(2, 3, 5, 8)).astype(np.float32)
    k = rng.normal(size=(2, 3, 7, 8)).astype(np.float32)
    v = rng.normal(size=(2, 3, 7, 4)).astype(np.float32)
    mask = rng.random((2, 1, 5, 7)) < 0.7 if use_mask else None
    if mask is not None:
        mask[..., 0] = True  # no fully blocked rows: torch returns NaN there, we return 0
    ours, _ = scaled_dot_product_attention(q, k, v, mask=mask)
    ref = torch.nn.functional.scaled_dot_product_attention(
        *(torch.from_numpy(a) for a in (q, k, v)),
        attn_mask=None if mask is None else torch.from_numpy(mask),  # True = may attend
    )
    np.testing.assert_allclose(ours, ref.numpy(), atol=1e-5)
