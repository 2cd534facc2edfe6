"""Plotting helpers every notebook reuses: margins in inches, labelled heatmaps, log ticks
and deterministic saving."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def subplots(
    nrows=1, ncols=1, *, left=0.8, bottom=0.65, right=0.2, top=0.45, wspace=None, hspace=None, **kw
):
    """``plt.subplots(nrows, ncols, **kw)`` with the margins around the panels in inches.

    The notebooks show figures as drawn, not cropped to their content
    (``utils.notebook.setup``), so a figure keeps room inside its canvas for its tick labels,
    axis labels and titles: ``left``, ``bottom``, ``right`` and ``top`` inches between the
    panels and the canvas edge. Inches rather than matplotlib's fractions of the figure,
    because text is as large in a wide figure as in a small one. ``wspace`` and ``hspace``
    are the gaps between panels, as in ``Figure.subplots_adjust`` (fractions of a panel).
    Returns ``(fig, axes)`` like ``plt.subplots``.
    """
    fig, axes = plt.subplots(nrows, ncols, **kw)
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / width,
        bottom=bottom / height,
        right=1 - right / width,
        top=1 - top / height,
        wspace=wspace,
        hspace=hspace,
    )
    return fig, axes


def label_inches(labels) -> float:
    """About how wide the longest of ``labels`` is, in inches, at the classroom font size
    (12 pt: roughly 0.1 in per character). Sizes the margins that hold tick labels."""
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
