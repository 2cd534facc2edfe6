"""Checkers for the exercises of notebooks/04_transformer_block.ipynb.

Each returns a :class:`utils.exercises.base.Feedback` and never raises, whatever a learner
passes: every answer goes through the conversions of :mod:`utils.exercises.base`
(``as_answer_shape_or_array``, ``as_answer_number``, ``as_answer_array``, ``as_answer_dict``,
``match_option``, ``parse_truth``), and every learner's function is called through
:func:`utils.exercises.base.attempt`. A wrong answer that matches a typical mistake is named
as that mistake. While an exercise is not attempted its checker shows a nudge (hint 1);
``hint(n)`` shows hint 2 of exercise n, ``hint(n, 3)`` hint 3.

1. ``check_cross_attention_shapes``: the shapes in a decoder's cross-attention.
2. ``check_decoder_masks``: which mask goes into which attention (conceptual).
3. ``check_layer_norm``: layer normalisation, implemented.
4. ``check_norms_on_path``: how many norms the plain residual path crosses (conceptual).
5. ``check_stack_statements``: true or false, about the stream and its gradient (conceptual).
6. ``check_crossover_length``: where attention and the FFN cost the same, full-width heads.
7. ``check_pre_ln_decoder_layer``: a pre-LN decoder layer, implemented.
"""

from __future__ import annotations

import numpy as np

from utils.attention import causal_mask, multi_head_attention, padding_mask
from utils.block import (
    decoder_layer,
    feed_forward,
    ffn_macs,
    init_decoder_layer_params,
    layer_norm,
)
from utils.cost import attention_macs
from utils.exercises.base import (
    Feedback,
    Hints,
    as_answer_array,
    as_answer_dict,
    as_answer_number,
    as_answer_shape_or_array,
    attempt,
    correct,
    is_unanswered,
    match_option,
    not_attempted,
    parse_truth,
    safe_text,
    wrong,
    wrong_shape,
)

__all__ = [
    "HINTS",
    "hint",
    "CROSS_TASK",
    "check_cross_attention_shapes",
    "MASK_OPTIONS",
    "check_decoder_masks",
    "check_layer_norm",
    "PATH_TASK",
    "check_norms_on_path",
    "STATEMENTS",
    "check_stack_statements",
    "COST_TASK",
    "crossover_length",
    "check_crossover_length",
    "check_pre_ln_decoder_layer",
]

HINTS = Hints(
    {
        1: [
            "which sequence gives the queries, and which one the keys and values?",
            "per-head weights are (heads, one row per query, one column per key); the output "
            "has one row per query and, after W^O, d_model columns",
        ],
        2: [
            "for each of the two attentions, ask: which of its keys must a query not read?",
            "self-attention's keys are the target tokens, and target token i must not read "
            "the ones after it; cross-attention's keys are the source tokens, some of them "
            "padding",
        ],
        3: [
            "each token is normalised on its own: which axis holds one token's features?",
            "mean and variance over the last axis with keepdims=True, then "
            "(x - mean) / sqrt(variance + eps)",
            "finish with gamma * x_hat + beta; the variance divides by d (np.var's default)",
        ],
        4: [
            "draw one layer of each kind and follow the stream straight from the top to the "
            "bottom, never entering a sublayer",
            "post-LN: the norm comes after the addition, so the stream itself passes through "
            "it; pre-LN: the norms sit on the side branches, and the stack adds one at its top",
        ],
        5: [
            "each statement is about a number that a cell of section 6 or 7 printed: find it",
            "A and B: the stream sizes printed under section 6's stream figure; C: the table "
            "of five seeds; D: the attn(norm1(x)) column of section 7's table of input sizes "
            "(what does norm1 do to 10 x: its mean and its spread?)",
        ],
        6: [
            "a full-width head has d_k = d_v = d_model: which of section 3's costs change?",
            "attention with h heads of width d: projections 4 n h d^2 (W^O reads h d "
            "columns), scores and weighted sum 2 h n^2 d; the FFN stays 2 n d d_ff",
            "set the two equal and divide both sides by 2 n h d",
        ],
        7: [
            "start from section 6's pre-LN encoder layer: what does a decoder layer add?",
            "three sublayers, each y = y + sublayer(norm_i(y)): masked self-attention (norm1), "
            "cross-attention (norm2), feed-forward (norm3)",
            "cross-attention: queries from norm2(y), keys and values from memory as it is: "
            "multi_head_attention(z, memory, params['cross_attn'], num_heads, "
            "mask=memory_mask); no final norm at the end",
        ],
    }
)
hint = HINTS.show


def _whole_number(answer, what: str):
    """``(int, None)`` for a whole number (5 or 5.0), else ``(None, Feedback)``."""
    if isinstance(answer, (bool, np.bool_)):
        return None, wrong(f"{what} is {answer}, not a number", "write the number itself")
    value, problem = as_answer_number(answer, what)
    if problem:
        return None, problem
    if not np.isfinite(value) or value != int(value):
        return None, wrong(f"{what}, {value:g}, is not a whole number", "it counts something")
    return int(value), None


# --- exercise 1 -------------------------------------------------------------------------------

CROSS_TASK = {"n_tgt": 6, "n_src": 9, "d_model": 16, "h": 4}


def check_cross_attention_shapes(weights_shape, output_shape, task=None) -> Feedback:
    """Exercise 1: per-head weights ``(h, n_tgt, n_src)`` and output ``(n_tgt, d_model)``."""
    t = CROSS_TASK if task is None else task
    h, n_q, n_k, d = t["h"], t["n_tgt"], t["n_src"], t["d_model"]
    if is_unanswered(weights_shape) or is_unanswered(output_shape):
        return not_attempted(HINTS.nudge(1))
    w, problem = as_answer_shape_or_array(weights_shape, "the weights' shape")
    if problem:
        return problem
    o, problem = as_answer_shape_or_array(output_shape, "the output's shape")
    if problem:
        return problem
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
        return wrong(f"weights {w} are not right", "more: hint(1)")
    if o == (n_q, d // h):
        return wrong(f"{o} is one head's output", "the heads are concatenated, then W^O")
    if o != (n_q, d):
        return wrong(f"output {o} is not right", "one row per target token; how wide?")
    return correct(
        f"weights {w}: one row per target token, one column per source token; output {o}: "
        "the target's length, d_model wide"
    )


# --- exercise 2 -------------------------------------------------------------------------------

MASK_OPTIONS = {
    "A": "causal mask, shape (n_tgt, n_tgt)",
    "B": "source padding mask, shape (1, n_src): True for the real source tokens",
    "C": "target padding mask, shape (1, n_tgt): True for the real target tokens",
    "D": "no mask",
}
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


def check_decoder_masks(answer) -> Feedback:
    """Exercise 2: ``{"self": letter, "cross": letter}`` from ``MASK_OPTIONS``: the causal
    mask (A) in the decoder's self-attention, the source padding mask (B) in cross-attention."""
    example = '{"self": "D", "cross": "D"}'
    values, problem = as_answer_dict(answer, ("self", "cross"), example, HINTS.nudge(2))
    if problem:
        return problem
    letters = {}
    for key, value in values.items():
        if is_unanswered(value):
            continue
        letters[key] = match_option(value, MASK_OPTIONS)
        if letters[key] is None:
            return wrong(
                f"{key!r}: {safe_text(value, 30)} is not one of the letters "
                f"{', '.join(MASK_OPTIONS)}",
                'write one letter in quotes, e.g. "A"',
            )
    if letters.get("self") not in (None, "A"):
        return wrong(f"self-attention: {SELF_MISTAKES[letters['self']]}", "more: hint(2)")
    if letters.get("cross") not in (None, "B"):
        return wrong(f"cross-attention: {CROSS_MISTAKES[letters['cross']]}", "more: hint(2)")
    if len(letters) < 2:
        missing = next(key for key in values if key not in letters)
        return not_attempted(f"right so far; still to answer: {missing!r}")
    return correct(
        "causal in self-attention (no peeking at later target tokens); source padding in "
        "cross-attention (every real source token may be read)"
    )


# --- exercise 3 -------------------------------------------------------------------------------


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

    def norm(axis, ddof=0):
        centred = x - x.mean(axis, keepdims=True)
        return centred / np.sqrt(x.var(axis, ddof=ddof, keepdims=True) + eps)

    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "over the wrong axis (the tokens, axis -2)": gamma * norm(-2) + beta,
            "over the batch and tokens (that is batch norm)": gamma * norm((0, 1)) + beta,
            "with the unbiased variance (divide by d - 1)": gamma * norm(-1, 1) + beta,
            "with eps outside the square root": gamma * (x - mean) / (np.sqrt(var) + eps) + beta,
            "divided by the variance instead of the standard deviation": gamma
            * (x - mean)
            / (var + eps)
            + beta,
            "without gamma and beta": norm(-1),
            "with gamma and beta swapped": beta * norm(-1) + gamma,
        }


def check_layer_norm(function) -> Feedback:
    """Exercise 3: ``function(x, gamma, beta, eps=1e-5)`` normalises each token over the last
    axis, as ``utils.block.layer_norm`` does."""
    x, gamma, beta = _layer_norm_case()
    with np.errstate(all="ignore"):  # 0 / 0 and overflow are reported below instead
        result, feedback = attempt(function, x.copy(), gamma.copy(), beta.copy())
    if feedback:
        return HINTS.nudge_if_not_attempted(3, feedback)
    expected = layer_norm(x, gamma, beta)  # (2, 3, 4)
    constant_token = wrong(
        "a constant token (x[0, 1], variance 0) gives NaN or inf",
        "divide by sqrt(variance + eps): eps keeps the denominator above 0",
    )
    if isinstance(result, np.ndarray) and result.dtype.kind == "f":
        if result.shape == expected.shape and not np.isfinite(result).all():
            return constant_token  # before as_answer_array, which refuses NaN in general
    out, problem = as_answer_array(result, "what your function returned")
    if problem:
        return problem
    if out.shape != expected.shape:
        return wrong_shape(f"x of shape {x.shape}", out.shape, expected.shape, "keep every axis")
    if not np.isfinite(out).all():
        return constant_token
    if np.allclose(out, expected, atol=1e-6, rtol=0):
        return correct("every token normalised over its own features, then scaled and shifted")
    for mistake, variant in _layer_norm_variants(x, gamma, beta).items():
        if np.isfinite(variant).all() and np.allclose(out, variant, atol=1e-6, rtol=0):
            return wrong(f"you normalised {mistake}", "more: hint(3)")
    return wrong("right shape, wrong values", "more: hint(3)")


# --- exercise 4 -------------------------------------------------------------------------------

PATH_TASK = {"layers": 12}


def check_norms_on_path(answer) -> Feedback:
    """Exercise 4: ``{"post": count, "pre": count}``: the layer norms crossed from the loss to
    the first layer's input along the residual connections only, in a post-LN stack of
    ``PATH_TASK["layers"]`` layers (2 per layer) and a pre-LN stack (its final norm: 1)."""
    layers = PATH_TASK["layers"]
    values, problem = as_answer_dict(
        answer, ("post", "pre"), '{"post": 0, "pre": 0}', HINTS.nudge(4)
    )
    if problem:
        return problem
    counts = {}
    for key, value in values.items():
        if not is_unanswered(value):
            counts[key], problem = _whole_number(value, f"your count for {key!r}")
            if problem:
                return problem
    post, pre = counts.get("post"), counts.get("pre")
    if post is not None and post != 2 * layers:
        reasons = {
            layers: "each post-LN layer has two sublayers, each ending with a norm",
            2 * layers + 1: "the paper's post-LN stack has no final norm: its last layer ends "
            "with one (torch.nn.Transformer does add an encoder norm and a decoder norm, "
            "whatever norm_first is; this exercise counts the paper's stack)",
            0: "in post-LN the norm comes after the addition: the stream itself passes it",
        }
        return wrong(f"post-LN: {post} norms", reasons.get(post, "more: hint(4)"))
    if pre is not None and pre != 1:
        reasons = {
            0: "the pre-LN stack ends with one more norm, after its last layer",
            2 * layers: "those norms sit on the side branches, not on the stream itself",
            2 * layers + 1: "the 2L norms sit on the side branches, not on the stream itself",
        }
        return wrong(f"pre-LN: {pre} norms", reasons.get(pre, "more: hint(4)"))
    if len(counts) < 2:
        missing = next(key for key in values if key not in counts)
        return not_attempted(f"right so far; still to answer: {missing!r}")
    return correct(
        f"post-LN: all {2 * layers} norms are on the stream; pre-LN: only the final one, "
        "the other norms sit on the branches"
    )


# --- exercise 5 -------------------------------------------------------------------------------

STATEMENTS = {
    "A": "Post-LN's stream has the same size, sqrt(d_model), after every layer.",
    "B": "Pre-LN's stream grows with every layer.",
    "C": "Adding layers to a post-LN stack always shrinks the gradient at its first layer.",
    "D": "Multiplying a pre-LN layer's input x by 10 leaves its first addition, "
    "attn(norm1(x)), unchanged (up to the norm's eps).",
}
STATEMENT_TRUTH = {"A": True, "B": False, "C": False, "D": True}
STATEMENT_REASONS = {
    "A": "every post-LN sublayer ends with a norm (gamma = 1, beta = 0 here): each token "
    "then has mean 0 and variance 1 over its d features, so length sqrt(d)",
    "B": "it grows overall, but an addition can also shorten it: look at layers 21 and 24 "
    "in section 6's printout",
    "C": "look at the table of seeds: for several seeds post-LN's gradient is larger at 6 "
    "layers than at 1; only over many layers does it fall",
    "D": "norm1(10 x) = (10 x - 10 mean) / (10 spread) = norm1(x) (up to eps), so attention "
    "sees the same input: the attn(norm1(x)) column of section 7's table is the same for "
    "x0.1, x1 and x10. The whole first layer's addition differs: its FFN normalises "
    "x + attn(norm1(x)), in which x's share grows with x",
}


def check_stack_statements(answer) -> Feedback:
    """Exercise 5: ``{"A": True/False, ...}`` for each of ``STATEMENTS``."""
    example = '{"A": True, "B": False, ...}'
    values, problem = as_answer_dict(answer, tuple(STATEMENTS), example, HINTS.nudge(5))
    if problem:
        return problem
    unanswered = [key for key, value in values.items() if is_unanswered(value)]
    mistakes = []
    for key, value in values.items():
        if key in unanswered:
            continue
        truth, message = parse_truth(value)
        if message:
            return wrong(f"the answer for {key!r} is {safe_text(value, 30)}: {message}")
        if truth != STATEMENT_TRUTH[key]:
            mistakes.append(key)
    still = f"; still to answer: {', '.join(unanswered)}" if unanswered else ""
    if mistakes:
        first = mistakes[0]
        said = "true" if not STATEMENT_TRUTH[first] else "false"
        return wrong(
            f"{len(mistakes)} of your answers {'is' if len(mistakes) == 1 else 'are'} wrong, "
            f"e.g. {first!r}: you said {said}{still}",
            STATEMENT_REASONS[first],
        )
    if unanswered:
        return not_attempted(f"right so far{still}")
    return correct("A and D hold; B and C do not: the stream and its gradient are measured")


# --- exercise 6 -------------------------------------------------------------------------------

COST_TASK = {"d_model": 128, "h": 4, "d_ff": 2048}


def _costs(n, d, h, d_ff, full_width=True):
    """Multiply-adds of self-attention (full-width heads or d_k = d / h) and of the FFN."""
    width = d if full_width else None
    return attention_macs(n, d, h, d_k=width, d_v=width)["total"], ffn_macs(n, d, d_ff)


def crossover_length(d_model=None, h=None, d_ff=None, full_width=True) -> int:
    """The n at which self-attention and the feed-forward network cost the same multiply-adds.

    Full-width heads (d_k = d_v = d_model): ``4 n h d^2 + 2 h n^2 d = 2 n d d_ff`` gives
    ``n = d_ff / h - 2 d``; heads of width d / h: ``n = d_ff - 2 d``. Found by counting with
    ``utils.cost.attention_macs`` and ``utils.block.ffn_macs``.
    """
    t = COST_TASK
    d, h, d_ff = d_model or t["d_model"], h or t["h"], d_ff or t["d_ff"]
    for n in range(1, 16 * d_ff):
        attention, ffn = _costs(n, d, h, d_ff, full_width)
        if attention >= ffn:
            return n
    raise ValueError("no crossover below 16 d_ff")  # pragma: no cover


def check_crossover_length(answer, task=None) -> Feedback:
    """Exercise 6: the sequence length where attention with full-width heads and the FFN cost
    the same number of multiply-adds."""
    t = COST_TASK if task is None else task
    d, h, d_ff = t["d_model"], t["h"], t["d_ff"]
    if is_unanswered(answer):
        return not_attempted(HINTS.nudge(6))
    value, problem = _whole_number(answer, "your n")
    if problem:
        return problem
    n = crossover_length(d, h, d_ff)
    if value == n:
        attention, _ = _costs(n, d, h, d_ff)
        return correct(
            f"at n = {n} both cost {attention:,} multiply-adds: n = d_ff / h - 2 d_model; "
            "full-width heads make attention h times as expensive, so it wins much sooner"
        )
    mistakes = {
        d_ff - 2 * d: "that is the crossover for the usual heads of width d_model / h",
        d_ff - 2 * h * d: "your n^2 part is one head's: each of the h heads has its own",
        (d_ff - 2 * d) // h: "your projections are (d, d): with full-width heads W_q, W_k, "
        "W_v are (d, h d) and W^O is (h d, d)",
        d_ff // h: "there attention's n^2 part alone equals the FFN: add the projections",
    }
    if value in mistakes:
        return wrong(f"n = {value}: {mistakes[value]}", "more: hint(6)")
    where = "smaller" if value > n else "larger"
    return wrong(
        f"at n = {value} the two costs differ; they are equal at one n only, {where} than that",
        "more: hint(6)",
    )


# --- exercise 7 -------------------------------------------------------------------------------


def _decoder_case():
    """A target ``(4, 8)``, a memory ``(5, 8)`` with one padding token, a decoder layer whose
    three norms differ (so mixing them up shows), and the two masks."""
    rng = np.random.default_rng(7)
    y = rng.normal(size=(4, 8)) * 2  # (n_tgt, d_model)
    memory = rng.normal(size=(5, 8))  # (n_src, d_model)
    params = init_decoder_layer_params(8, 2, 32, seed=7)
    for name in ("norm1", "norm2", "norm3"):
        params[name] = {"gamma": rng.uniform(0.5, 1.5, 8), "beta": rng.normal(0, 0.2, 8)}
    memory[4] = 10 * rng.normal(size=8)  # the padding token: reading it changes a lot
    return y, memory, params, causal_mask(4), padding_mask([4], 5)[0]


def _decoder_variants(y, memory, p, h, self_mask, memory_mask) -> dict:
    """Typical wrong pre-LN decoder layers, each named by its mistake."""

    def norm(z, name):
        return layer_norm(z, p[name]["gamma"], p[name]["beta"])

    def attend(q, kv, which, mask):
        return multi_head_attention(q, kv, p[which], h, mask=mask)[0]

    def pre_ln(norms=("norm1", "norm2", "norm3"), kv=None, q_norm=True, masks=None, ffn=True):
        self_m, mem_m = masks or (self_mask, memory_mask)
        z = norm(y, norms[0])
        out = y + attend(z, z, "self_attn", self_m)
        z = norm(out, norms[1])
        keys = norm(memory, norms[1]) if kv == "normed" else memory
        out = out + attend(z if q_norm else out, keys, "cross_attn", mem_m)
        return out + feed_forward(norm(out, norms[2]), p["ffn"]) if ffn else out

    def residual_after_norm():
        out = norm(y, "norm1")
        out = out + attend(out, out, "self_attn", self_mask)
        out = norm(out, "norm2")
        out = out + attend(out, memory, "cross_attn", memory_mask)
        out = norm(out, "norm3")
        return out + feed_forward(out, p["ffn"])

    final = pre_ln()
    ones, zeros = np.ones(y.shape[-1]), np.zeros(y.shape[-1])
    return {
        "the paper's post-LN decoder layer, not pre-LN": decoder_layer(
            y, memory, p, h, self_mask, memory_mask
        )[0],
        "the residual added to the normalised stream (y = norm(y); y = y + sublayer(y))": (
            residual_after_norm()
        ),
        "memory normalised by norm2: only the queries are normalised": pre_ln(kv="normed"),
        "cross-attention's queries taken from y, not from norm2(y)": pre_ln(q_norm=False),
        "self-attention without the causal mask": pre_ln(masks=(None, memory_mask)),
        "cross-attention without the source padding mask": pre_ln(masks=(self_mask, None)),
        "norm2 and norm3 swapped": pre_ln(norms=("norm1", "norm3", "norm2")),
        "the feed-forward sublayer left out": pre_ln(ffn=False),
        "an extra layer norm at the end (a stack's final norm is not part of a layer)": (
            layer_norm(final, ones, zeros)
        ),
        "an extra norm3 at the end": norm(final, "norm3"),
    }


def check_pre_ln_decoder_layer(function) -> Feedback:
    """Exercise 7: ``function(y, memory, params, num_heads, self_mask, memory_mask)`` is a pre-LN
    decoder layer, equal to ``utils.block.decoder_layer(..., norm_first=True)[0]``."""
    y, memory, params, self_mask, memory_mask = _decoder_case()
    args = (y.copy(), memory.copy(), params, 2, self_mask.copy(), memory_mask.copy())
    with np.errstate(all="ignore"):
        result, feedback = attempt(function, *args)
    if feedback:
        return HINTS.nudge_if_not_attempted(7, feedback)
    if isinstance(result, tuple) and len(result) == 3:
        result = result[0]  # (out, self_weights, cross_weights), as decoder_layer returns
    out, problem = as_answer_array(result, "what your function returned")
    if problem:
        return problem
    expected = decoder_layer(y, memory, params, 2, self_mask, memory_mask, norm_first=True)[0]
    if out.shape != expected.shape:
        return wrong_shape(
            f"y of shape {y.shape} and memory of shape {memory.shape}",
            out.shape,
            expected.shape,
            "a decoder layer keeps the target's shape (n_tgt, d_model)",
        )
    if np.allclose(out, expected, atol=1e-8, rtol=0):
        return correct(
            "norm, sublayer, add: three times; queries from norm2(y), keys and values from "
            "memory; the stream itself is never normalised"
        )
    for mistake, variant in _decoder_variants(*args).items():
        if np.allclose(out, variant, atol=1e-8, rtol=0):
            return wrong(f"that is {mistake}", "more: hint(7)")
    return wrong("right shape, wrong values", "more: hint(7)")
