"""Notebook 01's table of mask conventions, checked against the installed PyTorch.

If a torch release changes what a mask means or what a fully blocked row gives, this test
fails and the table in section 8 of notebooks/01_single_head_attention.ipynb needs updating.
"""

import numpy as np
import pytest

from utils.attention import causal_mask, scaled_dot_product_attention
from utils.examples import toy_example

torch = pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0")
pytestmark = pytest.mark.torch


def toy_qkv():
    ex = toy_example()
    return [ex["X"] @ ex[name] for name in ("W_q", "W_k", "W_v")]  # (4, 4) each


def torch_tensors(*arrays):
    return [torch.tensor(a, dtype=torch.float64)[None] for a in arrays]  # (1, n, d)


def test_sdpa_reads_true_as_may_attend_and_gives_zeros_for_a_fully_blocked_row():
    q, k, v = toy_qkv()
    mask = causal_mask(4)
    mask[0] = False  # query 0: every key blocked
    ours, _ = scaled_dot_product_attention(q, k, v, mask=mask)  # (4, 4), row 0 zeros
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *torch_tensors(q, k, v), attn_mask=torch.tensor(mask)
    )[0].numpy()
    np.testing.assert_allclose(theirs, ours, atol=1e-12)
    np.testing.assert_array_equal(theirs[0], 0)


def test_sdpa_adds_a_float_mask_to_the_scores():
    q, k, v = toy_qkv()
    tf_mask = 1.0 - causal_mask(4)  # float 0/1, 1 = blocked (the TF tutorial's mask)
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *torch_tensors(q, k, v), attn_mask=torch.tensor(tf_mask)
    )[0].numpy()
    scores = q @ k.T * 0.5 + tf_mask  # (4, 4): a +1 bonus on each future key
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(theirs, weights @ v, atol=1e-12)


def test_multihead_attention_reads_true_as_blocked_and_gives_nan_for_a_fully_blocked_row():
    q, k, v = toy_qkv()
    layer = torch.nn.MultiheadAttention(4, 1, bias=False, batch_first=True).double()
    with torch.no_grad():  # identity projections: the layer attends with q, k, v themselves
        layer.in_proj_weight.copy_(torch.eye(4).repeat(3, 1))
        layer.out_proj.weight.copy_(torch.eye(4))
    tf_mask = torch.tensor(1 - causal_mask(4).astype(int)).bool()  # True = blocked
    out, _ = layer(*torch_tensors(q, k, v), attn_mask=tf_mask)
    ours, _ = scaled_dot_product_attention(q, k, v, mask=causal_mask(4))
    np.testing.assert_allclose(out[0].detach().numpy(), ours, atol=1e-12)
    blocked = tf_mask.clone()
    blocked[0] = True  # query 0: every key blocked
    out, _ = layer(*torch_tensors(q, k, v), attn_mask=blocked)
    assert torch.isnan(out[0, 0]).all()
