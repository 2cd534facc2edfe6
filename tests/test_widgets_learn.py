"""utils.widgets.learn: the snapshot explorer shows what training recorded, for every control."""

import html
import re

import numpy as np
import pytest

import utils.widgets.learn as widgets_learn
from utils.learn import experiment, right_weight
from utils.widgets.learn import SnapshotExplorer, curve_svg


@pytest.fixture(scope="module")
def runs():
    return {
        "shift": experiment("shift", steps=40, log_every=10),
        "lookup": experiment("lookup", steps=20, log_every=5),
        "repeat, causal mask": experiment("repeat, causal mask", steps=30, log_every=10),
    }


def _text(view: str) -> str:
    """The visible text of an HTML view (tags removed, entities decoded, spaces collapsed)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", view)).split())


def _changes_view(explorer, control, value):
    renders, view = explorer.renders, explorer.last_view
    control.value = value
    assert explorer.renders > renders
    assert isinstance(explorer.last_view, str) and explorer.last_view != view
    assert explorer.output.outputs[0]["data"]["text/html"] == explorer.last_view
    return _text(explorer.last_view)


def test_starts_at_the_last_step_of_the_first_run(runs):
    e = SnapshotExplorer(runs)
    assert repr(e) == "SnapshotExplorer(run='shift', step=40, example=0, accuracy=" + (
        f"{100 * runs['shift'].test_accuracy[-1]:.1f}%)"
    )
    assert (e.step.min, e.step.max, e.step.step, e.step.value) == (0, 40, 10, 40)
    assert e.renders == 1 and "step 40 of 40" in _text(e.last_view)
    bundle = e._repr_mimebundle_()
    assert bundle["text/plain"] == repr(e) and "step 40" in bundle["text/html"]


def test_step_slider_shows_that_snapshot(runs):
    e, h = SnapshotExplorer(runs), runs["shift"]
    text = _changes_view(e, e.step, 10)
    state = e.state()
    assert state["step"] == 10
    np.testing.assert_array_equal(state["weights"], h.weights[1, 0])
    assert f"accuracy {100 * h.test_accuracy[1]:.1f}%" in text
    assert f"held-out loss {h.test_loss[1]:.2g}" in text
    needed = h.task.pattern(h.example_tokens[:1])[0]
    assert state["right_weight"] == pytest.approx(right_weight(h.weights[1, 0], needed))
    assert f"needs {state['right_weight']:.2f}" in text


def test_an_unrecorded_step_shows_the_snapshot_before_it(runs):
    e = SnapshotExplorer(runs)
    e.step.step = 1  # as if a learner typed 27 into the readout
    e.step.value = 27
    assert e.state()["step"] == 20


def test_run_change_refits_the_slider_and_redraws(runs):
    e = SnapshotExplorer(runs)
    text = _changes_view(e, e.run, "lookup")
    assert (e.step.max, e.step.step, e.step.value) == (20, 5, 20)
    assert e.state()["labels"][-1].endswith("?") and "step 20 of 20" in text
    assert "outline:3px solid" in e.last_view  # the lookup's one graded row is outlined
    _changes_view(e, e.run, "repeat, causal mask")
    assert (e.step.max, e.step.step) == (30, 10)


def test_example_slider_changes_the_sequence(runs):
    e = SnapshotExplorer(runs)
    e.run.value = "lookup"
    before = e.state()["labels"]
    _changes_view(e, e.example, 2)
    after = e.state()
    assert after["example"] == 2 and after["labels"] != before
    np.testing.assert_array_equal(after["weights"], runs["lookup"].weights[-1, 2])


def test_views_are_fast_html_without_figures(runs):
    e = SnapshotExplorer(runs)
    for value in (0, 20, 40):
        e.step.value = value
        assert e.last_png is None and "<svg" in e.last_view and "<table" in e.last_view


def test_default_runs_and_bad_input(monkeypatch, runs):
    monkeypatch.setattr(widgets_learn, "experiment", lambda name: runs[name])
    widgets_learn._default_runs.cache_clear()
    try:
        assert SnapshotExplorer().run.options == ("shift",)
    finally:
        widgets_learn._default_runs.cache_clear()
    with pytest.raises(TypeError, match="runs must be"):
        SnapshotExplorer({"x": 1})
    with pytest.raises(TypeError, match="runs must be"):
        SnapshotExplorer({})


def test_curve_svg_marks_the_step():
    svg = curve_svg([0, 10, 20], [2.0, 0.5, 0.01], 10, title="t", ylabel="loss", log=True)
    assert svg.count("<circle") == 1 and 'stroke-dasharray="4 3"' in svg
    assert "1e-2" in svg and "1e1" in svg  # whole powers around 0.01 .. 2
    linear = curve_svg([0, 5], [10.0, 90.0], 5, title="t", ylabel="%", ylim=(0, 100))
    assert ">100<" in linear and ">0<" in linear
