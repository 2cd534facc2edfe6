"""Checkers for the exercises of notebooks/06_attention_at_scale.ipynb.

Each returns a :class:`utils.exercises.base.Feedback` and never raises on a learner's answer:
every answer goes through :mod:`utils.exercises.base` (``attempt``, ``as_answer_number``,
``as_answer_array``, ``as_answer_letter``). While an exercise is not attempted,
its checker shows the first, gentle hint; ``hint(n)`` shows hint 2 of exercise n,
``hint(n, 3)`` hint 3.

1. a KV cache by hand                4. merge two partial softmax sums
2. why not cache the queries?        5. RoPE by hand
3. what does tiling buy?
"""

from __future__ import annotations

import numpy as np

from utils.decoding import kv_cache_bytes
from utils.exercises.base import (
    Feedback,
    Hints,
    as_answer_array,
    as_answer_letter,
    as_answer_number,
    attempt,
    correct,
    wrong,
)
from utils.positional import rope

__all__ = [
    "HINTS",
    "hint",
    "as_answer_letter",
    "CACHE_TASK",
    "check_cache_size",
    "CACHE_OPTIONS",
    "check_why_not_queries",
    "TILING_OPTIONS",
    "check_tiling_claim",
    "check_merge",
    "check_my_rope",
]

HINTS = Hints(
    {
        1: [
            "what does the cache hold for one token, in one layer, for one key/value head?",
            "2 (a key and a value) × layers × key/value heads × head_dim values per token; "
            "× tokens × 2 bytes (float16), then / 2**30 for GiB",
            "the query heads do not count: only the h_kv key/value heads are cached",
        ],
        2: [
            "at step t, which vectors of tokens 0..t-1 does the new query use?",
            "write out step t: the scores are q_t · k_j for j <= t, the output mixes v_j; "
            "where does an old query q_j appear?",
        ],
        3: [
            "compare the plain and tiled curves of section 2: memory, and the result",
            "section 2 checked the tiled output against the plain one for every block size; "
            "which products does each block compute, and which array never exists?",
        ],
        4: [
            "both sums must be relative to the same maximum before they can be added",
            "the new maximum is m = max(m_a, m_b); a sum relative to m_a becomes relative to "
            "m when multiplied by exp(m_a - m)",
        ],
        5: [
            "theta_i = 10000**(-2i/d) for pair i = columns (2i, 2i+1); each pair turns by "
            "the angle position × theta_i",
            "angles as an outer product: positions[:, None] * theta[None, :], shape (n, d/2); "
            "x[:, 0::2] and x[:, 1::2] are the two columns of every pair",
            "a' = a cos(angle) - b sin(angle), b' = a sin(angle) + b cos(angle); write them "
            "back into the even and odd columns of a new array",
        ],
    }
)
hint = HINTS.show

# the full rotation, shown once an answer is wrong (never before the first attempt)
ROPE_FORMULA = (
    "theta_i = 10000**(-2i/d); pair i is columns (2i, 2i+1): "
    "a' = a cos(p theta_i) - b sin(p theta_i), b' = a sin(p theta_i) + b cos(p theta_i)"
)
MERGE_FORMULA = (
    "the new maximum is max(m_a, m_b); rescale each sum from its own maximum: "
    "s_a * exp(m_a - m) + s_b * exp(m_b - m)"
)


# --- exercise 1: a KV cache by hand --------------------------------------------------------------

# A grouped-query model whose KV cache the learner sizes by hand.
CACHE_TASK = {
    "num_layers": 40,
    "num_heads": 32,
    "num_kv_heads": 8,
    "head_dim": 128,
    "seq_len": 8192,
    "bytes_per_value": 2,
}
GiB = 2**30


def _cache_mistakes(t: dict, right: int) -> tuple:
    """``(value in GiB, message, hint)`` for each typical wrong size of the cache."""
    return (
        (
            right * t["num_heads"] / t["num_kv_heads"] / GiB,
            f"you counted all {t['num_heads']} query heads; only the {t['num_kv_heads']} "
            "key/value heads are cached",
            "queries are never cached, and h_kv heads hold every key and value",
        ),
        (
            right / 2 / GiB,
            "that is half the cache: the keys only (or the values only), or you counted "
            "values, not bytes",
            "each token stores a key AND a value per head and layer (a factor 2), and every "
            "float16 value takes 2 bytes",
        ),
        (
            right / 4 / GiB,
            "that is a quarter of the cache: both the factor 2 (keys and values) and the 2 "
            "bytes per float16 value are missing",
            "2 × layers × h_kv × head_dim × tokens values, × 2 bytes each",
        ),
        (
            right / t["num_layers"] / GiB,
            "that is one layer's cache",
            "every layer has its own keys and values: multiply by the layers",
        ),
        (
            right * 2 / GiB,
            f"that is twice the cache: in float32 (4 bytes per value), or with all "
            f"{t['num_heads']} query heads but without the factor 2 for keys and values",
            f"float16 takes 2 bytes per value; only the {t['num_kv_heads']} key/value heads "
            "are cached, each with a key AND a value",
        ),
        (
            right / 1e9,
            "that is the size in GB (10^9 bytes); in GiB (2^30 bytes) it is a little less",
            "divide the bytes by 2**30",
        ),
        (right * 8 / GiB, "that counts bits, not bytes", "float16 is 2 bytes, not 16"),
        (right, "that is the number of bytes, not GiB", "divide the bytes by 2**30"),
    )


def check_cache_size(answer, task=None) -> Feedback:
    """Exercise 1: the KV cache of one sequence of ``CACHE_TASK``, in GiB (2**30 bytes)."""
    t = CACHE_TASK if task is None else task
    value, problem = as_answer_number(answer, "your answer")
    if problem:
        return HINTS.nudge_if_not_attempted(1, problem)
    if not np.isfinite(value):
        return wrong(f"{value}: expected a finite number of GiB", "e.g. answer_cache = 3.5")
    sizes = (t["num_layers"], t["num_kv_heads"], t["head_dim"], t["seq_len"])
    right = kv_cache_bytes(*sizes, bytes_per_value=t["bytes_per_value"])
    if np.isclose(value, right / GiB, rtol=1e-3, atol=0):
        return correct(
            f"2 × {t['num_layers']} × {t['num_kv_heads']} × {t['head_dim']} × {t['seq_len']} "
            f"× {t['bytes_per_value']} bytes = {right:,} bytes = {right / GiB:g} GiB"
        )
    for mistaken, message, how in _cache_mistakes(t, right):
        if np.isclose(value, mistaken, rtol=1e-3, atol=0):
            return wrong(f"{value:g}: {message}", how)
    return wrong(
        f"{value:g} GiB is not the size of this cache",
        "2 × layers × h_kv × head_dim × tokens × 2 bytes, then divide by 2**30",
    )


# --- exercise 2: why keys and values, and not queries --------------------------------------------

CACHE_OPTIONS = {
    "A": "Queries are larger than keys and values, so caching them would cost too much memory.",
    "B": "A past token's query was only needed for that token's own output; later tokens "
    "read only the keys and values of earlier tokens.",
    "C": "A past token's query changes when a new token arrives, so a cached query would "
    "be stale.",
    "D": "Caching queries would break the causal mask.",
}
CACHE_MISTAKES = {
    "A": "in standard attention q, k and v of a head all have d_k (or d_v) columns: the same "
    "size. Size is not the reason",
    "C": "with a causal mask nothing about an earlier token changes when a later one "
    "arrives: not its query, key, value or output (section 3 checks the outputs)",
    "D": "the mask decides which keys a query may read; storing vectors does not change it",
}


def check_why_not_queries(answer) -> Feedback:
    """Exercise 2 (conceptual): one letter from ``CACHE_OPTIONS``; B is right."""
    letter, problem = as_answer_letter(answer, CACHE_OPTIONS)
    if problem:
        return HINTS.nudge_if_not_attempted(2, problem)
    if letter == "B":
        return correct(
            "step t needs q_t (new), and k_0..k_t, v_0..v_t: old queries are never read "
            "again, old keys and values at every later step"
        )
    return wrong(CACHE_MISTAKES[letter], "write out step t: q_t · k_j for j <= t, then v_j")


# --- exercise 3: what tiling buys ----------------------------------------------------------------

TILING_OPTIONS = {
    "A": "Fewer multiply-adds: it skips most of the n × n scores.",
    "B": "The same score and value products (plus a small rescaling per block) and the same "
    "result up to round-off, but it never holds the n × n matrix, so its peak memory grows "
    "like n instead of n².",
    "C": "An approximation of softmax, close but not equal to it, in exchange for speed.",
    "D": "It only works with a causal mask.",
}
TILING_MISTAKES = {
    "A": "every block of keys is read and every score is computed once, exactly as in the "
    "plain version (plus a rescaling per block): the work still grows like n²",
    "C": "the running maximum and sum make the result exact, not approximate: section 2 "
    "checks it against the plain version",
    "D": "it works with any mask, or none: section 2 measures it without a mask",
}


def check_tiling_claim(answer) -> Feedback:
    """Exercise 3 (conceptual): one letter from ``TILING_OPTIONS``; B is right."""
    letter, problem = as_answer_letter(answer, TILING_OPTIONS)
    if problem:
        return HINTS.nudge_if_not_attempted(3, problem)
    if letter == "B":
        return correct(
            "the order of the computation changes, not its result: memory O(n · block) "
            "instead of O(n²), the same score and value products plus a rescaling per block"
        )
    return wrong(
        TILING_MISTAKES[letter],
        "what does the online softmax change: the sum, or when it is known?",
    )


# --- exercise 4: merge two partial softmax sums --------------------------------------------------


def _merge_cases():
    """Pairs of row parts ``(a, b)`` whose statistics are merged (fixed). The last has scores
    near 1000: exp(1000) overflows even float64 (whose largest exp is about exp(709)), so a
    merge that exponentiates a maximum itself, ``(s_a exp(m_a) + s_b exp(m_b)) / exp(m)``,
    fails there although it is right on paper."""
    rng = np.random.default_rng(6)
    cases = [(np.array([1.0, 3.0]), np.array([2.0, 5.0, 0.5]))]
    cases.append((np.array([4.0, -1.0]), np.array([0.0])))  # the first part holds the max
    cases.append((rng.normal(0, 30, size=7), rng.normal(0, 30, size=4)))  # -77 to 53
    cases.append((np.array([1000.0, 998.0]), np.array([990.0])))  # exp(1000) = inf
    return cases


OVERFLOW = (
    "the exp of a score this large overflows even float64 (exp(710) is already inf); "
    "exponentiate only differences such as m_a - m, which are <= 0"
)


def _why_overflow(a, b) -> str:
    """OVERFLOW if the parts ``a`` and ``b`` hold a score whose exp overflows, else ""."""
    return OVERFLOW if max(np.abs(a).max(), np.abs(b).max()) > 709 else ""  # exp(709.8): max


def _parts(a, b) -> str:
    """The two parts of a row, as the feedback names them."""
    return f"{np.round(a, 2)} and {np.round(b, 2)}"


def _stats(x):
    """(max, sum of exp(x - max)) of one part of a row."""
    m = float(np.max(x))
    return m, float(np.exp(x - m).sum())


def _two_numbers(result, a, b):
    """``(m, s)`` as two floats from a learner's result for parts ``a`` and ``b`` of a row,
    or ``(None, Feedback)``."""
    values, problem = as_answer_array(result, "your function's result")
    if problem and "NaN" in problem.message:  # inf / inf, e.g. after exp(1000)
        return None, _not_finite(a, b, "contains NaN")
    if problem:
        return None, problem
    if values.shape != (2,):
        return None, wrong(
            f"expected two numbers (m, s), got shape {values.shape}", "end with: return m, s"
        )
    if not np.isfinite(values).all():
        return None, _not_finite(a, b, f"is ({values[0]:g}, {values[1]:g})")
    return (float(values[0]), float(values[1])), None


def _not_finite(a, b, what: str) -> Feedback:
    """Feedback for an (m, s) with inf or NaN in it, for parts ``a`` and ``b`` of a row."""
    why = (
        _why_overflow(a, b)
        or "an inf comes from an exp that overflows, a NaN from inf / inf or 0 / 0"
    )
    return wrong(
        f"for parts {_parts(a, b)} your (m, s) {what}; both must be finite: {why}", MERGE_FORMULA
    )


def check_merge(function) -> Feedback:
    """Exercise 4: ``function(m_a, s_a, m_b, s_b) -> (m, s)`` merges the (maximum, sum of
    exp(x - maximum)) of two parts of a row into those of the whole row."""
    for a, b in _merge_cases():
        (m_a, s_a), (m_b, s_b) = _stats(a), _stats(b)
        with np.errstate(all="ignore"):
            result, problem = attempt(function, m_a, s_a, m_b, s_b)
        if problem and "OverflowError" in problem.message and _why_overflow(a, b):  # math.exp
            return wrong(f"for parts {_parts(a, b)} {problem.message}: {OVERFLOW}", MERGE_FORMULA)
        if problem:
            return HINTS.nudge_if_not_attempted(4, problem)
        pair, problem = _two_numbers(result, a, b)
        if problem:
            return problem
        m, s = pair
        right_m, right_s = _stats(np.concatenate([a, b]))
        if np.isclose(m, right_m, rtol=1e-9, atol=0) and np.isclose(s, right_s, rtol=1e-9, atol=0):
            continue
        if not np.isclose(m, right_m, rtol=1e-9, atol=0):
            return wrong(
                f"m = {m:g}, expected the larger maximum {right_m:g}", "m = max(m_a, m_b)"
            )
        with np.errstate(all="ignore"):
            unscaled = (
                s_a + s_b,
                s_a * np.exp(m_a - right_m) + s_b,
                s_a + s_b * np.exp(m_b - right_m),
            )
            flipped = s_a * np.exp(right_m - m_a) + s_b * np.exp(right_m - m_b)
        if any(np.isclose(s, u) for u in unscaled):
            return wrong(
                "a sum was added without rescaling it from its own maximum to the new one "
                "(sums relative to different maxima do not add)",
                MERGE_FORMULA,
            )
        if np.isclose(s, flipped):
            return wrong(
                "the rescaling factors are upside down: exp(m - m_a) grows", MERGE_FORMULA
            )
        return wrong(
            f"for parts {_parts(a, b)}: s = {s:.6g}, expected {right_s:.6g}", MERGE_FORMULA
        )
    return correct(
        "the merged (m, s) equal those of the whole row, even with scores near 1000, whose "
        "exp overflows float64"
    )


# --- exercise 5: RoPE by hand --------------------------------------------------------------------


def check_my_rope(function) -> Feedback:
    """Exercise 5: ``function(x, positions)`` for ``x (n, d)`` and ``positions (n,)`` returns
    ``utils.positional.rope(x, positions)`` (interleaved layout, base 10000)."""
    rng = np.random.default_rng(5)
    for n, d in ((5, 8), (3, 2)):
        x = rng.normal(size=(n, d))
        positions = rng.integers(0, 50, size=n)
        with np.errstate(all="ignore"):
            result, problem = attempt(function, x.copy(), positions.copy())
        if problem:
            return HINTS.nudge_if_not_attempted(5, problem)
        out, problem = as_answer_array(result, "your function's result")
        if problem:
            return problem
        if out.shape != x.shape:
            return wrong(
                f"for x of shape {x.shape} you returned shape {out.shape}",
                "return an array of the shape of x: every pair turned in place",
            )
        expected = rope(x, positions)
        if np.allclose(out, expected, rtol=0, atol=1e-9):
            continue
        diagnoses = (
            (
                rope(x, positions, layout="half"),
                "you paired column i with i + d/2 (the half layout); the paper pairs 2i with 2i+1",
            ),
            (
                rope(x, -positions),
                "you turned each pair the other way (sin with the opposite sign): still a "
                "relative encoding, but not the paper's rotation",
            ),
            (x, "nothing was rotated"),
        )
        for mistaken, message in diagnoses:
            if np.allclose(out, mistaken, rtol=0, atol=1e-9):
                return wrong(message, ROPE_FORMULA)
        with np.errstate(all="ignore"):
            r, c = np.argwhere(~np.isclose(out, expected, rtol=0, atol=1e-9))[0]
        return wrong(
            f"row {r} (position {positions[r]}), column {c}: {out[r, c]:.4f}, expected "
            f"{expected[r, c]:.4f}",
            ROPE_FORMULA,
        )
    return correct("equal to utils.positional.rope: each pair turned by position × theta_i")
