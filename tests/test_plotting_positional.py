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


def test_pe_variants_shows_the_three_layouts():
    fig = figs.pe_variants_figure(20, 512)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 3
    for ax, variant in zip(panels, ("interleaved", "concatenated", "tensor2tensor"), strict=True):
        data = ax.images[0].get_array()
        np.testing.assert_array_equal(data, sinusoidal_encoding(20, 512, variant=variant))
        assert ax.images[0].get_clim() == (-1, 1)
        assert variant[:6] in ax.get_title() or "paper" in ax.get_title()


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
