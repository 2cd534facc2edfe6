"""Sinusoidal positional encodings in the three layouts learners meet.

Taught in notebooks/03_positional_encoding.ipynb. ``d`` is ``d_model``; pair ``i`` runs
over ``0 .. d/2 - 1``.

- ``"interleaved"``: the paper. PE[pos, 2i] = sin(pos * w_i), PE[pos, 2i+1] = cos(pos * w_i),
  w_i = 1 / base**(2i / d).
- ``"concatenated"``: the same frequencies laid out [all sines | all cosines]: a pure
  permutation of the paper's columns (used by the current TensorFlow tutorial).
- ``"tensor2tensor"``: [sines | cosines] with w_i = 1 / base**(i / (d/2 - 1)): other
  frequencies, not a permutation (``get_timing_signal_1d``, the Illustrated Transformer's
  figures).
"""

from __future__ import annotations

import numpy as np

from utils._checks import require_positive_int, require_real_scalar

__all__ = ["VARIANTS", "pair_frequencies", "sinusoidal_encoding"]

VARIANTS = ("interleaved", "concatenated", "tensor2tensor")


# Far beyond any real use; keeps the longest wavelength, 2*pi*base positions, a finite float.
MAX_BASE = 1e300


def _check_d_model(d_model) -> int:
    """Return ``d_model`` as an int; ValueError unless it is a positive even integer."""
    d_model = require_positive_int(d_model, "d_model")
    if d_model % 2:
        raise ValueError(
            f"d_model must be even (one sine and one cosine per frequency), got {d_model}"
        )
    return d_model


def _check_base(base) -> float:
    """Return ``base`` as a float: a real number in (1, MAX_BASE] (TypeError / ValueError)."""
    base = require_real_scalar(base, "base")
    if not 1 < base <= MAX_BASE:
        raise ValueError(f"base must be a number > 1 (and at most {MAX_BASE:g}), got {base!r}")
    return base


def _check_variant(variant) -> str:
    """Return ``variant`` if it names one of ``VARIANTS`` (TypeError / ValueError otherwise)."""
    if not isinstance(variant, str):
        raise TypeError(f"variant must be a string, one of {VARIANTS}, got {variant!r}")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    return variant


def pair_frequencies(d_model: int, base: float = 10000.0, variant: str = "interleaved"):
    """Angular frequencies ``(d_model // 2,)``, one per sin/cos pair, in radians per position.

    Paper layouts: ``base ** (-2i / d_model)``; tensor2tensor: ``base ** (-i / max(d/2 - 1, 1))``
    (the max mirrors tensor2tensor's guard for d_model = 2). Wavelength = 2*pi / frequency.
    ``d_model`` must be a positive even integer, ``base`` a real number in (1, 1e300];
    anything else raises a ValueError (TypeError for a non-number) naming the argument.
    """
    d_model, base = _check_d_model(d_model), _check_base(base)
    variant = _check_variant(variant)
    i = np.arange(d_model // 2)  # (d/2,)
    if variant == "tensor2tensor":
        return base ** (-i / max(d_model // 2 - 1, 1))
    return base ** (-2 * i / d_model)


def sinusoidal_encoding(
    num_positions: int, d_model: int, base: float = 10000.0, variant: str = "interleaved"
) -> np.ndarray:
    """``(num_positions, d_model)`` float64 encoding for positions 0 .. num_positions - 1.

    Every value lies in [-1, 1]. See the module docstring for the three ``variant`` layouts.
    ``num_positions`` is a positive integer; ``d_model``, ``base`` and ``variant`` are checked
    as in :func:`pair_frequencies`.
    """
    num_positions = require_positive_int(num_positions, "num_positions")
    freqs = pair_frequencies(d_model, base, variant)  # (d/2,)
    angles = np.arange(num_positions)[:, None] * freqs[None, :]  # (n, d/2)
    if variant == "interleaved":
        pe = np.empty((num_positions, d_model))
        pe[:, 0::2] = np.sin(angles)  # even columns: sine of pair i
        pe[:, 1::2] = np.cos(angles)  # odd columns: cosine of pair i
        return pe
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)  # (n, d): [sin | cos]
