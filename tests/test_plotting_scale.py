"""utils.plotting.scale: figures draw the right data, titled and labelled, inside their canvas."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.plotting import scale as figs
from utils.positional import alibi_slopes


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _inside_canvas(fig) -> bool:
    """True when every drawn artist lies within the figure (shown uncropped in notebooks)."""
    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer)  # inches
    width, height = fig.get_size_inches()
    return (
        box.x0 >= -0.01 and box.y0 >= -0.01 and box.x1 <= width + 0.01 and box.y1 <= height + 0.01
    )


def _measured():
    ns = [256, 512, 1024, 2048]
    plain = {
        "n": ns,
        "seconds": [3e-4 * (n / 256) ** 2 for n in ns],
        "bytes": [12 * n * n for n in ns],
    }
    tiled = {
        "n": ns,
        "seconds": [2e-4 * (n / 256) ** 2 for n in ns],
        "bytes": [n * 768 * 4 for n in ns],
        "block_size": 128,
    }
    blocks = {
        "block_size": [32, 128, 512],
        "seconds": [0.2, 0.05, 0.07],
        "bytes": [1e6, 3e6, 9e6],
        "n": 2048,
        "plain_seconds": 0.06,
        "plain_bytes": 5e7,
    }
    return plain, tiled, blocks


def _all_figures():
    plain, tiled, blocks = _measured()
    made = {name: make for name, make in figs.FIGURES.items()}
    made["cost"] = lambda: figs.cost_figure(plain["n"], plain["seconds"], plain["bytes"])
    made["tiled"] = lambda: figs.tiled_figure(plain, tiled, blocks)
    made["kv"] = lambda: figs.kv_cache_figure(
        [32, 64, 128], [0.01, 0.04, 0.16], [0.004, 0.008, 0.016]
    )
    made["length"] = lambda: figs.length_figure(
        [8, 16, 32],
        {"sinusoidal": [1.0, 0.5, 0.3], "rope": [1.0, 1.0, 0.8], "alibi": [0.3, 0.25, 0.2]},
        {"sinusoidal": np.linspace(1, 0, 32), "rope": np.full(32, 0.8)},
        [0.3, 0.25, 0.2],
        train_length=8,
    )
    made["rope offset"] = lambda: figs.rope_offset_figure(*_rope_scores(), train_length=8)
    return made


def _rope_scores():
    """A wiggly score curve over offsets 0..63 with two rivals of offset 1 (39 and 58),
    and the accuracy by position that they cause."""
    offsets = np.arange(64)
    scores = 10 * np.cos(offsets * 2 * np.pi / 6.3)  # (64,)
    scores[1], scores[39], scores[58] = 10.4, 10.8, 11.2
    scores[[0, 2, 19, 20, 25, 44, 45]] = 5.0
    accuracy = np.where(offsets < 39, 1.0, np.where(offsets < 58, 0.4, 0.2))
    return scores, accuracy


@pytest.mark.parametrize("name", sorted(_all_figures()))
def test_every_figure_is_titled_labelled_and_inside_its_canvas(name, presentation):
    fig = _all_figures()[name]()
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.axison]
    assert panels
    for ax in panels:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert _inside_canvas(fig), f"{name} sticks out of its canvas"


def test_registered_figures_are_the_deterministic_ones():
    assert set(figs.FIGURES) == {
        "06_online_softmax.png",
        "06_gqa.png",
        "06_rope.png",
        "06_alibi.png",
    }


def test_online_softmax_figure_shows_the_running_values():
    x = [1.0, 3.0, 2.0, 5.0]
    fig = figs.online_softmax_figure(x, 2)
    right = fig.axes[1]
    _, y = right.lines[0].get_data()
    np.testing.assert_allclose(y, [np.exp(-2) + 1, (np.exp(-2) + 1) * np.exp(-2) + np.exp(-3) + 1])


def test_alibi_figure_uses_the_paper_slopes():
    fig = figs.alibi_figure(8, 6)
    assert "1/2 " in fig.axes[0].get_title() and "1/256" in fig.axes[1].get_title()
    legend = [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
    assert len(legend) == 8 and legend[-1].endswith("1/256")
    assert alibi_slopes(8)[0] == 0.5


def test_kv_cache_figure_writes_the_speedups():
    fig = figs.kv_cache_figure([32, 64], [0.1, 0.4], [0.01, 0.02])
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert texts == ["10×", "20×"]
    fig = figs.kv_cache_figure([32], [0.015], [0.01])
    assert [t.get_text() for t in fig.axes[1].texts] == ["1.5×"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(2**31, "2 GiB"), (512 * 2**20, "512 MiB"), (1536, "1.5 KiB"), (3, "3 B"), (2**41, "2 TiB")],
)
def test_format_bytes(value, text):
    assert figs.format_bytes(value) == text


def test_format_seconds_and_counts():
    assert figs.format_seconds(3.7581) == "3.76 s"
    assert figs.format_seconds(0.0125) == "12.5 ms"
    assert figs.format_seconds(4e-5) == "40 µs"
    assert [figs.format_count(v) for v in (256, 4096, 65536, 2**20)] == ["256", "4k", "64k", "1M"]


def test_length_figure_draws_one_line_per_scheme_and_skips_ungraded_positions():
    fig = figs.length_figure(
        [8, 16],
        {"rope": [1.0, 0.9], "alibi": [0.3, 0.2]},
        {"rope": np.arange(16) / 16},
        [0.3, 0.2],
        train_length=8,
    )
    left, right = fig.axes
    assert [line.get_label() for line in left.lines][:3] == [
        "rope",
        "alibi",
        "best without positions",
    ]
    x, _ = right.lines[0].get_data()
    assert x[0] == 2 and x[-1] == 15  # positions 0 and 1 have no target in the shift task


def test_length_figure_names_its_baseline_and_starts_where_targets_start():
    fig = figs.length_figure(
        [8, 16],
        {"rope": [1.0, 0.9], "alibi, slope 1/256": [0.3, 0.2]},
        {"rope": np.arange(16) / 16},
        [0.3, 0.2],
        8,
        "no positions",
        first_graded=1,
    )
    left, right = fig.axes
    assert [line.get_label() for line in left.lines][:3] == [
        "rope",
        "alibi, slope 1/256",
        "no positions",
    ]
    assert left.lines[1].get_color() != left.lines[0].get_color()
    assert right.lines[0].get_data()[0][0] == 1  # offset 1: only position 0 has no target


def test_rope_offset_figure_marks_the_offsets_that_outscore_the_right_one():
    scores, accuracy = _rope_scores()
    fig = figs.rope_offset_figure(scores, accuracy, train_length=8)
    left, right = fig.axes
    labels = [t.get_text() for t in left.texts]
    assert "Δ = 39" in labels and "Δ = 58" in labels and "Δ = 1: the right key" in labels
    rivals = sorted({line.get_xdata()[0] for line in right.lines[:-1]})
    assert rivals == [39, 58]  # the dotted lines where accuracy steps down
    x, y = right.lines[-1].get_data()
    assert x[0] == 1 and y[-1] == 0.2


def test_online_softmax_figure_marks_a_zero_score():
    fig = figs.online_softmax_figure([1.0, 3.0, 0.0], 2)
    left = fig.axes[0]
    assert "0" in [t.get_text() for t in left.texts]
    dots = [line for line in left.lines if line.get_marker() == "o"]
    np.testing.assert_array_equal(dots[0].get_xdata(), [2])


def test_alibi_figure_marks_the_masked_future():
    fig = figs.alibi_figure(8, 6)
    for ax in fig.axes[:2]:
        assert "future keys\n(masked)" in [t.get_text() for t in ax.texts]
        image = ax.images[0]
        assert tuple(image.get_cmap().get_bad()[:3]) != tuple(image.get_cmap()(1.0)[:3])  # grey


def test_rope_figure_keeps_every_position_non_negative():
    fig = figs.rope_figure(max_offset=200)
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    starts = [int(label.split("= ")[1]) for label in labels]
    assert min(starts) >= 200  # key at j >= 200, query at j + offset >= 0
