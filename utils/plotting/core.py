"""Plotting helpers every notebook reuses: sizes that follow the presentation style, margins in
inches, labelled heatmaps, log ticks and deterministic saving.

Every size written in ``utils.plotting`` is the default style's: a font size in points, a
margin or a gap that holds text in inches. In the presentation style for a projector
(``utils.notebook.setup(presentation=True)``) text is ``presentation_scale()`` times larger:
:func:`points` and :func:`inches` scale such sizes, and :func:`subplots` /
:func:`set_margins` / :func:`margins` scale the margins and gaps they are given. The canvas
keeps its width and grows in height (panels keep their height and give up width), or
grows in both directions (``grow="both"``, for pictures drawn at equal aspect), or keeps
its size (``grow="none"``). The default style draws exactly the picture the numbers say.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

from utils.notebook import presentation_scale

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def points(size: float) -> float:
    """A font size (or an offset next to text) of ``size`` points in the default style:
    ``size`` itself there, ``presentation_scale()`` times larger in the presentation style.
    Write ``fontsize=points(13)`` where a figure needs a size other than the style's."""
    return size * presentation_scale()


def inches(length: float) -> float:
    """A length that holds text (a margin, a gap for labels) of ``length`` inches in the
    default style, ``presentation_scale()`` times longer in the presentation style."""
    return length * presentation_scale()


def presenting() -> bool:
    """True in the presentation style (``utils.notebook.setup(presentation=True)``), where
    a figure may lay out its larger text differently (a legend in two columns, ...)."""
    return presentation_scale() != 1.0


def wrap(*parts: str) -> str:
    """``parts`` joined by spaces in the default style, by line breaks in the presentation
    style: a title or label that no longer fits on one line once its text is larger (the
    figure keeps room for the extra lines, see :func:`extra_lines`)."""
    return ("\n" if presenting() else " ").join(parts)


def extra_lines(count: int, size: float = 12) -> float:
    """Room for ``count`` more lines of ``size``-point text where :func:`wrap` breaks them:
    0 in the default style; in the presentation style, in the default style's inches like
    every margin (:func:`subplots` scales it; elsewhere pass it through :func:`inches`)."""
    return count * 1.2 * size / 72 if presenting() else 0.0


def canvas(length: float) -> float:
    """A side of a canvas, ``length`` inches: as written in the default style; in the
    presentation style, where canvases grow with their text, rounded up to whole pixels at
    100 dpi (:func:`save_figure`), so that the picture is exactly the figure's size."""
    return math.ceil(length * 100 - 1e-6) / 100 if presenting() else length


def _axis(span, count, low, high, fraction, text, grow):
    """One direction of :func:`margins`: ``(span, low, high, fraction)`` for the current style.

    Default style: unchanged. Presentation style: the margins ``low`` and ``high`` scale with
    the text, each gap between the ``count`` panels (``fraction`` of a mean panel) grows by
    as much as ``text`` inches of labels in it do, and the panels share what is left of the
    canvas, or keep their size and the canvas grows (``grow``)."""
    if not presenting():
        return span, low, high, fraction
    panel = (span - low - high) / (count + fraction * (count - 1))  # default style, inches
    gap = fraction * panel
    gap += inches(min(gap, text)) - min(gap, text)  # the labels in it grow
    low, high = inches(low), inches(high)
    if grow:
        span = canvas(low + high + count * panel + (count - 1) * gap)
    room = (span - low - high - (count - 1) * gap) / count  # each panel
    if room <= 0:
        raise ValueError(f"no room left for {count} panels in {span:.2f} in of canvas")
    return span, low, high, gap / room


def layout(size, shape, left, bottom, right, top, wspace=None, hspace=None, grow="height"):
    """``(canvas size, keyword arguments of Figure.subplots_adjust / add_gridspec)`` for a
    grid of ``shape = (rows, cols)`` panels ``left``/``bottom``/``right``/``top`` inches from
    the edges of a canvas of ``size = (width, height)`` inches.

    Every length is the default style's; the margins hold labels and grow with the text in
    the presentation style. ``wspace`` and ``hspace`` are the gaps between panels as
    matplotlib has them (fractions of a mean panel; None: matplotlib's default); in the
    presentation style a gap grows by as much as the labels it holds, taken to be at most as
    wide as the left margin (between columns) or the bottom and top margins (between rows).
    ``grow`` says how the presentation style finds that room: ``"height"`` (the default)
    keeps the canvas's width, the panels their height, and the canvas grows in height;
    ``"both"`` keeps the panels' size and grows the canvas both ways (pictures drawn at equal
    aspect, whose cells hold text); ``"none"`` keeps the canvas and shrinks the panels.
    """
    if grow not in ("height", "both", "none"):
        raise ValueError(f"grow must be 'height', 'both' or 'none', got {grow!r}")
    width, height = size
    rows, cols = shape
    if presenting():
        wspace = mpl.rcParams["figure.subplot.wspace"] if wspace is None else wspace
        hspace = mpl.rcParams["figure.subplot.hspace"] if hspace is None else hspace
    width, left, right, wspace = _axis(width, cols, left, right, wspace, left, grow == "both")
    height, bottom, top, hspace = _axis(
        height, rows, bottom, top, hspace, bottom + top, grow != "none"
    )
    adjust = {
        "left": left / width,
        "bottom": bottom / height,
        "right": 1 - right / width,
        "top": 1 - top / height,
        "wspace": wspace,
        "hspace": hspace,
    }
    return (width, height), adjust


def margins(size, shape, left, bottom, right, top, wspace=None, hspace=None) -> dict:
    """The keyword arguments of ``Figure.subplots_adjust`` / ``Figure.add_gridspec`` from
    :func:`layout`, for a canvas that keeps its ``size`` in every style."""
    return layout(size, shape, left, bottom, right, top, wspace, hspace, grow="none")[1]


def set_margins(fig, left, bottom, right, top, wspace=None, hspace=None, grow="height") -> None:
    """Place ``fig``'s grid of panels (made by ``plt.subplots``) ``left``/``bottom``/
    ``right``/``top`` inches from the canvas edges with gaps ``wspace``/``hspace``, and size
    its canvas, as :func:`layout` says (call once: the figure's size is taken to be the
    default style's)."""
    grid = next((ax.get_subplotspec() for ax in fig.axes if ax.get_subplotspec()), None)
    shape = grid.get_gridspec().get_geometry() if grid else (1, 1)
    size, adjust = layout(
        fig.get_size_inches(), shape, left, bottom, right, top, wspace, hspace, grow
    )
    fig.set_size_inches(size)
    fig.subplots_adjust(**adjust)


def subplots(
    nrows=1,
    ncols=1,
    *,
    left=0.8,
    bottom=0.65,
    right=0.2,
    top=0.45,
    wspace=None,
    hspace=None,
    grow="height",
    **kw,
):
    """``plt.subplots(nrows, ncols, **kw)`` with the margins around the panels in inches.

    The notebooks show figures as drawn, not cropped to their content
    (``utils.notebook.setup``), so a figure keeps room inside its canvas for its tick labels,
    axis labels and titles: ``left``, ``bottom``, ``right`` and ``top`` inches between the
    panels and the canvas edge. Inches rather than matplotlib's fractions of the figure,
    because text is as large in a wide figure as in a small one. ``wspace`` and ``hspace``
    are the gaps between panels, as in ``Figure.subplots_adjust`` (fractions of a panel).
    The sizes are the default style's; in the presentation style margins and gaps grow with
    the text, and the canvas grows in height (or as ``grow`` says, :func:`layout`).
    Returns ``(fig, axes)`` like ``plt.subplots``.
    """
    fig, axes = plt.subplots(nrows, ncols, **kw)
    set_margins(fig, left, bottom, right, top, wspace, hspace, grow)
    return fig, axes


def label_inches(labels) -> float:
    """About how wide the longest of ``labels`` is, in inches, in the default style (12 pt:
    roughly 0.1 in per character). Sizes the margins that hold tick labels: pass it to
    :func:`subplots`, or through :func:`inches` where a figure places its panels itself."""
    return 0.1 * max((len(str(label)) for label in labels), default=1)


def relative_luminance(rgba) -> float:
    """Perceived lightness of an RGB(A) colour in [0, 1] (sRGB weights): text on a colour
    with luminance above ~0.4 reads best in black, below it in white."""
    r, g, b = (float(channel) for channel in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def annotated_heatmap(
    matrix,
    row_labels=None,
    col_labels=None,
    ax=None,
    title=None,
    cmap="viridis",
    vmin=None,
    vmax=None,
    fmt="{:.2f}",
    annotate=None,
    colorbar=True,
):
    """Draw a ``(rows, cols)`` matrix as a heatmap with labelled axes; return the Axes.

    Values are written in the cells, in black or white, whichever reads better:
    ``annotate=None`` means "when the matrix has at most 12 x 12 cells", ``True``/``False``
    always/never, and a sequence of row indices means "in those rows only".
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D (rows, cols), got shape {matrix.shape}")
    rows, cols = matrix.shape
    if ax is None:  # margins in inches: row labels on the left (without labels, matplotlib's
        # ticks such as -0.5), the colour bar's on the right, column labels below, with room
        # for them to be rotated by up to 30 degrees
        left = 0.4 + label_inches(["-0.5"] if row_labels is None else row_labels)
        bottom = 0.35 + 0.5 * label_inches(["-0.5"] if col_labels is None else col_labels)
        _, ax = subplots(left=left, bottom=bottom, right=0.45)
    image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    if row_labels is not None:
        ax.set_yticks(range(rows), labels=list(row_labels))
    if col_labels is not None:
        ax.set_xticks(range(cols), labels=list(col_labels))
    if annotate is None:
        annotate = rows <= 12 and cols <= 12
    if annotate is True:
        annotated_rows = range(rows)
    elif annotate is False:
        annotated_rows = []
    else:
        annotated_rows = [int(r) for r in annotate]
        if any(not -rows <= r < rows for r in annotated_rows):
            raise ValueError(f"annotate rows must be in [-{rows}, {rows}), got {annotate!r}")
        annotated_rows = [r % rows for r in annotated_rows]
    if annotated_rows:
        rgba = image.cmap(image.norm(matrix))  # (rows, cols, 4): each cell's colour
        for r in annotated_rows:
            for c in range(cols):
                colour = "black" if relative_luminance(rgba[r, c]) > 0.4 else "white"
                ax.text(c, r, fmt.format(matrix[r, c]), ha="center", va="center", color=colour)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return ax


def attention_heatmap(
    weights, query_labels=None, key_labels=None, ax=None, title=None, annotate=None
):
    """Heatmap of attention weights ``(n_q, n_k)``: one row per query, one column per key.

    Each row is a softmax over keys, so the colour scale is fixed to [0, 1] and rows
    can be compared. Axis labels say which axis is which. ``annotate`` as in
    ``annotated_heatmap``.
    """
    weights = np.asarray(weights)
    if weights.ndim != 2:
        raise ValueError(f"weights must be 2-D (n_q, n_k), got shape {weights.shape}")
    if ax is None:  # margins in inches: the title and the key labels above, none below
        left = 0.45 + label_inches(["-0.5"] if query_labels is None else query_labels)
        _, ax = subplots(left=left, bottom=0.3, right=0.45, top=0.8)
    ax = annotated_heatmap(
        weights,
        query_labels,
        key_labels,
        ax=ax,
        title=title,
        vmin=0.0,
        vmax=1.0,
        cmap="Blues",
        annotate=annotate,
    )
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    return ax


def power_ticks(axis, base: int = 10) -> None:
    """Put a log scale with labels such as 10³ or 2⁴ (plain Unicode) on ``axis``
    (``ax.xaxis`` or ``ax.yaxis``), one tick per power, no minor ticks. For axes that span
    at least one whole power (a narrower range gets no tick labels).

    Matplotlib's default log labels are typeset with mathtext, whose first use costs a
    noticeable fraction of a second in a fresh kernel; these read the same and draw at once.
    """
    if axis.axis_name == "x":
        axis.axes.set_xscale("log", base=base)
    else:
        axis.axes.set_yscale("log", base=base)
    axis.set_major_locator(LogLocator(base=base, numticks=12))
    axis.set_major_formatter(FuncFormatter(lambda value, _: _power_label(value, base)))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def _power_label(value: float, base: int) -> str:
    """``"10³"`` for 1000 with base 10; ``""`` for a value that is not a whole power."""
    if value <= 0:
        return ""
    exponent = np.log(value) / np.log(base)
    if abs(exponent - round(exponent)) > 1e-9:
        return ""
    return f"{base}" + str(round(exponent)).translate(SUPERSCRIPTS)


def save_figure(fig, path) -> Path:
    """Write ``fig`` as a PNG at ``path`` with no timestamp, so equal figures give equal bytes.

    Uncropped (``bbox_inches=None``) at 100 dpi, as the notebooks show it: the file is
    ``figsize`` x 100 pixels.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches=None, metadata={"Software": None})
    return path
