"""Feedback for exercises: the three outcomes, a safe way to call a learner's code, and the
conversions every checker module reads a learner's answer with (numbers, arrays, shapes,
one of several options, a dict of answers, True/False)."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

# verdict -> (word shown, text colour, background, border): readable without an emoji font
STYLES = {
    "correct": ("correct", "#14532d", "#dcfce7", "#16a34a"),
    "wrong": ("wrong", "#7f1d1d", "#fee2e2", "#dc2626"),
    "not attempted": ("not attempted yet", "#1f2937", "#f3f4f6", "#9ca3af"),
}


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker. ``status`` is "correct", "wrong" or "not attempted".

    Displayed as one or two short lines, e.g. ``wrong: row 0 sums to 0.5, not 1``
    followed by ``hint: ...``.
    """

    status: str
    message: str
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        text = {
            "correct": "✅ correct",
            "wrong": "❌ wrong",
            "not attempted": "… not attempted yet",
        }
        line = f"{text[self.status]}: {self.message}"
        return f"{line}\n   hint: {self.hint}" if self.hint and not self.ok else line

    def _repr_html_(self) -> str:
        """The verdict as a coloured box that names it in words (JupyterLab shows this)."""
        word, colour, background, border = STYLES[self.status]
        hint = ""
        if self.hint and not self.ok:
            hint = f'<div style="margin-top:2px"><b>hint:</b> {html.escape(self.hint)}</div>'
        return (
            f'<div class="exercise-feedback" style="color:{colour};background:{background};'
            f'border-left:6px solid {border};padding:4px 10px;font-size:15px">'
            f"<b>{word}</b>: {html.escape(self.message)}{hint}</div>"
        )


def correct(message: str) -> Feedback:
    return Feedback("correct", message)


def wrong(message: str, hint: str = "") -> Feedback:
    return Feedback("wrong", message, hint)


def wrong_shape(inputs: str, got, expected, hint: str = "") -> Feedback:
    """ "For <inputs> you returned shape <got>, expected <expected>", with ``hint``."""
    return wrong(f"for {inputs} you returned shape {tuple(got)}, expected {tuple(expected)}", hint)


def not_attempted(hint: str) -> Feedback:
    return Feedback(
        "not attempted", "replace the `...` or NotImplementedError with your answer", hint
    )


def is_unanswered(answer) -> bool:
    """True for the starter placeholders: None and ``...``."""
    return answer is None or answer is Ellipsis


def safe_text(obj, limit: int = 200) -> str:
    """``str(obj)``, shortened to ``limit`` characters, and never an exception (a learner's
    object whose ``__str__`` or ``__repr__`` raises still gets named)."""
    for render in (str, repr):
        try:
            text = render(obj)
            break
        except Exception:  # noqa: BLE001 - whatever a learner's object does
            continue
    else:
        text = f"<a {type(obj).__name__} that cannot be printed>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def attempt(function, *args):
    """Call a learner's ``function(*args)``; return ``(result, None)`` or ``(None, Feedback)``.

    The starter's NotImplementedError means "not attempted"; a function that returns None
    computed something but forgot ``return`` (said so); any other exception, and a
    KeyboardInterrupt (the learner stopped a slow function), become a "wrong" Feedback
    naming it, so the notebook never crashes.
    """
    if function is None or function is Ellipsis:
        return None, not_attempted("define the function in the cell above, then run this cell")
    if not callable(function):
        return None, wrong(
            f"expected a function, got {type(function).__name__}",
            "pass the function itself, without calling it: check(my_function)",
        )
    try:
        result = function(*args)
    except NotImplementedError:
        return None, not_attempted("replace `raise NotImplementedError` with your code")
    except KeyboardInterrupt:
        return None, wrong(
            "your function was interrupted before it finished",
            "it may loop forever or be very slow: look for a loop that never ends",
        )
    except Exception as error:  # noqa: BLE001 - a learner's bug must not crash the notebook
        return None, wrong(f"your code raised {type(error).__name__}: {safe_text(error)}")
    if result is None:
        return None, wrong(
            "your function ran but returned None",
            "end it with `return ...`: computing a value is not returning it",
        )
    if result is Ellipsis:
        return None, not_attempted("replace the `...` with your code")
    return result, None


def as_answer_array(answer, what: str = "your answer", kind: str = "float"):
    """A learner's answer as a numpy array: ``(array, None)`` or ``(None, Feedback)``.

    ``kind`` is ``"float"`` (real numbers, returned as float64) or ``"bool"`` (True/False,
    or 0/1 integers). Accepts lists, tuples, numpy arrays, numbers and tensors of array
    libraries (anything with ``.detach()`` / ``.numpy()``). Refuses, with a message that
    names the problem: generators, strings, ragged nested lists, objects that cannot be
    converted, numbers too large for a float, complex numbers with an imaginary part,
    NaN. Never raises.
    """
    if kind not in ("float", "bool"):
        raise ValueError(f"kind must be 'float' or 'bool', got {kind!r}")
    if is_unanswered(answer):
        return None, not_attempted("replace the `...` with your answer")
    if isinstance(answer, (str, bytes)):
        return None, wrong(
            f"{what} is text ({safe_text(answer, 40)!r}), not numbers",
            "write the numbers themselves, without quotes",
        )
    if hasattr(answer, "__next__") or type(answer).__name__ == "generator":
        return None, wrong(f"{what} is a generator", "wrap it in list(...) or np.array([...])")
    try:
        if hasattr(answer, "detach"):  # a torch tensor that may require grad
            answer = answer.detach().cpu().numpy()
        arr = np.asarray(answer)
    except KeyboardInterrupt:
        return None, wrong(f"converting {what} was interrupted")
    except Exception as error:  # noqa: BLE001 - ragged lists, broken __array__ methods
        return None, wrong(
            f"{what} cannot be turned into an array ({type(error).__name__}: "
            f"{safe_text(error, 120)})",
            "use a list of numbers, or a list of rows that all have the same length",
        )
    if arr.dtype.kind in "USO" or arr.dtype.kind == "V":
        return None, wrong(
            f"{what} holds {_describe_dtype(arr)}, not numbers",
            "every entry must be a number (check for very large integers or mixed types)",
        )
    if arr.dtype.kind == "c":
        if np.any(arr.imag != 0):
            return None, wrong(f"{what} has complex entries", "the answer is a real number")
        arr = arr.real
    if kind == "bool":
        if arr.dtype.kind in "iuf" and not np.isin(arr, (0, 1)).all():
            return None, wrong(
                f"{what} holds values other than True/False (or 1/0)",
                "build it from comparisons such as j <= i, or with dtype=bool",
            )
        return arr.astype(bool), None
    with np.errstate(over="ignore"):
        arr = arr.astype(np.float64)
    if np.isnan(arr).any():
        return None, wrong(f"{what} contains NaN", "a NaN usually comes from 0/0 or inf - inf")
    return arr, None


def _describe_dtype(arr: np.ndarray) -> str:
    """Words for a non-numeric dtype: text, mixed objects..."""
    return {"U": "text", "S": "bytes", "O": "mixed or very large values"}.get(
        arr.dtype.kind, f"dtype {arr.dtype}"
    )


def as_answer_number(answer, what: str = "your answer"):
    """A learner's single number as a float: ``(value, None)`` or ``(None, Feedback)``."""
    arr, problem = as_answer_array(answer, what)
    if problem:
        return None, problem
    if arr.size != 1:
        return None, wrong(
            f"{what} should be one number, got {arr.size} values (shape {arr.shape})",
            "write a single number",
        )
    return float(arr.reshape(())), None


def as_answer_shape(answer, what: str = "your shape"):
    """A learner's shape as a tuple of ints: ``(shape, None)`` or ``(None, Feedback)``.

    Refuses strings such as ``"254"``, fractional sizes such as 2.9 (never truncated), and
    negative or infinite sizes.
    """
    if is_unanswered(answer):
        return None, not_attempted("replace the `...` with a tuple such as (2, 3)")
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (tuple, list)):
        return None, wrong(
            f"{what} must be a tuple of sizes such as (2, 3), got {safe_text(answer, 40)!r}",
            "write the sizes in parentheses, separated by commas",
        )
    sizes = []
    for size in answer:
        ok = isinstance(size, (int, np.integer)) and not isinstance(size, (bool, np.bool_))
        if isinstance(size, (float, np.floating)) and np.isfinite(size) and size == int(size):
            ok, size = True, int(size)
        if not ok or size < 0:
            return None, wrong(
                f"{what} holds {safe_text(size, 40)!r}: every size must be a whole number >= 0",
                "a shape counts things: rows, columns, heads",
            )
        sizes.append(int(size))
    return tuple(sizes), None


def as_answer_shape_or_array(answer, what: str = "your shape"):
    """:func:`as_answer_shape` that also takes a 1-D numpy array of sizes, such as
    ``np.array([7, 20])`` (a learner may pass ``x.shape`` converted, or ``np.array(...)``)."""
    if isinstance(answer, np.ndarray) and answer.ndim == 1:
        answer = answer.tolist()
    return as_answer_shape(answer, what)


def match_option(answer, options, strip: str = ""):
    """The option of ``options`` (strings) that ``answer`` names, or None.

    Compared without case and surrounding white space, and without the characters in
    ``strip`` at either end (``strip="().'"`` finds "c" in "(c)."). None when ``answer`` is
    not a string or names no option. Never raises.
    """
    if not isinstance(answer, str):
        return None
    text = answer.strip().strip(strip).lower()
    for option in options:
        if text == option.lower():
            return option
    return None


def as_answer_choice(answer, options, what: str = "your answer"):
    """One of ``options`` (words such as "up", "down"; see :func:`match_option`):
    ``(option, None)`` or ``(None, Feedback)``. Never raises."""
    if is_unanswered(answer):
        return None, not_attempted("replace the `...` with your answer")
    listed = ", ".join(repr(o) for o in options)
    if not isinstance(answer, str):
        return None, wrong(
            f"{what} is {safe_text(answer, 40)}, not one of {listed}",
            "write the word in quotes, e.g. 'up'",
        )
    option = match_option(answer, options)
    if option is None:
        return None, wrong(f"{what} {safe_text(answer, 40)!r} is not one of {listed}")
    return option, None


def as_answer_letter(answer, options, what: str = "your answer"):
    """One letter among ``options`` (upper-case letters, e.g. the keys of a dict of
    statements; case and surrounding spaces ignored): ``(letter, None)`` or
    ``(None, Feedback)``. Never raises."""
    if is_unanswered(answer):
        return None, not_attempted("replace the `...` with your answer")
    letter = match_option(answer, options)
    if letter is None:
        return None, wrong(
            f"{what} is {safe_text(answer, 40)!r}: answer with one letter in quotes, "
            f"{list(options)}",
            'e.g. answer = "A"',
        )
    return letter, None


def as_answer_dict(answer, keys, example: str, nudge: str):
    """A learner's dict of answers, one per key of ``keys``: ``({key: value}, None)`` or
    ``(None, Feedback)``.

    Keys match without regard to case or surrounding spaces ("a" finds "A"); a key left out
    comes back as ``...`` (unanswered, like a value left at ``...`` or None). "Not
    attempted", with the exercise's ``nudge`` as hint, while no key is answered; "wrong" for
    anything but a dict (``example`` shows the starter's form), an unknown key, or a key
    given twice. The values themselves are the checker's to read. Never raises.
    """
    if is_unanswered(answer):
        return None, not_attempted(nudge)
    if not isinstance(answer, dict):
        return None, wrong(
            f"expected a dict such as {example}, got {type(answer).__name__} "
            f"{safe_text(answer, 60)}",
            "keep the braces and the keys of the starter cell; replace each ... only",
        )
    values = {}
    for key, value in answer.items():
        name = match_option(key, keys)
        if name is None:
            return None, wrong(
                f"unknown key {safe_text(key, 30)!r}",
                f"the keys are {', '.join(repr(k) for k in keys)}",
            )
        if name in values:
            return None, wrong(f"the key {name!r} appears twice", "give each key once")
        values[name] = value
    if all(is_unanswered(values.get(key)) for key in keys):
        return None, not_attempted(nudge)
    return {key: values.get(key, ...) for key in keys}, None


def parse_truth(value):
    """``(True or False, None)`` for a bool (numpy's too) or 0/1, else ``(None, message)``
    with a message that says what to write (for one value of a dict of answers)."""
    if isinstance(value, (str, bytes)):
        return None, "write True or False without quotes"
    array, problem = as_answer_array(value, kind="bool")
    if problem is not None or array.size != 1:
        return None, "expected True or False"
    return bool(array.reshape(())), None


class Hints:
    """Staged hints for a notebook's exercises: a nudge first, the method one call later.

    ``HINTS = Hints({1: ["nudge", "method"], 2: [...]})`` in a checker module; the checker
    shows ``HINTS.nudge(1)`` while exercise 1 is not attempted, and the learner calls
    ``hint(1)`` (``hint = HINTS.show``) for the next level. No level gives the answer.
    """

    def __init__(self, stages: dict[int, list[str]]):
        self.stages = {int(n): list(texts) for n, texts in stages.items()}

    def nudge(self, exercise: int) -> str:
        """The first hint of ``exercise``, ending with how to get the next one."""
        return f"{self.stages[exercise][0]} (more: hint({exercise}))"

    def nudge_if_not_attempted(self, exercise: int, problem: Feedback | None) -> Feedback | None:
        """``problem`` as it is, unless it says "not attempted": then "not attempted" with
        ``exercise``'s nudge as the hint, instead of the generic hint of :func:`attempt` or
        an ``as_answer_*`` conversion. None stays None."""
        if problem is not None and problem.status == "not attempted":
            return not_attempted(self.nudge(exercise))
        return problem

    def show(self, exercise, level: int = 2) -> HintText:
        """Hint ``level`` (1 = the nudge, 2 = the method, ...) of exercise ``exercise``."""
        if exercise not in self.stages:
            known = ", ".join(str(n) for n in sorted(self.stages))
            return HintText(f"there is no exercise {safe_text(exercise, 20)}; exercises: {known}")
        texts = self.stages[exercise]
        level = min(max(int(level), 1), len(texts))
        more = f" (next: hint({exercise}, {level + 1}))" if level < len(texts) else ""
        return HintText(
            f"exercise {exercise}, hint {level} of {len(texts)}: {texts[level - 1]}{more}"
        )


class HintText(str):
    """A hint that displays as plain text (no quotes) in a notebook."""

    def __repr__(self) -> str:
        return str(self)
