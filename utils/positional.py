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

from utils._checks import require_positive_int

__all__ = ["VARIANTS", "pair_frequencies", "sinusoidal_encoding"]

VARIANTS = ("interleaved", "concatenated", "tensor2tensor")


def _check_sizes(d_model, base) -> int:
    """Validate ``d_model`` (positive, even) and ``base`` (> 1); return d_model as int."""
    d_model = require_positive_int(d_model, "d_model")
    if d_model % 2:
        raise ValueError(
            f"d_model must be even (one sine and one cosine per frequency), got {d_model}"
        )
    if not np.isfinite(base) or base <= 1:
        raise ValueError(f"base must be a finite number > 1, got {base!r}")
    return d_model


def pair_frequencies(d_model: int, base: float = 10000.0, variant: str = "interleaved"):
    """Angular frequencies ``(d_model // 2,)``, one per sin/cos pair, in radians per position.

    Paper layouts: ``base ** (-2i / d_model)``; tensor2tensor: ``base ** (-i / max(d/2 - 1, 1))``
    (the max mirrors tensor2tensor's guard for d_model = 2). Wavelength = 2*pi / frequency.
    """
    d_model = _check_sizes(d_model, base)
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    i = np.arange(d_model // 2)  # (d/2,)
    if variant == "tensor2tensor":
        return float(base) ** (-i / max(d_model // 2 - 1, 1))
    return float(base) ** (-2 * i / d_model)


def sinusoidal_encoding(
    num_positions: int, d_model: int, base: float = 10000.0, variant: str = "interleaved"
) -> np.ndarray:
    """``(num_positions, d_model)`` float64 encoding for positions 0 .. num_positions - 1.

    Every value lies in [-1, 1]. See the module docstring for the three ``variant`` layouts.
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
