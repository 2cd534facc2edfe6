"""Attention that never stores the ``(n_q, n_k)`` score matrix, and the tools that measure it.

Taught in notebooks/06_attention_at_scale.ipynb, sections 1 and 2.

- :func:`peak_memory` and :func:`best_time`: what a call really costs (``tracemalloc``
  peak bytes, the fastest of a few runs).
- :func:`fit_power`: the exponent p and constant c of ``y = c * n**p`` through measurements.
- :func:`running_max_and_sum`: the online softmax on a 1-D row, block by block (Milakov and
  Gimelshein 2018 read one entry at a time): a running maximum m and a running sum of
  ``exp(x - m)``.
- :func:`online_softmax_attention`: attention over blocks of keys with that running maximum
  and sum, the idea behind FlashAttention (Dao et al. 2022), dividing by the sum once at the
  end as FlashAttention-2 does (Dao 2023); equal to
  :func:`utils.attention.scaled_dot_product_attention` but it holds ``(n_q, block_size)``
  scores at a time instead of ``(n_q, n_k)``.
- :func:`score_bytes`: the size of the largest score array each version holds.
- :func:`tiled_peak_bytes`: the peak that ``tracemalloc`` measures for the tiled version.
- :func:`estimate_costs`: memory and time of plain, tiled and cached attention from formulas
  and stored measurements (``MEASURED_NS``), for the explorer.

Plain numpy, no threads: the only "trick" is the order of the computation.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from utils._checks import as_float_array, require_positive_int, require_real_scalar
from utils.attention import _check_mask, _check_qkv, _require_finite
from utils.decoding import kv_cache_bytes

__all__ = [
    "peak_memory",
    "best_time",
    "fit_power",
    "running_max_and_sum",
    "online_softmax_attention",
    "score_bytes",
    "tiled_peak_bytes",
    "MEASURED_NS",
    "estimate_costs",
]


def peak_memory(function, *args, **kwargs):
    """Call ``function(*args, **kwargs)``; return ``(result, peak_bytes)``.

    ``peak_bytes`` is the most memory that was allocated at once *during* the call, as
    ``tracemalloc`` counts it (numpy reports its arrays to it); arrays that existed before
    the call, such as the inputs, are not counted. Only one measurement may run at a time.
    """
    if tracemalloc.is_tracing():
        raise RuntimeError("tracemalloc is already running: peak_memory cannot nest")
    tracemalloc.start()
    try:
        result = function(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def best_time(function, *args, repeats: int = 3, **kwargs) -> float:
    """The fastest of ``repeats`` calls of ``function(*args, **kwargs)``, in seconds.

    The minimum, not the mean: other programs only ever make a run slower, so the fastest
    run is the best estimate of the call's own cost. Varies from run to run and machine to
    machine: the notebook shows times in figures, never as printed text.
    """
    repeats = require_positive_int(repeats, "repeats")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times)


def fit_power(n, y) -> tuple[float, float]:
    """``(p, c)`` of the straight line through ``log y = p * log n + log c`` (least squares).

    ``n`` and ``y`` are 1-D, positive, of the same length (at least 2). Attention's scores
    cost ``c * n**2``: the fitted ``p`` of its measured time and memory should be near 2.
    """
    n = as_float_array(n, "n").ravel()
    y = as_float_array(y, "y").ravel()
    if n.shape != y.shape or n.size < 2:
        raise ValueError(f"n and y need the same length >= 2, got {n.shape} and {y.shape}")
    if (n <= 0).any() or (y <= 0).any():
        raise ValueError("n and y must be positive (the fit is on a log-log scale)")
    p, log_c = np.polyfit(np.log(n), np.log(y), 1)
    return float(p), float(np.exp(log_c))


def running_max_and_sum(x, block_size: int):
    """The online softmax of a 1-D row ``x``, one block of ``block_size`` entries at a time.

    Returns ``(m, total)``, each ``(num_blocks,)``: after block b, ``m[b]`` is the largest
    entry seen so far and ``total[b]`` the sum of ``exp(x_j - m[b])`` over every entry seen so far.
    When a block raises the maximum from m to m', the old sum is rescaled by ``exp(m - m')``
    before the new block's terms are added. At the end ``softmax(x) = exp(x - m[-1]) / total[-1]``.
    """
    x = as_float_array(x, "x", allow_inf=False)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x must be a non-empty 1-D row, got shape {x.shape}")
    block_size = require_positive_int(block_size, "block_size")
    m, total = -np.inf, 0.0
    maxes, sums = [], []
    for start in range(0, x.size, block_size):
        block = x[start : start + block_size]  # (block_size,) or fewer at the end
        m_new = max(m, block.max())
        total = total * np.exp(m - m_new) + np.exp(block - m_new).sum()  # rescale, add
        m = m_new
        maxes.append(m)
        sums.append(total)
    return np.array(maxes, dtype=x.dtype), np.array(sums, dtype=x.dtype)


def _causal_block(n: int, start: int, stop: int) -> np.ndarray:
    """``(n, stop - start)`` bool: columns start..stop-1 of ``causal_mask(n)``, made alone."""
    return np.arange(n)[:, None] >= np.arange(start, stop)[None, :]  # (n_q, block)


def _mask_block(mask, start: int, stop: int):
    """Columns start..stop-1 of a mask broadcastable to ``(..., n_q, n_k)`` (None stays None)."""
    if mask is None or mask.shape[-1] == 1:  # one column broadcasts to every key
        return mask
    return mask[..., start:stop]


def online_softmax_attention(
    q, k, v, mask=None, block_size: int = 128, scale=None, *, causal: bool = False
):
    """softmax(q k^T * scale) v computed over blocks of ``block_size`` keys; returns ``out``.

    Shapes as in :func:`utils.attention.scaled_dot_product_attention`: q ``(..., n_q, d_k)``,
    k ``(..., n_k, d_k)``, v ``(..., n_k, d_v)``, mask boolean (True = may attend)
    broadcastable to ``(..., n_q, n_k)``; out ``(..., n_q, d_v)``, equal to the plain
    version's output (rows whose keys are all blocked give zeros there too). It never holds
    more than ``(..., n_q, block_size)`` scores: each query row keeps a running maximum
    ``m``, a running sum ``total`` of ``exp(score - m)`` and a running weighted sum ``acc``
    of value rows; when a block raises ``m``, ``total`` and ``acc`` are rescaled by
    ``exp(m_old - m_new)``. At the end ``out = acc / total``. No weights are returned: the
    ``(n_q, n_k)`` matrix never exists.

    ``causal=True`` (needs n_q == n_k) applies ``causal_mask(n)`` one block of columns at a
    time, so not even the ``(n, n)`` boolean mask is built; with a ``mask`` as well, a key
    counts only where both allow it (as ``mask & causal_mask(n)``). Every block is computed,
    also the parts above the diagonal that the causal mask then blocks: FlashAttention also
    splits the queries into blocks and skips the tiles wholly above the diagonal, about half
    the work. Notebook 06, section 2.
    """
    q, k, v = (
        as_float_array(a, name, allow_inf=False) for a, name in ((q, "q"), (k, "k"), (v, "v"))
    )
    *lead, n_q, n_k = _check_qkv(q, k, v)
    block_size = require_positive_int(block_size, "block_size")
    if mask is not None:
        mask = _check_mask(mask, (*lead, n_q, n_k))
    if causal and n_q != n_k:
        raise ValueError(f"causal=True needs as many queries as keys, got {n_q} and {n_k}")
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    scale = require_real_scalar(scale, "scale")  # a Python float: float32 stays float32
    dtype = np.result_type(q, k, v)

    m = np.full((*lead, n_q, 1), -np.inf, dtype=dtype)  # running maximum of each row
    total = np.zeros((*lead, n_q, 1), dtype=dtype)  # running sum of exp(score - m)
    acc = np.zeros((*lead, n_q, v.shape[-1]), dtype=dtype)  # running sum of exp(...) * v
    for start in range(0, n_k, block_size):
        stop = min(start + block_size, n_k)
        k_block, v_block = k[..., start:stop, :], v[..., start:stop, :]  # (..., B, d)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
            s = q @ np.swapaxes(k_block, -1, -2) * scale  # (..., n_q, B): this block's scores
        _require_finite(s, "the scores q @ k^T")
        block_mask = _mask_block(mask, start, stop)  # None, or broadcastable to s
        if causal:  # both must allow a key: AND, one block of columns at a time
            causal_part = _causal_block(n_q, start, stop)  # (n_q, B)
            block_mask = causal_part if block_mask is None else block_mask & causal_part
        if block_mask is not None:
            s = np.where(block_mask, s, -np.inf)  # blocked -> weight 0
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))  # (..., n_q, 1)
        shift = np.where(np.isneginf(m_new), 0, m_new)  # a row with nothing seen yet: 0
        p = np.exp(s - shift)  # (..., n_q, B), every entry in [0, 1]
        rescale = np.exp(m - shift)  # (..., n_q, 1): exp(m_old - m_new), 0 at the start
        total = total * rescale + p.sum(axis=-1, keepdims=True)  # (..., n_q, 1)
        acc = acc * rescale + p @ v_block  # (..., n_q, d_v)
        m = m_new
    _require_finite(acc, "the output weights @ v")
    return acc / np.where(total > 0, total, 1)  # (..., n_q, d_v); a fully blocked row stays 0


def score_bytes(
    n_q: int, n_k: int, num_heads: int = 1, block_size=None, bytes_per_value: int = 4
) -> int:
    """Bytes of the largest score array one attention call holds: ``h * n_q * n_k`` values
    for the plain version, ``h * n_q * min(block_size, n_k)`` for the tiled one
    (``block_size`` given). The measured peak is a small multiple of this: the softmax
    makes a few arrays of the same shape (``exp``, the weights) before the old one is freed.
    """
    n_q, n_k = require_positive_int(n_q, "n_q"), require_positive_int(n_k, "n_k")
    h = require_positive_int(num_heads, "num_heads")
    width = n_k if block_size is None else min(require_positive_int(block_size, "block_size"), n_k)
    return h * n_q * width * require_positive_int(bytes_per_value, "bytes_per_value")


def tiled_peak_bytes(
    n_q: int, n_k: int, block_size: int, d_v: int, num_heads: int = 1, bytes_per_value: int = 4
) -> int:
    """The peak memory of :func:`online_softmax_attention` without a mask, as
    :func:`peak_memory` measures it: ``h * n_q * max(4 B + d_v, 2 B + 3 d_v)`` values for
    ``B = block_size < n_k``, the larger of two moments of the loop:

    - a new block starts: its scores ``q @ k^T`` and their scaled copy (2 arrays
      ``(n_q, B)``) are made while the previous block's scores and exponentials still
      exist (2 more), next to the output accumulator ``acc (n_q, d_v)``;
    - a block ends: its scores and exponentials (2 arrays ``(n_q, B)``) next to ``acc``,
      ``acc * rescale`` and ``p @ v`` (3 arrays ``(n_q, d_v)``).

    One block (``B >= n_k``) holds what the plain softmax holds, ``3 n_k`` values per query,
    plus ``acc``. Within a few per cent of ``tracemalloc`` once ``n_q * d_v * bytes`` reaches
    256 KiB (numpy then reuses the temporary of ``acc * rescale + p @ v``; below, one more
    ``(n_q, d_v)`` array). Notebook 06, section 2 prints both.
    """
    n_q, n_k = require_positive_int(n_q, "n_q"), require_positive_int(n_k, "n_k")
    block = require_positive_int(block_size, "block_size")
    d_v = require_positive_int(d_v, "d_v")
    h = require_positive_int(num_heads, "num_heads")
    per_query = 3 * n_k + d_v if block >= n_k else max(4 * block + d_v, 2 * block + 3 * d_v)
    return h * n_q * per_query * require_positive_int(bytes_per_value, "bytes_per_value")


# --- the cost model behind the explorer: formulas plus stored measurements -----------------------

BYTES_PER_VALUE = {"float16": 2, "float32": 4, "float64": 8}

# Nanoseconds per score entry of one head with d_k = 64, measured with numpy on a 2-core
# x86 machine (OpenBLAS; the fastest of 7 calls at n = 2048, float16 at n = 512): plain
# scaled_dot_product_attention, online_softmax_attention per block size, and one decoding
# step (8 heads, one query against n cached keys: ns per cached score, plus a fixed cost per
# step). Indicative only: re-measure with `make bench`. numpy has no fast float16 matrix
# product (a GPU has).
MEASURED_NS = {
    "float32": {
        "plain": 6.0,
        "tiled": {32: 9.4, 64: 5.6, 128: 4.2, 256: 3.6, 512: 4.4, 1024: 6.5},
        "decode": 70.0,
        "decode_step_us": 45.0,
    },
    "float64": {
        "plain": 13.0,
        "tiled": {32: 12.3, 64: 8.6, 128: 8.5, 256: 8.2, 512: 6.7, 1024: 11.9},
        "decode": 140.0,
        "decode_step_us": 50.0,
    },
    "float16": {
        "plain": 290.0,
        "tiled": {32: 316.0, 64: 292.0, 128: 288.0, 256: 282.0, 512: 285.0, 1024: 285.0},
        "decode": 550.0,
        "decode_step_us": 100.0,
    },
}
PEAK_COPIES = 3  # score-shaped arrays alive at once at the softmax (measured in section 1)


def estimate_costs(
    n, num_heads=8, num_kv_heads=8, head_dim=64, block_size=128, dtype="float32"
) -> dict:
    """Memory and time of one attention layer over ``n`` tokens, four ways, from formulas
    and the stored measurements ``MEASURED_NS`` (so an explorer answers at once).

    Returns ``{name: {"bytes": int, "seconds": float}}`` for ``"plain"`` (all n queries,
    ``3 h n^2`` score-sized values at the peak), ``"tiled"`` (:func:`tiled_peak_bytes`,
    about ``h n (4 block + d)`` values), ``"cached step"`` (one new token with a KV cache:
    the cache ``2 h_kv n d`` plus ``h n`` scores) and ``"recompute step"`` (one new token
    without a cache: causal attention over all n tokens again, the plain cost). Projections
    are left out.
    """
    if dtype not in MEASURED_NS:
        raise ValueError(f"dtype must be one of {tuple(MEASURED_NS)}, got {dtype!r}")
    ns = MEASURED_NS[dtype]
    if block_size not in ns["tiled"]:
        raise ValueError(f"block_size must be one of {tuple(ns['tiled'])}, got {block_size!r}")
    b = BYTES_PER_VALUE[dtype]
    n, h = require_positive_int(n, "n"), require_positive_int(num_heads, "num_heads")
    d = require_positive_int(head_dim, "head_dim")
    plain = {"bytes": PEAK_COPIES * h * n * n * b, "seconds": h * n * n * ns["plain"] * 1e-9}
    cache = kv_cache_bytes(1, num_kv_heads, d, n, bytes_per_value=b)
    return {
        "plain": plain,
        "tiled": {
            "bytes": tiled_peak_bytes(n, n, block_size, d, h, b),
            "seconds": h * n * n * ns["tiled"][block_size] * 1e-9,
        },
        "cached step": {
            "bytes": cache + h * n * b,
            "seconds": h * n * ns["decode"] * 1e-9 + ns["decode_step_us"] * 1e-6,
        },
        "recompute step": dict(plain),
    }
