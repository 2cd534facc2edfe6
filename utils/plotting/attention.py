"""Figures for single-head attention, taught in notebooks/01_single_head_attention.ipynb.

The examples and measurements they draw live in ``utils.examples``. ``make figures`` writes
every entry of ``FIGURES`` into figures/.
"""

from __future__ import annotations

import numpy as np

from utils.attention import causal_mask, softmax
from utils.examples import TOKENS, measure_scaling, toy_attention, toy_example
from utils.plotting.core import attention_heatmap, power_ticks, subplots


def attention_weights_figure(weights=None, tokens=None, title=None):
    """One big labelled heatmap of attention weights ``(n_q, n_k)`` (default: the toy example)."""
    if weights is None:
        weights = toy_attention()[1]
        tokens = list(TOKENS) if tokens is None else tokens
        title = title or "Attention weights of the toy sentence (rows sum to 1)"
    # margins in inches: the title, key labels and key ticks above, query labels to the left
    fig, ax = subplots(figsize=(6.5, 5.5), left=0.95, bottom=0.25, right=0.5, top=0.95)
    attention_heatmap(weights, tokens, tokens, ax=ax)
    ax.set_title(title, pad=12)
    return fig


def compare_attention(matrices, titles, tokens, suptitle=None, vmax=1.0):
    """Side-by-side heatmaps of several ``(n_q, n_k)`` weight matrices with shared labels."""
    # room above each panel for its title over the key labels, and above them for a suptitle
    top = 1.25 if suptitle else 0.85
    fig, axes = subplots(
        1,
        len(matrices),
        figsize=(5.6 * len(matrices), 5.0),
        left=0.9,
        bottom=0.25,
        right=0.5,
        top=top,
        wspace=0.35,
    )
    for ax, matrix, title in zip(np.atleast_1d(axes), matrices, titles, strict=True):
        attention_heatmap(matrix, tokens, tokens, ax=ax)
        ax.set_title(title, pad=38)
        ax.images[0].set_clim(0.0, vmax)
    if suptitle:
        fig.suptitle(suptitle, fontsize=14)
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
    only to later tokens; the last token has none, so its row is fully blocked: it sees
    nothing (zeros).
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
        suptitle=(
            "Flipped polarity: each token attends only to later tokens; "
            "the last one, with none, sees nothing"
        ),
    )


SCALING_STYLE = {
    "none": ("unscaled  q·k", "tab:red", "o"),
    "sqrt": ("q·k / √d_k  (paper)", "tab:blue", "s"),
    "linear": ("q·k / d_k", "tab:green", "^"),
}


def scaling_figure(stats=None):
    """Four panels against d_k: var(q.k), largest weight, entropy, softmax Jacobian norm.

    620 px tall, so that it fits a 1280x720 slide under its code cell; the three scalings
    share one legend under the title, which keeps every curve of panels 2-4 uncovered."""
    stats = measure_scaling() if stats is None else stats
    d = stats["d_k"]
    height = 6.2
    fig, axes = subplots(
        2, 2, figsize=(12.8, height), left=0.85, right=0.25, top=1.15, hspace=0.5, wspace=0.2
    )
    ax = axes[0, 0]
    ax.plot(d, stats["var_dot"], "o-", color="tab:red", label="measured var(q·k)")
    ax.plot(d, d, "k--", label="d_k")
    ax.plot(d, stats["score_std"]["sqrt"] ** 2, "s-", color="tab:blue", label="var(q·k/√d_k)")
    ax.plot(d, stats["score_std"]["linear"] ** 2, "^-", color="tab:green", label="var(q·k/d_k)")
    power_ticks(ax.yaxis, base=10)
    ax.set(title="Variance of the scores", xlabel="d_k", ylabel="variance")
    ax.set_ylim(5e-4, 1e8)  # room above the red line for the legend
    ax.set_yticks([10.0**k for k in range(-2, 8, 2)])  # every other power: readable
    ax.legend(loc="upper left", fontsize=10)
    panels = [
        (axes[0, 1], "max_weight", "Largest softmax weight", "mean max weight"),
        (axes[1, 0], "entropy", "Entropy of the weights", "entropy (nats)"),
        (axes[1, 1], "jac_norm", "Size of the softmax gradient", "‖∂softmax/∂scores‖"),
    ]
    for ax, key, title, ylabel in panels:
        for name, (label, colour, marker) in SCALING_STYLE.items():
            ax.plot(d, stats[key][name], marker + "-", color=colour, label=label)
        ax.set(title=f"{title} ({stats['n_keys']} keys)", xlabel="d_k", ylabel=ylabel)
    n = stats["n_keys"]
    axes[0, 1].axhline(1 / n, color="grey", ls=":", label=f"uniform weights (1/{n}, log {n})")
    axes[1, 0].axhline(np.log(n), color="grey", ls=":")
    for ax in axes.flat:
        power_ticks(ax.xaxis, base=2)
    fig.suptitle("Why divide by √d_k: measured on random unit-variance vectors", fontsize=15)
    handles, labels = axes[0, 1].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 1 - 0.4 / height),
        ncol=len(labels),
        frameon=False,
        fontsize=12,
    )
    return fig


FIGURES = {
    "01_attention_weights.png": attention_weights_figure,
    "01_scaling.png": scaling_figure,
    "01_mask_polarity.png": mask_polarity_figure,
    "01_softmax_axis.png": softmax_axis_figure,
}
