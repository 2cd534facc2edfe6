"""utils.exercises.learn: every checker says "not attempted" for the starter, "correct" for
the solution, names the typical mistakes, and never raises on a learner's answer."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.exercises.learn import (
    ADAM_BETAS,
    FLOOR_TASK,
    TASKS_WITHOUT_POSITIONS,
    check_adam_first_step,
    check_loss_floor,
    check_needs_positions,
    check_scale_gradient,
    scale_gradient_case,
)
from utils.learn import softmax_backward

SOLUTION_POSITIONS = {"shift": "no", "lookup": "yes", "reverse": "no", "majority": "yes"}


def test_needs_positions():
    starter = dict.fromkeys(TASKS_WITHOUT_POSITIONS, ...)
    assert check_needs_positions(starter).status == "not attempted"
    assert check_needs_positions(SOLUTION_POSITIONS).ok
    assert check_needs_positions({**SOLUTION_POSITIONS, "lookup": True}).ok  # booleans too
    assert check_needs_positions({k: v.upper() for k, v in SOLUTION_POSITIONS.items()}).ok
    wrong = check_needs_positions({**SOLUTION_POSITIONS, "lookup": "no"})
    assert wrong.status == "wrong" and "lookup" in wrong.message
    partial = check_needs_positions({**SOLUTION_POSITIONS, "reverse": ...})
    assert partial.status == "not attempted" and "reverse" in partial.hint
    assert "missing" in check_needs_positions({"shift": "no"}).message
    assert "'yes' or 'no'" in check_needs_positions({**SOLUTION_POSITIONS, "shift": 1}).message
    assert check_needs_positions(["shift"]).status == "wrong"


def test_adam_first_step():
    beta1, beta2 = ADAM_BETAS
    assert check_adam_first_step((..., ...)).status == "not attempted"
    assert check_adam_first_step(...).status == "not attempted"
    right = (1.0, (1 - beta1) / np.sqrt(1 - beta2))
    assert check_adam_first_step(right).ok
    assert check_adam_first_step([1, 2]).ok
    assert "swapped" in check_adam_first_step(right[::-1]).message
    assert "0.9, 0.999" in check_adam_first_step((1.0, 3.1623)).message
    assert check_adam_first_step((0.5, 2.0)).status == "wrong"
    assert check_adam_first_step((1.0, 2.5)).status == "wrong"
    assert check_adam_first_step((1.0,)).status == "wrong"
    assert check_adam_first_step((1.0, "two")).status == "wrong"


def test_loss_floor():
    half, vocab = FLOOR_TASK["half"], FLOOR_TASK["vocab_size"]
    want = (half - 1) / (2 * half - 1) * np.log(vocab)
    assert check_loss_floor(...).status == "not attempted"
    assert check_loss_floor(want).ok and check_loss_floor(round(want, 3)).ok
    assert "bits" in check_loss_floor((half - 1) / (2 * half - 1) * np.log2(vocab)).message
    assert "graded" in check_loss_floor((half - 1) / (2 * half) * np.log(vocab)).message
    assert "only" in check_loss_floor(half / (2 * half - 1) * np.log(vocab)).message
    assert check_loss_floor(0.1).status == "wrong"
    assert check_loss_floor("1.28").status == "wrong"


def solution_scale_gradient(q, k, v, weights, d_out, scale):
    ds = softmax_backward(weights, d_out @ v.T)  # (n_q, n_k)
    return (ds * (q @ k.T)).sum()


def test_scale_gradient():
    def starter(q, k, v, weights, d_out, scale):
        raise NotImplementedError

    assert check_scale_gradient(starter).status == "not attempted"
    assert check_scale_gradient(solution_scale_gradient).ok

    def extra_scale(q, k, v, weights, d_out, scale):
        return solution_scale_gradient(q, k, v, weights, d_out, scale) * scale

    def no_softmax(q, k, v, weights, d_out, scale):
        return ((d_out @ v.T) * (q @ k.T)).sum()

    def flipped(*args):
        return -solution_scale_gradient(*args)

    assert "scale once more" in check_scale_gradient(extra_scale).message
    assert "skipped the softmax" in check_scale_gradient(no_softmax).message
    assert "sign" in check_scale_gradient(flipped).message
    assert check_scale_gradient(lambda *a: np.ones(3)).status == "wrong"
    assert check_scale_gradient(lambda *a: 1 / 0).status == "wrong"
    assert check_scale_gradient(lambda *a: None).status == "wrong"


def test_scale_gradient_case_shapes():
    q, k, v, weights, d_out, scale = scale_gradient_case()
    assert (q.shape, k.shape, v.shape, weights.shape, d_out.shape) == (
        (3, 4),
        (5, 4),
        (5, 2),
        (3, 5),
        (3, 2),
    )
    assert scale == 0.7


junk = st.one_of(
    st.none(),
    st.just(...),
    st.text(max_size=5),
    st.floats(allow_nan=True),
    st.integers(),
    st.lists(st.one_of(st.floats(allow_nan=True), st.text(max_size=2)), max_size=4),
    st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=4), st.none()), max_size=5),
)


@given(junk)
@pytest.mark.parametrize(
    "checker", [check_needs_positions, check_adam_first_step, check_loss_floor]
)
def test_answer_checkers_never_raise(checker, answer):
    assert checker(answer).status in ("correct", "wrong", "not attempted")


@given(junk)
def test_function_checker_never_raises(value):
    assert check_scale_gradient(lambda *a: value).status in ("wrong", "not attempted")
