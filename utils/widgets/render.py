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

# sizes that let an explorer's controls and view share a 1280x720 screen with JupyterLab's
# file browser open (about 844 x 590 px of notebook): 14 px text, 13 px in charts, nothing
# under 12 px. A projector gets larger text from the presentation scale (view_html).
FAMILY = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif"
TEXT_PX, CHART_PX = 14, 13
FONT = f"{FAMILY};font-size:{TEXT_PX}px;line-height:1.35"
CHART_FONT = f"{FAMILY};font-size:{CHART_PX}px"
GREY = "color:#555"
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
    cell: int = 44,
    height: int | None = None,
    font: int = CHART_PX,
    width: int | str = "auto",
) -> str:
    """A ``(rows, cols)`` matrix as an HTML table: coloured cells with their values written in.

    ``cell`` is a cell's width and ``height`` its height in px (default: 0.6 of the width),
    ``font`` the size of the values and labels; ``highlight_row`` outlines one row (e.g. the
    query being explored). The axis names (``row_title`` ↓, ``col_title`` →) go on the
    title's line; ``width`` is the panel's (see :func:`panel`; "auto": as wide as that line
    or the table, so two tables side by side keep their rows level). Every size is set
    inline, so JupyterLab's table style (padding, striped rows) does not change it. Meant for
    small matrices (up to ~16 x 16); use :func:`image_html` for large ones.
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D (rows, cols), got shape {matrix.shape}")
    rows, cols = matrix.shape
    row_labels = list(range(rows)) if row_labels is None else list(row_labels)
    col_labels = list(range(cols)) if col_labels is None else list(col_labels)
    height = round(cell * 0.6) if height is None else height
    rgb = colours(matrix, vmin, vmax, cmap)
    td = (
        f"width:{cell}px;min-width:{cell}px;height:{height}px;padding:0;line-height:1;"
        "text-align:center;border:1px solid #fff"
    )
    th = "padding:0 2px 1px;line-height:1.2;text-align:center;font-weight:600;background:none"
    label = "padding:0 5px 0 0;line-height:1;text-align:right;font-weight:600;white-space:nowrap"
    plain = "background:none"  # no striped or hover rows from the notebook's table style
    head = "".join(f'<th style="{th}">{_esc(c)}</th>' for c in col_labels)
    lines = [f'<tr style="{plain}"><th style="{th}"></th>{head}</tr>']
    for r in range(rows):
        outline = ";outline:3px solid #d62728;outline-offset:-2px" if r == highlight_row else ""
        cells = "".join(
            f'<td style="{td};background:rgb{tuple(int(v) for v in rgb[r, c])};'
            f'color:{_text_colour(rgb[r, c])}">{fmt.format(matrix[r, c])}</td>'
            for c in range(cols)
        )
        name = f'<th style="{label};background:none">{_esc(row_labels[r])}</th>'
        lines.append(f'<tr style="{plain}{outline}">{name}{cells}</tr>')
    axes = " ".join(  # each name on one line: the note wraps between them, never inside
        f'<span style="white-space:nowrap">{text}</span>'
        for text in (
            f"{_esc(row_title)} &darr;" if row_title else "",
            f"{_esc(col_title)} &rarr;" if col_title else "",
        )
        if text
    )
    table = (
        f'<table style="border-collapse:collapse;table-layout:auto;width:auto;margin:0;'
        f'{FAMILY};font-size:{font}px;font-variant-numeric:tabular-nums">{"".join(lines)}</table>'
    )
    return panel(title, table, note=axes, width=width)


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
    width: int = 320,
    height: int = 240,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
) -> str:
    """A large ``(rows, cols)`` matrix as a pixel image (one pixel per value, scaled up with
    sharp edges, ``width`` x ``height`` px), axis ranges written beside it, and a colour bar."""
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D (rows, cols), got shape {matrix.shape}")
    rows, cols = matrix.shape
    image = base64.b64encode(png_bytes(colours(matrix, vmin, vmax, cmap))).decode("ascii")
    bar = colours(np.linspace(vmax, vmin, 64)[:, None], vmin, vmax, cmap)
    bar_png = base64.b64encode(png_bytes(bar)).decode("ascii")
    pixel = "image-rendering:pixelated;image-rendering:crisp-edges"
    # the vertical label as SVG text: a static view keeps it (an untrusted output loses CSS
    # writing-mode and transform, and the label would lie flat and push the chart aside)
    side = svg_chart(
        16,
        height,
        [
            f'<text transform="translate(12,{height / 2}) rotate(-90)" text-anchor="middle">'
            f"{_esc(ylabel)} (0 at top, {rows - 1} at bottom)</text>"
        ],
    )
    body = (
        f'<div style="display:flex;gap:4px;align-items:flex-start;{CHART_FONT};line-height:1.2">'
        f"{side}"
        f'<div><img alt="heatmap" src="data:image/png;base64,{image}" '
        f'style="display:block;width:{width}px;height:{height}px;max-width:none;{pixel};'
        f'border:1px solid #999"/>'
        f'<div style="text-align:center;width:{width}px">{_esc(xlabel)} (0 at left, '
        f"{cols - 1} at right)</div></div>"
        f'<div style="display:flex;flex-direction:column;justify-content:space-between;'
        f'height:{height}px"><span>{vmax:g}</span><img alt="colour bar" '
        f'src="data:image/png;base64,{bar_png}" style="width:12px;flex:1 1 0;min-height:0;{pixel}"/>'
        f"<span>{vmin:g}</span></div></div>"
    )
    return panel(title, body)


def _ticks(lo: float, hi: float, count: int = 5) -> np.ndarray:
    """Round tick values covering [lo, hi]."""
    ticks = MaxNLocator(count).tick_values(lo, hi)
    return ticks[(ticks >= lo - 1e-9 * (abs(lo) + 1)) & (ticks <= hi + 1e-9 * (abs(hi) + 1))]


LINE_MARGINS = {"left": 46, "right": 10, "top": 8, "bottom": 34}  # plot area in line_chart_svg


def svg_chart(width: int, height: int, parts: list[str]) -> str:
    """An inline SVG of ``width`` x ``height`` px in the chart font, never scaled down by the
    notebook's ``max-width: 100%`` for images (a chart that does not fit wraps instead)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'style="{CHART_FONT};max-width:none;display:block">{"".join(parts)}</svg>'
    )


def line_chart_svg(
    x,
    series: dict,
    *,
    width: int = 420,
    height: int = 240,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    ylim: tuple[float, float] | None = None,
    markers: bool = False,
    legend: bool = True,
) -> str:
    """Lines ``{label: y}`` against ``x`` as an inline SVG chart with axes, ticks and (with
    ``legend``) a legend under it; the plot area's margins are :data:`LINE_MARGINS`."""
    x = np.asarray(x, dtype=float)
    ys = {label: np.asarray(y, dtype=float) for label, y in series.items()}
    for label, y in ys.items():
        if y.shape != x.shape:
            raise ValueError(f"series {label!r} has shape {y.shape}, x has shape {x.shape}")
    lo, hi = (
        ylim if ylim else (min(y.min() for y in ys.values()), max(y.max() for y in ys.values()))
    )
    hi = hi if hi > lo else lo + 1.0
    left, right, top, bottom = (LINE_MARGINS[k] for k in ("left", "right", "top", "bottom"))
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
            f'<text x="{sx(t):.1f}" y="{top + plot_h + 15}" text-anchor="middle">{t:g}</text>'
        )
    keys = []
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
        keys.append(f'<span style="color:{colour}">&#9644; {_esc(label)}</span>')
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle">{_esc(xlabel)}</text>'
    )
    parts.append(
        f'<text transform="translate(12,{top + plot_h / 2}) rotate(-90)" text-anchor="middle">{_esc(ylabel)}</text>'
    )
    key = (
        f'<div style="{CHART_FONT};line-height:1.3;display:flex;gap:2px 10px;flex-wrap:wrap;'
        f'width:{width}px">{"".join(keys)}</div>'
        if legend
        else ""
    )
    return panel(title, svg_chart(width, height, parts) + key, width=width)


def bar_chart_svg(
    labels,
    values,
    *,
    width: int = 260,
    height: int = 170,
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
    left = 40 if ylabel else 30
    top, bottom = 16, 22
    plot_w, plot_h = width - left - 4, height - top - bottom

    def sy(v):
        return top + (hi - v) / (hi - lo) * plot_h

    step = plot_w / len(labels)
    parts = [
        f'<line x1="{left}" x2="{left + plot_w}" y1="{sy(max(lo, 0)):.1f}" y2="{sy(max(lo, 0)):.1f}" stroke="#888"/>'
    ]
    for t in _ticks(lo, hi, 4):
        parts.append(f'<text x="{left - 5}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x0, base = left + i * step + step * 0.15, sy(max(lo, 0))
        y0 = min(sy(v), base)
        colour = "#d62728" if i == highlight else "#1f77b4"
        parts.append(
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{step * 0.7:.1f}" height="{abs(base - sy(v)):.1f}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{x0 + step * 0.35:.1f}" y="{y0 - 3:.1f}" text-anchor="middle">{fmt.format(v)}</text>'
        )
        parts.append(
            f'<text x="{x0 + step * 0.35:.1f}" y="{height - 6}" text-anchor="middle">{_esc(label)}</text>'
        )
    if ylabel:
        parts.append(
            f'<text transform="translate(11,{top + plot_h / 2}) rotate(-90)" text-anchor="middle">{_esc(ylabel)}</text>'
        )
    return panel(title, svg_chart(width, height, parts), width=width)


def panel(title: str, body: str, note: str = "", width: int | str = "min-content") -> str:
    """``body`` under a bold ``title`` followed on the same line by a grey ``note`` (HTML;
    the line is omitted when both are empty). The panel is ``width`` wide (px, or a CSS
    width; by default as wide as ``body``, so a long title wraps instead of widening it)
    and keeps its size in a :func:`row`."""
    grey = f' <span style="font-weight:normal;{GREY}">{note}</span>' if note else ""
    heading = (
        f'<div style="{FONT};font-weight:600;margin:0 0 2px">{_esc(title)}{grey}</div>'
        if title or note
        else ""
    )
    size = f"{width}px" if isinstance(width, int) else width
    return f'<div style="flex:none;width:{size}">{heading}{body}</div>'


def row(*parts: str, gap: int = 16) -> str:
    """Panels side by side (wrapping onto the next line only if the screen is too narrow)."""
    return (
        f'<div style="display:flex;flex-wrap:wrap;gap:6px {gap}px;align-items:flex-start">'
        f"{''.join(parts)}</div>"
    )


def text_html(text: str) -> str:
    """A line of explanatory text in the explorers' font (``text`` is HTML, not escaped)."""
    return f'<div style="{FONT};margin:2px 0">{text}</div>'


def view_html(markup: str, scale: float = 1.0) -> str:
    """An explorer's whole view: ``markup`` in the explorers' font, left-aligned, and at
    ``scale`` > 1 (``utils.notebook.presentation_scale()``, for a projector) zoomed by that
    factor: text and charts alike, a flex row wrapping where the wider view no longer fits."""
    zoom = f";zoom:{scale:g}" if scale != 1 else ""
    return f'<div class="explorer-view" style="{FONT};text-align:left{zoom}">{markup}</div>'
