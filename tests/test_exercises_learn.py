"""utils.exercises.learn: every checker says "not attempted" (with a nudge only) for the
starter, "correct" for the solution, names the typical mistakes without giving the answer
away, and gives feedback, never a traceback or a false tick, for adversarial answers."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.adversarial import (
    BrokenArray,
    FakeTensor,
    Unprintable,
    adversarial_values,
    any_answer,
    assert_staged_hints,
    assert_survives_adversarial_answers,
    assert_survives_adversarial_functions,
    feedback_on,
    starter,
)
from utils.exercises.learn import (
    ADAM_BETAS,
    FLOOR_TASK,
    HINTS,
    TASKS_WITHOUT_POSITIONS,
    check_adam_peak,
    check_loss_floor,
    check_needs_positions,
    check_scale_gradient,
    hint,
    scale_gradient_case,
    uncorrected_steps,
)
from utils.learn import softmax_backward

SOLUTION_POSITIONS = {"shift": "no", "lookup": "yes", "reverse": "no", "majority": "yes"}


def solution_adam_peak():
    beta1, beta2 = ADAM_BETAS
    t = np.arange(1, 101)
    sizes = (1 - beta1**t) / np.sqrt(1 - beta2**t)
    return int(t[sizes.argmax()]), float(sizes.max())


def solution_floor():
    half, vocab = FLOOR_TASK["half"], FLOOR_TASK["vocab_size"]
    return (half - 1) / (2 * half - 1) * np.log(vocab)


def solution_scale_gradient(q, k, v, weights, d_out, scale):
    ds = softmax_backward(weights, d_out @ v.T)  # (n_q, n_k)
    return (ds * (q @ k.T)).sum()


# --- exercise 1 ------------------------------------------------------------------------------


def test_needs_positions_right_answers():
    unanswered = dict.fromkeys(TASKS_WITHOUT_POSITIONS, ...)
    assert check_needs_positions(unanswered).status == "not attempted"
    assert check_needs_positions(SOLUTION_POSITIONS).ok
    assert check_needs_positions({**SOLUTION_POSITIONS, "lookup": True}).ok  # booleans too
    assert check_needs_positions({k: f" {v.upper()} " for k, v in SOLUTION_POSITIONS.items()}).ok


def test_needs_positions_wrong_answers_are_counted_not_given_away():
    for task, verdict in SOLUTION_POSITIONS.items():
        flipped = {**SOLUTION_POSITIONS, task: "yes" if verdict == "no" else "no"}
        feedback = check_needs_positions(flipped)
        assert feedback.status == "wrong" and "1 of your 4" in feedback.message
        text = feedback.message + feedback.hint
        assert task not in text and "because" not in text
    all_wrong = {k: "yes" if v == "no" else "no" for k, v in SOLUTION_POSITIONS.items()}
    assert "4 of your 4 answers are" in check_needs_positions(all_wrong).message


def test_needs_positions_incomplete_and_malformed():
    partial = check_needs_positions({**SOLUTION_POSITIONS, "reverse": ...})
    assert partial.status == "not attempted" and "reverse" in partial.hint
    assert check_needs_positions({"shift": "no"}).status == "not attempted"
    assert "'yes' or 'no'" in check_needs_positions({**SOLUTION_POSITIONS, "shift": 1}).message
    assert "unknown task" in check_needs_positions({**SOLUTION_POSITIONS, "sort": "no"}).message
    assert check_needs_positions(["shift"]).status == "wrong"


# --- exercise 2 ------------------------------------------------------------------------------


def test_uncorrected_steps_match_adam_without_the_correction():
    beta1, beta2 = ADAM_BETAS
    m = v = 0.0
    for t, size in enumerate(uncorrected_steps(beta1, beta2, steps=30), start=1):
        m, v = beta1 * m + (1 - beta1) * 1.0, beta2 * v + (1 - beta2) * 1.0
        assert size == pytest.approx(m / np.sqrt(v)), t
    assert uncorrected_steps(0.9, 0.999)[0] == pytest.approx(0.1 / np.sqrt(0.001))


def test_adam_peak():
    t, size = solution_adam_peak()
    assert (t, round(size, 3)) == (6, 3.05)
    assert check_adam_peak((..., ...)).status == "not attempted"
    assert check_adam_peak(...).status == "not attempted"
    assert check_adam_peak((t, size)).ok and check_adam_peak([6, 3.05]).ok
    assert check_adam_peak((6.0, np.float32(3.05))).ok
    assert "with* bias correction" in check_adam_peak((6, 1.0)).message
    assert "notebook's betas" in check_adam_peak((12, 6.57)).message
    assert "very first step" in check_adam_peak((1, 2.0)).message
    assert "another t" in check_adam_peak((5, uncorrected_steps(*ADAM_BETAS)[4])).message
    assert "not largest" in check_adam_peak((20, 3.05)).message
    assert "its size" in check_adam_peak((6, 3.2)).message
    # the task asks for 2 decimals: any value within 0.005 of the size passes, 3.0 does not
    assert check_adam_peak((6, 3.046)).ok and check_adam_peak((6, 3.054)).ok
    assert "to 2 decimals" in check_adam_peak((6, 3.0)).message
    assert check_adam_peak((6, 3.0)).status == "wrong"
    assert "t counts steps" in check_adam_peak((3.05, 6)).message
    assert check_adam_peak((6,)).status == "wrong"
    assert check_adam_peak((6, "three")).status == "wrong"


# --- exercise 3 ------------------------------------------------------------------------------


def test_loss_floor():
    half, vocab = FLOOR_TASK["half"], FLOOR_TASK["vocab_size"]
    want = solution_floor()
    assert check_loss_floor(...).status == "not attempted"
    assert check_loss_floor(want).ok and check_loss_floor(round(want, 3)).ok
    assert "bits" in check_loss_floor((half - 1) / (2 * half - 1) * np.log2(vocab)).message
    assert "graded" in check_loss_floor((half - 1) / (2 * half) * np.log(vocab)).message
    assert "copy" in check_loss_floor(half / (2 * half - 1) * np.log(vocab)).message
    assert check_loss_floor(0.1).status == "wrong"
    assert check_loss_floor("1.28").status == "wrong"


# --- exercise 4 ------------------------------------------------------------------------------


def test_scale_gradient():
    assert check_scale_gradient(starter).status == "not attempted"
    assert check_scale_gradient(solution_scale_gradient).ok

    def extra_scale(q, k, v, weights, d_out, scale):
        return solution_scale_gradient(q, k, v, weights, d_out, scale) * scale

    def no_softmax(q, k, v, weights, d_out, scale):
        return ((d_out @ v.T) * (q @ k.T)).sum()

    def flipped(*args):
        return -solution_scale_gradient(*args)

    assert "scale once more" in check_scale_gradient(extra_scale).message
    assert "skipped the softmax" in check_scale_gradient(no_softmax).message
    assert "sign" in check_scale_gradient(flipped).message
    assert check_scale_gradient(lambda *a: np.ones(3)).status == "wrong"
    assert check_scale_gradient(lambda *a: 1 / 0).status == "wrong"
    assert check_scale_gradient(lambda *a: None).status == "wrong"


def test_scale_gradient_case_shapes():
    q, k, v, weights, d_out, scale = scale_gradient_case()
    shapes = (q.shape, k.shape, v.shape, weights.shape, d_out.shape)
    assert shapes == ((3, 4), (5, 4), (5, 2), (3, 5), (3, 2))
    assert scale == 0.7


# --- staged hints ----------------------------------------------------------------------------


def test_every_exercise_has_staged_hints_and_the_nudge_is_what_not_attempted_shows():
    assert_staged_hints(HINTS, 4)
    starters = {
        1: check_needs_positions(dict.fromkeys(TASKS_WITHOUT_POSITIONS, ...)),
        2: check_adam_peak((..., ...)),
        3: check_loss_floor(...),
        4: check_scale_gradient(starter),
    }
    for n, feedback in starters.items():
        assert feedback.status == "not attempted" and feedback.hint == HINTS.nudge(n), n
    assert "hint 2 of 3" in hint(2) and "(next: hint(2, 3))" in hint(2)
    assert "no exercise 9" in hint(9)


def test_no_hint_states_an_answer():
    t, size = solution_adam_peak()
    texts = " ".join(" ".join(stages) for stages in HINTS.stages.values())
    assert f"{size:.2f}" not in texts and f"{solution_floor():.3f}" not in texts
    assert f"t = {t}" not in texts


# --- adversarial answers: feedback, never a traceback, never a false tick --------------------


def notebook_values():
    """Adversarial answers shaped like this notebook's: a pair (t, size), the loss floor, a
    dict of tasks."""
    return [
        [10**400, 3.05],
        (float("inf"), 3.05),
        (np.nan, 3.05),
        (6, np.nan),
        (x for x in range(2)),
        "1.284",
        "yes",
        np.array([1.284 + 2j]),
        (6, 3.05 + 1j),
        FakeTensor([6.0, 3.05]),
        {Unprintable(): "yes"},
        {"shift": BrokenArray(), "lookup": Unprintable(), "reverse": 1, "majority": None},
        dict.fromkeys(TASKS_WITHOUT_POSITIONS, "maybe"),
        dict.fromkeys(TASKS_WITHOUT_POSITIONS, "yes"),
        dict.fromkeys(TASKS_WITHOUT_POSITIONS, "no"),
    ]


def almost_right_values():
    """Answers a tolerance away from right: they must not be accepted."""
    t, size = solution_adam_peak()
    return [
        (t, size + 0.02),
        (t + 1, size),
        (t - 0.5, size),
        [t, size, 0],
        solution_floor() + 0.01,
        np.round(solution_floor(), 1),
        {**SOLUTION_POSITIONS, "majority": "no"},
        {**SOLUTION_POSITIONS, "shift": "yes!"},
    ]


def almost_right_functions():
    """Learner functions for exercise 4 close to the gradient of the scale, but wrong."""
    return [
        "my_scale_gradient",  # the function's name, in quotes
        lambda *a: solution_scale_gradient(*a) * (1 + 1e-3),  # almost right
        lambda *a: np.array([solution_scale_gradient(*a)] * 2),  # wrong shape
        lambda *a: solution_scale_gradient(*a) + 1j,
        lambda *a: round(float(solution_scale_gradient(*a)), 2),
        lambda *a: FakeTensor(solution_scale_gradient(*a) + 1),
        lambda *a: (x for x in [solution_scale_gradient(*a)]),
        lambda *a: str(solution_scale_gradient(*a)),
    ]


VALUE_CHECKERS = [check_needs_positions, check_adam_peak, check_loss_floor]
FUNCTION_CHECKERS = [check_scale_gradient]


@pytest.mark.parametrize("checker", VALUE_CHECKERS, ids=lambda c: c.__name__)
def test_value_checkers_survive_every_adversarial_answer(checker):
    # adversarial values also inside the expected containers: the dict of tasks, (t, size)
    pairs = [(value, value) for value in adversarial_values() + notebook_values()]
    assert_survives_adversarial_answers(
        checker,
        notebook_values(),
        almost_right_values() + pairs,
        dict_keys=[TASKS_WITHOUT_POSITIONS],
    )


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_function_checkers_survive_every_adversarial_function(checker):
    # a function returning inf makes relative_error warn (inf / inf): the verdict is right
    with np.errstate(all="ignore"):
        assert_survives_adversarial_functions(checker, notebook_values(), almost_right_functions())


def _is_right(checker, answer) -> bool:
    """Whether ``answer`` is genuinely right for ``checker`` (the only answers it may tick)."""
    if checker is check_needs_positions:
        if not isinstance(answer, dict) or set(answer) != set(TASKS_WITHOUT_POSITIONS):
            return False
        verdict = {"yes": True, "no": False}
        given = {
            k: verdict.get(v.strip().lower()) if isinstance(v, str) else v
            for k, v in answer.items()
        }
        return given == TASKS_WITHOUT_POSITIONS
    if checker is check_adam_peak:
        t, size = solution_adam_peak()
        try:
            return float(answer[0]) == t and abs(float(answer[1]) - size) <= 0.005
        except (TypeError, ValueError, IndexError, KeyError, OverflowError):
            return False
    if checker is check_loss_floor:
        try:
            return abs(float(np.asarray(answer).reshape(())) - solution_floor()) <= 0.005
        except (TypeError, ValueError, OverflowError):
            return False
    return False  # a constant function is never the gradient of the scale


@given(
    any_answer(keys=[*TASKS_WITHOUT_POSITIONS, "x"], words=["yes", "no", "YES ", "No"]),
    st.sampled_from(VALUE_CHECKERS + FUNCTION_CHECKERS),
)
def test_any_answer_gives_feedback_and_random_ones_are_not_ticked(answer, checker):
    feedback = feedback_on(checker, answer, function=checker in FUNCTION_CHECKERS)
    if feedback.ok:
        assert _is_right(checker, answer), answer
