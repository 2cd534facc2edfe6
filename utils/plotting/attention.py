"""Figures (and the small data and measurements behind them) for single-head attention.

Taught in notebooks/01_single_head_attention.ipynb. ``make figures`` writes every entry of
``FIGURES`` into figures/. Notebook 02 reuses :func:`compare_attention` for side-by-side
heatmaps.
"""

from __future__ import annotations

import numpy as np

from utils.attention import causal_mask, scaled_dot_product_attention, softmax
from utils.plotting.core import attention_heatmap, power_ticks, subplots

TOKENS = ("the", "cat", "sat", "down")
SCALING_D_KS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def toy_example() -> dict:
    """Notebook 01's hand-checkable example: 4 tokens, d_model = 3, d_k = d_v = 4.

    Returns ``X (4, 3)``, ``W_q``, ``W_k``, ``W_v`` (each ``(3, 4)``, small integers) and
    ``tokens``. With d_k = 4 the scale 1/sqrt(d_k) is exactly 1/2. ``W_q @ W_k.T`` is not
    symmetric, so neither are the scores: score(cat -> the) != score(the -> cat), and
    softmax over the wrong axis is not just the transpose of the right weights.
    """
    X = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=float)  # (4, 3)
    W_q = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]], dtype=float)  # (3, 4)
    W_k = np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 1, 1]], dtype=float)  # (3, 4)
    W_v = np.array([[1, 0, 0, 1], [0, 2, 0, 0], [0, 0, 3, 1]], dtype=float)  # (3, 4)
    return {"X": X, "W_q": W_q, "W_k": W_k, "W_v": W_v, "tokens": list(TOKENS)}


def toy_attention(scale=None, mask=None):
    """``(out (4, 4), weights (4, 4))`` of self-attention on :func:`toy_example`."""
    ex = toy_example()
    q, k, v = ex["X"] @ ex["W_q"], ex["X"] @ ex["W_k"], ex["X"] @ ex["W_v"]  # (4, 4) each
    return scaled_dot_product_attention(q, k, v, mask=mask, scale=scale)


def attention_weights_figure(weights=None, tokens=None, title=None):
    """One big labelled heatmap of attention weights ``(n_q, n_k)`` (default: the toy example)."""
    if weights is None:
        weights = toy_attention()[1]
        tokens = list(TOKENS) if tokens is None else tokens
        title = title or "Attention weights of the toy sentence (rows sum to 1)"
    fig, ax = subplots(figsize=(6.5, 5.5))
    attention_heatmap(weights, tokens, tokens, ax=ax)
    ax.set_title(title, pad=12)
    fig.subplots_adjust(top=0.8, left=0.2)  # room for the title, key and query labels
    return fig


def compare_attention(matrices, titles, tokens, suptitle=None, vmax=1.0):
    """Side-by-side heatmaps of several ``(n_q, n_k)`` weight matrices with shared labels."""
    fig, axes = subplots(1, len(matrices), figsize=(5.6 * len(matrices), 5.0))
    for ax, matrix, title in zip(np.atleast_1d(axes), matrices, titles, strict=True):
        attention_heatmap(matrix, tokens, tokens, ax=ax)
        ax.set_title(title, pad=38)
        ax.images[0].set_clim(0.0, vmax)
    if suptitle:
        fig.suptitle(suptitle, fontsize=14)
    # fixed spacing (the display crops the outer margin): tight_layout cost a third of the
    # drawing time
    fig.subplots_adjust(wspace=0.35, top=0.76 if suptitle else 0.82)
    return fig


def softmax_axis_figure():
    """The toy scores normalised over keys (right: rows sum to 1) and over queries (wrong)."""
    _, weights = toy_attention()
    ex = toy_example()
    scores = (ex["X"] @ ex["W_q"]) @ (ex["X"] @ ex["W_k"]).T / 2.0  # (4, 4)
    wrong = softmax(scores, axis=0)  # columns sum to 1
    assert np.allclose(weights, softmax(scores, axis=-1))
    return compare_attention(
        [weights, wrong],
        ["softmax over keys (axis=-1): rows sum to 1", "softmax over queries (axis=0): WRONG"],
        ex["tokens"],
    )


def mask_polarity_figure():
    """Causal attention on the toy sentence: the right mask vs the same mask with flipped polarity.

    The flipped mask (True where the TF-style mask says "blocked") lets each token attend
    only to its future; the last token has no future, so its row is fully blocked (zeros).
    """
    n = len(TOKENS)
    right = causal_mask(n)  # (n, n) True = may attend
    tf_style = (~right).astype(int)  # (n, n) 1 = blocked, the classic TF convention
    _, good = toy_attention(mask=right)
    _, bad = toy_attention(mask=tf_style.astype(bool))  # the bug: 1 = blocked read as True
    return compare_attention(
        [good, bad],
        ["causal_mask(4): True = may attend", "TF-style mask read as True = may attend"],
        list(TOKENS),
        suptitle="Flip the mask's polarity and every token sees only the future",
    )


# --- the polarity bug on a next-token task ---------------------------------------------------


def nearest_token_qk(n: int, sharpness: float = 4.0):
    """Position-only queries and keys ``(n, 2)`` each: query i prefers the nearest allowed key.

    ``q_i . k_j = sharpness * (i**2 - (i - j)**2)``; the ``i**2`` part is the same for every
    key of query i, so softmax ignores it and the weights fall off with the distance |i - j|.
    A stand-in for a trained layer that learned "look next to me" (notebook 01, section 8).
    """
    pos = np.arange(n, dtype=float)  # (n,)
    q = sharpness * np.stack([2 * pos, np.ones(n)], axis=1)  # (n, 2)
    k = np.stack([pos, -(pos**2)], axis=1)  # (n, 2)
    return q, k


def next_token_accuracy(ids, q, k, mask) -> float:
    """How often output row i of attention with one-hot values names token i + 1.

    ``ids (batch, n)`` integer token ids; ``q, k (n, d_k)``; ``mask (n, n)`` bool, True =
    may attend. The values are one-hot rows of the ids, so output row i is a mix of the
    tokens it attends to and its argmax is the guess for token i + 1 (rows 0..n-2 scored).
    """
    ids = np.asarray(ids)
    v = np.eye(ids.max() + 1)[ids]  # (batch, n, vocab) one-hot value rows
    qb = np.broadcast_to(q, (len(ids), *q.shape))  # (batch, n, d_k)
    kb = np.broadcast_to(k, (len(ids), *k.shape))
    out, _ = scaled_dot_product_attention(qb, kb, v, mask=mask)  # (batch, n, vocab)
    guess = out[:, :-1].argmax(axis=-1)  # (batch, n - 1): guess for token i + 1
    return float((guess == ids[:, 1:]).mean())


# --- why 1/sqrt(d_k): measurements ---------------------------------------------------------


def softmax_jacobian_norm(p) -> np.ndarray:
    """Frobenius norm of d softmax / d logits = diag(p) - p p^T, for each row of ``p (..., n)``.

    Near 0 when the softmax is saturated (one weight near 1): gradients then vanish.
    """
    p = np.asarray(p, dtype=float)
    jac = p[..., :, None] * (np.eye(p.shape[-1]) - p[..., None, :])  # (..., n, n)
    return np.sqrt((jac**2).sum(axis=(-2, -1)))  # (...,)


def entropy(p) -> np.ndarray:
    """Entropy in nats of each row of ``p (..., n)``; log(n) for uniform, 0 for one-hot."""
    p = np.asarray(p, dtype=float)
    logs = np.log(np.where(p > 0, p, 1.0))
    return -(p * logs).sum(axis=-1)


def measure_scaling(d_ks=SCALING_D_KS, n_samples=2000, n_trials=200, n_keys=16, seed=0) -> dict:
    """Measure what the scale does, for random unit-variance queries and keys of width d_k.

    For each d_k: ``var_dot`` is the variance of q.k over ``n_samples`` pairs. Then for
    ``n_trials`` random queries against ``n_keys`` random keys, three scalings of the scores
    ("none": q.k, "sqrt": q.k/sqrt(d_k), "linear": q.k/d_k) give the mean largest softmax
    weight ``max_weight[s]``, mean entropy ``entropy[s]`` (nats), mean Jacobian norm
    ``jac_norm[s]``, the fraction ``no_grad[s]`` of queries whose Jacobian norm is below
    0.01 (practically no gradient) and the scores' std ``score_std[s]``. Every array has
    one entry per d_k; ``n_samples``, ``n_trials`` and ``n_keys`` record the sample sizes.
    Fast: under a second.
    """
    rng = np.random.default_rng(seed)
    d_ks = np.asarray(d_ks)
    out = {"d_k": d_ks, "var_dot": [], "n_keys": n_keys}
    out.update(n_samples=n_samples, n_trials=n_trials)
    scalings = {"none": lambda d: 1.0, "sqrt": lambda d: 1 / np.sqrt(d), "linear": lambda d: 1 / d}
    for key in ("max_weight", "entropy", "jac_norm", "no_grad", "score_std"):
        out[key] = {s: [] for s in scalings}
    for d in d_ks:
        q = rng.standard_normal((n_samples, d))  # (n_samples, d_k)
        k = rng.standard_normal((n_samples, d))
        out["var_dot"].append(np.var((q * k).sum(axis=1)))
        q1 = rng.standard_normal((n_trials, 1, d))  # (trials, 1, d_k)
        keys = rng.standard_normal((n_trials, n_keys, d))  # (trials, n_keys, d_k)
        dots = (q1 * keys).sum(axis=-1)  # (trials, n_keys)
        for name, scale in scalings.items():
            scores = dots * scale(d)
            p = softmax(scores, axis=-1)  # (trials, n_keys)
            out["max_weight"][name].append(p.max(axis=-1).mean())
            out["entropy"][name].append(entropy(p).mean())
            jac = softmax_jacobian_norm(p)  # (trials,)
            out["jac_norm"][name].append(jac.mean())
            out["no_grad"][name].append((jac < 0.01).mean())
            out["score_std"][name].append(scores.std())
    out["var_dot"] = np.array(out["var_dot"])
    for key in ("max_weight", "entropy", "jac_norm", "no_grad", "score_std"):
        out[key] = {s: np.array(v) for s, v in out[key].items()}
    return out


def scaling_table(stats: dict, key: str, fmt: str = "{:8.3f}") -> str:
    """A text table of ``stats[key]`` from :func:`measure_scaling`: one row per d_k, one
    column per scaling (none, /sqrt(d_k), /d_k)."""
    lines = ["  d_k      none   /sqrt(d_k)    /d_k"]
    for i, d in enumerate(stats["d_k"]):
        values = [fmt.format(stats[key][s][i]) for s in ("none", "sqrt", "linear")]
        lines.append(f"{d:5d}  " + "    ".join(values))
    return "\n".join(lines)


SCALING_STYLE = {
    "none": ("unscaled  q·k", "tab:red", "o"),
    "sqrt": ("q·k / √d_k  (paper)", "tab:blue", "s"),
    "linear": ("q·k / d_k", "tab:green", "^"),
}


def scaling_figure(stats=None):
    """Four panels against d_k: var(q.k), largest weight, entropy, softmax Jacobian norm."""
    stats = measure_scaling() if stats is None else stats
    d = stats["d_k"]
    fig, axes = subplots(2, 2, figsize=(12, 9))
    ax = axes[0, 0]
    ax.plot(d, stats["var_dot"], "o-", color="tab:red", label="measured var(q·k)")
    ax.plot(d, d, "k--", label="d_k")
    ax.plot(d, stats["score_std"]["sqrt"] ** 2, "s-", color="tab:blue", label="var(q·k/√d_k)")
    ax.plot(d, stats["score_std"]["linear"] ** 2, "^-", color="tab:green", label="var(q·k/d_k)")
    power_ticks(ax.yaxis, base=10)
    ax.set(title="Variance of the scores", xlabel="d_k", ylabel="variance")
    ax.legend(loc="lower left", fontsize=10)  # small enough to clear the green markers
    panels = [
        (axes[0, 1], "max_weight", "Largest softmax weight", "mean max weight"),
        (axes[1, 0], "entropy", "Entropy of the weights", "entropy (nats)"),
        (axes[1, 1], "jac_norm", "Size of the softmax gradient", "‖∂softmax/∂scores‖ (Frobenius)"),
    ]
    for ax, key, title, ylabel in panels:
        for name, (label, colour, marker) in SCALING_STYLE.items():
            ax.plot(d, stats[key][name], marker + "-", color=colour, label=label)
        ax.set(title=f"{title} ({stats['n_keys']} keys)", xlabel="d_k", ylabel=ylabel)
    n = stats["n_keys"]
    axes[0, 1].axhline(1 / n, color="grey", ls=":", label=f"uniform 1/{n}")
    axes[1, 0].axhline(np.log(n), color="grey", ls=":", label=f"uniform log {n}")
    axes[0, 1].legend()
    axes[1, 0].legend()
    for ax in axes.flat:
        power_ticks(ax.xaxis, base=2)
    fig.suptitle("Why divide by √d_k: measured on random unit-variance vectors", fontsize=15)
    fig.subplots_adjust(hspace=0.3, wspace=0.22, top=0.92)  # fixed: tight_layout was slow
    return fig


FIGURES = {
    "01_attention_weights.png": attention_weights_figure,
    "01_scaling.png": scaling_figure,
    "01_mask_polarity.png": mask_polarity_figure,
    "01_softmax_axis.png": softmax_axis_figure,
}
