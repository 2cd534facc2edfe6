"""Figures for notebooks/04_transformer_block.ipynb: the layers as diagrams, cross-attention
weights, which axis each norm averages over, what the feed-forward network costs next to
attention, and the residual stream's size through post-LN and pre-LN stacks.

Every figure is laid out to fit its canvas (the notebooks show figures uncropped), with
margins in inches and text large enough for a projector.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from utils.attention import padding_mask, scaled_dot_product_attention
from utils.block import (
    cross_attention_example,
    encoder_stack,
    ffn_macs,
    input_gradient_norm,
    residual_stack,
    stack_example,
    stream_norms,
)
from utils.cost import attention_macs
from utils.plotting.core import extra_lines, points, presenting, set_margins, wrap

COLOURS = {
    "attn": "#fcd9b6",  # orange: attention
    "cross": "#f7c6c7",  # red: cross-attention
    "ffn": "#c6dbef",  # blue: feed-forward
    "norm": "#fff2a8",  # yellow: add & norm, norm
}


# --- the layers as diagrams -------------------------------------------------------------------

BOX_W = 3.2  # width of a box in data units (the panels are drawn at equal aspect)


def _box_width() -> float:
    """:data:`BOX_W`, or wider in the presentation style, where the boxes' labels are larger
    and the diagrams keep their scale (about 0.71 in per data unit)."""
    return 4.1 if presenting() else BOX_W


def _box(ax, y, height, text, colour, x=0.0, fontsize=13, linestyle="-"):
    """A rounded box centred at ``x`` from ``y`` to ``y + height`` with ``text`` inside
    (``fontsize`` in the default style)."""
    width = _box_width()
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.12",
            facecolor=colour,
            edgecolor="black",
            linewidth=1.3,
            linestyle=linestyle,
        )
    )
    ax.text(x, y + height / 2, text, ha="center", va="center", fontsize=points(fontsize))


def _arrow(ax, start, end, **kw):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "lw": 1.6, **kw})


def _residual_path(ax, y_from, y_to):
    """The skip connection: from the stream at ``y_from`` round the left of the boxes into
    the addition at ``y_to`` (drawn in green, labelled)."""
    left = -_box_width() / 2 - 0.45
    ax.plot([0, left, left], [y_from, y_from, y_to], color="tab:green", lw=2.2)
    _arrow(ax, (left, y_to), (-_box_width() / 2, y_to), color="tab:green", lw=2.2)
    ax.text(
        left - 0.12,
        (y_from + y_to) / 2,
        "residual",
        rotation=90,
        ha="right",
        va="center",
        fontsize=points(11),
        color="tab:green",
    )


def _sublayer(ax, y, label, colour, norm_first, memory=False):
    """One residual sublayer drawn from height ``y`` upwards; return the height it ends at."""
    _arrow(ax, (0, y), (0, y + 0.45))
    if norm_first:  # norm -> sublayer -> +
        _box(ax, y + 0.45, 0.55, "layer norm", COLOURS["norm"])
        _arrow(ax, (0, y + 1.0), (0, y + 1.3))
        _box(ax, y + 1.3, 0.8, label, colour)
        _arrow(ax, (0, y + 2.1), (0, y + 2.4))
        _box(ax, y + 2.4, 0.5, "add:  x + sublayer", "white")
        top = y + 2.9
        _residual_path(ax, y + 0.2, y + 2.65)
    else:  # sublayer -> add & norm
        _box(ax, y + 0.45, 0.8, label, colour)
        _arrow(ax, (0, y + 1.25), (0, y + 1.6))
        _box(ax, y + 1.6, 0.6, "add & norm", COLOURS["norm"])
        top = y + 2.2
        _residual_path(ax, y + 0.2, y + 1.9)
    if memory:  # keys and values from the encoder's output
        right = _box_width() / 2
        box_mid = y + (1.7 if norm_first else 0.85)
        ax.text(
            right + 0.5,
            box_mid,
            "K, V from\nthe encoder\n(memory)",
            fontsize=points(12),
            ha="left",
            va="center",
            color="tab:red",
        )
        _arrow(ax, (right + 0.45, box_mid), (right, box_mid), color="tab:red", lw=2.2)
    return top


def _layer_panel(ax, title, sublayers, norm_first, final_norm=False, xlim=(-2.7, 3.9)):
    """Draw one layer bottom-up as the paper's figure 1 does: input at the bottom; ``xlim``
    in data units (the residual paths on the left, the encoder's K, V on the right)."""
    ax.text(0, -0.3, "input x  (n, d_model)", ha="center", va="top", fontsize=points(12))
    y = 0.0
    for label, colour, memory in sublayers:
        y = _sublayer(ax, y, label, colour, norm_first, memory)
    if final_norm:  # not part of the layer: once per stack, after its last layer
        right = _box_width() / 2 + 0.3  # a bracket "x L" around the layer's boxes
        ax.plot(
            [right - 0.15, right, right, right - 0.15],
            [0.05, 0.05, y - 0.05, y - 0.05],
            color="black",
            lw=1.6,
        )
        ax.text(right + 0.15, y / 2, "× L\nlayers", ha="left", va="center", fontsize=points(13))
        _arrow(ax, (0, y), (0, y + 0.35))
        _box(ax, y + 0.35, 0.5, "final norm, once per stack", "#eeeeee", 0.0, 11, "--")
        y += 0.85
    _arrow(ax, (0, y), (0, y + 0.45))
    ax.text(0, y + 0.55, "output  (n, d_model)", ha="center", va="bottom", fontsize=points(12))
    ax.set_title(title, fontsize=points(14))
    ax.set(xlim=xlim, ylim=(-1.0, 7.9), aspect="equal")
    ax.axis("off")


def block_diagram_figure():
    """The encoder layer and the decoder layer of the paper (post-LN), and a pre-LN encoder
    layer (a variant): each sublayer with its residual connection (green).

    In the presentation style the boxes are wider for their larger labels, each panel is
    only as wide as its drawing (on the right: the decoder's K, V from the encoder, the
    pre-LN layer's "x L layers"), the last title takes three lines, and the canvas grows in
    height: the diagrams keep about their scale."""
    if presenting():
        half = _box_width() / 2
        left = -half - 0.95  # the residual paths and their labels
        xlims = ((left, half + 0.35), (left, half + 2.45), (left, half + 1.6))
        ratios = [high - low for low, high in xlims]
    else:
        xlims, ratios = [(-2.7, 3.9)] * 3, None
    extra = extra_lines(1, 14)  # the pre-LN title's third line
    fig, axes = plt.subplots(1, 3, figsize=(14, 7.2 + extra), width_ratios=ratios)
    set_margins(fig, 0.1, 0.1, 0.1, 0.75 + extra, wspace=0.02)
    enc = [
        ("multi-head\nself-attention", COLOURS["attn"], False),
        ("feed-forward", COLOURS["ffn"], False),
    ]
    dec = [
        ("masked multi-head\nself-attention", COLOURS["attn"], False),
        ("multi-head\ncross-attention", COLOURS["cross"], True),
        ("feed-forward", COLOURS["ffn"], False),
    ]
    post = "(the paper: post-LN)"
    _layer_panel(axes[0], f"encoder layer\n{post}", enc, False, xlim=xlims[0])
    _layer_panel(axes[1], f"decoder layer\n{post}", dec, False, xlim=xlims[1])
    pre = "encoder layer, pre-LN\n" + wrap("(a variant:", "most current models)")
    _layer_panel(axes[2], pre, enc, True, True, xlim=xlims[2])
    return fig


# --- cross-attention --------------------------------------------------------------------------


def cross_attention_weights(mask_padding: bool) -> np.ndarray:
    """``(3, 5)`` weights of the worked example (notebook 04, section 2), with or without the
    source padding mask."""
    ex = cross_attention_example()
    q = ex["Y_tgt"] @ ex["W_q"]  # (3, 4): queries from the target
    k = ex["X_src"] @ ex["W_k"]  # (5, 4): keys from the source
    v = ex["X_src"] @ ex["W_v"]  # (5, 4): values from the source
    mask = padding_mask([ex["src_length"]], len(ex["source"]))[0] if mask_padding else None
    return scaled_dot_product_attention(q, k, v, mask=mask)[1]  # (3, 5)


def weights_heatmap(ax, weights, row_labels, col_labels, title=""):
    """Attention weights ``(n_q, n_k)`` on a fixed [0, 1] scale, each value written in its
    cell (black on light cells, white on dark ones), keys along the top."""
    weights = np.asarray(weights, dtype=float)
    image = ax.imshow(weights, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for (r, c), value in np.ndenumerate(weights):
        colour = "white" if value > 0.5 else "black"
        ax.text(c, r, f"{value:.2f}", ha="center", va="center", fontsize=points(14), color=colour)
    ax.set_xticks(range(weights.shape[1]), labels=list(col_labels), fontsize=points(13))
    ax.set_yticks(range(weights.shape[0]), labels=list(row_labels), fontsize=points(13))
    ax.xaxis.set_ticks_position("top")
    ax.tick_params(length=0)
    ax.set_title(title, fontsize=points(14), pad=points(12))
    return image


def cross_attention_figure():
    """The worked example's cross-attention weights without and with the source padding mask:
    one row per target token (query), one column per source token (key). In the presentation
    style the heatmaps keep their size, the canvas grows, and the long labels take two lines."""
    ex = cross_attention_example()
    above, below = extra_lines(1, 14), extra_lines(1, 12)  # the second lines, if any
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.0 + above + below))
    set_margins(fig, 1.25, 0.6 + below, 0.2, 0.95 + above, wspace=0.3, grow="both")
    titles = ("no mask: <pad> gets weight", wrap("source padding mask:", "<pad> column is 0"))
    xlabel = wrap("source tokens: keys and values", "(each row sums to 1)")
    for ax, masked, title in zip(axes, (False, True), titles, strict=True):
        weights_heatmap(ax, cross_attention_weights(masked), ex["target"], ex["source"], title)
        ax.set_xlabel(xlabel, fontsize=points(12))
    axes[0].set_ylabel("target tokens: queries", fontsize=points(12))
    return fig


# --- which axis a norm averages over ----------------------------------------------------------


def norm_axes_figure(batch: int = 2, n: int = 3, d: int = 4):
    """A batch of ``batch`` sequences x ``n`` tokens x ``d`` features, drawn as one row per
    token: layer norm averages along a row (one token's features), batch norm down a column
    (one feature over every token of every sequence)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.0))
    # the row labels on the left; in the presentation style the larger titles and captions
    # reach further past the right panel
    left, right = (1.45, 0.75) if presenting() else (1.75, 0.1)
    set_margins(fig, left, 0.15, right, 0.95, wspace=0.95, grow="both")
    rows = [(b, t) for b in range(batch) for t in range(n)]
    captions = {
        "layer": f"one token's {d} features\n-> its own mean and variance",
        "batch": f"feature f2 of all {len(rows)} tokens\n-> one mean and variance for f2",
    }
    for ax, kind in zip(axes, ("layer", "batch"), strict=True):
        for r, (b, t) in enumerate(rows):
            for c in range(d):
                group = (r == 1) if kind == "layer" else (c == 2)
                face = "#fdae6b" if group else ("#f0f0f0" if b == 0 else "#dde8f3")
                ax.add_patch(Rectangle((c, -r - 1), 1, 1, facecolor=face, edgecolor="black"))
            ax.text(
                -0.15,
                -r - 0.5,
                f"seq {b}, token {t}",
                ha="right",
                va="center",
                fontsize=points(13),
            )
        for c in range(d):
            ax.text(c + 0.5, 0.15, f"f{c}", ha="center", va="bottom", fontsize=points(13))
        ax.text(
            d / 2, -len(rows) - 0.25, captions[kind], ha="center", va="top", fontsize=points(13)
        )
        if kind == "layer":
            title = "layer norm: statistics per token\n(over the features, axis -1)"
        else:
            title = "batch norm: statistics per feature\n(over every token in the batch)"
        ax.set_title(title, fontsize=points(14), pad=points(30))
        ax.set(xlim=(0, d), ylim=(-len(rows) - 1.5, 0), aspect="equal")
        ax.axis("off")
    return fig


# --- what the feed-forward network costs next to attention ----------------------------------


def _plain_log_axis(axis, ticks) -> None:
    """A log scale with the given ``ticks`` written as plain numbers (no mathtext, which is
    slow to start in a fresh kernel), and no minor ticks."""
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_locator(NullLocator())


def block_cost_figure(d_model: int = 512, num_heads: int = 8, d_ff: int = 2048):
    """Multiply-adds of self-attention and of the feed-forward network against n (log axes),
    for the paper's sizes: the feed-forward network costs more up to n = d_ff - 2 d_model."""
    ns = np.unique(np.geomspace(16, 16384, 41).round().astype(int))
    attn = np.array([attention_macs(int(n), d_model, num_heads)["total"] for n in ns]) / 1e9
    ffn = np.array([ffn_macs(int(n), d_model, d_ff) for n in ns]) / 1e9
    fig, ax = plt.subplots(figsize=(9.5, 5.6))
    set_margins(fig, 1.1, 0.85, 0.3, 0.55)
    ax.loglog(ns, attn, lw=2.5, color="tab:orange", label="self-attention (projections + n² part)")
    ax.loglog(ns, ffn, lw=2.5, color="tab:blue", label=f"feed-forward network (d_ff = {d_ff})")
    crossover = d_ff - 2 * d_model
    ax.axvline(crossover, color="grey", ls="--")
    ax.text(
        crossover * 1.1, 0.02, f"equal at\nn = {crossover}", fontsize=points(12), color="dimgrey"
    )
    for n in (128, 8192):
        a = attention_macs(n, d_model, num_heads)["total"] / 1e9
        f = ffn_macs(n, d_model, d_ff) / 1e9
        ax.plot([n, n], [a, f], "o", color="black", ms=6)
        ax.text(n * 0.9, max(a, f) * 1.6, f"n = {n}", fontsize=points(12), ha="center")
    _plain_log_axis(ax.xaxis, [16, 128, 1024, 8192])
    _plain_log_axis(ax.yaxis, [0.01, 0.1, 1, 10, 100])
    ax.set_xlabel("sequence length n (tokens)", fontsize=points(13))
    ax.set_ylabel("billions of multiply-adds", fontsize=points(13))
    ax.set_title(f"one encoder layer, d_model = {d_model}, h = {num_heads}", fontsize=points(14))
    ax.tick_params(labelsize=points(12))
    ax.legend(fontsize=points(12), loc="upper left")
    ax.grid(alpha=0.3, which="major")
    return fig


# --- the residual stream through deep stacks -------------------------------------------------


def stream_norm_figure(post=None, pre=None, d_model: int | None = None):
    """The residual stream's size after each layer of a post-LN and a pre-LN stack.

    ``post`` and ``pre`` are ``(L + 1,)`` arrays from ``utils.block.stream_norms`` (default:
    notebook 04's example stack, ``utils.block.stack_example``); the dashed line is
    sqrt(d_model), the size of a layer norm's output with gamma = 1, beta = 0.
    """
    if post is None or pre is None:
        ex = stack_example()
        post = stream_norms(ex["x"], ex["layers"], ex["num_heads"], norm_first=False)
        pre = stream_norms(ex["x"], ex["layers"], ex["num_heads"], norm_first=True)
        d_model = ex["x"].shape[-1]
    layers = np.arange(len(post))
    fig, ax = plt.subplots(figsize=(9.5, 5.0))
    set_margins(fig, 1.1, 0.85, 0.3, 0.55)
    for label, norms, marker in (
        ("post-LN (the paper)", post, "o-"),
        ("pre-LN (variant)", pre, "s-"),
    ):
        ax.plot(layers, norms, marker, lw=2.5, label=label, color=SERIES_COLOURS[label])
    if d_model:
        ax.axhline(np.sqrt(d_model), color="grey", ls="--")
        ax.text(
            len(post) - 1,
            np.sqrt(d_model) * 0.82,
            f"√d_model = {np.sqrt(d_model):.2f}",
            ha="right",
            va="top",
            fontsize=points(12),
            color="dimgrey",
        )
    ax.set_xlabel("after layer (0 = the input)", fontsize=points(13))
    ax.set_ylabel("mean token length ‖x_t‖", fontsize=points(13))
    ax.set_title("the residual stream through a stack of random layers", fontsize=points(14))
    ax.set_ylim(0, max(post.max(), pre.max()) * 1.12)
    ax.legend(fontsize=points(12), loc="upper left")
    ax.grid(alpha=0.3)
    return fig


SERIES_COLOURS = {
    "no residual": "tab:red",
    "residual": "tab:green",
    "post-LN (the paper)": "tab:blue",
    "pre-LN (variant)": "tab:orange",
    "pre-LN, no final norm": "#fdd0a2",
}


def _short(value: float) -> str:
    """``0.19``, ``9.2``, ``420``, or ``1.2e6`` / ``3.6e-7`` beyond [0.01, 1000)."""
    if 10 <= abs(value) < 1000:
        return f"{value:.0f}"
    if 0.01 <= abs(value) < 10:
        return f"{value:.2g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}"


def gradient_depth_figure(depths, series: dict, title: str, reference: float | None = None):
    """Bars of the gradient's size at the first layer against the depth of the stack, one
    colour per kind of stack (``series``: label -> one value per depth), on a log axis with
    every value written above its bar. ``reference``: the gradient through 0 layers (the
    loss's own, ``||R||``), drawn as a dashed line labelled at the right."""
    depths = list(depths)
    values = np.array([list(v) for v in series.values()], dtype=float)  # (kinds, depths)
    if reference is not None:
        values = np.append(values, reference)  # the axis range covers the line too
    fig, ax = plt.subplots(figsize=(9.5, 5.0))
    set_margins(fig, 1.1, 0.85, 0.3, 0.55)
    ax.set_yscale("log")
    low = np.floor(np.log10(values.min()))
    high = np.ceil(np.log10(values.max())) + 1
    step = max(1, int(high - low) // 6)
    _plain_log_axis(ax.yaxis, list(10.0 ** np.arange(low, high + 1, step)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
    ax.set_ylim(10**low, 10**high)
    # how many powers of 10 a line of text spans on this axis
    axes_inches = ax.get_position().height * fig.get_size_inches()[1]
    text_decades = 1.3 * points(13) / 72 / axes_inches * (high - low)
    width = 0.8 / len(series)
    for i, (label, row) in enumerate(series.items()):
        row = np.asarray(list(row), dtype=float)  # (depths,)
        x = np.arange(len(depths)) + (i - (len(series) - 1) / 2) * width
        ax.bar(x, row, width * 0.95, label=label, color=SERIES_COLOURS.get(label))
        for xi, v in zip(x, row, strict=True):
            # above the bar, or inside its top where the reference line would cross the label
            top = v * 1.3 * 10**text_decades
            inside = reference is not None and v * 1.1 < reference < top * 1.1
            dark = sum(to_rgb(SERIES_COLOURS.get(label, "tab:blue"))) < 1.8
            ax.text(
                *(xi, v / 1.25 if inside else v * 1.3, _short(v)),
                ha="center",
                va="top" if inside else "bottom",
                fontsize=points(13),
                color="white" if inside and dark else "black",
            )
    ax.set_xticks(range(len(depths)), [f"{d} layer{'s' if d > 1 else ''}" for d in depths])
    if reference is not None:  # in a strip right of the bars, clear of their labels
        ax.set_xlim(-0.5, len(depths) + 0.35)
        ax.axhline(reference, color="dimgrey", ls="--", lw=1.5)
        ax.text(
            len(depths) - 0.4,
            reference * 1.15,
            f"0 layers:\n{_short(reference)}",
            ha="left",
            va="bottom",
            fontsize=points(12),
            color="dimgrey",
        )
    ax.tick_params(labelsize=points(12))
    ax.set_ylabel("‖gradient‖ at the first layer", fontsize=points(13))
    ax.set_title(title, fontsize=points(14))
    ax.legend(fontsize=points(12), loc="upper left")
    return fig


def _measured(stack, depths, kinds: dict) -> dict:
    """``{label: [input_gradient_norm at each depth]}`` on ``utils.block.stack_example``, for
    ``kinds = {label: keyword arguments of stack}``."""
    ex = stack_example()
    out = {}
    for label, kw in kinds.items():
        out[label] = [
            input_gradient_norm(
                lambda z, d=d, kw=kw: stack(z, ex["layers"][:d], ex["num_heads"], **kw),
                ex["x"],
                ex["direction"],
            )
            for d in depths
        ]
    return out


def _loss_gradient() -> float:
    """``||R||``: the gradient of the stand-in loss through 0 layers (its direction R)."""
    return float(np.linalg.norm(stack_example()["direction"]))


def residual_gradient_figure(depths=(1, 6, 24)):
    """Section 4's measurement: stacks without norms, with and without residuals."""
    kinds = {"no residual": {"residual": False}, "residual": {"residual": True}}
    series = _measured(residual_stack, depths, kinds)
    title = "layers without norms: residual or not"
    return gradient_depth_figure(depths, series, title, reference=_loss_gradient())


def norm_placement_gradient_figure(depths=(1, 6, 24)):
    """Section 6's measurement: post-LN (the paper) against pre-LN stacks, with and without
    the pre-LN stack's final norm."""
    kinds = {
        "post-LN (the paper)": {"norm_first": False},
        "pre-LN (variant)": {"norm_first": True},
        "pre-LN, no final norm": {"norm_first": True, "final_norm": False},
    }
    series = _measured(encoder_stack, depths, kinds)
    title = "where the norm goes: post-LN or pre-LN"
    return gradient_depth_figure(depths, series, title, reference=_loss_gradient())


FIGURES = {
    "04_block_diagram.png": block_diagram_figure,
    "04_cross_attention.png": cross_attention_figure,
    "04_norm_axes.png": norm_axes_figure,
    "04_block_cost.png": block_cost_figure,
    "04_stream_norm.png": stream_norm_figure,
    "04_gradient_residual.png": residual_gradient_figure,
    "04_gradient_norm_placement.png": norm_placement_gradient_figure,
}
