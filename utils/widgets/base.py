"""The explorer pattern: controls + an Output that shows one freshly drawn PNG.

Why this shape: outside a browser (nbval, nbclient) an ``Output`` widget does not capture
``with out:`` blocks, so a figure drawn there leaks into the cell's outputs and strict
nbval fails. Setting ``output.outputs`` to a ready display_data bundle works in both
places. The explorer's own text/plain repr is short and deterministic, because nbval
compares it.
"""

from __future__ import annotations

import base64
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt


def html_bundle(markup: str, alt: str = "view") -> dict:
    """A display_data output dict holding HTML (and ``alt`` as text)."""
    return {
        "output_type": "display_data",
        "data": {"text/html": markup, "text/plain": f"<{alt}>"},
        "metadata": {},
    }


def figure_bundle(fig, alt: str = "figure") -> dict:
    """A display_data output dict holding ``fig`` as a base64 PNG (and ``alt`` as text).

    Drawn once at the figure's own size (no ``bbox_inches="tight"``, which draws twice):
    give the figure ``layout="constrained"`` so nothing is cut off."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {
        "output_type": "display_data",
        "data": {"image/png": png, "text/plain": f"<{alt}>"},
        "metadata": {},
    }


class Explorer:
    """Base class: subclasses create ``self.controls`` (a list of widgets), then call
    ``super().__init__()``, and implement ``draw()`` and ``describe() -> str`` (a one-line
    text summary of the current state).

    ``draw()`` returns either an HTML string (preferred in callbacks: built with
    ``utils.widgets.render`` in a few ms) or a matplotlib Figure (100-400 ms per redraw on
    a small laptop: a visible lag). Every control change redraws: ``self.output`` then holds
    exactly one view, ``self.renders`` counts redraws, ``self.last_view`` is that HTML (or
    the PNG as base64) and ``self.last_png`` the PNG when the view is a figure, for tests.
    Optional ``self.text`` (an HTML widget) shows numbers next to the view; subclasses
    update it in ``draw``.
    """

    name = "Explorer"

    def __init__(self):
        self.output = widgets.Output()
        self.renders = 0
        self.last_png = None
        self.last_view = None
        for control in self.controls:
            control.observe(self._on_change, names="value")
        extra = [self.text] if getattr(self, "text", None) is not None else []
        self.ui = widgets.VBox([widgets.HBox(self.controls), *extra, self.output])
        self.refresh()

    def _on_change(self, _change) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw the figure for the current control values and show it."""
        view = self.draw()
        if isinstance(view, str):
            bundle = html_bundle(view, alt=self.describe())
            self.last_view, self.last_png = view, None
        else:
            bundle = figure_bundle(view, alt=self.describe())
            plt.close(view)
            self.last_view = self.last_png = bundle["data"]["image/png"]
        self.output.outputs = (bundle,)
        self.renders += 1

    def draw(self):  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.name}({self.describe()})"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.ui._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle
