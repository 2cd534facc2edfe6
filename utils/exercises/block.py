"""Checkers for the exercises of notebooks/04_transformer_block.ipynb.

Each returns a ``Feedback`` and never raises on a learner's answer; a wrong answer that
matches a typical mistake is named as that mistake.
"""

from __future__ import annotations

import numpy as np

from utils.block import (
    encoder_layer,
    feed_forward,
    ffn_macs,
    init_encoder_layer_params,
    layer_norm,
)
from utils.cost import attention_macs
from utils.exercises.base import (
    attempt,
    correct,
    is_unanswered,
    not_attempted,
    wrong,
    wrong_shape,
)

# Exercise 1: the decoder whose cross-attention the learner describes.
CROSS_TASK = {"n_tgt": 6, "n_src": 9, "d_model": 16, "h": 4}
# Exercise 4: the layer sizes of the cost question.
COST_TASK = {"d_model": 256, "h": 4, "d_ff": 1024}
# Exercise 3: the masks the learner chooses from.
MASK_OPTIONS = {
    "A": "causal mask, shape (n_tgt, n_tgt)",
    "B": "source padding mask, shape (1, n_src): True for the real source tokens",
    "C": "target padding mask, shape (1, n_tgt): True for the real target tokens",
    "D": "no mask",
}


def _as_shape(answer):
    """``answer`` as a tuple of ints, or None when it is not shape-like."""
    try:
        shape = tuple(int(s) for s in answer)
    except (TypeError, ValueError):
        return None
    return shape if all(s == v for s, v in zip(shape, answer, strict=True)) else None


def _not_attempted_with(feedback, hint: str):
    """``feedback`` from ``attempt``, with the task's own hint when it is "not attempted"."""
    return not_attempted(hint) if feedback.status == "not attempted" else feedback


# --- exercise 1 -------------------------------------------------------------------------------


def check_cross_attention_shapes(weights_shape, output_shape, task=None):
    """Exercise 1: per-head weights ``(h, n_tgt, n_src)`` and output ``(n_tgt, d_model)``."""
    t = CROSS_TASK if task is None else task
    h, n_q, n_k, d = t["h"], t["n_tgt"], t["n_src"], t["d_model"]
    if is_unanswered(weights_shape) or is_unanswered(output_shape):
        return not_attempted("queries come from the target, keys and values from the source")
    w, o = _as_shape(weights_shape), _as_shape(output_shape)
    if w is None or o is None:
        return wrong(
            f"{weights_shape!r} and {output_shape!r} must both be shapes",
            "write tuples of ints such as (2, 3)",
        )
    if w == (h, n_k, n_q) or o == (n_k, d):
        return wrong(
            "that is the source reading the target: one row per source token",
            "the queries (rows) come from the target, the sequence being written",
        )
    if w == (h, n_q, n_q):
        return wrong(f"{w} is the decoder's self-attention", "the keys are the source tokens")
    if w == (n_q, n_k):
        return wrong(f"{w} leaves out the heads axis", "each of the h heads has its own weights")
    if w != (h, n_q, n_k):
        return wrong(
            f"weights {w} are not right", "(heads, one row per query, one column per key)"
        )
    if o == (n_q, d // h):
        return wrong(f"{o} is one head's output", "the heads are concatenated, then W^O")
    if o != (n_q, d):
        return wrong(f"output {o} is not right", "one row per target token, d_model wide")
    return correct(
        f"weights {w}: one row per target token, one column per source token; output {o}: "
        "the target's length, d_model wide"
    )


# --- exercise 2 -------------------------------------------------------------------------------

LAYER_NORM_HINT = "mean and variance over the last axis (keepdims=True), then gamma * x_hat + beta"


def _layer_norm_case():
    """A ``(2, 3, 4)`` input with a constant row and a nearly constant one, and gains."""
    x = np.random.default_rng(4).normal(size=(2, 3, 4)) * 3 + 1  # (batch, n, d)
    x[0, 1] = 2.0  # a constant token: variance 0, only eps keeps it finite
    x[1, 2] = [1.0, 1.01, 0.99, 1.0]  # variance 5e-5: eps matters
    gamma = np.array([1.5, 0.5, 2.0, 1.0])
    beta = np.array([0.1, -0.2, 0.3, 0.0])
    return x, gamma, beta


def _layer_norm_variants(x, gamma, beta, eps=1e-5) -> dict:
    """Typical wrong layer norms of ``x``, each named by its mistake."""
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {
            "over the wrong axis (the tokens, axis -2)": gamma
            * (x - x.mean(-2, keepdims=True))
            / np.sqrt(x.var(-2, keepdims=True) + eps)
            + beta,
            "over the batch and tokens (that is batch norm)": gamma
            * (x - x.mean((0, 1), keepdims=True))
            / np.sqrt(x.var((0, 1), keepdims=True) + eps)
            + beta,
            "with the unbiased variance (divide by d - 1)": gamma
            * (x - mean)
            / np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps)
            + beta,
            "with eps outside the square root": gamma * (x - mean) / (np.sqrt(var) + eps) + beta,
            "divided by the variance instead of the standard deviation": gamma
            * (x - mean)
            / (var + eps)
            + beta,
            "without gamma and beta": (x - mean) / np.sqrt(var + eps),
            "with gamma and beta swapped": beta * (x - mean) / np.sqrt(var + eps) + gamma,
        }
    return out


def check_layer_norm(function):
    """Exercise 2: ``function(x, gamma, beta, eps=1e-5)`` normalises each token over the last
    axis, as ``utils.block.layer_norm`` does."""
    x, gamma, beta = _layer_norm_case()
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is reported below instead
        result, feedback = attempt(function, x.copy(), gamma.copy(), beta.copy())
    if feedback:
        return _not_attempted_with(feedback, LAYER_NORM_HINT)
    try:
        result = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        return wrong(f"you returned {type(result).__name__}, not an array", LAYER_NORM_HINT)
    expected = layer_norm(x, gamma, beta)  # (2, 3, 4)
    if result.shape != expected.shape:
        return wrong_shape(
            f"x of shape {x.shape}", result.shape, expected.shape, "keep every axis of x"
        )
    if not np.isfinite(result).all():
        return wrong(
            "a constant token (x[0, 1], variance 0) gives NaN or inf",
            "divide by sqrt(variance + eps): eps keeps the denominator above 0",
        )
    if np.allclose(result, expected, atol=1e-6):
        return correct("every token normalised over its own features, then scaled and shifted")
    for mistake, variant in _layer_norm_variants(x, gamma, beta).items():
        if np.isfinite(variant).all() and np.allclose(result, variant, atol=1e-6):
            return wrong(f"you normalised {mistake}", LAYER_NORM_HINT)
    return wrong("right shape, wrong values", LAYER_NORM_HINT)


# --- exercise 3 -------------------------------------------------------------------------------


def _letter(answer):
    """``answer`` as one of the option letters, or None."""
    if not isinstance(answer, str) or answer.strip().upper() not in MASK_OPTIONS:
        return None
    return answer.strip().upper()


SELF_MISTAKES = {
    "B": "the source padding mask has n_src columns, but self-attention's keys are the "
    "n_tgt target tokens",
    "C": "a target padding mask alone lets token i read tokens after i: in training those "
    "are the answers it must predict",
    "D": "without a mask, target token i reads the tokens after it: in training those are "
    "the answers it must predict",
}
CROSS_MISTAKES = {
    "A": "a causal mask would hide source token j from target token i < j; but the whole "
    "source is known before decoding starts, and source position i is not target position i",
    "C": "the target padding mask has n_tgt columns, but cross-attention's keys are the "
    "n_src source tokens",
    "D": "without a mask the source's padding tokens get weight, as in section 2",
}


def check_decoder_masks(answer):
    """Exercise 3: ``{"self": letter, "cross": letter}`` from ``MASK_OPTIONS``: the causal
    mask (A) in the decoder's self-attention, the source padding mask (B) in cross-attention."""
    if is_unanswered(answer) or not isinstance(answer, dict):
        return not_attempted('answer with a dict such as {"self": "D", "cross": "D"}')
    if is_unanswered(answer.get("self")) or is_unanswered(answer.get("cross")):
        return not_attempted('fill in both letters, "self" and "cross"')
    own, cross = _letter(answer.get("self")), _letter(answer.get("cross"))
    if own is None or cross is None:
        return wrong(
            f"{answer!r}: each answer must be one of the letters {list(MASK_OPTIONS)}",
            'e.g. {"self": "A", "cross": "A"}',
        )
    if own != "A":
        return wrong(f"self-attention: {SELF_MISTAKES[own]}", "what must token i not see?")
    if cross != "B":
        return wrong(f"cross-attention: {CROSS_MISTAKES[cross]}", "which keys are not real?")
    return correct(
        "causal in self-attention (no peeking at later target tokens); source padding in "
        "cross-attention (every real source token may be read)"
    )


# --- exercise 4 -------------------------------------------------------------------------------


def crossover_length(d_model=COST_TASK["d_model"], h=COST_TASK["h"], d_ff=COST_TASK["d_ff"]):
    """The n at which self-attention and the feed-forward network cost the same multiply-adds:
    ``4 n d^2 + 2 n^2 d = 2 n d d_ff`` gives ``n = d_ff - 2 d``."""
    for n in range(1, 16 * d_ff):
        if attention_macs(n, d_model, h)["total"] >= ffn_macs(n, d_model, d_ff):
            return n
    raise ValueError("no crossover below 16 d_ff")  # pragma: no cover - d_ff > 2 d_model


def check_crossover_length(answer, task=None):
    """Exercise 4: the sequence length where attention's and the FFN's multiply-adds meet."""
    t = COST_TASK if task is None else task
    d, h, d_ff = t["d_model"], t["h"], t["d_ff"]
    if is_unanswered(answer):
        return not_attempted("write both costs as formulas in n and set them equal")
    try:
        value = int(answer)
        if value != answer:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        return wrong(f"{answer!r} is not a whole number", "a sequence length is an integer")
    n = crossover_length(d, h, d_ff)
    if value == n:
        return correct(
            f"at n = {n} both cost {ffn_macs(n, d, d_ff):,} multiply-adds: n = d_ff - 2 d_model;"
            " below it the feed-forward network costs more, above it attention's n^2 part wins"
        )
    if value == d_ff:
        return wrong(
            f"{value} is where attention's n^2 part alone (2 n^2 d) equals the FFN",
            "attention also has its four projections, W_q, W_k, W_v and W_o: 4 n d^2",
        )
    if value == d_ff - 3 * d // 2:
        return wrong(f"{value} leaves out W^O", "attention has four projections: 4 n d^2")
    where = "smaller" if value > n else "larger"
    return wrong(
        f"at n = {value} the two costs differ; they are equal at one n only, {where} than that",
        "attention: 4 n d^2 + 2 n^2 d; FFN: 2 n d d_ff",
    )


# --- exercise 5 -------------------------------------------------------------------------------

PRE_LN_HINT = "x = x + attention(norm1(x)), then x = x + feed_forward(norm2(x))"


def _pre_ln_case():
    """A ``(5, 8)`` input and a layer whose two norms differ (so mixing them up shows)."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(5, 8)) * 2  # (n, d_model)
    params = init_encoder_layer_params(8, 2, 32, seed=5)
    for name in ("norm1", "norm2"):
        params[name] = {"gamma": rng.uniform(0.5, 1.5, 8), "beta": rng.normal(0, 0.2, 8)}
    return x, params


def _pre_ln_variants(x, p, h) -> dict:
    """Typical wrong pre-LN layers, each named by its mistake."""
    from utils.attention import multi_head_attention

    def attn(z):
        return multi_head_attention(z, z, p["self_attn"], h)[0]

    def norm(z, name):
        return layer_norm(z, p[name]["gamma"], p[name]["beta"])

    after = norm(x, "norm1")  # residual added to the normalised stream
    after = after + attn(after)
    after_n2 = norm(after, "norm2")
    after = after_n2 + feed_forward(after_n2, p["ffn"])
    no_res = attn(norm(x, "norm1"))
    no_res = feed_forward(norm(no_res, "norm2"), p["ffn"])
    y = x + attn(norm(x, "norm1"))
    swapped = x + attn(norm(x, "norm2"))
    swapped = swapped + feed_forward(norm(swapped, "norm1"), p["ffn"])
    full = y + feed_forward(norm(y, "norm2"), p["ffn"])
    return {
        "the paper's post-LN layer, not pre-LN": encoder_layer(x, p, h)[0],
        "the residual added to the normalised x (x = norm(x); x = x + sublayer(x))": after,
        "no residual connections": no_res,
        "norm1 and norm2 swapped": swapped,
        "an extra layer norm at the end (that belongs after the last layer of a stack)": norm(
            full, "norm2"
        ),
        "the feed-forward sublayer left out": y,
    }


def check_pre_ln_layer(function):
    """Exercise 5: ``function(x, params, num_heads)`` is a pre-LN encoder layer, equal to
    ``utils.block.encoder_layer(x, params, num_heads, norm_first=True)[0]``."""
    x, params = _pre_ln_case()
    result, feedback = attempt(function, x.copy(), params, 2)
    if feedback:
        return _not_attempted_with(feedback, PRE_LN_HINT)
    if isinstance(result, tuple):
        result = result[0]  # (out, weights) is fine too
    try:
        result = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        return wrong(f"you returned {type(result).__name__}, not an array", PRE_LN_HINT)
    expected = encoder_layer(x, params, 2, norm_first=True)[0]  # (5, 8)
    if result.shape != expected.shape:
        return wrong_shape(
            f"x of shape {x.shape}", result.shape, expected.shape, "a layer keeps (n, d_model)"
        )
    if np.allclose(result, expected, atol=1e-8):
        return correct("norm, sublayer, add: twice, and the stream itself is never normalised")
    for mistake, variant in _pre_ln_variants(x, params, 2).items():
        if np.allclose(result, variant, atol=1e-8):
            return wrong(f"that is {mistake}", PRE_LN_HINT)
    return wrong("right shape, wrong values", PRE_LN_HINT)
