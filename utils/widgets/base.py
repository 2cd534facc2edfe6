"""The explorer pattern: controls + an Output that shows one freshly drawn PNG.

Why this shape: outside a browser (nbval, nbclient) an ``Output`` widget does not capture
``with out:`` blocks, so a figure drawn there leaks into the cell's outputs and strict
nbval fails. Setting ``output.outputs`` to a ready display_data bundle works in both
places. The explorer's own text/plain repr is short and deterministic, because nbval
compares it.

A static view goes with it: the explorer's display also carries ``text/html``, a picture of
its current state (the controls' values and the same HTML view the live widget shows).
JupyterLab shows the live widget while the kernel runs; a notebook stored without widget
state (``make outputs`` strips it), GitHub, nbviewer, a PDF export or the student copy show
the static view instead of one line of text.
"""

from __future__ import annotations

import base64
import html
import io
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt

from utils.notebook import presentation_scale
from utils.widgets import render


def html_bundle(markup: str, alt: str = "view") -> dict:
    """A display_data output dict holding HTML (and ``alt`` as text)."""
    return {
        "output_type": "display_data",
        "data": {"text/html": markup, "text/plain": f"<{alt}>"},
        "metadata": {},
    }


def figure_bundle(fig, alt: str = "figure", scale: float = 1.0) -> dict:
    """A display_data output dict holding ``fig`` as a base64 PNG (and ``alt`` as text).

    Drawn once at the figure's own size (no ``bbox_inches="tight"``, which lays the figure
    out, crops and draws again): build the figure laid out to fit its canvas, as the
    functions in ``utils.plotting`` do (explicit margins and sizes), so nothing is cut off.
    At ``scale`` > 1 (the presentation scale) the image is shown that much wider."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    width = round(fig.get_figwidth() * fig.dpi * scale)
    return {
        "output_type": "display_data",
        "data": {"image/png": png, "text/plain": f"<{alt}>"},
        "metadata": {"image/png": {"width": width}} if scale != 1 else {},
    }


CONTROL_GAP = "0 14px 0 0"  # space after each control in the row of controls


def compact(control) -> None:
    """Size ``control`` to its content so the row of controls stays short: descriptions at
    their natural width, toggle buttons as wide as their labels, checkboxes without the
    indent; sliders 240 px and dropdowns 170 px wide unless a width was already set."""
    style = getattr(control, "style", None)
    if style is not None and "description_width" in style.keys and not style.description_width:
        style.description_width = "initial"
    if isinstance(control, widgets.ToggleButtons):
        if not control.style.button_width:
            control.style.button_width = "auto"
        if control.layout.display is None:  # the description beside the buttons, not above
            control.layout.display, control.layout.align_items = "flex", "center"
    if isinstance(control, widgets.Checkbox):
        control.indent = False
    if control.layout.width is None:
        if isinstance(control, (widgets.IntSlider, widgets.FloatSlider, widgets.SelectionSlider)):
            control.layout.width = "240px"
        elif isinstance(control, widgets.Dropdown):
            control.layout.width = "170px"
        elif isinstance(control, (widgets.ToggleButtons, widgets.Checkbox)):
            control.layout.width = "auto"
    if control.layout.margin is None:
        control.layout.margin = CONTROL_GAP


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

    Layout: the controls share one row that wraps when it is too long (:func:`compact`
    sizes each to its content); the view goes under them in the explorers' font
    (``render.view_html``), zoomed by ``utils.notebook.presentation_scale()`` when a teacher
    turned the presentation style on. Each view is designed to fit, with its controls, on a
    1280x720 screen with JupyterLab's file browser open (about 844 x 560 px).
    """

    name = "Explorer"

    def __init__(self):
        self.output = widgets.Output()
        self.renders = 0
        self.last_png = None
        self.last_view = None
        for control in self.controls:
            compact(control)
            control.observe(self._on_change, names="value")
        extra = [self.text] if getattr(self, "text", None) is not None else []
        row = widgets.HBox(self.controls, layout=widgets.Layout(flex_flow="row wrap"))
        self.ui = widgets.VBox([row, *extra, self.output])
        self.refresh()

    def _on_change(self, _change) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw the view for the current control values and show it."""
        scale = presentation_scale()  # read at every redraw: setup() may have changed it
        view = self.draw()
        if isinstance(view, str):
            view = render.view_html(view, scale)
            bundle = html_bundle(view, alt=self.describe())
            self.last_view, self.last_png = view, None
        else:
            bundle = figure_bundle(view, alt=self.describe(), scale=scale)
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

    def static_html(self) -> str:
        """The current state as plain HTML: a title line, each control's value, the view."""
        settings = " · ".join(
            f"<b>{html.escape(_label(control))}</b> {html.escape(_value(control))}"
            for control in self.controls
        )
        if self.last_png is not None:
            alt = html.escape(self.describe())
            view = f'<img alt="{alt}" src="data:image/png;base64,{self.last_png}"/>'
        else:
            view = svg_as_images(self.last_view)
        return (
            '<div class="explorer-static">'
            f'<div style="font-size:13px;color:#555;margin-bottom:4px">{html.escape(self.name)}: '
            "a picture of its starting state; run this cell to move the controls</div>"
            f'<div style="margin-bottom:6px">{settings}</div>{view}</div>'
        )

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.ui._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.static_html()
        return bundle


SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def svg_as_images(markup: str) -> str:
    """``markup`` with every inline ``<svg>`` turned into an ``<img>`` holding it as a data URL.

    JupyterLab removes inline SVG from the HTML outputs of a notebook it does not trust (any
    notebook a learner has just downloaded or opened fresh), so a static view would show
    only the charts' loose labels; an image keeps the picture. The live view needs no such
    step: its widget output is trusted.
    """

    def to_image(match: re.Match) -> str:
        data = base64.b64encode(match.group(0).encode("utf-8")).decode("ascii")
        return f'<img alt="chart" src="data:image/svg+xml;base64,{data}"/>'

    return SVG.sub(to_image, markup)


def _label(control) -> str:
    """What a control is called on screen (its description), or its kind."""
    return getattr(control, "description", "") or type(control).__name__


def _value(control) -> str:
    """A control's value as its readout shows it (the label of an option, a number)."""
    value = control.value
    for option in getattr(control, "options", None) or ():
        if isinstance(option, tuple) and option[1] == value:
            return str(option[0])
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
