"""utils.exercises.base: a learner's answer, whatever it is, becomes feedback, never a crash."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.exercises.base import (
    Feedback,
    Hints,
    as_answer_array,
    as_answer_number,
    as_answer_shape,
    attempt,
    safe_text,
)


class Unprintable:
    def __str__(self):
        raise RuntimeError("no")

    def __repr__(self):
        raise RuntimeError("no")


class BrokenArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("broken __array__")


class BadError(Exception):
    def __str__(self):
        raise RuntimeError("cannot print me")


ADVERSARIAL = [
    [[1, 2], [3]],  # ragged
    10**400,
    (float("inf"), 5, 4),
    BrokenArray(),
    Unprintable(),
    (x for x in range(3)),
    "254",
    b"12",
    np.array([1 + 2j]),
    np.array(["a", "b"]),
    np.array([object(), 1], dtype=object),
    {"a": 1},
    float("nan"),
    [np.nan, 1.0],
    None,
    ...,
]


@pytest.mark.parametrize("answer", ADVERSARIAL, ids=lambda a: type(a).__name__)
def test_every_conversion_gives_feedback_or_an_array(answer):
    for convert in (as_answer_array, as_answer_number, as_answer_shape):
        value, problem = convert(answer)
        assert (value is None) != (problem is None)
        if problem is not None:
            assert isinstance(problem, Feedback) and problem.status != "correct"
            assert isinstance(repr(problem), str) and problem._repr_html_()


def test_conversions_refuse_what_they_must():
    assert as_answer_array([[1, 2], [3]])[1].status == "wrong"
    assert "complex" in as_answer_array(np.array([1 + 2j]))[1].message
    np.testing.assert_array_equal(as_answer_array(np.array([1 + 0j]))[0], [1.0])
    assert "text" in as_answer_array("254")[1].message
    assert "generator" in as_answer_array(x for x in [1])[1].message
    assert "NaN" in as_answer_array([np.nan])[1].message
    assert as_answer_array(...)[1].status == "not attempted"
    assert as_answer_array([True, False], kind="bool")[0].dtype == bool
    assert as_answer_array([0, 2], kind="bool")[1].status == "wrong"


def test_shapes_are_never_truncated_or_guessed():
    assert as_answer_shape((2, 3, 4)) == ((2, 3, 4), None)
    assert as_answer_shape((2.0, 3)) == ((2, 3), None)
    assert as_answer_shape((2.9, 5.2, 4.7))[1].status == "wrong"
    assert as_answer_shape("254")[1].status == "wrong"
    assert as_answer_shape((np.inf, 5, 4))[1].status == "wrong"
    assert as_answer_shape((-1, 2))[1].status == "wrong"
    assert as_answer_shape((True, 2))[1].status == "wrong"


def test_tensors_are_converted():
    class FakeTensor:  # what torch.tensor(..., requires_grad=True) offers
        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return np.array([0.25, 0.75])

    np.testing.assert_array_equal(as_answer_array(FakeTensor())[0], [0.25, 0.75])


def test_attempt_names_every_way_a_function_can_fail():
    def unfinished(x):
        raise NotImplementedError

    def no_return(x):
        _ = x + 1

    def raises_bad_error(x):
        raise BadError

    def interrupted(x):
        raise KeyboardInterrupt

    assert attempt(unfinished, 1)[1].status == "not attempted"
    assert "returned None" in attempt(no_return, 1)[1].message
    assert "BadError" in attempt(raises_bad_error, 1)[1].message
    assert "interrupted" in attempt(interrupted, 1)[1].message
    assert "expected a function" in attempt(42, 1)[1].message
    assert attempt(lambda x: x * 2, 3) == (6, None)


def test_safe_text_never_raises():
    assert "Unprintable" in safe_text(Unprintable())
    assert len(safe_text("x" * 1000, limit=50)) == 50


def test_staged_hints():
    hints = Hints({1: ["look at the rows", "subtract each row's max", "then exp and divide"]})
    assert hints.nudge(1) == "look at the rows (more: hint(1))"
    assert "hint 2 of 3: subtract" in hints.show(1) and "next: hint(1, 3)" in hints.show(1)
    assert "hint 3 of 3" in hints.show(1, 9) and "next" not in hints.show(1, 9)
    assert "no exercise 7" in hints.show(7)
    assert repr(hints.show(1)) == str(hints.show(1))  # shown without quotes


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.floats(),
        st.text(),
        st.binary(),
        st.lists(
            st.one_of(st.integers(), st.floats(), st.lists(st.integers(), max_size=3)), max_size=4
        ),
        st.complex_numbers(),
    )
)
def test_any_value_converts_without_raising(answer):
    for convert in (as_answer_array, as_answer_number, as_answer_shape):
        value, problem = convert(answer)
        assert (value is None) != (problem is None)
