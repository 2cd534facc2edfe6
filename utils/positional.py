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

from utils._checks import (
    as_float_array,
    require_ndim,
    require_positive_int,
    require_real_scalar,
)

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


# --- Positions current models use: rotations (RoPE) and biases (ALiBi), notebook 06 -------------

__all__ += ["ROPE_LAYOUTS", "rope", "alibi_slopes", "alibi_bias"]

ROPE_LAYOUTS = ("interleaved", "half")


def _rope_positions(positions, n: int, lead: tuple[int, ...]) -> np.ndarray:
    """Positions as a float array broadcastable to ``(..., n)``; default ``0 .. n-1``."""
    if positions is None:
        return np.arange(n, dtype=float)  # (n,)
    positions = as_float_array(positions, "positions", allow_inf=False)
    try:
        fits = np.broadcast_shapes(positions.shape, (*lead, n)) == (*lead, n)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"positions of shape {positions.shape} must broadcast to x's (..., n) = "
            f"{(*lead, n)}: one position per token, e.g. np.arange(n) + offset"
        )
    return positions


def rope(x, positions=None, base: float = 10000.0, layout: str = "interleaved") -> np.ndarray:
    """Rotary position embedding (Su et al. 2021): turn each pair of columns of ``x`` by an
    angle proportional to the token's position. Returns an array of the shape of ``x``.

    ``x (..., n, d)`` with d even (queries or keys of one head, applied after the
    projection); ``positions`` broadcastable to ``(..., n)`` (default ``0 .. n-1``). Pair i
    turns by ``position * base**(-2i/d)``, the frequencies of :func:`pair_frequencies`:

        [a', b'] = [a cos t - b sin t,  a sin t + b cos t],   t = position * base**(-2i/d).

    ``layout="interleaved"`` (the paper): pair i is columns (2i, 2i+1). ``layout="half"``
    (GPT-NeoX, LLaMA's Hugging Face code): pair i is columns (i, i + d/2), a permutation of
    the same pairs. Because rotations compose, ``rope(q, m) . rope(k, n)`` depends on q, k
    and m - n only. float16/32/64 inputs are computed in their own dtype.
    """
    x = as_float_array(x, "x", allow_inf=False)
    require_ndim(x, 2, "x", "(..., n, d)")
    *lead, n, d = x.shape
    if d == 0 or d % 2:
        raise ValueError(f"the last axis of x must be even and > 0 (RoPE turns pairs), got {d}")
    if not isinstance(layout, str) or layout not in ROPE_LAYOUTS:
        raise ValueError(f"layout must be one of {ROPE_LAYOUTS}, got {layout!r}")
    positions = _rope_positions(positions, n, tuple(lead))  # (..., n)
    angles = positions[..., None] * pair_frequencies(d, base)  # (..., n, d/2)
    cos, sin = np.cos(angles).astype(x.dtype), np.sin(angles).astype(x.dtype)
    if layout == "interleaved":
        a, b = x[..., 0::2], x[..., 1::2]  # (..., n, d/2) each: columns 2i and 2i+1
    else:
        a, b = x[..., : d // 2], x[..., d // 2 :]  # (..., n, d/2) each: columns i and i+d/2
    out = np.empty_like(x)  # (..., n, d)
    turned_a, turned_b = a * cos - b * sin, a * sin + b * cos  # (..., n, d/2) each
    if layout == "interleaved":
        out[..., 0::2], out[..., 1::2] = turned_a, turned_b
    else:
        out[..., : d // 2], out[..., d // 2 :] = turned_a, turned_b
    return out


def alibi_slopes(num_heads: int) -> np.ndarray:
    """``(num_heads,)`` ALiBi slopes (Press et al. 2021): for h a power of two, head i gets
    ``2**(-8 (i + 1) / h)``, a geometric sequence from ``2**(-8/h)`` down to ``2**-8``.

    Otherwise, as in the paper's code: the slopes of the largest power of two p below h,
    then every other slope of 2p until there are h.
    """
    h = require_positive_int(num_heads, "num_heads")

    def geometric(p: int) -> np.ndarray:
        return 2.0 ** (-8 * np.arange(1, p + 1) / p)  # (p,)

    p = 2 ** int(np.floor(np.log2(h)))  # the largest power of two <= h
    return np.concatenate([geometric(p), geometric(2 * p)[0::2][: h - p]])  # (h,)


def alibi_bias(num_heads: int, n: int) -> np.ndarray:
    """``(num_heads, n, n)`` ALiBi bias added to the scores before the softmax:
    ``bias[head, i, j] = -slope[head] * (i - j)`` for keys j <= i (Press et al. 2021):
    0 for the query itself, one slope more negative per token of distance.

    ALiBi is defined for causal attention, which blocks keys j > i; this function fills
    them with ``-slope * (j - i)`` too (a symmetric variant), so the matrix is
    ``-slope * |i - j|``. Add it to ``q @ k^T / sqrt(d_k)``: no positions are added to x.
    """
    n = require_positive_int(n, "n")
    slopes = alibi_slopes(num_heads)  # (h,)
    distance = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :])  # (n, n): |i - j|
    return slopes[:, None, None] * -distance  # (h, n, n); 0 on the diagonal (not -0)
