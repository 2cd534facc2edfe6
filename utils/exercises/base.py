"""Feedback for exercises: the three outcomes and a safe way to call a learner's code."""

from __future__ import annotations

import html
from dataclasses import dataclass

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


def attempt(function, *args):
    """Call a learner's ``function(*args)``; return ``(result, None)`` or ``(None, Feedback)``.

    NotImplementedError (and a function returning None or ``...``) means "not attempted";
    any other exception becomes a "wrong" Feedback naming it, so the notebook never crashes.
    """
    if function is None or function is Ellipsis:
        return None, not_attempted("define the function in the cell above, then run this cell")
    try:
        result = function(*args)
    except NotImplementedError:
        return None, not_attempted("replace `raise NotImplementedError` with your code")
    except Exception as error:  # noqa: BLE001 - a learner's bug must not crash the notebook
        return None, wrong(f"your code raised {type(error).__name__}: {error}")
    if is_unanswered(result):
        return None, not_attempted("your function returns nothing yet: finish it with `return`")
    return result, None
