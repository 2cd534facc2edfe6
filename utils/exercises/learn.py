"""Checkers for the exercises of notebooks/05_attention_learns.ipynb.

Each returns a :class:`utils.exercises.base.Feedback` and never raises on a learner's answer.
"""

from __future__ import annotations

import numpy as np

from utils.exercises.base import (
    Feedback,
    as_answer_number,
    attempt,
    correct,
    is_unanswered,
    not_attempted,
    safe_text,
    wrong,
)
from utils.gradients import numerical_gradient, relative_error
from utils.learn import softmax_backward

__all__ = [
    "TASKS_WITHOUT_POSITIONS",
    "check_needs_positions",
    "ADAM_BETAS",
    "check_adam_first_step",
    "FLOOR_TASK",
    "check_loss_floor",
    "scale_gradient_case",
    "check_scale_gradient",
]


# --- 1. which tasks need positions? ---------------------------------------------------------

# task -> (can the position-blind model solve it?, why)
TASKS_WITHOUT_POSITIONS = {
    "shift": (False, "the answer depends on where a token is, and the model cannot see that"),
    "lookup": (True, "the query finds its entry by the key it holds, wherever the entry is"),
    "reverse": (False, "position i needs the token at n-1-i: a question of where"),
    "majority": (True, "the most frequent token does not change when the tokens are shuffled"),
}


def check_needs_positions(answer) -> Feedback:
    """``answer``: ``{task: "yes" or "no"}``, whether the model *without* positional
    encoding can solve each task in ``TASKS_WITHOUT_POSITIONS``."""
    hint = "shuffle the input tokens: does the right answer at each token move with it?"
    if is_unanswered(answer) or (
        isinstance(answer, dict) and all(is_unanswered(v) for v in answer.values())
    ):
        return not_attempted(hint)
    if not isinstance(answer, dict):
        return wrong(f"expected a dict {{task: 'yes' or 'no'}}, got {type(answer).__name__}", hint)
    verdict = {"yes": True, "no": False, True: True, False: False}
    missing = [task for task in TASKS_WITHOUT_POSITIONS if task not in answer]
    if missing:
        return wrong(f"answer every task; missing: {', '.join(missing)}", hint)
    for task, (right, why) in TASKS_WITHOUT_POSITIONS.items():
        given = answer[task]
        if is_unanswered(given):
            return not_attempted(f"{task} is still `...`: {hint}")
        given = given.strip().lower() if isinstance(given, str) else given
        if not isinstance(given, (str, bool)) or given not in verdict:
            return wrong(f"{task}: answer 'yes' or 'no', got {safe_text(answer[task], 40)}", hint)
        if verdict[given] != right:
            return wrong(f"{task}: {'yes' if right else 'no'}, because {why}", hint)
    return correct("a task is position-blind when shuffling the tokens shuffles the answers")


# --- 2. Adam's first step -------------------------------------------------------------------

ADAM_BETAS = (0.8, 0.99)  # not the notebook's (0.9, 0.999)


def check_adam_first_step(answer) -> Feedback:
    """``answer``: ``(with_correction, without_correction)``, the size of Adam's very first
    update of a parameter, in units of lr, with ``ADAM_BETAS`` (eps negligible)."""
    beta1, beta2 = ADAM_BETAS
    hint = "at t = 1: m = (1 - beta1) g and v = (1 - beta2) g**2; the step is lr * m / sqrt(v)"
    pair = "expected two numbers: (with bias correction, without)"
    if is_unanswered(answer) or (
        isinstance(answer, (tuple, list)) and all(is_unanswered(a) for a in answer)
    ):
        return not_attempted(hint)
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return wrong(f"{pair}, got {safe_text(answer, 40)}", hint)
    numbers = [
        as_answer_number(a, what) for a, what in zip(answer, ("with", "without"), strict=True)
    ]
    for _, problem in numbers:
        if problem:
            return problem if problem.status == "wrong" else not_attempted(hint)
    with_c, without_c = (value for value, _ in numbers)
    want = (1.0, (1 - beta1) / np.sqrt(1 - beta2))  # (1.0, 2.0)
    if np.isclose(with_c, want[1], atol=0.01) and np.isclose(without_c, want[0], atol=0.01):
        return wrong("the two numbers are swapped", "the corrected step is the one of size lr")
    if not np.isclose(with_c, want[0], atol=0.01):
        return wrong(
            f"with bias correction the first step is not {with_c:g} lr",
            "m_hat = m / (1 - beta1) = g and v_hat = v / (1 - beta2) = g**2",
        )
    if np.isclose(without_c, 0.1 / np.sqrt(0.001), atol=0.01):
        return wrong("3.16 is for the notebook's betas (0.9, 0.999); use 0.8 and 0.99", hint)
    if not np.isclose(without_c, want[1], atol=0.01):
        return wrong(f"without bias correction it is not {without_c:g} lr", hint)
    return correct(
        f"with bias correction lr exactly; without it (1 - {beta1}) / sqrt(1 - {beta2}) = "
        f"{want[1]:.1f} lr, a first step twice too large"
    )


# --- 3. the honest loss floor ---------------------------------------------------------------

FLOOR_TASK = {"half": 4, "vocab_size": 20}  # not the notebook's (6, 10)


def check_loss_floor(answer) -> Feedback:
    """``answer``: the lowest mean training loss (natural log) a correctly masked model can
    reach on the repeat task with ``FLOOR_TASK``'s sizes."""
    half, vocab = FLOOR_TASK["half"], FLOOR_TASK["vocab_size"]
    hint = (
        f"2 * {half} tokens give {2 * half - 1} graded next tokens; how many of them are "
        "random, and what is the lowest loss on a uniformly random token?"
    )
    value, problem = as_answer_number(answer)
    if problem:
        return problem if problem.status == "wrong" else not_attempted(hint)
    graded, random = 2 * half - 1, half - 1
    want = random / graded * np.log(vocab)
    if np.isclose(value, want, atol=0.005):
        return correct(f"{random}/{graded} of the tokens cost log {vocab} each: {want:.3f}")
    mistakes = {
        random
        / graded
        * np.log2(vocab): "that is in bits: cross-entropy here uses the natural log",
        half / graded * np.log(vocab): f"only {random} first-half next tokens are random: "
        f"the next token after position {half - 1} is the first copy's token 0",
        random / (2 * half) * np.log(vocab): f"the last token has no next token: "
        f"{graded} positions are graded, not {2 * half}",
        np.log(vocab): "only the first half is random; the rest costs 0",
        0.5 * np.log(vocab): f"not half: {random} of {graded} graded tokens are random",
    }
    for wrong_value, why in mistakes.items():
        if np.isclose(value, wrong_value, atol=0.005):
            return wrong(f"{value:.3f} is not it: {why}", hint)
    return wrong(f"{value:.3f} is not the floor", hint)


# --- 4. the gradient of the scale -----------------------------------------------------------


def scale_gradient_case(seed: int = 5):
    """A small attention call for exercise 4: ``(q, k, v, weights, d_out, scale)`` with q
    ``(3, 4)``, k ``(5, 4)``, v ``(5, 2)``, d_out ``(3, 2)`` and scale 0.7."""
    from utils.attention import scaled_dot_product_attention

    rng = np.random.default_rng(seed)
    q, k = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))  # (n_q, d_k), (n_k, d_k)
    v, d_out = rng.normal(size=(5, 2)), rng.normal(size=(3, 2))  # (n_k, d_v), (n_q, d_v)
    scale = 0.7
    _, weights = scaled_dot_product_attention(q, k, v, scale=scale)  # (3, 5)
    return q, k, v, weights, d_out, scale


def _loss_of_scale(q, k, v, d_out):
    """L(scale) = sum(out * d_out): its derivative with respect to out is d_out."""
    from utils.attention import scaled_dot_product_attention

    def loss(scale):
        out, _ = scaled_dot_product_attention(q, k, v, scale=float(scale[0]))
        return float((out * d_out).sum())

    return loss


def check_scale_gradient(fn) -> Feedback:
    """``fn(q, k, v, weights, d_out, scale)`` must return dL/d scale (one number), where
    ``out = softmax(scale * q k^T) v`` and ``d_out`` = dL/d out."""
    hint = (
        "the scores are s = scale * (q @ k.T): how does each s_ij change with scale? "
        "Chain that with ds, which steps 2 and 3 of the backward pass give you"
    )
    for seed in (5, 6):
        q, k, v, weights, d_out, scale = scale_gradient_case(seed)
        result, problem = attempt(fn, q, k, v, weights, d_out, scale)
        if problem:
            return not_attempted(hint) if problem.status == "not attempted" else problem
        got, problem = as_answer_number(result, "your function's result")
        if problem:
            return problem
        want = numerical_gradient(_loss_of_scale(q, k, v, d_out), np.array([scale]))[0]
        if relative_error(got, want) < 1e-6:
            continue
        ds = softmax_backward(weights, d_out @ v.T)  # (n_q, n_k)
        raw = q @ k.T  # (n_q, n_k)
        if np.isclose(got, (ds * raw).sum() * scale, rtol=1e-6):
            return wrong("you multiplied by the scale once more", "ds/dscale is q @ k.T, no scale")
        if np.isclose(got, ((d_out @ v.T) * raw).sum(), rtol=1e-6):
            return wrong("you skipped the softmax: that is dp, not ds", hint)
        if np.isclose(got, -want, rtol=1e-6):
            return wrong("the sign is flipped", hint)
        return wrong(f"got {got:.6f}, central differences give {want:.6f}", hint)
    return correct("dL/dscale = sum(ds * q k^T) matches central differences")
