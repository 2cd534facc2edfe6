"""Explorers for single-head attention (notebooks/01_single_head_attention.ipynb).

- :class:`AttentionExplorer`: pick a query token and the scale; see its scores, weights and
  output row.
- :class:`MaskExplorer`: toggle causal / padding masks, the padding length and the mask's
  polarity; see the mask and the weights side by side (and the "sees the future" bug).

Both draw HTML with :mod:`utils.widgets.render` (a few ms per change, no matplotlib).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from utils.attention import causal_mask, padding_mask, scaled_dot_product_attention
from utils.examples import entropy, toy_example
from utils.widgets import render
from utils.widgets.base import Explorer


def _fmt(values) -> str:
    """``[0.167, 0.276]``: a short fixed-precision list for the explorers' text."""
    return "[" + ", ".join(f"{v:.3f}" for v in np.asarray(values, dtype=float)) + "]"


class AttentionExplorer(Explorer):
    """One query row of self-attention on the toy example: scores -> weights -> output.

    Controls: ``query`` (which token asks), ``scale`` (multiplies q·k; the paper's value
    1/sqrt(d_k) = 0.5 for the toy d_k = 4; 0 gives uniform weights, large values one-hot).
    State for tests: ``scores`` (raw q·k), ``scaled``, ``weights``, ``out`` of the query and
    ``all_weights (n, n)`` (every query at this scale). The view: bar charts of the scaled
    scores, the weights and the output row; the weights of every query with the chosen one
    outlined; the value rows V, each labelled with the weight it gets.
    """

    name = "AttentionExplorer"

    def __init__(self, example: dict | None = None):
        ex = toy_example() if example is None else example
        self.tokens = list(ex["tokens"])
        self.Q = ex["X"] @ ex["W_q"]  # (n, d_k)
        self.K = ex["X"] @ ex["W_k"]  # (n, d_k)
        self.V = ex["X"] @ ex["W_v"]  # (n, d_v)
        self.all_scores = self.Q @ self.K.T  # (n, n), raw q·k for every query: computed once
        self.features = [f"f{m}" for m in range(self.V.shape[1])]
        self.out_ylim = (min(0.0, float(self.V.min())), max(3.0, float(self.V.max())))
        d_k = self.Q.shape[1]
        self.query = widgets.ToggleButtons(options=self.tokens, value=self.tokens[1])
        self.query.description = "query"
        self.scale = widgets.FloatSlider(
            value=round(1 / np.sqrt(d_k), 3), min=0.0, max=3.0, step=0.05, description="scale"
        )
        self.controls = [self.query, self.scale]
        super().__init__()

    def compute(self) -> None:
        """Fill ``scores``, ``scaled``, ``weights``, ``out``, ``all_weights``."""
        i = self.tokens.index(self.query.value)
        out, all_weights = scaled_dot_product_attention(
            self.Q, self.K, self.V, scale=self.scale.value
        )  # (n, d_v), (n, n)
        self.all_weights = all_weights
        self.scores = self.all_scores[i]  # (n,)
        self.scaled = self.scores * self.scale.value  # (n,)
        self.weights, self.out = all_weights[i], out[i]  # (n,), (d_v,)

    def draw(self) -> str:
        self.compute()
        i, q, s = self.tokens.index(self.query.value), self.query.value, self.scale.value
        top = max(1.0, float(self.scaled.max()))
        size = {"width": 262, "height": 160}
        charts = render.row(
            render.bar_chart_svg(
                self.tokens,
                self.scaled,
                title=f"1. scaled scores q·k × {s:.2f}",
                ylim=(min(0.0, float(self.scaled.min())), top * 1.1),
                **size,
            ),
            render.bar_chart_svg(
                self.tokens,
                self.weights,
                title="2. weights = softmax of panel 1",
                ylim=(0.0, 1.1),
                **size,
            ),
            render.bar_chart_svg(
                self.features,
                self.out,
                title=f"3. output row of '{q}' = Σ w·v",
                ylim=self.out_ylim,
                **size,
            ),
            gap=14,
        )
        summary = render.text_html(
            f"query <b>{html.escape(q)}</b>: weights sum to {self.weights.sum():.3f}, "
            f"largest {self.weights.max():.3f}, entropy <b>{entropy(self.weights):.3f}</b> "
            f"nats (uniform: {np.log(len(self.tokens)):.3f}); output = {_fmt(self.out)}"
        )
        value_labels = [f"{w:.2f} × {t}" for w, t in zip(self.weights, self.tokens, strict=True)]
        tables = render.row(
            render.heatmap_html(
                self.all_weights,
                self.tokens,
                self.tokens,
                title=f"weights of every query (outlined: '{q}')",
                row_title="query",
                col_title="key",
                highlight_row=i,
                cell=50,
                height=28,
            ),
            render.heatmap_html(
                self.V,
                value_labels,
                self.features,
                vmin=self.out_ylim[0],
                vmax=self.out_ylim[1],
                cmap="Oranges",
                fmt="{:.0f}",
                title=f"value rows v_j × weight for '{q}'",
                row_title="w × key",
                col_title="feature",
                cell=40,
                height=28,
            ),
            gap=28,
        )
        return charts + summary + tables

    def describe(self) -> str:
        return f"query={self.query.value!r}, scale={self.scale.value:.2f}"


MASK_KINDS = ("none", "causal", "padding", "causal + padding")
KIND_TIPS = (
    "no mask: every query may attend to every key (an encoder without padding)",
    "causal: query i may attend to keys 0..i only (a decoder)",
    "padding: no query may attend to the positions from `length` on",
    "both: causal, and no attention to the padding",
)
POLARITIES = ("ours: True = may attend", "flipped: 1 = blocked, read as True")
POLARITY_TIPS = (
    "the mask passed as this project expects it: True = may attend",
    "the bug: a TF-style mask (1 = blocked) passed where True = may attend is expected",
)
AUTO_WIDTH = {"button_width": "auto"}  # buttons as wide as their labels: nothing cut off


class MaskExplorer(Explorer):
    """Self-attention weights of the toy sentence plus two padding tokens under a mask.

    Controls: ``kind`` (none / causal / padding / both), ``length`` (true length of the
    sequence; with a padding mask, later positions are padding; disabled without one),
    ``polarity`` (ours, or the bug: a 1 = blocked mask passed where True = may attend is
    expected). State for tests: ``mask`` (the bool mask actually passed, ``(n, n)``),
    ``weights (n, n)``, ``future_weight`` (per query, the total weight on later positions),
    ``pad_weight`` (per query, the total weight on positions >= length) and
    ``blocked_rows`` (queries with every key blocked). The view: the mask passed
    (1 = may attend) next to the weights, then those numbers; a number is red only where it
    breaks what the chosen mask promises (no future under a causal mask, no padding under
    a padding mask).
    """

    name = "MaskExplorer"

    def __init__(self, example: dict | None = None, n_pad: int = 2):
        ex = toy_example() if example is None else example
        d_model = ex["X"].shape[1]
        X = np.vstack([ex["X"], np.zeros((n_pad, d_model))])  # (n, d_model), pads are zeros
        self.tokens = list(ex["tokens"]) + ["<pad>"] * n_pad
        n = len(self.tokens)
        self.Q, self.K, self.V = X @ ex["W_q"], X @ ex["W_k"], X @ ex["W_v"]  # (n, d) each
        self.later = np.triu(np.ones((n, n), dtype=bool), k=1)  # key j > query i
        self.kind = widgets.ToggleButtons(
            options=MASK_KINDS, value="causal", description="mask", tooltips=list(KIND_TIPS)
        )
        self.length = widgets.IntSlider(
            value=n - n_pad,
            min=1,
            max=n,
            description="length",
            tooltip="with a padding mask: positions from `length` on are padding",
        )
        self.polarity = widgets.ToggleButtons(
            options=POLARITIES, description="polarity", tooltips=list(POLARITY_TIPS)
        )
        for buttons in (self.kind, self.polarity):
            buttons.style = AUTO_WIDTH
        self.controls = [self.kind, self.length, self.polarity]
        self.length.layout.width = "220px"
        super().__init__()  # one row of controls: the polarity wraps onto a second line

    @property
    def padded(self) -> bool:
        """True when the chosen mask includes the padding mask."""
        return "padding" in self.kind.value

    @property
    def causal(self) -> bool:
        """True when the chosen mask includes the causal mask."""
        return "causal" in self.kind.value

    def build_mask(self) -> np.ndarray:
        """The ``(n, n)`` bool mask handed to attention for the current controls."""
        n = len(self.tokens)
        allowed = np.ones((n, n), dtype=bool)  # True = may attend
        if self.causal:
            allowed &= causal_mask(n)
        if self.padded:
            allowed &= padding_mask([self.length.value], n)[0]  # (1, n) broadcasts over rows
        if self.polarity.value == POLARITIES[1]:
            blocked_flags = (~allowed).astype(int)  # the TF-style mask: 1 = blocked
            return blocked_flags.astype(bool)  # the bug: read as True = may attend
        return allowed

    def compute(self) -> None:
        """Fill ``mask``, ``weights``, ``future_weight``, ``pad_weight``, ``blocked_rows``."""
        self.length.disabled = not self.padded  # the length only matters for padding
        self.mask = self.build_mask()
        _, self.weights = scaled_dot_product_attention(self.Q, self.K, self.V, mask=self.mask)
        self.future_weight = (self.weights * self.later).sum(axis=1)  # (n,)
        self.pad_weight = self.weights[:, self.length.value :].sum(axis=1)  # (n,)
        self.blocked_rows = [i for i in range(len(self.tokens)) if not self.mask[i].any()]

    def labels(self) -> list[str]:
        """Row labels: position and token; "(pad)" marks a word the padding mask treats as
        padding (only when a padding mask applies)."""
        labels = []
        for i, token in enumerate(self.tokens):
            as_pad = self.padded and i >= self.length.value and token != "<pad>"
            labels.append(f"{i} {token}" + (" (pad)" if as_pad else ""))
        return labels

    def notes(self, labels) -> str:
        """The numbers under the tables, red only where the chosen mask is broken."""
        n = len(self.tokens)

        def alarm(text: str) -> str:
            return f'<span style="color:#d62728;font-weight:600">{text}</span>'

        leak = int((self.future_weight > 1e-9).sum())
        future = f"weight on later keys (the future), per query: {_fmt(self.future_weight)}"
        if self.causal and leak:
            future = alarm(f"{future}<br>&rarr; {leak} of {n} queries see the future")
        elif self.causal:
            future += "<br>&rarr; no query sees the future, as a causal mask promises"
        else:
            future += "<br>&rarr; without a causal mask every query may look ahead (an encoder)"
        lines = [future]
        if self.padded:
            on_pad = int((self.pad_weight > 1e-9).sum())
            pad = (
                f"weight on the padding (keys {self.length.value} and later), per query: "
                f"{_fmt(self.pad_weight)}"
            )
            if on_pad:
                pad = alarm(f"{pad}<br>&rarr; {on_pad} of {n} queries attend to padding")
            lines.append(pad)
        blocked = ", ".join(labels[i] for i in self.blocked_rows) or "none"
        lines.append(f"fully blocked query rows (weights all 0): {html.escape(blocked)}")
        return "<div>" + "<br>".join(lines) + "</div>"

    def draw(self) -> str:
        self.compute()
        flipped = self.polarity.value == POLARITIES[1]
        labels = self.labels()
        mask_table = render.heatmap_html(
            self.mask.astype(float),
            labels,
            range(len(self.tokens)),
            cmap="Greys",
            vmax=2.5,  # light grey for 1, white for 0: the weights stay the eye-catcher
            fmt="{:.0f}",
            title="mask passed (1 = may attend)" + (": FLIPPED" if flipped else ""),
            row_title="query",
            col_title="key",
            cell=40,
            height=26,  # same row height as the weights: rows line up
        )
        length = f", length {self.length.value}" if self.padded else ""
        weight_table = render.heatmap_html(
            self.weights,
            labels,
            range(len(self.tokens)),
            title=f"weights (mask: {self.kind.value}{length})",  # axes as the mask's
            cell=40,
            height=26,
        )
        return render.row(mask_table, weight_table, gap=28) + render.text_html(self.notes(labels))

    def describe(self) -> str:
        flipped = "flipped" if self.polarity.value == POLARITIES[1] else "ours"
        return f"kind={self.kind.value!r}, length={self.length.value}, polarity={flipped}"
