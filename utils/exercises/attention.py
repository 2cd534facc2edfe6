"""Checkers for the exercises of notebooks/01_single_head_attention.ipynb.

Each returns a :class:`utils.exercises.base.Feedback` and never raises on a learner's answer:
every answer goes through :mod:`utils.exercises.base` (``attempt``, ``as_answer_array``,
``as_answer_number``, ``as_answer_shape``, ``as_answer_choice``). While an exercise is not
attempted, its checker shows the first, gentle hint; ``hint(n)`` gives the next one.

1. one attention row by hand          5. double W_q, double W_v: the entropy of the weights
2. predict the shapes                  6. add the same vector to every key: what changes?
3. build a causal mask                 7. why the flipped mask scores exactly 1.0
4. a numerically stable softmax        8. the mask explorer's fully blocked row
"""

from __future__ import annotations

import numpy as np

from utils.attention import causal_mask, padding_mask, scaled_dot_product_attention, softmax
from utils.examples import entropy, toy_example
from utils.exercises.base import (
    Feedback,
    Hints,
    as_answer_array,
    as_answer_choice,
    as_answer_number,
    as_answer_shape,
    attempt,
    correct,
    is_unanswered,
    not_attempted,
    safe_text,
    wrong,
    wrong_shape,
)

HINTS = Hints(
    {
        1: [
            "start with the new word's query: which row of W_q does x = [1, 0, 0] pick out?",
            "q = x @ W_q; its score with key j is q · K[j]; divide the 4 scores by √d_k = 2",
            "softmax of the 4 scaled scores: e^s_j / Σ e^s; two pairs of scores are equal, "
            "so you only need e^0.5 and e^1 (or e^0 and e^0.5 after subtracting 0.5)",
        ],
        2: [
            "follow one @ at a time: (a, b) @ (b, c) gives (a, c), and a leading batch axis "
            "comes along unchanged",
            "Q = X @ W_q is (batch, n, d_model) @ (d_model, d_k); K.swapaxes(-1, -2) is "
            "(batch, d_k, n)",
            "softmax keeps the shape of its input; weights @ V is (batch, n_q, n_k) @ "
            "(batch, n_k, d_v)",
        ],
        3: [
            "draw the 4 x 4 mask on paper: row i is a query, column j a key; which cells may "
            "attend?",
            "key j is allowed for query i when j <= i: compare a column of query indices "
            "np.arange(n)[:, None] with a row of key indices np.arange(n)[None, :]",
            "numpy also has a function that keeps the lower triangle of an array, diagonal "
            "included: np.tril; make sure the result is boolean",
        ],
        4: [
            "softmax(x - c) = softmax(x) for any constant c added to a whole row: which c "
            "keeps exp from overflowing?",
            "c may differ from row to row, but not within a row: with one c for the whole "
            "array, what happens to the row [-800, -801] of [[5, -3], [-800, -801]]? Pick, "
            "for each row, the c that makes its largest exponent exactly 0",
            "subtract x.max(axis=-1, keepdims=True) (each row's own maximum, kept as a column "
            "so that it broadcasts over its row), then exp, then divide by each row's sum "
            "(axis=-1, keepdims=True again)",
        ],
        5: [
            "what does doubling W_q do to every query, and so to every score q·k? Which "
            "control of the explorer in section 5 does the same?",
            "doubling W_q doubles every score, like moving the explorer's scale from 0.5 to "
            "1.0; doubling W_v leaves Q and K alone: which of Q, K, V do the weights use?",
        ],
        6: [
            "write the new score q · (k_j + c) as the sum of two dot products",
            "q·(k_j + c) = q·k_j + q·c: the second term is the same for every key j of one "
            "query; what does softmax do with a constant added to a whole row?",
        ],
        7: [
            "with the flipped mask, which keys may query i attend to, and which of those is "
            "the nearest?",
            "the flipped mask allows only the later keys j > i, and nearest_token_qk makes "
            "query i prefer the nearest allowed key: which token is that, and what is query "
            "i's guess compared with?",
        ],
        8: [
            "under the flipped mask a row is fully blocked exactly when the right mask "
            "allows every one of its 6 keys",
            "the causal part allows all 6 keys for one query only; the padding part allows "
            "all 6 keys only when no position counts as padding",
        ],
    }
)
hint = HINTS.show


def _read_exact_dict(answer, keys: tuple, exercise: int, expected: str, example: str):
    """A learner's dict with exactly the keys ``keys``, at least one of them answered:
    ``(answer, None)`` or ``(None, Feedback)``. "Not attempted" (with the nudge) for the
    starter's ``...`` or a dict whose values are all ``...``; "wrong", naming the keys
    (``expected``) and the starter's form (``example``), for anything else."""
    if is_unanswered(answer):
        return None, not_attempted(HINTS.nudge(exercise))
    if not isinstance(answer, dict) or set(answer) != set(keys):
        return None, wrong(
            f"expected a dict with the keys {expected}, got {safe_text(answer, 60)}",
            f"keep the starter's form: {example}",
        )
    if all(is_unanswered(v) for v in answer.values()):
        return None, not_attempted(HINTS.nudge(exercise))
    return answer, None


# --- 1. one attention row by hand ----------------------------------------------------------


NEW_TOKEN = np.array([1.0, 0.0, 0.0])  # (d_model,): the embedding of exercise 1's new word


def toy_row(x=NEW_TOKEN, scale=None) -> np.ndarray:
    """Attention weights ``(4,)`` of a token with embedding ``x (3,)`` over the toy example's
    four keys (default scale 1/sqrt(d_k) = 1/2). For ``NEW_TOKEN`` the scores are [1, 2, 2, 1]."""
    ex = toy_example()
    q = np.asarray(x, dtype=float) @ ex["W_q"]  # (d_k,)
    keys = ex["X"] @ ex["W_k"]  # (4, d_k)
    scale = 1 / np.sqrt(keys.shape[1]) if scale is None else scale
    return softmax(q @ keys.T * scale)  # (4,)


def check_attention_row(answer) -> Feedback:
    """Exercise 1: the 4 weights of a new word with embedding [1, 0, 0] over the toy keys
    (2 decimals are enough)."""
    got, problem = as_answer_array(answer, "your answer")
    if problem:
        return HINTS.nudge_if_not_attempted(1, problem)
    if got.shape != (4,):
        return wrong(
            f"expected 4 numbers (one per key), got shape {got.shape}",
            "one weight for each of 'the', 'cat', 'sat', 'down'",
        )
    ex = toy_example()
    scores = (NEW_TOKEN @ ex["W_q"]) @ (ex["X"] @ ex["W_k"]).T  # (4,) = [1, 2, 2, 1]
    tol = {"atol": 0.006, "rtol": 0.0}
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


# --- 2. predict the shapes -----------------------------------------------------------------

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


SHAPE_HINTS = {
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


def check_shapes(answer) -> Feedback:
    """Exercise 2: ``answer`` is a dict with a shape tuple for each of Q, K, V, scores,
    weights, out. Keys left at ``...`` are "still to answer", not wrong."""
    if is_unanswered(answer):
        return not_attempted(HINTS.nudge(2))
    if not isinstance(answer, dict):
        return wrong(
            f"expected a dict of shapes, got {type(answer).__name__}",
            'keep the starter\'s form: {"Q": (2, 5, 4), ...}',
        )
    names = ", ".join(SHAPE_KEYS)
    unknown = [safe_text(key, 20) for key in answer if key not in SHAPE_KEYS]
    if unknown:
        return wrong(
            f"unknown key {unknown[0]!r}: the keys are {names}",
            "spell the keys exactly as in the starter (Q, K and V are upper case)",
        )
    want = expected_shapes()
    missing, bad = [], []
    for key in SHAPE_KEYS:
        if is_unanswered(answer.get(key)):
            missing.append(key)
            continue
        got, problem = as_answer_shape(answer[key], f"the shape of {key}")
        if problem:
            return problem
        if got != want[key]:
            bad.append(key)
    if len(missing) == len(SHAPE_KEYS):
        return not_attempted(HINTS.nudge(2))
    if bad:
        return wrong(f"these shapes are off: {', '.join(bad)}", SHAPE_HINTS[bad[0]])
    if missing:
        done = [key for key in SHAPE_KEYS if key not in missing]
        return Feedback(
            "not attempted",
            f"right so far ({', '.join(done)}); still to answer: {', '.join(missing)}",
            HINTS.nudge(2),
        )
    return correct("every shape right: out has d_v columns, scores are n x n")


# --- 3. build a causal mask ----------------------------------------------------------------


def _dtype_of(value):
    """The dtype numpy gives ``value``, or None if it cannot tell (never raises)."""
    try:
        return np.asarray(value).dtype
    except Exception:  # noqa: BLE001 - a learner's object may refuse conversion
        return None


def check_causal_mask(fn) -> Feedback:
    """Exercise 3: ``fn(n)`` must return the ``(n, n)`` bool mask, True = may attend, for
    several n."""
    for n in (3, 5, 1):
        result, problem = attempt(fn, n)
        if problem:
            return HINTS.nudge_if_not_attempted(3, problem)
        got, problem = as_answer_array(result, "your mask", kind="bool")
        if problem:
            return HINTS.nudge_if_not_attempted(3, problem)
        if got.shape != (n, n):
            return wrong_shape(
                f"n={n}", got.shape, (n, n), "one row per query, one column per key"
            )
        dtype = _dtype_of(result)
        if dtype is None or dtype.kind != "b":
            return wrong(
                f"the mask has dtype {dtype}, not bool",
                "build it from a comparison such as j <= i, or convert with .astype(bool)",
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
                "rows are queries, columns keys: True on and below the diagonal",
            )
        if np.array_equal(got, np.tril(want, -1)):
            return wrong(
                "the diagonal is False: a token must be allowed to attend to itself",
                "key j is allowed when j <= i, not only when j < i",
            )
        return wrong(f"for n={n} the mask differs from the causal pattern", HINTS.nudge(3))
    return correct("True on and below the diagonal, for n = 1, 3, 5")


# --- 4. a numerically stable softmax -------------------------------------------------------


def _softmax_of(fn, logits):
    """``(fn(logits) as a float array, None)``, or ``(None, Feedback)``. A NaN in the result
    comes back as the array ``None`` with a Feedback whose message contains "NaN"."""
    with np.errstate(all="ignore"):  # the learner's overflow is diagnosed, not warned about
        result, problem = attempt(fn, logits.copy())
        if problem:
            return None, HINTS.nudge_if_not_attempted(4, problem)
        return as_answer_array(result, "your result")


def _shape_problem(got, logits):
    if got.shape != logits.shape:
        return wrong_shape(
            f"input of shape {logits.shape}",
            got.shape,
            logits.shape,
            "softmax keeps the shape: use keepdims=True in max and sum",
        )
    return None


def check_stable_softmax(fn) -> Feedback:
    """Exercise 4: ``fn(x)`` must equal softmax over the last axis, also for logits like 1000
    and for rows of very different scales (which one maximum for the whole array breaks)."""
    small = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])  # (2, 3)
    got, problem = _softmax_of(fn, small)
    if problem:
        return problem
    if problem := _shape_problem(got, small):
        return problem
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
    big = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])  # (2, 3)
    got, problem = _softmax_of(fn, big)
    if problem and "NaN" in problem.message:
        return wrong(
            f"logits {big.astype(int).tolist()} give NaN: exp(1000) overflows to inf, and "
            "inf / inf is NaN",
            HINTS.nudge(4),
        )
    if problem:
        return problem
    if problem := _shape_problem(got, big):
        return problem
    if not np.all(np.isfinite(got)) or not np.allclose(got, softmax(big)):
        return wrong(
            f"logits {big.astype(int).tolist()} give the wrong weights: exp(1000) overflows",
            HINTS.nudge(4),
        )
    mixed = np.array([[5.0, -3.0], [-800.0, -801.0]])  # (2, 2): rows of very different scales
    got, problem = _softmax_of(fn, mixed)
    if problem and "NaN" in problem.message:
        return wrong(
            "rows of very different scales, [[5, -3], [-800, -801]], give NaN in row 1: one "
            "maximum for the whole array (5) leaves row 1 at [-805, -806], whose exp "
            "underflows to 0, and the row becomes 0 / 0",
            "subtract each row's own maximum: x.max(axis=-1, keepdims=True)",
        )
    if problem:
        return problem
    if problem := _shape_problem(got, mixed):
        return problem
    if not np.allclose(got, softmax(mixed)):
        return wrong(
            "rows of very different scales, [[5, -3], [-800, -801]], give "
            f"{np.round(got, 3).tolist()}",
            "subtract each row's own maximum: x.max(axis=-1, keepdims=True)",
        )
    return correct(
        "rows sum to 1, logits of 1000 do not overflow, and each row is shifted by its own maximum"
    )


# --- 5. double W_q, double W_v ---------------------------------------------------------------

DIRECTIONS = ("up", "down", "same")


def doubled_entropies() -> dict:
    """Entropy (nats) of each toy query's weights, ``(4,)`` each: as given (``"given"``),
    with W_q doubled (``"W_q"``) and with W_v doubled (``"W_v"``). Exercise 5."""
    ex = toy_example()
    X, W_q, W_k, W_v = ex["X"], ex["W_q"], ex["W_k"], ex["W_v"]

    def weights(w_q, w_v):
        return scaled_dot_product_attention(X @ w_q, X @ W_k, X @ w_v)[1]  # (4, 4)

    return {
        "given": entropy(weights(W_q, W_v)),
        "W_q": entropy(weights(2 * W_q, W_v)),
        "W_v": entropy(weights(W_q, 2 * W_v)),
    }


def check_entropy_after_doubling(answer) -> Feedback:
    """Exercise 5: ``answer = {"W_q": ..., "W_v": ...}``, each "up", "down" or "same": what
    happens to the entropy of every query's weights when that matrix is doubled."""
    answer, problem = _read_exact_dict(
        answer, ("W_q", "W_v"), 5, "'W_q' and 'W_v'", '{"W_q": "up", "W_v": "same"}'
    )
    if problem:
        return problem
    h = doubled_entropies()
    cat = f"'cat': {h['given'][1]:.3f} -> {h['W_q'][1]:.3f} nats"
    for key in ("W_q", "W_v"):
        choice, problem = as_answer_choice(answer[key], DIRECTIONS, f"your answer for {key}")
        if problem:
            return HINTS.nudge_if_not_attempted(5, problem)
        if key == "W_q" and choice == "up":
            return wrong(
                "doubling W_q doubles every score, and larger scores make softmax sharper, "
                "not flatter",
                "in the explorer, move the scale from 0.5 to 1.0 and watch the entropy of 'cat'",
            )
        if key == "W_q" and choice == "same":
            return wrong(
                "the weights do change: softmax(2s) is not softmax(s) (only adding a constant "
                "to a row leaves softmax unchanged)",
                HINTS.nudge(5),
            )
        if key == "W_v" and choice != "same":
            return wrong(
                "the weights are softmax(Q Kᵀ / √d_k): V is not in it",
                "doubling W_v doubles V, and so the outputs, but not the weights",
            )
    return correct(
        f"doubling W_q doubles every score: the weights sharpen and the entropy falls for every "
        f"query ({cat}); doubling W_v doubles the outputs and leaves the weights alone"
    )


# --- 6. add the same vector to every key ---------------------------------------------------

SHIFT = np.array([1.0, 0.0, 0.0, 1.0])  # (d_k,): the vector added to every key in exercise 6
SHIFT_PARTS = ("scores", "weights", "out")


def shifted_keys() -> dict:
    """The toy example before and after adding ``SHIFT`` to every key: ``scores``,
    ``weights`` and ``out``, each ``(4, 4)``, under ``"before"`` and ``"after"``."""
    ex = toy_example()
    Q, K, V = ex["X"] @ ex["W_q"], ex["X"] @ ex["W_k"], ex["X"] @ ex["W_v"]  # (4, 4) each
    result = {}
    for name, keys in (("before", K), ("after", K + SHIFT)):
        scores = Q @ keys.T  # (n_q, n_k)
        weights = softmax(scores / 2.0)  # (n_q, n_k)
        result[name] = {"scores": scores, "weights": weights, "out": weights @ V}
    return result


def check_shifted_keys(answer) -> Feedback:
    """Exercise 6: ``answer = {"scores": ..., "weights": ..., "out": ...}``, each True (it
    changes) or False, when the same vector is added to every key."""
    answer, problem = _read_exact_dict(
        answer,
        SHIFT_PARTS,
        6,
        ", ".join(SHIFT_PARTS),
        '{"scores": True, "weights": False, "out": False}',
    )
    if problem:
        return problem
    changes = {}
    for part in SHIFT_PARTS:
        value = answer[part]
        if not isinstance(value, bool | np.bool_):
            return wrong(
                f"your answer for {part!r} is {safe_text(value, 40)}, not True or False",
                "write True (it changes) or False (it stays the same), without quotes",
            )
        changes[part] = bool(value)
    shift = shifted_keys()["after"]["scores"] - shifted_keys()["before"]["scores"]  # (4, 4)
    row = f"query 'cat': every score {shift[1, 0]:+g}"
    if not changes["scores"]:
        return wrong(
            "the scores do change: q · (k_j + c) = q·k_j + q·c",
            f"compute q·c for one query ({row})",
        )
    if changes["weights"] or changes["out"]:
        return wrong(
            "the scores change, but by the same amount q·c across a query's row "
            f"({row}); softmax(s + constant) = softmax(s)",
            "so the weights stay the same, and the outputs (weights @ V) too",
        )
    return correct(
        f"each query's scores all shift by the same q·c ({row}), which softmax ignores: "
        "weights and outputs stay the same. (Adding c to every query instead shifts score j "
        "by c·k_j, which differs from key to key: that changes the weights.)"
    )


# --- 7. why the flipped mask scores exactly 1.0 --------------------------------------------

FLIPPED_REASONS = {
    "a": "the flipped mask lets every query see all 12 tokens, so it finds the answer somewhere",
    "b": (
        "each query may attend only to later tokens, and prefers the nearest of them: token "
        "i + 1, the very token its guess is compared with"
    ),
    "c": (
        "with a vocabulary of only 10, random ids repeat so often that copying any neighbour "
        "is usually right"
    ),
    "d": "the last query's row is fully blocked, which raises the average",
}


def check_flipped_accuracy(answer) -> Feedback:
    """Exercise 7: which of ``FLIPPED_REASONS`` ("a".."d") explains the accuracy of 1.0."""
    choice, problem = as_answer_choice(answer, tuple(FLIPPED_REASONS), "your answer")
    if problem:
        return HINTS.nudge_if_not_attempted(7, problem)
    if choice == "b":
        return correct(
            "the flipped mask shows query i only the keys j > i; the nearest, token i + 1, "
            "gets almost all the weight, and its value row is the one-hot of exactly the "
            "token to predict, so the argmax is right every time, whatever the data"
        )
    reasons = {
        "a": "the flipped mask allows only the keys after the query (j > i), not all 12",
        "c": "the right mask, which copies the token itself, scores at chance (about 0.1): "
        "repeats do not help",
        "d": "the last query is not scored (there is no token after it to predict)",
    }
    return wrong(reasons[choice], HINTS.nudge(7))


# --- 8. the mask explorer's fully blocked row ----------------------------------------------

EXPLORER_N = 6  # the mask explorer: 4 words and 2 <pad> tokens


def flipped_blocked_rows(length: int, n: int = EXPLORER_N) -> list[int]:
    """Query rows with no allowed key when the "causal + padding" mask at ``length`` is
    flipped (1 = blocked read as True = may attend), as in the mask explorer."""
    right = causal_mask(n) & padding_mask([length], n)[0]  # (n, n) True = may attend
    flipped = ~right  # the bug: True where the right mask blocks
    return [i for i in range(n) if not flipped[i].any()]


def check_explorer_blocked_row(answer) -> Feedback:
    """Exercise 8: ``answer = {"row": ..., "length": ...}``: the query row that the flipped
    "causal + padding" mask blocks fully, and the length at which it happens."""
    answer, problem = _read_exact_dict(
        answer, ("row", "length"), 8, "'row' and 'length'", '{"row": 2, "length": 3}'
    )
    if problem:
        return problem
    values = {}
    for key, low, high in (("row", 0, EXPLORER_N - 1), ("length", 1, EXPLORER_N)):
        value, problem = as_answer_number(answer[key], f"your {key}")
        if problem:
            return HINTS.nudge_if_not_attempted(8, problem)
        if not value.is_integer() or not low <= value <= high:
            return wrong(
                f"your {key} is {value:g}: the explorer's {key} is a whole number from {low} "
                f"to {high}",
                HINTS.nudge(8),
            )
        values[key] = int(value)
    row, length = values["row"], values["length"]
    if row in flipped_blocked_rows(length):
        return correct(
            f"at length {EXPLORER_N} nothing is padding, so the right mask is just causal and "
            f"the last query (row {EXPLORER_N - 1}) may attend to all {EXPLORER_N} keys; "
            "flipped, it may attend to none. At any shorter length the padded keys are "
            "blocked in the right mask, so the flipped one allows them"
        )
    if length < EXPLORER_N:
        return wrong(
            f"at length {length}, keys {length}..{EXPLORER_N - 1} are padding: the right mask "
            f"blocks them for every query, so the flipped mask allows them, and row {row} "
            "still has keys",
            "set the explorer to causal + padding, flipped, and move the length slider",
        )
    return wrong(
        f"at length {length} the right mask is causal only: row {row} may attend to keys "
        f"0..{row}, so the flipped mask still allows keys {row + 1}..{EXPLORER_N - 1}",
        HINTS.nudge(8),
    )
