"""What multi-head attention costs: parameters, multiply-adds and attention-weight memory.

Taught in notebooks/02_multi_head_attention.ipynb ("What it costs"). One multiply-add
(MAC) is counted per term of every dot product; a matrix product ``(m, k) @ (k, p)`` costs
``m * k * p`` MACs (about twice as many FLOPs if you count the add separately). The
softmax, the scaling and the bias additions are O(h * n^2) or O(n * d) element-wise work
and are left out of the MAC counts.
"""

from __future__ import annotations

import math

import numpy as np

from utils._checks import require_positive_int
from utils.attention import combine_heads, softmax, split_heads

__all__ = [
    "STAGES",
    "count_parameters",
    "attention_macs",
    "mha_cost",
    "cost_table",
    "format_cost_table",
    "matmul_macs",
    "measured_macs",
]

STAGES = ("projections Q,K,V", "scores Q K^T", "weights @ V", "output W^O")


def _widths(d_model: int, num_heads: int, d_k, d_v) -> tuple[int, int, int, int]:
    """Check the sizes; default ``d_k = d_v = d_model / h`` (the paper)."""
    d_model = require_positive_int(d_model, "d_model")
    h = require_positive_int(num_heads, "num_heads")
    if (d_k is None or d_v is None) and d_model % h:
        raise ValueError(f"d_model={d_model} is not divisible by num_heads={h}")
    d_k = d_model // h if d_k is None else require_positive_int(d_k, "d_k")
    d_v = d_model // h if d_v is None else require_positive_int(d_v, "d_v")
    return d_model, h, d_k, d_v


def count_parameters(d_model, num_heads, d_k=None, d_v=None, bias=True) -> dict:
    """Parameters of one multi-head attention layer, per weight and in total.

    ``W_q, W_k (d_model, h*d_k)``, ``W_v (d_model, h*d_v)``, ``W_o (h*d_v, d_model)``, plus
    the biases ``b_q, b_k (h*d_k,)``, ``b_v (h*d_v,)``, ``b_o (d_model,)`` when ``bias``.
    With the paper's ``d_k = d_v = d_model / h`` the total is ``4 d^2 + 4 d`` for every h.
    """
    d, h, d_k, d_v = _widths(d_model, num_heads, d_k, d_v)
    counts = {"W_q": d * h * d_k, "W_k": d * h * d_k, "W_v": d * h * d_v, "W_o": h * d_v * d}
    counts["biases"] = (2 * h * d_k + h * d_v + d) if bias else 0
    counts["total"] = sum(counts.values())
    return counts


def attention_macs(n, d_model, num_heads, d_k=None, d_v=None) -> dict:
    """Multiply-adds of self-attention over ``n`` tokens, per stage (see ``STAGES``) and total.

    projections ``3 n d h d_k`` (with d_v for V), scores ``h n^2 d_k``, weights @ V
    ``h n^2 d_v``, output ``n h d_v d``.
    """
    n = require_positive_int(n, "n")
    d, h, d_k, d_v = _widths(d_model, num_heads, d_k, d_v)
    macs = {
        STAGES[0]: n * d * h * (2 * d_k + d_v),
        STAGES[1]: h * n * n * d_k,
        STAGES[2]: h * n * n * d_v,
        STAGES[3]: n * h * d_v * d,
    }
    macs["total"] = sum(macs.values())
    return macs


def mha_cost(n, d_model, num_heads, d_k=None, d_v=None, bias=True) -> dict:
    """One row of the cost table: sizes, parameters, MACs and attention-weight memory.

    ``weight_matrices`` is h (one ``(n, n)`` matrix per head, per sequence) and
    ``weight_entries = h * n^2`` is what training keeps for the gradient computation;
    scaling and softmax touch each of these entries once, so that element-wise work grows
    with h too (it is left out of the MAC counts).
    """
    d, h, d_k, d_v = _widths(d_model, num_heads, d_k, d_v)
    return {
        "h": h,
        "d_k": d_k,
        "d_v": d_v,
        "parameters": count_parameters(d, h, d_k, d_v, bias)["total"],
        **attention_macs(n, d, h, d_k, d_v),
        "weight_matrices": h,
        "weight_entries": h * n * n,
    }


def cost_table(n, d_model, heads, bias=True) -> list[dict]:
    """``mha_cost`` for each h in ``heads`` with ``d_k = d_v = d_model / h``."""
    return [mha_cost(n, d_model, h, bias=bias) for h in heads]


def format_cost_table(rows: list[dict]) -> str:
    """The rows of :func:`cost_table` as an aligned plain-text table (numbers with commas)."""
    columns = ["h", "d_k", "parameters", *STAGES, "total", "weight_matrices", "weight_entries"]
    cells = [[f"{row[c]:,}" for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def matmul_macs(a_shape, b_shape) -> int:
    """MACs of ``a @ b`` for ``a (..., m, k)`` and ``b (..., k, p)``: batch * m * k * p."""
    *a_lead, m, k = a_shape
    *b_lead, k2, p = b_shape
    if k != k2:
        raise ValueError(f"inner sizes differ: {tuple(a_shape)} @ {tuple(b_shape)}")
    batch = math.prod(np.broadcast_shapes(tuple(a_lead), tuple(b_lead)))
    return batch * m * k * p


def measured_macs(x, params: dict, num_heads: int) -> tuple[dict, np.ndarray]:
    """Run self-attention on ``x (n, d_model)`` step by step, counting MACs from the real
    shapes of every matrix product; return ``(macs per stage, output (n, d_model))``.

    Cross-check for :func:`attention_macs`: the output equals
    ``utils.multi_head_attention(x, x, params, num_heads)``.
    """
    x = np.asarray(x, dtype=float)
    h = require_positive_int(num_heads, "num_heads")
    macs = dict.fromkeys(STAGES, 0)
    projected = {}
    for name in ("q", "k", "v"):
        W = params[f"W_{name}"]
        macs[STAGES[0]] += matmul_macs(x.shape, W.shape)
        b = params.get(f"b_{name}")
        projected[name] = split_heads(x @ W + (0 if b is None else b), h)  # (h, n, d_k)
    q, k, v = projected["q"], projected["k"], projected["v"]
    k_t = np.swapaxes(k, -1, -2)  # (h, d_k, n)
    macs[STAGES[1]] = matmul_macs(q.shape, k_t.shape)
    weights = softmax(q @ k_t / np.sqrt(q.shape[-1]))  # (h, n, n)
    macs[STAGES[2]] = matmul_macs(weights.shape, v.shape)
    concat = combine_heads(weights @ v)  # (n, h*d_v)
    macs[STAGES[3]] = matmul_macs(concat.shape, params["W_o"].shape)
    b_o = params.get("b_o")
    out = concat @ params["W_o"] + (0 if b_o is None else b_o)  # (n, d_model)
    macs["total"] = sum(macs.values())
    return macs, out
