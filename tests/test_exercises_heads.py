"""utils.exercises.heads: each checker accepts the right answer, explains typical wrong
ones, reports the starter as not attempted, and never raises."""

import numpy as np
import pytest

from utils.attention import combine_heads, split_heads
from utils.exercises.heads import (
    buggy_split,
    buggy_split_tokens,
    check_buggy_split_tokens,
    check_combine_heads,
    check_concat_shape,
    check_param_count,
    check_split_heads,
)


def starter(*_args):
    raise NotImplementedError


# --- exercise 1 ---------------------------------------------------------------------------


def test_concat_shape():
    assert check_concat_shape((7, 20)).ok
    assert check_concat_shape([7, 20]).ok
    assert check_concat_shape(np.array([7, 20])).ok
    assert check_concat_shape(...).status == "not attempted"
    assert "one head" in check_concat_shape((7, 5)).message
    assert "stacked" in check_concat_shape((4, 7, 5)).message
    assert "token axis" in check_concat_shape((28, 5)).message
    assert "transposed" in check_concat_shape((20, 7)).message
    assert check_concat_shape("7x20").status == "wrong"
    assert check_concat_shape((7.5, 20)).status == "wrong"
    assert check_concat_shape(20).status == "wrong"


# --- exercise 2 ---------------------------------------------------------------------------


def test_combine_heads_checker():
    assert check_combine_heads(combine_heads).ok
    assert check_combine_heads(lambda x: np.concatenate(list(np.moveaxis(x, 1, 0)), axis=-1)).ok
    assert check_combine_heads(
        lambda x: x.transpose(0, 2, 1, 3).reshape(x.shape[0], x.shape[2], -1)
    ).ok
    unattempted = check_combine_heads(starter)
    assert unattempted.status == "not attempted" and "(B, n, h, d_h)" in unattempted.hint
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


# --- exercise 3 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (4 * 256 * 256, "biases"),
        (3 * 256 * 256, "W^O"),
        (4 * 256 * 32 + 4 * 256, "scales with h"),
        (8 * (4 * 256 * 256 + 4 * 256), "scales with h"),
        (12345, "not the count"),
        ("lots", "whole number"),
        (1.5, "whole number"),
    ],
)
def test_param_count_wrong(answer, words):
    feedback = check_param_count(answer)
    assert feedback.status == "wrong" and words in feedback.message


def test_param_count_right_and_unanswered():
    assert check_param_count(263_168).ok
    assert check_param_count(np.int64(263_168)).ok
    assert check_param_count(...).status == "not attempted"


# --- exercise 4 ---------------------------------------------------------------------------


def test_split_heads_checker():
    assert check_split_heads(split_heads).ok
    unattempted = check_split_heads(starter)
    assert unattempted.status == "not attempted" and "two steps" in unattempted.hint
    assert "still the bug" in check_split_heads(buggy_split).message
    strided = check_split_heads(lambda x, h: x.reshape(x.shape[0], -1, h).transpose(2, 0, 1))
    assert "every third feature" in strided.message
    assert "expected (3, 5, 2)" in check_split_heads(lambda x, h: x).message


def test_buggy_split_tokens_checker():
    right = [[0, 0, 0, 1], [1, 1, 2, 2], [2, 3, 3, 3]]
    assert buggy_split_tokens().tolist() == right
    assert check_buggy_split_tokens(right).ok
    assert check_buggy_split_tokens(np.array(right)).ok
    unattempted = check_buggy_split_tokens(...)
    assert unattempted.status == "not attempted" and "value // 10" in unattempted.hint
    assert "correct split" in check_buggy_split_tokens([[0, 1, 2, 3]] * 3).message
    assert "wrong token" in check_buggy_split_tokens([[0, 0, 1, 1]] * 3).message
    assert "shape" in check_buggy_split_tokens(np.array(right).T).message
    for junk in ("tokens", [[0, 1], [2]], None and 0, {"a": 1}):
        assert check_buggy_split_tokens(junk).status in ("wrong", "not attempted")


def test_buggy_split_really_mixes_tokens():
    x = np.arange(12).reshape(3, 4)  # token t has values 4t .. 4t+3
    assert buggy_split(x, 2)[0, 1].tolist() == [2, 3]  # features 2-3 of token 0
    assert split_heads(x, 2)[0, 1].tolist() == [4, 5]  # token 1, features 0-1
