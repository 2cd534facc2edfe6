"""Figures for single-head attention, taught in notebooks/01_single_head_attention.ipynb.

The examples and measurements they draw live in ``utils.examples``. ``make figures`` writes
every entry of ``FIGURES`` into figures/.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from utils.attention import causal_mask, softmax
from utils.examples import (
    TOKENS,
    measure_scaling,
    softmax_jacobian_norm,
    toy_attention,
    toy_example,
)
from utils.plotting.core import (
    attention_heatmap,
    extra_lines,
    inches,
    points,
    power_ticks,
    subplots,
    wrap,
)


def attention_weights_figure(weights=None, tokens=None, title=None):
    """One big labelled heatmap of attention weights ``(n_q, n_k)`` (default: the toy example)."""
    if weights is None:
        weights = toy_attention()[1]
        tokens = list(TOKENS) if tokens is None else tokens
        title = title or wrap("Attention weights of the toy sentence", "(rows sum to 1)")
    # margins in inches: the title, key labels and key ticks above, query labels to the left;
    # in the presentation style the heatmap keeps its size and the canvas grows
    extra = extra_lines(title.count("\n"), 13)
    fig, ax = subplots(
        figsize=(6.5, 5.5 + extra),
        left=0.95,
        bottom=0.25,
        right=0.5,
        top=0.95 + extra,
        grow="both",
    )
    attention_heatmap(weights, tokens, tokens, ax=ax)
    ax.set_title(title, pad=points(12))
    return fig


def compare_attention(
    matrices, titles, tokens, suptitle=None, vmax=1.0, row_sums=False, blocked=None, note=None
):
    """Side-by-side heatmaps of several ``(n_q, n_k)`` weight matrices with shared labels.

    ``row_sums``: write each row's sum just right of its panel (red where it is not 1).
    ``blocked``: one ``(n_q, n_k)`` bool array per panel, True where the mask blocks the key;
    those cells are greyed and hatched, so that a blocked 0 differs from a computed one.
    ``note``: one line of text under the panels.
    """
    # room above each panel for its title over the key labels, and above them for a suptitle
    # (lines that the presentation style breaks, :func:`~utils.plotting.core.wrap`, add room)
    extra = extra_lines(suptitle.count("\n"), 14) if suptitle else 0.0
    top = 1.4 + extra if suptitle else 1.0
    fig, axes = subplots(
        1,
        len(matrices),
        figsize=(5.6 * len(matrices), 5.0 + extra),
        left=0.9,
        bottom=0.6 if note else 0.25,
        right=0.5,
        top=top,
        wspace=0.35,
        grow="both",
    )
    blocked = [None] * len(matrices) if blocked is None else blocked
    panels = zip(np.atleast_1d(axes), matrices, titles, blocked, strict=True)
    for ax, matrix, title, blocked_cells in panels:
        attention_heatmap(matrix, tokens, tokens, ax=ax)
        ax.set_title(title, pad=points(46))  # over the key labels, with air between
        ax.images[0].set_clim(0.0, vmax)
        if blocked_cells is not None:
            hatch_blocked(ax, blocked_cells)
        if row_sums:
            write_row_sums(ax, matrix)
    if suptitle:
        fig.suptitle(suptitle, fontsize=points(14))
    if note:
        y = inches(0.15) / fig.get_size_inches()[1]  # a line above the bottom edge
        fig.text(0.5, y, note, ha="center", va="bottom", fontsize=points(12))
    return fig


def hatch_blocked(ax, blocked) -> None:
    """Grey, hatched cells where ``blocked (n_q, n_k)`` is True, under the written weights."""
    for r, c in zip(*np.nonzero(np.asarray(blocked, dtype=bool)), strict=True):
        cell = Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="0.88", edgecolor="0.6", hatch="//")
        cell.set_linewidth(0)
        cell.set_zorder(1.5)  # above the image, below the numbers
        ax.add_patch(cell)


def write_row_sums(ax, matrix) -> None:
    """Each row's sum of ``matrix (n_q, n_k)`` just right of the heatmap, under a "sum"
    heading; the colour bar moves right to make room. Red where a row does not sum to 1."""
    image = ax.images[0]
    image.colorbar.remove()
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.17)
    n_k = matrix.shape[1]
    x = n_k - 0.5 + 0.12  # data units: just right of the last column
    ax.text(x, -0.5, "sum", ha="left", va="bottom", fontsize=points(11), color="0.3")
    for r, total in enumerate(np.asarray(matrix).sum(axis=-1)):
        colour = "black" if np.isclose(total, 1.0) else "tab:red"
        ax.text(x, r, f"{total:.2f}", ha="left", va="center", color=colour, clip_on=False)


def softmax_axis_figure():
    """The toy scores normalised over keys (right: rows sum to 1) and over queries (wrong)."""
    _, weights = toy_attention()
    ex = toy_example()
    scores = (ex["X"] @ ex["W_q"]) @ (ex["X"] @ ex["W_k"]).T / 2.0  # (4, 4)
    wrong = softmax(scores, axis=0)  # columns sum to 1
    assert np.allclose(weights, softmax(scores, axis=-1))
    return compare_attention(
        [weights, wrong],
        ["axis=-1: each row sums to 1 (right)", "axis=0: columns sum to 1 (WRONG)"],
        ex["tokens"],
        row_sums=True,
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
        suptitle=wrap(
            "Flipped polarity: each token attends only to later tokens;",
            "the last one, with none, sees nothing",
        ),
        blocked=[~right, ~tf_style.astype(bool)],  # (n, n) each: True = blocked
        note="hatched grey: a key the mask blocks (its weight is 0 by construction)",
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
    ax.plot(d, stats["var_dot"], "o-", color="tab:red")  # colours: the figure's legend
    (prediction,) = ax.plot(d, d, "k--", label="d_k (predicted var(q·k))")
    ax.plot(d, stats["score_std"]["sqrt"] ** 2, "s-", color="tab:blue")
    ax.plot(d, stats["score_std"]["linear"] ** 2, "^-", color="tab:green")
    power_ticks(ax.yaxis, base=10)
    ax.set(title="Variance of the scores", xlabel="d_k", ylabel="variance")
    ax.set_ylim(3e-4, 3e4)  # the data span about 1e-3 to 1e3, with room for the legend
    ax.set_yticks([10.0**k for k in range(-2, 5, 2)])  # every other power: readable
    ax.legend(handles=[prediction], loc="upper left", fontsize=points(11))  # only the dashes
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
    jac_uniform = float(softmax_jacobian_norm(np.full(n, 1 / n)))  # ‖J‖ of uniform weights
    uniform = f"uniform: 1/{n}, log {n}, {jac_uniform:.3f}"  # the dotted lines, by panel
    axes[0, 1].axhline(1 / n, color="grey", ls=":", label=uniform)
    axes[1, 0].axhline(np.log(n), color="grey", ls=":")
    axes[1, 1].axhline(jac_uniform, color="grey", ls=":")
    for ax in axes.flat:
        power_ticks(ax.xaxis, base=2)
    fig.suptitle(
        "Why divide by √d_k: measured on random unit-variance vectors", fontsize=points(15)
    )
    handles, labels = axes[0, 1].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 1 - inches(0.4) / height),
        ncol=len(labels),
        frameon=False,
        fontsize=points(12),
    )
    return fig


FIGURES = {
    "01_attention_weights.png": attention_weights_figure,
    "01_scaling.png": scaling_figure,
    "01_mask_polarity.png": mask_polarity_figure,
    "01_softmax_axis.png": softmax_axis_figure,
}
