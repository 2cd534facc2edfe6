"""Explorers for notebooks/03_positional_encoding.ipynb.

- :class:`EncodingExplorer`: d_model, number of positions, base and variant -> the encoding
  as a heatmap, a few of its columns against position, and its key numbers.
- :class:`OffsetExplorer`: an offset k -> the rotation M_k, a numerical check that
  M_k @ PE[pos] = PE[pos + k], and the dot product PE[p] . PE[p + k] on its curve.

Both views are HTML/SVG built with :mod:`utils.widgets.render` (a few ms per change);
everything that does not depend on the changed control is cached.
"""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from utils.pe_properties import offset_similarity, shift_matrix, sin_cos_columns, wavelengths
from utils.plotting.positional import PE_CMAP, VARIANT_TITLES
from utils.positional import VARIANTS, pair_frequencies, sinusoidal_encoding
from utils.widgets.base import Explorer
from utils.widgets.render import (
    LINE_MARGINS,
    heatmap_html,
    image_html,
    line_chart_svg,
    row,
    text_html,
)

MAX_POSITIONS = 200  # the positions slider's maximum
MAX_OFFSET = 60  # the offset slider's maximum
CHECK_POSITIONS = 100  # OffsetExplorer checks M_k @ PE[pos] = PE[pos + k] for pos < this
SAMPLE_POSITIONS = (0, 37, 90)  # starting positions p where the dot product is measured
CURVE_POINTS = 400  # samples of the formula per curve: about one per pixel of the chart


@lru_cache(maxsize=32)
def _encoding(d_model: int, base: float, variant: str) -> np.ndarray:
    """``(MAX_POSITIONS, d_model)`` encoding, read-only; a smaller n is a prefix of it."""
    pe = sinusoidal_encoding(MAX_POSITIONS, d_model, base, variant)
    pe.setflags(write=False)
    return pe


BASES = (2.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0)  # the base slider's stops


def _number(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals, never "-0.00": a tiny negative rounds to 0."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _column_label(dim: int, d_model: int, base: float, variant: str) -> str:
    """``"column 2 (sin, λ 8.4)"``: the function and wavelength of column ``dim``."""
    sin_cols, _ = sin_cos_columns(d_model, variant)
    pair = dim // 2 if variant == "interleaved" else dim % (d_model // 2)
    kind = "sin" if dim in sin_cols else "cos"
    lam = wavelengths(d_model, base, variant)[pair]
    return f"column {dim} ({kind}, λ {lam:,.1f})"


def _curves(num_positions, d_model, base, variant, dims):
    """Columns ``dims`` of the formula at ``CURVE_POINTS`` real positions in [0, n - 1].

    Returns ``(x, {label: y})`` with x ``(points,)``: the encoding between integer positions
    too, so fast columns show as the sinusoids they are.
    """
    x = np.linspace(0, num_positions - 1, CURVE_POINTS)  # (points,)
    angles = x[:, None] * pair_frequencies(d_model, base, variant)[None, :]  # (points, d/2)
    sin_cols, _ = sin_cos_columns(d_model, variant)
    series = {}
    for dim in dims:
        pair = dim // 2 if variant == "interleaved" else dim % (d_model // 2)
        trig = np.sin if dim in sin_cols else np.cos
        series[_column_label(dim, d_model, base, variant)] = trig(angles[:, pair])
    return x, series


HEATMAP_W, HEATMAP_H = 300, 240  # the encoding's pixel image, px
CURVES_W, CURVES_H = 420, 240  # the columns-against-position chart, px


@lru_cache(maxsize=64)
def _heatmap_view(d_model: int, num_positions: int, base: float, variant: str) -> str:
    """HTML of the ``(num_positions, d_model)`` encoding as a pixel heatmap (cached: moving
    a slider back to a value seen before costs nothing)."""
    return image_html(
        _encoding(d_model, base, variant)[:num_positions],  # (n, d)
        vmin=-1.0,
        vmax=1.0,
        cmap=PE_CMAP,
        width=HEATMAP_W,
        height=HEATMAP_H,
        title=f"PE: {num_positions} positions × {d_model} columns, base {base:,g}",
        xlabel="column of PE",
        ylabel="position",
    )


@lru_cache(maxsize=64)
def _curves_view(d_model: int, num_positions: int, base: float, variant: str, dims) -> str:
    """SVG of columns ``dims`` against position (cached like the heatmap)."""
    x, series = _curves(num_positions, d_model, base, variant, dims)
    return line_chart_svg(
        x,
        series,
        width=CURVES_W,
        height=CURVES_H,
        ylim=(-1.1, 1.1),
        title="a few columns against position",
        xlabel="position",
        ylabel="PE value",
    )


class EncodingExplorer(Explorer):
    """Sliders for d_model, number of positions and base; a dropdown for the variant.

    The view: the ``(positions, d_model)`` encoding as a heatmap, four of its columns
    against position, and a line of numbers; ``state()`` returns those numbers (shape,
    value range, shortest and longest wavelength) for the current settings.
    """

    name = "EncodingExplorer"

    def __init__(self, d_model=64, num_positions=50, base=10000.0, variant="interleaved"):
        style = {"description_width": "initial"}
        self.d_model = widgets.IntSlider(
            value=d_model, min=4, max=256, step=4, description="d_model", style=style
        )
        self.num_positions = widgets.IntSlider(
            value=num_positions,
            min=5,
            max=MAX_POSITIONS,
            step=5,
            description="positions",
            style=style,
        )
        # stops with readable labels ("10,000", not the log slider's "1.00e+4"); base 2
        # shows that even a tiny base keeps positions apart, only without slow pairs
        self.base = widgets.SelectionSlider(
            options=[(f"{b:,.0f}", b) for b in BASES],
            value=float(base),
            description="base",
            style=style,
        )
        self.variant = widgets.Dropdown(options=VARIANTS, value=variant, description="variant")
        for control in (self.d_model, self.num_positions, self.base):
            control.layout.width = "390px"  # two rows of controls: long tracks, fine steps
        self.variant.layout.width = "200px"
        self.controls = [self.d_model, self.num_positions, self.base, self.variant]
        super().__init__()

    def _values(self):
        return (
            self.d_model.value,
            self.num_positions.value,
            float(self.base.value),
            self.variant.value,
        )

    def dims(self) -> list[int]:
        """The four (or fewer, for tiny d_model) columns drawn against position."""
        d, _, _, v = self._values()
        picks = {0, 2, d // 4, d // 2 - 2} if v == "interleaved" else {0, 1, d // 8, d // 4}
        return sorted(p for p in picks if 0 <= p < d)

    def state(self) -> dict:
        """Numbers for the current settings: shape, min, max, wavelength range, and the
        position up to which the slowest sine keeps rising (a quarter of its wavelength)."""
        d, n, b, v = self._values()
        pe = _encoding(d, b, v)[:n]  # (n, d)
        lam = wavelengths(d, b, v)  # (d/2,)
        return {
            "shape": pe.shape,
            "min": float(pe.min()),
            "max": float(pe.max()),
            "shortest_wavelength": float(lam.min()),
            "longest_wavelength": float(lam.max()),
            "slowest_rises_until": float(lam.max() / 4),
        }

    def draw(self) -> str:
        d, n, b, v = self._values()
        s = self.state()
        heat = _heatmap_view(d, n, b, v)
        curves = _curves_view(d, n, b, v, tuple(self.dims()))
        numbers = (
            f"PE shape <b>{s['shape']}</b>; values in "
            f"<b>[{_number(s['min'], 3)}, {_number(s['max'], 3)}]</b>; wavelengths from "
            f"<b>{s['shortest_wavelength']:.2f}</b> to <b>{s['longest_wavelength']:,.1f}</b> "
            f"positions; the slowest sine rises until position "
            f"<b>{s['slowest_rises_until']:,.1f}</b>"
        )
        variant = f"Variant — {VARIANT_TITLES[v]}; colours: red = +1, blue = −1"
        return text_html(numbers) + text_html(variant) + row(heat, curves)

    def describe(self) -> str:
        return (
            f"d_model={self.d_model.value}, positions={self.num_positions.value}, "
            f"base={self.base.value:g}, variant={self.variant.value}"
        )


@lru_cache(maxsize=8)
def _offset_tables(d_model: int, base: float):
    """Per d_model: the encoding for positions 0 .. CHECK_POSITIONS + MAX_OFFSET - 1 and the
    similarity PE[p] . PE[p + k] for k in -MAX_OFFSET .. MAX_OFFSET (both read-only)."""
    pe = sinusoidal_encoding(CHECK_POSITIONS + MAX_OFFSET, d_model, base)  # (160, d)
    ks = np.arange(-MAX_OFFSET, MAX_OFFSET + 1)  # (121,)
    sim = offset_similarity(ks, d_model, base)  # (121,)
    for array in (pe, ks, sim):
        array.setflags(write=False)
    return pe, ks, sim


class _BlankZero:
    """A ``fmt`` for heatmap_html: structural zeros of M_k stay blank, the rest 2 decimals
    (a tiny negative such as -0.001 reads 0.00, not -0.00)."""

    @staticmethod
    def format(value: float) -> str:
        return "" if value == 0 else _number(value, 2)


class _ShortZero:
    """As :class:`_BlankZero` without the leading zero (".28", "-.96", "1"), for the narrow
    cells of d_model 16."""

    @staticmethod
    def format(value: float) -> str:
        text = _BlankZero.format(value)
        if text in ("1.00", "-1.00"):
            return text[:-3]
        return text.replace("0.", ".", 1)


def _mark_offsets(chart: str, ks, sim, k: int, lo: float, hi: float, width: int, height: int):
    """Add red dots at (±k, similarity) and a dashed line at k to a line_chart_svg chart.

    Uses the plot-area margins of render.line_chart_svg (``LINE_MARGINS``) with the same x
    range and ``ylim=(lo, hi)``.
    """
    left, top = LINE_MARGINS["left"], LINE_MARGINS["top"]
    plot_w = width - left - LINE_MARGINS["right"]
    plot_h = height - top - LINE_MARGINS["bottom"]

    def sx(v):
        return left + (v - ks[0]) / (ks[-1] - ks[0]) * plot_w

    def sy(v):
        return top + (hi - v) / (hi - lo) * plot_h

    value = sim[k + MAX_OFFSET]
    marks = [
        f'<line x1="{sx(k):.1f}" x2="{sx(k):.1f}" y1="{top}" y2="{top + plot_h}" '
        'stroke="#d62728" stroke-dasharray="4 3"/>'
    ]
    marks += [
        f'<circle cx="{sx(x):.1f}" cy="{sy(value):.1f}" r="6" fill="#d62728"/>'
        for x in sorted({k, -k})
    ]
    return chart.replace("</svg>", "".join(marks) + "</svg>", 1)


class OffsetExplorer(Explorer):
    """Pick an offset k (and d_model): see M_k and the similarity PE[p] . PE[p + k].

    ``state()`` returns the largest error of M_k @ PE[pos] against PE[pos + k] over
    positions 0..99, the dot product at offset k from the formula, and the same dot
    product measured from a few starting positions p.
    """

    name = "OffsetExplorer"

    def __init__(self, k=5, d_model=16, base=10000.0):
        self.k = widgets.IntSlider(value=k, min=0, max=MAX_OFFSET, description="offset k")
        self.d_model = widgets.Dropdown(
            options=[4, 8, 16, 32], value=d_model, description="d_model"
        )
        self.d_model.layout.width = "140px"
        self.base_value = float(base)
        self.controls = [self.k, self.d_model]
        super().__init__()

    def state(self) -> dict:
        """Max |M_k PE[pos] - PE[pos + k]| over pos in 0..99, PE[p] . PE[p + k] (formula and
        measured at p in SAMPLE_POSITIONS) and each pair's rotation angle in degrees."""
        k, d = self.k.value, self.d_model.value
        pe, _, sim = _offset_tables(d, self.base_value)
        m = shift_matrix(k, d, self.base_value)  # (d, d)
        shifted = pe[:CHECK_POSITIONS] @ m.T  # row form of M_k @ PE[pos], (100, d)
        target = pe[k : k + CHECK_POSITIONS]  # (100, d)
        angles = np.degrees(k * pair_frequencies(d, self.base_value)) % 360  # (d/2,)
        return {
            "matrix": m,
            "max_error": float(np.abs(shifted - target).max()),
            "similarity": float(sim[k + MAX_OFFSET]),
            "measured": {p: float(pe[p] @ pe[p + k]) for p in SAMPLE_POSITIONS},
            "angles": angles,
        }

    def matrix_view(self, matrix) -> tuple[str, int]:
        """M_k as an annotated table (d_model up to 16) or a pixel image, and its width in px."""
        k, d = self.k.value, self.d_model.value
        title = f"M_k for k = {k}: one 2×2 rotation per pair"
        if d > 16:
            view = image_html(
                matrix,
                vmin=-1.0,
                vmax=1.0,
                cmap=PE_CMAP,
                width=300,
                height=300,
                title=title,
                xlabel="column of PE[pos]",
                ylabel="column of PE[pos + k]",
            )
            return view, 360
        cell, height, fmt = (40, 26, _BlankZero) if d <= 8 else (30, 18, _ShortZero)
        width = 24 + d * (cell + 1)  # the row labels, then d cells and their borders
        view = heatmap_html(
            matrix,
            vmin=-1.0,
            vmax=1.0,
            cmap=PE_CMAP,
            fmt=fmt,
            title=title,
            row_title="column of PE[pos + k]",
            col_title="column of PE[pos]",
            cell=cell,
            height=height,
            font=13 if d <= 8 else 12,
            width=width,  # the long axis names wrap above the table, even in a static view
        )
        return view, width

    def draw(self) -> str:
        k, d = self.k.value, self.d_model.value
        s = self.state()
        left, left_width = self.matrix_view(s["matrix"])
        _, ks, sim = _offset_tables(d, self.base_value)
        lo, hi = min(float(sim.min()), 0.0), d / 2
        width, height = min(440, 800 - left_width), 250  # the chart takes the rest of the row
        chart = line_chart_svg(
            ks,
            {"PE[p] · PE[p + k] = Σ cos(k·w_i)": sim},
            width=width,
            height=height,
            ylim=(lo, hi),
            title=f"Similarity at offset ±{k}: {_number(s['similarity'], 3)} (red dots)",
            xlabel="offset k",
            ylabel="PE[p] · PE[p + k]",
        )
        chart = _mark_offsets(chart, ks, sim, k, lo, hi, width, height)
        measured = ", ".join(f"p = {p}: {_number(v, 3)}" for p, v in s["measured"].items())
        angles = ", ".join(f"{round(a) % 360}°" for a in s["angles"])
        numbers = text_html(
            f"M_k @ PE[pos] vs PE[pos + {k}] for pos = 0..{CHECK_POSITIONS - 1}: "
            f"max error <b>{s['max_error']:.1e}</b>"
            f"<br>PE[p] · PE[p + {k}] = <b>{_number(s['similarity'], 3)}</b> for every p "
            f"(measured: {measured}); maximum <b>{d // 2}</b> at k = 0"
            f"<br>rotation angle k·w_i of pair i = 0, 1, ... (mod 360°): {angles}"
        )
        return numbers + row(left, chart)

    def describe(self) -> str:
        return f"k={self.k.value}, d_model={self.d_model.value}"
