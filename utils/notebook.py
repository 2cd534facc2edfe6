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


def setup(seed: int = SEED) -> np.random.Generator:
    """Seed numpy, print arrays with 3 decimals, set large readable figures; return a Generator.

    Call once per notebook: ``rng = setup()``. Re-running the notebook then prints the
    same numbers.
    """
    np.random.seed(seed)  # noqa: NPY002 - seeds any legacy np.random.* call too
    np.set_printoptions(precision=3, suppress=True, linewidth=100)
    mpl.rcParams.update(CLASSROOM_STYLE)
    return np.random.default_rng(seed)
