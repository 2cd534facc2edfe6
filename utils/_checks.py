"""Input checks shared by the maths modules: each error says what was expected and what came."""

from __future__ import annotations

import numpy as np


def as_float_array(x, name: str, allow_inf: bool = True) -> np.ndarray:
    """Return ``x`` as a floating array, keeping float16/32/64; integers become float64.

    Raises ValueError when ``x`` holds NaN (a NaN would silently spread through every
    softmax row it touches), or +-inf when ``allow_inf`` is False. Raises TypeError for
    booleans, complex numbers, strings and objects.
    """
    arr = np.asarray(x)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if np.isnan(arr).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(arr))[0])
        raise ValueError(f"{name} contains NaN at index {where}")
    if not allow_inf and np.isinf(arr).any():
        where = tuple(int(i) for i in np.argwhere(np.isinf(arr))[0])
        raise ValueError(f"{name} contains inf at index {where}; it must be finite")
    return arr


def require_ndim(arr: np.ndarray, min_ndim: int, name: str, layout: str) -> None:
    """Raise ValueError unless ``arr`` has at least ``min_ndim`` axes, laid out as ``layout``."""
    if arr.ndim < min_ndim:
        raise ValueError(
            f"{name} must have shape {layout} (at least {min_ndim} axes), got shape {arr.shape}"
        )


def require_positive_int(value, name: str) -> int:
    """Return ``value`` as an int; TypeError for a non-number (a string, None, an array),
    ValueError for a number that is not a positive integer (0, -1, 2.5, a bool)."""
    if not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"{name} must be a positive integer, got {value!r} ({type(value).__name__})"
        )
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


_REAL_TYPES = (int, float, np.integer, np.floating)  # bool is an int: refused separately


def require_real_scalar(value, name: str) -> float:
    """Return ``value`` as a finite float.

    TypeError unless ``value`` is one real number (not a bool, string, complex or array of
    several values); ValueError when it is NaN or infinite (or an int too big for a float).
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]  # a 0-d array is one number
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    try:
        as_float = float(value)
    except OverflowError:
        msg = f"{name} must be a finite real number, got an int too big for a float"
        raise ValueError(msg) from None
    if not np.isfinite(as_float):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return as_float


def require_nonnegative_int(value, name: str) -> int:
    """Return ``value`` as an int >= 0 (a size that may be 0, like an empty axis).

    TypeError for non-numbers (strings, bools, arrays, None); ValueError for negative or
    fractional numbers.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _REAL_TYPES):
        raise TypeError(
            f"{name} must be a non-negative integer, got {value!r} ({type(value).__name__})"
        )
    if not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """A numpy Generator from ``rng``: a Generator is used as it is, an int >= 0 seeds a new one.

    An int seed gives the same numbers on every call; pass one Generator to several calls
    for fresh numbers each time.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{name} as a seed must be a non-negative integer, got {rng!r}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a numpy Generator (e.g. np.random.default_rng(0)) or an int seed, "
        f"got {rng!r} ({type(rng).__name__})"
    )
