"""utils.exercises.heads: each checker accepts the right answer, explains typical wrong
ones, reports the starter as not attempted (with a nudge, never the method), and never
raises or says "correct" to a wrong answer, whatever a learner passes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.adversarial import (
    any_answer,
    assert_feedback,
    assert_staged_hints,
    assert_survives_adversarial_answers,
    assert_survives_adversarial_functions,
    feedback_on,
    returning,
    starter,
)
from utils.attention import combine_heads, split_heads
from utils.examples import it_weights_with_extra_score
from utils.exercises.base import safe_text
from utils.exercises.heads import (
    EXTRA_SCORE,
    HINTS,
    WHY_CHOICES,
    buggy_split,
    buggy_split_tokens,
    check_buggy_split_tokens,
    check_combine_heads,
    check_concat_shape,
    check_in_proj,
    check_param_count,
    check_separate_softmaxes,
    check_split_heads,
    check_why_params_constant,
    hint,
    torch_in_proj,
)


def right_split(x, h):
    return x.reshape(x.shape[0], h, -1).transpose(1, 0, 2)


def right_combine(x):
    return x.transpose(0, 2, 1, 3).reshape(x.shape[0], x.shape[2], -1)


def right_in_proj(w):
    E = w.shape[1]
    return w[:E].T, w[E : 2 * E].T, w[2 * E :].T


HEAD0 = it_weights_with_extra_score(EXTRA_SCORE)["head 0 animal"]
ONE = it_weights_with_extra_score(EXTRA_SCORE)["one head animal"]
RIGHT_TOKENS = [[0, 0, 0, 1], [1, 1, 2, 2], [2, 3, 3, 3]]


# --- exercise 1 ---------------------------------------------------------------------------


def test_concat_shape():
    assert check_concat_shape((7, 20)).ok
    assert check_concat_shape([7, 20]).ok
    assert check_concat_shape(np.array([7, 20])).ok
    assert check_concat_shape((7.0, 20)).ok
    assert check_concat_shape(...).status == "not attempted"
    assert "one head" in check_concat_shape((7, 5)).message
    assert "stacked" in check_concat_shape((4, 7, 5)).message
    assert "token axis" in check_concat_shape((28, 5)).message
    assert "transposed" in check_concat_shape((20, 7)).message
    assert check_concat_shape("7x20").status == "wrong"
    assert check_concat_shape("720").status == "wrong"
    assert check_concat_shape((7.5, 20)).status == "wrong"
    assert check_concat_shape((6.9, 20.2)).status == "wrong"  # never truncated to (6, 20)
    assert check_concat_shape(20).status == "wrong"
    assert check_concat_shape(s for s in (7, 20)).status == "wrong"  # a generator


# --- exercise 2 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (4 * 256 * 256, "biases"),
        (3 * 256 * 256, "W^O"),
        (4 * 256 * 256 + 3 * 256, "3 bias vectors of 256: 1 missing"),  # b_o forgotten
        (4 * 256 * 256 + 256, "1 bias vector of 256: 3 missing"),
        (4 * 256 * 32 + 4 * 256, "scales with h"),
        (8 * (4 * 256 * 256 + 4 * 256), "scales with h"),
        (12345, "not the count"),
        ("lots", "text"),
        (1.5, "whole number"),
        (263_168.5, "whole number"),
        (10**400, "very large"),
        (float("inf"), "whole number"),
        (263_168 + 1e-9j + 5j, "complex"),
    ],
)
def test_param_count_wrong(answer, words):
    feedback = check_param_count(answer)
    assert feedback.status == "wrong" and words in feedback.message


def test_param_count_right_and_unanswered():
    assert check_param_count(263_168).ok
    assert check_param_count(263_168.0).ok
    assert check_param_count(np.int64(263_168)).ok
    unanswered = check_param_count(...)
    assert unanswered.status == "not attempted" and "hint(2)" in unanswered.hint


# --- exercise 3 ---------------------------------------------------------------------------


def test_why_params_constant():
    assert set(WHY_CHOICES) == {"a", "b", "c", "d"}
    for right in ("c", "C", " (c) ", "c."):
        assert check_why_params_constant(right).ok
    assert "reads all d_model input features" in check_why_params_constant("b").message
    assert "its own" in check_why_params_constant("a").message
    assert check_why_params_constant("d").status == "wrong"
    # no choice gives itself away by its detail: each names a shape and a count
    assert all("W^Q" in text and "(d" in text and "d^2" in text for text in WHY_CHOICES.values())
    lengths = [len(text) for text in WHY_CHOICES.values()]
    assert max(lengths) < 1.4 * min(lengths)
    assert "not one of the choices" in check_why_params_constant("e").message
    assert "one letter" in check_why_params_constant(3).message
    assert check_why_params_constant(...).status == "not attempted"


# --- exercise 4 ---------------------------------------------------------------------------


def test_separate_softmaxes():
    assert round(HEAD0, 2) == 0.97 and round(ONE, 2) == 0.02
    assert check_separate_softmaxes(0.97, 0.02).ok
    assert check_separate_softmaxes(HEAD0, ONE).ok
    assert check_separate_softmaxes(..., ...).status == "not attempted"
    swapped = check_separate_softmaxes(0.02, 0.97)
    assert swapped.status == "wrong" and "own softmax" in swapped.message
    assert "one softmax" in swapped.message
    half = check_separate_softmaxes(0.97, 0.49)
    assert half.status == "wrong" and "one_head_animal" in half.message
    assert "head0_animal" not in half.message
    assert check_separate_softmaxes(1.5, 0.02).status == "wrong"
    assert check_separate_softmaxes(0.975, 0.02).status == "wrong"  # not 0.97 to 2 decimals


def test_separate_softmaxes_half_answered_is_not_wrong():
    """An unanswered part is "not answered yet", never listed as wrong."""
    half = check_separate_softmaxes(0.97, ...)
    assert half.status == "not attempted" and "one_head_animal is not answered" in half.message
    mixed = check_separate_softmaxes(0.5, ...)
    assert mixed.status == "wrong" and "one_head_animal is not answered yet" in mixed.message


# --- exercises 5 and 6 ----------------------------------------------------------------------


def test_buggy_split_tokens_checker():
    assert buggy_split_tokens().tolist() == RIGHT_TOKENS
    assert check_buggy_split_tokens(RIGHT_TOKENS).ok
    assert check_buggy_split_tokens(np.array(RIGHT_TOKENS)).ok
    unattempted = check_buggy_split_tokens(...)
    assert unattempted.status == "not attempted" and "hint(5)" in unattempted.hint
    assert "correct split" in check_buggy_split_tokens([[0, 1, 2, 3]] * 3).message
    assert "wrong token" in check_buggy_split_tokens([[0, 0, 1, 1]] * 3).message
    assert "shape" in check_buggy_split_tokens(np.array(RIGHT_TOKENS).T).message
    almost = np.array(RIGHT_TOKENS) + 0.4
    assert "whole numbers" in check_buggy_split_tokens(almost).message
    for junk in ("tokens", [[0, 1], [2]], {"a": 1}, (r for r in RIGHT_TOKENS)):
        assert check_buggy_split_tokens(junk).status == "wrong"


def test_buggy_split_really_mixes_tokens():
    x = np.arange(12).reshape(3, 4)  # token t has values 4t .. 4t+3
    assert buggy_split(x, 2)[0, 1].tolist() == [2, 3]  # features 2-3 of token 0
    assert split_heads(x, 2)[0, 1].tolist() == [4, 5]  # token 1, features 0-1


def test_split_heads_checker():
    assert check_split_heads(split_heads).ok
    assert check_split_heads(right_split).ok
    assert check_split_heads(lambda x, h: right_split(x, h).tolist()).ok  # lists are fine
    unattempted = check_split_heads(starter)
    assert unattempted.status == "not attempted" and "two steps" in unattempted.hint
    assert "still the bug" in check_split_heads(buggy_split).message
    strided = check_split_heads(lambda x, h: x.reshape(x.shape[0], -1, h).transpose(2, 0, 1))
    assert "every third feature" in strided.message
    assert "expected (3, 5, 2)" in check_split_heads(lambda x, h: x).message
    ragged = check_split_heads(lambda x, h: [[1, 2], [3]])
    assert ragged.status == "wrong" and "cannot be turned into an array" in ragged.message


def test_forgotten_return_is_named_not_called_not_attempted():
    def no_return_split(x, h):
        _ = right_split(x, h)

    def no_return_combine(x):
        _ = right_combine(x)

    for feedback in (check_split_heads(no_return_split), check_combine_heads(no_return_combine)):
        assert feedback.status == "wrong" and "returned None" in feedback.message
        assert "return" in feedback.hint


# --- exercise 7 ---------------------------------------------------------------------------


def test_combine_heads_checker():
    assert check_combine_heads(combine_heads).ok
    assert check_combine_heads(right_combine).ok
    assert check_combine_heads(lambda x: np.concatenate(list(np.moveaxis(x, 1, 0)), axis=-1)).ok
    unattempted = check_combine_heads(starter)
    assert unattempted.status == "not attempted" and "hint(7)" in unattempted.hint
    assert "(B, n, h, d_h)" not in unattempted.hint  # the nudge does not give the method
    assert "(B, n, h, d_h)" in hint(7)
    no_transpose = check_combine_heads(lambda x: x.reshape(x.shape[0], x.shape[2], -1))
    assert (
        no_transpose.status == "wrong" and "without moving the heads axis" in no_transpose.message
    )
    batch_swapped = check_combine_heads(
        lambda x: x.transpose(1, 0, 2, 3).reshape(x.shape[0], x.shape[2], -1)
    )
    assert "batch and heads" in batch_swapped.message
    unbatched_only = check_combine_heads(lambda x: x.transpose(1, 0, 2).reshape(x.shape[1], -1))
    assert unbatched_only.status == "wrong" and "one sequence" in unbatched_only.message
    reversed_heads = check_combine_heads(lambda x: combine_heads(x[:, ::-1]))
    assert "reverse" in reversed_heads.message
    assert "shape" in check_combine_heads(lambda x: x).message
    assert "ZeroDivisionError" in check_combine_heads(lambda x: 1 / 0).message
    ragged = check_combine_heads(lambda x: [[1.0, 2.0], [3.0]])
    assert ragged.status == "wrong" and "cannot be turned into an array" in ragged.message


# --- exercise 8 ---------------------------------------------------------------------------


def test_in_proj_checker():
    assert check_in_proj(right_in_proj).ok
    assert check_in_proj(lambda w: np.stack(right_in_proj(w))).ok  # a (3, E, E) array
    assert check_in_proj(lambda w: [m.tolist() for m in right_in_proj(w)]).ok
    unattempted = check_in_proj(starter)
    assert unattempted.status == "not attempted" and "hint(8)" in unattempted.hint
    untransposed = check_in_proj(lambda w: np.split(w, 3))
    assert untransposed.status == "wrong" and "transpose" in untransposed.hint
    swapped = check_in_proj(lambda w: tuple(right_in_proj(w)[i] for i in (1, 0, 2)))
    assert "wrong order" in swapped.message
    hard_coded = check_in_proj(lambda w: (w[:4].T, w[4:8].T, w[8:12].T))
    assert hard_coded.status == "wrong" and "E = 6" in hard_coded.message
    assert "three matrices" in check_in_proj(lambda w: w).message
    assert "dict" in check_in_proj(lambda w: {"W_q": w}).message
    wrong_shape = check_in_proj(lambda w: (w, w, w))
    assert wrong_shape.status == "wrong" and "expected (4, 4)" in wrong_shape.message


def test_torch_layout_matches_torch():
    torch = pytest.importorskip("torch")
    E, h = 6, 2
    layer = torch.nn.MultiheadAttention(E, h, bias=False, batch_first=True)
    x = torch.randn(1, 3, E)
    with torch.no_grad():
        expected, _ = layer(x, x, x)
    W_q, W_k, W_v = right_in_proj(layer.in_proj_weight.detach().numpy().astype(float))
    assert np.allclose(torch_in_proj(W_q, W_k, W_v), layer.in_proj_weight.detach().numpy())
    from utils.attention import multi_head_attention

    params = {"W_q": W_q, "W_k": W_k, "W_v": W_v}
    params["W_o"] = layer.out_proj.weight.detach().numpy().T.astype(float)
    ours, _ = multi_head_attention(x[0].numpy().astype(float), x[0].numpy(), params, h)
    np.testing.assert_allclose(ours, expected[0].numpy(), atol=1e-5)


# --- hints ----------------------------------------------------------------------------------


def test_hints_are_staged():
    assert_staged_hints(HINTS, 8)


# --- every checker, adversarial answers ------------------------------------------------------


def notebook_values():
    """Adversarial answers near this notebook's: a generator of the right sizes."""
    return [(x for x in (7, 20))]


VALUE_CHECKERS = {
    "concat_shape": check_concat_shape,
    "param_count": check_param_count,
    "why_params_constant": check_why_params_constant,
    "separate_softmaxes (head 0)": lambda a: check_separate_softmaxes(a, ONE),
    "separate_softmaxes (one head)": lambda a: check_separate_softmaxes(HEAD0, a),
    "buggy_split_tokens": check_buggy_split_tokens,
}
FUNCTION_CHECKERS = {
    "split_heads": check_split_heads,
    "combine_heads": check_combine_heads,
    "in_proj": check_in_proj,
}
ALL_CHECKERS = VALUE_CHECKERS | FUNCTION_CHECKERS


@pytest.mark.parametrize("name", sorted(VALUE_CHECKERS))
def test_adversarial_answers_give_feedback(name):
    assert_survives_adversarial_answers(VALUE_CHECKERS[name], notebook_values(), label=name)


@pytest.mark.parametrize("name", sorted(FUNCTION_CHECKERS))
def test_adversarial_functions_give_feedback(name):
    # the notebook's values are also passed instead of a function
    assert_survives_adversarial_functions(
        FUNCTION_CHECKERS[name], notebook_values(), notebook_values(), label=name
    )


ALMOST_RIGHT = {
    "concat_shape": [(7, 21), (7, 19), (7.5, 20), (6.9, 20.2), (7, 20, 1), "(7, 20)"],
    "param_count": [263_169, 263_167, 263_168.5, 263_168 + 1j, "263168"],
    "why_params_constant": ["cc", "c or b", "b", ["c"]],
    "separate_softmaxes (head 0)": [0.96, 0.98, HEAD0 + 0.01, 0.5],
    "separate_softmaxes (one head)": [0.03, 0.01, 0.05, ONE + 0.01],
    "buggy_split_tokens": [
        [[0, 0, 0, 1], [1, 1, 2, 2], [2, 3, 3, 4]],
        np.array(RIGHT_TOKENS) + 1e-6,
        np.array(RIGHT_TOKENS) + 0j + 1j,
        [RIGHT_TOKENS],
    ],
    "split_heads": [
        lambda x, h: right_split(x, h) + 1e-3,
        lambda x, h: right_split(x, h)[::-1],
        lambda x, h: right_split(x, h) + 2j,
        lambda x, h: right_split(x, h)[:, :-1],
    ],
    "combine_heads": [
        lambda x: right_combine(x) + 1e-3,
        lambda x: right_combine(x)[:, ::-1],
        lambda x: right_combine(x) * (1 + 1e-3j),
        lambda x: right_combine(x)[0],
    ],
    "in_proj": [
        lambda w: tuple(m + 1e-3 for m in right_in_proj(w)),
        lambda w: right_in_proj(w)[:2],
        lambda w: (*right_in_proj(w)[:2], right_in_proj(w)[2] * 1j),
        lambda w: tuple(m.T for m in right_in_proj(w)),
    ],
}


@pytest.mark.parametrize("name", sorted(ALMOST_RIGHT))
def test_almost_right_answers_are_not_accepted(name):
    for answer in ALMOST_RIGHT[name]:
        assert_feedback(ALL_CHECKERS[name](answer), f"{name}({safe_text(answer, 60)})")


def is_right(name, answer) -> bool:
    """Whether ``answer`` is a right answer to the value checker ``name`` (by another route)."""
    try:
        if name == "concat_shape":
            return isinstance(answer, (tuple, list)) and [float(s) for s in answer] == [7, 20]
        if name == "param_count":
            return not isinstance(answer, (str, bytes, complex)) and float(answer) == 263_168
        if name == "why_params_constant":
            return isinstance(answer, str) and answer.strip().strip("().'\" ").lower() == "c"
        if name.startswith("separate_softmaxes"):
            target = HEAD0 if "head 0" in name else ONE
            return not isinstance(answer, (str, bytes)) and abs(complex(answer) - target) < 0.006
        if name == "buggy_split_tokens":
            return np.array_equal(np.asarray(answer, dtype=complex), RIGHT_TOKENS)
    except (TypeError, ValueError, OverflowError):
        return False
    return False


@settings(max_examples=300, deadline=None)
@given(answer=any_answer(), name=st.sampled_from(sorted(VALUE_CHECKERS)))
def test_any_answer_gives_feedback_and_only_right_ones_are_correct(name, answer):
    if feedback_on(VALUE_CHECKERS[name], answer).ok:
        assert is_right(name, answer), f"{name} accepted {safe_text(answer)}"


@settings(max_examples=150, deadline=None)
@given(result=any_answer(), name=st.sampled_from(sorted(FUNCTION_CHECKERS)))
def test_any_returned_value_gives_feedback_and_is_never_correct(name, result):
    feedback = FUNCTION_CHECKERS[name](returning(result))
    assert_feedback(feedback, f"{name} returning {safe_text(result, 60)}")
