"""Attention maths in numpy, row-vector convention as in the paper (``Q = X @ W_q``).

Taught in notebooks/01_single_head_attention.ipynb (softmax, scaled dot-product
attention, masks) and notebooks/02_multi_head_attention.ipynb (heads, W^O). Every
function here is the notebook's own steps, in the notebook's order, in plain numpy.

Mask convention everywhere in this module: a boolean array, **True = may attend**.

Dtypes: float16, float32 and float64 inputs are computed in their own dtype; integers
become float64. Mixed inputs follow numpy's promotion rule (``np.result_type``): float32
activations with float64 weights compute in float64. A result that does not fit the
dtype (an overflow to inf) raises ValueError instead of returning inf or NaN.
"""

from __future__ import annotations

import numpy as np

from utils._checks import (
    as_float_array,
    require_ndim,
    require_positive_int,
    require_real_scalar,
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

    Notebook 01's three steps: subtract the maximum (so logits of 1e4 do not overflow),
    exponentiate, divide by the sum. ``-inf`` entries get weight exactly 0, and a row that
    is entirely ``-inf`` (every key blocked) gives all zeros rather than NaN. ``+inf`` and
    NaN raise ValueError.
    """
    x = as_float_array(x, "softmax input")
    axis = _check_axis(axis, x.ndim)
    x_max = x.max(axis=axis, keepdims=True)  # the largest logit of each row
    if np.isposinf(x_max).any():
        raise ValueError("softmax input contains +inf; use finite logits, or -inf to block")
    x_max = np.where(np.isneginf(x_max), 0, x_max)  # an all -inf row: shift by 0 instead
    e = np.exp(x - x_max)  # every entry in [0, 1]: exp cannot overflow
    total = e.sum(axis=axis, keepdims=True)  # >= 1, or 0 for an all -inf row
    if not np.isfinite(total).all():
        raise ValueError(
            f"a softmax row sum overflowed {x.dtype} ({x.shape[axis]} entries); use float32"
        )
    total = np.where(total > 0, total, 1)  # an all -inf row: 0 / 1 = 0, never 0 / 0
    return e / total


def _check_axis(axis, ndim: int) -> int:
    """``axis`` as a non-negative axis index of an ``ndim``-axis array, or a clear error."""
    if ndim == 0:
        raise ValueError("softmax needs an array with at least one axis, got a scalar (0-d)")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"axis {axis} does not exist: the input has {ndim} axes (valid: {-ndim} .. {ndim - 1})"
        )
    return int(axis) % ndim


def _require_finite(x: np.ndarray, what: str) -> None:
    """Raise ValueError when ``x`` overflowed to inf or NaN in its dtype."""
    if not np.isfinite(x).all():
        largest = np.finfo(x.dtype).max
        raise ValueError(
            f"{what} overflowed {x.dtype} (its largest value is {largest:.4g}): inputs or "
            f"weights are too large for this dtype; scale them down or use float64"
        )


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


def _check_qkv(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> tuple[int, ...]:
    """The broadcast shape of the scores ``(..., n_q, n_k)``, or a ValueError naming shapes."""
    require_ndim(q, 2, "q", "(..., n_q, d_k)")
    require_ndim(k, 2, "k", "(..., n_k, d_k)")
    require_ndim(v, 2, "v", "(..., n_k, d_v)")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must share their last axis d_k: q has shape {q.shape}, k has shape {k.shape}"
        )
    if q.shape[-1] == 0:
        raise ValueError(f"d_k (the last axis of q and k) must be at least 1, got {q.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v must have the same number of tokens n_k (axis -2): "
            f"k has shape {k.shape}, v has shape {v.shape}"
        )
    try:
        lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(
            f"leading (batch/head) axes of q {q.shape}, k {k.shape}, v {v.shape} do not broadcast"
        ) from None
    return (*lead, q.shape[-2], k.shape[-2])


def scaled_dot_product_attention(q, k, v, mask=None, scale=None):
    """softmax(q k^T * scale, over keys) v, with an optional boolean mask (True = may attend).

    Shapes: q ``(..., n_q, d_k)``, k ``(..., n_k, d_k)``, v ``(..., n_k, d_v)``;
    mask broadcastable to ``(..., n_q, n_k)``. Returns ``(out, weights)`` with out
    ``(..., n_q, d_v)`` and weights ``(..., n_q, n_k)`` (each row sums to 1, or is all
    zeros when every key of that query is blocked; then its output row is zero too).
    ``scale`` defaults to ``1 / sqrt(d_k)``. Notebook 01 derives every step.
    """
    q, k, v = (
        as_float_array(a, name, allow_inf=False) for a, name in ((q, "q"), (k, "k"), (v, "v"))
    )
    scores_shape = _check_qkv(q, k, v)
    if mask is not None:
        mask = _check_mask(mask, scores_shape)
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    scale = require_real_scalar(scale, "scale")  # a Python float: float32 stays float32
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
        # (q · k) * scale, with the scale applied to q: the same numbers, and q has d_k
        # columns where the scores have n_k
        scores = (q * scale) @ np.swapaxes(k, -1, -2)  # (..., n_q, n_k)
    _require_finite(scores, "the scores q @ k^T")
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)  # blocked -> -inf -> weight 0
    weights = softmax(scores, axis=-1)  # (..., n_q, n_k), over keys
    with np.errstate(over="ignore", invalid="ignore"):
        out = weights @ v  # (..., n_q, d_v)
    _require_finite(out, "the output weights @ v")
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


def _check_params(params, d_model: int, num_heads: int) -> dict:
    """The weights and biases of ``params`` as float arrays with checked shapes.

    Expects ``W_q``, ``W_k`` ``(d_model, h*d_k)``, ``W_v`` ``(d_model, h*d_v)``, ``W_o``
    ``(h*d_v, d_model_out)`` and optional biases ``b_*`` of the matching widths (None or
    absent = no bias). Raises ValueError or TypeError saying what was expected.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict as from init_mha_params, got {type(params)}")
    missing = [name for name in ("W_q", "W_k", "W_v", "W_o") if name not in params]
    if missing:
        raise ValueError(
            f"params is missing {missing}: it needs W_q, W_k, W_v and W_o "
            f"(and optional biases b_q, b_k, b_v, b_o), as from init_mha_params"
        )
    p = {
        name: as_float_array(params[name], name, allow_inf=False)
        for name in ("W_q", "W_k", "W_v", "W_o")
    }
    for name in ("W_q", "W_k", "W_v"):
        if p[name].ndim != 2 or p[name].shape[0] != d_model:
            raise ValueError(
                f"{name} must have shape (d_model, width) = ({d_model}, width) to multiply "
                f"inputs of width d_model={d_model}, got shape {p[name].shape}"
            )
    if p["W_k"].shape != p["W_q"].shape:
        raise ValueError(
            f"W_q and W_k must have the same shape (queries and keys share d_k), got "
            f"W_q {p['W_q'].shape} and W_k {p['W_k'].shape}"
        )
    for name in ("W_q", "W_v"):
        width = p[name].shape[1]
        if width < num_heads or width % num_heads:
            raise ValueError(
                f"{name}'s width {width} must be a positive multiple of num_heads={num_heads} "
                f"(each head gets width // num_heads columns)"
            )
    width_v = p["W_v"].shape[1]
    if p["W_o"].ndim != 2 or p["W_o"].shape[0] != width_v:
        raise ValueError(
            f"W_o must have shape (h*d_v, d_out) = ({width_v}, d_out) to multiply the "
            f"concatenated heads, got shape {p['W_o'].shape}"
        )
    return _with_biases(params, p)


def _with_biases(params: dict, p: dict) -> dict:
    """``p`` (the checked weights) plus each optional bias ``b_*`` of ``params`` as a float
    array of its weight's width, or None when absent."""
    for name, W in (("b_q", "W_q"), ("b_k", "W_k"), ("b_v", "W_v"), ("b_o", "W_o")):
        b = params.get(name)
        p[name] = None if b is None else as_float_array(b, name, allow_inf=False)
        if p[name] is not None and p[name].shape != (p[W].shape[1],):
            raise ValueError(f"{name} must have shape ({p[W].shape[1]},), got {p[name].shape}")
    return p


def _linear(x: np.ndarray, W: np.ndarray, b) -> np.ndarray:
    """``x @ W + b`` (``b`` None: no bias): ``(..., n, d_in) -> (..., n, d_out)``."""
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
        y = x @ W if b is None else x @ W + b
    _require_finite(y, "a projection x @ W + b")
    return y


def _check_inputs(x_q, x_kv):
    """``x_q (..., n_q, d)`` and ``x_kv (..., n_k, d)`` as float arrays, and the broadcast
    shape of their batch axes; ValueError naming both shapes when they do not fit."""
    x_q = as_float_array(x_q, "x_q", allow_inf=False)  # (..., n_q, d_model)
    x_kv = as_float_array(x_kv, "x_kv", allow_inf=False)  # (..., n_k, d_model)
    require_ndim(x_q, 2, "x_q", "(..., n_q, d_model)")
    require_ndim(x_kv, 2, "x_kv", "(..., n_k, d_model)")
    if x_kv.shape[-1] != x_q.shape[-1]:
        raise ValueError(f"x_q {x_q.shape} and x_kv {x_kv.shape} must share d_model (last axis)")
    try:
        lead = np.broadcast_shapes(x_q.shape[:-2], x_kv.shape[:-2])
    except ValueError:
        raise ValueError(f"batch axes of x_q {x_q.shape} and x_kv {x_kv.shape} differ") from None
    return x_q, x_kv, lead


def multi_head_attention(x_q, x_kv, params: dict, num_heads: int, mask=None):
    """Multi-head attention: project, split into heads, attend per head, concatenate, W^O.

    x_q ``(..., n_q, d_model)``, x_kv ``(..., n_k, d_model)``; ``params`` as from
    :func:`init_mha_params`; mask boolean (True = may attend) broadcastable to
    ``(..., n_q, n_k)``, the same for every head. Returns ``(out, weights)``: out
    ``(..., n_q, d_out)`` (``d_out`` = W_o's width, d_model for the paper's W^O), weights
    ``(..., num_heads, n_q, n_k)`` per head (not averaged). Each head is scaled by
    ``1/sqrt(d_k)`` with its own d_k, never sqrt(d_model). Self-attention is
    ``multi_head_attention(x, x, params, h)``. Taught in notebook 02, step for step.

    ``params`` do not record how many heads they were made for: ``num_heads`` decides how
    their columns are split, so weights made for h = 4 used with ``num_heads=8`` (when the
    widths divide) compute a valid but different attention, with half-width heads.
    """
    x_q, x_kv, lead = _check_inputs(x_q, x_kv)  # (..., n_q, d_model), (..., n_k, d_model)
    h = require_positive_int(num_heads, "num_heads")
    p = _check_params(params, x_q.shape[-1], h)
    if mask is not None:
        mask = _check_mask(mask, (*lead, x_q.shape[-2], x_kv.shape[-2]))
        mask = np.expand_dims(mask, -3)  # (..., 1, n_q, n_k): the same mask for every head

    # 1) project: one matrix product per role
    q = _linear(x_q, p["W_q"], p["b_q"])  # (..., n_q, h*d_k)
    k = _linear(x_kv, p["W_k"], p["b_k"])  # (..., n_k, h*d_k)
    v = _linear(x_kv, p["W_v"], p["b_v"])  # (..., n_k, h*d_v)
    # 2) split into heads: head i takes columns i*d_k:(i+1)*d_k of every token
    q, k, v = split_heads(q, h), split_heads(k, h), split_heads(v, h)  # (..., h, n, d_k|d_v)
    # 3) attend, every head at once, each scaled by 1/sqrt(its own d_k)
    heads, weights = scaled_dot_product_attention(q, k, v, mask=mask)  # (..., h, n_q, d_v)
    # 4) concatenate the heads (head 0's columns first) and mix them with W^O
    out = _linear(combine_heads(heads), p["W_o"], p["b_o"])  # (..., n_q, d_out)
    return out, weights  # weights: (..., h, n_q, n_k)
