"""Figures for notebooks/02_multi_head_attention.ipynb: per-head heatmaps, the concatenation
diagram, the cost of more heads and the split-heads bug.

The hand-built "it" sentence and the worked example they draw live in ``utils.examples``,
so the notebook and ``make figures`` draw the same arrays.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from utils.cost import cost_table
from utils.examples import SENTENCE, it_head_attention, worked_example_heads
from utils.plotting.core import attention_heatmap, label_inches, subplots

HEAD_COLOURS = (
    "tab:blue",
    "tab:orange",
    "tab:green",
    "tab:red",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:olive",
)

# --- figures -------------------------------------------------------------------------------


def head_heatmaps(weights, tokens, titles=None, highlight=None, cell=0.55, annotate=None):
    """One attention heatmap per head, side by side. ``weights (h, n_q, n_k)``.

    ``highlight`` (a query index) draws a box around that query's row in every head;
    ``annotate`` as in ``annotated_heatmap`` (for example ``[highlight]``: that row only).
    """
    weights = np.asarray(weights)
    h, n_q, n_k = weights.shape
    # margins in inches: the titles and the key labels (rotated 60 degrees) above, the query
    # labels to the left
    left, top = 0.45 + label_inches(tokens), 0.7 + 0.9 * label_inches(tokens)
    figsize = (h * (n_k * cell + 1.6), n_q * cell + 1.6)
    fig, axes = subplots(
        1,
        h,
        figsize=figsize,
        left=left,
        bottom=0.3,
        right=0.45,
        top=top,
        wspace=0.35,
        squeeze=False,
    )
    for i, ax in enumerate(axes[0]):
        title = titles[i] if titles else f"head {i}"
        attention_heatmap(weights[i], tokens, tokens, ax=ax, title=title, annotate=annotate)
        for text in ax.texts:  # colour chosen by annotated_heatmap from the cell's lightness
            text.set_fontsize(9 if n_k > 8 else 12)
        ax.tick_params(axis="x", labelrotation=60)
        if highlight is not None:
            ax.add_patch(
                Rectangle(
                    (-0.5, highlight - 0.5), n_k, 1, fill=False, edgecolor="crimson", linewidth=3
                )
            )
    return fig


def it_heads_figure():
    """The hand-built heads on "the animal ... it was tired", row "it" boxed and written out.

    Only the "it" row carries numbers: every other query is zero, so its row is uniform,
    1/11 in every cell (the light shade), and 242 labels would hide the one row that matters.
    """
    titles = ['head 0: "who is it?"', 'head 1: "what is it like?"']
    it = SENTENCE.index("it")
    fig = head_heatmaps(
        it_head_attention(), SENTENCE, titles, highlight=it, cell=0.5, annotate=[it]
    )
    fig.supxlabel(
        f"rows without numbers: a zero query, so every weight is 1/{len(SENTENCE)} "
        f"= {1 / len(SENTENCE):.2f}",
        fontsize=12,
    )
    fig.subplots_adjust(bottom=0.6 / fig.get_size_inches()[1])  # 0.6 in for the caption
    return fig


def _draw_matrix(ax, matrix, x0, y0, colours, title):
    """Draw ``matrix`` as coloured cells with values; ``colours[j]`` colours column j."""
    rows, cols = matrix.shape
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(
                Rectangle(
                    (x0 + c, y0 - r - 1), 1, 1, facecolor=colours[c], alpha=0.35, edgecolor="black"
                )
            )
            ax.text(
                x0 + c + 0.5,
                y0 - r - 0.5,
                f"{matrix[r, c]:.2f}",
                ha="center",
                va="center",
                fontsize=12,
            )
    ax.text(x0 + cols / 2, y0 + 0.35, title, ha="center", va="bottom", fontsize=13)


def concatenation_diagram(head_outputs, token_labels=None):
    """Draw each head's output ``Z_i (n, d_v)`` and their concatenation ``(n, h*d_v)``.

    ``head_outputs`` is a sequence of equal-shape arrays; cells are coloured by head, so a
    learner sees which columns of the concatenation came from which head.
    """
    heads = [np.asarray(z) for z in head_outputs]
    h, (n, d_v) = len(heads), heads[0].shape
    concat = np.concatenate(heads, axis=-1)  # (n, h*d_v)
    xlim = (-1.5, h * (d_v + 1) + 2 + h * d_v + 0.2)  # token labels, heads, arrow, concat
    ylim = (-n - 0.3, 1.2)  # the rows and the titles above them
    unit = 0.7  # inches per cell: the canvas is the data's size, plus 0.1 in around it
    figsize = (unit * (xlim[1] - xlim[0]) + 0.2, unit * (ylim[1] - ylim[0]) + 0.2)
    fig, ax = subplots(figsize=figsize, left=0.1, bottom=0.1, right=0.1, top=0.1)
    x = 0
    for i, z in enumerate(heads):
        _draw_matrix(ax, z, x, 0, [HEAD_COLOURS[i % 8]] * d_v, f"head {i}: Z_{i} {z.shape}")
        x += d_v + 1
    ax.annotate(
        "",
        xy=(x + 1.4, -n / 2),
        xytext=(x - 0.2, -n / 2),
        arrowprops={"arrowstyle": "->", "lw": 2.5},
    )
    ax.text(x + 0.6, -n / 2 + 0.2, "concat", ha="center", va="bottom", fontsize=12)
    colours = [HEAD_COLOURS[c // d_v % 8] for c in range(h * d_v)]
    _draw_matrix(ax, concat, x + 2, 0, colours, f"concatenation {concat.shape}")
    if token_labels is not None:
        for r, label in enumerate(token_labels):
            ax.text(-0.2, -r - 0.5, label, ha="right", va="center", fontsize=12)
    ax.set(xlim=xlim, ylim=ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def concatenation_figure():
    """The (2, 3) + (2, 3) -> (2, 6) worked example, colour-coded by head."""
    return concatenation_diagram(worked_example_heads(), token_labels=["token 0", "token 1"])


def cost_figure(n: int = 128, d_model: int = 512, heads=(1, 4, 8, 16, 32)):
    """Multiply-adds and parameters against h (flat), attention-weight entries (grow with h)."""
    rows = cost_table(n, d_model, heads)
    labels = [str(r["h"]) for r in rows]
    panels = (
        ("total", "multiply-adds (millions)", "tab:blue", 1e6),
        ("parameters", "parameters (millions)", "tab:orange", 1e6),
        ("weight_entries", "attention-weight entries (thousands)", "tab:red", 1e3),
    )
    fig, axes = subplots(1, 3, figsize=(15, 4.5), left=0.8, right=0.2, top=0.75, wspace=0.28)
    for ax, (key, label, colour, unit) in zip(axes, panels, strict=True):
        values = [r[key] / unit for r in rows]
        ax.bar(labels, values, color=colour)
        for x, v in enumerate(values):
            ax.text(x, v, f"{v:.3g}", ha="center", va="bottom", fontsize=11)
        ax.set(xlabel="number of heads h", ylabel=label, ylim=(0, max(values) * 1.15))
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_title("multiply-adds: constant")
    axes[1].set_title("parameters: constant")
    axes[2].set_title("h weight matrices (n x n): grow")
    fig.suptitle(f"one self-attention layer, d_model = {d_model}, d_k = d_model / h, n = {n}")
    return fig


def split_diagram(n: int = 3, d: int = 4, h: int = 2):
    """Which token lands in which head: correct split (reshape + transpose) vs bare reshape.

    Cells are coloured by the token they came from and labelled ``t<token>f<feature>``.
    """
    token = np.repeat(np.arange(n)[:, None], d, axis=1)  # (n, d)
    feature = np.tile(np.arange(d), (n, 1))  # (n, d)
    d_h = d // h
    right = [a.reshape(n, h, d_h).swapaxes(0, 1) for a in (token, feature)]  # (h, n, d_h)
    wrong = [a.reshape(h, n, d_h) for a in (token, feature)]  # the bug
    # panels of d_h x n cells, 0.6 in each: 1.2 x 1.8 in; between them room for the row
    # labels (0.85 in = 0.7 of a panel's width) and the two-line titles (0.36 of its height),
    # which are wider than a panel: 0.45 in on the right
    fig, axes = subplots(
        2,
        h,
        figsize=(2.05 * h + 0.3, 5.0),
        left=0.7,
        bottom=0.15,
        right=0.45,
        top=0.6,
        wspace=0.7,
        hspace=0.36,
    )
    colours = plt.get_cmap("Set2").colors
    for row, ((tok, feat), name) in enumerate(
        ((right, "reshape + transpose"), (wrong, "reshape only (bug)"))
    ):
        for i in range(h):
            ax = axes[row, i]
            for r in range(n):
                for c in range(d_h):
                    t, f = tok[i, r, c], feat[i, r, c]
                    ax.add_patch(
                        Rectangle((c, -r - 1), 1, 1, facecolor=colours[t % 8], edgecolor="black")
                    )
                    ax.text(c + 0.5, -r - 0.5, f"t{t}f{f}", ha="center", va="center", fontsize=12)
            ax.set(xlim=(0, d_h), ylim=(-n, 0), aspect="equal")
            ax.set_xticks([])
            ax.set_yticks([-r - 0.5 for r in range(n)], [f"row {r}" for r in range(n)])
            ax.set_title(f"{name}\nhead {i}", color="black" if row == 0 else "crimson")
    return fig


FIGURES = {
    "02_head_heatmaps.png": it_heads_figure,
    "02_concatenation.png": concatenation_figure,
    "02_cost.png": cost_figure,
    "02_split_bug.png": split_diagram,
}
