"""Attention that learns: the backward pass by hand, a tiny model, Adam, and tasks whose
right attention pattern is known. Plain numpy; taught in notebooks/05_attention_learns.ipynb.

In the notebook's order:

1. ``softmax_backward`` and ``scaled_dot_product_attention_backward``: the gradient of
   ``utils.attention.scaled_dot_product_attention`` with respect to q, k and v.
2. The model: token embedding + positions + one single-head attention layer + a linear
   readout (``init_params``, ``forward``, ``cross_entropy``, ``backward``).
3. ``adam_step``: Adam as in Kingma & Ba (2015), Algorithm 1, with bias correction.
4. Tasks with a known right pattern (``SHIFT``: by position, ``LOOKUP``: by content,
   ``REPEAT``: next-token prediction for the mask bug; ``REVERSE`` and ``MAJORITY`` for the
   exercise on positions), ``make_split`` (held-out sequences never seen in training),
   ``train`` (records snapshots for the explorer), ``experiment``.

How positions enter: the ``positions`` argument
------------------------------------------------
``forward``, ``evaluate``, ``train`` and ``experiment`` take ``positions``: ``"sinusoidal"``
(notebook 03, added to the embeddings, the default), ``"none"``, ``"rope"``, ``"alibi"``, or
any :class:`Positions` object. A scheme has three hooks; the base class makes each a no-op:

- ``encode(n, d_model)``: an ``(n, d_model)`` array added to the token embeddings, or None
  (:class:`SinusoidalPositions`);
- ``rotate(x)`` / ``rotate_backward(dx)``: a linear map of q and k after the projections,
  ``(..., n, d_k) -> (..., n, d_k)``, and its transpose for the gradient
  (:class:`RopePositions`: ``utils.positional.rope``; the transpose turns back);
- ``bias(n_q, n_k)``: an ``(n_q, n_k)`` array added to the scaled scores, or None
  (:class:`AlibiPositions`: ``-slope * |i - j|``); a constant needs no gradient.

A new scheme is a subclass that overrides some of them; nothing else changes.

Sequence length at test time
----------------------------
No parameter depends on ``n``: the encoding, rotation, bias (and the mask you pass) are
built for the length of the tokens given. Train on length 8 and evaluate on length 16::

    train_data, test_data, _ = make_split(SHIFT, seed=0)  # n = 8, SHIFT's default
    params = init_params(SHIFT.vocab_size, 32, 16, seed=0)
    train(params, train_data, test_data, positions="rope")
    longer = SHIFT.make(np.random.default_rng(1), 500, n=16)  # (tokens, targets), n = 16
    loss, accuracy = evaluate(params, *longer, positions="rope")

(A model trained with a mask needs the mask for the new length, e.g. ``causal_mask(16)``.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from utils._checks import (
    as_float_array,
    require_ndim,
    require_nonnegative_int,
    require_positive_int,
    require_real_scalar,
)
from utils.attention import causal_mask, scaled_dot_product_attention, softmax
from utils.positional import alibi_slopes, rope, sinusoidal_encoding

__all__ = [
    "IGNORE",
    "softmax_backward",
    "scaled_dot_product_attention_backward",
    "Positions",
    "SinusoidalPositions",
    "RopePositions",
    "AlibiPositions",
    "position_scheme",
    "PARAM_NAMES",
    "init_params",
    "attend",
    "forward",
    "cross_entropy",
    "backward",
    "adam_init",
    "adam_step",
    "Task",
    "SHIFT",
    "LOOKUP",
    "REPEAT",
    "REVERSE",
    "MAJORITY",
    "make_split",
    "position_blind_ceiling",
    "position_blind_chances",
    "evaluate",
    "right_weight",
    "History",
    "train",
    "EXPERIMENTS",
    "experiment",
    "graded_predictable",
    "repeat_loss_floor",
    "gradient_report",
]

IGNORE = -1  # a target of -1: nothing is graded at this position

# --- 1. the backward pass of attention ------------------------------------------------------


def softmax_backward(weights, d_weights, axis: int = -1) -> np.ndarray:
    """The gradient with respect to the softmax's *input*, given its output ``weights`` and
    the gradient of its output ``d_weights``: ``weights * (d_weights - sum(weights *
    d_weights))``, the sum taken along ``axis``.

    Row by row this is ``J @ dp`` with notebook 01's Jacobian ``J = diag(p) - p p^T``
    (symmetric, so ``J^T = J``). Both arrays have the same shape, and so does the result.
    An entry whose weight is 0 (blocked by a mask) gets exactly 0. Notebook 05, section 2.
    """
    p = as_float_array(weights, "weights", allow_inf=False)
    dp = as_float_array(d_weights, "d_weights", allow_inf=False)
    if p.shape != dp.shape:
        raise ValueError(
            f"weights and d_weights must have the same shape, got {p.shape} and {dp.shape}"
        )
    if p.ndim == 0:
        raise ValueError("softmax_backward needs arrays with at least one axis, got scalars")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    if not -p.ndim <= axis < p.ndim:
        raise ValueError(f"axis {axis} does not exist: the arrays have {p.ndim} axes")
    row_dot = (p * dp).sum(axis=axis, keepdims=True)  # (..., 1, ...): p . dp for each row
    return p * (dp - row_dot)  # the shape of p


def scaled_dot_product_attention_backward(q, k, v, weights, d_out, scale=None):
    """Gradients ``(dq, dk, dv)`` of ``out = softmax(q k^T * scale) v``, given ``d_out``.

    ``weights (..., n_q, n_k)`` as returned by ``utils.attention.scaled_dot_product_attention``
    (masked entries are 0 there, so they get no gradient); q ``(..., n_q, d_k)``, k
    ``(..., n_k, d_k)``, v ``(..., n_k, d_v)``, d_out ``(..., n_q, d_v)``, all with the same
    leading axes. ``scale`` defaults to ``1/sqrt(d_k)``. Notebook 05, section 2, derives and
    checks each numbered step.
    """
    q, k, v = (as_float_array(a, n, allow_inf=False) for a, n in ((q, "q"), (k, "k"), (v, "v")))
    p = as_float_array(weights, "weights", allow_inf=False)
    d_out = as_float_array(d_out, "d_out", allow_inf=False)
    _check_backward_shapes(q, k, v, p, d_out)
    scale = (
        1 / float(np.sqrt(q.shape[-1])) if scale is None else require_real_scalar(scale, "scale")
    )
    # 1) out = p @ v, so dv = p^T @ d_out
    dv = np.swapaxes(p, -1, -2) @ d_out  # (..., n_k, d_v)
    # 2) ... and dp = d_out @ v^T
    dp = d_out @ np.swapaxes(v, -1, -2)  # (..., n_q, n_k)
    # 3) through the softmax, row by row (over keys); 0 wherever p is 0
    ds = softmax_backward(p, dp, axis=-1)  # (..., n_q, n_k)
    # 4) s = q @ k^T * scale, so dq = ds @ k * scale and dk = ds^T @ q * scale
    dq = ds @ k * scale  # (..., n_q, d_k)
    dk = np.swapaxes(ds, -1, -2) @ q * scale  # (..., n_k, d_k)
    return dq, dk, dv


def _check_backward_shapes(q, k, v, p, d_out) -> None:
    """ValueError naming the shapes unless they fit one attention call (no broadcasting)."""
    require_ndim(q, 2, "q", "(..., n_q, d_k)")
    *lead, n_q, d_k = q.shape
    require_ndim(k, 2, "k", "(..., n_k, d_k)")
    require_ndim(v, 2, "v", "(..., n_k, d_v)")
    n_k, d_v = k.shape[-2], v.shape[-1]
    expected = {
        "k": (k, (*lead, n_k, d_k)),
        "v": (v, (*lead, n_k, d_v)),
        "weights": (p, (*lead, n_q, n_k)),
        "d_out": (d_out, (*lead, n_q, d_v)),
    }
    for name, (arr, shape) in expected.items():
        if arr.shape != shape:
            raise ValueError(
                f"{name} must have shape {shape} to match q {q.shape}, k {k.shape} and "
                f"v {v.shape}, got {arr.shape}"
            )


# --- 2. how positions enter the model -------------------------------------------------------


class Positions:
    """No positional information: every hook does nothing. Subclass it to add a scheme.

    ``encode(n, d_model)`` -> ``(n, d_model)`` added to the embeddings, or None;
    ``rotate(x)`` and ``rotate_backward(dx)`` act on q and k ``(..., n, d_k)``;
    ``bias(n_q, n_k)`` -> ``(n_q, n_k)`` added to the scaled scores, or None.
    """

    name = "none"

    def encode(self, n: int, d_model: int):
        return None

    def rotate(self, x: np.ndarray) -> np.ndarray:
        return x

    def rotate_backward(self, dx: np.ndarray) -> np.ndarray:
        return dx

    def bias(self, n_q: int, n_k: int):
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SinusoidalPositions(Positions):
    """Notebook 03's sinusoidal encoding (the paper's layout), added to the embeddings."""

    name = "sinusoidal"

    def encode(self, n: int, d_model: int) -> np.ndarray:
        return sinusoidal_encoding(n, d_model)  # (n, d_model)


class RopePositions(Positions):
    """RoPE: q and k turned by angles proportional to their positions (notebook 06)."""

    name = "rope"

    def rotate(self, x: np.ndarray) -> np.ndarray:
        return rope(x)  # (..., n, d_k)

    def rotate_backward(self, dx: np.ndarray) -> np.ndarray:
        n = dx.shape[-2]
        return rope(dx, positions=-np.arange(n))  # a rotation's transpose turns back


class AlibiPositions(Positions):
    """ALiBi: ``-slope * |i - j|`` added to the scores (notebook 06). The default slope is
    the paper's for one head, ``2**-8``; pass a larger one for short sequences."""

    name = "alibi"

    def __init__(self, slope: float | None = None):
        self.slope = float(alibi_slopes(1)[0]) if slope is None else float(slope)

    def bias(self, n_q: int, n_k: int) -> np.ndarray:
        distance = np.abs(np.arange(n_q)[:, None] - np.arange(n_k)[None, :])  # (n_q, n_k)
        return -self.slope * distance

    def __repr__(self) -> str:
        return f"AlibiPositions(slope={self.slope:g})"


SCHEMES = {
    "none": Positions,
    "sinusoidal": SinusoidalPositions,
    "rope": RopePositions,
    "alibi": AlibiPositions,
}


def position_scheme(positions) -> Positions:
    """A :class:`Positions` object from one, or from a name in ``SCHEMES``."""
    if isinstance(positions, Positions):
        return positions
    if isinstance(positions, str) and positions in SCHEMES:
        return SCHEMES[positions]()
    raise ValueError(
        f"positions must be one of {tuple(SCHEMES)} or a Positions object, got {positions!r}"
    )


# --- 3. the model ---------------------------------------------------------------------------

PARAM_NAMES = ("E", "W_q", "W_k", "W_v", "W_out", "b_out")


def init_params(vocab_size: int, d_model: int, d_k: int, n_out: int | None = None, seed=0):
    """Random float64 parameters of the model (notebook 05, section 3), seeded.

    ``E (vocab_size, d_model)``: one embedding row per token; ``W_q, W_k, W_v (d_model, d_k)``;
    ``W_out (d_k, n_out)``; ``b_out (n_out,)`` zeros. ``W_q, W_k, W_v, W_out`` are N(0, 1/rows)
    (variance 1 over the width they read), ``E`` is N(0, 1/d_model) (each row has squared
    length about 1): small enough that the first scores are near 0 and softmax starts far
    from saturation.
    ``n_out`` (the number of classes the readout scores) defaults to ``vocab_size``.
    """
    vocab_size = require_positive_int(vocab_size, "vocab_size")
    d_model = require_positive_int(d_model, "d_model")
    d_k = require_positive_int(d_k, "d_k")
    n_out = vocab_size if n_out is None else require_positive_int(n_out, "n_out")
    rng = np.random.default_rng(seed)
    shapes = {
        "E": (vocab_size, d_model),
        "W_q": (d_model, d_k),
        "W_k": (d_model, d_k),
        "W_v": (d_model, d_k),
        "W_out": (d_k, n_out),
    }
    params = {
        name: rng.normal(0, 1 / np.sqrt(shape[-1] if name == "E" else shape[0]), size=shape)
        for name, shape in shapes.items()
    }
    params["b_out"] = np.zeros(n_out)
    return params


def _check_params(params) -> None:
    """TypeError/ValueError unless ``params`` holds the model's six arrays, shapes matching."""
    if not isinstance(params, dict) or set(PARAM_NAMES) - set(params):
        raise TypeError(f"params must be a dict with {PARAM_NAMES}, as from init_params")
    d_model, d_k = params["W_q"].shape
    expected = {
        "E": (params["E"].shape[0], d_model),
        "W_k": (d_model, d_k),
        "W_v": (d_model, d_k),
        "W_out": (d_k, params["b_out"].shape[0]),
    }
    for name, shape in expected.items():
        if params[name].shape != shape:
            raise ValueError(f"params[{name!r}] must have shape {shape}, got {params[name].shape}")


def _check_tokens(tokens, vocab_size: int) -> np.ndarray:
    """``tokens`` as an int array ``(batch, n)`` of ids in [0, vocab_size), or a clear error."""
    tokens = np.asarray(tokens)
    if not np.issubdtype(tokens.dtype, np.integer):
        raise TypeError(f"tokens must be integer ids, got dtype {tokens.dtype}")
    if tokens.ndim != 2 or tokens.shape[1] == 0:
        raise ValueError(f"tokens must have shape (batch, n) with n >= 1, got {tokens.shape}")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= vocab_size):
        raise ValueError(
            f"token ids must lie in [0, {vocab_size}) (one row of E each), "
            f"got ids from {tokens.min()} to {tokens.max()}"
        )
    return tokens


def attend(q, k, v, mask=None, bias=None):
    """``scaled_dot_product_attention(q, k, v, mask)``; with ``bias (n_q, n_k)`` (not None),
    the bias is added to the scaled scores before the mask and the softmax (ALiBi's hook)."""
    if bias is None:
        return scaled_dot_product_attention(q, k, v, mask=mask)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]) + bias  # (..., n_q, n_k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)  # blocked -> weight 0
    weights = softmax(scores, axis=-1)  # (..., n_q, n_k)
    return weights @ v, weights  # (..., n_q, d_v), (..., n_q, n_k)


def forward(params: dict, tokens, positions="sinusoidal", mask=None):
    """Logits ``(batch, n, n_out)`` for ``tokens (batch, n)``, and the cache ``backward`` needs.

    Notebook 05, section 3: 1) embed (+ the positional encoding), 2) project to q, k, v,
    3) the scheme's rotation of q and k, 4) attend (``mask`` bool, True = may attend,
    broadcastable to ``(batch, n, n)``), 5) read out. ``cache["weights"] (batch, n, n)``.
    """
    _check_params(params)
    scheme = position_scheme(positions)
    tokens = _check_tokens(tokens, params["E"].shape[0])
    n, d_model = tokens.shape[1], params["E"].shape[1]
    # 1) embed: one row of E per token, plus the positional encoding
    x = params["E"][tokens]  # (batch, n, d_model)
    pe = scheme.encode(n, d_model)
    if pe is not None:
        x = x + pe  # (batch, n, d_model) + (n, d_model)
    # 2) project
    q = x @ params["W_q"]  # (batch, n, d_k)
    k = x @ params["W_k"]  # (batch, n, d_k)
    v = x @ params["W_v"]  # (batch, n, d_k)
    # 3) positions inside attention: does nothing unless the scheme rotates q and k
    q, k = scheme.rotate(q), scheme.rotate(k)  # (batch, n, d_k) each
    # 4) attend
    out, weights = attend(q, k, v, mask=mask, bias=scheme.bias(n, n))  # (batch, n, d_k)
    # 5) read out: one score per class at every position
    logits = out @ params["W_out"] + params["b_out"]  # (batch, n, n_out)
    cache = {"tokens": tokens, "x": x, "q": q, "k": k, "v": v, "weights": weights}
    cache |= {"out": out, "scheme": scheme}
    return logits, cache


def cross_entropy(logits, targets):
    """Mean cross-entropy over the graded positions, and its gradient: ``(loss, d_logits)``.

    logits ``(..., n_out)``; targets ``(...)`` integer class ids, ``IGNORE`` (-1) where
    nothing is graded. ``loss = mean(-log softmax(logits)[target])`` over the graded
    positions; ``d_logits = (softmax(logits) - onehot(target)) / count`` there, 0 elsewhere.
    """
    logits = as_float_array(logits, "logits", allow_inf=False)
    targets = np.asarray(targets)
    if targets.shape != logits.shape[:-1] or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(
            f"targets must be integer class ids of shape {logits.shape[:-1]} (the logits' "
            f"shape without the class axis), got dtype {targets.dtype}, shape {targets.shape}"
        )
    graded = targets != IGNORE  # (...) bool
    if ((targets[graded] < 0) | (targets[graded] >= logits.shape[-1])).any():
        raise ValueError(f"targets must lie in [0, {logits.shape[-1]}) or be IGNORE (-1)")
    count = max(int(graded.sum()), 1)
    shifted = logits - logits.max(axis=-1, keepdims=True)  # (..., n_out), largest 0
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))  # log softmax
    onehot = np.zeros_like(log_p)  # (..., n_out)
    np.put_along_axis(onehot, np.where(graded, targets, 0)[..., None], 1.0, axis=-1)
    onehot *= graded[..., None]  # ungraded positions: all zeros
    loss = -(onehot * log_p).sum() / count
    d_logits = (np.exp(log_p) - onehot) * graded[..., None] / count  # (..., n_out)
    return float(loss), d_logits


def _summed_outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a^T @ b`` summed over every position of every sequence: ``(batch, n, i)`` and
    ``(batch, n, j)`` -> ``(i, j)``. The gradient of a weight shared by all positions."""
    return a.reshape(-1, a.shape[-1]).T @ b.reshape(-1, b.shape[-1])  # (i, batch*n) @ (batch*n, j)


def backward(params: dict, cache: dict, d_logits) -> dict:
    """Gradients of the loss for every parameter (``PARAM_NAMES``), from ``d_logits
    (batch, n, n_out)`` and the ``cache`` of ``forward``: its steps 5 to 1, each undone."""
    scheme, tokens, x = cache["scheme"], cache["tokens"], cache["x"]
    # 5) read out: logits = out @ W_out + b_out
    d_W_out = _summed_outer(cache["out"], d_logits)  # (d_k, n_out)
    d_b_out = d_logits.sum(axis=(0, 1))  # (n_out,)
    d_out = d_logits @ params["W_out"].T  # (batch, n, d_k)
    # 4) attend (a bias added to the scores is a constant: nothing to undo)
    dq, dk, dv = scaled_dot_product_attention_backward(
        cache["q"], cache["k"], cache["v"], cache["weights"], d_out
    )  # (batch, n, d_k) each
    # 3) the scheme's rotation of q and k
    dq, dk = scheme.rotate_backward(dq), scheme.rotate_backward(dk)  # (batch, n, d_k)
    # 2) project: q = x @ W_q, so d_W_q = x^T @ dq (summed over the batch); likewise k, v
    d_W_q = _summed_outer(x, dq)  # (d_model, d_k)
    d_W_k = _summed_outer(x, dk)  # (d_model, d_k)
    d_W_v = _summed_outer(x, dv)  # (d_model, d_k)
    dx = dq @ params["W_q"].T + dk @ params["W_k"].T + dv @ params["W_v"].T  # (batch, n, d)
    # 1) embed: add each position's gradient to its token's row (np.add.at: ids repeat)
    d_E = np.zeros_like(params["E"])  # (vocab_size, d_model)
    np.add.at(d_E, tokens, dx)
    return {"E": d_E, "W_q": d_W_q, "W_k": d_W_k, "W_v": d_W_v, "W_out": d_W_out, "b_out": d_b_out}


# --- 4. Adam --------------------------------------------------------------------------------


def adam_init(params: dict) -> dict:
    """Adam's state: first and second moments ``m`` and ``v`` (zeros like each parameter)
    and the step count ``t`` = 0."""
    return {
        "m": {name: np.zeros_like(p) for name, p in params.items()},
        "v": {name: np.zeros_like(p) for name, p in params.items()},
        "t": 0,
    }


def adam_step(params, grads, state, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8) -> None:
    """One Adam update of every parameter, in place (Kingma & Ba 2015, Algorithm 1)::

    t = t + 1
    m = beta1 m + (1 - beta1) g           v = beta2 v + (1 - beta2) g**2
    m_hat = m / (1 - beta1**t)            v_hat = v / (1 - beta2**t)
    p = p - lr * m_hat / (sqrt(v_hat) + eps)
    """
    state["t"] += 1
    t = state["t"]
    for name, g in grads.items():
        state["m"][name] = beta1 * state["m"][name] + (1 - beta1) * g
        state["v"][name] = beta2 * state["v"][name] + (1 - beta2) * g**2
        m_hat = state["m"][name] / (1 - beta1**t)  # bias correction: m and v start at 0
        v_hat = state["v"][name] / (1 - beta2**t)
        params[name] -= lr * m_hat / (np.sqrt(v_hat) + eps)


# --- 5. tasks with a known right pattern ----------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A task: how to draw its data, the attention pattern it needs, and how to label tokens.

    ``make(rng, num, **sizes) -> (tokens (num, n), targets (num, n))``, targets ``IGNORE``
    where nothing is graded; ``pattern(tokens) -> (batch, n, n)``, the weights a query needs
    (rows that need nothing are 0); ``labels(tokens (n,)) -> list[str]``; ``vocab_size`` and
    ``n_out`` size the model; ``causal`` says whether it is trained with a causal mask.
    """

    name: str
    make: Callable
    pattern: Callable
    labels: Callable
    vocab_size: int
    n_out: int
    causal: bool = False


def _shift_make(rng, num: int, n: int = 8, vocab_size: int = 10, offset: int = 2):
    """Random tokens; the answer at position i is the token at i - offset (none before)."""
    tokens = rng.integers(0, vocab_size, size=(num, n))  # (num, n)
    targets = np.full((num, n), IGNORE)  # (num, n)
    targets[:, offset:] = tokens[:, :-offset]
    return tokens, targets


def _shift_pattern(tokens, offset: int = 2) -> np.ndarray:
    """Query i on key i - offset; the first ``offset`` rows need nothing."""
    batch, n = np.shape(tokens)
    return np.broadcast_to(np.eye(n, k=-offset), (batch, n, n)).copy()  # (batch, n, n)


def _digits(tokens) -> list[str]:
    return [str(int(t)) for t in tokens]


SHIFT = Task("shift", _shift_make, _shift_pattern, _digits, vocab_size=10, n_out=10)

KEYS = "abcdefgh"  # the lookup task's keys, written as letters


def _lookup_make(rng, num: int, num_pairs: int = 6):
    """``num_pairs`` entries, each one token holding a (key, value) pair, then a query token
    naming one of their keys; the answer, at the query, is the value stored under that key.

    Entry (key c, value v) is token ``8 c + v`` (written "c5"); the query for key c is token
    ``64 + c`` (written "c?"). Keys within a sequence are distinct.
    """
    num_keys = num_values = len(KEYS)
    keys = np.argsort(rng.random((num, num_keys)), axis=1)[:, :num_pairs]  # (num, pairs)
    values = rng.integers(0, num_values, size=(num, num_pairs))  # (num, pairs)
    asked = rng.integers(0, num_pairs, size=num)  # (num,) which entry is asked for
    rows = np.arange(num)
    query = num_keys * num_values + keys[rows, asked]  # (num,)
    tokens = np.concatenate([keys * num_values + values, query[:, None]], axis=1)
    targets = np.full(tokens.shape, IGNORE)  # (num, pairs + 1)
    targets[:, -1] = values[rows, asked]
    return tokens, targets


def _lookup_pattern(tokens) -> np.ndarray:
    """The query (last row) on the entry holding its key; the entries' rows need nothing."""
    tokens = np.asarray(tokens)  # (batch, n)
    entry_keys = tokens[:, :-1] // len(KEYS)  # (batch, n - 1)
    asked = tokens[:, -1] - len(KEYS) ** 2  # (batch,)
    pattern = np.zeros((*tokens.shape, tokens.shape[1]))  # (batch, n, n)
    pattern[:, -1, :-1] = entry_keys == asked[:, None]
    return pattern


def _lookup_labels(tokens) -> list[str]:
    size = len(KEYS)
    return [
        f"{KEYS[t - size**2]}?" if t >= size**2 else f"{KEYS[t // size]}{t % size}"
        for t in (int(t) for t in tokens)
    ]


LOOKUP = Task("lookup", _lookup_make, _lookup_pattern, _lookup_labels, 72, n_out=8)


def _repeat_make(rng, num: int, half: int = 6, vocab_size: int = 10):
    """Next-token prediction on ``half`` random tokens written twice: the target at position
    i is token i + 1 (none at the last). Targets in the first half are random; from
    position ``half - 1`` on, the next token is the one ``half - 1`` places back."""
    first = rng.integers(0, vocab_size, size=(num, half))  # (num, half)
    tokens = np.concatenate([first, first], axis=1)  # (num, 2 half)
    targets = np.full(tokens.shape, IGNORE)  # (num, 2 half)
    targets[:, :-1] = tokens[:, 1:]
    return tokens, targets


def _repeat_pattern(tokens) -> np.ndarray:
    """From query ``half - 1`` on: key ``i - (half - 1)``, the token that came next in the
    first copy. Earlier rows need nothing (their next token cannot be known)."""
    batch, n = np.shape(tokens)
    half = n // 2
    pattern = np.eye(n, k=-(half - 1))  # (n, n)
    pattern[: half - 1] = 0
    return np.broadcast_to(pattern, (batch, n, n)).copy()


REPEAT = Task("repeat", _repeat_make, _repeat_pattern, _digits, 10, n_out=10, causal=True)


def _reverse_make(rng, num: int, n: int = 8, vocab_size: int = 10):
    """Random tokens; the answer at position i is the token at position n - 1 - i."""
    tokens = rng.integers(0, vocab_size, size=(num, n))  # (num, n)
    return tokens, tokens[:, ::-1].copy()  # (num, n) each


def _reverse_pattern(tokens) -> np.ndarray:
    """Query i on key n - 1 - i: the anti-diagonal."""
    batch, n = np.shape(tokens)
    return np.broadcast_to(np.eye(n)[::-1], (batch, n, n)).copy()  # (batch, n, n)


REVERSE = Task("reverse", _reverse_make, _reverse_pattern, _digits, vocab_size=10, n_out=10)


def _majority_make(rng, num: int, n: int = 8, vocab_size: int = 10):
    """Random tokens whose most frequent token is unique (no ties); the answer at every
    position is that token. Sequences with a tie are drawn again."""
    kept = np.zeros((0, n), dtype=np.int64)  # (kept, n)
    while len(kept) < num:
        tokens = rng.integers(0, vocab_size, size=(2 * num, n))  # (2 num, n)
        counts = (tokens[..., None] == np.arange(vocab_size)).sum(axis=1)  # (2 num, vocab)
        unique = (counts == counts.max(axis=1, keepdims=True)).sum(axis=1) == 1  # (2 num,)
        kept = np.concatenate([kept, tokens[unique]])
    tokens = kept[:num]  # (num, n)
    counts = (tokens[..., None] == np.arange(vocab_size)).sum(axis=1)  # (num, vocab)
    return tokens, np.repeat(counts.argmax(axis=1)[:, None], n, axis=1)  # (num, n) each


def _majority_pattern(tokens) -> np.ndarray:
    """Every query spreads its weight equally over the keys that hold the majority token."""
    tokens = np.asarray(tokens)  # (batch, n)
    vocab = int(tokens.max()) + 1
    counts = (tokens[..., None] == np.arange(vocab)).sum(axis=1)  # (batch, vocab)
    holds = tokens == counts.argmax(axis=1)[:, None]  # (batch, n): keys with the majority
    row = holds / holds.sum(axis=1, keepdims=True)  # (batch, n), sums to 1
    return np.broadcast_to(row[:, None, :], (*tokens.shape, tokens.shape[1])).copy()


MAJORITY = Task("majority", _majority_make, _majority_pattern, _digits, 10, n_out=10)


def make_split(task: Task, num_train=4000, num_test=1000, seed=0, **sizes):
    """``(train, test, removed)``: ``num_train`` training sequences and up to ``num_test``
    held-out ones, each a ``(tokens, targets)`` pair, drawn from one seeded generator. Every
    held-out sequence that also occurs in the training set is removed (``removed`` counts
    them): a model must be tested on sequences it has never seen."""
    rng = np.random.default_rng(seed)
    train_set = task.make(rng, num_train, **sizes)
    tokens, targets = task.make(rng, num_test, **sizes)
    seen = {row.tobytes() for row in train_set[0]}
    fresh = np.array([row.tobytes() not in seen for row in tokens], dtype=bool)  # (num_test,)
    return train_set, (tokens[fresh], targets[fresh]), int((~fresh).sum())


def position_blind_ceiling(tokens, targets) -> float:
    """The best expected accuracy for a model that cannot see positions, on a task whose
    answer is the token at one *other* position (``SHIFT``; ``REVERSE`` with an even n).

    Such a model sees its own token and the bag of all tokens. The tokens are independent
    and identically distributed, so for a given bag every order is equally likely: the
    answer is the token at one of the other n - 1 positions, each equally likely. The best
    guess is the most frequent token among the others, right with probability
    ``max count / (n - 1)``.
    """
    return float(position_blind_chances(tokens, targets).mean())


def position_blind_chances(tokens, targets) -> np.ndarray:
    """``(graded,)``: for each graded answer, the probability that the best position-blind
    guess (:func:`position_blind_ceiling`) is right, ``max count among the others / (n - 1)``.
    Their mean is the ceiling. The answers of one sequence share its tokens, so they are not
    independent: a standard error must treat sequences, not answers, as the unit."""
    tokens, targets = np.asarray(tokens), np.asarray(targets)  # (batch, n) each
    n, vocab = tokens.shape[1], int(tokens.max()) + 1
    counts = (tokens[..., None] == np.arange(vocab)).sum(axis=1)  # (batch, vocab)
    others = counts[:, None, :] - (tokens[..., None] == np.arange(vocab))  # (batch, n, vocab)
    best = others.max(axis=-1) / (n - 1)  # (batch, n)
    return best[targets != IGNORE]  # (graded,)


# --- 6. training ----------------------------------------------------------------------------


def evaluate(params, tokens, targets, positions="sinusoidal", mask=None):
    """``(loss, accuracy)`` on a data set: the mean cross-entropy, and the share of graded
    positions whose largest logit is the target."""
    logits, _ = forward(params, tokens, positions, mask)  # (batch, n, n_out)
    loss, _ = cross_entropy(logits, targets)
    graded = np.asarray(targets) != IGNORE  # (batch, n)
    hits = (logits.argmax(axis=-1) == targets) & graded
    return loss, float(hits.sum() / max(graded.sum(), 1))


def right_weight(weights, pattern) -> float:
    """Mean attention weight on the keys the task needs, over the rows that need one.

    ``weights`` and ``pattern`` ``(..., n, n)``; 1.0 means exactly the right pattern."""
    weights, pattern = np.asarray(weights), np.asarray(pattern)
    rows = pattern.sum(axis=-1) > 0  # (..., n): the queries that need some key
    return float((weights * pattern).sum(axis=-1)[rows].mean())


@dataclass
class History:
    """What ``train`` recorded at step 0, every ``log_every`` steps and at the last step."""

    steps: np.ndarray  # (snapshots,)
    train_loss: np.ndarray  # (snapshots,) on that step's minibatch
    test_loss: np.ndarray  # (snapshots,) on the held-out set
    test_accuracy: np.ndarray  # (snapshots,) on the held-out set, in [0, 1]
    weights: np.ndarray  # (snapshots, examples, n, n) on the first held-out sequences
    example_tokens: np.ndarray  # (examples, n)
    params: dict = field(repr=False)  # the parameters after the last step
    task: Task | None = None
    positions: str = "sinusoidal"
    mask: np.ndarray | None = None  # (n, n) the mask used in training, or None
    seconds: float = 0.0  # wall-clock training time (differs between machines)


def train(
    params,
    train_data,
    test_data,
    steps=200,
    batch_size=128,
    lr=1e-2,
    positions="sinusoidal",
    mask=None,
    seed=0,
    log_every=10,
    examples=4,
    task=None,
):
    """Train ``params`` in place with Adam on random minibatches of ``train_data = (tokens,
    targets)``; return a :class:`History`.

    At step 0, every ``log_every`` steps and at the end it measures ``test_data`` (with the
    training ``mask``) and keeps the attention weights on its first ``examples`` sequences.
    ``task`` is only recorded (for figures and the explorer).
    """
    steps = require_nonnegative_int(steps, "steps")
    batch_size = require_positive_int(batch_size, "batch_size")
    log_every = require_positive_int(log_every, "log_every")
    examples = require_positive_int(examples, "examples")
    rng = np.random.default_rng(seed)
    tokens, targets = train_data
    state = adam_init(params)
    log = {"steps": [], "train_loss": [], "test_loss": [], "test_accuracy": [], "weights": []}
    example_tokens = test_data[0][:examples]  # (examples, n)
    start = time.perf_counter()
    for step in range(steps + 1):
        batch = rng.integers(0, len(tokens), size=batch_size)  # (batch_size,) row numbers
        logits, cache = forward(params, tokens[batch], positions, mask)  # (batch, n, n_out)
        loss, d_logits = cross_entropy(logits, targets[batch])
        if step % log_every == 0 or step == steps:
            test_loss, test_accuracy = evaluate(params, *test_data, positions, mask)
            _, example = forward(params, example_tokens, positions, mask)
            for key, value in zip(
                log, (step, loss, test_loss, test_accuracy, example["weights"]), strict=True
            ):
                log[key].append(value)
        if step < steps:
            adam_step(params, backward(params, cache, d_logits), state, lr=lr)
    seconds = time.perf_counter() - start
    name = positions if isinstance(positions, str) else position_scheme(positions).name
    return History(
        **{key: np.array(value) for key, value in log.items()},
        example_tokens=example_tokens,
        params=params,
        task=task,
        positions=name,
        mask=None if mask is None else np.asarray(mask),
        seconds=seconds,
    )


# --- 7. the notebook's runs, for figures and the explorer -----------------------------------

D_MODEL, D_K = 32, 16

EXPERIMENTS = {
    "shift": {"task": SHIFT, "steps": 200},
    "lookup": {"task": LOOKUP, "steps": 200},
    "shift, no positions": {"task": SHIFT, "steps": 200, "positions": "none"},
    "lookup, no positions": {"task": LOOKUP, "steps": 200, "positions": "none"},
    "repeat, flipped mask": {"task": REPEAT, "steps": 200, "mask": "flipped"},
    "repeat, causal mask": {"task": REPEAT, "steps": 200, "mask": "causal"},
}


def experiment(name: str, seed: int = 0, steps: int | None = None, log_every: int = 10):
    """One of the notebook's training runs (``EXPERIMENTS``), from its seed: data, model and
    training as the notebook's cells do them; returns the :class:`History`. ``steps``
    overrides the run's length (tests use short runs)."""
    if name not in EXPERIMENTS:
        raise ValueError(f"name must be one of {tuple(EXPERIMENTS)}, got {name!r}")
    spec = EXPERIMENTS[name]
    task = spec["task"]
    train_data, test_data, _ = make_split(task, seed=seed)
    n = train_data[0].shape[1]
    mask = {None: None, "causal": causal_mask(n), "flipped": ~causal_mask(n)}[spec.get("mask")]
    if task.causal:  # grade held-out next tokens only where they can be known
        test_data = (test_data[0], graded_predictable(test_data[1]))
    params = init_params(task.vocab_size, D_MODEL, D_K, n_out=task.n_out, seed=seed)
    positions = spec.get("positions", "sinusoidal")
    steps = spec["steps"] if steps is None else steps
    return train(
        params,
        train_data,
        test_data,
        steps,
        positions=positions,
        mask=mask,
        seed=seed,
        log_every=log_every,
        task=task,
    )


def repeat_loss_floor(half: int, vocab_size: int) -> float:
    """The lowest *expected* loss, on new ``REPEAT`` sequences, of any model with a correct
    causal mask: of the ``2 half - 1`` graded next tokens, ``half - 1`` are uniformly random
    (loss ``log vocab_size`` at best, on average), the rest can be known (loss 0). A model
    that memorised its training sequences could go below it on those, not on new ones."""
    return (half - 1) / (2 * half - 1) * float(np.log(vocab_size))


def graded_predictable(targets) -> np.ndarray:
    """``REPEAT`` targets with the first half's (random, unknowable) next tokens ungraded:
    only positions ``half - 1`` and later keep their target."""
    targets = np.array(targets)  # a copy, (batch, n)
    targets[:, : targets.shape[1] // 2 - 1] = IGNORE
    return targets


def gradient_report(analytic, numerical, tol: float = 1e-6) -> str:
    """``"agree (relative error < 1e-06)"`` or ``"DIFFER: relative error 0.29"``: a verdict
    that prints the same on every machine (the exact error of a good match is round-off).

    Notebook 05's good matches measure 1e-11 to 1e-8 (more when the loss is large next to
    the gradient, since the round-off of the loss is divided by 2 eps); ``tol`` stays well
    above that and far below a wrong formula's error (about 0.1 to 1)."""
    from utils.gradients import relative_error

    error = relative_error(analytic, numerical)
    return (
        f"agree (relative error < {tol:.0e})"
        if error < tol
        else f"DIFFER: relative error {error:.2g}"
    )
