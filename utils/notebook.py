"""The one setup call at the top of every notebook: seeds, printing, figure style."""

from __future__ import annotations

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


def setup(seed: int = SEED) -> np.random.Generator:
    """Seed numpy, print arrays with 3 decimals, set large readable figures; return a Generator.

    Call once per notebook: ``rng = setup()``. Re-running the notebook then prints the
    same numbers. In Jupyter it also shows figures uncropped (:func:`show_figures_uncropped`).
    """
    np.random.seed(seed)  # noqa: NPY002 - seeds any legacy np.random.* call too
    np.set_printoptions(precision=3, suppress=True, linewidth=100)
    mpl.rcParams.update(CLASSROOM_STYLE)
    show_figures_uncropped()
    return np.random.default_rng(seed)


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
