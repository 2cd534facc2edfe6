"""utils.exercises.scale: right answers pass, typical mistakes are named, starters are
"not attempted", and nothing a learner writes makes a checker raise."""

import numpy as np
import pytest

from utils.exercises.scale import (
    CACHE_OPTIONS,
    CACHE_TASK,
    TILING_OPTIONS,
    check_cache_size,
    check_merge,
    check_my_rope,
    check_tiling_claim,
    check_why_not_queries,
)
from utils.positional import rope

GiB = 2**30


def test_cache_size():
    t = CACHE_TASK
    right = 2 * t["num_layers"] * t["num_kv_heads"] * t["head_dim"] * t["seq_len"] * 2 / GiB
    assert right == 1.25
    assert check_cache_size(...).status == "not attempted"
    assert check_cache_size(1.25).ok and check_cache_size("1.25").ok
    assert "query heads" in check_cache_size(5.0).message
    assert "keys only" in check_cache_size(0.625).message
    assert "one layer" in check_cache_size(1.25 / 40).message
    assert "float32" in check_cache_size(2.5).message
    assert "GB" in check_cache_size(right * GiB / 1e9).message
    assert "bits" in check_cache_size(1.25 * 8).message
    fb = check_cache_size(3.0)
    assert fb.status == "wrong" and fb.hint
    for junk in ("abc", [1, 2], None, float("nan")):
        assert check_cache_size(junk).status in {"wrong", "not attempted"}


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


def _merge(m_a, s_a, m_b, s_b):
    m = max(m_a, m_b)
    return m, s_a * np.exp(m_a - m) + s_b * np.exp(m_b - m)


def test_merge():
    assert check_merge(_merge).ok

    def starter(m_a, s_a, m_b, s_b):
        raise NotImplementedError

    assert check_merge(starter).status == "not attempted"
    assert "same maximum" in check_merge(starter).hint
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
        "two numbers": lambda ma, sa, mb, sb: "m, s",
    }
    for words, function in cases.items():
        fb = check_merge(function)
        assert fb.status == "wrong" and words in fb.message, (words, fb)


def test_my_rope():
    assert check_my_rope(lambda x, p: rope(x, p)).ok
    assert check_my_rope(...).status == "not attempted"

    def starter(x, positions):
        raise NotImplementedError

    assert "theta_i" in check_my_rope(starter).hint
    cases = {
        "half layout": lambda x, p: rope(x, p, layout="half"),
        "other way": lambda x, p: rope(x, -p),
        "nothing was rotated": lambda x, p: x,
        "shape": lambda x, p: x.T,
        "expected": lambda x, p: rope(x, p, base=100.0),
        "an array": lambda x, p: {"a": 1},
    }
    for words, function in cases.items():
        fb = check_my_rope(function)
        assert fb.status == "wrong" and words in fb.message, (words, fb)
