"""The heads explorer of notebooks/02_multi_head_attention.ipynb: pick the number of heads h
(a divisor of d_model) and one head; see every shape and that head's attention weights.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from utils.attention import init_mha_params, multi_head_attention
from utils.cost import count_parameters
from utils.widgets import render
from utils.widgets.base import Explorer

DEFAULT_TOKENS = ("the", "cat", "sat", "on", "the", "mat")


def divisors(n: int) -> list[int]:
    """The positive divisors of ``n`` in increasing order (the valid head counts)."""
    return [h for h in range(1, n + 1) if n % h == 0]


def shape_rows(n: int, d_model: int, h: int) -> list[tuple[str, tuple]]:
    """``(name, shape)`` for each step of self-attention with ``d_k = d_v = d_model / h``."""
    d_k = d_model // h
    return [
        ("X", (n, d_model)),
        ("W_q, W_k, W_v", (d_model, d_model)),
        ("Q = X W_q", (n, d_model)),
        ("Q split into heads", (h, n, d_k)),
        ("weights softmax(QK^T/sqrt(d_k))", (h, n, n)),
        ("head outputs", (h, n, d_k)),
        ("concatenation", (n, h * d_k)),
        ("W_o", (h * d_k, d_model)),
        ("output", (n, d_model)),
    ]


class HeadsExplorer(Explorer):
    """Choose h among the divisors of ``d_model`` and the head to inspect.

    Self-attention on ``tokens`` with one seeded random embedding per word (scaled by
    ``spread`` so heads differ visibly), so that a repeated word ("the") gets the same vector
    and the same row of weights, and seeded weights from ``init_mha_params(d_model, h)``.
    ``h`` is the number of heads shown first: 3 by default, so that with 6 tokens and
    ``d_model = 12`` the shapes ``(h, n, d_k) = (3, 6, 4)`` tell heads, tokens and features
    apart. The view
    (HTML, a few ms per change) shows that head's weights next to the shape table, d_k and
    the parameter count.
    """

    name = "HeadsExplorer"

    def __init__(
        self, d_model: int = 12, tokens=DEFAULT_TOKENS, seed: int = 0, spread=3.0, h: int = 3
    ):
        if h not in divisors(d_model):
            raise ValueError(f"h={h!r} must divide d_model={d_model}: one of {divisors(d_model)}")
        self.d_model, self.tokens, self.seed = d_model, list(tokens), seed
        rng = np.random.default_rng(seed)
        words = list(dict.fromkeys(self.tokens))  # each word once, in order of appearance
        table = spread * rng.normal(size=(len(words), d_model))  # (words, d_model)
        self.x = table[[words.index(t) for t in self.tokens]]  # (n, d_model): one row per word
        self._weights = {}  # h -> (h, n, n)
        for heads in divisors(d_model):  # all in __init__ (tiny): callbacks only build HTML
            params = init_mha_params(d_model, heads, seed=seed)
            self._weights[heads] = multi_head_attention(self.x, self.x, params, heads)[1]
        self.h_control = widgets.SelectionSlider(
            options=divisors(d_model), value=h, description="heads h"
        )
        self.head_control = widgets.IntSlider(
            value=0, min=0, max=self.h_control.value - 1, description="head"
        )
        self.controls = [self.h_control, self.head_control]
        self._syncing = False
        super().__init__()

    @property
    def h(self) -> int:
        return self.h_control.value

    @property
    def head(self) -> int:
        return self.head_control.value

    def _on_change(self, change) -> None:
        if self._syncing:
            return
        if change["owner"] is self.h_control:  # new h: keep the head index valid, draw once
            self._syncing = True
            try:
                self.head_control.max = self.h - 1  # may clamp the value
            finally:
                self._syncing = False
        self.refresh()

    def weights(self) -> np.ndarray:
        """``(h, n, n)`` per-head attention weights for the current h."""
        return self._weights[self.h]

    def table_html(self) -> str:
        """The shape table for the current h as HTML."""
        n, d, h = len(self.tokens), self.d_model, self.h
        cell = (
            'style="padding:1px 10px 1px 0;line-height:1.3;text-align:left;'
            'border-bottom:1px solid #ddd"'
        )
        rows = "".join(
            f'<tr style="background:none"><td {cell}>{name}</td>'
            f"<td {cell}><code>{shape}</code></td></tr>"
            for name, shape in shape_rows(n, d, h)
        )
        params = count_parameters(d, h)["total"]
        summary = render.text_html(
            f"<b>d_model = {d}, h = {h}, d_k = d_v = {d // h}</b><br>parameters: {params} "
            f"(the same for every h)<br>attention-weight entries h&middot;n&middot;n = {h * n * n}"
        )
        table = f'<table style="{render.FONT};border-collapse:collapse;margin:0">{rows}</table>'
        return render.panel("every shape, step by step", summary + table, width="auto")

    def draw(self) -> str:
        title = f"head {self.head} of {self.h} (d_k = {self.d_model // self.h})"
        weights = render.heatmap_html(
            self.weights()[self.head],
            self.tokens,
            self.tokens,
            title=title,
            row_title="query",
            col_title="key",
            cell=44,
            height=28,
        )
        return render.row(weights, self.table_html(), gap=32)

    def describe(self) -> str:
        return (
            f"d_model={self.d_model}, h={self.h}, head={self.head}, d_k={self.d_model // self.h}"
        )
