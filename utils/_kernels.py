"""Fast in-place kernels behind ``utils.attention`` (not what the notebooks teach).

Why: on a (8, 512, 512, 8) self-attention the softmax touches 16.8 M scores several
times; allocating a new array per step and running numpy's single-threaded ``exp`` made
``multi_head_attention`` 2-3x slower than ``torch.nn.MultiheadAttention``. Here the softmax
works in place on the score array, and large arrays are split into row blocks processed
by a small thread pool (numpy releases the GIL inside these loops), so both cores work
while the matrix products already use BLAS threads. Arrays returned to the caller come
from ``result_array``, which recycles the previous call's array once the caller has let go
of it: writing 64 MB of fresh memory costs ~30 ms of page faults on this kind of machine.
``make bench`` measures the result.
"""

from __future__ import annotations

import os
import sys
import threading
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


_scratch = threading.local()


def scratch(name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A reusable work array (per calling thread) for intermediates that are never returned.

    Fresh large arrays cost page faults on first touch (tens of ms for tens of MB here);
    reusing the previous call's buffer of the same shape and dtype avoids them.
    """
    return _one_per_name(_scratch, name, shape, dtype, reusable=lambda buffers, key: True)


def _one_per_name(store, name: str, shape, dtype, reusable) -> np.ndarray:
    """The array cached in thread-local ``store`` under (name, shape, dtype) when
    ``reusable(buffers, key)`` says so, else a new one that replaces any under ``name``."""
    buffers = store.__dict__.setdefault("buffers", {})
    key = (name, tuple(shape), np.dtype(dtype))
    if key in buffers and reusable(buffers, key):
        return buffers[key]
    for old in [k for k in buffers if k[0] == name]:
        del buffers[old]  # one array per name: the caller owns it now, or the shape changed
    buffers[key] = array = np.empty(shape, dtype)
    return array


_results = threading.local()


def _entry_refcount(cache: dict, key) -> int:
    """References to ``cache[key]`` as seen from here; no other frame holds one when
    this equals :data:`_UNHELD` (measured at import on this interpreter)."""
    entry = cache[key]
    return sys.getrefcount(entry)


def _calibrate() -> int | None:
    """The count :func:`_entry_refcount` gives for an array nobody else holds, or None when
    holding a view does not raise it (another interpreter: then never recycle)."""
    if not hasattr(sys, "getrefcount"):
        return None
    probe = {"array": np.empty(1)}
    unheld = _entry_refcount(probe, "array")
    view = probe["array"][:]
    held = _entry_refcount(probe, "array")
    del view
    return unheld if held > unheld else None


_UNHELD = _calibrate()
_recycle_results = _UNHELD is not None


def set_result_recycling(enabled: bool) -> None:
    """Turn the reuse of returned arrays (:func:`result_array`) on (default) or off."""
    global _recycle_results
    _recycle_results = bool(enabled) and _UNHELD is not None


def result_array(name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """An uninitialised array for a result handed back to the caller (per calling thread).

    A fresh array this large costs a page fault per page on first write: the operating
    system hands over zeroed memory, which for the (8, 8, 512, 512) float32 attention
    weights (64 MB) took ~30 ms here, as long as the softmax itself. So, like a caching
    allocator, the previous call's array of the same name, shape and dtype is handed out
    again, but only when nothing outside this cache still refers to it (the caller dropped
    every view of it). Otherwise a new array is made, and the caller keeps the old one.
    At most one array per name is kept. ``set_result_recycling(False)`` turns this off.
    """
    if not _recycle_results:
        return np.empty(shape, dtype)
    # any view the caller still holds adds a reference (through its .base)
    return _one_per_name(
        _results,
        name,
        shape,
        dtype,
        reusable=lambda buffers, key: _entry_refcount(buffers, key) == _UNHELD,
    )


def get_num_threads() -> int:
    """The number of threads the softmax kernel may use."""
    return _num_threads


def _subtract_row_max(rows: np.ndarray) -> None:
    """``rows -= row max`` in place for ``(m, n)``; an all -inf row stays -inf."""
    row_max = rows.max(axis=-1, keepdims=True)  # (m, 1)
    if np.isposinf(row_max).any() or np.isnan(row_max).any():
        raise ValueError("attention scores overflowed (inf or NaN): inputs or weights too large")
    row_max[np.isneginf(row_max)] = 0  # fully blocked row: keep it at -inf -> exp 0
    rows -= row_max


def _softmax_rows_inplace(rows: np.ndarray) -> None:
    """Softmax over the last axis of ``rows`` ``(m, n)``, in place; all -inf rows become 0."""
    _subtract_row_max(rows)
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
    threads = min(_num_threads, max(1, rows.size // _MIN_ELEMENTS_PER_THREAD))

    def block(start: int, stop: int) -> None:
        _softmax_rows_inplace(rows[start:stop])

    _run_blocks(block, rows.shape[0], threads)
    return scores


try:  # optional: lets our threads run single-threaded BLAS calls side by side
    from threadpoolctl import ThreadpoolController

    _controller = ThreadpoolController()
except ImportError:  # pragma: no cover - threadpoolctl is in requirements.txt
    _controller = None


def _run_blocks(work, count: int, threads: int) -> None:
    """Call ``work(start, stop)`` over ``count`` items split into ``threads`` blocks.

    With several threads, BLAS is limited to one thread per call meanwhile, so our
    threads (not BLAS's, which would spin-wait and compete with them) share the cores.
    """
    threads = max(1, min(threads, count))
    if threads == 1 or _controller is None:
        work(0, count)
        return
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_num_threads, thread_name_prefix="utils")
    bounds = np.linspace(0, count, threads + 1).astype(int)
    with _controller.limit(limits=1, user_api="blas"):
        futures = [_pool.submit(work, a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        for future in futures:
            future.result()


def linear_into(x: np.ndarray, W: np.ndarray, b, out: np.ndarray, threads: int) -> np.ndarray:
    """``out[...] = x @ W + b`` for x ``(m, d_in)``, W ``(d_in, d_out)``, out ``(m, d_out)``,
    computed by blocks of rows (one per thread), the bias added while the block is in cache."""

    def rows(start: int, stop: int) -> None:
        np.matmul(x[start:stop], W, out=out[start:stop])
        if b is not None:
            out[start:stop] += b

    _run_blocks(rows, x.shape[0], threads)
    return out


# exp(x) is finite and > 0 in float32 for |x| < 88; stay well inside that
_EXP_SAFE = 80.0


def _largest_head_norms(x: np.ndarray, h: int) -> np.ndarray:
    """max over rows of each head's row norm: x ``(B, n, h*d)`` -> ``(B, h)``."""
    batch, n, width = x.shape
    heads = x.reshape(batch, n, h, width // h)  # (B, n, h, d), a view
    squares = np.einsum("bnhd,bnhd->bhn", heads, heads)  # (B, h, n)
    return np.sqrt(squares.max(axis=-1, initial=0.0))  # (B, h)


def attend_heads_into(q, k, v, mask, weights, concat, threads: int) -> None:
    """Scaled dot-product attention of every (batch, head) pair, written into outputs.

    Inputs are the projected activations, heads side by side in the columns:
    q ``(B, n_q, h*d_k)`` already multiplied by 1/sqrt(d_k), k ``(B, n_k, h*d_k)``,
    v ``(B, n_k, h*d_v)``; mask None or a bool array broadcast to ``(B, n_q, n_k)``
    (True = may attend). Writes weights ``(B, h, n_q, n_k)`` and the concatenation of head
    outputs concat ``(B, n_q, h*d_v)``.

    Each pair's (n_q, n_k) score matrix is computed, masked, exponentiated, multiplied by
    V and normalised while it is still in cache; head slices are strided views handed
    straight to BLAS, so nothing is copied to split or merge heads. Two passes over the
    scores are saved: (1) the row maximum is subtracted only when needed: by
    Cauchy-Schwarz |q.k| <= max||q|| * max||k||, and when that bound is below 80 no exp
    can overflow or underflow to a zero sum, so softmax without the shift is the same
    number; (2) the row sums come out of the V product itself, from a column of ones
    appended to V.
    """
    batch, h = weights.shape[:2]
    d_k, d_v = q.shape[-1] // h, v.shape[-1] // h
    n_q, n_k = weights.shape[-2:]
    dtype = weights.dtype
    ninf = dtype.type(-np.inf)

    def pairs(start: int, stop: int) -> None:
        v_ones = np.ones((n_k, d_v + 1), dtype)  # [V | 1]: per thread
        product = np.empty((n_q, d_v + 1), dtype)  # [weights @ V | row sums]
        first, last = start // h, (stop - 1) // h + 1  # the batch rows this block touches
        bound = _largest_head_norms(q[first:last], h) * _largest_head_norms(k[first:last], h)
        for index in range(start, stop):
            bi, hi = divmod(index, h)
            w = weights[bi, hi]  # (n_q, n_k)
            qs, ks = q[bi, :, hi * d_k : (hi + 1) * d_k], k[bi, :, hi * d_k : (hi + 1) * d_k]
            np.matmul(qs, ks.T, out=w)  # (n_q, d_k) @ (d_k, n_k): scaled scores
            if mask is not None:
                np.copyto(w, ninf, where=~mask[bi])
            if bound[bi - first, hi] < _EXP_SAFE:  # max |score| <= max||q|| * max||k||
                np.exp(w, out=w)  # unnormalised weights, blocked -> 0
            else:
                _subtract_row_max(w)
                np.exp(w, out=w)
            v_ones[:, :d_v] = v[bi, :, hi * d_v : (hi + 1) * d_v]
            np.matmul(w, v_ones, out=product)  # (n_q, d_v + 1)
            totals = product[:, d_v:]  # (n_q, 1) row sums of exp
            inverse = np.zeros_like(totals)
            np.divide(1, totals, out=inverse, where=totals > 0)  # fully blocked row -> 0
            w *= inverse  # weights: rows sum to 1
            np.multiply(product[:, :d_v], inverse, out=concat[bi, :, hi * d_v : (hi + 1) * d_v])

    _run_blocks(pairs, batch * h, threads)
