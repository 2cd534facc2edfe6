"""utils.exercises.base: a learner's answer, whatever it is, becomes feedback, never a crash."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.adversarial import (
    BadError,
    FakeTensor,
    Unprintable,
    adversarial_values,
    assert_feedback,
    raising,
    returning,
    starter,
)
from utils.exercises.base import (
    Hints,
    as_answer_array,
    as_answer_choice,
    as_answer_dict,
    as_answer_letter,
    as_answer_number,
    as_answer_shape,
    as_answer_shape_or_array,
    attempt,
    match_option,
    not_attempted,
    parse_truth,
    safe_text,
    wrong,
)

CONVERSIONS = {
    "as_answer_array": as_answer_array,
    "as_answer_number": as_answer_number,
    "as_answer_shape": as_answer_shape,
    "as_answer_shape_or_array": as_answer_shape_or_array,
    "as_answer_choice": lambda a: as_answer_choice(a, ("up", "down")),
    "as_answer_letter": lambda a: as_answer_letter(a, ("A", "B")),
    "as_answer_dict": lambda a: as_answer_dict(a, ("A", "b"), "{'A': 1}", "look again"),
}


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_every_conversion_gives_feedback_or_a_value(name):
    for answer in adversarial_values():
        value, problem = CONVERSIONS[name](answer)
        assert (value is None) != (problem is None), (name, safe_text(answer))
        if problem is not None:
            assert_feedback(problem, f"{name}({safe_text(answer)})")
    for answer in adversarial_values():  # the parsers of one option or one truth value
        assert match_option(answer, ("up", "254")) in (None, "254")
        truth, message = parse_truth(answer)
        assert (truth is None) != (message is None) and isinstance(message or "", str)


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
    np.testing.assert_array_equal(as_answer_array(FakeTensor([0.25, 0.75]))[0], [0.25, 0.75])


def test_attempt_names_every_way_a_function_can_fail():
    assert attempt(starter, 1)[1].status == "not attempted"
    assert "returned None" in attempt(returning(None), 1)[1].message
    assert "BadError" in attempt(raising(BadError()), 1)[1].message
    assert "interrupted" in attempt(raising(KeyboardInterrupt()), 1)[1].message
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


def test_the_nudge_replaces_a_generic_not_attempted_hint():
    hints = Hints({3: ["look at the rows", "subtract each row's max"]})
    generic = not_attempted("replace `raise NotImplementedError` with your code")
    nudged = hints.nudge_if_not_attempted(3, generic)
    assert nudged.status == "not attempted" and nudged.hint == hints.nudge(3)
    assert nudged.message == generic.message
    problem = wrong("your code raised ValueError: x")
    assert hints.nudge_if_not_attempted(3, problem) is problem
    assert hints.nudge_if_not_attempted(3, None) is None


def test_shapes_may_come_as_a_1d_array():
    assert as_answer_shape_or_array(np.array([7, 20])) == ((7, 20), None)
    assert as_answer_shape_or_array([7.0, 20]) == ((7, 20), None)
    assert as_answer_shape(np.array([7, 20]))[1].status == "wrong"  # the plain one refuses
    assert as_answer_shape_or_array(np.array([[7, 20]]))[1].status == "wrong"  # 2-D
    assert as_answer_shape_or_array(np.array([6.9, 20]))[1].status == "wrong"
    what = as_answer_shape_or_array("720", "the output's shape")[1].message
    assert what.startswith("the output's shape")


def test_an_option_is_found_whatever_its_case_and_spaces():
    assert match_option(" Down ", ("up", "down")) == "down"
    assert match_option("b", {"A": 1, "B": 2}) == "B"  # the option as spelled in options
    assert match_option(" (c). ", "abcd", strip="().") == "c"
    assert match_option("(c)", "abcd") is None  # only the given characters are stripped
    assert match_option("dow", ("up", "down")) is None
    assert match_option(3, ("3",)) is None and match_option(None, ("up",)) is None


def test_choice_conversion():
    assert as_answer_choice("Up", ("up", "down")) == ("up", None)
    assert as_answer_choice(..., ("up",))[1].status == "not attempted"
    assert "not one of 'up'" in as_answer_choice(3, ("up",))[1].message
    assert "in quotes" in as_answer_choice(3, ("up",))[1].hint
    assert as_answer_choice("left", ("up",))[1].message == "your answer 'left' is not one of 'up'"


def test_letter_conversion():
    options = {"A": "one statement", "B": "another"}
    assert as_answer_letter(" b ", options) == ("B", None)
    assert as_answer_letter(..., options)[1].status == "not attempted"
    problem = as_answer_letter(["B"], options)[1]
    assert problem.status == "wrong" and "one letter in quotes, ['A', 'B']" in problem.message
    assert as_answer_letter("AB", options)[1].status == "wrong"


def test_a_dict_of_answers():
    keys, example = ("self", "cross"), '{"self": "D", "cross": "D"}'
    read = as_answer_dict({" Self ": "A"}, keys, example, "which keys?")
    assert read == ({"self": "A", "cross": ...}, None)  # a missing key is unanswered
    assert as_answer_dict({"self": None, "cross": 0}, keys, example, "n")[0]["cross"] == 0
    for unanswered in (..., None, {}, {"self": ..., "cross": None}):
        problem = as_answer_dict(unanswered, keys, example, "which keys?")[1]
        assert problem.status == "not attempted" and problem.hint == "which keys?"
    problem = as_answer_dict(["A", "B"], keys, example, "n")[1]
    assert problem.status == "wrong" and example in problem.message and "list" in problem.message
    problem = as_answer_dict({"self": "A", "kross": "B"}, keys, example, "n")[1]
    assert "unknown key 'kross'" in problem.message and "'self', 'cross'" in problem.hint
    problem = as_answer_dict({"self": "A", "SELF": "B"}, keys, example, "n")[1]
    assert "'self' appears twice" in problem.message


def test_truth_values():
    for value, truth in ((True, True), (np.False_, False), (1, True), (0, False)):
        assert parse_truth(value) == (truth, None)
    assert parse_truth("True") == (None, "write True or False without quotes")
    for value in (2, 0.5, [True, False], None, float("nan")):
        assert parse_truth(value) == (None, "expected True or False")


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
