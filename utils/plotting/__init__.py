"""Figures for the notebooks. Shared helpers live in ``utils.plotting.core``; each topic
module (``utils.plotting.<topic>``) holds that topic's figures and may define

    FIGURES = {"NN_name.png": function_returning_a_matplotlib_Figure, ...}

``make figures`` (scripts/make_figures.py) finds every FIGURES dict in this package and
writes those files into figures/, named after the notebook that shows them.
"""

from utils.plotting.core import annotated_heatmap, attention_heatmap, save_figure

__all__ = ["annotated_heatmap", "attention_heatmap", "save_figure"]
