"""Interactive explorers. ``utils.widgets.base`` holds the pattern that survives strict
nbval (see ``Explorer``); each topic module (``utils.widgets.<topic>``) holds that topic's
explorers.
"""

from utils.widgets.base import Explorer, figure_bundle

__all__ = ["Explorer", "figure_bundle"]
