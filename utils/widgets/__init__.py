"""Interactive explorers. ``utils.widgets.base`` holds the pattern that survives strict
nbval (see ``Explorer``); each topic module (``utils.widgets.<topic>``) holds that topic's
explorers. ``utils.widgets.render`` builds fast HTML/SVG views for callbacks.
"""

from utils.widgets.base import Explorer, figure_bundle, html_bundle

__all__ = ["Explorer", "figure_bundle", "html_bundle"]
