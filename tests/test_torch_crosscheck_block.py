"""Independent reference for utils.block: PyTorch's TransformerEncoderLayer and
TransformerDecoderLayer (float32, dropout 0, ReLU, batch_first), both norm_first values,
with and without masks.

Weight mapping: torch applies a linear layer as ``x @ W.T + b``, so ``linear1.weight`` is
our ``W_1.T`` and ``linear2.weight`` our ``W_2.T``; an attention module's
``in_proj_weight`` stacks ``[W_q; W_k; W_v]`` transposed and ``out_proj.weight`` is
``W_o.T`` (notebook 02's table of layouts); ``norm1..3`` hold gamma (``weight``) and beta
(``bias``). torch's boolean masks mean True = *blocked*, ours True = may attend: we pass
``~mask``.
"""

import numpy as np
import pytest

from utils.attention import causal_mask, padding_mask
from utils.block import (
    decoder_layer,
    encoder_layer,
    feed_forward,
    init_decoder_layer_params,
    init_encoder_layer_params,
    layer_norm,
)

torch = pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0")
pytestmark = pytest.mark.torch

D_MODEL, HEADS, D_FF = 16, 4, 32


def as_float32(tree):
    """Every array of a (nested) params dict as float32."""
    if isinstance(tree, dict):
        return {k: as_float32(v) for k, v in tree.items()}
    return tree.astype(np.float32)


def with_random_norms(params, seed):
    """Gamma and beta away from 1 and 0, so that a mixed-up norm shows."""
    rng = np.random.default_rng(seed)
    for name in params:
        if name.startswith("norm"):
            params[name] = {
                "gamma": rng.uniform(0.5, 1.5, D_MODEL),
                "beta": rng.normal(0, 0.3, D_MODEL),
            }
    return as_float32(params)


def copy_(target, array):
    target.copy_(torch.from_numpy(np.ascontiguousarray(array)))


def load_attention(module, p):
    """Our attention dict into an ``nn.MultiheadAttention``."""
    copy_(module.in_proj_weight, np.concatenate([p["W_q"].T, p["W_k"].T, p["W_v"].T]))
    copy_(module.in_proj_bias, np.concatenate([p["b_q"], p["b_k"], p["b_v"]]))
    copy_(module.out_proj.weight, p["W_o"].T)
    copy_(module.out_proj.bias, p["b_o"])


def load_layer(layer, p, attention_names):
    """Our layer dict into a torch Transformer layer; ``attention_names`` maps ours to torch's."""
    with torch.no_grad():
        for ours, theirs in attention_names.items():
            load_attention(getattr(layer, theirs), p[ours])
        copy_(layer.linear1.weight, p["ffn"]["W_1"].T)
        copy_(layer.linear1.bias, p["ffn"]["b_1"])
        copy_(layer.linear2.weight, p["ffn"]["W_2"].T)
        copy_(layer.linear2.bias, p["ffn"]["b_2"])
        for name in p:
            if name.startswith("norm"):
                copy_(getattr(layer, name).weight, p[name]["gamma"])
                copy_(getattr(layer, name).bias, p[name]["beta"])
    return layer.eval()


def torch_kwargs():
    return {"dropout": 0.0, "activation": "relu", "batch_first": True}


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("mask_kind", [None, "causal", "padding"])
def test_encoder_layer_matches_torch(norm_first, mask_kind):
    p = with_random_norms(init_encoder_layer_params(D_MODEL, HEADS, D_FF, seed=11), seed=12)
    x = np.random.default_rng(13).normal(size=(3, 6, D_MODEL)).astype(np.float32)
    lengths = [6, 4, 1]
    mask = {None: None, "causal": causal_mask(6), "padding": padding_mask(lengths, 6)}[mask_kind]
    ours, _ = encoder_layer(x, p, HEADS, mask=mask, norm_first=norm_first)

    layer = torch.nn.TransformerEncoderLayer(
        D_MODEL, HEADS, D_FF, norm_first=norm_first, **torch_kwargs()
    )
    load_layer(layer, p, {"self_attn": "self_attn"})
    kwargs = {}
    if mask_kind == "causal":
        kwargs["src_mask"] = torch.from_numpy(~mask)  # torch: True = blocked
    elif mask_kind == "padding":
        kwargs["src_key_padding_mask"] = torch.from_numpy(~mask[:, 0, :])  # (B, n)
    with torch.no_grad():
        ref = layer(torch.from_numpy(x), **kwargs).numpy()
    assert ours.dtype == np.float32 and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=1e-5)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("masks", [False, True])
def test_decoder_layer_matches_torch(norm_first, masks):
    p = with_random_norms(init_decoder_layer_params(D_MODEL, HEADS, D_FF, seed=21), seed=22)
    rng = np.random.default_rng(23)
    y = rng.normal(size=(2, 4, D_MODEL)).astype(np.float32)  # (B, n_tgt, d)
    memory = rng.normal(size=(2, 7, D_MODEL)).astype(np.float32)  # (B, n_src, d)
    self_mask = causal_mask(4) if masks else None
    memory_mask = padding_mask([7, 3], 7) if masks else None  # (B, 1, n_src)
    ours, _, _ = decoder_layer(y, memory, p, HEADS, self_mask, memory_mask, norm_first)

    layer = torch.nn.TransformerDecoderLayer(
        D_MODEL, HEADS, D_FF, norm_first=norm_first, **torch_kwargs()
    )
    load_layer(layer, p, {"self_attn": "self_attn", "cross_attn": "multihead_attn"})
    kwargs = {}
    if masks:
        kwargs["tgt_mask"] = torch.from_numpy(~self_mask)  # torch: True = blocked
        kwargs["memory_key_padding_mask"] = torch.from_numpy(~memory_mask[:, 0, :])
    with torch.no_grad():
        ref = layer(torch.from_numpy(y), torch.from_numpy(memory), **kwargs).numpy()
    assert ours.dtype == np.float32 and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_decoder_memory_mask_as_an_attention_mask_matches_torch():
    """The same source padding given as torch's ``memory_mask`` (n_tgt, n_src) instead."""
    p = as_float32(init_decoder_layer_params(D_MODEL, HEADS, D_FF, seed=31))
    rng = np.random.default_rng(32)
    y = rng.normal(size=(4, D_MODEL)).astype(np.float32)
    memory = rng.normal(size=(6, D_MODEL)).astype(np.float32)
    ours = decoder_layer(y, memory, p, HEADS, causal_mask(4), padding_mask([4], 6)[0])[0]
    layer = torch.nn.TransformerDecoderLayer(D_MODEL, HEADS, D_FF, **torch_kwargs())
    load_layer(layer, p, {"self_attn": "self_attn", "cross_attn": "multihead_attn"})
    blocked = np.broadcast_to(~padding_mask([4], 6)[0], (4, 6)).copy()  # (n_tgt, n_src)
    with torch.no_grad():
        ref = layer(
            torch.from_numpy(y[None]),
            torch.from_numpy(memory[None]),
            tgt_mask=torch.from_numpy(~causal_mask(4)),
            memory_mask=torch.from_numpy(blocked),
        )[0].numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_layer_norm_and_feed_forward_match_torch():
    rng = np.random.default_rng(41)
    x = rng.normal(size=(2, 5, D_MODEL)).astype(np.float32) * 3
    gamma = rng.uniform(0.5, 1.5, D_MODEL).astype(np.float32)
    beta = rng.normal(size=D_MODEL).astype(np.float32)
    ref = torch.nn.functional.layer_norm(
        torch.from_numpy(x), (D_MODEL,), torch.from_numpy(gamma), torch.from_numpy(beta), 1e-5
    )
    np.testing.assert_allclose(layer_norm(x, gamma, beta), ref.numpy(), atol=1e-5)

    p = as_float32(init_encoder_layer_params(D_MODEL, HEADS, D_FF, seed=42)["ffn"])
    net = torch.nn.Sequential(
        torch.nn.Linear(D_MODEL, D_FF), torch.nn.ReLU(), torch.nn.Linear(D_FF, D_MODEL)
    )
    with torch.no_grad():
        copy_(net[0].weight, p["W_1"].T)
        copy_(net[0].bias, p["b_1"])
        copy_(net[2].weight, p["W_2"].T)
        copy_(net[2].bias, p["b_2"])
        ref = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(feed_forward(x, p), ref, atol=1e-5)
