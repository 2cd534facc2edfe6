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


def figure_bundle(fig, alt: str = "figure") -> dict:
    """A display_data output dict holding ``fig`` as a base64 PNG (and ``alt`` as text)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {
        "output_type": "display_data",
        "data": {"image/png": png, "text/plain": f"<{alt}>"},
        "metadata": {},
    }


class Explorer:
    """Base class: subclasses create ``self.controls`` (a list of widgets), then call
    ``super().__init__()``, and implement ``draw() -> matplotlib Figure`` and
    ``describe() -> str`` (a one-line text summary of the current state).

    Every control change redraws: ``self.output`` then holds exactly one PNG,
    ``self.renders`` counts redraws, ``self.last_png`` is that PNG (base64) for tests.
    Optional ``self.text`` (an HTML widget) shows numbers next to the figure; subclasses
    update it in ``draw``.
    """

    name = "Explorer"

    def __init__(self):
        self.output = widgets.Output()
        self.renders = 0
        self.last_png = None
        for control in self.controls:
            control.observe(self._on_change, names="value")
        extra = [self.text] if getattr(self, "text", None) is not None else []
        self.ui = widgets.VBox([widgets.HBox(self.controls), *extra, self.output])
        self.refresh()

    def _on_change(self, _change) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw the figure for the current control values and show it."""
        fig = self.draw()
        bundle = figure_bundle(fig, alt=self.describe())
        plt.close(fig)
        self.output.outputs = (bundle,)
        self.last_png = bundle["data"]["image/png"]
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
