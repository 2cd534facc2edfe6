"""Checkers for the exercises of notebooks/02_multi_head_attention.ipynb.

Each returns a ``Feedback`` and never raises on a learner's answer: every answer goes
through ``utils.exercises.base`` (``attempt``, ``as_answer_*``), which turns ragged lists,
generators, text, complex or huge numbers and broken objects into a named problem. While
an exercise is not attempted, its checker gives a nudge; ``hint(n)`` gives the method.
"""

from __future__ import annotations

import numpy as np

from utils.attention import combine_heads, split_heads
from utils.cost import count_parameters
from utils.examples import it_weights_with_extra_score
from utils.exercises.base import (
    Feedback,
    Hints,
    as_answer_array,
    as_answer_number,
    as_answer_shape_or_array,
    attempt,
    correct,
    is_unanswered,
    match_option,
    not_attempted,
    safe_text,
    wrong,
    wrong_shape,
)

# Exercise 1: the sizes used in the task text of the notebook.
CONCAT_TASK = {"n": 7, "d_v": 5, "h": 4}
# Exercise 2: the layer whose parameters the learner counts.
PARAM_TASK = {"d_model": 256, "h": 8}
# Exercise 4: how much the score of "tired" rises in the heads that ask about adjectives.
EXTRA_SCORE = 4.0
# Exercises 5 and 6: the labelled (n, d) matrix the learner splits into h heads with the bug.
BUGGY_TASK = {"n": 4, "d": 6, "h": 3}
# Two decimals, as the task asks: 0.97 for 0.9706 (and 0.975 is not 0.97).
TWO_DECIMALS = 0.006

HINTS = Hints(
    {
        1: [
            "each head gives one matrix with a row per token: do the heads add rows or columns?",
            "concatenation puts the h head outputs side by side: the rows stay the n tokens, "
            "the columns add up over the heads",
        ],
        2: [
            "list every weight matrix and every bias vector of the layer, with its shape",
            "W_q, W_k, W_v are (d_model, h*d_k) and W_o is (h*d_v, d_model), with "
            "h*d_k = h*d_v = d_model; each of the four has a bias of d_model entries",
        ],
        3: [
            "write down the shape of one head's W^Q_i, then count the entries of all h of them",
            "one head's W^Q_i is (d_model, d_model/h); multiply its entries by h",
        ],
        4: [
            "which softmax does the change to head 1's scores enter, and which does it not?",
            "each head normalises its own row of scores; for the single head, rerun section 7's "
            "table with extra = 4",
        ],
        5: [
            "print buggy_split(labelled46, 3) and read the first value of every row",
            "a row's token is its first value // 10; answer with one list per head",
        ],
        6: [
            "a correct split takes two steps, like section 4's; the buggy one skips one",
            "reshape (n, d) to (n, h, d/h) first, then swap the first two axes",
        ],
        7: [
            "which axis holds the heads and which the tokens? Row t of the result is token t",
            "swap the heads and tokens axes, (B, h, n, d_h) -> (B, n, h, d_h), then reshape the "
            "last two axes into one",
        ],
        8: [
            "torch stores three (E, E) blocks on top of each other and applies each as x @ W.T",
            "take the row blocks 0:E, E:2E and 2E:3E, and transpose each one so that x @ W "
            "computes what torch's x @ W.T did",
        ],
    }
)
hint = HINTS.show


# --- exercise 1 ---------------------------------------------------------------------------


def check_concat_shape(answer, n=CONCAT_TASK["n"], d_v=CONCAT_TASK["d_v"], h=CONCAT_TASK["h"]):
    """Exercise 1: the shape of the concatenated head outputs is ``(n, h * d_v)``."""
    if is_unanswered(answer):
        return not_attempted(HINTS.nudge(1))
    shape, problem = as_answer_shape_or_array(answer)
    if problem:
        return problem
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


# --- exercise 2 ---------------------------------------------------------------------------


def check_param_count(answer, d_model=PARAM_TASK["d_model"], h=PARAM_TASK["h"]):
    """Exercise 2: parameters of one multi-head attention layer with biases, d_k = d_model/h."""
    if is_unanswered(answer):
        return not_attempted(HINTS.nudge(2))
    value, problem = as_answer_number(answer, "your count")
    if problem:
        return problem
    if not np.isfinite(value) or value != int(value):
        return wrong(f"{safe_text(answer, 40)} is not a whole number", "a count is an integer")
    value = int(value)
    counts = count_parameters(d_model, h)
    total, d = counts["total"], d_model
    if value == total:
        return correct(f"4 * {d}^2 + 4 * {d} = {total}, whatever the number of heads")
    if value == 4 * d * d:
        return wrong(f"{value} leaves out the biases", "add b_q, b_k, b_v and b_o")
    if value in (3 * d * d, 3 * d * d + 3 * d):
        return wrong(f"{value} forgets the output projection W^O", "W^O is (d_model, d_model)")
    if value in (4 * d * d + d, 4 * d * d + 2 * d, 4 * d * d + 3 * d):
        biases = (value - 4 * d * d) // d
        return wrong(
            f"the four weight matrices are right, but {value} counts {biases} bias "
            f"vector{'s' if biases > 1 else ''} of {d}: {4 - biases} missing",
            "each of W_q, W_k, W_v and W_o has a bias of d_model entries, b_o too",
        )
    if value in (total // h, total * h, 4 * d * (d // h) + 4 * d, 4 * d * d // h):
        return wrong(
            f"{value} scales with h",
            "h heads of width d_model/h together are as wide as one full head",
        )
    return wrong(f"{value} is not the count", "W_q, W_k, W_v, W_o are each (d_model, d_model)")


# --- exercise 3 ---------------------------------------------------------------------------

# Every choice names a shape and a count (d = d_model), so none gives itself away by detail.
WHY_CHOICES = {
    "a": "All heads share one W^Q, (d, d), and each head uses all of it: d^2 entries for any h.",
    "b": "Each head's W^Q_i is (d/h, d): it reads its own d/h input features and writes d "
    "columns; h * (d/h) * d = d^2.",
    "c": "Each head's W^Q_i is (d, d/h): it reads every input feature and writes d/h columns; "
    "h * d * (d/h) = d^2.",
    "d": "Each head's W^Q_i is (d, d), but libraries keep only 1/h of its entries; "
    "h * d^2/h = d^2.",
}
WHY_FEEDBACK = {
    "a": "each head has its own W^Q_i, W^K_i, W^V_i (section 1): different columns of the "
    "stacked matrix, not shared ones",
    "b": "the count is right but the shape is the 'heads split the input' misreading: "
    "W^Q_i is (d_model, d_k), so every head reads all d_model input features; what shrinks "
    "is the number of columns it writes",
    "d": "nothing is dropped: a head's W^Q_i is (d_model, d_model/h) from the start "
    "(section 1 printed its shape)",
}


def check_why_params_constant(answer):
    """Exercise 3: which statement explains why the parameter count does not depend on h."""
    if is_unanswered(answer):
        return not_attempted(HINTS.nudge(3))
    if not isinstance(answer, str):
        return wrong(
            f"expected one letter in quotes, such as 'a', got {safe_text(answer, 40)}",
            "write the letter of the statement as a string: answer_why = 'a'",
        )
    letter = match_option(answer, WHY_CHOICES, strip="().'\" ")
    if letter == "c":
        return correct(
            "h heads, each (d_model, d_model/h): h * d_model * d_model/h = d_model^2, the same "
            "as one full-width head"
        )
    if letter in WHY_FEEDBACK:
        return wrong(f"({letter}) does not hold: {WHY_FEEDBACK[letter]}")
    return wrong(
        f"{safe_text(answer, 40)!r} is not one of the choices",
        f"answer with one of the letters {', '.join(sorted(WHY_CHOICES))}",
    )


# --- exercise 4 ---------------------------------------------------------------------------


def _two_decimals(value: float, expected: float) -> bool:
    return abs(value - expected) < TWO_DECIMALS


def check_separate_softmaxes(head0_animal, one_head_animal, extra=EXTRA_SCORE):
    """Exercise 4: with "tired"'s score raised by ``extra`` in every head that asks about
    adjectives, the weight "it" gives "animal" in head 0 (unchanged) and in the single head
    (squeezed out). Two decimals are enough."""
    if is_unanswered(head0_animal) and is_unanswered(one_head_animal):
        return not_attempted(HINTS.nudge(4))
    expected = it_weights_with_extra_score(extra)
    head0, one = expected["head 0 animal"], expected["one head animal"]
    problems, missing = [], []
    for answer, what, target, other in (
        (head0_animal, "head0_animal", head0, one),
        (one_head_animal, "one_head_animal", one, head0),
    ):
        if is_unanswered(answer):
            missing.append(what)
            continue
        value, problem = as_answer_number(answer, what)
        if problem:
            return problem
        if not 0 <= value <= 1:
            return wrong(f"{what} = {value:g} is not a weight", "a softmax weight lies in [0, 1]")
        if _two_decimals(value, target):
            continue
        if what == "head0_animal" and _two_decimals(value, other):
            problems.append(
                "head0_animal is the single head's value: head 0 has its own softmax, and "
                "the change is in head 1's scores only"
            )
        elif _two_decimals(value, other):
            problems.append(
                "one_head_animal is head 0's value: the single head has one softmax for both "
                "questions, so a higher score for 'tired' takes weight from 'animal'"
            )
        else:
            problems.append(f"{what} = {value:g} is not that weight (two decimals)")
    if problems:
        unanswered = [f"{what} is not answered yet" for what in missing]
        return wrong("; ".join(problems + unanswered), "more: hint(4)")
    if missing:
        return Feedback(
            "not attempted",
            f"the answer you gave is right; {' and '.join(missing)} is not answered yet",
            HINTS.nudge(4),
        )
    return correct(
        f"head 0 still gives 'animal' {head0:.2f}; the single head gives it only {one:.2f}: "
        "one softmax makes the two lookups compete"
    )


# --- exercises 5 and 6: the buggy split -------------------------------------------------------


def buggy_split(x, num_heads):
    """The split with the bug of exercise 5: ``(n, d) -> (h, n, d/h)`` by reshape alone."""
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
    """Exercise 5: for each head, the token of each row after the buggy split."""
    if is_unanswered(answer):
        return not_attempted(HINTS.nudge(5))
    given, problem = as_answer_array(answer, "your answer")
    if problem:
        return problem
    expected = buggy_split_tokens(n, d, h)  # (h, n)
    if given.shape != expected.shape:
        return wrong(
            f"your answer has shape {given.shape}, expected {expected.shape}",
            f"one list per head ({h}), each with one token index per row ({n})",
        )
    if not np.all(np.isfinite(given)) or not np.array_equal(given, np.round(given)):
        return wrong("token indices are whole numbers", "write ints such as 0, 1, 2")
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


def _learners_array(function, *args):
    """``function(*args)`` as a float array: ``(array, None)`` or ``(None, Feedback)``."""
    result, feedback = attempt(function, *args)
    if feedback:
        return None, feedback
    return as_answer_array(result, "what your function returned")


def check_split_heads(function):
    """Exercise 6: the fixed ``function(x, h)`` maps ``(n, d)`` to ``(h, n, d/h)`` correctly."""
    if is_unanswered(function):
        return not_attempted(HINTS.nudge(6))
    x = np.arange(5 * 6, dtype=float).reshape(5, 6)  # (n=5, d=6)
    result, feedback = _learners_array(function, x.copy(), 3)
    if feedback:
        return HINTS.nudge_if_not_attempted(6, feedback)
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


# --- exercise 7 ---------------------------------------------------------------------------


def check_combine_heads(function):
    """Exercise 7: ``function(x)`` maps ``(B, h, n, d_h)`` to ``(B, n, h * d_h)``, head 0 first."""
    if is_unanswered(function):
        return not_attempted(HINTS.nudge(7))
    # B, h, n, d_h all differ, so a shape in the feedback says which axis is which
    x = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)  # (B=2, h=3, n=4, d_h=5)
    result, feedback = _learners_array(function, x.copy())
    if feedback:
        if feedback.status == "not attempted":
            return not_attempted(HINTS.nudge(7))
        single, problem = _learners_array(function, x[0].copy())  # one sequence (h, n, d_h)?
        if problem is None and np.array_equal(single, combine_heads(x[0])):
            return wrong(
                f"works for one sequence (h, n, d_h) but fails on a batch: {feedback.message}",
                "index the axes from the end (swapaxes(-3, -2)) or keep the batch axis first",
            )
        return feedback
    expected = combine_heads(x)  # (2, 4, 15)
    if result.shape != expected.shape:
        return wrong_shape(
            f"input of shape {x.shape}",
            result.shape,
            expected.shape,
            "keep the batch axis; then one row per token and h * d_h columns",
        )
    if np.array_equal(result, expected):
        return correct("heads concatenated along features, tokens and sequences kept apart")
    if np.array_equal(result, x.reshape(2, 4, 15)):
        return wrong(
            "you reshaped without moving the heads axis: row 0 holds token 0 AND token 1 "
            "of head 0, so tokens are mixed",
            "first swap the heads and tokens axes: (B, h, n, d_h) -> (B, n, h, d_h), then reshape",
        )
    if np.array_equal(result, x.transpose(1, 0, 2, 3).reshape(2, 4, 15)):
        return wrong(
            "you swapped the batch and heads axes, so sequences are mixed",
            "the heads axis is axis 1 (or -3); the tokens axis is axis 2 (or -2)",
        )
    if np.array_equal(result, combine_heads(x[:, ::-1])):
        return wrong("the heads are in reverse order", "head 0's columns come first")
    return wrong(
        "right shape, wrong values", "row t of sequence b must be [head 0 of token t, head 1 ...]"
    )


# --- exercise 8 ---------------------------------------------------------------------------


def torch_in_proj(W_q, W_k, W_v) -> np.ndarray:
    """torch's ``in_proj_weight (3E, E)`` for the ``utils`` matrices ``W_q, W_k, W_v (E, E)``:
    the transposed blocks stacked by rows (torch computes ``x @ in_proj_weight.T``)."""
    return np.concatenate([W_q.T, W_k.T, W_v.T], axis=0)  # (3E, E)


def _three_matrices(result, E: int):
    """The learner's ``(W_q, W_k, W_v)`` as three ``(E, E)`` arrays, or a Feedback."""
    if isinstance(result, dict):
        return None, wrong(
            "your function returned a dict", "return the three matrices: return W_q, W_k, W_v"
        )
    if isinstance(result, np.ndarray) and result.ndim == 3:
        result = list(result)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        what = f"a {type(result).__name__}"
        if isinstance(result, (tuple, list)):
            what += f" of {len(result)} items"
        return None, wrong(
            f"expected three matrices (W_q, W_k, W_v), got {what}",
            "end with: return W_q, W_k, W_v",
        )
    matrices = []
    for name, item in zip(("W_q", "W_k", "W_v"), result, strict=True):
        matrix, problem = as_answer_array(item, f"your {name}")
        if problem:
            return None, problem
        if matrix.shape != (E, E):
            return None, wrong_shape(
                f"in_proj_weight of shape ({3 * E}, {E})",
                matrix.shape,
                (E, E),
                f"each of W_q, W_k, W_v is (E, E); {name} is one third of the rows",
            )
        matrices.append(matrix)
    return matrices, None


def check_in_proj(function):
    """Exercise 8: ``function(in_proj_weight)`` returns ``utils``' ``W_q, W_k, W_v``."""
    if is_unanswered(function):
        return not_attempted(HINTS.nudge(8))
    for E in (4, 6):  # the second size catches an E written into the code
        rng = np.random.default_rng(E)
        weights = [rng.normal(size=(E, E)).round(2) for _ in range(3)]  # W_q, W_k, W_v
        in_proj = torch_in_proj(*weights)  # (3E, E)
        result, problem = attempt(function, in_proj.copy())
        got = None
        if problem is None:
            got, problem = _three_matrices(result, E)
        if problem and problem.status == "not attempted":
            return not_attempted(HINTS.nudge(8))
        if problem:
            if E == 6:
                return wrong(f"works for E = 4, not for E = 6: {problem.message}", "more: hint(8)")
            return problem
        if all(np.allclose(g, w) for g, w in zip(got, weights, strict=True)):
            continue
        if all(np.allclose(g, w.T) for g, w in zip(got, weights, strict=True)):
            return wrong(
                "these are torch's blocks as stored: torch computes x @ W.T, utils x @ W",
                "transpose each block",
            )
        for order in ((0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)):
            if all(np.allclose(got[i], weights[j]) for i, j in enumerate(order)):
                return wrong(
                    "the right matrices in the wrong order",
                    "torch stacks them as [W_q; W_k; W_v]: queries first",
                )
        if E == 6:
            return wrong("right for E = 4, wrong for E = 6", "read E from in_proj_weight.shape")
        return wrong(
            "x @ W_q does not give torch's queries",
            "W_q comes from rows 0:E of in_proj_weight, transposed",
        )
    return correct(
        "rows 0:E, E:2E, 2E:3E, each transposed: x @ W_q now equals torch's x @ W.T for queries"
    )
