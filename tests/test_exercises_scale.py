"""utils.exercises.scale: right answers pass, typical mistakes are named, starters are
"not attempted" with a nudge only, and nothing a learner writes makes a checker raise or
ticks a wrong answer."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.adversarial import (
    any_answer,
    assert_never_correct,
    assert_staged_hints,
    assert_survives_adversarial_answers,
    assert_survives_adversarial_functions,
    feedback_on,
    returning,
    starter,
)
from utils.exercises.scale import (
    CACHE_OPTIONS,
    CACHE_TASK,
    HINTS,
    TILING_OPTIONS,
    check_cache_size,
    check_merge,
    check_my_rope,
    check_tiling_claim,
    check_why_not_queries,
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
    twice = check_cache_size(2.5)  # float32, or 32 query heads without the K/V factor 2
    assert "float32" in twice.message and "query heads" in twice.message
    assert "factor 2" in twice.message
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


def test_merge_that_exponentiates_a_maximum_is_rejected_with_the_reason():
    """Right on paper, but exp(1000) overflows float64: the checker must say so."""

    def naive(m_a, s_a, m_b, s_b):
        m = max(m_a, m_b)
        return m, (s_a * np.exp(m_a) + s_b * np.exp(m_b)) / np.exp(m)

    def naive_math(m_a, s_a, m_b, s_b):
        m = max(m_a, m_b)
        return m, (s_a * math.exp(m_a) + s_b * math.exp(m_b)) / math.exp(m)

    for function in (naive, naive_math):
        with np.errstate(all="ignore"):
            fb = check_merge(function)
        assert fb.status == "wrong", (function.__name__, fb)
        assert "1000" in fb.message and "overflows" in fb.message, fb
        assert "m_a - m" in fb.message and "exp(m_a - m)" in fb.hint, fb
    assert "1000" in check_merge(_merge).message


def test_my_rope():
    assert check_my_rope(lambda x, p: rope(x, p)).ok
    assert check_my_rope(...).status == "not attempted"
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


def test_every_exercise_has_staged_hints_and_no_nudge_gives_an_answer():
    assert_staged_hints(HINTS, 5)
    assert "1.25" not in " ".join(HINTS.stages[1])
    assert '"B"' not in " ".join(HINTS.stages[2] + HINTS.stages[3])
    starters = {
        check_cache_size: ...,
        check_why_not_queries: ...,
        check_tiling_claim: ...,
        check_merge: starter,
        check_my_rope: starter,
    }
    for n, (checker, unanswered) in enumerate(starters.items(), start=1):
        fb = checker(unanswered)
        assert fb.status == "not attempted" and f"hint({n})" in fb.hint, (checker, fb)


# --- adversarial answers: feedback, never a traceback, never a false tick ------------------------


def notebook_values():
    """Adversarial answers near this notebook's: the cache size in quotes or complex, the
    letter B as bytes or as a key."""
    return [
        (x for x in range(2)),
        "1.25",
        b"B",
        1.25 + 3j,
        np.array([1.25 + 1j]),
        {"B": 1},
    ]


def almost_right_values():
    """Answers a tolerance away from right: they must not be accepted."""
    return [RIGHT_CACHE * 1.01, 1.2, 1.3, np.array([1.25, 1.25]), "b.", "BB", ["B"]]


def almost_right_functions():
    """Learner functions close to a right merge or rope, but wrong."""
    return [
        "my_merge",  # the function's name, in quotes
        "B",  # the right letter of exercises 2 and 3, returned
        returning("B"),
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


VALUE_CHECKERS = [check_cache_size, check_why_not_queries, check_tiling_claim]
FUNCTION_CHECKERS = [check_merge, check_my_rope]


@pytest.mark.parametrize("checker", VALUE_CHECKERS, ids=lambda c: c.__name__)
def test_value_checkers_survive_every_adversarial_answer(checker):
    answers = almost_right_values()
    if checker is check_cache_size:  # "B" is the right letter of exercises 2 and 3
        answers.append("B")
    assert_survives_adversarial_answers(checker, notebook_values(), answers)


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_function_checkers_survive_every_adversarial_function(checker):
    assert_survives_adversarial_functions(checker, notebook_values(), almost_right_functions())


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
@given(
    any_answer(keys=["m", "s", "B", "x"]),
    st.sampled_from(VALUE_CHECKERS + FUNCTION_CHECKERS),
)
def test_any_answer_gives_feedback_and_random_ones_are_not_ticked(answer, checker):
    with np.errstate(all="ignore"):
        feedback = feedback_on(checker, answer, function=checker in FUNCTION_CHECKERS)
    if feedback.ok:
        assert _is_right(checker, answer), (checker.__name__, answer)


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True))
def test_merge_checker_never_ticks_wrong_numbers(m, s):
    with np.errstate(all="ignore"):
        assert_never_correct(check_merge, [returning((m, s))], "merge")
