"""utils.plotting.positional: figures draw the right data with labelled axes."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.pe_properties import offset_similarity, shift_matrix
from utils.plotting import positional as figs
from utils.positional import sinusoidal_encoding


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", sorted(figs.FIGURES))
def test_registered_figures_draw(name):
    assert name.startswith("03_") and name.endswith(".png")
    fig = figs.FIGURES[name]()
    assert fig.axes
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert panels[0].get_ylabel()
    for ax in panels:  # every panel is titled; stacked panels share the bottom one's x label
        assert ax.get_title()
        shared = ax.get_shared_x_axes().get_siblings(ax)
        assert any(sibling.get_xlabel() for sibling in shared)


def test_required_figures_registered():
    assert {"03_pe_variants.png", "03_similarity_vs_offset.png"} <= set(figs.FIGURES)


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def test_pe_variants_shows_the_three_variants_each_with_a_zoom():
    fig = figs.pe_variants_figure(20, 512)
    panels = _panels(fig)
    assert len(panels) == 6  # per variant: the whole matrix, then its first 16 columns
    variants = ("interleaved", "concatenated", "tensor2tensor")
    pairs = list(zip(panels[0::2], panels[1::2], strict=True))
    for (full, zoom), variant in zip(pairs, variants, strict=True):
        pe = sinusoidal_encoding(20, 512, variant=variant)
        np.testing.assert_array_equal(full.images[0].get_array(), pe)
        np.testing.assert_array_equal(zoom.images[0].get_array(), pe[:, :16])
        assert full.images[0].get_clim() == zoom.images[0].get_clim() == (-1, 1)
        assert variant[:6] in full.get_title() or "paper" in full.get_title()
        assert "columns 0-15" in zoom.get_title()
    assert panels[-1].get_xlabel() == panels[-2].get_xlabel() == "column of PE"


def test_pe_variants_side_by_side_has_room_for_its_titles(presentation):
    fig = figs.pe_variants_figure(50, 128)
    panels = _panels(fig)
    assert len(panels) == 4
    renderer = fig.canvas.get_renderer()
    suptitle = fig._suptitle.get_window_extent(renderer)
    for ax in panels:
        title = ax.title.get_window_extent(renderer)
        assert title.y1 < suptitle.y0  # the panel titles sit below the figure title
        assert ax.get_window_extent(renderer).y1 <= title.y0 + 1
        assert ax.get_xlabel() == "column of PE"


def test_pe_variants_side_by_side_names_encodings_and_shows_their_difference():
    fig = figs.pe_variants_figure(50, 128)
    panels = _panels(fig)
    title = fig._suptitle.get_text()
    assert "two layouts" in title and "tensor2tensor's encoding" in title
    assert "same encoding" not in title and "three layouts" not in title
    encodings = {
        v: sinusoidal_encoding(50, 128, variant=v)
        for v in ("interleaved", "concatenated", "tensor2tensor")
    }
    for ax, pe in zip(panels[:3], encodings.values(), strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), pe)
    difference = encodings["tensor2tensor"] - encodings["concatenated"]
    image = panels[3].images[0]
    np.testing.assert_array_equal(image.get_array(), difference)
    largest = np.abs(difference).max()
    assert 0.27 < largest < 0.29  # "differ by up to 0.28": real, but small
    assert image.get_clim() == (-largest, largest)  # its own colour scale
    assert "0.28" in panels[3].get_title()
    colorbars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(colorbars) == 2


@pytest.mark.parametrize(
    ("dim", "d_model", "variant", "label"),
    [
        (0, 128, "interleaved", "column 0 (sin, pair 0)"),
        (1, 128, "interleaved", "column 1 (cos, pair 0)"),
        (40, 128, "interleaved", "column 40 (sin, pair 20)"),
        (81, 128, "interleaved", "column 81 (cos, pair 40)"),
        (3, 8, "concatenated", "column 3 (sin, pair 3)"),
        (5, 8, "tensor2tensor", "column 5 (cos, pair 1)"),
    ],
)
def test_column_label_names_sine_or_cosine_and_the_pair(dim, d_model, variant, label):
    assert figs.column_label(dim, d_model, variant) == label


def test_distance_from_start_figure():
    fig = figs.distance_from_start_figure(max_offset=100, d_model=64, bases=(2.0, 10000.0))
    ax = fig.axes[0]
    curves = [line for line in ax.lines if line.get_linestyle() == "-"]
    assert [line.get_label() for line in curves] == ["base 2", "base 10,000"]
    for line, base in zip(curves, (2.0, 10000.0), strict=True):
        pe = sinusoidal_encoding(101, 64, base=base)
        np.testing.assert_allclose(line.get_ydata(), np.linalg.norm(pe - pe[0], axis=1))
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert dashed[0].get_ydata()[0] == pytest.approx(8.0)  # sqrt(64): orthogonal rows


def test_beyond_training_offsets_span_the_same_range_as_positions():
    right = _panels(figs.beyond_training_figure())[1]
    assert right.lines[0].get_xdata()[-1] == 200  # the training window is a quarter of it


def test_legends_say_column_and_are_readable(presentation):
    for fig in (figs.dimension_curves_figure(), figs.beyond_training_figure()):
        for ax in _panels(fig):
            legend = ax.get_legend()
            texts = [t.get_text() for t in legend.get_texts()]
            assert not any(t.startswith("dim ") for t in texts)
            assert all(t.get_fontsize() >= 11 for t in legend.get_texts())
    left = _panels(figs.beyond_training_figure())[0]
    assert "column 8 (sin, pair 4)" in [t.get_text() for t in left.get_legend().get_texts()]
    assert min(t.get_fontsize() for t in left.get_legend().get_texts()) >= 13


def test_similarity_vs_offset_plots_formula():
    fig = figs.similarity_vs_offset_figure(d_model=32, max_offset=20)
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), offset_similarity(np.arange(-20, 21), 32))


def test_shift_matrix_figure_shows_m_k():
    fig = figs.shift_matrix_figure(k=4, d_model=8)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), shift_matrix(4, 8))


def test_dimension_curves_values():
    ax = figs.dimension_curves(30, 16, dims=(0, 3))
    pe = sinusoidal_encoding(30, 16)
    smooth0, dots0, smooth3, dots3 = ax.lines
    # dots: the rows of PE at integer positions
    np.testing.assert_allclose(dots0.get_ydata(), pe[:, 0], atol=1e-12)
    np.testing.assert_allclose(dots3.get_ydata(), pe[:, 3], atol=1e-12)
    # smooth curve: the formula between integer positions (column 0 = sin(pos))
    x = smooth0.get_xdata()
    np.testing.assert_allclose(smooth0.get_ydata(), np.sin(x), atol=1e-12)
    assert len(x) > 30 and x[0] == 0 and x[-1] == 29


def test_dimension_curves_figure():
    fig = figs.dimension_curves_figure()
    assert "dots" in fig.axes[0].get_title()
    assert len(fig.axes[0].lines) == 10  # five columns: curve + dots each
