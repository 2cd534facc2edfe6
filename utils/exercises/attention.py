"""Checkers for the exercises of notebooks/01_single_head_attention.ipynb.

Each returns a :class:`utils.exercises.base.Feedback` and never raises on learner input.
"""

from __future__ import annotations

import numpy as np

from utils.attention import causal_mask, softmax
from utils.examples import toy_example
from utils.exercises.base import (
    Feedback,
    attempt,
    correct,
    is_unanswered,
    not_attempted,
    wrong,
    wrong_shape,
)

# --- 1. a numerically stable softmax -------------------------------------------------------


def _attempt(fn, *args, hint: str):
    """:func:`attempt`, with ``hint`` (about the exercise) while the starter still raises
    NotImplementedError (the generic hint would only say to replace that line)."""
    result, problem = attempt(fn, *args)
    if problem is not None and "NotImplementedError" in problem.hint:
        problem = not_attempted(hint)
    return result, problem


SOFTMAX_HINT = (
    "subtract each row's maximum, x - x.max(axis=-1, keepdims=True), then exp, "
    "then divide by the row sums (keepdims=True again)"
)
CAUSAL_HINT = (
    "keep the lower triangle of a boolean array of ones (np.tril), or compare index grids: "
    "key index j <= query index i"
)


def _as_array(result, what: str):
    """``(array, None)`` or ``(None, wrong Feedback)`` when ``result`` is not numeric."""
    try:
        arr = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        return None, wrong(f"{what} must be a numeric array, got {type(result).__name__}")
    return arr, None


def _softmax_of(fn, logits):
    """``(fn(logits) as a float array, None)``, or ``(None, Feedback)`` if it failed."""
    result, problem = _attempt(fn, logits.copy(), hint=SOFTMAX_HINT)
    if problem:
        return None, problem
    return _as_array(result, "the result")


def check_stable_softmax(fn) -> Feedback:
    """``fn(x)`` must equal softmax over the last axis, also for logits like 1000."""
    small = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])  # (2, 3)
    got, problem = _softmax_of(fn, small)
    if problem:
        return problem
    if got.shape != small.shape:
        return wrong_shape(
            f"input of shape {small.shape}",
            got.shape,
            small.shape,
            "softmax keeps the shape: use keepdims=True in max and sum",
        )
    if np.allclose(got, softmax(small, axis=0)) and not np.allclose(got, softmax(small)):
        return wrong(
            "your columns sum to 1, not your rows: that is softmax over axis 0",
            "normalise over the last axis (axis=-1): over keys, not over queries",
        )
    if not np.allclose(got.sum(axis=-1), 1.0):
        return wrong(
            f"rows sum to {np.round(got.sum(axis=-1), 3).tolist()}, not 1",
            "divide exp(x) by its sum over the last axis",
        )
    if not np.allclose(got, softmax(small)):
        return wrong("rows sum to 1 but the values are off", "the weights are exp(x_j) / Σ exp(x)")
    big = np.array([[1000.0, 1001.0, 1002.0]])
    with np.errstate(all="ignore"):
        got, problem = _softmax_of(fn, big)
    if problem:
        return problem
    if got.shape != big.shape or not np.all(np.isfinite(got)):
        return wrong(
            "logits [1000, 1001, 1002] give NaN or inf: exp(1000) overflows",
            "subtract each row's maximum first; softmax(x - c) = softmax(x)",
        )
    if not np.allclose(got, softmax(big)):
        return wrong(
            "logits [1000, 1001, 1002] give the wrong weights", "subtract the row maximum"
        )
    return correct("rows sum to 1, and logits of 1000 do not overflow")


# --- 2. one attention row by hand ----------------------------------------------------------


NEW_TOKEN = np.array([1.0, 0.0, 0.0])  # (d_model,): the embedding of exercise 2's new word


def toy_row(x=NEW_TOKEN, scale=None) -> np.ndarray:
    """Attention weights ``(4,)`` of a token with embedding ``x (3,)`` over the toy example's
    four keys (default scale 1/sqrt(d_k) = 1/2). For ``NEW_TOKEN`` the scores are [1, 2, 2, 1]."""
    ex = toy_example()
    q = np.asarray(x, dtype=float) @ ex["W_q"]  # (d_k,)
    keys = ex["X"] @ ex["W_k"]  # (4, d_k)
    scale = 1 / np.sqrt(keys.shape[1]) if scale is None else scale
    return softmax(q @ keys.T * scale)


def check_attention_row(answer) -> Feedback:
    """``answer``: the 4 weights of a new word with embedding [1, 0, 0] over the toy keys."""
    if is_unanswered(answer):
        return not_attempted(
            "q = [1, 0, 0] @ W_q; dot it with every row of K; divide by √d_k = 2; softmax"
        )
    got, problem = _as_array(answer, "your answer")
    if problem:
        return problem
    if got.shape != (4,):
        return wrong(f"expected 4 numbers (one per key), got shape {got.shape}")
    ex = toy_example()
    scores = (NEW_TOKEN @ ex["W_q"]) @ (ex["X"] @ ex["W_k"]).T  # (4,) = [1, 2, 2, 1]
    tol = {"atol": 0.006}
    if np.allclose(got, toy_row(), **tol):
        return correct(f"weights = {np.round(toy_row(), 3).tolist()}")
    if np.allclose(got, toy_row(scale=1.0), **tol):
        return wrong("these are the weights without the scale", "divide q·k by √d_k = 2 first")
    if np.allclose(got, toy_row(scale=0.25), **tol):
        return wrong("you divided by d_k = 4, not by √d_k = 2", "the scale is 1/√d_k")
    if np.allclose(got, scores, **tol) or np.allclose(got, scores / 2, **tol):
        return wrong("these are scores, not weights", "apply softmax to the scaled scores")
    if not np.isclose(got.sum(), 1.0, atol=0.02):
        return wrong(f"your weights sum to {got.sum():.3f}, not 1", "softmax rows sum to 1")
    return wrong(
        "the weights sum to 1 but do not match",
        "check q = [1, 0, 0] @ W_q (row 0 of W_q) and the rows of K = X @ W_k",
    )


# --- 3. build a causal mask ----------------------------------------------------------------


def check_causal_mask(fn) -> Feedback:
    """``fn(n)`` must return the ``(n, n)`` bool mask, True = may attend, for several n."""
    for n in (3, 5, 1):
        result, problem = _attempt(fn, n, hint=CAUSAL_HINT)
        if problem:
            return problem
        got = np.asarray(result)
        if got.shape != (n, n):
            return wrong_shape(
                f"n={n}", got.shape, (n, n), "one row per query, one column per key"
            )
        if got.dtype != bool:
            return wrong(
                f"the mask has dtype {got.dtype}, not bool",
                "compare to build booleans, or use dtype=bool",
            )
        want = causal_mask(n)
        if np.array_equal(got, want):
            continue
        if np.array_equal(got, ~want):
            return wrong(
                "True marks the blocked positions: the polarity is flipped",
                "in utils True = may attend: token i may attend to keys 0..i",
            )
        if np.array_equal(got, want.T):
            return wrong(
                "this is the transpose: queries would attend to later keys",
                "rows are queries, columns keys: True on and below the diagonal (np.tril)",
            )
        if np.array_equal(got, np.tril(want, -1)):
            return wrong(
                "the diagonal is False: a token must be allowed to attend to itself",
                "use np.tril(..., k=0), not k=-1",
            )
        return wrong(f"for n={n} the mask differs from the causal pattern", "try np.tril")
    return correct("True on and below the diagonal, for n = 1, 3, 5")


# --- 4. predict the shapes -----------------------------------------------------------------

SHAPE_KEYS = ("Q", "K", "V", "scores", "weights", "out")


def expected_shapes() -> dict:
    """Shapes for X ``(2, 5, 8)`` (batch, n, d_model), W_q, W_k ``(8, 4)`` and W_v ``(8, 6)``."""
    return {
        "Q": (2, 5, 4),
        "K": (2, 5, 4),
        "V": (2, 5, 6),
        "scores": (2, 5, 5),
        "weights": (2, 5, 5),
        "out": (2, 5, 6),
    }


def check_shapes(answer) -> Feedback:
    """``answer``: a dict with a shape tuple for each of Q, K, V, scores, weights, out."""
    if is_unanswered(answer) or (
        isinstance(answer, dict) and all(is_unanswered(answer.get(k)) for k in SHAPE_KEYS)
    ):
        return not_attempted("Q = X @ W_q keeps (batch, n) and takes W_q's last axis")
    if not isinstance(answer, dict):
        return wrong(f"expected a dict of shapes, got {type(answer).__name__}")
    want = expected_shapes()
    bad = []
    for key in SHAPE_KEYS:
        try:
            got = tuple(int(s) for s in answer.get(key))
        except (TypeError, ValueError):
            got = None
        if got != want[key]:
            bad.append(key)
    if not bad:
        return correct("every shape right: out has d_v columns, scores are n x n")
    hints = {
        "Q": "(batch, n, d_model) @ (d_model, d_k) -> (batch, n, d_k)",
        "K": "K = X @ W_k, and W_k is (8, 4) like W_q",
        "V": "V takes W_v's width d_v = 6",
        "scores": (
            "K.swapaxes(-1, -2) is (batch, d_k, n_k), so Q @ it is (batch, n_q, n_k): "
            "one score per query-key pair"
        ),
        "weights": "softmax keeps the scores' shape",
        "out": "weights @ V: (batch, n_q, n_k) @ (batch, n_k, d_v)",
    }
    return wrong(f"wrong: {', '.join(bad)}", hints[bad[0]])
