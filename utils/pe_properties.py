"""Properties of sinusoidal positional encodings, as computable objects.

Taught in notebooks/03_positional_encoding.ipynb. Builds on ``utils.positional``; every
function takes the same ``d_model``, ``base`` and ``variant`` arguments as
:func:`utils.positional.sinusoidal_encoding`.

- :func:`wavelengths`: the period, in positions, of each sin/cos pair.
- :func:`shift_matrix`: the ``(d, d)`` block rotation M_k with PE[pos + k] = M_k @ PE[pos].
- :func:`offset_similarity`: PE[p] . PE[p + k] as a function of the offset k alone.
- :func:`interleaved_to_concatenated`: the column permutation between the two paper layouts.
- :func:`identify_variant`: which of the three variants produced a matrix.
- :func:`random_cosines`: cosines between random vectors, to show near-orthogonality.
"""

from __future__ import annotations

import numpy as np

from utils._checks import (
    as_float_array,
    as_generator,
    require_positive_int,
    require_real_scalar,
)
from utils.positional import (
    VARIANTS,
    _check_base,
    _check_d_model,
    _check_variant,
    pair_frequencies,
    sinusoidal_encoding,
)

__all__ = [
    "wavelengths",
    "sin_cos_columns",
    "shift_matrix",
    "offset_similarity",
    "interleaved_to_concatenated",
    "identify_variant",
    "random_cosines",
]


def wavelengths(d_model: int, base: float = 10000.0, variant: str = "interleaved"):
    """``(d_model // 2,)`` wavelengths in positions: pair i repeats every 2*pi / w_i positions.

    For the paper's formula they grow geometrically from 2*pi (pair 0) towards
    ``base * 2*pi`` (reached only in the limit); tensor2tensor reaches ``base * 2*pi`` exactly.
    """
    return 2 * np.pi / pair_frequencies(d_model, base, variant)


def sin_cos_columns(d_model: int, variant: str = "interleaved"):
    """Column indices ``(sin_cols, cos_cols)``, each ``(d_model // 2,)``: pair i's sin and cos.

    Interleaved: sine at 2i, cosine at 2i + 1. Concatenated and tensor2tensor: sine at i,
    cosine at d/2 + i. ``d_model`` must be a positive even integer.
    """
    d_model, variant = _check_d_model(d_model), _check_variant(variant)
    half = d_model // 2
    if variant == "interleaved":
        return np.arange(0, 2 * half, 2), np.arange(1, 2 * half, 2)
    return np.arange(half), np.arange(half, 2 * half)


def shift_matrix(k: float, d_model: int, base: float = 10000.0, variant: str = "interleaved"):
    """``(d_model, d_model)`` matrix M_k with ``PE[pos + k] = M_k @ PE[pos]`` for every pos.

    Pair i with angle a = pos * w_i holds the column vector [sin a, cos a]; adding k rotates
    it by b = k * w_i: [[cos b, sin b], [-sin b, cos b]] @ [sin a, cos a] = [sin(a+b), cos(a+b)].
    M_k puts one such 2 x 2 rotation per pair (block diagonal in the interleaved layout,
    the same blocks spread out in the other two) and depends on k only, never on pos.
    In the row-vector convention of utils.attention: ``PE[pos + k] = PE[pos] @ M_k.T``.
    ``k`` is one finite real number (negative shifts back, fractional k works too).
    """
    k = require_real_scalar(k, "k")
    freqs = pair_frequencies(d_model, base, variant)  # (d/2,), also validates the inputs
    sin_cols, cos_cols = sin_cos_columns(d_model, variant)
    b = k * freqs  # (d/2,) rotation angle of each pair
    m = np.zeros((d_model, d_model))
    m[sin_cols, sin_cols] = np.cos(b)
    m[sin_cols, cos_cols] = np.sin(b)
    m[cos_cols, sin_cols] = -np.sin(b)
    m[cos_cols, cos_cols] = np.cos(b)
    return m


def offset_similarity(offsets, d_model: int, base: float = 10000.0, variant: str = "interleaved"):
    """PE[p] . PE[p + k] for each offset k in ``offsets``: shape of ``offsets``.

    sin(a) sin(a + b) + cos(a) cos(a + b) = cos(b), so the dot product is
    sum_i cos(k * w_i): no p in it, and even in k (it depends on |k| only).
    Its largest value, d_model / 2, is at k = 0. ``offsets`` are finite real numbers
    (a scalar, a list or an array of any shape).
    """
    freqs = pair_frequencies(d_model, base, variant)  # (d/2,)
    offsets = as_float_array(offsets, "offsets", allow_inf=False)
    return np.cos(offsets[..., None] * freqs).sum(axis=-1)  # (...,)


def interleaved_to_concatenated(d_model: int) -> np.ndarray:
    """``(d_model,)`` column order with ``concatenated == interleaved[:, order]``.

    All even (sine) columns first, then all odd (cosine) columns. ``d_model`` must be a
    positive even integer.
    """
    d_model = _check_d_model(d_model)
    return np.r_[0:d_model:2, 1:d_model:2]


def identify_variant(pe, base: float = 10000.0, atol: float = 1e-9):
    """Name of the variant that produced the ``(n, d)`` matrix ``pe`` (positions 0..n-1), or None.

    Compares against the three variants of :func:`utils.positional.sinusoidal_encoding` with
    ``np.allclose(..., atol=atol)``. An odd width matches none of them (None). ValueError
    for an empty or non-2-D ``pe``, NaN in it, or a negative ``atol``.
    """
    pe = as_float_array(pe, "pe")  # (n, d)
    if pe.ndim != 2 or 0 in pe.shape:
        raise ValueError(
            f"pe must be a non-empty 2-D matrix (positions, d_model), got shape {pe.shape}"
        )
    atol = require_real_scalar(atol, "atol")
    if atol < 0:
        raise ValueError(f"atol must be >= 0, got {atol!r}")
    _check_base(base)
    n, d = pe.shape
    if d % 2:
        return None
    for variant in VARIANTS:
        if np.allclose(pe, sinusoidal_encoding(n, d, base, variant), atol=atol):
            return variant
    return None


def random_cosines(d: int, num_pairs: int, rng: np.random.Generator | int) -> np.ndarray:
    """``(num_pairs,)`` cosines between pairs of independent standard-normal vectors in R^d.

    Their spread shrinks like 1 / sqrt(d): in high dimension random directions are
    nearly orthogonal. ``rng`` is a numpy Generator (``np.random.default_rng(seed)``) or an
    int seed (the same seed gives the same cosines every call).
    """
    d = require_positive_int(d, "d")
    num_pairs = require_positive_int(num_pairs, "num_pairs")
    rng = as_generator(rng, "rng")
    a = rng.standard_normal((num_pairs, d))  # (num_pairs, d)
    b = rng.standard_normal((num_pairs, d))  # (num_pairs, d)
    dots = np.einsum("nd,nd->n", a, b)
    return dots / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
