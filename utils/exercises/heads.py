"""Checkers for the exercises of notebooks/02_multi_head_attention.ipynb.

Each returns a ``Feedback`` and never raises on a learner's answer.
"""

from __future__ import annotations

import numpy as np

from utils.attention import combine_heads, split_heads
from utils.cost import count_parameters
from utils.exercises.base import (
    attempt,
    correct,
    is_unanswered,
    not_attempted,
    wrong,
    wrong_shape,
)

# Exercise 1: the sizes used in the task text of the notebook.
CONCAT_TASK = {"n": 7, "d_v": 5, "h": 4}
# Exercise 3: the layer whose parameters the learner counts.
PARAM_TASK = {"d_model": 256, "h": 8}
# Exercise 4: the labelled (n, d) matrix the learner splits into h heads with the bug.
BUGGY_TASK = {"n": 4, "d": 6, "h": 3}


def _as_shape(answer):
    """``answer`` as a tuple of ints, or None when it is not shape-like."""
    try:
        shape = tuple(int(s) for s in answer)
    except (TypeError, ValueError):
        return None
    return shape if all(s == v for s, v in zip(shape, answer, strict=True)) else None


def check_concat_shape(answer, n=CONCAT_TASK["n"], d_v=CONCAT_TASK["d_v"], h=CONCAT_TASK["h"]):
    """Exercise 1: the shape of the concatenated head outputs is ``(n, h * d_v)``."""
    if is_unanswered(answer):
        return not_attempted("each head gives an (n, d_v) matrix; concatenate along features")
    shape = _as_shape(answer)
    if shape is None:
        return wrong(f"{answer!r} is not a shape", "write a tuple of ints such as (3, 4)")
    if shape == (n, h * d_v):
        return correct(f"{h} heads of shape ({n}, {d_v}) concatenate to {shape}")
    if shape == (n, d_v):
        return wrong(f"{shape} is the output of one head", "put the h head outputs side by side")
    if shape == (h, n, d_v):
        return wrong(
            f"{shape} is the heads stacked on a new axis, before concatenation",
            "concatenation joins the feature axes: the heads axis disappears",
        )
    if shape == (h * n, d_v):
        return wrong(
            f"{shape} stacks the heads along the token axis",
            "every head sees the same tokens; heads add columns, not rows",
        )
    if shape == (h * d_v, n):
        return wrong(f"{shape} is transposed", "rows are tokens, columns are features")
    return wrong(f"{shape} is not the concatenated shape", "rows: tokens; columns: h times d_v")


def _not_attempted_with(feedback, hint: str):
    """``feedback`` from ``attempt``, with the task's own hint when it is "not attempted"."""
    if feedback.status == "not attempted":
        return not_attempted(hint)
    return feedback


COMBINE_HINT = (
    "transpose (B, h, n, d_h) -> (B, n, h, d_h), then reshape the last two axes into one"
)


def check_combine_heads(function):
    """Exercise 2: ``function(x)`` maps ``(B, h, n, d_h)`` to ``(B, n, h * d_h)``, head 0 first."""
    x = np.arange(2 * 3 * 4 * 2, dtype=float).reshape(2, 3, 4, 2)  # (B=2, h=3, n=4, d_h=2)
    result, feedback = attempt(function, x.copy())
    if feedback:
        if feedback.status == "wrong":
            single, _ = attempt(function, x[0].copy())  # does it work for one sequence?
            if single is not None and np.array_equal(np.asarray(single), combine_heads(x[0])):
                return wrong(
                    f"works for one sequence (h, n, d_h) but fails on a batch: {feedback.message}",
                    "index the axes from the end (swapaxes(-3, -2)) or keep the batch axis first",
                )
        return _not_attempted_with(feedback, COMBINE_HINT)
    result = np.asarray(result)
    expected = combine_heads(x)  # (2, 4, 6)
    if result.shape != expected.shape:
        return wrong_shape(
            f"input of shape {x.shape}",
            result.shape,
            expected.shape,
            "keep the batch axis; then one row per token and h * d_h columns",
        )
    if np.array_equal(result, expected):
        return correct("heads concatenated along features, tokens and sequences kept apart")
    if np.array_equal(result, x.reshape(2, 4, 6)):
        return wrong(
            "you reshaped without moving the heads axis: row 0 holds token 0 AND token 1 "
            "of head 0, so tokens are mixed",
            "first swap the heads and tokens axes: (B, h, n, d_h) -> (B, n, h, d_h), then reshape",
        )
    if np.array_equal(result, x.transpose(1, 0, 2, 3).reshape(2, 4, 6)):
        return wrong(
            "you swapped the batch and heads axes, so sequences are mixed",
            "the heads axis is axis 1 (or -3); the tokens axis is axis 2 (or -2)",
        )
    if np.array_equal(result, combine_heads(x[:, ::-1])):
        return wrong("the heads are in reverse order", "head 0's columns come first")
    return wrong(
        "right shape, wrong values", "row t of sequence b must be [head 0 of token t, head 1 ...]"
    )


def check_param_count(answer, d_model=PARAM_TASK["d_model"], h=PARAM_TASK["h"]):
    """Exercise 3: parameters of one multi-head attention layer with biases, d_k = d_model/h."""
    if is_unanswered(answer):
        return not_attempted("count W_q, W_k, W_v, W_o and their four bias vectors")
    try:
        value = int(answer)
        if value != answer:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        return wrong(f"{answer!r} is not a whole number", "a count is an integer")
    counts = count_parameters(d_model, h)
    total, d = counts["total"], d_model
    if value == total:
        return correct(f"4 * {d}^2 + 4 * {d} = {total}, whatever the number of heads")
    if value == 4 * d * d:
        return wrong(f"{value} leaves out the biases", "add b_q, b_k, b_v and b_o")
    if value in (3 * d * d, 3 * d * d + 3 * d):
        return wrong(f"{value} forgets the output projection W^O", "W^O is (d_model, d_model)")
    if value in (total // h, total * h, 4 * d * (d // h) + 4 * d, 4 * d * d // h):
        return wrong(
            f"{value} scales with h",
            "h heads of width d_model/h together are as wide as one full head",
        )
    return wrong(f"{value} is not the count", "W_q, W_k, W_v, W_o are each (d_model, d_model)")


def buggy_split(x, num_heads):
    """The split with the bug of exercise 4: ``(n, d) -> (h, n, d/h)`` by reshape alone."""
    n, d = x.shape
    return x.reshape(num_heads, n, d // num_heads)


def buggy_split_tokens(n: int = BUGGY_TASK["n"], d: int = BUGGY_TASK["d"], h=BUGGY_TASK["h"]):
    """``(h, n)`` ints: which token each row of each head comes from after ``buggy_split``.

    Rows 0.. of head 0 take the first ``n * d/h`` values in memory order, so a row can
    start mid-token; the token of a row is that of its first value.
    """
    labelled = 10 * np.arange(n)[:, None] + np.arange(d)  # (n, d): value = 10*token + feature
    return buggy_split(labelled, h)[:, :, 0] // 10  # (h, n)


def check_buggy_split_tokens(answer, n=BUGGY_TASK["n"], d=BUGGY_TASK["d"], h=BUGGY_TASK["h"]):
    """Exercise 4a: for each head, the token of each row after the buggy split."""
    if is_unanswered(answer):
        return not_attempted(
            f"run buggy_split on the ({n}, {d}) labelled matrix with h={h}; "
            "value // 10 is the token of each row"
        )
    try:
        given = np.asarray(answer)
        if given.dtype == object or not np.issubdtype(given.dtype, np.number):
            raise ValueError
    except (TypeError, ValueError):
        return wrong(f"{answer!r} is not a list of token indices", f"write {h} lists of {n} ints")
    expected = buggy_split_tokens(n, d, h)  # (h, n)
    if given.shape != expected.shape:
        return wrong(
            f"your answer has shape {given.shape}, expected {expected.shape}",
            f"one list per head ({h}), each with one token index per row ({n})",
        )
    if np.array_equal(given, expected):
        return correct(
            f"head 0's rows come from tokens {expected[0].tolist()}: rows no longer match tokens"
        )
    if np.array_equal(given, np.tile(np.arange(n), (h, 1))):
        return wrong(
            "that is what the correct split gives (every head sees tokens 0, 1, 2, ...)",
            "look at the buggy output: a row can hold the middle features of a token",
        )
    return wrong(
        "some rows are attributed to the wrong token",
        "in the buggy output, token = value // 10 of each row's first entry",
    )


SPLIT_HINT = "a correct split takes two steps, like section 4's; the buggy one skips one"


def check_split_heads(function):
    """Exercise 4b: the fixed ``function(x, h)`` maps ``(n, d)`` to ``(h, n, d/h)`` correctly."""
    x = np.arange(5 * 6, dtype=float).reshape(5, 6)  # (n=5, d=6)
    result, feedback = attempt(function, x.copy(), 3)
    if feedback:
        return _not_attempted_with(feedback, SPLIT_HINT)
    result = np.asarray(result)
    expected = split_heads(x, 3)  # (3, 5, 2)
    if result.shape != expected.shape:
        return wrong_shape(
            f"x of shape {x.shape} and h=3", result.shape, expected.shape, "(n, d) -> (h, n, d/h)"
        )
    if np.array_equal(result, expected):
        return correct("head i gets feature columns i*d_h:(i+1)*d_h of every token")
    if np.array_equal(result, buggy_split(x, 3)):
        return wrong(
            "still the bug: head 0 row 1 holds features 2-3 of token 0, not token 1",
            "reshape to (n, h, d_h) first, then swap the first two axes",
        )
    if np.array_equal(result, x.reshape(5, 2, 3).transpose(2, 0, 1)):
        return wrong(
            "each head got every third feature instead of a contiguous block",
            "reshape to (n, h, d_h), not (n, d_h, h)",
        )
    return wrong("right shape, wrong values", "head i, row t must be x[t, i*d_h:(i+1)*d_h]")
