"""Fast in-place kernels behind ``utils.attention`` (not what the notebooks teach).

Why: on a (8, 512, 512, 8) self-attention the softmax touches 16.8 M scores several
times; allocating a new array per step and running numpy's single-threaded ``exp`` made
``multi_head_attention`` 2-3x slower than ``torch.nn.MultiheadAttention``. Here the softmax
works in place on the score array, and large arrays are split into row blocks processed
by a small thread pool (numpy releases the GIL inside these loops), so both cores work
while the matrix products already use BLAS threads. ``make bench`` measures the result.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_MIN_ELEMENTS_PER_THREAD = 1 << 16  # below this, threads cost more than they save
_num_threads = min(4, os.cpu_count() or 1)
_pool: ThreadPoolExecutor | None = None


def set_num_threads(n: int) -> None:
    """Use at most ``n`` threads for the softmax kernel (1 = no threads; default: cores, max 4)."""
    global _num_threads, _pool
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    _num_threads = n
    if _pool is not None:
        _pool.shutdown()
        _pool = None


def get_num_threads() -> int:
    """The number of threads the softmax kernel may use."""
    return _num_threads


def _softmax_rows_inplace(rows: np.ndarray) -> None:
    """Softmax over the last axis of ``rows`` ``(m, n)``, in place; all -inf rows become 0."""
    row_max = rows.max(axis=-1, keepdims=True)  # (m, 1)
    if np.isposinf(row_max).any():
        raise ValueError("attention scores overflowed to +inf: inputs or weights are too large")
    row_max[np.isneginf(row_max)] = 0  # fully blocked row: keep it at -inf -> exp 0
    rows -= row_max
    np.exp(rows, out=rows)
    totals = rows.sum(axis=-1, keepdims=True)  # (m, 1)
    inverse = np.zeros_like(totals)
    np.divide(1, totals, out=inverse, where=totals > 0)
    rows *= inverse


def softmax_last_axis_inplace(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis of a C-contiguous float array ``(..., n)``, in place.

    Inputs must hold no NaN or +inf (callers check). Returns ``scores``.
    """
    if not scores.flags.c_contiguous:
        raise ValueError("softmax_last_axis_inplace needs a C-contiguous array")
    rows = scores.reshape(-1, scores.shape[-1])  # (m, n), a view
    threads = min(_num_threads, max(1, rows.size // _MIN_ELEMENTS_PER_THREAD), rows.shape[0])
    if threads <= 1:
        _softmax_rows_inplace(rows)
        return scores
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_num_threads, thread_name_prefix="softmax")
    blocks = np.array_split(rows, threads)  # views, one per thread
    for future in [_pool.submit(_softmax_rows_inplace, block) for block in blocks]:
        future.result()
    return scores
