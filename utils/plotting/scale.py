"""Figures for notebooks/06_attention_at_scale.ipynb (cost, tiling, KV cache, GQA, RoPE, ALiBi).

Figures of measurements take the measured numbers as arguments (the notebook measures, in
its own cells); they vary from machine to machine, so only the figures computed from
formulas are listed in ``FIGURES``. Layout: fixed margins in inches, nothing outside the
canvas (the notebooks show figures uncropped). Log axes get plain-text labels ("4k",
"1 GiB"), no mathtext.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from utils.attention import softmax
from utils.decoding import kv_cache_bytes
from utils.efficient import fit_power, running_max_and_sum
from utils.notebook import presentation_scale
from utils.plotting.core import extra_lines, margins, points, presenting, subplots, wrap
from utils.positional import alibi_bias, alibi_slopes, pair_frequencies, rope

PLAIN, TILED, CACHED, RECOMPUTE = "#1f77b4", "#2ca02c", "#2ca02c", "#d62728"
UNITS = ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"), (1, "B"))


def _figure(nrows=1, ncols=1, *, figsize, left=0.9, right=0.25, bottom=0.75, top=0.55, **kw):
    """``plt.subplots`` with the margins around the panels given in inches (text is as large
    in a wide figure as in a small one), so every label stays inside the canvas; ``kw``:
    ``wspace``/``hspace``. :func:`utils.plotting.core.subplots` with this module's margins."""
    return subplots(
        nrows, ncols, figsize=figsize, left=left, right=right, bottom=bottom, top=top, **kw
    )


def format_bytes(value: float) -> str:
    """``"512 MiB"``, ``"2 GiB"``, ``"1.5 KiB"``: binary units, at most 3 significant digits."""
    for size, unit in UNITS:
        if abs(value) >= size or size == 1:
            return f"{value / size:.3g} {unit}"
    return f"{value:g} B"  # pragma: no cover - the loop always returns


def format_count(value: float) -> str:
    """``"512"``, ``"4k"``, ``"64k"``, ``"1M"``: token counts that are powers of two."""
    if value >= 2**20:
        return f"{value / 2**20:g}M"
    if value >= 2**10:
        return f"{value / 2**10:g}k"
    return f"{value:g}"


def format_seconds(value: float) -> str:
    """``"3 ms"``, ``"0.25 s"``, ``"40.1 µs"``: at most 3 significant digits."""
    if value >= 1:
        return f"{value:.3g} s"
    if value >= 1e-3:
        return f"{value * 1e3:.3g} ms"
    return f"{value * 1e6:.3g} µs"


def _log_axis(axis, formatter, ticks=None, base: int = 10) -> None:
    """A log scale on ``axis`` (``ax.xaxis`` or ``ax.yaxis``) with labels from ``formatter``
    at ``ticks`` (default: the powers of ``base``), no minor ticks, no mathtext."""
    scale = axis.axes.set_xscale if axis.axis_name == "x" else axis.axes.set_yscale
    scale("log", base=base)
    if ticks is not None:
        axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda value, _: formatter(value)))
    axis.set_minor_locator(NullLocator())


def _powers_between(lo: float, hi: float, base: int = 10) -> list[float]:
    """Every power of ``base`` in [lo, hi] (tick positions)."""
    first, last = int(np.ceil(np.log(lo) / np.log(base))), int(np.floor(np.log(hi) / np.log(base)))
    return [float(base) ** e for e in range(first, last + 1)]


def _ticks_125(lo: float, hi: float) -> list[float]:
    """Ticks 1, 2, 5, 10, 20, ... times a power of ten, covering [lo, hi]."""
    ticks = []
    for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1):
        ticks += [m * 10.0**e for m in (1, 2, 5) if lo <= m * 10.0**e <= hi]
    return ticks


def _value_axis(ax, values, kind: str) -> None:
    """y axis on a log scale fitted to ``values``: bytes (powers of two, at most 7 ticks)
    or seconds (1-2-5 ticks)."""
    values = np.asarray(values, dtype=float)
    lo, hi = values.min() / 1.6, values.max() * 1.6
    if kind == "bytes":
        ticks = _powers_between(lo, hi, 2)
        _log_axis(ax.yaxis, format_bytes, ticks[:: -(-len(ticks) // 7)], base=2)
    else:
        _log_axis(ax.yaxis, format_seconds, _ticks_125(lo, hi))
    ax.set_ylim(lo, hi)


def _n_axis(ax, ns) -> None:
    """x axis: sequence length n on a log-2 scale, one labelled tick per measured n."""
    _log_axis(ax.xaxis, format_count, ticks=list(ns), base=2)
    ax.set_xlabel("sequence length n (tokens)")


# --- 1. cost -------------------------------------------------------------------------------------


def cost_figure(
    ns,
    seconds,
    peak_bytes,
    memory_limit: float = 16 * 2**30,
    n_max: int = 2**17,
    bytes_per_value=4,
):
    """Time (left) and peak memory (right) of plain attention against n. Time: the
    measurements and their power-law fit. Memory: the measurements and the formula
    ``copies * bytes_per_value * n^2`` (copies: the measured peak over one n x n matrix at
    the largest n, rounded), extended to ``n_max`` to show where it crosses
    ``memory_limit`` (a 16 GiB machine by default)."""
    ns = np.asarray(ns, dtype=float)
    fig, (ax_t, ax_m) = _figure(1, 2, figsize=(14, 5), left=1.0, wspace=0.3)
    p_t, c_t = fit_power(ns, seconds)
    ax_t.plot(ns, seconds, "o", ms=8, color=PLAIN, label="measured (fastest run)")
    ax_t.plot(ns, c_t * ns**p_t, "--", color="gray", label=f"fit: time ∝ n^{p_t:.2f}")
    _n_axis(ax_t, ns)
    _value_axis(ax_t, seconds, "seconds")
    ax_t.set_ylabel("time per call")
    ax_t.set_title("Time of scaled_dot_product_attention")
    ax_t.legend(loc="upper left")

    p_m, _ = fit_power(ns, peak_bytes)
    copies = round(peak_bytes[-1] / (bytes_per_value * ns[-1] ** 2))  # score-sized arrays
    per_entry = copies * bytes_per_value  # bytes per (query, key) pair at the peak
    n_line = 2.0 ** np.arange(np.log2(ns[0]), np.log2(n_max) + 0.5)  # (k,) powers of two
    label = f"{copies} × {bytes_per_value} bytes × n²"
    ax_m.plot(n_line, per_entry * n_line**2, "--", color="gray", label=label)
    ax_m.plot(ns, peak_bytes, "o", ms=8, color=PLAIN, label=f"measured (fit: n^{p_m:.2f})")
    ax_m.axhline(memory_limit, color=RECOMPUTE, lw=2)
    crossing = np.sqrt(memory_limit / per_entry)
    ax_m.axvline(crossing, color=RECOMPUTE, lw=1, ls=":")
    ax_m.text(
        n_line[0] * 1.1,
        memory_limit * 1.5,
        f"{format_bytes(memory_limit)} of memory: full at n = {crossing:,.0f}",
        color=RECOMPUTE,
        va="bottom",
    )
    _log_axis(ax_m.xaxis, format_count, ticks=list(n_line[::2]), base=2)
    ax_m.set_xlabel("sequence length n (tokens)")
    _log_axis(ax_m.yaxis, format_bytes, [2.0**e for e in range(20, 41, 4)], base=2)
    ax_m.set_ylim(2**19, 2**41)
    ax_m.set_ylabel("peak memory")
    ax_m.set_title("Peak memory of one head, extrapolated")
    ax_m.legend(loc="lower right")
    return fig


# --- 2. online softmax and tiling ----------------------------------------------------------------


def online_softmax_figure(x, block_size: int):
    """Left: the row ``x`` as bars, shaded by block, with the running maximum after each
    block. Right: the running sum after each block (rescaled whenever the maximum rises),
    against the true sum of ``exp(x - max)`` it must end at."""
    x = np.asarray(x, dtype=float)
    m, total = running_max_and_sum(x, block_size)
    starts = np.arange(0, x.size, block_size)
    fig, (ax_x, ax_s) = _figure(1, 2, figsize=(14, 4.8), left=0.9, wspace=0.25, top=0.6)
    for b, start in enumerate(starts):
        stop = min(start + block_size, x.size)
        ax_x.axvspan(start - 0.5, stop - 0.5, color="0.92" if b % 2 else "0.82", zorder=0)
        ax_x.text(
            (start + stop - 1) / 2, x.max() + 0.75, f"block {b}", ha="center", fontsize=points(12)
        )
        ax_x.plot(
            [start - 0.45, stop - 0.55],
            [m[b], m[b]],
            color=RECOMPUTE,
            lw=3,
            label="running maximum m" if b == 0 else None,
        )
    ax_x.bar(np.arange(x.size), x, color=PLAIN, width=0.6, label="scores x")
    for j, value in enumerate(x):  # each score on its bar (inside, clear of the red line)
        inside = value >= 1
        ax_x.text(
            j,
            value - 0.12 if inside else max(value, 0) + 0.1,
            f"{value:g}",
            ha="center",
            va="top" if inside else "bottom",
            color="white" if inside else "black",
            fontsize=points(10),
        )
    flat = np.flatnonzero(x == 0)  # a score of 0 draws no bar: a dot shows it is there
    ax_x.plot(flat, x[flat], "o", ms=7, color=PLAIN)
    ax_x.set_ylim(min(x.min(), 0) - 0.3, x.max() + 2.3)
    ax_x.set_xticks(np.arange(x.size))
    ax_x.set_xlabel("key index j")
    ax_x.set_ylabel("score")
    ax_x.set_title("A row of scores, read one block at a time")
    ax_x.legend(loc="upper left", fontsize=points(11), ncol=2)

    blocks = np.arange(len(starts))
    final = np.exp(x - x.max()).sum()
    ax_s.plot(blocks, total, "o-", ms=9, lw=2, color=TILED, label="running sum after block b")
    ax_s.axhline(final, color="gray", ls="--", label=f"Σ exp(x − max x) = {final:.3f}")
    for b in blocks:
        # in the presentation style neighbouring labels are as wide as a block's step:
        # every other one two lines lower
        lower = points(36) if presenting() and b % 2 else 0.0
        ax_s.annotate(
            f"m = {m[b]:g}\nsum = {total[b]:.3f}",
            (b, total[b]),
            xytext=(0, points(-16) - lower),
            va="top",
            textcoords="offset points",
            ha="center",
            fontsize=points(11),
        )
    ax_s.set_xticks(blocks)
    room = 0.7 if presenting() else 0.5  # room for the first and last labels
    ax_s.set_xlim(-room, blocks[-1] + room)
    ax_s.set_ylim(0, max(total.max(), final) * (1.45 if presenting() else 1.3))  # the legend
    ax_s.set_xlabel("after block b")
    ax_s.set_ylabel("running sum of exp(x − m)")
    ax_s.set_title("The sum is rescaled when m rises")
    ax_s.legend(loc="upper left", fontsize=points(11), ncol=1 if presenting() else 2)
    return fig


def tiled_figure(plain: dict, tiled: dict, blocks: dict):
    """Plain against tiled attention. ``plain`` and ``tiled``: ``{"n": [...], "seconds":
    [...], "bytes": [...]}`` measured at the same n; ``blocks``: ``{"block_size": [...],
    "seconds": [...], "bytes": [...], "n": n}`` for the tiled version at one n.
    Top: peak memory and time against n, each labelled with the exponent p of its fit
    c · n^p; bottom: both against the block size."""
    fig, axes = _figure(2, 2, figsize=(16, 7.4), left=1.0, wspace=0.25, hspace=0.6, top=0.45)
    ns = np.asarray(plain["n"], dtype=float)
    for key, ax, title in (
        ("bytes", axes[0, 0], "Peak memory against n"),
        ("seconds", axes[0, 1], "Time against n"),
    ):
        p_plain, p_tiled = fit_power(ns, plain[key])[0], fit_power(ns, tiled[key])[0]
        label = f"plain (n × n scores): ∝ n^{p_plain:.2f}"
        ax.plot(ns, plain[key], "o-", ms=8, lw=2, color=PLAIN, label=label)
        label = f"tiled, block {tiled.get('block_size', 128)}: ∝ n^{p_tiled:.2f}"
        ax.plot(ns, tiled[key], "s-", ms=8, lw=2, color=TILED, label=label)
        _n_axis(ax, ns)
        _value_axis(ax, np.concatenate([plain[key], tiled[key]]), key)
        ax.set_title(title)
        ax.legend(loc="upper left", fontsize=points(11))
    bs = np.asarray(blocks["block_size"], dtype=float)
    for key, ax, title in (
        ("bytes", axes[1, 0], "Peak memory against block size"),
        ("seconds", axes[1, 1], "Time against block size"),
    ):
        ax.plot(bs, blocks[key], "s-", ms=8, lw=2, color=TILED, label=f"tiled, n = {blocks['n']}")
        ax.axhline(blocks[f"plain_{key}"], color=PLAIN, ls="--", lw=2, label="plain, same n")
        _log_axis(ax.xaxis, format_count, ticks=list(bs), base=2)
        ax.set_xlabel("block size (keys per block)")
        _value_axis(ax, np.append(blocks[key], blocks[f"plain_{key}"]), key)
        ax.set_title(title)
        ax.legend(loc="center left" if key == "bytes" else "upper right", fontsize=points(11))
    axes[0, 0].set_ylabel("peak memory")
    axes[1, 0].set_ylabel("peak memory")
    axes[0, 1].set_ylabel("time per call")
    axes[1, 1].set_ylabel("time per call")
    return fig


# --- 3. KV cache ---------------------------------------------------------------------------------


def kv_cache_figure(ns, recompute_seconds, cached_seconds):
    """Left: time to produce n tokens one at a time, recomputing against with a KV cache.
    Right: the speedup (recompute / cached) against n."""
    ns = np.asarray(ns, dtype=float)
    recompute, cached = np.asarray(recompute_seconds), np.asarray(cached_seconds)
    fig, (ax_t, ax_r) = _figure(1, 2, figsize=(14, 5), left=1.0, wspace=0.3)
    ax_t.plot(ns, recompute, "o-", ms=8, lw=2, color=RECOMPUTE, label="recompute every step")
    ax_t.plot(ns, cached, "s-", ms=8, lw=2, color=CACHED, label="KV cache")
    _n_axis(ax_t, ns)
    _value_axis(ax_t, np.concatenate([recompute, cached]), "seconds")
    ax_t.set_ylabel("time for all n steps")
    ax_t.set_title("Generating n tokens, one at a time")
    ax_t.legend(loc="upper left")
    ratio = recompute / cached
    ax_r.plot(ns, ratio, "o-", ms=8, lw=2, color="black")
    for n, r in zip(ns, ratio, strict=True):
        text = f"{r:.1f}×" if r < 10 else f"{r:.0f}×"
        ax_r.annotate(
            text, (n, r), xytext=(0, points(10)), textcoords="offset points", ha="center"
        )
    _n_axis(ax_r, ns)
    ax_r.set_ylim(0, ratio.max() * 1.25)
    ax_r.set_ylabel("recompute time / cached time")
    ax_r.set_title("Speedup of the KV cache")
    return fig


# --- 4. grouped-query attention ------------------------------------------------------------------


def gqa_figure(num_heads: int = 8, kv_heads=(8, 2, 1), config=(32, 128, 4096)):
    """Top: which key/value head each query head reads, for multi-head (h_kv = h),
    grouped-query and multi-query attention. Bottom: the KV cache of a model with
    ``config = (layers, head_dim, tokens)`` in float16 against h_kv."""
    layers, head_dim, tokens = config
    width, height = size = (15, 7.2)
    fig = plt.figure(figsize=size)
    # margins in inches: 8% and 2% of the width left and right, 10% and 6% of the height
    # below and above (they grow with the text in the presentation style)
    left, right, bottom, top = 0.08 * width, 0.02 * width, 0.1 * height, 0.06 * height
    place = margins(size, (2, len(kv_heads)), left, bottom, right, top, wspace=0.1, hspace=0.3)
    grid = fig.add_gridspec(2, len(kv_heads), height_ratios=(1, 1.6), **place)
    area = 500 * presentation_scale() ** 2  # points², a square round the labels inside
    names = {num_heads: "multi-head", 1: "multi-query"}
    for col, h_kv in enumerate(kv_heads):
        ax = fig.add_subplot(grid[0, col])
        g = num_heads // h_kv
        xs_q = np.arange(num_heads)
        xs_kv = (np.arange(h_kv) + 0.5) * g - 0.5  # each kv head under the middle of its group
        for i in range(num_heads):
            ax.plot([xs_q[i], xs_kv[i // g]], [1, 0], color=plt.cm.tab10(i // g % 10), lw=2)
        ax.scatter(xs_q, np.ones(num_heads), s=area, marker="s", color="#9ecae1", zorder=3)
        ax.scatter(xs_kv, np.zeros(h_kv), s=area, marker="s", color="#fdae6b", zorder=3)
        for i in range(num_heads):
            ax.text(xs_q[i], 1, f"q{i}", ha="center", va="center", fontsize=points(11), zorder=4)
        for j in range(h_kv):
            ax.text(xs_kv[j], 0, f"kv{j}", ha="center", va="center", fontsize=points(10), zorder=4)
        ax.set_xlim(-0.8, num_heads - 0.2)
        ax.set_ylim(-0.35, 1.35)
        ax.axis("off")
        ax.set_title(f"{names.get(h_kv, 'grouped-query')}: h = {num_heads}, h_kv = {h_kv}")
    ax = fig.add_subplot(grid[1, :])
    options = [32, 16, 8, 4, 2, 1]
    sizes = [kv_cache_bytes(layers, h, head_dim, tokens) for h in options]
    bars = ax.bar([str(h) for h in options], sizes, color="#fdae6b")
    for bar, size in zip(bars, sizes, strict=True):
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            size,
            format_bytes(size),
            ha="center",
            va="bottom",
            fontsize=points(12),
        )
    ax.set_ylim(0, max(sizes) * 1.2)
    ticks = np.linspace(0, max(sizes), 5)  # (5,) quarters of the largest cache
    ax.set_yticks(ticks, [format_bytes(t) if t else "0" for t in ticks])
    ax.set_xlabel(f"key/value heads h_kv ({options[0]} query heads)")
    ax.set_ylabel("KV cache, one sequence")
    ax.set_title(f"KV cache of {layers} layers × head_dim {head_dim} × {tokens} tokens in float16")
    return fig


# --- 5. RoPE and ALiBi ---------------------------------------------------------------------------


def rope_figure(d: int = 64, max_offset: int = 200, starts=(200, 300, 1200), seed: int = 0):
    """Left: pair 0 (fast) and the last pair (slow) of one vector, turned by positions 0..12.
    Middle: the score rope(q, i) · rope(k, j) against the offset Δ = i - j for one random
    (q, k), with the key at several positions j (each >= ``max_offset``, so every query
    position i = j + Δ is >= 0): the same curve. Right: q = k, the score against |Δ| (it
    decays, with wiggles)."""
    rng = np.random.default_rng(seed)
    extra = extra_lines(1, 13)  # titles on two lines in the presentation style
    fig, axes = _figure(1, 3, figsize=(16, 5.2 + extra), left=0.8, wspace=0.32, top=0.75 + extra)
    ax_c, ax_s, ax_d = axes
    positions = np.arange(13)
    slow = d // 8  # a slower pair: frequency 10000^(-1/4) = 0.1 for any d divisible by 8
    x = np.zeros((13, d))
    x[:, 0] = x[:, 2 * slow] = 1.0  # pair 0 and pair `slow` both start at angle 0
    turned = rope(x, positions)  # (13, d)
    circle = np.linspace(0, 2 * np.pi, 200)
    ax_c.plot(np.cos(circle), np.sin(circle), color="0.8")
    freqs = pair_frequencies(d)
    for pair, colour in ((0, PLAIN), (slow, RECOMPUTE)):
        cols = turned[:, 2 * pair], turned[:, 2 * pair + 1]
        label = f"pair {pair}: {freqs[pair]:.2g} rad per position"
        ax_c.plot(*cols, "o", ms=8, color=colour, label=label)
        for p in (0, 1, 2, 3, 12) if pair == 0 else (12,):
            ax_c.annotate(
                str(p),
                (cols[0][p], cols[1][p]),
                xytext=(points(7), points(3)) if pair == 0 else (points(-22), points(2)),
                textcoords="offset points",
                fontsize=points(11),
                color=colour,
            )
    ax_c.set_aspect("equal")
    ax_c.set_xlim(-1.3, 1.3)
    ax_c.set_ylim(-1.3, 2.0 if presenting() else 1.6)  # room above the circle: the legend
    ax_c.set_xlabel("first column of the pair")
    ax_c.set_ylabel("second column of the pair")
    ax_c.set_title("Positions 0..12 turn each pair")
    # in the presentation style the entries sit closer, to stay within the panels
    compact = {"handlelength": 1.2, "columnspacing": 0.8, "handletextpad": 0.4}
    compact = compact if presenting() else {}
    ax_c.legend(loc="upper center", fontsize=points(10), framealpha=0.95, **compact)

    q, k = rng.normal(size=(1, d)), rng.normal(size=(1, d))
    offsets = np.arange(-max_offset, max_offset + 1)
    low, high = np.inf, -np.inf
    for start, marker in zip(starts, ("o", "s", "^"), strict=False):
        k_rot = rope(k, [start])  # key at position `start`
        q_rot = rope(np.repeat(q, offsets.size, 0), start + offsets)  # queries at start + offset
        scores = (q_rot @ k_rot.T)[:, 0]
        low, high = min(low, scores.min()), max(high, scores.max())
        every = slice(None) if marker == "o" else slice(None, None, 25)
        style = "-" if marker == "o" else marker
        ax_s.plot(offsets[every], scores[every], style, ms=8, label=f"j = {start}")
    ax_s.set_ylim(low - 0.45 * (high - low), high + 0.1 * (high - low))
    ax_s.set_xlabel("offset Δ = i − j (query position − key position)")
    ax_s.set_ylabel("score rope(q, i) · rope(k, j)")
    ax_s.set_title(wrap("One (q, k): the score", "depends on i − j only"))
    ax_s.legend(
        loc="lower center",
        fontsize=points(11),
        ncol=3,
        title="key at position",
        framealpha=0.95,
        **compact,
    )

    far = np.arange(0, 1001)
    same = np.repeat(q, far.size, 0)
    scores = (rope(same, far) * rope(q, [0])).sum(axis=1)  # q at position i against q at 0
    average = np.cos(far[:, None] * pair_frequencies(d)).mean(axis=1)  # (1001,)
    ax_d.plot(far, scores / scores[0], color="0.7", lw=0.8, label="one random q")
    ax_d.plot(far, average, color=PLAIN, lw=1.8, label="average over random q")
    ax_d.set_ylim(-0.45, 1.25)
    ax_d.set_xlabel("offset |Δ| = |i − j|")
    ax_d.set_ylabel("score / score at offset 0")
    ax_d.set_title(wrap("q = k: the score falls", "away from offset 0"))
    ax_d.legend(loc="upper right", fontsize=points(11))
    return fig


def _slope_label(slope: float) -> str:
    """``"1/256"`` for a slope that is one over a whole number, else 3 digits."""
    inverse = 1 / slope
    return f"1/{inverse:.0f}" if abs(inverse - round(inverse)) < 1e-9 else f"{slope:.3g}"


def alibi_figure(num_heads: int = 8, n: int = 12, heads=(0, 7)):
    """Left and middle: the bias of two heads (steepest and gentlest slope) for n tokens,
    causal part only, each on its own colour scale; the masked future keys grey, labelled.
    Right: the attention weights of the last query when every content score is equal (the
    bias alone), one line per head."""
    bias = alibi_bias(num_heads, n)  # (h, n, n)
    slopes = alibi_slopes(num_heads)
    causal = np.tril(np.ones((n, n), dtype=bool))
    fig, axes = _figure(1, 3, figsize=(17, 5.4), left=0.8, wspace=0.45, right=0.3, top=0.6)
    for ax, head in zip(axes[:2], heads, strict=True):
        shown = np.where(causal, bias[head], np.nan)  # the future is masked: drawn grey
        colours = plt.get_cmap("Purples_r").with_extremes(bad="0.6")  # 0 is white, not grey
        image = ax.imshow(shown, cmap=colours, vmin=bias[head][causal].min(), vmax=0)
        ax.text(
            n * 0.7,
            n * 0.22,
            "future keys\n(masked)",
            ha="center",
            va="center",
            color="white",
            fontsize=points(12),
        )
        ax.set_title(f"head {head}: bias = −{_slope_label(slopes[head])} · (i − j)")
        ax.set_xlabel("key position j")
        ax.set_ylabel("query position i")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    weights = softmax(bias[:, n - 1, :], axis=-1)  # (h, n): equal content, last query
    distance = np.arange(n)[::-1]  # key j is n - 1 - j tokens back
    # in the presentation style the larger legend says "head: slope" once, in its title
    short = presenting()
    for head in range(num_heads):
        slope = _slope_label(slopes[head])
        label = f"{head}: {slope}" if short else f"head {head}: slope {slope}"
        axes[2].plot(distance, weights[head], "o-", ms=5, label=label)
    axes[2].set_xlabel("distance i − j (tokens back)")
    axes[2].set_ylabel("attention weight")
    axes[2].set_title(f"Last query, equal content ({n} keys)")
    title = {"title": "head: slope", "handlelength": 1.2, "columnspacing": 1.0}
    axes[2].legend(fontsize=points(10), loc="upper right", ncol=2, **(title if short else {}))
    axes[2].set_ylim(0, weights.max() * (1.8 if short else 1.45))  # room for the legend
    return fig


# --- 7. longer than in training ------------------------------------------------------------------

SCHEME_COLOURS = {"sinusoidal": "#1f77b4", "rope": "#d62728", "alibi": "#2ca02c"}
SCHEME_COLOURS["alibi, slope 1/256"] = "#98df8a"  # the same scheme, lighter


def length_figure(
    lengths,
    accuracy: dict,
    by_position: dict,
    blind,
    train_length: int,
    blind_label: str = "best without positions",
    first_graded: int = 2,
):
    """Left: held-out accuracy against the test length, one line per positional scheme
    (``accuracy = {scheme: [...]}``, one value per length), with a baseline without
    positions (``blind``, one value per length, dashed, named ``blind_label``) and the
    training length marked. Right: accuracy at each query position of the longest length
    (``by_position = {scheme: (n,) array}``); positions before ``first_graded`` have no
    target and are not drawn."""
    lengths = np.asarray(lengths, dtype=float)
    fig, (ax_n, ax_p) = _figure(1, 2, figsize=(15, 5.2), left=0.9, wspace=0.25, top=0.6)
    for scheme, values in accuracy.items():
        ax_n.plot(
            lengths, values, "o-", ms=8, lw=2, color=SCHEME_COLOURS.get(scheme), label=scheme
        )
    ax_n.plot(lengths, blind, "k--", lw=1.5, label=blind_label)
    ax_n.axvline(train_length, color="0.5", lw=1, ls=":")
    ax_n.text(train_length * 1.04, 0.05, "training length", color="0.35", fontsize=points(11))
    _n_axis(ax_n, lengths)
    ax_n.set_xlabel("test sequence length n")
    ax_n.set_ylim(0, 1.45)
    ax_n.set_yticks(np.linspace(0, 1, 6))
    ax_n.set_ylabel("held-out accuracy")
    ax_n.set_title("Trained on short sequences, tested on longer ones")
    ax_n.legend(loc="upper right", fontsize=points(11), ncol=2)
    longest = int(lengths[-1])
    for scheme, values in by_position.items():
        values = np.asarray(values, dtype=float)
        graded = np.arange(values.size) >= first_graded  # the first ones have no target
        ax_p.plot(
            np.arange(values.size)[graded],
            values[graded],
            "o-",
            ms=4,
            lw=1.5,
            color=SCHEME_COLOURS.get(scheme),
            label=scheme,
        )
    ax_p.axvspan(-0.5, train_length - 0.5, color="0.9", zorder=0)
    ax_p.text(
        train_length / 2 - 0.5,
        1.04,
        "positions\nseen in training",
        ha="center",
        va="bottom",
        fontsize=points(10),
        color="0.35",
    )
    ax_p.set_xlim(-0.5, longest - 0.5)
    ax_p.set_ylim(0, 1.25)
    ax_p.set_yticks(np.linspace(0, 1, 6))
    ax_p.set_xlabel(f"query position (test length {longest})")
    ax_p.set_ylabel("accuracy at that position")
    ax_p.set_title(f"Where the answers are right, n = {longest}")
    ax_p.legend(loc="upper right", fontsize=points(11), ncol=3)
    return fig


def rope_offset_figure(scores, by_position, train_length: int, right_offset: int = 1):
    """Why a RoPE model trained on short inputs fails from some position on. Left: its mean
    score against the offset Δ = i - j (``scores (n,)``, Δ = 0 .. n-1, causal: keys at or
    before the query), the offsets seen in training (< ``train_length``) shaded, the right
    offset's score as a line; every offset scoring above it is marked. Right: accuracy at
    each query position (``by_position (n,)``), with the same offsets marked: query i has a
    key that far back once i >= Δ."""
    scores, by_position = np.asarray(scores, dtype=float), np.asarray(by_position, dtype=float)
    offsets = np.arange(scores.size)
    rivals = offsets[(scores > scores[right_offset]) & (offsets != right_offset)]
    fig, (ax_s, ax_p) = _figure(1, 2, figsize=(15, 5), left=0.9, wspace=0.25, top=0.6)
    for ax in (ax_s, ax_p):
        ax.axvspan(-0.5, train_length - 0.5, color="0.9", zorder=0)
        for rival in rivals:
            ax.axvline(rival, color=RECOMPUTE, lw=1.5, ls=":")
    ax_s.plot(offsets, scores, "o-", ms=4, lw=1.5, color=SCHEME_COLOURS["rope"])
    ax_s.axhline(scores[right_offset], color="black", lw=1, ls="--")
    ax_s.plot(right_offset, scores[right_offset], "o", ms=10, color="black")
    ax_s.annotate(
        f"Δ = {right_offset}: the right key",
        (right_offset, scores[right_offset]),
        xytext=(points(12), points(10)),
        textcoords="offset points",
        fontsize=points(11),
    )
    for rival in rivals:
        ax_s.annotate(
            f"Δ = {rival}",
            (rival, scores[rival]),
            xytext=(0, points(8)),
            textcoords="offset points",
            ha="center",
            fontsize=points(11),
            color=RECOMPUTE,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
    low, high = scores.min(), scores.max()
    ax_s.set_ylim(low - 0.1 * (high - low), high + 0.35 * (high - low))
    ax_s.text(
        train_length / 2 - 0.5,
        high + 0.33 * (high - low),
        "trained\noffsets",
        ha="center",
        va="top",
        fontsize=points(10),
        color="0.35",
    )
    ax_s.set_xlabel("offset Δ = i − j (query − key position)")
    ax_s.set_ylabel("mean score q · k / √d_k")
    ax_s.set_title("RoPE model: score against offset")
    graded = offsets >= right_offset  # earlier queries have no key that far back: no target
    ax_p.plot(
        offsets[graded], by_position[graded], "o-", ms=4, lw=1.5, color=SCHEME_COLOURS["rope"]
    )
    ax_p.set_ylim(0, 1.15)
    ax_p.text(
        train_length / 2 - 0.5,
        0.03,
        "trained\npositions",
        ha="center",
        va="bottom",
        fontsize=points(10),
        color="0.35",
    )
    ax_p.set_xlabel("query position i")
    ax_p.set_ylabel("accuracy at that position")
    ax_p.set_title("RoPE model: where its answers are right")
    for ax in (ax_s, ax_p):
        ax.set_xlim(-0.5, scores.size - 0.5)
    return fig


FIGURES = {
    "06_online_softmax.png": lambda: online_softmax_figure(
        [1.0, 3.0, 0.5, 2.0, 6.0, 1.5, 4.0, 7.0, 2.5, 0.0], 3
    ),
    "06_gqa.png": gqa_figure,
    "06_rope.png": rope_figure,
    "06_alibi.png": alibi_figure,
}
