"""Interactive explorers. ``utils.widgets.base`` holds the pattern that survives strict
nbval (see ``Explorer``); each topic module (``utils.widgets.<topic>``) holds that topic's
explorers. ``utils.widgets.render`` builds fast HTML/SVG views for callbacks.
"""

import importlib
import inspect
import pkgutil

from utils.widgets.base import Explorer, figure_bundle, html_bundle

__all__ = ["Explorer", "all_explorers", "figure_bundle", "html_bundle"]


def all_explorers() -> list[type]:
    """Every concrete Explorer subclass defined in this package (used by make bench and the
    browser tests, so a new explorer is measured and driven without being listed by hand)."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, Explorer)
                and cls is not Explorer
                and cls.__module__ == module.__name__
            ):
                found.append(cls)
    return found
