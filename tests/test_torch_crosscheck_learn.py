"""Independent reference for notebook 05: our hand-written gradients and Adam against
torch.autograd and torch.optim.Adam (float32).

torch's ``scaled_dot_product_attention(attn_mask=...)`` reads a boolean mask as
True = may attend, like ours. Masks here never block a whole row (torch and we agree on
the output there, but that case is checked against central differences in test_learn.py).
"""

import numpy as np
import pytest

from utils.attention import causal_mask, padding_mask, scaled_dot_product_attention
from utils.learn import (
    PARAM_NAMES,
    adam_init,
    adam_step,
    backward,
    cross_entropy,
    forward,
    init_params,
    scaled_dot_product_attention_backward,
    softmax_backward,
)
from utils.positional import sinusoidal_encoding

torch = pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0")
pytestmark = pytest.mark.torch

TOL = 1e-5


def test_softmax_backward_matches_autograd():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(3, 5, 6)).astype(np.float32)
    g = rng.normal(size=(3, 5, 6)).astype(np.float32)
    mask = causal_mask(6)[None, :5]  # (1, 5, 6): blocked entries
    st = torch.tensor(np.where(mask, s, -np.inf), requires_grad=True)
    p = torch.softmax(st, dim=-1)
    p.backward(torch.from_numpy(g))
    ours = softmax_backward(p.detach().numpy(), g)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, st.grad.numpy(), atol=TOL)
    assert np.all(ours[~np.broadcast_to(mask, ours.shape)] == 0)


@pytest.mark.parametrize("mask_kind", [None, "causal", "padding"])
def test_attention_backward_matches_autograd(mask_kind):
    rng = np.random.default_rng(1)
    q, k = (rng.normal(size=(2, 3, 6, 4)).astype(np.float32) for _ in range(2))
    v = rng.normal(size=(2, 3, 6, 5)).astype(np.float32)  # (batch, h, n, d_v)
    mask = {
        None: None,
        "causal": causal_mask(6),
        "padding": padding_mask([6, 3], 6)[:, None],  # (batch, 1, 1, n)
    }[mask_kind]
    out, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    g = rng.normal(size=out.shape).astype(np.float32)
    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    attn_mask = None if mask is None else torch.from_numpy(np.asarray(mask))
    ref = torch.nn.functional.scaled_dot_product_attention(qt, kt, vt, attn_mask=attn_mask)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_allclose(out, ref.detach().numpy(), atol=TOL)
    ours = scaled_dot_product_attention_backward(q, k, v, weights, g)
    for mine, tensor in zip(ours, (qt, kt, vt), strict=True):
        assert mine.dtype == np.float32
        np.testing.assert_allclose(mine, tensor.grad.numpy(), atol=TOL)


def _torch_model_loss(params, tokens, targets, mask):
    """The model of notebook 05 written with torch operations: the same five steps."""
    n, d_model = tokens.shape[1], params["E"].shape[1]
    pe = torch.from_numpy(sinusoidal_encoding(n, d_model))
    x = params["E"][torch.from_numpy(tokens)] + pe
    q, k, v = x @ params["W_q"], x @ params["W_k"], x @ params["W_v"]
    out = torch.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=None if mask is None else torch.from_numpy(mask)
    )
    logits = out @ params["W_out"] + params["b_out"]
    graded = torch.from_numpy(targets != -1)
    return torch.nn.functional.cross_entropy(logits[graded], torch.from_numpy(targets[graded]))


@pytest.mark.parametrize("masked", [False, True])
def test_model_gradient_matches_autograd(masked):
    rng = np.random.default_rng(2)
    params = init_params(9, 8, 4, n_out=6, seed=3)
    tokens = rng.integers(0, 9, size=(3, 7))
    targets = rng.integers(0, 6, size=(3, 7))
    targets[:, :2] = -1
    mask = causal_mask(7) if masked else None
    logits, cache = forward(params, tokens, mask=mask)
    loss, d_logits = cross_entropy(logits, targets)
    ours = backward(params, cache, d_logits)

    tparams = {name: torch.tensor(p, requires_grad=True) for name, p in params.items()}
    ref = _torch_model_loss(tparams, tokens, targets, mask)
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-10)
    for name in PARAM_NAMES:
        np.testing.assert_allclose(ours[name], tparams[name].grad.numpy(), atol=1e-10)


def test_adam_matches_torch_optim_adam():
    rng = np.random.default_rng(4)
    w0 = rng.normal(size=(4, 3))
    grads = [rng.normal(size=(4, 3)) * scale for scale in (1.0, 0.1, 10.0, 1e-3, 1.0)]
    ours = {"w": w0.copy()}
    state = adam_init(ours)
    tw = torch.tensor(w0, requires_grad=True)
    opt = torch.optim.Adam([tw], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    for g in grads:
        adam_step(ours, {"w": g}, state, lr=0.01)
        tw.grad = torch.from_numpy(g.copy())
        opt.step()
    np.testing.assert_allclose(ours["w"], tw.detach().numpy(), rtol=1e-12, atol=1e-14)
