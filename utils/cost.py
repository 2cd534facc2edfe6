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

from utils._checks import (
    as_float_array,
    require_ndim,
    require_nonnegative_int,
    require_positive_int,
)
from utils.attention import (
    _check_params,
    _linear,
    combine_heads,
    scaled_dot_product_attention,
    split_heads,
)

__all__ = [
    "STAGES",
    "count_parameters",
    "attention_macs",
    "mha_cost",
    "cost_table",
    "format_cost_table",
    "MAC_COLUMNS",
    "SIZE_COLUMNS",
    "matmul_macs",
    "measured_macs",
]

STAGES = ("projections Q,K,V", "scores Q K^T", "weights @ V", "output W^O")
# The two halves of the cost table, each narrow enough for a notebook's output (<= 80 chars).
MAC_COLUMNS = ("h", "d_k", *STAGES, "total")
SIZE_COLUMNS = ("h", "d_k", "parameters", "attention_matrices", "attention_weights")


def _widths(d_model: int, num_heads: int, d_k, d_v) -> tuple[int, int, int, int]:
    """Check the sizes (positive integers); default ``d_k = d_v = d_model / h`` (the paper)."""
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
    Sizes are positive integers; ``bias`` is True or False.
    """
    d, h, d_k, d_v = _widths(d_model, num_heads, d_k, d_v)
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"bias must be True or False, got {bias!r}")
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

    ``attention_matrices`` is h (one ``(n, n)`` matrix of attention weights per head, per
    sequence) and ``attention_weights = h * n^2`` counts their entries: what training keeps
    for the gradient computation. Scaling and softmax touch each of them once, so that
    element-wise work grows with h too (it is left out of the MAC counts).
    """
    n = require_positive_int(n, "n")  # a Python int: n * n cannot overflow
    d, h, d_k, d_v = _widths(d_model, num_heads, d_k, d_v)
    return {
        "h": h,
        "d_k": d_k,
        "d_v": d_v,
        "parameters": count_parameters(d, h, d_k, d_v, bias)["total"],
        **attention_macs(n, d, h, d_k, d_v),
        "attention_matrices": h,
        "attention_weights": h * n * n,
    }


def cost_table(n, d_model, heads, bias=True) -> list[dict]:
    """``mha_cost`` for each h in the list ``heads``, with ``d_k = d_v = d_model / h``."""
    if isinstance(heads, str) or not np.iterable(heads):
        raise TypeError(f"heads must be a list of head counts such as [1, 8], got {heads!r}")
    return [mha_cost(n, d_model, h, bias=bias) for h in heads]


def format_cost_table(rows: list[dict], columns=None) -> str:
    """The rows of :func:`cost_table` as an aligned plain-text table (numbers with commas).

    ``columns``: the keys to show, in order; default all of them, which is wide (about 130
    characters). Notebook 02 prints :data:`MAC_COLUMNS` and :data:`SIZE_COLUMNS` as two
    tables that fit a notebook's output.
    """
    if columns is None:
        columns = [*MAC_COLUMNS[:2], "parameters", *MAC_COLUMNS[2:], *SIZE_COLUMNS[3:]]
    elif isinstance(columns, str) or not np.iterable(columns):
        raise TypeError(f"columns must be a list of column names, got {columns!r}")
    columns = list(columns)
    if not all(isinstance(c, str) for c in columns):
        raise TypeError(f"columns must be column names (strings), got {columns!r}")
    missing = [c for c in columns if any(c not in row for row in rows)]
    if missing:
        raise ValueError(f"rows must be dicts as from cost_table(); some lack {missing}")
    cells = [[f"{row[c]:,}" for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def _check_shape(shape, name: str) -> tuple[int, ...]:
    """``shape`` as a tuple of at least two sizes ``(..., rows, columns)``, each an int >= 0."""
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{name} must be a shape tuple such as (m, k), got {shape!r}")
    if len(shape) < 2:
        raise ValueError(f"{name} must have at least 2 sizes (..., rows, columns), got {shape!r}")
    return tuple(require_nonnegative_int(size, f"{name}[{i}]") for i, size in enumerate(shape))


def matmul_macs(a_shape, b_shape) -> int:
    """MACs of ``a @ b`` for ``a (..., m, k)`` and ``b (..., k, p)``: batch * m * k * p.

    Shapes are tuples of integers >= 0 (an empty axis costs 0 MACs) with at least two sizes;
    the leading (batch) sizes broadcast as in numpy. The count is an exact Python int.
    """
    a_shape, b_shape = _check_shape(a_shape, "a_shape"), _check_shape(b_shape, "b_shape")
    *a_lead, m, k = a_shape
    *b_lead, k2, p = b_shape
    if k != k2:
        raise ValueError(f"inner sizes differ: {a_shape} @ {b_shape}")
    try:
        lead = np.broadcast_shapes(tuple(a_lead), tuple(b_lead))
    except ValueError:
        raise ValueError(f"batch sizes do not broadcast: {a_shape} @ {b_shape}") from None
    return math.prod(lead) * m * k * p


def measured_macs(x, params: dict, num_heads: int) -> tuple[dict, np.ndarray]:
    """Run self-attention on ``x (n, d_model)`` step by step, counting MACs from the real
    shapes of every matrix product; return ``(macs per stage, output (n, d_model))``.

    Cross-check for :func:`attention_macs`: the output equals
    ``utils.multi_head_attention(x, x, params, num_heads)``. ``x`` and the weights must be
    finite; ``params`` as from :func:`utils.attention.init_mha_params`.
    """
    x = as_float_array(x, "x", allow_inf=False)  # (n, d_model)
    require_ndim(x, 2, "x", "(n, d_model)")
    h = require_positive_int(num_heads, "num_heads")
    params = _check_params(params, x.shape[-1], h)  # the same checks as multi_head_attention
    macs = dict.fromkeys(STAGES, 0)
    projected = {}
    for name in ("q", "k", "v"):
        W = params[f"W_{name}"]
        macs[STAGES[0]] += matmul_macs(x.shape, W.shape)
        projected[name] = split_heads(_linear(x, W, params[f"b_{name}"]), h)  # (h, n, d_k)
    q, k, v = projected["q"], projected["k"], projected["v"]
    macs[STAGES[1]] = matmul_macs(q.shape, np.swapaxes(k, -1, -2).shape)  # q @ k^T
    heads, weights = scaled_dot_product_attention(q, k, v)  # (h, n, d_v), (h, n, n)
    macs[STAGES[2]] = matmul_macs(weights.shape, v.shape)  # weights @ v
    concat = combine_heads(heads)  # (n, h*d_v)
    macs[STAGES[3]] = matmul_macs(concat.shape, params["W_o"].shape)
    out = _linear(concat, params["W_o"], params["b_o"])  # (n, d_model)
    macs["total"] = sum(macs.values())
    return macs, out
