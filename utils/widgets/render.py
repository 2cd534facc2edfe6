"""Fast views for explorers: HTML heatmaps, PNG images straight from arrays, SVG charts.

Why not matplotlib inside callbacks: on a 2-core classroom laptop a matplotlib figure of
three annotated heatmaps takes 100-400 ms to draw and encode, a visible lag on every
slider step. These builders produce the same information as HTML/SVG text in a few
milliseconds, and the browser renders it crisply at any zoom (good on a projector).
Static figures in the notebooks and figures/ still use matplotlib (utils.plotting).
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib
import numpy as np
from matplotlib.ticker import MaxNLocator
from PIL import Image

from utils.plotting.core import relative_luminance

# sizes for a projector: 16 px text, 15 px in charts
FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:16px"
CHART_FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:15px"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]


def _esc(text) -> str:
    return html.escape(str(text))


def colours(matrix, vmin: float, vmax: float, cmap: str) -> np.ndarray:
    """``(..., 3)`` uint8 RGB colours of ``matrix`` under ``cmap`` scaled to [vmin, vmax]."""
    span = (vmax - vmin) or 1.0
    unit = np.clip((np.asarray(matrix, dtype=float) - vmin) / span, 0.0, 1.0)
    return (matplotlib.colormaps[cmap](unit)[..., :3] * 255).round().astype(np.uint8)


def _text_colour(rgb) -> str:
    """Black on light cells, white on dark ones: the same rule as the static heatmaps."""
    return "#000" if relative_luminance(np.asarray(rgb) / 255) > 0.4 else "#fff"


def heatmap_html(
    matrix,
    row_labels=None,
    col_labels=None,
    *,
    vmin: float = 0.0,
    vmax: float = 1.0,
    cmap: str = "Blues",
    fmt: str = "{:.2f}",
    title: str = "",
    row_title: str = "",
    col_title: str = "",
    highlight_row: int | None = None,
    cell: int = 46,
) -> str:
    """A ``(rows, cols)`` matrix as an HTML table: coloured cells with their values written in.

    ``highlight_row`` outlines one row (e.g. the query being explored). Meant for small
    matrices (up to ~16 x 16); use :func:`image_html` for large ones.
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D (rows, cols), got shape {matrix.shape}")
    rows, cols = matrix.shape
    row_labels = list(range(rows)) if row_labels is None else list(row_labels)
    col_labels = list(range(cols)) if col_labels is None else list(col_labels)
    rgb = colours(matrix, vmin, vmax, cmap)
    td = f"width:{cell}px;height:{int(cell * 0.7)}px;text-align:center;border:1px solid #fff"
    head = "".join(f'<th style="padding:2px 4px">{_esc(c)}</th>' for c in col_labels)
    lines = [f"<tr><th></th>{head}</tr>"]
    for r in range(rows):
        outline = ";outline:3px solid #d62728;outline-offset:-2px" if r == highlight_row else ""
        cells = "".join(
            f'<td style="{td};background:rgb{tuple(int(v) for v in rgb[r, c])};'
            f'color:{_text_colour(rgb[r, c])}">{fmt.format(matrix[r, c])}</td>'
            for c in range(cols)
        )
        label = f'<th style="text-align:right;padding:2px 6px">{_esc(row_labels[r])}</th>'
        lines.append(f'<tr style="{outline}">{label}{cells}</tr>')
    caption = f"{_esc(col_title)} &rarr;" if col_title else ""
    side = f"{_esc(row_title)} &darr;" if row_title else ""
    table = (
        f'<table style="border-collapse:collapse;table-layout:auto;width:auto;margin:0;{FONT};font-variant-numeric:tabular-nums">'
        f'<caption style="caption-side:top;text-align:left;color:#555">{side}&nbsp;&nbsp;'
        f"{caption}</caption>{''.join(lines)}</table>"
    )
    return panel(title, table)


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode a ``(height, width, 3)`` uint8 array as a PNG file, with Pillow."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must have shape (height, width, 3), got {rgb.shape}")
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="png")
    return buffer.getvalue()


def image_html(
    matrix,
    *,
    vmin: float = -1.0,
    vmax: float = 1.0,
    cmap: str = "RdBu_r",
    width: int = 520,
    height: int = 260,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
) -> str:
    """A large ``(rows, cols)`` matrix as a pixel image (one pixel per value, scaled up with
    sharp edges), axis ranges written beside it, and a colour bar."""
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D (rows, cols), got shape {matrix.shape}")
    rows, cols = matrix.shape
    image = base64.b64encode(png_bytes(colours(matrix, vmin, vmax, cmap))).decode("ascii")
    bar = colours(np.linspace(vmax, vmin, 64)[:, None], vmin, vmax, cmap)
    bar_png = base64.b64encode(png_bytes(bar)).decode("ascii")
    pixel = "image-rendering:pixelated;image-rendering:crisp-edges"
    body = (
        f'<div style="display:flex;gap:8px;align-items:stretch;{FONT}">'
        f'<div style="writing-mode:vertical-rl;transform:rotate(180deg);text-align:center">'
        f"{_esc(ylabel)} (0 at top, {rows - 1} at bottom)</div>"
        f'<div><img alt="heatmap" src="data:image/png;base64,{image}" '
        f'style="width:{width}px;height:{height}px;{pixel};border:1px solid #999"/>'
        f'<div style="text-align:center">{_esc(xlabel)} (0 at left, {cols - 1} at right)</div></div>'
        f'<div style="display:flex;flex-direction:column;justify-content:space-between;'
        f'height:{height}px"><span>{vmax:g}</span><img alt="colour bar" '
        f'src="data:image/png;base64,{bar_png}" style="width:14px;flex:1 1 0;min-height:0;{pixel}"/>'
        f"<span>{vmin:g}</span></div></div>"
    )
    return panel(title, body)


def _ticks(lo: float, hi: float, count: int = 5) -> np.ndarray:
    """Round tick values covering [lo, hi]."""
    ticks = MaxNLocator(count).tick_values(lo, hi)
    return ticks[(ticks >= lo - 1e-9 * (abs(lo) + 1)) & (ticks <= hi + 1e-9 * (abs(hi) + 1))]


def line_chart_svg(
    x,
    series: dict,
    *,
    width: int = 520,
    height: int = 260,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    ylim: tuple[float, float] | None = None,
    markers: bool = False,
) -> str:
    """Lines ``{label: y}`` against ``x`` as an inline SVG chart with axes, ticks and legend."""
    x = np.asarray(x, dtype=float)
    ys = {label: np.asarray(y, dtype=float) for label, y in series.items()}
    for label, y in ys.items():
        if y.shape != x.shape:
            raise ValueError(f"series {label!r} has shape {y.shape}, x has shape {x.shape}")
    lo, hi = (
        ylim if ylim else (min(y.min() for y in ys.values()), max(y.max() for y in ys.values()))
    )
    hi = hi if hi > lo else lo + 1.0
    left, right, top, bottom = 56, 12, 10, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    x_lo, x_hi = float(x.min()), float(x.max()) if x.max() > x.min() else float(x.min()) + 1

    def sx(v):
        return left + (np.asarray(v) - x_lo) / (x_hi - x_lo) * plot_w

    def sy(v):
        return top + (hi - np.asarray(v)) / (hi - lo) * plot_h

    parts = [
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>'
    ]
    for t in _ticks(lo, hi):
        parts.append(
            f'<line x1="{left - 4}" x2="{left + plot_w}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#ddd"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for t in _ticks(x_lo, x_hi):
        parts.append(
            f'<text x="{sx(t):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{t:g}</text>'
        )
    legend = []
    for i, (label, y) in enumerate(ys.items()):
        colour = PALETTE[i % len(PALETTE)]
        points = " ".join(
            f"{a:.1f},{b:.1f}" for a, b in zip(sx(x), sy(np.clip(y, lo, hi)), strict=True)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        if markers:
            parts += [
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"/>'
                for a, b in zip(sx(x), sy(y), strict=True)
            ]
        legend.append(f'<span style="color:{colour}">&#9644; {_esc(label)}</span>')
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle">{_esc(xlabel)}</text>'
    )
    parts.append(
        f'<text transform="translate(14,{top + plot_h / 2}) rotate(-90)" text-anchor="middle">{_esc(ylabel)}</text>'
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'style="{CHART_FONT}">{"".join(parts)}</svg>'
    )
    return panel(
        title,
        svg + f'<div style="{FONT};display:flex;gap:12px;flex-wrap:wrap">{"".join(legend)}</div>',
    )


def bar_chart_svg(
    labels,
    values,
    *,
    width: int = 360,
    height: int = 220,
    title: str = "",
    ylabel: str = "",
    ylim: tuple[float, float] | None = None,
    fmt: str = "{:.2f}",
    highlight: int | None = None,
) -> str:
    """Vertical bars, one per label, each with its value written above it, as inline SVG."""
    values = np.asarray(values, dtype=float)
    labels = list(labels)
    if values.shape != (len(labels),):
        raise ValueError(f"need one value per label: {len(labels)} labels, values {values.shape}")
    lo, hi = ylim if ylim else (min(0.0, values.min()), max(values.max(), 1e-12))
    hi = hi if hi > lo else lo + 1.0
    left, top, bottom = 46, 18, 30
    plot_w, plot_h = width - left - 8, height - top - bottom

    def sy(v):
        return top + (hi - v) / (hi - lo) * plot_h

    step = plot_w / len(labels)
    parts = [
        f'<line x1="{left}" x2="{left + plot_w}" y1="{sy(max(lo, 0)):.1f}" y2="{sy(max(lo, 0)):.1f}" stroke="#888"/>'
    ]
    for t in _ticks(lo, hi, 4):
        parts.append(f'<text x="{left - 6}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x0, base = left + i * step + step * 0.15, sy(max(lo, 0))
        y0 = min(sy(v), base)
        colour = "#d62728" if i == highlight else "#1f77b4"
        parts.append(
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{step * 0.7:.1f}" height="{abs(base - sy(v)):.1f}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{x0 + step * 0.35:.1f}" y="{y0 - 4:.1f}" text-anchor="middle">{fmt.format(v)}</text>'
        )
        parts.append(
            f'<text x="{x0 + step * 0.35:.1f}" y="{height - 10}" text-anchor="middle">{_esc(label)}</text>'
        )
    parts.append(
        f'<text transform="translate(12,{top + plot_h / 2}) rotate(-90)" text-anchor="middle">{_esc(ylabel)}</text>'
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" style="{CHART_FONT}">{"".join(parts)}</svg>'
    return panel(title, svg)


def panel(title: str, body: str) -> str:
    """``body`` under a bold ``title`` (omitted when empty)."""
    heading = (
        f'<div style="{FONT};font-weight:600;margin:0 0 4px">{_esc(title)}</div>' if title else ""
    )
    return f"<div>{heading}{body}</div>"


def row(*parts: str, gap: int = 20) -> str:
    """Panels side by side, wrapping onto the next line on narrow screens."""
    return f'<div style="display:flex;flex-wrap:wrap;gap:{gap}px;align-items:flex-start">{"".join(parts)}</div>'


def text_html(text: str) -> str:
    """A line of explanatory text in the explorers' font (``text`` is HTML, not escaped)."""
    return f'<div style="{FONT};margin:4px 0">{text}</div>'
