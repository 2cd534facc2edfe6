"""utils.exercises.scale: right answers pass, typical mistakes are named, starters are
"not attempted" with a nudge only, and nothing a learner writes makes a checker raise or
ticks a wrong answer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.exercises.base import Feedback
from utils.exercises.scale import (
    CACHE_OPTIONS,
    CACHE_TASK,
    HINTS,
    TILING_OPTIONS,
    as_answer_letter,
    check_cache_size,
    check_merge,
    check_my_rope,
    check_tiling_claim,
    check_why_not_queries,
    hint,
)
from utils.positional import rope

GiB = 2**30
RIGHT_CACHE = 1.25


def test_cache_size():
    t = CACHE_TASK
    right = 2 * t["num_layers"] * t["num_kv_heads"] * t["head_dim"] * t["seq_len"] * 2 / GiB
    assert right == RIGHT_CACHE
    assert check_cache_size(...).status == "not attempted"
    assert check_cache_size(1.25).ok and check_cache_size(np.float32(1.25)).ok
    assert "query heads" in check_cache_size(5.0).message
    half = check_cache_size(0.625)  # keys only, or values counted instead of bytes
    assert "keys only" in half.message and "not bytes" in half.message
    assert "quarter" in check_cache_size(0.3125).message
    assert "one layer" in check_cache_size(1.25 / 40).message
    assert "float32" in check_cache_size(2.5).message
    assert "GB" in check_cache_size(right * GiB / 1e9).message
    assert "bits" in check_cache_size(1.25 * 8).message
    assert "number of bytes" in check_cache_size(right * GiB).message
    fb = check_cache_size(3.0)
    assert fb.status == "wrong" and fb.hint
    for junk in ("1.25", "abc", [1, 2], None, float("nan"), float("inf"), 10**400):
        assert check_cache_size(junk).status in {"wrong", "not attempted"}


def test_the_first_cache_hint_leads_to_bytes_and_gib():
    """Following hint 2 to the letter (values × 2 bytes, / 2**30) gives the right answer."""
    method = HINTS.stages[1][1]
    assert "2 bytes" in method and "2**30" in method


@pytest.mark.parametrize(
    ("checker", "options", "right"),
    [(check_why_not_queries, CACHE_OPTIONS, "B"), (check_tiling_claim, TILING_OPTIONS, "B")],
)
def test_conceptual_questions(checker, options, right):
    assert checker(...).status == "not attempted"
    assert checker(right).ok and checker(f" {right.lower()} ").ok
    for letter in options:
        if letter != right:
            fb = checker(letter)
            assert fb.status == "wrong" and fb.message and fb.hint
    assert checker("E").status == "wrong" and checker(3).status == "wrong"


def test_tiling_option_b_is_exact_about_the_work():
    """Option B does not claim "the same multiply-adds": tiling adds a rescaling per block."""
    assert "rescaling" in TILING_OPTIONS["B"] and "multiply-adds" not in TILING_OPTIONS["B"]


def _merge(m_a, s_a, m_b, s_b):
    m = max(m_a, m_b)
    return m, s_a * np.exp(m_a - m) + s_b * np.exp(m_b - m)


def test_merge():
    assert check_merge(_merge).ok

    def starter(m_a, s_a, m_b, s_b):
        raise NotImplementedError

    fb = check_merge(starter)
    assert fb.status == "not attempted" and "same maximum" in fb.hint
    cases = {
        "without rescaling": lambda ma, sa, mb, sb: (max(ma, mb), sa + sb),
        "without rescaling ": lambda ma, sa, mb, sb: (
            max(ma, mb),
            sa * np.exp(ma - max(ma, mb)) + sb,
        ),
        "upside down": lambda ma, sa, mb, sb: (
            max(ma, mb),
            sa * np.exp(max(ma, mb) - ma) + sb * np.exp(max(ma, mb) - mb),
        ),
        "larger maximum": lambda ma, sa, mb, sb: (min(ma, mb), 1.0),
        "ZeroDivisionError": lambda ma, sa, mb, sb: 1 / 0,
        "text": lambda ma, sa, mb, sb: "m, s",
        "two numbers": lambda ma, sa, mb, sb: (1.0, 2.0, 3.0),
        "finite": lambda ma, sa, mb, sb: (max(ma, mb), sa * np.exp(1000.0) + sb),
    }
    for words, function in cases.items():
        with np.errstate(all="ignore"):
            fb = check_merge(function)
        assert fb.status == "wrong" and words in fb.message, (words, fb)


def test_my_rope():
    assert check_my_rope(lambda x, p: rope(x, p)).ok
    assert check_my_rope(...).status == "not attempted"

    def starter(x, positions):
        raise NotImplementedError

    nudge = check_my_rope(starter)
    assert nudge.status == "not attempted" and "theta_i" in nudge.hint
    assert "cos" not in nudge.hint  # the full rotation only after a wrong answer
    cases = {
        "half layout": lambda x, p: rope(x, p, layout="half"),
        "other way": lambda x, p: rope(x, -p),
        "nothing was rotated": lambda x, p: x,
        "shape": lambda x, p: x.T,
        "expected": lambda x, p: rope(x, p, base=100.0),
        "not numbers": lambda x, p: {"a": 1},
    }
    for words, function in cases.items():
        fb = check_my_rope(function)
        assert fb.status == "wrong" and words in fb.message, (words, fb)
    assert "cos" in check_my_rope(lambda x, p: x).hint  # now the whole formula


def test_letters():
    assert as_answer_letter(" b ", CACHE_OPTIONS) == ("B", None)
    assert as_answer_letter(..., CACHE_OPTIONS)[1].status == "not attempted"
    assert as_answer_letter(["B"], CACHE_OPTIONS)[1].status == "wrong"


def test_every_exercise_has_staged_hints_and_no_nudge_gives_an_answer():
    assert sorted(HINTS.stages) == [1, 2, 3, 4, 5]
    for n, stages in HINTS.stages.items():
        assert len(stages) >= 2, n
        assert f"hint({n})" in HINTS.nudge(n)
    assert "1.25" not in " ".join(HINTS.stages[1])
    assert '"B"' not in " ".join(HINTS.stages[2] + HINTS.stages[3])
    assert "no exercise 6" in hint(6)
    starters = {
        check_cache_size: ...,
        check_why_not_queries: ...,
        check_tiling_claim: ...,
        check_merge: lambda *a: (_ for _ in ()).throw(NotImplementedError()),
        check_my_rope: lambda *a: (_ for _ in ()).throw(NotImplementedError()),
    }
    for n, (checker, starter) in enumerate(starters.items(), start=1):
        fb = checker(starter)
        assert fb.status == "not attempted" and f"hint({n})" in fb.hint, (checker, fb)


# --- adversarial answers: feedback, never a traceback, never a false tick ------------------------


class BrokenArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("broken __array__")


class Unprintable:
    def __str__(self):
        raise RuntimeError("no")

    def __repr__(self):
        raise RuntimeError("no")


class BadError(Exception):
    def __str__(self):
        raise RuntimeError("cannot print me")


def adversarial_values():
    """Fresh adversarial answers (generators are single-use), none of them right."""
    return [
        [[1, 2], [3]],
        10**400,
        [10**400, 1],
        float("inf"),
        -float("inf"),
        (float("inf"), 5),
        float("nan"),
        [np.nan, 1.0],
        (x for x in range(2)),
        "1.25",
        "B",  # right letter, as the value of a number or function checker
        b"B",
        "bb",
        1.25 + 3j,
        np.array([1.25 + 1j]),
        np.array(["a", "b"]),
        np.array([object(), 1], dtype=object),
        BrokenArray(),
        Unprintable(),
        {"B": 1},
        None,
        ...,
        0,
        -1,
        True,
        [],
        np.zeros((0, 0)),
        lambda n: n,
        object(),
    ]


def almost_right_values():
    """Answers a tolerance away from right: they must not be accepted."""
    return [RIGHT_CACHE * 1.01, 1.2, 1.3, np.array([1.25, 1.25]), "b.", "BB", ["B"]]


def raising(error):
    def fn(*_args):
        raise error

    return fn


def adversarial_functions():
    """Learner functions for the function checkers: every way they can fail."""
    functions = [raising(e) for e in (KeyboardInterrupt(), BadError(), ValueError("x"))]
    functions += [lambda *_a: None, lambda *_a: ..., 42, "my_merge", None, ...]
    functions += [lambda *_a, v=v: v for v in adversarial_values()[:-2]]
    functions += [
        lambda ma, sa, mb, sb: np.array(_merge(ma, sa, mb, sb)) * (1 + 1e-6),  # almost
        lambda ma, sa, mb, sb: (max(ma, mb), sa + sb),
        lambda ma, sa, mb, sb: [max(ma, mb), complex(_merge(ma, sa, mb, sb)[1], 1)],
        lambda x, p: rope(x, p) * (1 + 1e-6),  # almost right
        lambda x, p: rope(x, p)[::-1],
        lambda x, p: rope(x, p) + 1j,
        lambda x, p: np.round(rope(x, p), 3),
        lambda x, p: (row for row in rope(x, p)),
        lambda x, p: rope(x, p).tolist()[:-1],
    ]
    return functions


def assert_feedback_not_correct(feedback):
    assert isinstance(feedback, Feedback)
    assert feedback.status in ("wrong", "not attempted"), repr(feedback)
    assert isinstance(repr(feedback), str) and feedback._repr_html_()


VALUE_CHECKERS = [check_cache_size, check_why_not_queries, check_tiling_claim]
FUNCTION_CHECKERS = [check_merge, check_my_rope]


@pytest.mark.parametrize("checker", VALUE_CHECKERS, ids=lambda c: c.__name__)
def test_value_checkers_survive_every_adversarial_answer(checker):
    for answer in adversarial_values() + almost_right_values():
        if checker is not check_cache_size and isinstance(answer, str) and answer == "B":
            continue  # "B" is the right letter of exercises 2 and 3
        assert_feedback_not_correct(checker(answer))


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_function_checkers_survive_every_adversarial_function(checker):
    for fn in adversarial_functions():
        with np.errstate(all="ignore"):
            assert_feedback_not_correct(checker(fn))


values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.complex_numbers(),
        st.text(max_size=5),
        st.binary(max_size=3),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.tuples(children, children),
        st.dictionaries(st.sampled_from(["m", "s", "B", "x"]), children),
    ),
    max_leaves=12,
)


def _is_right(checker, answer) -> bool:
    """Only a genuinely right answer may be ticked."""
    if checker is check_cache_size:
        try:
            return bool(np.isclose(float(np.asarray(answer).item()), RIGHT_CACHE, rtol=1e-3))
        except (TypeError, ValueError, OverflowError):
            return False
    if checker in (check_why_not_queries, check_tiling_claim):
        return isinstance(answer, str) and answer.strip().upper() == "B"
    return False  # a constant can never be a right merge or rope


@settings(max_examples=300)
@given(values, st.sampled_from(VALUE_CHECKERS + FUNCTION_CHECKERS))
def test_any_answer_gives_feedback_and_random_ones_are_not_ticked(answer, checker):
    with np.errstate(all="ignore"):
        feedback = checker(lambda *_a: answer) if checker in FUNCTION_CHECKERS else checker(answer)
    assert isinstance(feedback, Feedback) and feedback._repr_html_()
    if feedback.ok:
        assert _is_right(checker, answer), (checker.__name__, answer)


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True))
def test_merge_checker_never_ticks_wrong_numbers(m, s):
    with np.errstate(all="ignore"):
        assert_feedback_not_correct(check_merge(lambda *_a: (m, s)))
