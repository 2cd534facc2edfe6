"""Write every figure registered in ``utils.plotting`` into figures/ (``make figures``).

A topic module ``utils.plotting.<topic>`` registers figures as
``FIGURES = {"NN_name.png": function_returning_a_Figure}``. Output is deterministic:
the same code and library versions give the same bytes.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import utils.plotting  # noqa: E402
from utils.notebook import setup  # noqa: E402
from utils.plotting.core import save_figure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def registered_figures() -> dict:
    """Every ``FIGURES`` entry of every module in utils.plotting, keyed by file name."""
    found = {}
    for module_info in pkgutil.iter_modules(utils.plotting.__path__):
        module = importlib.import_module(f"utils.plotting.{module_info.name}")
        for name, make in getattr(module, "FIGURES", {}).items():
            if name in found:
                raise ValueError(f"figure {name} is registered twice")
            found[name] = make
    return found


def main(argv: list[str]) -> int:
    """``make_figures.py [--only PREFIX] [OUT_DIR]``: write the figures (those starting with
    PREFIX, e.g. ``01_``, when given) into OUT_DIR (default figures/)."""
    prefix = ""
    if argv[:1] == ["--only"]:
        prefix, argv = argv[1], argv[2:]
    out_dir = Path(argv[0]) if argv else ROOT / "figures"
    for name, make in sorted(registered_figures().items()):
        if not name.startswith(prefix):
            continue
        setup(presentation=False)  # same seed and default style for every figure
        fig = make()
        print(save_figure(fig, out_dir / name).relative_to(out_dir.parent))
        plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
