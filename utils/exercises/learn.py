"""Checkers for the exercises of notebooks/05_attention_learns.ipynb.

Each returns a :class:`utils.exercises.base.Feedback` and never raises on a learner's answer:
every answer goes through ``utils.exercises.base`` (``as_answer_number``, ``attempt``). While
an exercise is not attempted, its checker shows the first of its staged hints (``HINTS``);
``hint(n)`` shows hint 2 of exercise n, ``hint(n, 3)`` hint 3. No hint and no "wrong" message
states the answer.
"""

from __future__ import annotations

import numpy as np

from utils.exercises.base import (
    Feedback,
    Hints,
    as_answer_number,
    attempt,
    correct,
    is_unanswered,
    match_option,
    not_attempted,
    safe_text,
    wrong,
)
from utils.gradients import numerical_gradient, relative_error
from utils.learn import softmax_backward

__all__ = [
    "HINTS",
    "hint",
    "TASKS_WITHOUT_POSITIONS",
    "check_needs_positions",
    "ADAM_BETAS",
    "uncorrected_steps",
    "check_adam_peak",
    "FLOOR_TASK",
    "check_loss_floor",
    "scale_gradient_case",
    "check_scale_gradient",
]

HINTS = Hints(
    {
        1: [
            "shuffle the input tokens of a sequence: does the right answer at each token "
            "travel with that token?",
            "a model without positions sees its own token and the bag of all tokens; "
            "shuffling the tokens shuffles its outputs the same way (section 7). A task it "
            "can solve must have answers that move with their tokens",
            "for each task, write a short sequence, swap two tokens, and compare the right "
            "answers before and after the swap",
        ],
        2: [
            "with the same gradient g at every step, what are m and v after t steps? Start "
            "from m = 0 and apply the update twice",
            "m_t = (1 - beta1**t) g and v_t = (1 - beta2**t) g**2 (geometric sums); without "
            "the correction the step is lr * m_t / sqrt(v_t)",
            "evaluate that ratio for t = 1, 2, ..., 100 with np.arange and find its largest "
            "value with argmax (t starts at 1, indices at 0)",
        ],
        3: [
            "count the graded next tokens of one sequence, and those no model can know",
            "the last token has no next token; a next token that is uniformly random among "
            "V tokens costs at least log V on average, a known one can cost 0",
            "the floor is the mean over the graded positions, in natural log",
        ],
        4: [
            "the scores are s = scale * (q @ k.T): how does each s_ij change with scale?",
            "ds_ij / dscale = (q @ k.T)_ij; chain that with ds, which steps 2 and 3 of the "
            "backward pass give you",
            "dp = d_out @ v.T, ds = softmax_backward(weights, dp), then sum ds * (q @ k.T) "
            "over every entry",
        ],
    }
)
hint = HINTS.show


# --- 1. which tasks need positions? ---------------------------------------------------------

# task -> can the position-blind model solve it?
TASKS_WITHOUT_POSITIONS = {"shift": False, "lookup": True, "reverse": False, "majority": True}
VERDICTS = {"yes": True, "no": False}


def _as_verdict(value):
    """``True``/``False`` for "yes"/"no" (any case, spaces around) or a bool, else None."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    verdict = match_option(value, VERDICTS)
    return None if verdict is None else VERDICTS[verdict]


def check_needs_positions(answer) -> Feedback:
    """Exercise 1. ``answer``: ``{task: "yes" or "no"}``, whether the model *without*
    positional encoding can solve each task in ``TASKS_WITHOUT_POSITIONS``.

    A wrong answer is reported as a count, never by naming the task: for a yes/no question,
    "this one is wrong" would be the answer."""
    if is_unanswered(answer):
        return not_attempted(HINTS.nudge(1))
    if not isinstance(answer, dict):
        return wrong(
            f"expected a dict {{task: 'yes' or 'no'}}, got {safe_text(answer, 40)}",
            "keep the starter's dict and replace each ... with 'yes' or 'no'",
        )
    tasks = list(TASKS_WITHOUT_POSITIONS)
    unknown = [safe_text(key, 20) for key in answer if key not in TASKS_WITHOUT_POSITIONS]
    if unknown:
        return wrong(f"unknown task(s): {', '.join(unknown)}; the tasks are {', '.join(tasks)}")
    if all(is_unanswered(answer.get(task)) for task in tasks):
        return not_attempted(HINTS.nudge(1))
    missing = [task for task in tasks if is_unanswered(answer.get(task))]
    if missing:
        return not_attempted(f"still to answer: {', '.join(missing)}. {HINTS.nudge(1)}")
    verdicts = {task: _as_verdict(answer[task]) for task in tasks}
    unreadable = [task for task, verdict in verdicts.items() if verdict is None]
    if unreadable:
        task = unreadable[0]
        return wrong(f"{task}: answer 'yes' or 'no', got {safe_text(answer[task], 40)}")
    mistakes = sum(verdicts[task] != right for task, right in TASKS_WITHOUT_POSITIONS.items())
    if mistakes:
        return wrong(
            f"{mistakes} of your {len(tasks)} answers {'is' if mistakes == 1 else 'are'} "
            "not right (which ones is left to you: try the shuffle test on each task)",
            HINTS.nudge(1),
        )
    return correct(
        "passing the shuffle test is necessary for a model without positions; the Solutions "
        "section trains all four tasks without them: here it is also enough"
    )


# --- 2. Adam without bias correction, a steady gradient -------------------------------------

ADAM_BETAS = (0.8, 0.99)  # not the notebook's (0.9, 0.999)
SIZE_DECIMALS = 2  # the task asks for the size to 2 decimals
SIZE_TOL = 0.5 * 10**-SIZE_DECIMALS  # any value that rounds to the right 2 decimals


def uncorrected_steps(beta1: float, beta2: float, steps: int = 200) -> np.ndarray:
    """Adam's update without bias correction, in units of lr, at t = 1..``steps`` when the
    gradient is the same at every step: ``(1 - beta1**t) / sqrt(1 - beta2**t)`` ``(steps,)``."""
    t = np.arange(1, steps + 1)  # (steps,)
    return (1 - beta1**t) / np.sqrt(1 - beta2**t)


def check_adam_peak(answer) -> Feedback:
    """Exercise 2. ``answer``: ``(t, size)``, the step t at which Adam's update *without*
    bias correction is largest for a steady gradient with ``ADAM_BETAS``, and its size in
    units of lr, to ``SIZE_DECIMALS`` decimals (within ``SIZE_TOL``)."""
    if is_unanswered(answer) or (
        isinstance(answer, (tuple, list)) and all(is_unanswered(a) for a in answer)
    ):
        return not_attempted(HINTS.nudge(2))
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return wrong(
            f"expected two numbers (t, size), got {safe_text(answer, 40)}",
            "write a pair such as (3, 1.5)",
        )
    numbers = [as_answer_number(a, what) for a, what in zip(answer, ("t", "size"), strict=True)]
    for _, problem in numbers:
        if problem:
            return HINTS.nudge_if_not_attempted(2, problem)
    t, size = (value for value, _ in numbers)
    sizes = uncorrected_steps(*ADAM_BETAS)  # (200,)
    best_t, best = int(sizes.argmax()) + 1, float(sizes.max())
    if not np.isfinite(t) or t != int(t) or t < 1:
        return wrong(f"t counts steps, 1, 2, 3, ...: got {t:g}", HINTS.nudge(2))
    t = int(t)
    if np.isclose(size, 1.0, atol=0.01):
        return wrong("a size of 1 is the update *with* bias correction", HINTS.nudge(2))
    notebook = uncorrected_steps(0.9, 0.999)
    if np.isclose(size, notebook.max(), atol=0.01):
        return wrong(f"that is the peak for the notebook's betas (0.9, 0.999), not {ADAM_BETAS}")
    if t == 1 and np.isclose(size, sizes[0], atol=0.01):
        return wrong("that is the very first step; later steps are larger", HINTS.nudge(2))
    if t != best_t:
        if t <= len(sizes) and abs(size - sizes[t - 1]) <= SIZE_TOL:
            return wrong(
                f"the step at t = {t} is right, but another t gives a larger one",
                "compare the neighbouring steps too: the peak is flat",
            )
        return wrong(f"the update is not largest at t = {t}", HINTS.nudge(2))
    if abs(size - best) > SIZE_TOL:
        return wrong(
            f"t = {t} is right; to {SIZE_DECIMALS} decimals, its size is not {size:g} lr",
            HINTS.nudge(2),
        )
    return correct(
        f"without bias correction the step grows to {best:.2f} lr at t = {best_t}, then "
        "shrinks back towards 1 lr as 1 - beta**t approaches 1"
    )


# --- 3. the honest loss floor ---------------------------------------------------------------

FLOOR_TASK = {"half": 4, "vocab_size": 20}  # not the notebook's (6, 10)


def check_loss_floor(answer) -> Feedback:
    """Exercise 3. ``answer``: the lowest expected loss (natural log) on new sequences of a
    correctly masked model, on the repeat task with ``FLOOR_TASK``'s sizes."""
    half, vocab = FLOOR_TASK["half"], FLOOR_TASK["vocab_size"]
    value, problem = as_answer_number(answer)
    if problem:
        return HINTS.nudge_if_not_attempted(3, problem)
    graded, random = 2 * half - 1, half - 1
    want = random / graded * np.log(vocab)
    if np.isclose(value, want, atol=0.005):
        return correct(f"{random}/{graded} of the tokens cost log {vocab} each: {want:.3f}")
    mistakes = {
        random / graded * np.log2(vocab): "that is in bits: cross-entropy here uses the "
        "natural log",
        half / graded * np.log(vocab): f"one next token too many counted as random: the "
        f"next token after position {half - 1} is already a copy",
        random / (2 * half) * np.log(vocab): "the last token has no next token: count the "
        "graded positions again",
        np.log(vocab): "only the first copy is random; a known next token can cost 0",
        0.5 * np.log(vocab): "not half: count the random next tokens and the graded ones",
    }
    for wrong_value, why in mistakes.items():
        if np.isclose(value, wrong_value, atol=0.005):
            return wrong(f"{value:.3f} is not it: {why}", HINTS.nudge(3))
    return wrong(f"{value:.3f} is not the floor", HINTS.nudge(3))


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
    """Exercise 4. ``fn(q, k, v, weights, d_out, scale)`` must return dL/d scale (one
    number), where ``out = softmax(scale * q k^T) v``, ``weights`` that softmax and
    ``d_out`` = dL/d out."""
    for seed in (5, 6):
        q, k, v, weights, d_out, scale = scale_gradient_case(seed)
        result, problem = attempt(fn, q, k, v, weights, d_out, scale)
        if problem:
            return HINTS.nudge_if_not_attempted(4, problem)
        got, problem = as_answer_number(result, "your function's result")
        if problem:
            return HINTS.nudge_if_not_attempted(4, problem)
        want = numerical_gradient(_loss_of_scale(q, k, v, d_out), np.array([scale]))[0]
        if relative_error(got, want) < 1e-6:
            continue
        ds = softmax_backward(weights, d_out @ v.T)  # (n_q, n_k)
        raw = q @ k.T  # (n_q, n_k)
        if np.isclose(got, (ds * raw).sum() * scale, rtol=1e-6):
            return wrong("you multiplied by the scale once more", "ds/dscale is q @ k.T, no scale")
        if np.isclose(got, ((d_out @ v.T) * raw).sum(), rtol=1e-6):
            return wrong("you skipped the softmax: that is dp, not ds", HINTS.nudge(4))
        if np.isclose(got, -want, rtol=1e-6):
            return wrong("the sign is flipped", HINTS.nudge(4))
        return wrong(f"got {got:.6f}, central differences give {want:.6f}", HINTS.nudge(4))
    return correct("dL/dscale = sum(ds * q k^T) matches central differences")
