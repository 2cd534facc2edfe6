"""What a learner might hand an exercise checker, for the tests of every ``utils.exercises``
module: objects that break printing or conversion, values no checker may accept, learner
functions that fail in every way, and the assertions that a checker answered with
displayable feedback, never with an exception or a false "correct".

Each ``tests/test_exercises_<topic>.py`` feeds every checker these answers, and its own
notebook-specific ones, with ``assert_survives_adversarial_answers`` (a checker of a value)
or ``assert_survives_adversarial_functions`` (a checker of a learner's function).
"""

import numpy as np
from hypothesis import strategies as st

from utils.exercises.base import Feedback, safe_text

__all__ = [
    "BadError",
    "BrokenArray",
    "FakeTensor",
    "Unprintable",
    "adversarial_functions",
    "adversarial_values",
    "any_answer",
    "assert_feedback",
    "assert_never_correct",
    "assert_staged_hints",
    "assert_survives_adversarial_answers",
    "assert_survives_adversarial_functions",
    "feedback_on",
    "in_dicts",
    "raising",
    "returning",
    "starter",
]


class Unprintable:
    """An object whose ``str`` and ``repr`` both raise."""

    def __str__(self):
        raise RuntimeError("no")

    def __repr__(self):
        raise RuntimeError("no")


class BrokenArray:
    """An object whose conversion to a numpy array raises."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("broken __array__")


class BadError(Exception):
    """An exception that cannot be printed."""

    def __str__(self):
        raise RuntimeError("cannot print me")


class FakeTensor:
    """What ``torch.tensor(..., requires_grad=True)`` offers: ``detach().cpu().numpy()``
    works, ``np.asarray`` raises."""

    def __init__(self, value):
        self.value = np.asarray(value)

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.value

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad")


def starter(*_args, **_kwargs):
    """A starter cell's function, as stored: ``raise NotImplementedError``."""
    raise NotImplementedError


def raising(error):
    """A learner's function that raises ``error``, whatever it is given."""

    def function(*_args, **_kwargs):
        raise error

    return function


def returning(value):
    """A learner's function that returns ``value``, whatever it is given."""

    def function(*_args, **_kwargs):
        return value

    return function


def adversarial_values() -> list:
    """Fresh answers (a generator is single-use) that no checker may accept: ragged, huge,
    infinite, NaN, complex, text, unconvertible, unprintable, empty, of the wrong kind."""
    return [
        [[1, 2], [3]],  # ragged
        [[True], [True, True]],
        10**400,  # too large for a float
        -(10**400),
        [10**400, 1],
        float("inf"),
        float("-inf"),
        (float("inf"), 5, 4),
        (float("inf"), 5),
        float("nan"),
        [np.nan, 1.0],
        (x for x in range(3)),
        "254",
        b"12",
        "bb",
        1 + 2j,
        np.array([1 + 2j]),
        np.array(["a", "b"]),
        np.array([object(), 1], dtype=object),
        BrokenArray(),
        Unprintable(),
        (BrokenArray(), Unprintable()),
        FakeTensor([[1.0, 2.0]]),
        {"a": 1},
        {"a": Unprintable()},
        {Unprintable(): 1},
        set(),
        None,
        ...,
        True,
        0,
        -1,
        0.5,
        [],
        (),
        np.zeros((0,)),
        np.zeros((0, 0)),
        np.zeros((0, 3)),
        np.zeros((3, 0, 2)),
        object(),
        print,
        lambda: 1,
        lambda n: n,
    ]


def adversarial_functions(*values) -> list:
    """Learner functions that fail in every way: they raise (KeyboardInterrupt, an error that
    cannot be printed, ValueError, RecursionError), return None, ``...`` or one of
    ``adversarial_values()`` and ``values``, take no arguments, or are no function at all."""
    errors = (KeyboardInterrupt(), BadError(), ValueError("x"), RecursionError())
    functions = [raising(error) for error in errors]
    functions += [returning(None), returning(...), lambda: 1, 42, "my_function"]
    functions += [returning(value) for value in [*adversarial_values(), *values]]
    return functions + adversarial_values()  # each value passed instead of a function


def in_dicts(keys, values) -> list[dict]:
    """Each of ``values`` inside a learner's dict of answers: as the answer to every key of
    ``keys``, and to each key alone."""
    answers = [dict.fromkeys(keys, value) for value in values]
    return answers + [{key: value} for key in keys for value in values]


def assert_feedback(feedback, label="", may_be_correct=False):
    """``feedback`` is a displayable Feedback (text and HTML, never "wrong: wrong: ..."), and
    not "correct" unless ``may_be_correct``."""
    assert isinstance(feedback, Feedback), label
    assert isinstance(repr(feedback), str) and feedback._repr_html_(), label
    assert "wrong: wrong" not in repr(feedback) and not feedback.message.startswith("wrong"), label
    if not may_be_correct:
        assert feedback.status in ("wrong", "not attempted"), f"{label}: {feedback!r}"


def assert_never_correct(checker, answers, label=""):
    """Feed ``checker`` every answer: each gives displayable feedback, never an exception and
    never "correct"."""
    for answer in answers:
        assert_feedback(checker(answer), f"{label}({safe_text(answer, 60)})")


def assert_survives_adversarial_answers(checker, values=(), answers=(), dict_keys=(), label=""):
    """Feed ``checker`` ``adversarial_values()`` and the notebook's own ``values``, as they are
    and inside a dict with each key set of ``dict_keys`` (see ``in_dicts``), then the further
    ``answers`` (almost right ones, say): never an exception, never "correct"."""
    fed = adversarial_values() + list(values)
    for keys in dict_keys:
        fed += in_dicts(keys, adversarial_values() + list(values))
    assert_never_correct(checker, fed + list(answers), label or checker.__name__)


def assert_survives_adversarial_functions(checker, values=(), functions=(), label=""):
    """Feed ``checker`` ``adversarial_functions(*values)`` and the further ``functions``
    (almost right ones, say): never an exception, never "correct"; a function stopped with
    KeyboardInterrupt is said to be interrupted."""
    label = label or checker.__name__
    assert_never_correct(checker, adversarial_functions(*values) + list(functions), label)
    assert "interrupted" in checker(raising(KeyboardInterrupt())).message, label


def assert_staged_hints(hints, count: int):
    """``hints`` has two or more stages for each of exercises 1 .. ``count``: the nudge points
    to ``hint(n)``, which shows stage 2, a high level shows the last stage, and there is no
    exercise ``count + 1``."""
    assert sorted(hints.stages) == list(range(1, count + 1))
    for n, stages in hints.stages.items():
        assert len(stages) >= 2, n
        assert f"hint({n})" in hints.nudge(n), n
        assert f"hint 2 of {len(stages)}" in hints.show(n), n
        assert f"hint {len(stages)} of {len(stages)}" in hints.show(n, 99), n
    assert f"no exercise {count + 1}" in hints.show(count + 1)


def feedback_on(checker, answer, function=False) -> Feedback:
    """``checker``'s displayable feedback on ``answer`` (with ``function``: on a learner's
    function that returns ``answer``); it may be "correct", for the caller to judge."""
    feedback = checker(returning(answer)) if function else checker(answer)
    assert_feedback(feedback, f"{checker.__name__}({safe_text(answer, 60)})", may_be_correct=True)
    return feedback


def any_answer(keys=(), words=()):
    """A hypothesis strategy for anything a learner might write: None, ``...``, booleans,
    numbers (huge, NaN, complex), text (``words`` among it), bytes, and lists, tuples and
    dicts of them (keys from ``keys``, or any text or integer)."""
    leaves = [
        st.none(),
        st.just(...),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.complex_numbers(),
        st.text(max_size=12),
        st.binary(max_size=5),
    ]
    if words:
        leaves.append(st.sampled_from(list(words)))
    key = st.one_of(st.text(max_size=14), st.integers())
    if keys:
        key = st.one_of(st.sampled_from(list(keys)), key)
    return st.recursive(
        st.one_of(leaves),
        lambda inner: st.one_of(
            st.lists(inner, max_size=5), st.tuples(inner, inner), st.dictionaries(key, inner)
        ),
        max_leaves=12,
    )
