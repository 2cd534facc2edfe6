"""Input checks shared by the maths modules: each error says what was expected and what came."""

from __future__ import annotations

import numpy as np


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating array, keeping float16/32/64; integers become float64.

    Raises ValueError when ``x`` holds NaN (a NaN would silently spread through every
    softmax row it touches).
    """
    arr = np.asarray(x)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN at index {tuple(np.argwhere(np.isnan(arr))[0])}")
    return arr


def require_ndim(arr: np.ndarray, min_ndim: int, name: str, layout: str) -> None:
    """Raise ValueError unless ``arr`` has at least ``min_ndim`` axes, laid out as ``layout``."""
    if arr.ndim < min_ndim:
        raise ValueError(
            f"{name} must have shape {layout} (at least {min_ndim} axes), got shape {arr.shape}"
        )


def require_positive_int(value, name: str) -> int:
    """Return ``value`` as an int, or raise ValueError if it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def common_float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The floating dtype that the inputs promote to (float32 stays float32)."""
    return np.result_type(*arrays)
