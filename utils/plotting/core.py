"""Plotting helpers every notebook reuses: labelled heatmaps and deterministic saving."""

from __future__ import annotations

import io
import os
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator
from PIL import Image

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class OneDrawCanvas(FigureCanvasAgg):
    """Agg canvas whose tight-cropped PNG takes one draw instead of two.

    Jupyter shows figures as ``bbox_inches="tight"`` PNGs. Matplotlib finds that box by
    laying out every text first and then drawing the cropped figure: two full passes, a
    third to a half of a figure's time on this kind of machine (``make bench``). This canvas
    draws once at full size, takes the same tight box from that draw (the text sizes are
    cached by then) and crops it, plus the usual ``savefig.pad_inches``, from the pixels.
    The figures in ``utils.plotting`` are laid out to fit inside their canvas. If any artist
    extends past the canvas (matplotlib's box would grow to include it), or for any other
    format or option, it falls back to matplotlib's own path.
    """

    def print_figure(self, filename, *args, **kwargs):
        png = self._one_draw_png(filename, args, kwargs)
        if png is None:
            return super().print_figure(filename, *args, **kwargs)
        if isinstance(filename, (str, os.PathLike)):
            Path(filename).write_bytes(png)
        else:
            filename.write(png)
        return None

    def _one_draw_png(self, filename, args, kwargs) -> bytes | None:
        """The cropped PNG's bytes, or None when the fast path does not apply."""
        options = dict(kwargs)
        fmt = options.pop("format", None)
        if fmt is None:
            if isinstance(filename, (str, os.PathLike)):
                fmt = Path(filename).suffix.lstrip(".").lower() or None  # none: matplotlib's
            else:
                fmt = mpl.rcParams["savefig.format"]
        fig = self.figure
        dpi = options.pop("dpi", None)
        dpi = fig.dpi if dpi in (None, "figure") else float(dpi)
        facecolor = options.pop("facecolor", None) or mpl.rcParams["savefig.facecolor"]
        edgecolor = options.pop("edgecolor", None) or mpl.rcParams["savefig.edgecolor"]
        metadata = options.pop("metadata", None)
        if (
            args
            or options.pop("bbox_inches", None) != "tight"
            or fmt != "png"
            or options.keys() - {"pad_inches"}
            or fig.get_layout_engine() is not None
            or not _same_colour(facecolor, fig.get_facecolor())
            or (fig.get_linewidth() > 0 and not _same_colour(edgecolor, fig.get_edgecolor()))
            or to_rgba(fig.get_facecolor())[3] != 1.0
            or (metadata and set(metadata.values()) != {None})
        ):
            return None
        pad = options.get("pad_inches")
        pad = mpl.rcParams["savefig.pad_inches"] if pad in (None, "layout") else pad
        original_dpi, manager = fig.dpi, self.manager
        try:
            self.manager = None  # a dpi change must not resize a window
            fig.dpi = dpi
            FigureCanvasAgg.draw(self)
            pixels = np.asarray(self.buffer_rgba())  # (height, width, 4) uint8
            extent = fig.get_tightbbox(self.get_renderer())  # inches; text sizes now cached
        finally:
            fig.dpi = original_dpi
            self.manager = manager
        width_in, height_in = fig.get_size_inches()
        if extent.x0 < 0 or extent.y0 < 0 or extent.x1 > width_in or extent.y1 > height_in:
            return None  # something lies outside the canvas: matplotlib's box would grow
        # the same box as matplotlib's tight bbox, padded, in pixels (row 0 = top)
        height, width = pixels.shape[:2]
        left = max(0, int(np.floor((extent.x0 - pad) * dpi)))
        right = min(width, int(np.ceil((extent.x1 + pad) * dpi)))
        top = max(0, int(np.floor((height_in - extent.y1 - pad) * dpi)))
        bottom = min(height, int(np.ceil((height_in - extent.y0 + pad) * dpi)))
        crop = pixels[top:bottom, left:right]
        buffer = io.BytesIO()
        Image.fromarray(crop).save(buffer, format="png", dpi=(dpi, dpi))
        return buffer.getvalue()


def _same_colour(colour, figure_colour) -> bool:
    """Whether a savefig colour argument (``"auto"`` = the figure's own) is ``figure_colour``."""
    if isinstance(colour, str) and colour == "auto":
        return True
    try:
        return to_rgba(colour) == to_rgba(figure_colour)
    except ValueError:
        return False


def subplots(*args, **kwargs):
    """``plt.subplots`` whose figure renders its Jupyter PNG in one draw (:class:`OneDrawCanvas`).

    Returns ``(fig, axes)`` like ``plt.subplots``; the figure is still managed by pyplot.
    """
    fig, axes = plt.subplots(*args, **kwargs)
    if type(fig.canvas) is FigureCanvasAgg:  # Jupyter's inline backend, or Agg
        manager = fig.canvas.manager
        canvas = OneDrawCanvas(fig)  # becomes fig.canvas
        canvas.manager = manager  # pyplot still manages the figure (show, close, sca)
        if manager is not None:
            manager.canvas = canvas
    if fig.get_layout_engine() is None:  # room for an x label and its tick labels: 0.7 in
        height = fig.get_size_inches()[1]
        fig.subplots_adjust(bottom=max(mpl.rcParams["figure.subplot.bottom"], 0.7 / height))
    return fig, axes


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
    if ax is None:
        _, ax = subplots()
    image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    rows, cols = matrix.shape
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
    """Write ``fig`` as a PNG at ``path`` with no timestamp, so equal figures give equal bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    return path
