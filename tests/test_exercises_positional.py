"""utils.exercises.positional: right answers pass, typical mistakes are named, starters are
"not attempted" with a nudge, and nothing a learner writes makes a checker raise or tick a
wrong answer."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.adversarial import (
    adversarial_values,
    any_answer,
    assert_feedback,
    assert_staged_hints,
    assert_survives_adversarial_answers,
    assert_survives_adversarial_functions,
    feedback_on,
    returning,
    starter,
)
from utils.exercises.base import safe_text
from utils.exercises.positional import (
    DOT_PRODUCTS,
    HINTS,
    REORDERINGS,
    check_encoding,
    check_equal_dot_products,
    check_pe_value,
    check_reorderings,
    check_variant_guesses,
    check_wavelength,
    dot_product_values,
    is_column_reordering,
    mystery_encodings,
    reordering_candidates,
)
from utils.positional import sinusoidal_encoding

RIGHT_REORDERINGS = {
    "concatenated": True,
    "tensor2tensor": False,
    "reversed": True,
    "swapped": True,
    "base_100": False,
    "next_position": False,
}
RIGHT_DOT_PRODUCTS = {"a": True, "b": True, "c": True, "d": False, "e": True, "f": False}
RIGHT_LAYOUTS = {"A": "tensor2tensor", "B": "interleaved", "C": "concatenated"}


def _interleaved(n, d):
    pos = np.arange(n)[:, None]
    angle = pos / 10000 ** (2 * np.arange(d // 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    return pe


def _wavelength(i, d):
    return 2 * np.pi * 10000 ** (2 * i / d)


# --- exercise 1 -------------------------------------------------------------------------------


def test_pe_value_right_to_two_decimals():
    assert check_pe_value(np.cos(0.7)).ok
    assert check_pe_value(0.76).ok  # cos(0.7) = 0.7648 to two decimals, worked by hand
    assert check_pe_value(0.765).ok
    assert not check_pe_value(0.77).ok and "close" in check_pe_value(0.77).message
    assert "close" in check_pe_value(0.8).message  # right to one decimal only


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (np.sin(0.7), "sine"),
        (0.64, "sine"),
        (np.cos(np.radians(0.7)), "degrees"),
        (0.99993, "degrees"),
        (np.sin(np.radians(0.7)), "degrees"),
        (np.cos(7 / 10000 ** (1 / 8)), "i instead of 2i"),
        (np.cos(7 / 10000 ** (6 / 8)), "column index"),
        (0.99998, "column index"),
        (np.cos(7 / 10000 ** (3 / 8)), "column number 3 in the exponent"),
        (np.cos(7 / 10000 ** (1 / 3)), "tensor2tensor"),
        (np.cos(0.3), "position 7"),
        (np.cos(70), "multiplied"),
        (0.7, "angle"),
        (np.cos(7), "frequency 1"),
        (0.75, "cos(7)"),
        (np.sin(7), "sin(7)"),
    ],
)
def test_pe_value_names_the_mistake(answer, words):
    fb = check_pe_value(answer)
    assert fb.status == "wrong" and words in fb.message and fb.hint


def test_pe_value_cos_7_is_not_called_a_rounding_error():
    fb = check_pe_value(np.cos(7))
    assert "rounding" not in fb.message + fb.hint
    assert "pair 1" in fb.message and "1/10" in fb.message


def test_pe_value_degrees_is_not_called_a_pair_index_mistake():
    degrees = check_pe_value(np.cos(np.radians(0.7)))
    assert "degrees" in degrees.message and "column index" not in degrees.message
    both = check_pe_value(1.0)  # to two decimals, degrees and "column 3 as pair" both give 1.00
    assert "degrees" in both.message and "column index" in both.message


def test_pe_value_refuses_what_is_not_one_number():
    nudge = check_pe_value(...)
    assert nudge.status == "not attempted" and "hint(1)" in nudge.hint
    assert "NaN" in check_pe_value(float("nan")).message
    for answer in ("abc", [1, 2], 10**400, 1 + 2j, float("inf")):
        assert check_pe_value(answer).status == "wrong"


# --- exercise 2 -------------------------------------------------------------------------------


def test_wavelength_right_and_unattempted():
    assert check_wavelength(_wavelength).ok
    fb = check_wavelength(starter)
    assert fb.status == "not attempted" and "hint(2)" in fb.hint
    assert "2*pi" not in fb.hint  # the nudge does not give the method


def test_wavelength_forgetting_2pi_is_not_called_the_frequency():
    fb = check_wavelength(lambda i, d: 10000 ** (2 * i / d))
    assert "2*pi is missing" in fb.message and "frequency" not in fb.message


@pytest.mark.parametrize(
    ("function", "words"),
    [
        (lambda i, d: 10000 ** (-2 * i / d), "frequency"),
        (lambda i, d: 2 * np.pi * 10000 ** (i / d), "i instead of 2i"),
        (lambda i, d: 360 * 10000 ** (2 * i / d), "degrees"),
        (lambda i, d: np.pi * 10000 ** (2 * i / d), "not pi"),
        (lambda i, d: "long", "text"),
        (lambda i, d: 42.0, "expected"),
        (lambda i, d: float("nan"), "NaN"),
    ],
)
def test_wavelength_mistakes(function, words):
    fb = check_wavelength(function)
    assert fb.status == "wrong" and words in fb.message


def test_wavelength_that_forgets_return_says_so():
    def no_return(i, d_model):
        _ = 2 * np.pi * 10000 ** (2 * i / d_model)

    fb = check_wavelength(no_return)
    assert "returned None" in fb.message and "return" in fb.hint


# --- exercise 3 -------------------------------------------------------------------------------


def test_reorderings_answer_key_is_computed():
    paper = sinusoidal_encoding(50, 16)
    candidates = reordering_candidates()
    assert set(candidates) == set(REORDERINGS) == set(RIGHT_REORDERINGS)
    for key, matrix in candidates.items():
        assert matrix.shape == (50, 16)
        assert is_column_reordering(matrix, paper) == RIGHT_REORDERINGS[key]


def test_reorderings():
    assert check_reorderings(RIGHT_REORDERINGS).ok
    assert check_reorderings(dict.fromkeys(REORDERINGS, ...)).status == "not attempted"
    assert check_reorderings(...).status == "not attempted"
    flipped = dict(RIGHT_REORDERINGS, base_100=True)
    fb = check_reorderings(flipped)
    assert (
        fb.status == "wrong"
        and "'base_100' is wrong (of 6" in fb.message
        and "base_100" in fb.hint
    )
    partial = dict(RIGHT_REORDERINGS, swapped=...)
    fb = check_reorderings(partial)
    assert fb.status == "not attempted" and "swapped" in fb.hint
    # numpy bools and 0/1 are fine; key case and spaces do not matter
    loose = {f" {k.upper()} ": np.bool_(v) for k, v in RIGHT_REORDERINGS.items()}
    assert check_reorderings(loose).ok
    assert "without quotes" in check_reorderings(dict(RIGHT_REORDERINGS, reversed="True")).message
    assert "unknown key" in check_reorderings({"rope": True}).message


# --- exercise 4 -------------------------------------------------------------------------------


def test_dot_products_answer_key_is_computed():
    values = dot_product_values()
    for key in DOT_PRODUCTS:
        assert np.isclose(values[key], values["target"]) == RIGHT_DOT_PRODUCTS[key]
    assert values["f"] == pytest.approx(64.0)  # PE[8] . PE[8] = d/2


def test_equal_dot_products():
    assert check_equal_dot_products(RIGHT_DOT_PRODUCTS).ok
    assert check_equal_dot_products({k.upper(): v for k, v in RIGHT_DOT_PRODUCTS.items()}).ok
    fb = check_equal_dot_products(dict(RIGHT_DOT_PRODUCTS, f=True))
    assert fb.status == "wrong" and "PE[8] · PE[8]" in fb.hint
    fb = check_equal_dot_products({"a": True})  # b .. f unanswered, not wrong
    assert fb.status == "not attempted" and "b, c, d, e, f" in fb.hint
    assert check_equal_dot_products({"a": np.array([True, False])}).status == "wrong"


# --- exercise 5 -------------------------------------------------------------------------------


def test_encoding_right_and_unattempted():
    assert check_encoding(_interleaved).ok
    fb = check_encoding(starter)
    assert fb.status == "not attempted" and "hint(5)" in fb.hint
    assert "0::2" not in fb.hint  # the nudge does not give the method
    assert check_encoding(...).status == "not attempted"


def test_encoding_that_forgets_return_says_so():
    def no_return(num_positions, d_model):
        _interleaved(num_positions, d_model)

    fb = check_encoding(no_return)
    assert "returned None" in fb.message and "return" in fb.hint


@pytest.mark.parametrize(
    ("function", "words"),
    [
        (lambda n, d: sinusoidal_encoding(n, d, variant="concatenated"), "concatenated"),
        (lambda n, d: sinusoidal_encoding(n, d, variant="tensor2tensor"), "tensor2tensor"),
        (
            lambda n, d: _interleaved(n, d)[:, np.r_[1:d:2, 0:d:2].reshape(2, -1).T.ravel()],
            "swapped",
        ),
        (lambda n, d: _interleaved(n + 1, d)[1:], "position 0"),
        (lambda n, d: np.zeros((d, n)), "shape"),
        (lambda n, d: 1 / 0, "ZeroDivisionError"),
        (lambda n, d: "pe", "text"),
        (lambda n, d: _interleaved(n, d) + np.eye(n, d) * 0.1, "PE[0, 0]"),
    ],
)
def test_encoding_mistakes(function, words):
    fb = check_encoding(function)
    assert fb.status == "wrong"
    assert words in fb.message


def _float32_encoding(n, d):
    pos = np.arange(n, dtype=np.float32)[:, None]
    freqs = (1 / np.float32(10000) ** (2 * np.arange(d // 2, dtype=np.float32) / d)).astype(
        np.float32
    )
    pe = np.empty((n, d), dtype=np.float32)
    pe[:, 0::2], pe[:, 1::2] = np.sin(pos * freqs), np.cos(pos * freqs)
    return pe


def test_encoding_in_float32_is_correct():
    assert check_encoding(_float32_encoding).ok


def test_encoding_in_float16_asks_for_float64_and_shows_the_difference():
    fb = check_encoding(lambda n, d: _float32_encoding(n, d).astype(np.float16))
    assert fb.status == "wrong" and "float64" in fb.hint
    assert "off by" in fb.message
    shown = fb.message.split(": off by")[0]  # "PE[r, c] is x, expected y": x and y differ
    got, expected = shown.split(" is ")[1].split(", expected ")
    assert got != expected


def test_encoding_transposed_is_named():
    fb = check_encoding(lambda n, d: _interleaved(n, d).T)
    assert "swapped?" in fb.hint


def test_encoding_i_instead_of_2i():
    def mistaken(n, d):
        angle = np.arange(n)[:, None] / 10000 ** (np.arange(d // 2) / d)
        pe = np.zeros((n, d))
        pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
        return pe

    assert "i instead of 2i" in check_encoding(mistaken).message


# --- exercise 6 -------------------------------------------------------------------------------


def test_variant_guesses():
    mats = mystery_encodings()
    assert set(mats) == {"A", "B", "C"} and mats["A"].shape == (10, 16)
    for name, variant in RIGHT_LAYOUTS.items():
        np.testing.assert_array_equal(mats[name], sinusoidal_encoding(10, 16, variant=variant))
    assert check_variant_guesses(...).status == "not attempted"
    assert check_variant_guesses(RIGHT_LAYOUTS).ok
    assert check_variant_guesses(
        {"a": "Tensor2Tensor", "b": "interleaved", "c": "concatenated"}
    ).ok
    swapped = {"A": "concatenated", "B": "interleaved", "C": "tensor2tensor"}
    fb = check_variant_guesses(swapped)
    assert fb.status == "wrong" and "2 are wrong (of 3" in fb.message and "sin" in fb.hint
    assert check_variant_guesses({"A": "rope", "B": "x", "C": "y"}).status == "wrong"
    partial = check_variant_guesses({"A": "tensor2tensor", "B": ..., "C": ...})
    assert partial.status == "not attempted" and "B, C" in partial.hint
    assert check_variant_guesses(["interleaved"]).status == "wrong"
    assert "unknown key" in check_variant_guesses({"D": "interleaved"}).message
    fb = check_variant_guesses({"A": np.array(["tensor2tensor"]), "B": ..., "C": ...})
    assert fb.status == "wrong" and "variant name" in fb.message


# --- hints ------------------------------------------------------------------------------------


def test_hints_for_exercises_4_and_5_leave_the_work_to_the_learner():
    assert "[:, None]" not in " ".join(HINTS.stages[5][:2])  # the method, not the code
    assert "outer product" in HINTS.stages[5][1]
    assert "PE[13]" not in " ".join(HINTS.stages[4])  # the substitution is the learner's


def test_hints_are_staged_and_never_give_the_answer():
    assert_staged_hints(HINTS, 6)
    assert "0.76" not in " ".join(HINTS.stages[1]) and "0.7648" not in " ".join(HINTS.stages[1])
    assert "cos" not in HINTS.stages[1][0].split("sine or a")[0]  # the nudge asks, not tells


# --- every checker, fed what a learner might write -------------------------------------------


def notebook_values():
    """Adversarial answers near this notebook's: a complex number, a dict of arrays."""
    return [1 + 0.5j, {"A": np.array([1, 2])}]


def _almost(right):
    """Learner functions built around the ``right`` one: almost right, or right but wrong."""
    return [
        lambda *a: np.asarray(right(*a)) * (1 + 1e-4) + 1e-4,  # almost right
        lambda *a: np.asarray(right(*a)).astype(complex) + 1j,
        lambda *a: np.asarray(right(*a))[..., :1],  # wrong shape
    ]


def _spells(value, truth) -> bool:
    """Whether ``value`` is a way to write the answer ``truth`` (True/False, or 1/0)."""
    return isinstance(truth, bool) and type(value) in (bool, int) and value == truth


VALUE_CHECKERS = {
    check_pe_value: None,
    check_reorderings: RIGHT_REORDERINGS,
    check_equal_dot_products: RIGHT_DOT_PRODUCTS,
    check_variant_guesses: RIGHT_LAYOUTS,
}
FUNCTION_CHECKERS = {check_wavelength: _wavelength, check_encoding: _interleaved}


@pytest.mark.parametrize("checker", list(VALUE_CHECKERS), ids=lambda c: c.__name__)
def test_value_checkers_never_raise_and_never_tick_nonsense(checker):
    right = VALUE_CHECKERS[checker]
    # the nonsense also as the answer to every key, and to each one alone
    assert_survives_adversarial_answers(checker, notebook_values(), dict_keys=[right or ()])
    for key in right or ():  # the nonsense as the answer for one key, the others right
        for value in adversarial_values() + notebook_values():
            answer = dict(right, **{key: value})
            label = f"{checker.__name__}({key}={safe_text(value, 40)})"
            assert_feedback(checker(answer), label, may_be_correct=_spells(value, right[key]))


@pytest.mark.parametrize("checker", list(FUNCTION_CHECKERS), ids=lambda c: c.__name__)
def test_function_checkers_never_raise_and_never_tick_nonsense(checker):
    right = FUNCTION_CHECKERS[checker]
    assert_survives_adversarial_functions(checker, notebook_values(), ["f", 3, *_almost(right)])
    assert checker(lambda *a: np.asarray(right(*a)).tolist()).ok  # the right values, a list


@given(any_answer())
def test_any_answer_gives_feedback(answer):
    for checker in VALUE_CHECKERS:
        if feedback_on(checker, answer).ok:  # only the right answer can be correct
            if checker is check_pe_value:
                assert abs(np.asarray(answer).real.item() - np.cos(0.7)) <= 0.0051
            else:
                assert isinstance(answer, dict) and len(answer) == len(VALUE_CHECKERS[checker])


@given(any_answer())
def test_any_returned_value_gives_feedback(answer):
    for checker in FUNCTION_CHECKERS:
        assert_feedback(checker(returning(answer)), checker.__name__)


@given(st.sampled_from(list(VALUE_CHECKERS)[1:]), st.data())
def test_any_wrong_choice_is_never_correct(checker, data):
    right = VALUE_CHECKERS[checker]
    key = data.draw(st.sampled_from(sorted(right)))
    other = data.draw(
        st.one_of(st.booleans(), st.sampled_from(["interleaved", "concatenated", "tensor2tensor"]))
    )
    answer = dict(right, **{key: other})
    assume_wrong = other != right[key]
    fb = checker(answer)
    assert_feedback(fb, may_be_correct=not assume_wrong)
