"""utils.exercises.block: each checker accepts the right answer, names typical mistakes,
reports the starter as not attempted, and never raises on a learner's answer."""

import numpy as np
import pytest

from utils.attention import multi_head_attention
from utils.block import encoder_layer, feed_forward, layer_norm
from utils.exercises.block import (
    MASK_OPTIONS,
    check_cross_attention_shapes,
    check_crossover_length,
    check_decoder_masks,
    check_layer_norm,
    check_pre_ln_layer,
    crossover_length,
)


def starter(*_args, **_kwargs):
    raise NotImplementedError


# --- exercise 1 ------------------------------------------------------------------------------


def test_cross_attention_shapes():
    assert check_cross_attention_shapes((4, 6, 9), (6, 16)).ok
    assert check_cross_attention_shapes([4, 6, 9], np.array([6, 16])).ok
    assert check_cross_attention_shapes(..., ...).status == "not attempted"
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


def test_layer_norm_checker_accepts_right_answers():
    assert check_layer_norm(layer_norm).ok
    assert check_layer_norm(
        lambda x, g, b, eps=1e-5: (
            g * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) + b
        )
    ).ok


@pytest.mark.parametrize(
    ("function", "words"),
    [
        (
            lambda x, g, b, eps=1e-5: (
                g * (x - x.mean(-2, keepdims=True)) / np.sqrt(x.var(-2, keepdims=True) + eps) + b
            ),
            "wrong axis",
        ),
        (
            lambda x, g, b, eps=1e-5: (
                g
                * (x - x.mean((0, 1), keepdims=True))
                / np.sqrt(x.var((0, 1), keepdims=True) + eps)
                + b
            ),
            "batch norm",
        ),
        (
            lambda x, g, b, eps=1e-5: (
                g
                * (x - x.mean(-1, keepdims=True))
                / np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps)
                + b
            ),
            "unbiased",
        ),
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
        (
            lambda x, g, b, eps=1e-5: (
                (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)
            ),
            "without gamma and beta",
        ),
        (
            lambda x, g, b, eps=1e-5: (
                b * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) + g
            ),
            "swapped",
        ),
        (
            lambda x, g, b, eps=1e-5: (
                g * (x - x.mean(-1, keepdims=True)) / x.std(-1, keepdims=True) + b
            ),
            "NaN",
        ),
        (lambda x, g, b, eps=1e-5: x[..., :2], "shape"),
        (lambda x, g, b, eps=1e-5: x * 2, "right shape, wrong values"),
        (lambda x, g, b, eps=1e-5: "text", "not an array"),
        (lambda x, g, b, eps=1e-5: x.foo, "AttributeError"),
    ],
)
def test_layer_norm_checker_names_the_mistake(function, words):
    feedback = check_layer_norm(function)
    assert feedback.status == "wrong"
    assert words in feedback.message


def test_layer_norm_checker_not_attempted():
    assert check_layer_norm(starter).status == "not attempted"
    assert not check_layer_norm(lambda x, g, b, eps=1e-5: None).ok  # forgot `return`
    assert check_layer_norm(None).status == "not attempted"


# --- exercise 3 ------------------------------------------------------------------------------


def test_decoder_masks():
    assert set(MASK_OPTIONS) == {"A", "B", "C", "D"}
    assert check_decoder_masks({"self": "A", "cross": "B"}).ok
    assert check_decoder_masks({"self": " a", "cross": "b "}).ok
    assert check_decoder_masks({"self": ..., "cross": ...}).status == "not attempted"
    assert check_decoder_masks(...).status == "not attempted"
    assert check_decoder_masks({"self": "A"}).status == "not attempted"
    assert "answers" in check_decoder_masks({"self": "D", "cross": "B"}).message
    assert "n_src columns" in check_decoder_masks({"self": "B", "cross": "B"}).message
    assert "whole source is known" in check_decoder_masks({"self": "A", "cross": "A"}).message
    assert "padding tokens" in check_decoder_masks({"self": "A", "cross": "D"}).message
    assert "n_tgt columns" in check_decoder_masks({"self": "A", "cross": "C"}).message
    assert check_decoder_masks({"self": "E", "cross": "B"}).status == "wrong"
    assert check_decoder_masks({"self": 1, "cross": "B"}).status == "wrong"


# --- exercise 4 ------------------------------------------------------------------------------


def test_crossover_length():
    assert crossover_length() == 512 and crossover_length(512, 8, 2048) == 1024
    feedback = check_crossover_length(512)
    assert feedback.ok and "268,435,456" in feedback.message
    assert check_crossover_length(1024 - 2 * 256).ok
    assert check_crossover_length(512.0).ok
    assert check_crossover_length(...).status == "not attempted"
    assert "n^2 part alone" in check_crossover_length(1024).message
    assert "W^O" in check_crossover_length(640).message
    assert "larger" in check_crossover_length(100).message
    assert "smaller" in check_crossover_length(5000).message
    assert check_crossover_length(512.5).status == "wrong"
    assert check_crossover_length("512").status == "wrong"
    assert check_crossover_length(float("nan")).status == "wrong"


# --- exercise 5 ------------------------------------------------------------------------------


def pre_ln(x, p, h):
    z = layer_norm(x, **p["norm1"])
    x = x + multi_head_attention(z, z, p["self_attn"], h)[0]
    return x + feed_forward(layer_norm(x, **p["norm2"]), p["ffn"])


def residual_after_norm(x, p, h):
    x = layer_norm(x, **p["norm1"])
    x = x + multi_head_attention(x, x, p["self_attn"], h)[0]
    x = layer_norm(x, **p["norm2"])
    return x + feed_forward(x, p["ffn"])


def swapped_norms(x, p, h):
    z = layer_norm(x, **p["norm2"])
    x = x + multi_head_attention(z, z, p["self_attn"], h)[0]
    return x + feed_forward(layer_norm(x, **p["norm1"]), p["ffn"])


def no_residual(x, p, h):
    z = layer_norm(x, **p["norm1"])
    x = multi_head_attention(z, z, p["self_attn"], h)[0]
    return feed_forward(layer_norm(x, **p["norm2"]), p["ffn"])


def attention_only(x, p, h):
    z = layer_norm(x, **p["norm1"])
    return x + multi_head_attention(z, z, p["self_attn"], h)[0]


def extra_final_norm(x, p, h):
    return layer_norm(pre_ln(x, p, h), **p["norm2"])


def test_pre_ln_checker_accepts_right_answers():
    assert check_pre_ln_layer(pre_ln).ok
    assert check_pre_ln_layer(lambda x, p, h: encoder_layer(x, p, h, norm_first=True)).ok


@pytest.mark.parametrize(
    ("function", "words"),
    [
        (lambda x, p, h: encoder_layer(x, p, h)[0], "post-LN"),
        (residual_after_norm, "normalised x"),
        (swapped_norms, "swapped"),
        (no_residual, "no residual"),
        (attention_only, "left out"),
        (extra_final_norm, "extra layer norm"),
        (lambda x, p, h: x[:, :4], "shape"),
        (lambda x, p, h: x, "right shape, wrong values"),
        (lambda x, p, h: {"out": x}, "not an array"),
        (lambda x, p, h: p["nope"], "KeyError"),
    ],
)
def test_pre_ln_checker_names_the_mistake(function, words):
    feedback = check_pre_ln_layer(function)
    assert feedback.status == "wrong"
    assert words in feedback.message


def test_pre_ln_checker_not_attempted():
    assert check_pre_ln_layer(starter).status == "not attempted"
    assert "norm1" in check_pre_ln_layer(starter).hint
    assert check_pre_ln_layer(...).status == "not attempted"
