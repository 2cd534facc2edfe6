"""The explorer of notebooks/05_attention_learns.ipynb.

:class:`SnapshotExplorer`: pick a training run and scrub through its recorded steps. The
view shows the attention weights on one held-out sequence at that step next to the pattern
the task needs, the held-out loss and accuracy curves with the step marked, and the numbers
at that step. Nothing is trained or recomputed: it only displays what ``utils.learn.train``
recorded, as HTML/SVG (a few ms per change).
"""

from __future__ import annotations

import html
from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from utils.learn import History, experiment, right_weight
from utils.widgets.base import Explorer
from utils.widgets.render import heatmap_html, panel, row, svg_chart, text_html

CURVE_W, CURVE_H = 250, 150  # each curve chart, px (two stacked beside the heatmaps)


class _Weight:
    """Formats a weight as ".57" (no leading zero, narrow cells), "1" for 1, "" below 0.005."""

    @staticmethod
    def format(value: float) -> str:
        if value < 0.005:
            return ""
        return "1" if value >= 0.995 else f"{value:.2f}".lstrip("0")


@lru_cache(maxsize=2)
def _default_runs() -> tuple:
    """The notebook's shift run, trained once per process (when no runs are passed)."""
    return (("shift", experiment("shift")),)


def _line(x1, y1, x2, y2, colour: str, extra: str = "") -> str:
    """An SVG line from (x1, y1) to (x2, y2), in px."""
    ends = f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
    return f'<line {ends} stroke="{colour}"{extra}/>'


def _label(x, y, text, anchor: str = "middle", extra: str = "") -> str:
    """SVG text at (x, y), in px, escaped."""
    where = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"'
    return f"<text {where}{extra}>{html.escape(text)}</text>"


def curve_svg(steps, values, current: int, *, title, ylabel, log=False, ylim=None) -> str:
    """``values`` against ``steps`` as a small SVG chart, with the step ``current`` marked by
    a vertical line and a dot; ``log=True`` plots log10 of the values (ticks at powers)."""
    steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
    y = np.log10(np.maximum(values, 1e-12)) if log else values
    lo, hi = ylim if ylim else (np.floor(y.min()), np.ceil(y.max()))
    hi = hi if hi > lo else lo + 1
    left, right, top, bottom = 50, 10, 8, 32
    plot_w, plot_h = CURVE_W - left - right, CURVE_H - top - bottom
    x_hi = max(steps.max(), 1.0)

    def sx(v):
        return left + np.asarray(v) / x_hi * plot_w

    def sy(v):
        return top + (hi - np.asarray(v)) / (hi - lo) * plot_h

    parts = [
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        'fill="none" stroke="#888"/>'
    ]
    for t in np.arange(lo, hi + 1) if log else np.linspace(lo, hi, 5):
        parts.append(_line(left, sy(t), left + plot_w, sy(t), "#e4e4e4"))
        parts.append(_label(left - 5, sy(t) + 4, f"1e{int(t)}" if log else f"{t:g}", "end"))
    for t in MaxNLocator(5, integer=True).tick_values(0, x_hi):
        if t <= x_hi:
            parts.append(_label(sx(t), top + plot_h + 15, f"{t:g}"))
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx(steps), sy(y), strict=True))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="2.5"/>')
    i = int(np.flatnonzero(steps == current)[0])
    dashed = ' stroke-dasharray="4 3"'
    parts.append(_line(sx(current), top, sx(current), top + plot_h, "#d62728", dashed))
    parts.append(f'<circle cx="{sx(current):.1f}" cy="{sy(y[i]):.1f}" r="5" fill="#d62728"/>')
    parts.append(_label(left + plot_w / 2, CURVE_H - 4, "training step"))
    turn = f' transform="rotate(-90 12 {top + plot_h / 2:.1f})"'
    parts.append(_label(12, top + plot_h / 2, ylabel, extra=turn))
    return panel(title, svg_chart(CURVE_W, CURVE_H, parts), width=CURVE_W)


class SnapshotExplorer(Explorer):
    """Controls: the training run, the step (only recorded steps), the held-out example.

    ``runs``: ``{name: History}`` from ``utils.learn.train`` (default: the notebook's shift
    run, trained on first use). ``state()`` returns the numbers shown for the current
    controls.
    """

    name = "SnapshotExplorer"

    def __init__(self, runs: dict | None = None):
        self.runs = dict(runs) if runs is not None else dict(_default_runs())
        if not self.runs or not all(isinstance(h, History) for h in self.runs.values()):
            raise TypeError("runs must be a non-empty dict {name: History} from utils.learn.train")
        first = next(iter(self.runs.values()))
        style = {"description_width": "initial"}
        self.run = widgets.Dropdown(options=list(self.runs), description="run", style=style)
        longest = max(len(name) for name in self.runs)
        self.run.layout.width = f"{min(300, 70 + 8 * longest)}px"  # every run's name readable
        self.step = widgets.IntSlider(description="step", style=style, continuous_update=True)
        self.example = widgets.IntSlider(
            value=0, min=0, max=len(first.example_tokens) - 1, description="example", style=style
        )
        self._fit_step_slider(first)
        self.run.observe(self._on_run, names="value")
        self.controls = [self.run, self.step, self.example]
        super().__init__()

    def _fit_step_slider(self, history: History) -> None:
        """Slider range and stride = the run's recorded steps; value = its last step."""
        steps = history.steps
        stride = int(steps[1] - steps[0]) if len(steps) > 1 else 1
        self.step.min, self.step.max = 0, int(steps[-1])
        self.step.step = stride
        self.step.value = int(steps[-1])

    def _on_run(self, _change) -> None:
        history = self.runs[self.run.value]
        with self.step.hold_trait_notifications():
            self._fit_step_slider(history)
        self.example.max = len(history.example_tokens) - 1

    def _history(self) -> History:
        return self.runs[self.run.value]

    def _index(self) -> int:
        """The recorded snapshot at or before the slider's step."""
        steps = self._history().steps
        return max(int(np.searchsorted(steps, self.step.value, side="right")) - 1, 0)

    def state(self) -> dict:
        """The numbers the view shows for the current controls."""
        h, i = self._history(), self._index()
        example = min(self.example.value, len(h.example_tokens) - 1)
        tokens = h.example_tokens[example]  # (n,)
        weights = h.weights[i, example]  # (n, n)
        needed = h.task.pattern(tokens[None])[0]  # (n, n)
        return {
            "run": self.run.value,
            "step": int(h.steps[i]),
            "last_step": int(h.steps[-1]),
            "example": example,
            "test_loss": float(h.test_loss[i]),
            "test_accuracy": float(h.test_accuracy[i]),
            "right_weight": right_weight(weights, needed),
            "weights": weights,
            "needed": needed,
            "labels": h.task.labels(tokens),
        }

    def draw(self) -> str:
        s, h = self.state(), self._history()
        n = len(s["labels"])
        rows_needing = np.flatnonzero(s["needed"].sum(axis=1) > 0)
        only = int(rows_needing[0]) if len(rows_needing) == 1 else None  # lookup: the query
        common = {"highlight_row": only, "fmt": _Weight}
        height = min(28, 228 // n)  # rows: 12 tokens fit in 228 px
        weights = heatmap_html(
            s["weights"],
            s["labels"],
            s["labels"],
            title=f"attention at step {s['step']}",
            row_title="query",
            col_title="key",
            cell=min(36, 300 // n),
            height=height,
            font=12,
            **common,
        )
        needed = heatmap_html(
            s["needed"],
            s["labels"],
            s["labels"],
            title="the pattern the task needs",  # same axes as the weights beside it
            cell=min(26, 192 // n),
            height=height,
            font=12,
            **common,
        )
        loss = curve_svg(
            h.steps,
            h.test_loss,
            s["step"],
            title="held-out loss",
            ylabel="cross-entropy (log)",
            log=True,
        )
        accuracy = curve_svg(
            h.steps,
            100 * h.test_accuracy,
            s["step"],
            title="held-out accuracy",
            ylabel="accuracy (%)",
            ylim=(0, 100),
        )
        curves = f'<div style="display:flex;flex-direction:column;gap:6px">{loss}{accuracy}</div>'
        numbers = text_html(
            f"<b>step {s['step']}</b> of {s['last_step']}: held-out loss {s['test_loss']:.2g}, "
            f"accuracy {100 * s['test_accuracy']:.1f}%; on this sequence, mean weight on the "
            f"keys the task needs {s['right_weight']:.2f} (1 = exactly the right pattern)"
        )
        return numbers + row(weights, needed, curves, gap=14)

    def describe(self) -> str:
        s = self.state()
        return (
            f"run={s['run']!r}, step={s['step']}, example={s['example']}, "
            f"accuracy={100 * s['test_accuracy']:.1f}%"
        )
