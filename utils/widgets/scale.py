"""Explorer for notebooks/06_attention_at_scale.ipynb.

- :class:`ScaleExplorer`: sequence length, query heads, key/value heads, block size and
  dtype -> peak memory and time of plain attention, tiled attention, and one decoding step
  with and without a KV cache, from :func:`utils.efficient.estimate_costs` (formulas and
  stored measurements: nothing is run, so every change answers at once).

The view is HTML (a table and bars), built in well under a millisecond.
"""

from __future__ import annotations

import ipywidgets as widgets

from utils.efficient import BYTES_PER_VALUE, MEASURED_NS, estimate_costs
from utils.plotting.scale import format_bytes, format_count, format_seconds
from utils.widgets.base import Explorer
from utils.widgets.render import FONT, GREY, text_html

HEAD_DIM = 64
LENGTHS = [2**k for k in range(8, 18)]  # 256 .. 131072 tokens
HEADS = [1, 2, 4, 8, 16, 32]
BLOCKS = sorted(MEASURED_NS["float32"]["tiled"])
ROWS = {  # name: (table label, what it holds at its peak)
    "plain": ("plain attention", "h × n × n scores, 3 copies at the softmax"),
    "tiled": ("tiled (online softmax)", "h × n × block scores, 4 copies; the output"),
    "cached step": ("one new token, KV cache", "the cache 2 × h_kv × n × d"),
    "recompute step": ("one new token, no cache", "as plain: all n again"),
}
COLOURS = {"plain": "#1f77b4", "tiled": "#2ca02c", "cached step": "#2ca02c"}
COLOURS["recompute step"] = "#d62728"


BAR_PX = 90  # the longest bar in a table cell


def _bar(value: float, largest: float, colour: str) -> str:
    """A horizontal bar on a linear scale, at least 2 px (never invisible): next to a full
    bar, one of 2 % is what "50 times smaller" looks like."""
    width = max(2, round(BAR_PX * value / (largest or 1)))
    return (
        f'<span style="display:inline-block;width:{width}px;height:12px;'
        f'background:{colour};vertical-align:middle"></span>'
    )


def _table(costs: dict) -> str:
    """The four ways as a table: what each holds, its peak memory and time, each number
    next to a bar on the scale of its column."""
    pad = "padding:2px 6px;line-height:1.3;background:none"
    head = "".join(
        f'<th style="{pad};text-align:left">{c}</th>'
        for c in ("", "what it holds at the peak", "peak memory", "time (estimate)")
    )
    most = {key: max(c[key] for c in costs.values()) for key in ("bytes", "seconds")}
    body = "".join(
        f'<tr style="background:none"><td style="{pad};text-align:left;white-space:nowrap">'
        f"<b>{ROWS[name][0]}</b></td>"
        f'<td style="{pad};text-align:left;font-size:13px">{ROWS[name][1]}</td>'
        f'<td style="{pad};text-align:left;white-space:nowrap">'
        f"{_bar(c['bytes'], most['bytes'], COLOURS[name])} {format_bytes(c['bytes'])}</td>"
        f'<td style="{pad};text-align:left;white-space:nowrap">'
        f"{_bar(c['seconds'], most['seconds'], COLOURS[name])} "
        f"{format_seconds(c['seconds'])}</td></tr>"
        for name, c in costs.items()
    )
    return (
        f'<table style="border-collapse:collapse;margin:4px 0;{FONT};'
        f'font-variant-numeric:tabular-nums"><tr style="background:none">{head}</tr>{body}</table>'
    )


def _round_seconds(seconds: float) -> float:
    """3 significant digits, so the text shows no spurious precision."""
    return float(f"{seconds:.3g}")


class ScaleExplorer(Explorer):
    """Sliders and menus for n, h, h_kv, block size and dtype (head_dim fixed at 64).

    ``state()`` returns the numbers shown: ``estimate_costs(...)`` for the current
    settings, the key/value heads actually used (at most h) and the two ratios the view
    states (plain / tiled memory, recompute / cached time of one decoding step).
    """

    name = "ScaleExplorer"

    def __init__(self, n=4096, num_heads=8, num_kv_heads=2, block_size=128, dtype="float32"):
        style = {"description_width": "initial"}
        self.n = widgets.SelectionSlider(
            options=[(format_count(v), v) for v in LENGTHS],
            value=n,
            description="n (tokens)",
            style=style,
        )
        self.heads = widgets.Dropdown(options=HEADS, value=num_heads, description="h", style=style)
        self.kv_heads = widgets.Dropdown(
            options=HEADS, value=num_kv_heads, description="h_kv", style=style
        )
        self.block = widgets.Dropdown(
            options=BLOCKS, value=block_size, description="block", style=style
        )
        self.dtype = widgets.Dropdown(
            options=list(BYTES_PER_VALUE), value=dtype, description="dtype", style=style
        )
        self.controls = [self.n, self.heads, self.kv_heads, self.block, self.dtype]
        widths = (250, 95, 110, 120, 140)  # px: the five controls share one row
        for control, width in zip(self.controls, widths, strict=True):
            control.layout.width = f"{width}px"
        super().__init__()

    def state(self) -> dict:
        """The numbers for the current settings (see the class docstring)."""
        h = self.heads.value
        h_kv = min(self.kv_heads.value, h)  # powers of two: h_kv <= h divides h
        costs = estimate_costs(self.n.value, h, h_kv, HEAD_DIM, self.block.value, self.dtype.value)
        return {
            "costs": costs,
            "num_kv_heads": h_kv,
            "memory_ratio": costs["plain"]["bytes"] / costs["tiled"]["bytes"],
            "step_speedup": costs["recompute step"]["seconds"] / costs["cached step"]["seconds"],
        }

    def draw(self) -> str:
        s = self.state()
        costs = s["costs"]
        n, h, h_kv = self.n.value, self.heads.value, s["num_kv_heads"]
        dtype = self.dtype.value
        setting = (
            f"n = <b>{n:,}</b> tokens, h = <b>{h}</b> query heads, h_kv = <b>{h_kv}</b> "
            f"key/value heads of d = {HEAD_DIM}, <b>{dtype}</b> "
            f"({BYTES_PER_VALUE[dtype]} bytes per value); one layer, one sequence"
        )
        notes = []
        if self.kv_heads.value > h:
            notes.append(f"h_kv cannot exceed h: shown with h_kv = h = {h}.")
        if dtype == "float16":
            notes.append(
                "numpy has no fast float16 matrix product, so float16 is slow here; "
                "on a GPU it is the fast type."
            )
        ratios = (
            f"tiled holds <b>{s['memory_ratio']:,.0f}×</b> less than plain; "
            f"with the cache a new token costs <b>{s['step_speedup']:,.0f}×</b> less time "
            f"than recomputing; the cache alone is "
            f"<b>{format_bytes(costs['cached step']['bytes'] - h * n * BYTES_PER_VALUE[dtype])}"
            f"</b> (∝ h_kv)"
        )
        source = (
            "Times: stored numpy measurements on a 2-core machine (MEASURED_NS in "
            "utils.efficient), scaled by the formulas; memory: the formulas that sections 1 "
            "and 2 check against tracemalloc (tiled: tiled_peak_bytes)."
        )
        return (
            text_html(setting)
            + text_html(ratios)
            + "".join(text_html(f"<i>{note}</i>") for note in notes)
            + _table(costs)
            + text_html(f'<span style="{GREY};font-size:12px">{source}</span>')
        )

    def describe(self) -> str:
        return (
            f"n={self.n.value}, h={self.heads.value}, h_kv={self.kv_heads.value}, "
            f"block={self.block.value}, dtype={self.dtype.value}"
        )
