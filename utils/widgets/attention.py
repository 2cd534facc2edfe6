"""Explorers for single-head attention (notebooks/01_single_head_attention.ipynb).

- :class:`AttentionExplorer`: pick a query token and the scale; see its scores, weights and
  output row.
- :class:`MaskExplorer`: toggle causal / padding masks, the padding length and the mask's
  polarity; see the weight heatmap (and the "sees the future" bug).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from utils.attention import causal_mask, padding_mask, scaled_dot_product_attention
from utils.plotting.attention import entropy, readable_labels, toy_example
from utils.plotting.core import attention_heatmap
from utils.widgets.base import Explorer


def _fmt(values) -> str:
    """``[0.167, 0.276]``: a short fixed-precision list for the explorers' text."""
    return "[" + ", ".join(f"{v:.3f}" for v in np.asarray(values, dtype=float)) + "]"


class AttentionExplorer(Explorer):
    """One query row of self-attention on the toy example: scores -> weights -> output.

    Controls: ``query`` (which token asks), ``scale`` (multiplies q·k; the paper's value
    1/sqrt(d_k) = 0.5 for the toy d_k = 4; 0 gives uniform weights, large values one-hot).
    State for tests: ``scores`` (raw q·k), ``scaled``, ``weights``, ``out`` of the query.
    """

    name = "AttentionExplorer"

    def __init__(self, example: dict | None = None):
        ex = toy_example() if example is None else example
        self.tokens = list(ex["tokens"])
        self.Q = ex["X"] @ ex["W_q"]  # (n, d_k)
        self.K = ex["X"] @ ex["W_k"]  # (n, d_k)
        self.V = ex["X"] @ ex["W_v"]  # (n, d_v)
        d_k = self.Q.shape[1]
        self.query = widgets.ToggleButtons(options=self.tokens, value=self.tokens[1])
        self.query.description = "query"
        self.scale = widgets.FloatSlider(
            value=round(1 / np.sqrt(d_k), 3), min=0.0, max=3.0, step=0.05, description="scale"
        )
        self.text = widgets.HTML()
        self.controls = [self.query, self.scale]
        super().__init__()

    def compute(self) -> None:
        """Fill ``scores``, ``scaled``, ``weights``, ``out`` for the current controls."""
        i = self.tokens.index(self.query.value)
        self.scores = self.Q[i] @ self.K.T  # (n,)
        self.scaled = self.scores * self.scale.value  # (n,)
        out, weights = scaled_dot_product_attention(
            self.Q[i : i + 1], self.K, self.V, scale=self.scale.value
        )
        self.weights, self.out = weights[0], out[0]  # (n,), (d_v,)

    def draw(self):
        self.compute()
        fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), dpi=80)
        n = len(self.tokens)
        axes[0].bar_label(axes[0].bar(range(n), self.scaled, color="tab:grey"), fmt="%.2f")
        axes[0].set(title="scaled scores  q·k × scale", xticks=range(n), xticklabels=self.tokens)
        axes[0].axhline(0, color="black", lw=0.8)
        axes[0].margins(y=0.2)
        axes[1].bar_label(axes[1].bar(range(n), self.weights, color="tab:blue"), fmt="%.2f")
        axes[1].set(title="weights = softmax", xticks=range(n), xticklabels=self.tokens)
        axes[1].set_ylim(0, 1)
        d_v = self.V.shape[1]
        axes[2].bar(range(d_v), self.out, color="tab:orange")
        axes[2].set(title=f"output row of '{self.query.value}'", xlabel="feature")
        axes[2].set_ylim(0, max(3.0, float(self.V.max())))
        axes[2].set_xticks(range(d_v))
        fig.subplots_adjust(left=0.05, right=0.98, bottom=0.12, top=0.88, wspace=0.25)
        self.text.value = self._html()
        return fig

    def _html(self) -> str:
        lines = [
            f"query <b>{html.escape(self.query.value)}</b>, scale {self.scale.value:.2f}",
            f"scores q·k = {_fmt(self.scores)}",
            f"scaled = {_fmt(self.scaled)}",
            f"weights = {_fmt(self.weights)} (sum {self.weights.sum():.3f}, "
            f"largest {self.weights.max():.3f}, entropy {entropy(self.weights):.3f} nats)",
            f"output = Σ_j weight_j · v_j = {_fmt(self.out)}",
        ]
        return "<pre>" + "\n".join(lines) + "</pre>"

    def describe(self) -> str:
        return f"query={self.query.value!r}, scale={self.scale.value:.2f}"


MASK_KINDS = ("none", "causal", "padding", "causal + padding")
POLARITIES = ("True = may attend (ours)", "flipped: 1 = blocked read as True")


class MaskExplorer(Explorer):
    """Self-attention weights of the toy sentence plus two padding tokens under a mask.

    Controls: ``kind`` (none / causal / padding / both), ``length`` (true length of the
    sequence; later positions are padding), ``polarity`` (ours, or the bug: a 1 = blocked
    mask passed where True = may attend is expected). State for tests: ``mask`` (the bool
    mask actually passed, ``(n, n)``), ``weights (n, n)``, ``future_weight`` (per query, the
    total weight on later positions) and ``blocked_rows`` (queries with every key blocked).
    """

    name = "MaskExplorer"

    def __init__(self, example: dict | None = None, n_pad: int = 2):
        ex = toy_example() if example is None else example
        d_model = ex["X"].shape[1]
        X = np.vstack([ex["X"], np.zeros((n_pad, d_model))])  # (n, d_model), pads are zeros
        self.tokens = list(ex["tokens"]) + ["<pad>"] * n_pad
        n = len(self.tokens)
        self.Q, self.K, self.V = X @ ex["W_q"], X @ ex["W_k"], X @ ex["W_v"]  # (n, d) each
        self.kind = widgets.ToggleButtons(options=MASK_KINDS, value="causal", description="mask")
        self.length = widgets.IntSlider(value=n - n_pad, min=1, max=n, description="length")
        self.polarity = widgets.ToggleButtons(options=POLARITIES, description="polarity")
        self.text = widgets.HTML()
        self.controls = [self.kind, self.length, self.polarity]
        super().__init__()
        self.ui.children = (
            widgets.HBox([self.kind, self.length]),
            self.polarity,
            self.text,
            self.output,
        )

    def build_mask(self) -> np.ndarray:
        """The ``(n, n)`` bool mask handed to attention for the current controls."""
        n = len(self.tokens)
        allowed = np.ones((n, n), dtype=bool)  # True = may attend
        if "causal" in self.kind.value:
            allowed &= causal_mask(n)
        if "padding" in self.kind.value:
            allowed &= padding_mask([self.length.value], n)[0]  # (1, n) broadcasts over rows
        if self.polarity.value == POLARITIES[1]:
            blocked_flags = (~allowed).astype(int)  # the TF-style mask: 1 = blocked
            return blocked_flags.astype(bool)  # the bug: read as True = may attend
        return allowed

    def draw(self):
        self.mask = self.build_mask()
        _, self.weights = scaled_dot_product_attention(self.Q, self.K, self.V, mask=self.mask)
        n = len(self.tokens)
        later = np.triu(np.ones((n, n), dtype=bool), k=1)  # key j > query i
        self.future_weight = (self.weights * later).sum(axis=1)  # (n,)
        self.blocked_rows = [i for i in range(n) if not self.mask[i].any()]
        fig, ax = plt.subplots(figsize=(6.4, 5.2), dpi=80)
        attention_heatmap(self.weights, self.tokens, self.tokens, ax=ax)
        flipped = " (FLIPPED polarity)" if self.polarity.value == POLARITIES[1] else ""
        ax.set_title(f"mask: {self.kind.value}, length {self.length.value}{flipped}", pad=12)
        readable_labels(ax)
        blocked_r, blocked_c = np.nonzero(~self.mask)
        ax.scatter(blocked_c + 0.33, blocked_r - 0.3, marker="x", s=40, color="tab:red")
        fig.subplots_adjust(left=0.2, right=0.95, bottom=0.05, top=0.8)
        self.text.value = self._html()
        return fig

    def _html(self) -> str:
        rows = "\n".join(
            f"{tok:>6} | " + " ".join("1" if a else "." for a in row)
            for tok, row in zip(self.tokens, self.mask, strict=True)
        )
        blocked = ", ".join(self.tokens[i] for i in self.blocked_rows) or "none"
        return (
            "<pre>mask passed (1 = may attend, red x in the figure = blocked):\n"
            f"{html.escape(rows)}\n"
            f"weight on later positions, per query: {_fmt(self.future_weight)}\n"
            f"fully blocked query rows (weights all 0): {html.escape(blocked)}</pre>"
        )

    def describe(self) -> str:
        flipped = "flipped" if self.polarity.value == POLARITIES[1] else "ours"
        return f"kind={self.kind.value!r}, length={self.length.value}, polarity={flipped}"
