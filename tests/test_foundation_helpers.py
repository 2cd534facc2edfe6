"""The shared helpers: Feedback/attempt for exercises, the Explorer pattern, scripts."""

import base64
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import matplotlib.text
import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.conftest import load_script
from utils.exercises.base import Feedback, attempt, correct, wrong, wrong_shape
from utils.notebook import figure_style
from utils.plotting import annotated_heatmap, attention_heatmap, save_figure
from utils.plotting.core import _power_label, power_ticks
from utils.widgets import Explorer, figure_bundle


def test_attempt_outcomes():
    def unfinished():
        raise NotImplementedError

    assert attempt(unfinished)[1].status == "not attempted"
    assert attempt(lambda: None)[1].status == "wrong"  # ran, but forgot `return`
    assert attempt(...)[1].status == "not attempted"
    result, feedback = attempt(lambda x: 1 / x, 0)
    assert (
        result is None and feedback.status == "wrong" and "ZeroDivisionError" in feedback.message
    )
    assert attempt(lambda x: x + 1, 1) == (2, None)


def test_feedback_text():
    assert repr(correct("well done")) == "✅ correct: well done"
    assert repr(wrong("rows sum to 2", "divide by the sum")) == (
        "❌ wrong: rows sum to 2\n   hint: divide by the sum"
    )
    assert Feedback("correct", "x").ok and not wrong("x").ok
    assert repr(wrong_shape("n=3", np.zeros((3, 2)).shape, [3, 3], "one per key")) == (
        "❌ wrong: for n=3 you returned shape (3, 2), expected (3, 3)\n   hint: one per key"
    )


class Counter(Explorer):
    name = "Counter"

    def __init__(self):
        self.slider = widgets.IntSlider(value=1, min=1, max=5)
        self.controls = [self.slider]
        super().__init__()

    def draw(self):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.bar([0], [self.slider.value])
        ax.set_ylim(0, 5)
        return fig

    def describe(self):
        return f"value={self.slider.value}"


def test_explorer_redraws_on_change_and_has_short_text_repr():
    explorer = Counter()
    first_png = explorer.last_png
    assert explorer.renders == 1 and len(explorer.output.outputs) == 1
    explorer.slider.value = 4
    assert explorer.renders == 2 and explorer.last_png != first_png
    assert base64.b64decode(explorer.last_png)[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == "Counter(value=4)"
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert plt.get_fignums() == []  # every figure closed


def test_figure_bundle_is_display_data():
    fig, _ = plt.subplots()
    bundle = figure_bundle(fig, "alt")
    plt.close(fig)
    assert bundle["output_type"] == "display_data" and bundle["data"]["text/plain"] == "<alt>"


def test_heatmaps_label_axes_and_reject_bad_shapes(tmp_path):
    ax = attention_heatmap(np.full((2, 3), 1 / 3), ["a", "b"], ["x", "y", "z"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y", "z"]
    assert ax.get_ylabel() == "query (attending)"
    assert len(ax.texts) == 6  # small matrices are annotated
    path = save_figure(ax.figure, tmp_path / "a.png")
    first = path.read_bytes()
    assert save_figure(ax.figure, tmp_path / "b.png").read_bytes() == first
    plt.close("all")
    with pytest.raises(ValueError, match="2-D"):
        annotated_heatmap(np.ones(3))


def test_heatmap_annotates_only_the_rows_asked_for():
    matrix = np.arange(12.0).reshape(3, 4)  # (3, 4)
    ax = annotated_heatmap(matrix, annotate=[1], colorbar=False)
    assert [t.get_text() for t in ax.texts] == ["4.00", "5.00", "6.00", "7.00"]
    assert len(annotated_heatmap(matrix, annotate=False, colorbar=False).texts) == 0
    assert len(annotated_heatmap(np.ones((13, 2)), colorbar=False).texts) == 0  # too big
    plt.close("all")


@pytest.mark.parametrize(
    ("value", "base", "label"),
    [(1000.0, 10, "10³"), (0.01, 10, "10⁻²"), (1.0, 2, "2⁰"), (1024.0, 2, "2¹⁰"), (30.0, 10, "")],
)
def test_power_labels_are_plain_unicode(value, base, label):
    assert _power_label(value, base) == label


def test_power_ticks_sets_a_log_scale_without_mathtext():
    fig, ax = plt.subplots()
    ax.plot([1, 8, 64], [1, 100, 10_000])
    power_ticks(ax.xaxis, base=2)
    power_ticks(ax.yaxis, base=10)
    fig.canvas.draw()
    assert ax.get_xscale() == ax.get_yscale() == "log"
    x_labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    y_labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert {"2⁰", "2³", "2⁶"} <= set(x_labels) and {"10⁰", "10²", "10⁴"} <= set(y_labels)
    assert not any("$" in label for label in x_labels + y_labels)
    assert ax.yaxis.get_minorticklocs().size == 0
    plt.close(fig)


def test_execute_script_cleans_run_specific_metadata(tmp_path):
    execute = load_script("execute_notebooks")
    nb = new_notebook(cells=[new_code_cell("x = 1")])
    nb.metadata["widgets"] = {"state": {}}
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "2026"}
    nb.cells[0].outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/plain": "E()", execute.WIDGET_VIEW: {"model_id": "abc"}},
        )
    ]
    nb.cells[0].outputs += [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
    ]
    execute.clean(nb)
    assert nb.cells[0].outputs[1].text == "a\nb\n" and len(nb.cells[0].outputs) == 2
    assert "widgets" not in nb.metadata and "execution" not in nb.cells[0].metadata
    assert list(nb.cells[0].outputs[0].data) == ["text/plain"]


def every_figure():
    """Every figure function of utils.plotting, by name: every module's FIGURES (what
    ``make figures`` writes) and the helpers a notebook calls on its own data."""
    from utils.examples import FEATURES, SENTENCE, it_embeddings
    from utils.plotting import attention, heads, positional

    rng = np.random.default_rng(0)
    weights = rng.dirichlet(np.ones(4), size=(2, 4))  # (h, n, n)
    figures = load_script("make_figures").registered_figures()
    figures |= {
        "annotated_heatmap": lambda: annotated_heatmap(np.arange(12.0).reshape(3, 4)).figure,
        "annotated_heatmap, long labels": lambda: (
            annotated_heatmap(
                it_embeddings(), SENTENCE, FEATURES, title="hand-made embeddings"
            ).figure
        ),
        "attention_heatmap": lambda: (
            attention_heatmap(weights[0], list("abcd"), list("abcd")).figure
        ),
        "head_heatmaps": lambda: heads.head_heatmaps(weights, ["x0", "x1", "x2", "x3"]),
        "concatenation_diagram": lambda: heads.concatenation_diagram([np.ones((3, 2))] * 3),
        "compare_attention": lambda: attention.compare_attention(
            list(weights), ["a", "b"], list("abcd"), suptitle="suptitle"
        ),
        "pe_heatmap": lambda: positional.pe_heatmap(np.zeros((50, 64)), title="title").figure,
        "dimension_curves": lambda: positional.dimension_curves().figure,
        "shift_matrix_figure": positional.shift_matrix_figure,
        "pe_variants_figure(8, 16)": lambda: positional.pe_variants_figure(8, 16),
    }
    return figures


def font_sizes(fig) -> list[float]:
    """The size in points of every text the figure draws (tick labels, titles, legends, ...)."""
    fig.canvas.draw()
    texts = fig.findobj(lambda artist: isinstance(artist, matplotlib.text.Text))
    return [t.get_fontsize() for t in texts if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("name", sorted(every_figure()))
def test_every_figure_fits_its_canvas_uncropped(name, tmp_path, presentation):
    """Shown uncropped (bbox_inches=None), nothing is cut off at the canvas edge and no side
    is left with a big empty margin: the drawn content's tight box lies inside the canvas,
    in both styles. In the presentation style every text is PRESENTATION_SCALE times larger
    (the smallest and the largest: no size written in points that ignore the style)."""
    from PIL import Image

    from utils.notebook import PRESENTATION_SCALE

    fig = every_figure()[name]()
    png = save_figure(fig, tmp_path / "figure.png")
    width, height = fig.get_size_inches()
    with Image.open(png) as image:  # not cropped: the figure's size at 100 dpi
        assert image.size == (round(width * 100), round(height * 100))
    box = fig.get_tightbbox(fig.canvas.get_renderer())  # inches, of the drawn content
    gaps = {"left": box.x0, "bottom": box.y0, "right": width - box.x1, "top": height - box.y1}
    for side, gap in gaps.items():
        assert gap >= 0.03, f"{name}: content cut off at the {side} edge ({gap:.2f} in)"
        assert gap <= 1.0, f"{name}: {gap:.2f} in of empty margin on the {side}"
    if presentation:
        larger = font_sizes(fig)
        with figure_style(presentation=False):
            default = every_figure()[name]()
            sizes = font_sizes(default)
            plt.close(default)
        for pick in (min, max):
            assert pick(larger) == pytest.approx(PRESENTATION_SCALE * pick(sizes)), pick
    plt.close(fig)


def test_registered_figure_names_say_which_notebook_shows_them():
    from utils.plotting import attention, heads, positional

    for module, prefix in ((attention, "01_"), (heads, "02_"), (positional, "03_")):
        assert all(n.startswith(prefix) and n.endswith(".png") for n in module.FIGURES)


def test_setup_shows_inline_figures_uncropped_in_a_kernel():
    """In a real kernel, setup() turns the inline backend's tight crop off: the PNG is the
    figure's size times its dpi (without setup, Jupyter crops it to the content)."""
    from nbclient import NotebookClient
    from PIL import Image

    draw = "fig, ax = plt.subplots(figsize=(4, 3))\nax.set_title('t')\nplt.show()"
    sizes = []
    for first in ("", "from utils.notebook import setup\nsetup()"):
        cells = [first + "\nimport matplotlib.pyplot as plt", draw]
        nb = new_notebook(cells=[new_code_cell(source) for source in cells])
        NotebookClient(nb, timeout=60, kernel_name="python3").execute()
        (output,) = nb.cells[1].outputs
        png = base64.b64decode(output["data"]["image/png"])
        with Image.open(io.BytesIO(png)) as image:
            sizes.append(image.size)
    cropped, uncropped = sizes
    assert uncropped == (400, 300) and cropped != (400, 300)


def test_setup_outside_ipython_only_seeds_and_styles():
    from utils.notebook import CLASSROOM_STYLE, setup

    with figure_style(), np.printoptions():  # restores the style and printing afterwards
        rng = setup(3)
        assert rng.integers(100) == np.random.default_rng(3).integers(100)
        assert plt.rcParams["font.size"] == CLASSROOM_STYLE["font.size"]


def test_setup_switches_the_presentation_style_on_and_off(monkeypatch):
    """setup(presentation=True) and ATTENTION_PRESENTATION=1 both switch to the presentation
    style (text PRESENTATION_SCALE times larger); setup() goes back to the default."""
    from utils import notebook
    from utils.plotting.core import points

    size = notebook.CLASSROOM_STYLE["font.size"]
    with figure_style(), np.printoptions():
        monkeypatch.delenv(notebook.PRESENTATION_VARIABLE, raising=False)
        notebook.setup(presentation=True)
        assert notebook.presentation_scale() == notebook.PRESENTATION_SCALE == 1.35
        assert plt.rcParams["font.size"] == pytest.approx(1.35 * size)
        assert points(10) == pytest.approx(13.5)
        notebook.setup()
        assert notebook.presentation_scale() == 1.0 and points(10) == 10
        assert plt.rcParams["font.size"] == size
        monkeypatch.setenv(notebook.PRESENTATION_VARIABLE, "1")
        notebook.setup()
        assert notebook.presentation_scale() == 1.35
        assert plt.rcParams["axes.titlesize"] == pytest.approx(1.35 * 13)
        notebook.setup(presentation=False)  # an explicit False beats the variable
        assert notebook.presentation_scale() == 1.0
        monkeypatch.delenv(notebook.PRESENTATION_VARIABLE)
        notebook.setup(presentation=True)
    assert notebook.presentation_scale() == 1.0  # figure_style restored the default
