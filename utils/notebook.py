"""The one setup call at the top of every notebook: seeds, printing, figure style, and the
presentation style for a projector."""

from __future__ import annotations

import os
from contextlib import contextmanager

import matplotlib as mpl
import numpy as np

SEED = 0

CLASSROOM_STYLE = {
    "figure.figsize": (7.0, 4.5),
    "figure.dpi": 100,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "image.cmap": "viridis",
    "axes.grid": False,
}

# Jupyter's inline backend shows figures with bbox_inches="tight", which lays every text
# out to find the crop and then draws again. The figures in utils.plotting fit their canvas,
# so they are shown as drawn: one pass, and the picture is exactly figsize x dpi.
UNCROPPED_FIGURES = "InlineBackend.print_figure_kwargs = {'bbox_inches': None}"


# A teacher sets this once (e.g. `ATTENTION_PRESENTATION=1 make lab`) for projector sizes.
PRESENTATION_VARIABLE = "ATTENTION_PRESENTATION"
PRESENTATION_SCALE = 1.35  # text in figures and explorer views, relative to the default
_presentation = False


def setup(seed: int = SEED, presentation: bool | None = None) -> np.random.Generator:
    """Seed numpy, print arrays with 3 decimals, set large readable figures; return a Generator.

    Call once per notebook: ``rng = setup()``. Re-running the notebook then prints the
    same numbers. In Jupyter it also shows figures uncropped (:func:`show_figures_uncropped`).
    ``presentation=True`` (or the environment variable ``ATTENTION_PRESENTATION=1``; None
    reads it) makes figure text and explorer views :data:`PRESENTATION_SCALE` times larger,
    for a projector; the default style is unchanged.
    """
    if presentation is None:
        presentation = os.environ.get(PRESENTATION_VARIABLE, "").lower() in ("1", "true", "yes")
    np.random.seed(seed)  # noqa: NPY002 - seeds any legacy np.random.* call too
    np.set_printoptions(precision=3, suppress=True, linewidth=100)
    _set_figure_style(bool(presentation))
    show_figures_uncropped()
    return np.random.default_rng(seed)


def _set_figure_style(presentation: bool) -> None:
    """The figure part of :func:`setup`: matplotlib's rcParams and :func:`presentation_scale`."""
    global _presentation
    _presentation = presentation
    mpl.rcParams.update(CLASSROOM_STYLE)
    if presentation:
        for key in ("font.size", "axes.titlesize", "axes.labelsize"):
            mpl.rcParams[key] = CLASSROOM_STYLE[key] * PRESENTATION_SCALE


@contextmanager
def figure_style(presentation: bool = False):
    """Draw in the classroom figure style of :func:`setup` (the presentation style with
    ``presentation=True``) inside the ``with`` block; afterwards matplotlib's settings and
    the style are as they were. For tests, and for a look at a figure in the other style::

        with figure_style(presentation=True):
            fig = attention_weights_figure()
    """
    global _presentation
    before = _presentation
    with mpl.rc_context():  # restores matplotlib's settings when the block ends
        _set_figure_style(presentation)
        try:
            yield
        finally:
            _presentation = before


def presentation_scale() -> float:
    """How much larger text should be drawn: :data:`PRESENTATION_SCALE` in presentation
    style (:func:`setup`), else 1. Figures and explorer views multiply their sizes by it."""
    return PRESENTATION_SCALE if _presentation else 1.0


def show_figures_uncropped() -> None:
    """In IPython/Jupyter, the same as typing ``%config InlineBackend.print_figure_kwargs =
    {'bbox_inches': None}``: inline figures are shown at their own size, not cropped to their
    content. Outside IPython (plain python, pytest) there is nothing to configure."""
    from IPython import get_ipython

    ipython = get_ipython()
    if ipython is None:
        return
    import matplotlib.pyplot  # noqa: F401 - in a kernel this starts the inline backend

    ipython.run_line_magic("config", UNCROPPED_FIGURES)
