"""utils.exercises.block: each checker accepts the right answer, names typical mistakes,
reports the starter as not attempted, and never raises or says "correct" to a wrong answer,
whatever a learner passes (the adversarial tests at the end)."""

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
from utils.attention import multi_head_attention
from utils.block import decoder_layer, feed_forward, layer_norm
from utils.cost import attention_macs
from utils.exercises.base import safe_text
from utils.exercises.block import (
    HINTS,
    MASK_OPTIONS,
    STATEMENTS,
    _decoder_case,
    _decoder_variants,
    check_cross_attention_shapes,
    check_crossover_length,
    check_decoder_masks,
    check_layer_norm,
    check_norms_on_path,
    check_pre_ln_decoder_layer,
    check_stack_statements,
    crossover_length,
)

# --- exercise 1 ------------------------------------------------------------------------------


def test_cross_attention_shapes():
    assert check_cross_attention_shapes((4, 6, 9), (6, 16)).ok
    assert check_cross_attention_shapes([4, 6, 9], np.array([6, 16])).ok
    assert check_cross_attention_shapes((4.0, 6, 9), (6, 16)).ok  # 4.0 is a whole size
    assert check_cross_attention_shapes(..., ...).status == "not attempted"
    assert "hint(1)" in check_cross_attention_shapes(..., ...).hint
    assert check_cross_attention_shapes((4, 6, 9), ...).status == "not attempted"
    assert "source reading the target" in check_cross_attention_shapes((4, 9, 6), (6, 16)).message
    assert "source reading the target" in check_cross_attention_shapes((4, 6, 9), (9, 16)).message
    assert "self-attention" in check_cross_attention_shapes((4, 6, 6), (6, 16)).message
    assert "heads axis" in check_cross_attention_shapes((6, 9), (6, 16)).message
    assert "one head's output" in check_cross_attention_shapes((4, 6, 9), (6, 4)).message
    assert check_cross_attention_shapes((4, 6, 9), (6, 64)).status == "wrong"
    assert check_cross_attention_shapes("4x6x9", (6, 16)).status == "wrong"
    assert check_cross_attention_shapes((4.5, 6, 9), (6, 16)).status == "wrong"
    assert check_cross_attention_shapes(4, 6).status == "wrong"


# --- exercise 2 ------------------------------------------------------------------------------


def test_decoder_masks():
    assert set(MASK_OPTIONS) == {"A", "B", "C", "D"}
    assert check_decoder_masks({"self": "A", "cross": "B"}).ok
    assert check_decoder_masks({"self": " a", "Cross ": "b "}).ok
    assert check_decoder_masks({"self": ..., "cross": ...}).status == "not attempted"
    assert check_decoder_masks(...).status == "not attempted"
    half = check_decoder_masks({"self": "A"})
    assert half.status == "not attempted" and "'cross'" in half.hint
    assert "answers" in check_decoder_masks({"self": "D", "cross": "B"}).message
    assert "n_src columns" in check_decoder_masks({"self": "B", "cross": "B"}).message
    assert "whole source is known" in check_decoder_masks({"self": "A", "cross": "A"}).message
    assert "padding tokens" in check_decoder_masks({"self": "A", "cross": "D"}).message
    assert "n_tgt columns" in check_decoder_masks({"self": "A", "cross": "C"}).message
    assert "unknown key" in check_decoder_masks({"self": "A", "kross": "B"}).message
    assert check_decoder_masks({"self": "E", "cross": "B"}).status == "wrong"
    assert check_decoder_masks({"self": 1, "cross": "B"}).status == "wrong"


# --- exercise 3 ------------------------------------------------------------------------------


def test_layer_norm_checker_accepts_right_answers():
    assert check_layer_norm(layer_norm).ok
    assert check_layer_norm(
        lambda x, g, b, eps=1e-5: (
            g * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) + b
        )
    ).ok
    assert check_layer_norm(lambda x, g, b, eps=1e-5: layer_norm(x, g, b).tolist()).ok


def _norm(x, axis=-1, ddof=0, eps=1e-5):
    centred = x - x.mean(axis, keepdims=True)
    return centred / np.sqrt(x.var(axis, ddof=ddof, keepdims=True) + eps)


@pytest.mark.parametrize(
    ("function", "words"),
    [
        (lambda x, g, b, eps=1e-5: g * _norm(x, -2) + b, "wrong axis"),
        (lambda x, g, b, eps=1e-5: g * _norm(x, (0, 1)) + b, "batch norm"),
        (lambda x, g, b, eps=1e-5: g * _norm(x, -1, 1) + b, "unbiased"),
        (
            lambda x, g, b, eps=1e-5: (
                g * (x - x.mean(-1, keepdims=True)) / (x.std(-1, keepdims=True) + eps) + b
            ),
            "outside the square root",
        ),
        (
            lambda x, g, b, eps=1e-5: (
                g * (x - x.mean(-1, keepdims=True)) / (x.var(-1, keepdims=True) + eps) + b
            ),
            "instead of the standard deviation",
        ),
        (lambda x, g, b, eps=1e-5: _norm(x), "without gamma and beta"),
        (lambda x, g, b, eps=1e-5: b * _norm(x) + g, "swapped"),
        (
            lambda x, g, b, eps=1e-5: (
                g * (x - x.mean(-1, keepdims=True)) / x.std(-1, keepdims=True) + b
            ),
            "NaN",
        ),
        (lambda x, g, b, eps=1e-5: x[..., :2], "shape"),
        (lambda x, g, b, eps=1e-5: x * 2, "right shape, wrong values"),
        (lambda x, g, b, eps=1e-5: "text", "text"),
        (lambda x, g, b, eps=1e-5: x.foo, "AttributeError"),
    ],
)
def test_layer_norm_checker_names_the_mistake(function, words):
    feedback = check_layer_norm(function)
    assert feedback.status == "wrong"
    assert words in feedback.message


def test_layer_norm_checker_not_attempted():
    assert check_layer_norm(starter).status == "not attempted"
    assert "hint(3)" in check_layer_norm(starter).hint
    assert "returned None" in check_layer_norm(lambda x, g, b, eps=1e-5: None).message
    assert check_layer_norm(None).status == "not attempted"


# --- exercise 4 ------------------------------------------------------------------------------


def test_norms_on_path():
    assert check_norms_on_path({"post": 24, "pre": 1}).ok
    assert check_norms_on_path({"Post": 24.0, "pre": np.int64(1)}).ok
    assert check_norms_on_path({"post": ..., "pre": ...}).status == "not attempted"
    assert check_norms_on_path({"post": 24}).status == "not attempted"
    assert "two sublayers" in check_norms_on_path({"post": 12, "pre": 1}).hint
    assert "no final norm" in check_norms_on_path({"post": 25, "pre": 1}).hint
    assert "one more norm" in check_norms_on_path({"post": 24, "pre": 0}).hint
    assert "side branches" in check_norms_on_path({"post": 24, "pre": 24}).hint
    assert check_norms_on_path({"post": 24, "pre": 1.5}).status == "wrong"
    assert check_norms_on_path({"post": "24", "pre": 1}).status == "wrong"
    assert check_norms_on_path([24, 1]).status == "wrong"
    assert check_norms_on_path({"post": 24, "pre": True}).status == "wrong"


# --- exercise 5 ------------------------------------------------------------------------------


RIGHT_STATEMENTS = {"A": True, "B": False, "C": False, "D": True}


def test_stack_statements():
    assert set(STATEMENTS) == set(RIGHT_STATEMENTS)
    assert check_stack_statements(RIGHT_STATEMENTS).ok
    assert check_stack_statements({"a": 1, "b": 0, "c": np.False_, "d": True}).ok
    assert check_stack_statements(dict.fromkeys("ABCD", ...)).status == "not attempted"
    assert check_stack_statements({"A": True, "B": ...}).status == "not attempted"
    for key in RIGHT_STATEMENTS:
        flipped = {**RIGHT_STATEMENTS, key: not RIGHT_STATEMENTS[key]}
        feedback = check_stack_statements(flipped)
        assert feedback.status == "wrong" and f"'{key}'" in feedback.message
    assert "without quotes" in check_stack_statements({**RIGHT_STATEMENTS, "A": "True"}).message
    assert check_stack_statements({**RIGHT_STATEMENTS, "A": 2}).status == "wrong"
    assert check_stack_statements("AD").status == "wrong"


def test_the_statements_are_what_the_notebook_measures():
    """A and D true, B and C false, on notebook 04's stacks."""
    from utils.block import encoder_stack, input_gradient_norm, stack_example, stream_norms

    ex = stack_example()
    x, layers, h = ex["x"], ex["layers"], ex["num_heads"]
    post = stream_norms(x, layers, h, norm_first=False)
    pre = stream_norms(x, layers, h, norm_first=True)
    np.testing.assert_allclose(post[1:], np.sqrt(8), rtol=1e-5)  # A
    assert (np.diff(pre) < 0).any()  # B is false
    ex2 = stack_example(seed=2)  # C is false: seed 2 grows from 1 to 6 layers

    def grad(d):
        run = lambda z: encoder_stack(z, ex2["layers"][:d], h)  # noqa: E731
        return input_gradient_norm(run, ex2["x"], ex2["direction"])

    assert grad(6) > grad(1)
    p = layers[0]
    z1, z10 = layer_norm(x, **p["norm1"]), layer_norm(10 * x, **p["norm1"])
    add1 = multi_head_attention(z1, z1, p["self_attn"], h)[0]
    add10 = multi_head_attention(z10, z10, p["self_attn"], h)[0]
    np.testing.assert_allclose(add10, add1, atol=1e-4)  # D: up to the norm's eps


# --- exercise 6 ------------------------------------------------------------------------------


def test_crossover_length_with_full_width_heads():
    assert crossover_length() == 256 == 2048 // 4 - 2 * 128
    assert crossover_length(512, 8, 2048, full_width=False) == 1024
    n = crossover_length()
    full = attention_macs(n, 128, 4, d_k=128, d_v=128)["total"]
    assert full == 2 * n * 128 * 2048  # the FFN's multiply-adds
    feedback = check_crossover_length(256)
    assert feedback.ok and f"{full:,}" in feedback.message
    assert check_crossover_length(256.0).ok
    assert check_crossover_length(...).status == "not attempted"
    assert "usual heads" in check_crossover_length(1792).message
    assert "one head's" in check_crossover_length(1024).message
    assert "(d, d)" in check_crossover_length(448).message
    assert "n^2 part alone" in check_crossover_length(512).message
    assert "larger" in check_crossover_length(100).message
    assert "smaller" in check_crossover_length(5000).message
    assert check_crossover_length(256.5).status == "wrong"
    assert check_crossover_length("256").status == "wrong"
    assert check_crossover_length(float("nan")).status == "wrong"


# --- exercise 7 ------------------------------------------------------------------------------


def pre_ln_decoder(y, memory, p, h, self_mask, memory_mask):
    z = layer_norm(y, **p["norm1"])
    y = y + multi_head_attention(z, z, p["self_attn"], h, mask=self_mask)[0]
    z = layer_norm(y, **p["norm2"])
    y = y + multi_head_attention(z, memory, p["cross_attn"], h, mask=memory_mask)[0]
    return y + feed_forward(layer_norm(y, **p["norm3"]), p["ffn"])


def test_pre_ln_decoder_checker_accepts_right_answers():
    assert check_pre_ln_decoder_layer(pre_ln_decoder).ok
    assert check_pre_ln_decoder_layer(lambda *a: decoder_layer(*a, norm_first=True)).ok


def test_every_named_mistake_is_named_and_they_differ():
    args = _decoder_case()
    variants = _decoder_variants(*args[:3], 2, *args[3:])
    right = decoder_layer(*args[:3], 2, *args[3:], norm_first=True)[0]
    names = list(variants)
    for i, name in enumerate(names):
        assert not np.allclose(variants[name], right, atol=1e-6), name
        for other in names[i + 1 :]:
            assert not np.allclose(variants[name], variants[other], atol=1e-6), (name, other)
        feedback = check_pre_ln_decoder_layer(lambda *a, n=name: _decoder_variants(*a)[n])
        assert feedback.status == "wrong" and name in feedback.message


def test_the_named_mistakes_are_what_they_say():
    def no_causal(y, memory, p, h, self_mask, memory_mask):
        return pre_ln_decoder(y, memory, p, h, None, memory_mask)

    def queries_from_y(y, memory, p, h, self_mask, memory_mask):
        z = layer_norm(y, **p["norm1"])
        y = y + multi_head_attention(z, z, p["self_attn"], h, mask=self_mask)[0]
        y = y + multi_head_attention(y, memory, p["cross_attn"], h, mask=memory_mask)[0]
        return y + feed_forward(layer_norm(y, **p["norm3"]), p["ffn"])

    assert "causal" in check_pre_ln_decoder_layer(no_causal).message
    assert "queries taken from y" in check_pre_ln_decoder_layer(queries_from_y).message
    post = check_pre_ln_decoder_layer(lambda *a: decoder_layer(*a)[0])
    assert "post-LN" in post.message


def test_pre_ln_decoder_checker_errors_and_starter():
    assert check_pre_ln_decoder_layer(starter).status == "not attempted"
    assert "hint(7)" in check_pre_ln_decoder_layer(starter).hint
    assert check_pre_ln_decoder_layer(...).status == "not attempted"
    swapped = check_pre_ln_decoder_layer(
        lambda y, m, p, h, s, mm: pre_ln_decoder(y, m, p, h, mm, s)
    )
    assert swapped.status == "wrong" and "ValueError" in swapped.message  # masks swapped
    assert "shape" in check_pre_ln_decoder_layer(lambda y, *a: y[:, :4]).message
    assert "right shape, wrong values" in check_pre_ln_decoder_layer(lambda y, *a: y).message


# --- hints --------------------------------------------------------------------------------------


def test_hints_are_staged():
    assert_staged_hints(HINTS, 7)


# --- every checker, adversarial answers ------------------------------------------------------


def notebook_values():
    """Adversarial answers near this notebook's: the count 24 in quotes, 256 as a complex
    number, a generator of sizes."""
    return ["24", 256 + 1j, (x for x in (7, 20))]


DICT_KEYS = {
    "decoder_masks": ("self", "cross"),
    "norms_on_path": ("post", "pre"),
    "stack_statements": tuple(STATEMENTS),
}
VALUE_CHECKERS = {
    "cross_attention_shapes (weights)": lambda a: check_cross_attention_shapes(a, (6, 16)),
    "cross_attention_shapes (output)": lambda a: check_cross_attention_shapes((4, 6, 9), a),
    "decoder_masks": check_decoder_masks,
    "norms_on_path": check_norms_on_path,
    "stack_statements": check_stack_statements,
    "crossover_length": check_crossover_length,
}
FUNCTION_CHECKERS = {
    "layer_norm": check_layer_norm,
    "pre_ln_decoder_layer": check_pre_ln_decoder_layer,
}
ALL_CHECKERS = VALUE_CHECKERS | FUNCTION_CHECKERS


@pytest.mark.parametrize("name", sorted(VALUE_CHECKERS))
def test_adversarial_answers_give_feedback(name):
    # the same answers also as the values of the learner's dict
    keys = [DICT_KEYS[name]] if name in DICT_KEYS else []
    assert_survives_adversarial_answers(
        VALUE_CHECKERS[name], notebook_values(), dict_keys=keys, label=name
    )


@pytest.mark.parametrize("name", sorted(FUNCTION_CHECKERS))
def test_adversarial_functions_give_feedback(name):
    # the notebook's values are also passed instead of a function
    assert_survives_adversarial_functions(
        FUNCTION_CHECKERS[name], notebook_values(), notebook_values(), label=name
    )


def _right_layer_norm(x, g, b, eps=1e-5):
    return layer_norm(x, g, b)


ALMOST_RIGHT = {
    "cross_attention_shapes (weights)": [(4, 6, 10), (4.5, 6, 9), (4, 6, 9, 1), "(4, 6, 9)"],
    "cross_attention_shapes (output)": [(6, 17), (6.5, 16), (6, 16, 1), "(6, 16)"],
    "decoder_masks": [{"self": "A", "cross": "BB"}, {"self": "AB", "cross": "B"}],
    "norms_on_path": [{"post": 24, "pre": 1 + 1e-9}, {"post": 24 + 1j, "pre": 1}],
    "stack_statements": [{**RIGHT_STATEMENTS, "D": 0.5}, {**RIGHT_STATEMENTS, "B": "False"}],
    "crossover_length": [255, 257, 256.5, 256 + 1j, "256", [256, 256]],
    "layer_norm": [
        lambda x, g, b, eps=1e-5: _right_layer_norm(x, g, b) + 1e-3,
        lambda x, g, b, eps=1e-5: _right_layer_norm(x, g, b) + 1j,
        lambda x, g, b, eps=1e-5: _right_layer_norm(x, g, b)[0],
        lambda x, g, b, eps=1e-5: _right_layer_norm(x, g, b)[..., ::-1],
    ],
    "pre_ln_decoder_layer": [
        lambda *a: pre_ln_decoder(*a) + 1e-4,
        lambda *a: pre_ln_decoder(*a) * (1 + 1e-3j),
        lambda *a: pre_ln_decoder(*a)[:-1],
        lambda *a: pre_ln_decoder(*a).T,
    ],
}


@pytest.mark.parametrize("name", sorted(ALMOST_RIGHT))
def test_almost_right_answers_are_not_accepted(name):
    for answer in ALMOST_RIGHT[name]:
        assert_feedback(ALL_CHECKERS[name](answer), f"{name}({safe_text(answer, 60)})")


ANYTHING = any_answer(keys=["self", "cross", "post", "pre", "A", "b", "x"])


def _number(value, target) -> bool:
    """Whether ``value`` is the number ``target``, by another route than the checkers'."""
    if isinstance(value, (str, bytes, complex, list, tuple, dict, bool)) or value is None:
        return False
    try:
        return float(value) == target
    except (TypeError, ValueError, OverflowError):
        return False


def _truth(value, target: bool) -> bool:
    """Whether ``value`` says ``target``: True/False, or 1/0."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value) == target
    return _number(value, float(target))


def is_right(name, answer) -> bool:
    """Whether ``answer`` is a right answer to the value checker ``name``."""

    def shape_is(value, target):
        return (
            isinstance(value, (tuple, list))
            and len(value) == len(target)
            and all(
                _number(s, t) and not isinstance(s, bool)
                for s, t in zip(value, target, strict=True)
            )
        )

    def lowered(answer):
        keys = [k.strip().lower() for k in answer if isinstance(k, str)]
        return (
            dict(zip(keys, answer.values(), strict=True)) if len(set(keys)) == len(answer) else {}
        )

    if name.startswith("cross_attention_shapes"):
        return shape_is(answer, (4, 6, 9) if "weights" in name else (6, 16))
    if name == "crossover_length":
        return _number(answer, 256)
    if not isinstance(answer, dict):
        return False
    given = lowered(answer)
    if name == "decoder_masks":
        letters = {k: v.strip().upper() for k, v in given.items() if isinstance(v, str)}
        return letters == {"self": "A", "cross": "B"}
    if name == "norms_on_path":
        return (
            set(given) == {"post", "pre"}
            and _number(given["post"], 24)
            and _number(given["pre"], 1)
        )
    if name == "stack_statements":
        truth = {k.lower(): v for k, v in RIGHT_STATEMENTS.items()}
        return set(given) == set(truth) and all(_truth(given[k], truth[k]) for k in truth)
    return False


@settings(max_examples=300, deadline=None)
@given(answer=ANYTHING, name=st.sampled_from(sorted(VALUE_CHECKERS)))
def test_any_answer_gives_feedback_and_only_right_ones_are_correct(name, answer):
    if feedback_on(VALUE_CHECKERS[name], answer).ok:
        assert is_right(name, answer), f"{name} accepted {safe_text(answer)}"


@settings(max_examples=100, deadline=None)
@given(result=ANYTHING, name=st.sampled_from(sorted(FUNCTION_CHECKERS)))
def test_any_returned_value_gives_feedback_and_is_never_correct(name, result):
    feedback = FUNCTION_CHECKERS[name](returning(result))
    assert_feedback(feedback, f"{name} returning {safe_text(result, 60)}")
