"""Generating token by token: the KV cache, and sharing keys and values across heads.

Taught in notebooks/06_attention_at_scale.ipynb, sections 3 and 4.

- :class:`KVCache`: the keys and values of every token so far, for one attention layer.
- :func:`decode_step`: one new token attends to itself and everything cached before it.
- :func:`causal_self_attention_incremental`: a whole sequence, one :func:`decode_step` per
  token; equal to ``multi_head_attention(x, x, params, h, mask=causal_mask(n))[0]``.
- :func:`causal_self_attention_recompute`: the same outputs without a cache, recomputing
  causal attention over the whole prefix at every step (what the cache saves).
- :func:`kv_cache_bytes`: the cache's size for a whole model.
- :func:`init_gqa_params` and :func:`grouped_query_attention`: multi-query (one key/value
  head) and grouped-query attention (Ainslie et al. 2023: ``num_kv_heads`` key/value heads,
  each shared by ``num_heads // num_kv_heads`` query heads); multi-head attention when
  ``num_kv_heads == num_heads``.

Conventions as in :mod:`utils.attention`: row vectors, masks True = may attend, per-head
weights ``(..., h, n_q, n_k)``.
"""

from __future__ import annotations

import numpy as np

from utils._checks import as_float_array, require_ndim, require_positive_int
from utils.attention import (
    _check_inputs,
    _check_mask,
    _linear,
    _with_biases,
    causal_mask,
    combine_heads,
    multi_head_attention,
    scaled_dot_product_attention,
    split_heads,
)

__all__ = [
    "kv_cache_bytes",
    "init_gqa_params",
    "grouped_query_attention",
    "KVCache",
    "decode_step",
    "causal_self_attention_incremental",
    "causal_self_attention_recompute",
]


def kv_cache_bytes(num_layers, num_kv_heads, head_dim, seq_len, batch=1, bytes_per_value=2) -> int:
    """Bytes of a model's KV cache: ``2 (K and V) * layers * kv heads * head_dim * tokens *
    batch * bytes per value`` (2 for float16/bfloat16, 4 for float32). Every argument is a
    positive integer; the result is an exact Python int.

    32 layers, 32 heads of 128, 4096 tokens, float16: 2 * 32 * 32 * 128 * 4096 * 2 bytes
    = 2 GiB for one sequence.
    """
    sizes = {
        "num_layers": num_layers,
        "num_kv_heads": num_kv_heads,
        "head_dim": head_dim,
        "seq_len": seq_len,
        "batch": batch,
        "bytes_per_value": bytes_per_value,
    }
    total = 2  # one key and one value vector per token, head and layer
    for name, value in sizes.items():
        total *= require_positive_int(value, name)
    return total


def _check_heads(num_heads, num_kv_heads) -> tuple[int, int]:
    """``(h, h_kv)`` as ints; ValueError unless h_kv divides h (each group the same size)."""
    h = require_positive_int(num_heads, "num_heads")
    h_kv = require_positive_int(num_kv_heads, "num_kv_heads")
    if h % h_kv:
        raise ValueError(
            f"num_kv_heads={h_kv} must divide num_heads={h}: each key/value head serves "
            f"a group of num_heads // num_kv_heads query heads"
        )
    return h, h_kv


def init_gqa_params(d_model, num_heads, num_kv_heads, seed=0) -> dict:
    """Random grouped-query attention weights (float64), seeded, row-vector convention.

    ``W_q (d_model, h*d_k)``, ``W_k`` and ``W_v (d_model, h_kv*d_k)``: only ``num_kv_heads``
    key and value heads; ``W_o (h*d_k, d_model)``; biases ``b_q``, ``b_k``, ``b_v``, ``b_o``
    of the matching widths; ``d_k = d_model // num_heads``. Drawn in the same order as
    :func:`utils.attention.init_mha_params`, so with ``num_kv_heads == num_heads`` and the
    same seed the two give the same weights.
    """
    d_model = require_positive_int(d_model, "d_model")
    h, h_kv = _check_heads(num_heads, num_kv_heads)
    if d_model % h:
        raise ValueError(f"d_model={d_model} is not divisible by num_heads={h}")
    d_k = d_model // h
    rng = np.random.default_rng(seed)
    shapes = {
        "W_q": (d_model, h * d_k),
        "W_k": (d_model, h_kv * d_k),  # fewer columns: h_kv heads, not h
        "W_v": (d_model, h_kv * d_k),
        "W_o": (h * d_k, d_model),
    }
    params = {name: rng.normal(0, 1 / np.sqrt(s[0]), size=s) for name, s in shapes.items()}
    for b, width in (("b_q", h * d_k), ("b_k", h_kv * d_k), ("b_v", h_kv * d_k)):
        params[b] = rng.normal(0, 0.02, size=width)
    params["b_o"] = rng.normal(0, 0.02, size=d_model)
    return params


def _check_gqa_params(params, d_model: int, h: int, h_kv: int) -> dict:
    """The weights and biases of ``params`` as float arrays whose widths fit h and h_kv."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict as from init_gqa_params, got {type(params)}")
    missing = [name for name in ("W_q", "W_k", "W_v", "W_o") if name not in params]
    if missing:
        raise ValueError(f"params is missing {missing}: it needs W_q, W_k, W_v and W_o")
    p = {
        name: as_float_array(params[name], name, allow_inf=False)
        for name in ("W_q", "W_k", "W_v", "W_o")
    }
    if p["W_q"].ndim != 2 or p["W_q"].shape[0] != d_model or p["W_q"].shape[1] % h:
        raise ValueError(
            f"W_q must have shape (d_model, h*d_k) = ({d_model}, {h}*d_k), got {p['W_q'].shape}"
        )
    d_k = p["W_q"].shape[1] // h
    for name in ("W_k", "W_v"):
        if p[name].shape != (d_model, h_kv * d_k):
            raise ValueError(
                f"{name} must have shape (d_model, num_kv_heads*d_k) = ({d_model}, "
                f"{h_kv * d_k}) for num_kv_heads={h_kv}, got {p[name].shape}"
            )
    if p["W_o"].ndim != 2 or p["W_o"].shape[0] != h * d_k:
        raise ValueError(f"W_o must have shape ({h * d_k}, d_out), got {p['W_o'].shape}")
    return _with_biases(params, p)


def _attend_grouped(q, k, v, h_kv: int, mask=None):
    """Attention of ``q (..., h, n_q, d_k)`` to ``k, v (..., h_kv, n_k, d)``: query head i
    uses key/value head ``i // (h // h_kv)``. Returns heads ``(..., h, n_q, d_v)`` and
    weights ``(..., h, n_q, n_k)``. The shared heads are broadcast, never copied."""
    *lead, h, n_q, d_k = q.shape
    g = h // h_kv  # query heads per key/value head
    q = q.reshape(*lead, h_kv, g, n_q, d_k)  # (..., h_kv, g, n_q, d_k): heads in groups
    k, v = k[..., None, :, :], v[..., None, :, :]  # (..., h_kv, 1, n_k, d): one per group
    if mask is not None:
        mask = mask[..., None, None, :, :]  # (..., 1, 1, n_q, n_k): every head alike
    heads, weights = scaled_dot_product_attention(q, k, v, mask=mask)  # (..., h_kv, g, n_q, .)
    return (
        heads.reshape(*lead, h, n_q, heads.shape[-1]),  # (..., h, n_q, d_v)
        weights.reshape(*lead, h, n_q, weights.shape[-1]),  # (..., h, n_q, n_k)
    )


def grouped_query_attention(x_q, x_kv, params, num_heads, num_kv_heads, mask=None):
    """Multi-head attention whose ``num_kv_heads`` key/value heads are shared by groups of
    ``num_heads // num_kv_heads`` query heads (Ainslie et al. 2023).

    x_q ``(..., n_q, d_model)``, x_kv ``(..., n_k, d_model)``, ``params`` as from
    :func:`init_gqa_params`, mask boolean (True = may attend) broadcastable to
    ``(..., n_q, n_k)``. Returns ``(out, weights)``: out ``(..., n_q, d_out)``, weights
    ``(..., num_heads, n_q, n_k)``. Query head i reads key/value head ``i // group``.
    ``num_kv_heads == num_heads`` is multi-head attention, ``num_kv_heads == 1``
    multi-query attention (Shazeer 2019). Notebook 06, section 4.
    """
    x_q, x_kv, lead = _check_inputs(x_q, x_kv)
    h, h_kv = _check_heads(num_heads, num_kv_heads)
    p = _check_gqa_params(params, x_q.shape[-1], h, h_kv)
    if mask is not None:
        mask = _check_mask(mask, (*lead, x_q.shape[-2], x_kv.shape[-2]))

    # 1) project: h query heads, but only h_kv key and value heads
    q = _linear(x_q, p["W_q"], p["b_q"])  # (..., n_q, h*d_k)
    k = _linear(x_kv, p["W_k"], p["b_k"])  # (..., n_k, h_kv*d_k)
    v = _linear(x_kv, p["W_v"], p["b_v"])  # (..., n_k, h_kv*d_k)
    # 2) split into heads
    q, k, v = split_heads(q, h), split_heads(k, h_kv), split_heads(v, h_kv)
    # 3) attend: each group of query heads to its shared key/value head
    heads, weights = _attend_grouped(q, k, v, h_kv, mask)  # (..., h, n_q, d_k)
    # 4) concatenate the heads and mix them with W^O
    out = _linear(combine_heads(heads), p["W_o"], p["b_o"])  # (..., n_q, d_out)
    return out, weights


class KVCache:
    """The keys and values of every token so far, for one attention layer.

    Room for ``capacity`` tokens is reserved at the first :meth:`append` (arrays
    ``(..., h_kv, capacity, d)``), and each step writes its new token into the next free
    slot: nothing is copied as the sequence grows. :attr:`keys` and :attr:`values` are the
    filled part ``(..., h_kv, length, d)``; :attr:`nbytes` is the memory reserved.
    """

    def __init__(self, capacity: int):
        self.capacity = require_positive_int(capacity, "capacity")
        self.length = 0
        self._keys = self._values = None

    def append(self, k, v) -> None:
        """Store ``k (..., h_kv, t, d_k)`` and ``v (..., h_kv, t, d_v)``: t new tokens."""
        k, v = np.asarray(k), np.asarray(v)
        t = k.shape[-2]
        if self.length + t > self.capacity:
            raise ValueError(
                f"the cache holds at most {self.capacity} tokens: it has {self.length}, "
                f"{t} more do not fit; make a KVCache with a larger capacity"
            )
        if self._keys is None:  # first call: reserve (..., h_kv, capacity, d)
            self._keys = np.zeros((*k.shape[:-2], self.capacity, k.shape[-1]), k.dtype)
            self._values = np.zeros((*v.shape[:-2], self.capacity, v.shape[-1]), v.dtype)
        self._keys[..., self.length : self.length + t, :] = k
        self._values[..., self.length : self.length + t, :] = v
        self.length += t

    @property
    def keys(self) -> np.ndarray:
        """The cached keys ``(..., h_kv, length, d_k)`` (a view, not a copy)."""
        return self._keys[..., : self.length, :]

    @property
    def values(self) -> np.ndarray:
        """The cached values ``(..., h_kv, length, d_v)`` (a view, not a copy)."""
        return self._values[..., : self.length, :]

    @property
    def nbytes(self) -> int:
        """Bytes reserved for keys and values (0 before the first append)."""
        return 0 if self._keys is None else self._keys.nbytes + self._values.nbytes

    def __repr__(self) -> str:
        shape = None if self._keys is None else self._keys.shape
        return f"KVCache(length={self.length}, capacity={self.capacity}, reserved keys {shape})"


def decode_step(x_t, params, num_heads, cache: KVCache, num_kv_heads=None):
    """Self-attention output for one new token ``x_t (..., 1, d_model)``; returns
    ``(..., 1, d_out)`` and appends the token's key and value to ``cache``.

    1) project the new token only; 2) split heads; 3) append its key and value to the
    cache; 4) attend its query to every cached key (itself included, nothing later exists:
    no mask needed); 5) concatenate heads, W^O. ``num_kv_heads`` (default ``num_heads``:
    multi-head attention, ``params`` from ``init_mha_params``) shares key/value heads as in
    :func:`grouped_query_attention`. Notebook 06, section 3.
    """
    x_t = as_float_array(x_t, "x_t", allow_inf=False)  # (..., 1, d_model)
    require_ndim(x_t, 2, "x_t", "(..., 1, d_model)")
    if x_t.shape[-2] != 1:
        raise ValueError(f"x_t must hold one token, shape (..., 1, d_model), got {x_t.shape}")
    h, h_kv = _check_heads(num_heads, num_heads if num_kv_heads is None else num_kv_heads)
    p = _check_gqa_params(params, x_t.shape[-1], h, h_kv)
    # 1) project the new token: one row, not the whole prefix
    q = _linear(x_t, p["W_q"], p["b_q"])  # (..., 1, h*d_k)
    k = _linear(x_t, p["W_k"], p["b_k"])  # (..., 1, h_kv*d_k)
    v = _linear(x_t, p["W_v"], p["b_v"])  # (..., 1, h_kv*d_k)
    # 2) split into heads
    q, k, v = split_heads(q, h), split_heads(k, h_kv), split_heads(v, h_kv)  # (..., ., 1, d)
    # 3) remember this token's key and value
    cache.append(k, v)  # cache.keys: (..., h_kv, t + 1, d_k)
    # 4) the new query against every cached key
    heads, _ = _attend_grouped(q, cache.keys, cache.values, h_kv)  # (..., h, 1, d_v)
    # 5) concatenate the heads, W^O
    return _linear(combine_heads(heads), p["W_o"], p["b_o"])  # (..., 1, d_out)


def causal_self_attention_incremental(x, params, num_heads, num_kv_heads=None):
    """Causal self-attention of ``x (..., n, d_model)`` computed token by token with a KV
    cache: one :func:`decode_step` per position. Returns ``(..., n, d_out)``, equal to
    ``multi_head_attention(x, x, params, num_heads, mask=causal_mask(n))[0]`` (or to
    :func:`grouped_query_attention` with the causal mask when ``num_kv_heads`` is given).
    Step t costs one token's projections and ``t + 1`` scores per head."""
    x = as_float_array(x, "x", allow_inf=False)  # (..., n, d_model)
    require_ndim(x, 2, "x", "(..., n, d_model)")
    n = x.shape[-2]
    cache = KVCache(capacity=max(n, 1))
    steps = [
        decode_step(x[..., t : t + 1, :], params, num_heads, cache, num_kv_heads) for t in range(n)
    ]  # n outputs (..., 1, d_out)
    if not steps:
        raise ValueError(f"x must hold at least one token, got shape {x.shape}")
    return np.concatenate(steps, axis=-2)  # (..., n, d_out)


def causal_self_attention_recompute(x, params, num_heads):
    """The same outputs as :func:`causal_self_attention_incremental`, without a cache: at
    step t, run causal multi-head attention over the whole prefix ``x[..., :t+1, :]`` (as a
    model does that keeps nothing between steps) and keep its last row. Step t costs
    ``t + 1`` tokens' projections and ``(t + 1)^2`` scores per head. ``(..., n, d_out)``."""
    x = as_float_array(x, "x", allow_inf=False)  # (..., n, d_model)
    require_ndim(x, 2, "x", "(..., n, d_model)")
    n = x.shape[-2]
    if n == 0:
        raise ValueError(f"x must hold at least one token, got shape {x.shape}")
    rows = []
    for t in range(n):
        prefix = x[..., : t + 1, :]  # (..., t+1, d_model): everything so far
        out, _ = multi_head_attention(prefix, prefix, params, num_heads, mask=causal_mask(t + 1))
        rows.append(out[..., -1:, :])  # (..., 1, d_out): only the newest row is new
    return np.concatenate(rows, axis=-2)  # (..., n, d_out)
