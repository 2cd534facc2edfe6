"""Checkers for the exercises of notebooks/03_positional_encoding.ipynb.

Each returns a :class:`utils.exercises.Feedback` and never raises, whatever a learner
passes: every answer goes through the conversions of :mod:`utils.exercises.base`, and every
learner's function is called through :func:`utils.exercises.base.attempt`. While an
exercise is not attempted its checker shows a nudge; ``hint(n)`` gives the next hint.

1. ``check_pe_value``: one entry of the encoding, by hand.
2. ``check_wavelength``: the wavelength of pair i.
3. ``check_reorderings``: which matrices are the paper's columns reordered (conceptual).
4. ``check_equal_dot_products``: which dot products equal PE[3] . PE[8] (conceptual).
5. ``check_encoding``: the paper's encoding, implemented.
6. ``check_variant_guesses``: which variant (interleaved, concatenated, tensor2tensor)
   is each mystery matrix.
"""

from __future__ import annotations

import numpy as np

from utils.exercises.base import (
    Feedback,
    Hints,
    as_answer_array,
    as_answer_dict,
    as_answer_number,
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
from utils.pe_properties import shift_matrix
from utils.positional import VARIANTS, sinusoidal_encoding

__all__ = [
    "HINTS",
    "hint",
    "PE_VALUE_TASK",
    "check_pe_value",
    "check_wavelength",
    "REORDERINGS",
    "reordering_candidates",
    "check_reorderings",
    "DOT_PRODUCTS",
    "check_equal_dot_products",
    "check_encoding",
    "mystery_encodings",
    "check_variant_guesses",
]

HINTS = Hints(
    {
        1: [
            "column 3 is odd: which pair i does it belong to, and is it a sine or a cosine?",
            "pair i = column // 2; an odd column holds cos(pos * w_i), "
            "with w_i = 1 / 10000^(2i / d_model)",
            "for pair i = 1 and d_model = 8 the exponent is 2/8: 10000^(1/4) = 10, so the "
            "angle is 7/10; take its cosine with the calculator in radians",
        ],
        2: [
            "the wavelength is how far the position must move for the angle pos * w_i to "
            "grow by one full turn: how many positions is that (a real number)?",
            "sin(w * pos) repeats every 2*pi / w positions (a full turn is 2*pi radians)",
            "w_i = 1 / 10000^(2i / d_model), so divide 2*pi by that (or multiply by its inverse)",
        ],
        3: [
            "a reordering moves columns but never changes one: is every column of the "
            "candidate one of the paper's columns?",
            "the paper's columns are sin(pos * w_i) and cos(pos * w_i) with the paper's "
            "frequencies w_i: another base or exponent gives other frequencies; moving to "
            "other positions turns each pair (section 4.2) and mixes sine and cosine",
            "test your reasoning: build a candidate and look for each of its columns among "
            "the paper's with np.allclose, as section 3 did for tensor2tensor",
        ],
        4: [
            "for each option, find the two positions whose encodings are multiplied: what "
            "is their offset?",
            "PE[p] . PE[q] depends only on |p - q| (section 4.3); M_k moves an encoding k "
            "positions forward (section 4.2)",
            "apply 4.2 to each M_5 term: which row of PE is it?",
        ],
        5: [
            "one row per position, one column per dimension: start from the positions and "
            "the pair index i",
            "every entry needs the angle pos * w_i: a table with one row per position and "
            "one column per pair, an outer product of the positions and the pair "
            "frequencies (section 2 built one)",
            "create an empty (num_positions, d_model) array; sines of the angles into "
            "columns 0::2, cosines into 1::2; return it",
        ],
        6: [
            "row 0 (position 0) already tells one of the three variants apart",
            "row 0 is [0, 1, 0, 1, ...] only in the interleaved layout; the other two "
            "differ only in their frequencies",
            "predict row 1 with pair_frequencies(16, variant=...): compare the last sine "
            "column, d/2 - 1 = 7",
        ],
    }
)
hint = HINTS.show

TWO_DECIMALS = 0.005  # half a unit of the second decimal: 0.76 counts as cos(0.7) = 0.7648
ENCODING_ATOL = 1e-6  # exercise 5: float32 is right too (its error here is about 1e-7)


# --- exercise 1 --------------------------------------------------------------------------

PE_VALUE_TASK = {"pos": 7, "column": 3, "d_model": 8}  # not among the rows printed in 03


def _typed_tolerance(value: float) -> float:
    """Half a unit of the last decimal the learner typed (0.005 for 0.76, 5e-6 for
    0.99993), at most TWO_DECIMALS; a value computed in full precision gets 1e-9."""
    text = repr(float(value))
    if "e" in text or "." not in text:  # 1e-05, inf
        return 1e-9
    decimals = len(text.split(".")[1])
    return min(TWO_DECIMALS, 10.0 ** (-decimals) / 2) + 1e-12


def _pe_value_mistakes() -> list[tuple[float, str, str]]:
    """``(value, what went wrong, hint)`` for the usual mistakes on PE[7, 3], d_model = 8."""
    pos, d = PE_VALUE_TASK["pos"], PE_VALUE_TASK["d_model"]
    angle = pos / 10000 ** (2 / d)  # 0.7 radians
    return [
        (
            np.sin(angle),
            "that is the sine; odd columns (2i + 1) hold the cosine",
            "column 3 = 2*1 + 1: pair i = 1, cosine",
        ),
        (
            np.cos(np.radians(angle)),
            "that is cos(0.7 degrees): your calculator is in degrees, the angle is 0.7 radians",
            "switch the calculator to radians (RAD), or use np.cos",
        ),
        (
            np.sin(np.radians(angle)),
            "that is sin(0.7 degrees): a sine, and a calculator in degrees",
            "odd columns hold the cosine, and the angle is in radians",
        ),
        (
            np.cos(pos / 10000 ** (1 / d)),
            "you used i instead of 2i in the exponent",
            "the exponent is 2i / d_model = 2/8 for pair i = 1",
        ),
        (
            np.cos(pos / 10000 ** (3 / d)),
            "you put the column number 3 in the exponent (3/8)",
            "the exponent uses 2i, the pair's first column: 2/8 for pair i = 1",
        ),
        (
            np.cos(pos / 10000 ** (2 * 3 / d)),
            "you used the column index 3 as the pair index i",
            "pair i = column // 2 = 1; the exponent is 2i / d_model",
        ),
        (
            np.cos(pos / 10000 ** (1 / (d / 2 - 1))),
            "that is the tensor2tensor frequency 1/10000^(i/(d/2 - 1)), not the paper's",
            "the paper divides by d_model: 10000^(2i/d_model)",
        ),
        (
            np.cos(3 / 10000 ** (2 / d)),
            "that is PE[3, 3], printed in section 2; the task asks for position 7",
            "same column, same pair: only the position changes the angle",
        ),
        (
            np.cos(pos * 10000 ** (2 / d)),
            "you multiplied the position by 10000^(2/8) instead of dividing",
            "w_i = 1 / 10000^(2i/d_model): the angle pos * w_i gets smaller for later pairs",
        ),
        (angle, "that is the angle 7/10 itself", "the entry is the cosine of that angle"),
        (
            np.cos(pos),
            "that is cos(7): you used frequency 1 (pair 0's); column 3 is pair 1, w_1 = 1/10",
            "the angle is pos * w_1 = 7 / 10000^(2/8)",
        ),
        (
            np.sin(pos),
            "that is sin(7): frequency 1 (pair 0's) and a sine; column 3 is the cosine of "
            "pair 1, w_1 = 1/10",
            "the angle is pos * w_1 = 7 / 10000^(2/8); odd columns hold the cosine",
        ),
    ]


def check_pe_value(answer) -> Feedback:
    """Exercise 1: PE[pos=7, column 3] for d_model = 8 with the paper's formula, by hand.

    Column 3 is odd, so it is the cosine of pair i = 1: cos(7 / 10000**(2/8)) = cos(0.7).
    Two decimals are enough (0.76); a value close to a typical mistake is named, and when
    the typed decimals fit two mistakes (1.00: degrees, or column 3 used as the pair) both.
    """
    value, problem = as_answer_number(answer, "your answer")
    if problem is not None:
        return HINTS.nudge_if_not_attempted(1, problem)
    pos, d = PE_VALUE_TASK["pos"], PE_VALUE_TASK["d_model"]
    right = np.cos(pos / 10000 ** (2 / d))
    if abs(value - right) <= TWO_DECIMALS + 1e-12:
        return correct(f"PE[{pos}, 3] = cos({pos} / 10000^(2/8)) = cos(0.7) = {right:.4f}")
    tolerance = _typed_tolerance(value)
    matches = [(m, h) for v, m, h in _pe_value_mistakes() if abs(value - v) <= tolerance]
    shown = f"{value:.6g}"
    if len(matches) == 1:
        return wrong(f"{shown}: {matches[0][0]}", matches[0][1])
    if matches:
        reasons = "; or ".join(message for message, _ in matches)
        return wrong(
            f"{shown} fits more than one mistake: {reasons}",
            "pair i = column // 2 = 1, an odd column is a cosine, the angle is in radians",
        )
    if abs(value - right) < 0.05:
        return wrong(
            f"{shown} is close to PE[{pos}, 3], but not it to two decimals",
            "give two decimals or more, and check the rounding",
        )
    return wrong(f"{shown} is not PE[{pos}, 3]", HINTS.stages[1][1])


# --- exercise 2 --------------------------------------------------------------------------


def check_wavelength(function) -> Feedback:
    """Exercise 2: ``function(i, d_model)`` returns the wavelength of pair i (paper formula),
    i.e. 2*pi * 10000**(2i / d_model) positions.

    Pair 0 is tried last: there the frequency is 1, so "forgot 2*pi" and "returned the
    frequency" give the same number, and only another pair tells them apart.
    """
    cases = ((64, 512), (3, 8), (255, 512), (0, 512))
    for i, d in cases:
        result, problem = attempt(function, i, d)
        if problem is not None:
            return HINTS.nudge_if_not_attempted(2, problem)
        value, problem = as_answer_number(result, f"wavelength({i}, {d})")
        if problem is not None:
            return problem
        right = 2 * np.pi * 10000 ** (2 * i / d)
        if np.isclose(value, right, rtol=1e-6):
            continue
        diagnoses = (
            (right / (2 * np.pi), "the factor 2*pi is missing: sin(w x) repeats every 2*pi / w"),
            (2 * np.pi / right, "that is the frequency w_i, not the wavelength 2*pi / w_i"),
            (2 * np.pi * 10000 ** (i / d), "you used i instead of 2i in the exponent"),
            (360 * 10000 ** (2 * i / d), "360 is a full turn in degrees; the angles are radians"),
            (np.pi * 10000 ** (2 * i / d), "a full turn is 2*pi, not pi"),
        )
        for mistaken, message in diagnoses:
            if np.isclose(value, mistaken, rtol=1e-6):
                return wrong(f"wavelength({i}, {d}) = {value:.6g}: {message}", HINTS.stages[2][1])
        return wrong(f"wavelength({i}, {d}) = {value:.6g}, expected {right:.6g}", HINTS.nudge(2))
    return correct("2*pi * 10000^(2i/d_model): from 2*pi (i = 0) up towards 10000 * 2*pi")


# --- answers that are a dict of choices (exercises 3, 4 and 6) -----------------------------


def _read_choices(answer, keys, parse, exercise: int, example: str):
    """A learner's dict ``{key: choice}`` (read by :func:`utils.exercises.base.as_answer_dict`)
    as ``({key: choice or Ellipsis}, None)``, or ``(None, Feedback)``: a missing key or a
    ``...`` value counts as unanswered (Ellipsis in the result); ``parse`` turns one value
    into ``(choice, None)`` or ``(None, message)``.
    """
    values, problem = as_answer_dict(answer, keys, example, HINTS.nudge(exercise))
    if problem:
        return None, problem
    choices = {}
    for key, value in values.items():
        if is_unanswered(value):
            choices[key] = ...
            continue
        choice, message = parse(value)
        if message:
            return None, wrong(f"the answer for {key!r} is {safe_text(value, 40)}: {message}")
        choices[key] = choice
    return choices, None


def _grade_choices(choices: dict, truth: dict, reasons: dict, done: str):
    """Compare ``choices`` (Ellipsis = unanswered, at least one answered) with ``truth``;
    name one wrong key with the question that settles it (``reasons``)."""
    unanswered = [k for k in truth if choices[k] is Ellipsis]
    mistakes = [k for k in truth if choices[k] is not Ellipsis and choices[k] != truth[k]]
    still = f"; still to answer: {', '.join(unanswered)}" if unanswered else ""
    if mistakes:
        answered = len(truth) - len(unanswered)
        which = "" if len(mistakes) == 1 else f", e.g. {mistakes[0]!r}"
        what = f"{mistakes[0]!r} is" if len(mistakes) == 1 else f"{len(mistakes)} are"
        return wrong(
            f"{what} wrong (of {answered} answered){which}{still}",
            f"{mistakes[0]}: {reasons[mistakes[0]]}",
        )
    if unanswered:
        return not_attempted(f"right so far{still}")
    return correct(done)


# --- exercise 3 ----------------------------------------------------------------------------

REORDERINGS = {
    "concatenated": "[all sines | all cosines] with the paper's frequencies",
    "tensor2tensor": "tensor2tensor's encoding",
    "reversed": "the paper's matrix with its columns in reverse order",
    "swapped": "the paper's layout with cosines in the even columns, sines in the odd ones",
    "base_100": "the paper's formula and layout with base 100 instead of 10000",
    "next_position": "the paper's rows for positions 1 .. 50 instead of 0 .. 49",
}
_REORDERING_REASONS = {
    "concatenated": "which frequencies does the concatenated variant use (section 3's table)?",
    "tensor2tensor": "section 3 looked for each tensor2tensor column among the paper's: "
    "how many did it find?",
    "reversed": "reversing changes where each column sits; does it change any column?",
    "swapped": "is cos(pos * w_0), now in column 0, one of the paper's columns?",
    "base_100": "with base 100, is the frequency of pair 1 one of the paper's frequencies?",
    "next_position": "a shift by one position is the rotation M_1 (section 4.2): does it keep "
    "each column, or mix each pair's sine and cosine?",
}


def reordering_candidates(num_positions: int = 50, d_model: int = 16) -> dict:
    """Exercise 3: the ``(num_positions, d_model)`` matrices described in ``REORDERINGS``."""
    paper = sinusoidal_encoding(num_positions, d_model)  # (n, d)
    swapped = np.empty_like(paper)
    swapped[:, 0::2], swapped[:, 1::2] = paper[:, 1::2], paper[:, 0::2]
    return {
        "concatenated": sinusoidal_encoding(num_positions, d_model, variant="concatenated"),
        "tensor2tensor": sinusoidal_encoding(num_positions, d_model, variant="tensor2tensor"),
        "reversed": paper[:, ::-1],
        "swapped": swapped,
        "base_100": sinusoidal_encoding(num_positions, d_model, base=100.0),
        "next_position": sinusoidal_encoding(num_positions + 1, d_model)[1:],
    }


def is_column_reordering(matrix, paper) -> bool:
    """True when every column of ``matrix`` is a different column of ``paper``."""
    unused = list(range(paper.shape[1]))
    for column in np.asarray(matrix).T:
        found = [c for c in unused if np.allclose(column, paper[:, c], atol=1e-12)]
        if not found:
            return False
        unused.remove(found[0])
    return not unused


def _reordering_truth() -> dict:
    paper = sinusoidal_encoding(50, 16)
    return {k: is_column_reordering(m, paper) for k, m in reordering_candidates().items()}


def check_reorderings(answer) -> Feedback:
    """Exercise 3: ``answer`` maps each key of ``REORDERINGS`` to True (the paper's columns,
    reordered) or False (other columns)."""
    choices, problem = _read_choices(
        answer, list(REORDERINGS), parse_truth, 3, "{'concatenated': True, ...}"
    )
    if problem is not None:
        return problem
    return _grade_choices(
        choices,
        _reordering_truth(),
        _REORDERING_REASONS,
        "a reordering keeps every column: concatenated, reversed and swapped do; other "
        "frequencies (tensor2tensor, base 100) or a shift (a rotation) change the columns",
    )


# --- exercise 4 ----------------------------------------------------------------------------

DOT_PRODUCTS = {
    "a": "PE[0] · PE[5]",
    "b": "PE[8] · PE[3]",
    "c": "PE[103] · PE[108]",
    "d": "PE[3] · PE[13]",
    "e": "(M_5 PE[3]) · (M_5 PE[8])",
    "f": "(M_5 PE[3]) · PE[8]",
}
_DOT_PRODUCT_REASONS = {
    "a": "what is the offset between positions 0 and 5?",
    "b": "does the order of the two vectors change a dot product?",
    "c": "what is the offset between 103 and 108, and does the start matter?",
    "d": "what is the offset between 3 and 13?",
    "e": "M_5 PE[3] = PE[8] and M_5 PE[8] = PE[13]: what is their offset? (and a rotation "
    "keeps every dot product)",
    "f": "M_5 PE[3] = PE[8]: so this is PE[8] · PE[8], offset 0",
}


def dot_product_values(d_model: int = 128) -> dict:
    """Exercise 4: the value of each option of ``DOT_PRODUCTS``, and ``"target"`` =
    PE[3] . PE[8], for the paper's encoding."""
    pe = sinusoidal_encoding(120, d_model)  # (120, d)
    m5 = shift_matrix(5, d_model)  # (d, d)
    return {
        "target": pe[3] @ pe[8],
        "a": pe[0] @ pe[5],
        "b": pe[8] @ pe[3],
        "c": pe[103] @ pe[108],
        "d": pe[3] @ pe[13],
        "e": (m5 @ pe[3]) @ (m5 @ pe[8]),
        "f": (m5 @ pe[3]) @ pe[8],
    }


def _dot_product_truth() -> dict:
    values = dot_product_values()
    return {k: bool(np.isclose(values[k], values["target"])) for k in DOT_PRODUCTS}


def check_equal_dot_products(answer) -> Feedback:
    """Exercise 4: ``answer`` maps each key "a" .. "f" of ``DOT_PRODUCTS`` to True (equals
    PE[3] . PE[8], d_model = 128) or False."""
    choices, problem = _read_choices(
        answer, list(DOT_PRODUCTS), parse_truth, 4, "{'a': True, ...}"
    )
    if problem is not None:
        return problem
    return _grade_choices(
        choices,
        _dot_product_truth(),
        _DOT_PRODUCT_REASONS,
        "offset 5 in a, b, c and e; M_k is a rotation, so it keeps dot products: "
        "(M_k u) · (M_k v) = u · v for any vectors u, v",
    )


# --- exercise 5 ----------------------------------------------------------------------------


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
        "positions start at 1: the first row is position 0": (sinusoidal_encoding(n + 1, d)[1:]),
    }


def check_encoding(function) -> Feedback:
    """Exercise 5: ``function(num_positions, d_model)`` must return the paper's interleaved
    ``(num_positions, d_model)`` encoding with base 10000."""
    for n, d in ((10, 16), (7, 6)):
        result, problem = attempt(function, n, d)
        if problem is not None:
            return HINTS.nudge_if_not_attempted(5, problem)
        pe, problem = as_answer_array(result, f"my_encoding({n}, {d})")
        if problem is not None:
            return problem
        if pe.shape != (n, d):
            transposed = " (rows and columns swapped?)" if pe.shape == (d, n) else ""
            return wrong_shape(
                f"num_positions={n}, d_model={d}",
                pe.shape,
                (n, d),
                f"one row per position, one column per dimension{transposed}",
            )
        expected = sinusoidal_encoding(n, d)
        if np.allclose(pe, expected, rtol=0, atol=ENCODING_ATOL):
            continue
        for message, mistaken in _variants_of_mistakes(n, d).items():
            if np.allclose(pe, mistaken, rtol=0, atol=ENCODING_ATOL):
                return wrong(message, "PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos")
        error = np.abs(pe - expected)  # (n, d)
        r, c = np.argwhere(error > ENCODING_ATOL)[0]  # the first entry that differs
        where = f"PE[{r}, {c}] is {pe[r, c]:.8g}, expected {expected[r, c]:.8g}"
        if error.max() < 1e-2:
            return wrong(
                f"{where}: off by up to {error.max():.1e} (num_positions={n}, d_model={d}), "
                "more than float32 rounding",
                "right formula, too little precision: compute in float64 (numpy's default), "
                "without rounding the values",
            )
        return wrong(
            f"{where} (num_positions={n}, d_model={d})",
            "check the pair index i = column // 2 and the exponent 2i / d_model",
        )
    return correct("matches the paper's interleaved encoding for two sizes")


# --- exercise 6 ----------------------------------------------------------------------------

MYSTERY_ORDER = {"A": "tensor2tensor", "B": "interleaved", "C": "concatenated"}
_VARIANT_REASONS = {
    "interleaved": "only the interleaved variant starts row 0 with 0, 1, 0, 1, ...",
    "concatenated": "row 1, last sine column (d/2 - 1 = 7): is it sin(10000^(-14/16))?",
    "tensor2tensor": "tensor2tensor's last sine column (d/2 - 1 = 7) of row 1 is sin(1/10000)",
}


def mystery_encodings(num_positions: int = 10, d_model: int = 16) -> dict:
    """Exercise 6: three ``(num_positions, d_model)`` matrices "A", "B", "C", one per variant."""
    return {
        name: sinusoidal_encoding(num_positions, d_model, variant=variant)
        for name, variant in MYSTERY_ORDER.items()
    }


def _parse_variant(value):
    """``(variant, None)`` for a variant name (any case), else ``(None, message)``."""
    variant = match_option(value, VARIANTS)
    if variant is not None:
        return variant, None
    return None, f"not a variant name; use one of {', '.join(VARIANTS)}"


def check_variant_guesses(answer) -> Feedback:
    """Exercise 6: ``answer`` maps "A", "B", "C" to a variant name from ``VARIANTS``."""
    choices, problem = _read_choices(
        answer, list(MYSTERY_ORDER), _parse_variant, 6, "{'A': 'interleaved', ...}"
    )
    if problem is not None:
        return problem
    reasons = {  # for a wrong key: what tells the variant the learner named
        key: f"you said {choice}; {_VARIANT_REASONS[choice]}"
        for key, choice in choices.items()
        if choice is not ...
    }
    return _grade_choices(
        choices,
        MYSTERY_ORDER,
        reasons,
        "A = tensor2tensor, B = interleaved (the paper), C = concatenated",
    )
