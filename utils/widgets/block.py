"""Explorers of notebooks/04_transformer_block.ipynb.

- :class:`CrossAttentionExplorer`: pick a target token and see how it reads the source in
  the worked example of cross-attention; mask the source padding or not.
- :class:`StackExplorer`: stack k encoder layers and follow the residual stream's size in a
  post-LN (the paper) and a pre-LN stack, for inputs of three sizes.

Everything is computed once in ``__init__`` (small arrays); a callback only builds HTML/SVG
with :mod:`utils.widgets.render`, a few ms per change.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from utils.attention import padding_mask, scaled_dot_product_attention
from utils.block import cross_attention_example, stack_example, stream_norms
from utils.widgets import render
from utils.widgets.base import Explorer


def _fmt(values, digits: int = 3) -> str:
    """``[0.564, 0.207]``: a short fixed-precision list for the explorers' text."""
    return "[" + ", ".join(f"{v:.{digits}f}" for v in np.asarray(values, dtype=float)) + "]"


class CrossAttentionExplorer(Explorer):
    """The worked example of notebook 04, section 2: 3 target tokens read 5 source tokens.

    Controls: ``target_control`` (which target token asks, i.e. which query row) and
    ``mask_control`` (mask the source's ``<pad>`` or not). State for tests: ``scores``
    ``(3, 5)`` (q·k / sqrt(d_k), the same with or without the mask), ``weights()`` ``(3, 5)``
    and ``out()`` ``(3, 4)`` for the current mask. The view: every weight with the chosen
    row outlined, that row as bars, and its numbers worked out below.
    """

    name = "CrossAttentionExplorer"

    def __init__(self):
        ex = cross_attention_example()
        self.source, self.target = ex["source"], ex["target"]
        q = ex["Y_tgt"] @ ex["W_q"]  # (3, d_k): queries from the target
        k = ex["X_src"] @ ex["W_k"]  # (5, d_k): keys from the source
        v = ex["X_src"] @ ex["W_v"]  # (5, d_v): values from the source
        self.values = v
        self.scores = q @ k.T / np.sqrt(q.shape[-1])  # (3, 5)
        mask = padding_mask([ex["src_length"]], len(self.source))[0]  # (1, 5)
        self._results = {  # masked? -> (out (3, d_v), weights (3, 5))
            False: scaled_dot_product_attention(q, k, v),
            True: scaled_dot_product_attention(q, k, v, mask=mask),
        }
        self.target_control = widgets.ToggleButtons(
            options=self.target, value=self.target[1], description="target token"
        )
        self.mask_control = widgets.Checkbox(value=False, description="mask the source <pad>")
        self.controls = [self.target_control, self.mask_control]
        super().__init__()

    @property
    def row(self) -> int:
        return self.target.index(self.target_control.value)

    @property
    def masked(self) -> bool:
        return bool(self.mask_control.value)

    def weights(self) -> np.ndarray:
        """``(3, 5)`` cross-attention weights for the current mask setting."""
        return self._results[self.masked][1]

    def out(self) -> np.ndarray:
        """``(3, 4)`` cross-attention output for the current mask setting."""
        return self._results[self.masked][0]

    def working_html(self) -> str:
        """The chosen row's numbers: scores, softmax over the allowed source tokens, output."""
        i, token = self.row, self.target_control.value
        allowed = self.source[:-1] if self.masked else self.source
        scores = self.scores[i, : len(allowed)]
        terms = " + ".join(f"e<sup>{s:g}</sup>" for s in scores)
        total = np.exp(scores).sum()
        best = int(np.argmax(self.weights()[i]))
        lines = [
            f"<b>{token}</b> (query row {i}) scores q·k/√4 against the source: "
            f"{_fmt(self.scores[i], 0)}",
            f"softmax over the {len(allowed)} source tokens it may read: denominator "
            f"{terms} = {total:.3f}",
            f"weights: {_fmt(self.weights()[i])} &rarr; most on <b>{self.source[best]}</b> "
            f"({self.weights()[i, best]:.3f} = e<sup>{self.scores[i, best]:g}</sup> / "
            f"{total:.3f}); &lt;pad&gt; gets {self.weights()[i, -1]:.3f}",
            f"output row = weights @ V = {_fmt(self.out()[i])}: one row per target token, "
            f"shape {self.out().shape} = (n_q, d_v)",
        ]
        return render.text_html("<br>".join(lines))

    def draw(self) -> str:
        i, token = self.row, self.target_control.value
        heat = render.heatmap_html(
            self.weights(),
            self.target,
            self.source,
            title=f"weights {self.weights().shape} = (n_q, n_k)",
            row_title="target (query)",
            col_title="source (key)",
            highlight_row=i,
            cell=52,
            height=30,
        )
        bars = render.bar_chart_svg(
            self.source,
            self.weights()[i],
            title=f'how "{token}" reads the source',
            ylim=(0.0, 1.0),
            highlight=int(np.argmax(self.weights()[i])),
            width=340,
            height=170,
        )
        return render.row(heat, bars, gap=32) + self.working_html()

    def describe(self) -> str:
        return f"target={self.target_control.value}, mask_padding={self.masked}"


class StackExplorer(Explorer):
    """The residual stream through k random encoder layers, post-LN against pre-LN.

    Controls: ``layers_control`` (k, 1 to 24) and ``scale_control`` (the size of the input
    tokens: x0.1, x1 or x10 the example's standard-normal tokens). Uses
    ``utils.block.stack_example`` (d_model = 8, h = 2, d_ff = 32, 4 tokens), the stack of
    notebook 04, section 6. State for tests: ``norms(norm_first)`` ``(k + 1,)``. The view:
    the mean token length after each layer for both stacks, and the numbers after layer k.
    """

    name = "StackExplorer"
    SCALES = (("x0.1", 0.1), ("x1", 1.0), ("x10", 10.0))

    def __init__(self):
        self._norms = {}  # (scale, norm_first) -> (25,): 24 layers, computed once
        for _, scale in self.SCALES:
            ex = stack_example(scale=scale)
            for norm_first in (False, True):
                norms = stream_norms(ex["x"], ex["layers"], ex["num_heads"], norm_first)
                self._norms[scale, norm_first] = norms
        self.d_model = ex["x"].shape[-1]
        self.max_layers = len(ex["layers"])
        self.layers_control = widgets.IntSlider(
            value=6, min=1, max=self.max_layers, description="layers k"
        )
        self.scale_control = widgets.ToggleButtons(
            options=self.SCALES, value=1.0, description="input size"
        )
        self.controls = [self.layers_control, self.scale_control]
        super().__init__()

    @property
    def k(self) -> int:
        return self.layers_control.value

    def norms(self, norm_first: bool) -> np.ndarray:
        """``(k + 1,)`` mean token lengths: the input, then after each of the k layers."""
        return self._norms[self.scale_control.value, norm_first][: self.k + 1]

    def chart_svg(self) -> str:
        """The two stacks' norms after each of the first k layers, on axes fixed at 0..24
        layers (integer ticks) and 0..the largest norm of this input size: moving the
        slider extends the lines rather than rescaling the picture."""
        width, height, left, right, top, bottom = 560, 250, 46, 12, 8, 36
        plot_w, plot_h = width - left - right, height - top - bottom
        scale = self.scale_control.value
        y_max = 1.1 * max(self._norms[scale, False].max(), self._norms[scale, True].max())
        y_ticks = render._ticks(0.0, y_max)

        def sx(layer):
            return left + layer / self.max_layers * plot_w

        def sy(value):
            return top + (1 - value / y_max) * plot_h

        parts = [
            f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
            'stroke="#888"/>'
        ]
        for t in y_ticks:
            parts.append(
                f'<line x1="{left - 4}" x2="{left + plot_w}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
                f'stroke="#ddd"/><text x="{left - 6}" y="{sy(t) + 4:.1f}" '
                f'text-anchor="end">{t:g}</text>'
            )
        for layer in range(0, self.max_layers + 1, 4):
            parts.append(
                f'<text x="{sx(layer):.1f}" y="{top + plot_h + 15}" '
                f'text-anchor="middle">{layer}</text>'
            )
        legend = []
        for colour, label, norms in (
            (render.PALETTE[0], "post-LN (the paper)", self.norms(False)),
            (render.PALETTE[1], "pre-LN (variant)", self.norms(True)),
        ):
            points = " ".join(f"{sx(i):.1f},{sy(v):.1f}" for i, v in enumerate(norms))
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
            parts += [
                f'<circle cx="{sx(i):.1f}" cy="{sy(v):.1f}" r="3.5" fill="{colour}"/>'
                for i, v in enumerate(norms)
            ]
            legend.append(f'<span style="color:{colour}">&#9644; {label}</span>')
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle">'
            "after layer (0 = the input)</text>"
            f'<text transform="translate(12,{top + plot_h / 2}) rotate(-90)" '
            'text-anchor="middle">mean token length</text>'
        )
        legend_html = f'<div style="{render.FONT};display:flex;gap:16px">{"".join(legend)}</div>'
        return render.panel(
            f"the residual stream through {self.k} layers",
            render.svg_chart(width, height, parts) + legend_html,
            width=width,
        )

    def draw(self) -> str:
        post, pre = self.norms(False), self.norms(True)
        root_d = np.sqrt(self.d_model)
        text = render.text_html(
            f"input: mean token length {post[0]:.2f}<br>"
            f"after layer {self.k}: post-LN <b>{post[-1]:.2f}</b> (a norm is the last step "
            f"of every sublayer: always √d_model = {root_d:.2f}); pre-LN <b>{pre[-1]:.2f}</b> "
            f"({pre[-1] / pre[0]:.1f} x its input: the input is carried along unchanged, and "
            f"the sublayers add about the same amount whatever the input's size)"
        )
        return self.chart_svg() + text

    def describe(self) -> str:
        scale = dict((v, k) for k, v in self.SCALES)[self.scale_control.value]
        return f"layers={self.k}, input={scale}"
