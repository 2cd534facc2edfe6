"""The shared helpers: Feedback/attempt for exercises, the Explorer pattern, scripts."""

import base64
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from nbformat.v4 import new_code_cell, new_notebook

from tests.conftest import load_script
from utils.exercises.base import Feedback, attempt, correct, wrong, wrong_shape
from utils.plotting import annotated_heatmap, attention_heatmap, save_figure
from utils.plotting.core import _power_label, power_ticks
from utils.widgets import Explorer, figure_bundle


def test_attempt_outcomes():
    def unfinished():
        raise NotImplementedError

    assert attempt(unfinished)[1].status == "not attempted"
    assert attempt(lambda: None)[1].status == "not attempted"
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


def test_one_draw_canvas_crops_like_matplotlib_tight():
    from PIL import Image

    from utils.plotting.core import OneDrawCanvas, subplots

    fig, ax = subplots(figsize=(6, 4))
    ax.plot([0, 1, 4])
    ax.set(title="title", xlabel="x label", ylabel="y label")
    assert isinstance(fig.canvas, OneDrawCanvas)
    fast = io.BytesIO()
    fig.savefig(fast, format="png", bbox_inches="tight")
    slow = io.BytesIO()
    FigureCanvasAgg(fig).print_figure(slow, format="png", bbox_inches="tight")
    fast_size, slow_size = Image.open(fast).size, Image.open(slow).size
    assert all(abs(a - b) <= 4 for a, b in zip(fast_size, slow_size, strict=True))
    plt.close(fig)


def test_one_draw_canvas_falls_back_when_content_touches_the_edge(tmp_path):
    from utils.plotting.core import subplots

    fig, ax = subplots(figsize=(4, 3))
    ax.plot([0, 1])
    fig.canvas.draw()
    assert fig.canvas._one_draw_png(io.BytesIO(), (), {"bbox_inches": "tight"}) is not None
    fig.text(0.0, 0.5, "a label running off the left edge", ha="center")
    assert fig.canvas._one_draw_png(io.BytesIO(), (), {"bbox_inches": "tight"}) is None
    fig.savefig(tmp_path / "fallback.png", bbox_inches="tight")  # matplotlib's own path
    fig.savefig(tmp_path / "vector.svg", bbox_inches="tight")  # other formats too
    assert (tmp_path / "fallback.png").stat().st_size > 0
    assert (tmp_path / "vector.svg").read_text().lstrip().startswith("<?xml")
    plt.close(fig)


def test_one_draw_canvas_falls_back_for_content_outside_the_canvas():
    from utils.plotting.core import subplots

    fig, ax = subplots(figsize=(4, 3))
    ax.plot([0, 1])
    fig.suptitle("placed above the figure", y=1.2)  # tight bbox grows to include it
    assert fig.canvas._one_draw_png(io.BytesIO(), (), {"bbox_inches": "tight"}) is None
    assert (
        fig.canvas._one_draw_png(io.BytesIO(), (), {"bbox_inches": "tight", "facecolor": "auto"})
        is None
    )  # "auto" is accepted, the outside title still forces the fallback
    plt.close(fig)


def test_one_draw_figures_stay_managed_by_pyplot():
    from utils.plotting.core import OneDrawCanvas, subplots

    before = len(plt.get_fignums())
    fig, ax = subplots()
    assert isinstance(fig.canvas, OneDrawCanvas) and fig.canvas.manager is not None
    plt.figure(fig)  # must not create a second manager (the figure would show twice)
    plt.sca(ax)
    assert len(plt.get_fignums()) == before + 1 and isinstance(fig.canvas, OneDrawCanvas)
    plt.close(fig)
    assert len(plt.get_fignums()) == before


@pytest.mark.parametrize(
    ("module", "prefix"), [("attention", "01_"), ("heads", "02_"), ("positional", "03_")]
)
def test_every_notebook_figure_draws_in_one_pass(module, prefix):
    import importlib

    figures = importlib.import_module(f"utils.plotting.{module}").FIGURES
    for name, make in figures.items():
        assert name.startswith(prefix) and name.endswith(".png")
        fig = make()
        assert fig.axes
        png = fig.canvas._one_draw_png(io.BytesIO(), (), {"bbox_inches": "tight"})
        assert png is not None, f"{name} reaches the edge of its canvas: give it a margin"
        plt.close(fig)
