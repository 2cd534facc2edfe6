"""Checkers for the exercises of notebooks/03_positional_encoding.ipynb.

Each returns a :class:`utils.exercises.Feedback` and never raises on a learner's answer.
"""

from __future__ import annotations

import numpy as np

from utils.exercises.base import (
    Feedback,
    attempt,
    correct,
    is_unanswered,
    not_attempted,
    wrong,
    wrong_shape,
)
from utils.positional import VARIANTS, sinusoidal_encoding

__all__ = [
    "PE_VALUE_TASK",
    "check_pe_value",
    "check_encoding",
    "check_wavelength",
    "mystery_encodings",
    "check_variant_guesses",
]

PE_VALUE_TASK = {"pos": 7, "column": 3, "d_model": 8}  # not among the rows printed in 03
ENCODING_HINT = (
    "angles = positions[:, None] * freqs[None, :] with freqs = 1 / 10000**(2i/d_model), "
    "i = 0 .. d/2 - 1; sines into columns 0::2, cosines into 1::2"
)
WAVELENGTH_HINT = "a sine sin(w x) repeats every 2*pi / w; here w_i = 1 / 10000^(2i/d_model)"


def _with_hint(feedback: Feedback, hint: str) -> Feedback:
    """Replace the generic hint of a "not attempted" Feedback by an exercise-specific one."""
    if feedback.status == "not attempted":
        return not_attempted(hint)
    return feedback


def _as_number(answer):
    """``float(answer)`` or None when it is not a single real number."""
    try:
        value = float(np.asarray(answer, dtype=float).item())
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


def check_pe_value(answer) -> Feedback:
    """Exercise 1: PE[pos=7, column 3] for d_model = 8 with the paper's formula, by hand.

    Column 3 is odd, so it is the cosine of pair i = 1: cos(7 / 10000**(2/8)) = cos(0.7).
    """
    if is_unanswered(answer):
        return not_attempted("column 3 is odd: which pair i is it, and is it a sine or a cosine?")
    value = _as_number(answer)
    if value is None:
        return wrong(f"expected one number, got {answer!r}", "e.g. answer = 0.123")
    pos, d = PE_VALUE_TASK["pos"], PE_VALUE_TASK["d_model"]
    right = np.cos(pos / 10000 ** (2 * 1 / d))
    if abs(value - right) < 1e-3:
        return correct(f"PE[{pos}, 3] = cos({pos} / 10000^(2/8)) = cos({pos / 10}) = {right:.4f}")
    mistakes = {
        np.sin(pos / 10000 ** (2 / d)): (
            "that is the sine; odd columns (2i + 1) hold the cosine",
            "column 3 = 2*1 + 1: pair i = 1, cosine",
        ),
        np.cos(pos / 10000 ** (1 / d)): (
            "you used i instead of 2i in the exponent",
            "the exponent is 2i / d_model = 2/8 for pair i = 1",
        ),
        np.cos(pos / 10000 ** (2 * 3 / d)): (
            "you used the column index 3 as the pair index i",
            "pair i = column // 2 = 1; the exponent is 2i / d_model",
        ),
        np.cos(pos / 10000 ** (1 / (d / 2 - 1))): (
            "that is the tensor2tensor frequency 1/10000^(i/(d/2 - 1)), not the paper's",
            "the paper divides by d_model: 10000^(2i/d_model)",
        ),
        np.cos(3 / 10000 ** (2 / d)): (
            "that is PE[3, 3], printed in section 2; the task asks for position 7",
            "same column, same pair: only the position changes the angle",
        ),
        np.sin(pos / 10000 ** (2 * 3 / d)): (
            "column 3 is not pair 3, and odd columns are cosines",
            "pair i = column // 2 = 1; odd column means cosine",
        ),
    }
    for value_if_mistaken, (message, hint) in mistakes.items():
        if abs(value - value_if_mistaken) < 1e-3:
            return wrong(f"{value:.4f}: {message}", hint)
    return wrong(
        f"{value:.4f} is not PE[{pos}, 3]",
        "angle = pos / 10000^(2i/d_model) with i = 1; check radians (not degrees)",
    )


def _variants_of_mistakes(n: int, d: int) -> dict:
    """Matrices ``(n, d)`` produced by the usual mistakes, keyed by what went wrong."""
    pos = np.arange(n)[:, None]
    i = np.arange(d // 2)[None, :]
    angle_i = pos / 10000 ** (i / d)  # i instead of 2i
    swapped = np.empty((n, d))
    angle = pos / 10000 ** (2 * i / d)
    swapped[:, 0::2], swapped[:, 1::2] = np.cos(angle), np.sin(angle)
    t2t_interleaved = np.empty((n, d))
    angle_t2t = pos / 10000 ** (i / max(d // 2 - 1, 1))
    t2t_interleaved[:, 0::2], t2t_interleaved[:, 1::2] = np.sin(angle_t2t), np.cos(angle_t2t)
    i_instead = np.empty((n, d))
    i_instead[:, 0::2], i_instead[:, 1::2] = np.sin(angle_i), np.cos(angle_i)
    return {
        "your columns are [all sines | all cosines]: the concatenated layout; the paper "
        "interleaves sin, cos, sin, cos": sinusoidal_encoding(n, d, variant="concatenated"),
        "you built the tensor2tensor encoding (other frequencies, concatenated)": (
            sinusoidal_encoding(n, d, variant="tensor2tensor")
        ),
        "you used i instead of 2i in the exponent": i_instead,
        "sine and cosine are swapped: even columns 2i hold the sine": swapped,
        "the exponent uses i / (d/2 - 1) (tensor2tensor) instead of 2i / d_model": (
            t2t_interleaved
        ),
    }


def check_encoding(function) -> Feedback:
    """Exercise 2: ``function(num_positions, d_model)`` must return the paper's interleaved
    ``(num_positions, d_model)`` encoding with base 10000."""
    for n, d in ((10, 16), (7, 6)):
        result, feedback = attempt(function, n, d)
        if feedback is not None:
            return _with_hint(feedback, ENCODING_HINT)
        try:
            pe = np.asarray(result, dtype=float)
        except (TypeError, ValueError):
            return wrong(f"expected a numeric array, got {type(result).__name__}")
        if pe.shape != (n, d):
            return wrong_shape(
                f"num_positions={n}, d_model={d}",
                pe.shape,
                (n, d),
                "one row per position, one column per dimension",
            )
        expected = sinusoidal_encoding(n, d)
        if np.allclose(pe, expected, atol=1e-8):
            continue
        for message, mistaken in _variants_of_mistakes(n, d).items():
            if np.allclose(pe, mistaken, atol=1e-8):
                return wrong(message, "PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos")
        r, c = np.argwhere(~np.isclose(pe, expected, atol=1e-8))[0]
        return wrong(
            f"PE[{r}, {c}] is {pe[r, c]:.4f}, expected {expected[r, c]:.4f} "
            f"(num_positions={n}, d_model={d})",
            "check the pair index i = column // 2 and the exponent 2i / d_model",
        )
    return correct("matches the paper's interleaved encoding for two sizes")


def check_wavelength(function) -> Feedback:
    """Exercise 3: ``function(i, d_model)`` returns the wavelength of pair i (paper formula),
    i.e. 2*pi * 10000**(2i / d_model) positions."""
    cases = ((0, 512), (64, 512), (255, 512), (3, 8))
    for i, d in cases:
        result, feedback = attempt(function, i, d)
        if feedback is not None:
            return _with_hint(feedback, WAVELENGTH_HINT)
        value = _as_number(result)
        if value is None:
            return wrong(f"wavelength({i}, {d}) returned {result!r}, not a number")
        right = 2 * np.pi * 10000 ** (2 * i / d)
        if np.isclose(value, right, rtol=1e-6):
            continue
        diagnoses = (
            (1 / right * 2 * np.pi, "that is the frequency w_i, not the wavelength 2*pi / w_i"),
            (right / (2 * np.pi), "the factor 2*pi is missing: a period of sin(w x) is 2*pi / w"),
            (2 * np.pi * 10000 ** (i / d), "you used i instead of 2i in the exponent"),
        )
        for mistaken, message in diagnoses:
            if np.isclose(value, mistaken, rtol=1e-6):
                return wrong(
                    f"wavelength({i}, {d}) = {value:.6g}: {message}",
                    "wavelength = 2*pi / w_i with w_i = 1 / 10000^(2i/d_model)",
                )
        return wrong(
            f"wavelength({i}, {d}) = {value:.6g}, expected {right:.6g}",
            "wavelength = 2*pi / w_i with w_i = 1 / 10000^(2i/d_model)",
        )
    return correct("2*pi * 10000^(2i/d_model): from 2*pi (i = 0) up towards 10000 * 2*pi")


MYSTERY_ORDER = {"A": "tensor2tensor", "B": "interleaved", "C": "concatenated"}


def mystery_encodings(num_positions: int = 10, d_model: int = 16) -> dict:
    """Exercise 4: three ``(num_positions, d_model)`` matrices "A", "B", "C", one per variant."""
    return {
        name: sinusoidal_encoding(num_positions, d_model, variant=variant)
        for name, variant in MYSTERY_ORDER.items()
    }


def check_variant_guesses(answer) -> Feedback:
    """Exercise 4: ``answer`` maps "A", "B", "C" to a variant name from ``VARIANTS``."""
    if is_unanswered(answer):
        return not_attempted(
            "row 0 is [0, 1, 0, 1, ...] in one layout only; "
            "then predict row 1 with pair_frequencies"
        )
    if not isinstance(answer, dict):
        return wrong(
            f"expected a dict like {{'A': 'interleaved', ...}}, got {type(answer).__name__}"
        )
    if set(answer) != set(MYSTERY_ORDER):
        return wrong(f"give exactly the keys A, B, C; got {sorted(map(str, answer))}")
    unknown = [v for v in answer.values() if v not in VARIANTS]
    if unknown:
        return wrong(f"unknown variant name {unknown[0]!r}", f"use one of {VARIANTS}")
    wrong_keys = [k for k in sorted(MYSTERY_ORDER) if answer[k] != MYSTERY_ORDER[k]]
    if not wrong_keys:
        return correct("A = tensor2tensor, B = interleaved (the paper), C = concatenated")
    hints = {
        "interleaved": "the interleaved layout starts row 0 with 0, 1, 0, 1, ...",
        "concatenated": "row 1, last sine column (d/2 - 1): is it sin(10000^(-(d-2)/d))?",
        "tensor2tensor": "tensor2tensor's last sine column (d/2 - 1) of row 1 is sin(1/10000)",
    }
    first = wrong_keys[0]
    return wrong(
        f"{len(wrong_keys)} of 3 wrong, e.g. {first} is not {answer[first]!r}",
        hints[answer[first]],
    )
