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
from utils.plotting.core import (
    annotated_heatmap,
    canvas,
    inches,
    label_inches,
    points,
    presenting,
    subplots,
)

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


def head_heatmaps(
    weights, tokens, titles=None, highlight=None, cell=0.65, annotate=None, fontsize=12,
    caption=None, query_labels_once=False,
):  # fmt: skip
    """One attention heatmap per head, side by side, and one colour bar for all of them.

    ``weights (h, n_q, n_k)``; every head's scale is [0, 1], so one colour bar (right of the
    last head) serves all, and only the first head carries the "query" axis label: nothing
    is drawn between the panels but the next head's query labels (none with
    ``query_labels_once``: the rows line up with the first head's). ``highlight`` (a query
    index) draws a box around that query's row in every head; ``annotate`` as in
    ``annotated_heatmap`` (for example ``[highlight]``: that row only); ``fontsize`` is the
    size of the numbers in the cells (default style, :func:`~utils.plotting.core.points`);
    ``caption`` a line under the panels. The cells keep their size in the presentation
    style; the room for labels grows with the text.
    """
    weights = np.asarray(weights)
    h, n_q, n_k = weights.shape
    # inches: the panels, the query labels left of each panel (plus the axis label left of
    # the first), the titles and the key labels (rotated 60 degrees) above, the colour bar
    labels = label_inches(tokens)
    panel_w, panel_h = n_k * cell, n_q * cell
    left, gap, top, bottom = (
        inches(x) for x in (0.5 + labels, 0.3 + labels, 0.75 + 0.9 * labels, 0.2)
    )
    if query_labels_once:
        gap = inches(0.3)
    if caption:
        bottom += inches(0.4)
    bar_gap, bar_w, bar_labels = 0.2, 0.22, inches(0.5)
    width = canvas(left + h * panel_w + (h - 1) * gap + bar_gap + bar_w + bar_labels)
    height = canvas(bottom + panel_h + top)
    fig = plt.figure(figsize=(width, height))

    def box(x, w):  # (x, y, width, height) as fractions of the canvas
        return [x / width, bottom / height, w / width, panel_h / height]

    for i in range(h):
        ax = fig.add_axes(box(left + i * (panel_w + gap), panel_w))
        title = titles[i] if titles else f"head {i}"
        annotated_heatmap(
            weights[i], tokens, tokens, ax=ax, title=title, vmin=0.0, vmax=1.0, cmap="Blues",
            annotate=annotate, colorbar=False,
        )  # fmt: skip
        for text in ax.texts:  # colour chosen by annotated_heatmap from the cell's lightness
            text.set_fontsize(points(fontsize))
        ax.set_xlabel("key (attended to)")
        ax.xaxis.set_ticks_position("top")
        ax.xaxis.set_label_position("top")
        ax.tick_params(axis="x", labelrotation=60)
        if i == 0:
            ax.set_ylabel("query (attending)")
        elif query_labels_once:
            ax.tick_params(axis="y", labelleft=False)
        if highlight is not None:
            ax.add_patch(
                Rectangle(
                    (-0.5, highlight - 0.5), n_k, 1, fill=False, edgecolor="crimson", linewidth=3
                )
            )
    bar = fig.add_axes(box(width - bar_labels - bar_w, bar_w))
    fig.colorbar(fig.axes[0].images[0], cax=bar)
    if caption:
        fig.supxlabel(caption, fontsize=points(13), y=inches(0.12) / height, va="bottom")
    return fig


def short_weight(value: float) -> str:
    """A weight in two decimals without the leading zero (".97"), and "0" below 0.005:
    short enough to be written large in a small cell."""
    return "0" if round(value, 2) == 0 else f"{value:.2f}".lstrip("0")


def it_heads_figure():
    """The hand-built heads on "the animal ... it was tired", row "it" boxed and written out.

    Only the "it" row carries numbers (large, without the leading zero: ".97"): every other
    query is zero, so its row is uniform, 1/11 in every cell (the light shade), and 242
    labels would hide the one row that matters. Sized for a projector: the canvas is about
    1100 x 600 pixels, so a notebook or a slide shows it at full size. In the presentation
    style, within 1280 x 720: cells a little larger for the larger numbers (written without
    bold), the query labels once, left of the first head.
    """
    titles = ['head 0: "who is it?"', 'head 1: "what is it like?"']
    it = SENTENCE.index("it")
    weights = it_head_attention()  # (h, n, n)
    caption = (
        f"rows without numbers: a zero query, so every weight is 1/{len(SENTENCE)} "
        f"= {1 / len(SENTENCE):.2f}"
    )
    fig = head_heatmaps(
        weights,
        SENTENCE,
        titles,
        highlight=it,
        cell=0.41 if presenting() else 0.36,
        annotate=[it],
        caption=caption,
        query_labels_once=presenting(),
    )
    for ax, head in zip(fig.axes, weights, strict=False):  # the two heads, not the colour bar
        for text, value in zip(ax.texts, head[it], strict=True):
            text.set_text(short_weight(value))
            text.set_fontsize(points(14 if value >= 0.5 else 12))
            text.set_fontweight("bold" if value >= 0.5 and not presenting() else "normal")
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
                fontsize=points(12),
            )
    ax.text(x0 + cols / 2, y0 + 0.35, title, ha="center", va="bottom", fontsize=points(13))


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
    ax.text(x + 0.6, -n / 2 + 0.2, "concat", ha="center", va="bottom", fontsize=points(12))
    colours = [HEAD_COLOURS[c // d_v % 8] for c in range(h * d_v)]
    _draw_matrix(ax, concat, x + 2, 0, colours, f"concatenation {concat.shape}")
    if token_labels is not None:
        for r, label in enumerate(token_labels):
            ax.text(-0.2, -r - 0.5, label, ha="right", va="center", fontsize=points(12))
    ax.set(xlim=xlim, ylim=ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def concatenation_figure():
    """The (2, 3) + (2, 3) -> (2, 6) worked example, colour-coded by head."""
    return concatenation_diagram(worked_example_heads(), token_labels=["token 0", "token 1"])


def cost_figure(n: int = 128, d_model: int = 512, heads=(1, 4, 8, 16, 32)):
    """Multiply-adds and parameters against h (flat), attention weights (grow in proportion
    to h). The h axis is numeric (1, 4, 8, 16, 32 at their true spacing), so the growth of
    h n^2 is seen as a straight line through the origin.

    The figure's title has its own band above the panels' titles (0.3 in), so the two
    never touch; the canvas is 1250 pixels wide, shown at full size in a notebook.
    """
    rows = cost_table(n, d_model, heads)
    hs = [r["h"] for r in rows]
    panels = (
        ("total", "multiply-adds (millions)", "tab:blue", 1e6, "multiply-adds: constant"),
        ("parameters", "parameters (millions)", "tab:orange", 1e6, "parameters: constant"),
        (
            "attention_weights",
            "attention weights (thousands)",
            "tab:red",
            1e3,
            "attention weights: grow",
        ),
    )
    fig, axes = subplots(
        1, 3, figsize=(12.5, 4.7), left=0.75, bottom=0.65, right=0.15, top=0.9, wspace=0.38
    )
    for ax, (key, label, colour, unit, title) in zip(axes, panels, strict=True):
        values = [r[key] / unit for r in rows]
        ax.plot(hs, values, "o-", color=colour, linewidth=2.5, markersize=8)
        if len(set(values)) == 1:  # flat: one label says it
            ax.text(max(hs) / 2, values[0] * 1.03, f"{values[0]:.3g} for every h", ha="center",
                    va="bottom", fontsize=points(11))  # fmt: skip
        else:  # proportional to h: one label gives the slope (n^2 per head)
            slope = f"{values[0] / hs[0]:.3g} per head \u00d7 h"
            ax.text(max(hs) * 0.05, max(values) * 1.03, slope, ha="left", va="bottom",
                    fontsize=points(11))  # fmt: skip
        ax.set_xticks(hs)
        ax.set(xlabel="number of heads h", ylabel=label, ylim=(0, max(values) * 1.15))
        ax.set_xlim(0, max(hs) * 1.2)
        ax.set_title(title, pad=points(8))
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(
        f"one self-attention layer: d_model = {d_model}, d_k = d_model / h, n = {n} tokens",
        fontsize=points(14),
        y=1 - inches(0.12) / fig.get_size_inches()[1],
        va="top",
    )
    return fig


def split_diagram(n: int = 3, d: int = 8, h: int = 2):
    """Which token lands in which head: correct split (reshape + transpose) vs bare reshape.

    The projected ``Q (n, d)`` of notebook 02, section 4, split into ``h`` heads of
    ``d / h`` columns. Cells are coloured by the token they came from and labelled
    ``t<token>c<column of Q>``; a caption under the panels says so.
    """
    token = np.repeat(np.arange(n)[:, None], d, axis=1)  # (n, d)
    column = np.tile(np.arange(d), (n, 1))  # (n, d)
    d_h = d // h
    right = [a.reshape(n, h, d_h).swapaxes(0, 1) for a in (token, column)]  # (h, n, d_h)
    wrong = [a.reshape(h, n, d_h) for a in (token, column)]  # the bug
    # panels of d_h x n cells, 0.7 in each (room for "t1c2" in the presentation style too);
    # between them room for the next panel's row labels (0.8 in) and the two-line titles of
    # the lower row (0.7 in); a caption below
    cell, gap, title_gap = 0.7, 0.8, 0.65
    left, right_margin, top, bottom = 0.7, 0.3, 0.55, 0.45
    panel_w, panel_h = cell * d_h, cell * n
    width = left + h * panel_w + (h - 1) * gap + right_margin
    height = top + 2 * panel_h + title_gap + bottom
    fig, axes = subplots(
        2,
        h,
        figsize=(width, height),
        left=left,
        bottom=bottom,
        right=right_margin,
        top=top,
        wspace=gap / panel_w,
        hspace=title_gap / panel_h,
        grow="both",  # presentation style: the cells keep their size for the larger labels
        squeeze=False,
    )
    colours = plt.get_cmap("Set2").colors
    for row, ((tok, col), name) in enumerate(
        ((right, "reshape + transpose"), (wrong, "reshape only (bug)"))
    ):
        for i in range(h):
            ax = axes[row, i]
            for r in range(n):
                for c in range(d_h):
                    t, f = tok[i, r, c], col[i, r, c]
                    ax.add_patch(
                        Rectangle((c, -r - 1), 1, 1, facecolor=colours[t % 8], edgecolor="black")
                    )
                    ax.text(
                        c + 0.5,
                        -r - 0.5,
                        f"t{t}c{f}",
                        ha="center",
                        va="center",
                        fontsize=points(12),
                    )
            ax.set(xlim=(0, d_h), ylim=(-n, 0), aspect="equal")
            ax.set_xticks([])
            ax.set_yticks([-r - 0.5 for r in range(n)], [f"row {r}" for r in range(n)])
            ax.set_title(f"{name}\nhead {i}", color="black" if row == 0 else "crimson")
    fig.supxlabel(
        "t1c2 = token 1, column 2 of Q; colour = token",
        fontsize=points(12),
        y=inches(0.1) / height,
        va="bottom",
    )
    return fig


FIGURES = {
    "02_it_heads_animal_tired.png": it_heads_figure,
    "02_concatenation.png": concatenation_figure,
    "02_cost.png": cost_figure,
    "02_split_bug.png": split_diagram,
}
