"""Gradients measured by central differences: the check every hand-derived gradient needs.

Used by notebooks/04_transformer_block.ipynb (to measure how much gradient reaches the
first layer of a stack) and notebooks/05_attention_learns.ipynb (to check each step of
the backward pass derived by hand).
"""

from __future__ import annotations

import numpy as np

from utils._checks import as_float_array

__all__ = ["numerical_gradient", "relative_error"]


def numerical_gradient(f, x, eps: float = 1e-6) -> np.ndarray:
    """d f / d x by central differences, same shape as ``x``.

    ``f`` maps an array shaped like ``x`` to a scalar; each entry is nudged by ``eps`` up
    and down: ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``. Costs two calls of ``f`` per
    entry of ``x``, so keep ``x`` small. ``x`` is computed in float64 and never changed.
    """
    x = as_float_array(x, "x", allow_inf=False).astype(np.float64)  # a copy
    if not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a small positive number, got {eps!r}")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = float(f(x))
        x[i] = saved - eps
        down = float(f(x))
        x[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """``max |a - b| / max(|a|, |b|, 1e-12)``, the largest absolute difference over the
    largest absolute entry of either: round-off (1e-11 to 1e-8 in notebook 05) when two
    gradients agree; inf when either holds an inf or NaN."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"the two gradients must have the same shape, got {a.shape} and {b.shape}"
        )
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("inf")  # an inf or NaN gradient agrees with nothing
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), 1e-12)
    return float(np.abs(a - b).max(initial=0.0) / scale)
