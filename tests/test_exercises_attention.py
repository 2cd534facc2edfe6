"""Checkers of notebook 01: right answers, typical wrong answers, unattempted starters."""

import numpy as np
import pytest

from utils.attention import causal_mask, softmax
from utils.exercises.attention import (
    check_attention_row,
    check_causal_mask,
    check_shapes,
    check_stable_softmax,
    expected_shapes,
    toy_row,
)


def starter(*_args):
    raise NotImplementedError


def test_stable_softmax_right():
    def good(x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    assert check_stable_softmax(good).ok


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True), "overflow"),
        (lambda x: softmax(x, axis=0), "axis 0"),
        (lambda x: np.exp(x), "sum to"),
        (lambda x: np.exp(x) / np.exp(x).sum(), "sum to"),
        (lambda x: x.max(axis=-1), "shape"),
        (lambda x: 1 / 0, "ZeroDivisionError"),
        (lambda x: "text", "numeric"),
    ],
)
def test_stable_softmax_wrong(fn, words):
    feedback = check_stable_softmax(fn)
    assert feedback.status == "wrong"
    assert words in repr(feedback)


def test_stable_softmax_not_attempted():
    assert check_stable_softmax(starter).status == "not attempted"
    assert "not attempted yet" in repr(check_stable_softmax(starter))
    assert "keepdims=True" in check_stable_softmax(starter).hint  # a real hint
    assert "return" in check_stable_softmax(lambda x: None).hint  # forgot to return


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
        ("abc", "numeric"),
    ],
)
def test_attention_row_wrong(answer, words):
    feedback = check_attention_row(answer)
    assert feedback.status == "wrong"
    assert words in repr(feedback)


def test_attention_row_not_attempted():
    assert check_attention_row(...).status == "not attempted"


def test_causal_mask_right():
    assert check_causal_mask(causal_mask).ok
    assert check_causal_mask(lambda n: np.tril(np.ones((n, n))) == 1).ok


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda n: ~causal_mask(n), "polarity"),
        (lambda n: causal_mask(n).T, "transpose"),
        (lambda n: np.tril(np.ones((n, n), dtype=bool), -1), "diagonal"),
        (lambda n: np.tril(np.ones((n, n))), "dtype"),
        (lambda n: np.ones((n, n + 1), dtype=bool), "shape"),
    ],
)
def test_causal_mask_wrong(fn, words):
    feedback = check_causal_mask(fn)
    assert feedback.status == "wrong"
    assert words in repr(feedback)


def test_causal_mask_not_attempted():
    assert check_causal_mask(starter).status == "not attempted"
    assert "np.tril" in check_causal_mask(starter).hint  # a real hint


def test_shapes_right_and_wrong():
    assert check_shapes(expected_shapes()).ok
    assert check_shapes({k: list(v) for k, v in expected_shapes().items()}).ok
    bad = dict(expected_shapes(), out=(2, 5, 4))
    feedback = check_shapes(bad)
    assert feedback.status == "wrong" and "out" in feedback.message
    bad = dict(expected_shapes(), scores=(2, 5, 4))
    assert "n_q, n_k" in check_shapes(bad).hint
    bad = dict(expected_shapes(), K=(2, 4, 5))  # K itself, not its transpose
    feedback = check_shapes(bad)
    assert feedback.status == "wrong" and "K" in feedback.message and "W_k" in feedback.hint
    no_k = {key: v for key, v in expected_shapes().items() if key != "K"}
    assert check_shapes(no_k).status == "wrong"
    assert check_shapes([1, 2]).status == "wrong"
    assert check_shapes({"Q": "x"}).status == "wrong"


def test_shapes_not_attempted():
    assert check_shapes(...).status == "not attempted"
    assert check_shapes(dict.fromkeys(expected_shapes(), ...)).status == "not attempted"
