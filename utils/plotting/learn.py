"""Figures for notebooks/05_attention_learns.ipynb: training curves, the attention pattern at
several steps next to the one the task needs, and the mask bug with real training.

Every figure takes the :class:`utils.learn.History` of a run the notebook has already done
(no training here); ``FIGURES`` trains the notebook's runs with ``utils.learn.experiment``
for ``make figures``. Margins are set in inches, so nothing reaches the canvas edge when
the notebook shows the figure uncropped.
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from utils.learn import REPEAT, History, experiment, forward, repeat_loss_floor
from utils.notebook import presentation_scale
from utils.plotting.core import canvas, inches, points, presenting, set_margins

CMAP = "Blues"  # attention weights in [0, 1], as in notebook 01's heatmaps
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")
SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _log_axis(ax) -> None:
    """A log y axis from one power of 10 to another around the plotted lines, labelled 10⁰,
    10⁻¹, ... in plain Unicode (mathtext is slow to start)."""
    values = np.concatenate([line.get_ydata() for line in ax.get_lines()])
    values = values[np.isfinite(values) & (values > 0)]
    ax.set_yscale("log")
    ax.set_ylim(10 ** np.floor(np.log10(values.min())), 10 ** np.ceil(np.log10(values.max())))
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: "10" + str(round(np.log10(v))).translate(SUPERSCRIPTS))
    )
    ax.yaxis.set_minor_locator(NullLocator())


def _curves(ax_loss, ax_acc, histories: dict, marks=(), reference=None) -> None:
    """Held-out loss (log scale) and accuracy (%) against step, one colour per run.

    ``marks``: steps to draw as dotted vertical lines (the snapshots shown below them);
    ``reference``: ``{label: accuracy in [0, 1]}`` drawn as dashed horizontal lines."""
    for (label, h), colour in zip(histories.items(), COLOURS, strict=False):
        ax_loss.plot(h.steps, h.test_loss, color=colour, lw=2.5, label=label)
        ax_acc.plot(h.steps, 100 * h.test_accuracy, color=colour, lw=2.5, label=label)
    for label, value in (reference or {}).items():
        ax_acc.axhline(100 * value, color="grey", ls="--", lw=1.5, label=label)
    _log_axis(ax_loss)
    ax_loss.set(title="held-out loss", xlabel="training step", ylabel="cross-entropy")
    ax_acc.set(title="held-out accuracy", xlabel="training step", ylabel="accuracy (%)")
    ax_acc.set_ylim(0, 105)
    for ax in (ax_loss, ax_acc):
        for step in marks:
            ax.axvline(step, color="0.6", ls=":", lw=1.5)
        ax.grid(alpha=0.3)
    if len(histories) > 1 or reference:
        ax_acc.legend(loc="lower right", fontsize=points(11))


def position_labels(labels) -> list[str]:
    """``["2:0", ...]``: each token's label after its position, so that a pattern defined by
    position (i - 2, i - 5) can be read off the axes when tokens repeat."""
    return [f"{i}:{label}" for i, label in enumerate(labels)]


def _heatmap(ax, weights, labels, title, blocked=None):
    """Attention weights ``(n, n)`` on [0, 1], query rows and key columns labelled with
    ``labels`` (the keys' turned upright); cells a mask blocks are hatched grey. Returns the
    image (for a colour bar)."""
    n = len(labels)
    image = ax.imshow(weights, cmap=CMAP, vmin=0, vmax=1)
    if blocked is not None:
        shade = np.where(blocked, 1.0, np.nan)  # (n, n): grey where blocked, clear elsewhere
        ax.imshow(shade, cmap="Greys", vmin=0, vmax=4, alpha=0.6)
    size = points(10 if n > 8 else 11)
    ax.set_xticks(range(n), labels=labels, fontsize=size, rotation=90)
    ax.set_yticks(range(n), labels=labels, fontsize=size)
    ax.set_title(title, fontsize=points(12))
    return image


def _snapshot_index(history: History, step: int) -> int:
    """The index of ``step`` among the recorded steps (ValueError if it was not recorded)."""
    where = np.flatnonzero(history.steps == step)
    if not where.size:
        raise ValueError(f"step {step} was not recorded; recorded: {history.steps.tolist()}")
    return int(where[0])


def default_snapshots(history: History, count: int = 4) -> list[int]:
    """``count`` recorded steps that show the pattern forming: step 0, the first recorded
    steps at 25% and 60% of the way to the best accuracy, and the last step."""
    acc = history.test_accuracy
    chance, best = acc[0], acc.max()
    picks = [0]
    for share in (0.25, 0.6)[: count - 2]:
        reached = np.flatnonzero(acc >= chance + share * (best - chance))
        picks.append(int(history.steps[reached[0]]) if reached.size else 0)
    picks.append(int(history.steps[-1]))
    return sorted(set(picks))


def _axes_at(fig, x: float, y: float, width: float, height: float):
    """Axes placed in inches from the canvas's bottom-left corner."""
    fig_w, fig_h = fig.get_size_inches()
    return fig.add_axes((x / fig_w, y / fig_h, width / fig_w, height / fig_h))


def _colour_bar(fig, image, right_of, height: float) -> None:
    """A colour bar 0.15 in wide, 0.15 in right of the axes ``right_of``, ``height`` tall
    (its labels go in the figure's right margin)."""
    fig_w, fig_h = fig.get_size_inches()
    box = right_of.get_position()  # figure fractions
    cax = _axes_at(fig, box.x1 * fig_w + 0.15, box.y0 * fig_h, 0.15, height)
    fig.colorbar(image, cax=cax, label="weight")


PANEL, GAP = 1.7, 0.5  # heatmap side and the gap between heatmaps (default style), inches


def _grown() -> float:
    """How much longer a length that holds text is in the presentation style, as a share of
    it: 0 in the default style. Figures placed in inches add ``_grown() * margin`` to their
    canvas, so the default canvas is exactly its written size."""
    return presentation_scale() - 1.0


def training_figure(history: History, title: str, snapshots=None, example: int = 0):
    """Held-out loss and accuracy against step (top); the attention weights on one held-out
    sequence at a few steps, and the pattern the task needs (bottom).

    ``snapshots``: recorded steps to show (default :func:`default_snapshots`); ``example``:
    which of the recorded held-out sequences. The dotted lines in the curves mark the steps.
    """
    snapshots = default_snapshots(history) if snapshots is None else list(snapshots)
    tokens = history.example_tokens[example]  # (n,)
    labels = position_labels(history.task.labels(tokens))
    needed = history.task.pattern(tokens[None])[0]  # (n, n)
    blocked = None if history.mask is None else ~history.mask
    panels = len(snapshots) + 1
    # inches of room for text: the y labels (left), the colour bar's labels (right), between
    # the heatmaps and the curves; below, between and above the two rows (the heatmaps' x
    # labels, their titles and the curves' x labels, the curves' titles and the suptitle)
    left, right, gap, curve_gap = inches(0.85), inches(1.05), inches(GAP), inches(0.9)
    width = canvas(left + panels * PANEL + (panels - 1) * gap + right)
    # 6.4 in: it fits a 1280x720 slide below its code
    height = canvas(6.4 + _grown() * (0.95 + 1.1 + 0.85))
    curve_y = 3.75 + _grown() * (0.95 + 1.1)  # the curves keep their 1.8 in
    fig = plt.figure(figsize=(width, height))
    curve_w = (width - left - right - curve_gap) / 2
    ax_loss = _axes_at(fig, left, curve_y, curve_w, 1.8)
    ax_acc = _axes_at(fig, left + curve_w + curve_gap, curve_y, curve_w, 1.8)
    _curves(ax_loss, ax_acc, {"held-out": history}, marks=snapshots)
    axes = [
        _axes_at(fig, left + i * (PANEL + gap), inches(0.95), PANEL, PANEL) for i in range(panels)
    ]
    for ax, step in zip(axes, snapshots, strict=False):
        i = _snapshot_index(history, step)
        accuracy = 100 * history.test_accuracy[i]
        _heatmap(ax, history.weights[i, example], labels, f"step {step}: {accuracy:.0f}%", blocked)
    nothing = np.broadcast_to(needed.sum(axis=1, keepdims=True) == 0, needed.shape)
    image = _heatmap(axes[-1], needed, labels, "the pattern needed", nothing)
    axes[0].set_ylabel("query (position:token)")
    for ax in axes:
        ax.set_xlabel("key (position:token)")
    _colour_bar(fig, image, axes[-1], PANEL)
    fig.suptitle(title, fontsize=points(15), y=1 - inches(0.12) / height, va="top")
    return fig


def compare_figure(histories: dict, title: str, reference=None):
    """Held-out loss and accuracy of several runs (``{label: History}``) against step;
    ``reference`` ``{label: accuracy}`` adds dashed lines (e.g. the best blind guess)."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.6))
    _curves(ax_loss, ax_acc, histories, reference=reference)
    ax_loss.legend(loc="lower left", fontsize=points(11))
    fig.suptitle(title, fontsize=points(15))
    set_margins(fig, left=0.9, bottom=0.65, right=0.2, top=0.8, wspace=0.25)
    return fig


def mask_bug_figure(flipped: History, right: History, floor: float, example: int = 0):
    """The mask bug with real training. Top: training loss of the flipped-mask and the
    causal-mask runs, and ``floor``, the lowest loss an honest model can reach. Bottom: the
    flipped model's weights with its own mask and with the causal mask, and the causal
    model's weights, all on one held-out sequence (blocked cells grey)."""
    tokens = flipped.example_tokens[example]  # (n,)
    labels = position_labels(flipped.task.labels(tokens))
    causal = right.mask
    _, with_right = forward(flipped.params, tokens[None], flipped.positions, causal)
    views = [
        (flipped.weights[-1, example], flipped.mask, "flipped mask,\nas trained"),
        (with_right["weights"][0], causal, "the same model,\nevaluated causal"),
        (right.weights[-1, example], causal, "trained with\nthe causal mask"),
    ]
    # inches: the heatmaps' side; room for text left, right, between the heatmaps, and
    # below, between and above the two rows, as in training_figure
    # (5.75 in tall: it fits a 1280x720 slide below its code)
    side, left, right_margin, gap = 2.0, inches(0.85), inches(1.05), inches(0.5)
    width = canvas(left + 3 * side + 2 * gap + right_margin)
    fig = plt.figure(figsize=(width, canvas(5.75 + _grown() * (0.95 + 1.1 + 0.2))))
    curve_y = 4.05 + _grown() * (0.95 + 1.1)  # the curve keeps its 1.5 in
    ax = _axes_at(fig, left, curve_y, width - left - right_margin, 1.5)
    ax.plot(flipped.steps, flipped.train_loss, color="tab:red", lw=2.5, label="flipped mask")
    ax.plot(right.steps, right.train_loss, color="tab:blue", lw=2.5, label="causal mask")
    ax.axhline(floor, color="grey", ls="--", lw=1.5, label=f"honest floor {floor:.2f}")
    _log_axis(ax)
    ax.set(xlabel="training step", ylabel="training loss")  # no title: the slide's height
    ax.grid(alpha=0.3)
    # between the two runs' curves: in two columns in the presentation style, whose larger
    # legend would cover them in one
    compact = {"ncol": 2, "handlelength": 1.2, "columnspacing": 0.8} if presenting() else {}
    ax.legend(loc="center right", fontsize=points(11), **compact)
    axes = [_axes_at(fig, left + i * (side + gap), inches(0.95), side, side) for i in range(3)]
    for ax, (weights, mask, title) in zip(axes, views, strict=True):
        image = _heatmap(ax, weights, labels, title, blocked=~mask)
        ax.set_xlabel("key (position:token)")
    axes[0].set_ylabel("query (position:token)")
    _colour_bar(fig, image, axes[-1], side)
    return fig


# --- make figures: the notebook's runs ------------------------------------------------------


@lru_cache(maxsize=8)
def _run(name: str) -> History:
    return experiment(name)


def _shift_figure():
    return training_figure(_run("shift"), "Shift by 2: attention by position")


def _lookup_figure():
    return training_figure(_run("lookup"), "Look up a key: attention by content")


def _no_positions_figure():
    runs = {"with positions": _run("shift"), "without positions": _run("shift, no positions")}
    return compare_figure(runs, "Shift by 2, with and without positional encoding")


def _mask_figure():
    flipped, right = _run("repeat, flipped mask"), _run("repeat, causal mask")
    n = flipped.example_tokens.shape[1]
    return mask_bug_figure(flipped, right, repeat_loss_floor(n // 2, REPEAT.vocab_size))


FIGURES = {
    "05_shift_training.png": _shift_figure,
    "05_lookup_training.png": _lookup_figure,
    "05_no_positions.png": _no_positions_figure,
    "05_mask_bug.png": _mask_figure,
}
