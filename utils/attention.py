"""Attention maths in numpy, row-vector convention as in the paper (``Q = X @ W_q``).

Taught in notebooks/01_single_head_attention.ipynb (softmax, scaled dot-product
attention, masks) and notebooks/02_multi_head_attention.ipynb (heads, W^O).

Mask convention everywhere in this module: a boolean array, **True = may attend**.
"""

from __future__ import annotations

import numpy as np

from utils._checks import as_float_array, require_ndim, require_positive_int
from utils._kernels import (
    attend_heads_into,
    get_num_threads,
    linear_into,
    result_array,
    scratch,
    softmax_last_axis_inplace,
)

__all__ = [
    "softmax",
    "scaled_dot_product_attention",
    "causal_mask",
    "padding_mask",
    "split_heads",
    "combine_heads",
    "init_mha_params",
    "multi_head_attention",
]


def softmax(x, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax of ``x`` along ``axis``; same shape and float dtype as ``x``.

    The row maximum is subtracted first, so logits of 1e4 do not overflow. ``-inf``
    entries get weight exactly 0, and a row that is entirely ``-inf`` (every key
    blocked) gives all zeros rather than NaN. ``+inf`` and NaN raise ValueError.
    """
    x = as_float_array(x, "softmax input")
    if np.isposinf(x).any():
        raise ValueError("softmax input contains +inf; use finite logits or -inf to block")
    out = np.ascontiguousarray(np.moveaxis(x, axis, -1)).copy()  # (..., n), softmax axis last
    if out.size:
        softmax_last_axis_inplace(out)  # max-shift, exp, normalise (utils/_kernels.py)
    return np.moveaxis(out, -1, axis)


def _check_mask(mask, scores_shape: tuple[int, ...]) -> np.ndarray:
    """Return ``mask`` as a bool array after checking it broadcasts to ``scores_shape``."""
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(
            f"mask must be boolean with True = may attend, got dtype {mask.dtype}; "
            "if yours uses 1 = blocked (the classic TF tutorial), pass `mask == 0`"
        )
    try:
        broadcast = np.broadcast_shapes(mask.shape, scores_shape)
    except ValueError:
        broadcast = None
    if broadcast != tuple(scores_shape):
        raise ValueError(
            f"mask of shape {mask.shape} does not broadcast to the scores' shape "
            f"(..., n_q, n_k) = {tuple(scores_shape)}"
        )
    return mask


def _check_qkv(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> None:
    """Raise ValueError naming the shapes when q, k, v do not fit together."""
    require_ndim(q, 2, "q", "(..., n_q, d_k)")
    require_ndim(k, 2, "k", "(..., n_k, d_k)")
    require_ndim(v, 2, "v", "(..., n_k, d_v)")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must share their last axis d_k: q has shape {q.shape}, k has shape {k.shape}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v must have the same number of tokens n_k (axis -2): "
            f"k has shape {k.shape}, v has shape {v.shape}"
        )
    try:
        np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(
            f"leading (batch/head) axes of q {q.shape}, k {k.shape}, v {v.shape} do not broadcast"
        ) from None


def scaled_dot_product_attention(q, k, v, mask=None, scale=None):
    """softmax(q k^T * scale, over keys) v, with an optional boolean mask (True = may attend).

    Shapes: q ``(..., n_q, d_k)``, k ``(..., n_k, d_k)``, v ``(..., n_k, d_v)``;
    mask broadcastable to ``(..., n_q, n_k)``. Returns ``(out, weights)`` with out
    ``(..., n_q, d_v)`` and weights ``(..., n_q, n_k)`` (each row sums to 1, or is all
    zeros when every key of that query is blocked; then its output row is zero too).
    ``scale`` defaults to ``1 / sqrt(d_k)``. Notebook 01 derives every step.
    """
    q = as_float_array(q, "q")
    k = as_float_array(k, "k")
    v = as_float_array(v, "v")
    _check_qkv(q, k, v)
    if scale is None:
        scale = 1.0 / np.sqrt(q.shape[-1])
    scores = (q @ np.swapaxes(k, -1, -2)) * q.dtype.type(scale)  # (..., n_q, n_k)
    if mask is not None:
        mask = _check_mask(mask, scores.shape)
        scores = np.where(mask, scores, scores.dtype.type(-np.inf))  # blocked -> -inf
    weights = softmax(scores, axis=-1)  # (..., n_q, n_k), over keys
    out = weights @ v  # (..., n_q, d_v)
    return out, weights


def causal_mask(n: int) -> np.ndarray:
    """``(n, n)`` bool mask, True on and below the diagonal: query i may attend to keys 0..i."""
    n = require_positive_int(n, "n")
    return np.tril(np.ones((n, n), dtype=bool))


def padding_mask(lengths, n: int) -> np.ndarray:
    """``(batch, 1, n)`` bool mask, True where key position < that sequence's length.

    ``lengths`` is a 1-D sequence of true lengths (0..n). The middle axis of size 1
    broadcasts over queries: padding blanks key *columns* only; padded query rows still
    produce output that later code must ignore (notebook 01, "Masks").
    """
    n = require_positive_int(n, "n")
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(
            f"lengths must be a 1-D sequence of integers, got shape {lengths.shape} "
            f"and dtype {lengths.dtype}"
        )
    if ((lengths < 0) | (lengths > n)).any():
        raise ValueError(f"every length must lie in [0, n={n}], got {lengths.tolist()}")
    positions = np.arange(n)  # (n,)
    return (positions[None, :] < lengths[:, None])[:, None, :]  # (batch, 1, n)


def split_heads(x, num_heads: int) -> np.ndarray:
    """``(..., n, d) -> (..., num_heads, n, d // num_heads)``: reshape, then move heads forward.

    Head i gets feature columns ``i*d_h:(i+1)*d_h`` of *every* token. The transpose is
    essential: a bare reshape to ``(..., num_heads, n, d_h)`` mixes tokens across heads.
    """
    x = np.asarray(x)
    num_heads = require_positive_int(num_heads, "num_heads")
    require_ndim(x, 2, "x", "(..., n, d)")
    *lead, n, d = x.shape
    if d % num_heads:
        raise ValueError(
            f"the feature width d={d} of x (shape {x.shape}) is not divisible by "
            f"num_heads={num_heads}"
        )
    x = x.reshape(*lead, n, num_heads, d // num_heads)  # (..., n, h, d_h)
    return np.swapaxes(x, -3, -2)  # (..., h, n, d_h)


def combine_heads(x) -> np.ndarray:
    """``(..., h, n, d_h) -> (..., n, h * d_h)``: concatenate head outputs, head 0's columns first.

    The exact inverse of :func:`split_heads`.
    """
    x = np.asarray(x)
    require_ndim(x, 3, "x", "(..., h, n, d_h)")
    *lead, h, n, d_h = x.shape
    x = np.swapaxes(x, -3, -2)  # (..., n, h, d_h)
    return x.reshape(*lead, n, h * d_h)  # (..., n, h*d_h)


def init_mha_params(d_model, num_heads, d_k=None, d_v=None, bias=True, seed=0) -> dict:
    """Random multi-head attention weights (float64), seeded, in the row-vector convention.

    Returns ``W_q (d_model, h*d_k)``, ``W_k (d_model, h*d_k)``, ``W_v (d_model, h*d_v)``,
    ``W_o (h*d_v, d_model)`` and biases ``b_q (h*d_k,)``, ``b_k``, ``b_v``, ``b_o (d_model,)``
    (small random values; None when ``bias=False``). ``d_k`` and ``d_v`` default to
    ``d_model // num_heads`` (the paper); pass e.g. ``d_v=d_model`` to keep every head full
    width, as in notebook 02's (2, 3h) example. Weights are scaled by 1/sqrt(fan_in).
    """
    d_model = require_positive_int(d_model, "d_model")
    h = require_positive_int(num_heads, "num_heads")
    if (d_k is None or d_v is None) and d_model % h:
        raise ValueError(
            f"d_model={d_model} is not divisible by num_heads={h}; choose a divisor of "
            f"d_model or pass d_k and d_v explicitly"
        )
    d_k = d_model // h if d_k is None else require_positive_int(d_k, "d_k")
    d_v = d_model // h if d_v is None else require_positive_int(d_v, "d_v")
    rng = np.random.default_rng(seed)
    shapes = {"W_q": (d_model, h * d_k), "W_k": (d_model, h * d_k), "W_v": (d_model, h * d_v)}
    shapes["W_o"] = (h * d_v, d_model)
    params = {name: rng.normal(0, 1 / np.sqrt(s[0]), size=s) for name, s in shapes.items()}
    for b, width in (("b_q", h * d_k), ("b_k", h * d_k), ("b_v", h * d_v), ("b_o", d_model)):
        params[b] = rng.normal(0, 0.02, size=width) if bias else None
    return params


def _weight(params: dict, name: str, rows: int, dtype) -> np.ndarray:
    """``params[name]`` as a 2-D array of ``dtype`` with ``rows`` rows, or a ValueError."""
    W = np.asarray(params[name])
    if W.ndim != 2 or W.shape[0] != rows:
        raise ValueError(
            f"{name} must have shape ({rows}, m) to multiply inputs of width {rows}, "
            f"got shape {W.shape}"
        )
    return W.astype(dtype, copy=False)


def _bias(params: dict, name: str, width: int, dtype):
    """``params[name]`` as a ``(width,)`` array of ``dtype``, None if absent, or a ValueError."""
    b = params.get(name)
    if b is None:
        return None
    b = np.asarray(b)
    if b.shape != (width,):
        raise ValueError(f"{name} must have shape ({width},), got shape {b.shape}")
    return b.astype(dtype, copy=False)


def _projection(params: dict, names: tuple[str, ...], d_model: int, dtype, scale=None):
    """Weights of several projections side by side ``(d_model, sum of widths)`` and their
    bias (or None): one matrix product then computes them all (a fused projection).
    ``scale`` multiplies the first projection (W_q, b_q) when given."""
    Ws = [_weight(params, "W_" + n, d_model, dtype) for n in names]
    bs = [_bias(params, "b_" + n, W.shape[1], dtype) for n, W in zip(names, Ws, strict=True)]
    if scale is not None:
        Ws[0] = Ws[0] * dtype.type(scale)
        bs[0] = None if bs[0] is None else bs[0] * dtype.type(scale)
    W = Ws[0] if len(Ws) == 1 else np.concatenate(Ws, axis=1)
    if all(b is None for b in bs):
        return W, None
    bs = [np.zeros(W_.shape[1], dtype) if b is None else b for b, W_ in zip(bs, Ws, strict=True)]
    return W, np.concatenate(bs)


def multi_head_attention(x_q, x_kv, params: dict, num_heads: int, mask=None):
    """Multi-head attention: project, split into heads, attend per head, concatenate, W^O.

    x_q ``(..., n_q, d_model)``, x_kv ``(..., n_k, d_model)``; ``params`` as from
    :func:`init_mha_params`; mask boolean (True = may attend) broadcastable to
    ``(..., n_q, n_k)``, the same for every head. Returns ``(out, weights)``: out
    ``(..., n_q, d_model)``, weights ``(..., num_heads, n_q, n_k)`` per head (not averaged).
    Each head is scaled by ``1/sqrt(d_k)`` with its own d_k, never sqrt(d_model).
    Self-attention is ``multi_head_attention(x, x, params, h)``. Taught in notebook 02.

    Speed (``make bench`` compares it with torch): the maths is exactly notebook 02's four
    steps, computed without waste, because a plain version was 2-3x slower than
    ``torch.nn.MultiheadAttention``. Everything stays in the dtype of ``x_q`` (float32 in,
    float32 out: weights are cast down, activations never up-cast). Self-attention
    projects Q, K and V with one fused matrix product, and 1/sqrt(d_k) is folded into W_q
    and b_q. Heads are never copied apart or back together: each (batch, head) pair reads
    its columns of Q, K, V as strided views and writes its output columns straight into
    the concatenation, with its score matrix masked, softmaxed in place and multiplied by
    V while it is still in cache. Work is split across threads (both cores) with BLAS
    single-threaded meanwhile (``utils/_kernels.py``; ``_kernels.set_num_threads(1)``
    turns the threads off). The returned arrays reuse the previous call's memory when the
    caller no longer refers to it (``_kernels.result_array``): the first write to freshly
    allocated memory cost as much as the softmax.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below instead
        out, weights = _multi_head_attention(x_q, x_kv, params, num_heads, mask)
    if not np.isfinite(out).all():
        raise ValueError(
            "multi-head attention overflowed (inf or NaN): inputs or weights too large"
        )
    return out, weights


def _multi_head_attention(x_q, x_kv, params: dict, num_heads: int, mask):
    """The body of :func:`multi_head_attention` (inputs not yet validated)."""
    x_q = as_float_array(x_q, "x_q")
    self_attention = x_kv is x_q
    x_kv = x_q if self_attention else as_float_array(x_kv, "x_kv").astype(x_q.dtype, copy=False)
    require_ndim(x_q, 2, "x_q", "(..., n_q, d_model)")
    require_ndim(x_kv, 2, "x_kv", "(..., n_k, d_model)")
    (n_q, d_model), n_k, dtype = x_q.shape[-2:], x_kv.shape[-2], x_q.dtype
    if x_kv.shape[-1] != d_model:
        raise ValueError(f"x_q {x_q.shape} and x_kv {x_kv.shape} must share d_model (last axis)")
    try:
        lead = np.broadcast_shapes(x_q.shape[:-2], x_kv.shape[:-2])
    except ValueError:
        raise ValueError(f"batch axes of x_q {x_q.shape} and x_kv {x_kv.shape} differ") from None
    h = require_positive_int(num_heads, "num_heads")
    width_qk = _weight(params, "W_q", d_model, dtype).shape[1]
    width_v = _weight(params, "W_v", d_model, dtype).shape[1]
    for name, width in (("W_q", width_qk), ("W_v", width_v)):
        if width % h:
            raise ValueError(f"{name}'s width {width} is not divisible by num_heads={h}")
    if mask is not None:
        mask = _check_mask(mask, (*lead, n_q, n_k))
    batch = int(np.prod(lead))  # every leading axis flattened into one: B
    threads = get_num_threads() if batch * h * n_q * n_k >= 1 << 18 else 1
    scale = 1.0 / np.sqrt(width_qk // h)  # per-head d_k

    def rows(x, n):  # (..., n, d_model) -> (B*n, d_model)
        return np.broadcast_to(x, (*lead, n, d_model)).reshape(batch * n, d_model)

    # 1) project, Q pre-scaled: (B*n, d_model) @ (d_model, h*d_k | h*d_k | h*d_v)
    names = ("q", "k", "v") if self_attention else ("q",)
    W, b = _projection(params, names, d_model, dtype, scale=scale)
    projected = linear_into(
        rows(x_q, n_q), W, b, scratch("q", (batch * n_q, W.shape[1]), dtype), threads
    )
    q = projected[:, :width_qk].reshape(batch, n_q, width_qk)  # (B, n_q, h*d_k)
    if self_attention:
        kv = projected[:, width_qk:].reshape(batch, n_k, width_qk + width_v)
    else:
        W, b = _projection(params, ("k", "v"), d_model, dtype)
        kv = linear_into(
            rows(x_kv, n_k), W, b, scratch("kv", (batch * n_k, W.shape[1]), dtype), threads
        )
        kv = kv.reshape(batch, n_k, width_qk + width_v)  # (B, n_k, h*d_k + h*d_v)
    # 2) + 3) split into heads and attend: each head reads its own columns
    if mask is not None:
        mask = np.broadcast_to(mask, (*lead, n_q, n_k)).reshape(batch, n_q, n_k)
    weights = result_array("weights", (batch, h, n_q, n_k), dtype)  # per head
    concat = scratch("concat", (batch, n_q, width_v), dtype)  # (B, n_q, h*d_v), head 0 first
    attend_heads_into(q, kv[..., :width_qk], kv[..., width_qk:], mask, weights, concat, threads)
    # 4) mix the heads with W^O: (B*n_q, h*d_v) @ (h*d_v, d_model)
    W_o = _weight(params, "W_o", width_v, dtype)
    b_o = _bias(params, "b_o", W_o.shape[1], dtype)
    out = linear_into(
        concat.reshape(batch * n_q, width_v),
        W_o,
        b_o,
        result_array("out", (batch * n_q, W_o.shape[1]), dtype),
        threads,
    )
    return out.reshape(*lead, n_q, W_o.shape[1]), weights.reshape(*lead, h, n_q, n_k)
