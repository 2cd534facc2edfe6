"""utils.widgets.render: fast HTML/SVG/PNG views carry the right numbers and colours."""

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from utils.widgets.base import Explorer
from utils.widgets.render import (
    bar_chart_svg,
    colours,
    heatmap_html,
    image_html,
    line_chart_svg,
    png_bytes,
)


def test_heatmap_html_writes_every_value_with_readable_text():
    markup = heatmap_html(
        [[0.0, 1.0], [0.25, 0.75]], ["q0", "q1"], ["k0", "k1"], title="W", highlight_row=1
    )
    cells = re.findall(r"<td[^>]*color:(#000|#fff)\">([^<]*)</td>", markup)
    assert [value for _, value in cells] == ["0.00", "1.00", "0.25", "0.75"]
    assert cells[0][0] == "#000" and cells[1][0] == "#fff"  # light cell: black, dark: white
    assert "q1" in markup and "k0" in markup and "outline:3px" in markup and ">W<" in markup


def test_heatmap_html_escapes_labels_and_rejects_bad_shapes():
    assert "&lt;pad&gt;" in heatmap_html([[0.5]], ["<pad>"], ["<pad>"])
    with pytest.raises(ValueError, match="2-D"):
        heatmap_html([0.1, 0.2])


def test_png_bytes_is_a_valid_png_with_the_pixels():
    rgb = np.array([[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [9, 9, 9]]], dtype=np.uint8)
    data = png_bytes(rgb)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGB" and image.size == (2, 2)
    np.testing.assert_array_equal(np.asarray(image), rgb)
    with pytest.raises(ValueError, match="height, width, 3"):
        png_bytes(np.zeros((2, 2)))


def test_colours_clip_to_the_range():
    rgb = colours([[-5.0, 0.0, 5.0]], vmin=0, vmax=1, cmap="gray")
    np.testing.assert_array_equal(rgb[0, :, 0], [0, 0, 255])


def test_image_html_embeds_png_and_axis_ranges():
    matrix = np.linspace(-1, 1, 20 * 512).reshape(20, 512)  # (rows, cols)
    markup = image_html(matrix, xlabel="dimension", ylabel="position")
    heatmap, bar = re.findall(r'src="data:image/png;base64,([^"]+)"', markup)
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(heatmap))))
    np.testing.assert_array_equal(pixels, colours(matrix, -1, 1, "RdBu_r"))  # one per value
    assert np.asarray(Image.open(io.BytesIO(base64.b64decode(bar)))).shape == (64, 1, 3)
    assert "0 at left, 511 at right" in markup and "19 at bottom" in markup


def test_line_chart_has_one_polyline_per_series_and_the_legend():
    x = np.arange(10)
    markup = line_chart_svg(x, {"sin": np.sin(x), "cos": np.cos(x)}, xlabel="pos", ylim=(-1, 1))
    assert markup.count("<polyline") == 2 and "sin" in markup and "cos" in markup
    with pytest.raises(ValueError, match="shape"):
        line_chart_svg(x, {"bad": np.ones(3)})


def test_bar_chart_values_and_highlight():
    markup = bar_chart_svg(["a", "b", "c"], [0.2, 0.5, 0.3], highlight=1)
    assert markup.count("<rect") == 3 and ">0.50<" in markup and "#d62728" in markup
    with pytest.raises(ValueError, match="one value per label"):
        bar_chart_svg(["a"], [1, 2])


class HtmlCounter(Explorer):
    name = "HtmlCounter"

    def __init__(self):
        import ipywidgets as widgets

        self.slider = widgets.IntSlider(value=1, min=1, max=5)
        self.controls = [self.slider]
        super().__init__()

    def draw(self):
        return heatmap_html([[self.slider.value / 5]])

    def describe(self):
        return f"value={self.slider.value}"


def test_explorer_with_html_view():
    explorer = HtmlCounter()
    assert ">0.20<" in explorer.last_view and explorer.last_png is None
    explorer.slider.value = 5
    assert ">1.00<" in explorer.last_view and explorer.renders == 2
    (bundle,) = explorer.output.outputs
    assert bundle["data"]["text/plain"] == "<value=5>" and "text/html" in bundle["data"]


# --- the presentation scale -------------------------------------------------------------------


def test_presentation_scale_zooms_every_explorer_view_and_only_then(monkeypatch):
    import utils.notebook as notebook
    from utils.widgets import all_explorers
    from utils.widgets.render import view_html

    assert notebook.presentation_scale() == 1.0
    default = {cls: cls() for cls in all_explorers()}
    for explorer in default.values():
        assert "zoom" not in explorer.last_view  # the default view is drawn as it was
    monkeypatch.setattr(notebook, "_presentation", True)  # as setup(presentation=True) does
    assert notebook.presentation_scale() == 1.35
    for cls, before in default.items():
        explorer = cls()
        zoomed = explorer.last_view
        assert zoomed.startswith('<div class="explorer-view" style="') and ";zoom:1.35" in zoomed
        assert zoomed.replace(";zoom:1.35", "", 1) == before.last_view  # only the zoom differs
        assert ";zoom:1.35" in explorer._repr_mimebundle_()["text/html"]  # the static view too
    explorer = HtmlCounter()  # a redraw reads the scale again: a teacher may switch it on late
    monkeypatch.setattr(notebook, "_presentation", False)
    explorer.slider.value = 2
    assert "zoom" not in explorer.last_view
    assert view_html("<b>x</b>", 1.35) == view_html("<b>x</b>").replace(
        'text-align:left"', 'text-align:left;zoom:1.35"'
    )


def test_presentation_scale_widens_a_figure_view(monkeypatch):
    import matplotlib.pyplot as plt

    import utils.notebook as notebook
    from utils.widgets.base import figure_bundle

    fig = plt.figure(figsize=(4, 2), dpi=100)
    try:
        assert figure_bundle(fig)["metadata"] == {}
        assert figure_bundle(fig, scale=1.35)["metadata"] == {"image/png": {"width": 540}}
    finally:
        plt.close(fig)
    monkeypatch.setattr(notebook, "_presentation", True)

    class FigureCounter(HtmlCounter):
        def draw(self):
            fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
            ax.plot([0, self.slider.value])
            return fig

    bundle = FigureCounter().output.outputs[0]
    assert bundle["metadata"] == {"image/png": {"width": 405}}
