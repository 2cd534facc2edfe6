"""Checkers of notebook 01: right answers, typical wrong answers, unattempted starters, staged
hints, and adversarial answers that must give feedback, never a traceback or a false tick."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.adversarial import (
    BrokenArray,
    FakeTensor,
    any_answer,
    assert_staged_hints,
    assert_survives_adversarial_answers,
    assert_survives_adversarial_functions,
    feedback_on,
    starter,
)
from utils.attention import causal_mask, softmax
from utils.exercises.attention import (
    FLIPPED_REASONS,
    HINTS,
    SHAPE_KEYS,
    SHIFT,
    check_attention_row,
    check_causal_mask,
    check_entropy_after_doubling,
    check_explorer_blocked_row,
    check_flipped_accuracy,
    check_shapes,
    check_shifted_keys,
    check_stable_softmax,
    doubled_entropies,
    expected_shapes,
    flipped_blocked_rows,
    hint,
    shifted_keys,
    toy_row,
)


def good_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --- exercise 1: one attention row by hand -------------------------------------------------


def test_attention_row_values():
    # new word [1, 0, 0]: q = [1, 0, 1, 0], scores [1, 2, 2, 1], scaled [.5, 1, 1, .5]
    r = np.exp(0.5)
    np.testing.assert_allclose(toy_row(), np.array([1, r, r, 1]) / (2 + 2 * r))
    assert check_attention_row([0.19, 0.31, 0.31, 0.19]).ok
    assert check_attention_row(toy_row()).ok


@pytest.mark.parametrize(
    "answer, words",
    [
        (toy_row(scale=1.0), "without the scale"),
        (toy_row(scale=0.25), "d_k = 4"),
        ([1, 2, 2, 1], "scores, not weights"),
        ([0.5, 1, 1, 0.5], "scores, not weights"),
        ([0.25, 0.25, 0.25, 0.25], "do not match"),
        ([0.5, 0.5, 0.5, 0.5], "sum to 2.000"),
        ([1, 2], "4 numbers"),
        ("abc", "text"),
        ([np.nan] * 4, "NaN"),  # not "your weights sum to nan"
    ],
)
def test_attention_row_wrong(answer, words):
    feedback = check_attention_row(answer)
    assert feedback.status == "wrong"
    assert words in repr(feedback)
    assert "sum to nan" not in repr(feedback)


def test_attention_row_not_attempted_gives_only_a_nudge():
    feedback = check_attention_row(...)
    assert feedback.status == "not attempted"
    assert feedback.hint == HINTS.nudge(1) and "softmax" not in feedback.hint


# --- exercise 2: predict the shapes --------------------------------------------------------


def test_shapes_right_and_wrong():
    assert check_shapes(expected_shapes()).ok
    assert check_shapes({k: list(v) for k, v in expected_shapes().items()}).ok
    bad = dict(expected_shapes(), out=(2, 5, 4))
    feedback = check_shapes(bad)
    assert feedback.status == "wrong" and "out" in feedback.message
    assert not feedback.message.startswith("wrong")  # no "wrong: wrong:"
    bad = dict(expected_shapes(), scores=(2, 5, 4))
    assert "n_q, n_k" in check_shapes(bad).hint
    bad = dict(expected_shapes(), K=(2, 4, 5))  # K itself, not its transpose
    feedback = check_shapes(bad)
    assert feedback.status == "wrong" and "K" in feedback.message and "W_k" in feedback.hint
    assert check_shapes([1, 2]).status == "wrong"
    assert check_shapes({"Q": "x"}).status == "wrong"


def test_shapes_are_never_truncated_or_guessed():
    for fake in [(2.9, 5.2, 4.7), "254", (np.inf, 5, 4), (2, 5, -4), (True, 5, 4)]:
        answer = dict(expected_shapes(), Q=fake)
        assert check_shapes(answer).status == "wrong", fake


def test_shapes_unanswered_keys_are_not_wrong_and_unknown_keys_are_named():
    partial = dict(expected_shapes(), V=..., out=...)
    feedback = check_shapes(partial)
    assert feedback.status == "not attempted"
    assert "still to answer: V, out" in feedback.message
    lower = {key.lower(): value for key, value in expected_shapes().items()}
    feedback = check_shapes(lower)
    assert feedback.status == "wrong" and "unknown key 'q'" in feedback.message
    no_k = {key: v for key, v in expected_shapes().items() if key != "K"}
    assert check_shapes(no_k).status == "not attempted"


def test_shapes_not_attempted():
    assert check_shapes(...).status == "not attempted"
    feedback = check_shapes(dict.fromkeys(SHAPE_KEYS, ...))
    assert feedback.status == "not attempted" and feedback.hint == HINTS.nudge(2)


# --- exercise 3: build a causal mask -------------------------------------------------------


def test_causal_mask_right():
    assert check_causal_mask(causal_mask).ok
    assert check_causal_mask(lambda n: np.tril(np.ones((n, n))) == 1).ok
    assert check_causal_mask(lambda n: np.tril(np.ones((n, n))).astype(bool).tolist()).ok


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda n: ~causal_mask(n), "polarity"),
        (lambda n: causal_mask(n).T, "transpose"),
        (lambda n: np.tril(np.ones((n, n), dtype=bool), -1), "diagonal"),
        (lambda n: np.tril(np.ones((n, n))), "dtype"),
        (lambda n: np.ones((n, n + 1), dtype=bool), "shape"),
        (lambda n: [[True] * (i + 1) for i in range(n)], "cannot be turned into an array"),
        (lambda n: np.full((n, n), 2), "other than True/False"),
        (lambda n: None, "returned None"),
    ],
)
def test_causal_mask_wrong(fn, words):
    feedback = check_causal_mask(fn)
    assert feedback.status == "wrong"
    assert words in repr(feedback)


def test_causal_mask_not_attempted_does_not_name_the_method():
    feedback = check_causal_mask(starter)
    assert feedback.status == "not attempted" and feedback.hint == HINTS.nudge(3)
    assert "tril" not in feedback.hint
    assert "tril" in hint(3, 3)  # the method is two calls away


# --- exercise 4: a numerically stable softmax ----------------------------------------------


def test_stable_softmax_right():
    assert check_stable_softmax(good_softmax).ok


def global_max_softmax(x):  # the exact mistake the exercise targets
    e = np.exp(x - x.max())
    return e / e.sum(axis=-1, keepdims=True)


def row_min_softmax(x):  # shifts each row, but by the wrong constant
    e = np.exp(x - x.min(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "fn, words",
    [
        (global_max_softmax, "one maximum for the whole array"),
        (row_min_softmax, "overflows"),
        (lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True), "overflows"),
        (lambda x: softmax(x, axis=0), "axis 0"),
        (lambda x: np.exp(x), "sum to"),
        (lambda x: np.exp(x) / np.exp(x).sum(), "sum to"),
        (lambda x: x.max(axis=-1), "shape"),
        (lambda x: 1 / 0, "ZeroDivisionError"),
        (lambda x: "text", "text"),
        (lambda x: good_softmax(x) + 1e-3, "sum to"),
        (lambda x: None, "returned None"),
    ],
)
def test_stable_softmax_wrong(fn, words):
    feedback = check_stable_softmax(fn)
    assert feedback.status == "wrong"
    assert words in repr(feedback)


def test_stable_softmax_global_max_gives_nan_on_rows_of_different_scales():
    with np.errstate(all="ignore"):
        out = global_max_softmax(np.array([[5.0, -3.0], [-800.0, -801.0]]))
    assert np.isnan(out[1]).all()  # the reason the checker tests such rows


def test_stable_softmax_not_attempted_gives_only_a_nudge():
    feedback = check_stable_softmax(starter)
    assert feedback.status == "not attempted"
    assert "not attempted yet" in repr(feedback)
    assert feedback.hint == HINTS.nudge(4)
    assert "keepdims" not in feedback.hint and ".max(" not in feedback.hint  # not the method
    assert "keepdims" not in hint(4) and ".max(" not in hint(4)  # hint 2: why per row
    assert "[[5, -3], [-800, -801]]" in hint(4)  # the checker's case of rows of mixed scales
    assert "keepdims" in hint(4, 3)  # the method is two calls away


# --- exercises 5-8: conceptual ---------------------------------------------------------------


def test_doubling_facts_and_checker():
    h = doubled_entropies()
    assert (h["W_q"] < h["given"]).all()  # doubling W_q sharpens every query's weights
    np.testing.assert_allclose(h["W_v"], h["given"])  # W_v does not enter the weights
    assert check_entropy_after_doubling({"W_q": "down", "W_v": "same"}).ok
    assert check_entropy_after_doubling({"W_q": " Down ", "W_v": "SAME"}).ok
    for wrong in [
        {"W_q": "up", "W_v": "same"},
        {"W_q": "same", "W_v": "same"},
        {"W_q": "down", "W_v": "down"},
        {"W_q": "down", "W_v": "up"},
        {"W_q": "lower", "W_v": "same"},
        {"W_q": 1, "W_v": "same"},
        {"W_q": "down"},
        ["down", "same"],
    ]:
        assert check_entropy_after_doubling(wrong).status == "wrong", wrong
    assert check_entropy_after_doubling({"W_q": ..., "W_v": ...}).status == "not attempted"


def test_shifted_keys_facts_and_checker():
    before, after = shifted_keys()["before"], shifted_keys()["after"]
    change = after["scores"] - before["scores"]  # (4, 4)
    assert not np.allclose(change, 0)
    np.testing.assert_allclose(change, change[:, :1] * np.ones(4))  # constant per row
    np.testing.assert_allclose(after["weights"], before["weights"])
    np.testing.assert_allclose(after["out"], before["out"])
    np.testing.assert_array_equal(SHIFT, [1.0, 0.0, 0.0, 1.0])  # the notebook's c
    assert check_shifted_keys({"scores": True, "weights": False, "out": False}).ok
    assert check_shifted_keys({"scores": np.True_, "weights": False, "out": False}).ok
    for wrong in [
        {"scores": False, "weights": False, "out": False},
        {"scores": True, "weights": True, "out": True},
        {"scores": True, "weights": False, "out": True},
        {"scores": 1, "weights": 0, "out": 0},
        {"scores": "True", "weights": "False", "out": "False"},
        {"scores": True, "weights": False},
    ]:
        assert check_shifted_keys(wrong).status == "wrong", wrong
    assert check_shifted_keys(dict.fromkeys(("scores", "weights", "out"), ...)).status == (
        "not attempted"
    )


def test_flipped_accuracy_checker():
    assert check_flipped_accuracy("b").ok and check_flipped_accuracy(" B ").ok
    for letter in "acd":
        feedback = check_flipped_accuracy(letter)
        assert feedback.status == "wrong" and feedback.hint == HINTS.nudge(7)
    assert check_flipped_accuracy("e").status == "wrong"
    assert check_flipped_accuracy(FLIPPED_REASONS["b"]).status == "wrong"  # the letter
    assert check_flipped_accuracy(...).status == "not attempted"


def test_explorer_blocked_row_facts_and_checker():
    assert flipped_blocked_rows(6) == [5]
    assert all(flipped_blocked_rows(length) == [] for length in range(1, 6))
    assert check_explorer_blocked_row({"row": 5, "length": 6}).ok
    assert check_explorer_blocked_row({"row": 5.0, "length": np.int64(6)}).ok
    for wrong in [
        {"row": 5, "length": 4},
        {"row": 3, "length": 6},
        {"row": 3, "length": 4},
        {"row": 5.5, "length": 6},
        {"row": 6, "length": 6},
        {"row": 5, "length": 0},
        {"row": float("inf"), "length": 6},
        {"row": 5},
    ]:
        assert check_explorer_blocked_row(wrong).status == "wrong", wrong
    assert check_explorer_blocked_row({"row": ..., "length": ...}).status == "not attempted"


def test_explorer_blocked_row_agrees_with_the_explorer():
    from utils.widgets.attention import POLARITIES, MaskExplorer

    explorer = MaskExplorer()
    explorer.kind.value = "causal + padding"
    explorer.polarity.value = POLARITIES[1]
    for length in range(1, 7):
        explorer.length.value = length
        assert explorer.blocked_rows == flipped_blocked_rows(length)


def test_every_exercise_has_staged_hints():
    assert_staged_hints(HINTS, 8)


# --- adversarial answers: feedback, never a traceback, never a false tick ------------------


def notebook_values():
    """Adversarial answers shaped like this notebook's: four weights, a mask's rows."""
    return [
        [10**400, 1, 2, 3],
        [np.nan, 0.25, 0.25, 0.25],
        (x for x in range(4)),
        np.array([1 + 2j, 0, 0, 0]),
        np.array([0.189 + 5j, 0.311, 0.311, 0.189]),
        FakeTensor([0.25, 0.25, 0.25, 0.25]),
        {"Q": BrokenArray()},
    ]


def almost_right_values():
    """Answers a tolerance away from right: they must not be accepted."""
    return [
        toy_row() + np.array([0.02, -0.02, 0.0, 0.0]),
        np.round(toy_row(), 1),
        dict(expected_shapes(), out=(2, 5, 5)),
        dict(expected_shapes(), Q=(2.9, 5.2, 4.7)),
        {"W_q": "down", "W_v": "down"},
        {"scores": True, "weights": True, "out": False},
        {"row": 5, "length": 5},
        {"row": 4, "length": 6},
        "c",
    ]


def almost_right_functions():
    """Learner functions close to a right softmax or mask, but wrong."""
    return [
        "my_softmax",  # the function's name, in quotes
        lambda x: good_softmax(x) * (1 + 1e-3),  # almost right
        lambda x: good_softmax(x)[..., ::-1],  # right values, wrong order
        lambda x: good_softmax(x).T,  # wrong shape
        lambda x: np.round(good_softmax(x), 2),
        lambda x: good_softmax(x) + 1j,
        lambda n: ~np.tril(np.ones((n, n), dtype=bool)),
        lambda n: np.tril(np.ones((n + 1, n + 1), dtype=bool)),
        lambda n: np.eye(n, dtype=bool),
        lambda n: FakeTensor(np.ones((n, n), dtype=bool)),
        lambda n: (row for row in causal_mask(n)),
    ]


VALUE_CHECKERS = [
    check_attention_row,
    check_shapes,
    check_entropy_after_doubling,
    check_shifted_keys,
    check_flipped_accuracy,
    check_explorer_blocked_row,
]
FUNCTION_CHECKERS = [check_stable_softmax, check_causal_mask]
DICT_KEYS = {
    check_shapes: SHAPE_KEYS,
    check_entropy_after_doubling: ("W_q", "W_v"),
    check_shifted_keys: ("scores", "weights", "out"),
    check_explorer_blocked_row: ("row", "length"),
}


@pytest.mark.parametrize("checker", VALUE_CHECKERS, ids=lambda c: c.__name__)
def test_value_checkers_survive_every_adversarial_answer(checker):
    # adversarial values also inside every dict of answers one of the checkers expects
    assert_survives_adversarial_answers(
        checker, notebook_values(), almost_right_values(), dict_keys=DICT_KEYS.values()
    )


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_function_checkers_survive_every_adversarial_function(checker):
    assert_survives_adversarial_functions(checker, notebook_values(), almost_right_functions())


@given(
    any_answer(keys=["Q", "row", "W_q", "scores", "x"]),
    st.sampled_from(VALUE_CHECKERS + FUNCTION_CHECKERS),
)
def test_any_answer_gives_feedback_and_random_ones_are_not_ticked(answer, checker):
    feedback = feedback_on(checker, answer, function=checker in FUNCTION_CHECKERS)
    if feedback.ok:  # only a genuinely right answer may be ticked
        assert checker is check_flipped_accuracy and answer.strip().lower() == "b"
