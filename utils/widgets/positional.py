"""Explorers for notebooks/03_positional_encoding.ipynb.

- :class:`EncodingExplorer`: d_model, number of positions, base and layout -> the heatmap
  and a few dimensions plotted against position.
- :class:`OffsetExplorer`: an offset k -> the rotation M_k, a numerical check that
  M_k @ PE[pos] = PE[pos + k], and the dot product at that offset.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from utils.pe_properties import offset_similarity, shift_matrix, wavelengths
from utils.plotting.positional import dimension_curves, pe_heatmap, shift_matrix_figure
from utils.positional import VARIANTS, sinusoidal_encoding
from utils.widgets.base import Explorer


class EncodingExplorer(Explorer):
    """Sliders for d_model, number of positions and base; a dropdown for the layout.

    ``state()`` returns the numbers shown in the text line (shape, value range,
    shortest and longest wavelength) for the current settings.
    """

    name = "EncodingExplorer"

    def __init__(self, d_model=64, num_positions=50, base=10000.0, variant="interleaved"):
        style = {"description_width": "initial"}
        self.d_model = widgets.IntSlider(
            value=d_model, min=4, max=256, step=4, description="d_model", style=style
        )
        self.num_positions = widgets.IntSlider(
            value=num_positions, min=5, max=200, step=5, description="positions", style=style
        )
        self.base = widgets.FloatLogSlider(
            value=base, base=10, min=1, max=5, step=0.5, description="base", style=style
        )
        self.variant = widgets.Dropdown(options=VARIANTS, value=variant, description="layout")
        self.controls = [self.d_model, self.num_positions, self.base, self.variant]
        self.text = widgets.HTML()
        super().__init__()

    def state(self) -> dict:
        """Numbers for the current settings: shape, min, max and wavelength range."""
        d, n, b, v = (
            self.d_model.value,
            self.num_positions.value,
            self.base.value,
            self.variant.value,
        )
        pe = sinusoidal_encoding(n, d, b, v)
        lam = wavelengths(d, b, v)
        return {
            "shape": pe.shape,
            "min": float(pe.min()),
            "max": float(pe.max()),
            "shortest_wavelength": float(lam.min()),
            "longest_wavelength": float(lam.max()),
        }

    def draw(self):
        d, n, b, v = (
            self.d_model.value,
            self.num_positions.value,
            self.base.value,
            self.variant.value,
        )
        pe = sinusoidal_encoding(n, d, b, v)  # (n, d)
        fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
        fig.subplots_adjust(wspace=0.42)
        pe_heatmap(pe, ax=left, title=f"{v}: {n} positions x {d} dims, base {b:g}")
        dims = sorted({0, 2, d // 4, d // 2 - 2} if v == "interleaved" else {0, 1, d // 8, d // 4})
        dimension_curves(n, d, dims, b, v, ax=right)
        right.set_title("a few columns against position")
        s = self.state()
        self.text.value = (
            f"PE shape {s['shape']}; values in [{s['min']:.3f}, {s['max']:.3f}]; "
            f"wavelengths from {s['shortest_wavelength']:.2f} to {s['longest_wavelength']:.1f} "
            "positions"
        )
        return fig

    def describe(self) -> str:
        return (
            f"d_model={self.d_model.value}, positions={self.num_positions.value}, "
            f"base={self.base.value:g}, variant={self.variant.value}"
        )


class OffsetExplorer(Explorer):
    """Pick an offset k (and d_model): see M_k and the similarity PE[p] . PE[p + k].

    ``state()`` returns the largest error of M_k @ PE[pos] against PE[pos + k] over
    several positions, and the dot product at offset k.
    """

    name = "OffsetExplorer"

    def __init__(self, k=5, d_model=16, base=10000.0):
        self.k = widgets.IntSlider(value=k, min=0, max=60, description="offset k")
        self.d_model = widgets.Dropdown(
            options=[4, 8, 16, 32], value=d_model, description="d_model"
        )
        self.base_value = float(base)
        self.controls = [self.k, self.d_model]
        self.text = widgets.HTML()
        super().__init__()

    def state(self) -> dict:
        """Max |M_k PE[pos] - PE[pos + k]| over pos in 0..99, and PE[p] . PE[p + k]."""
        k, d = self.k.value, self.d_model.value
        pe = sinusoidal_encoding(100 + k, d, self.base_value)  # (100 + k, d)
        m = shift_matrix(k, d, self.base_value)  # (d, d)
        shifted = pe[:100] @ m.T  # row form of M_k @ PE[pos], (100, d)
        return {
            "max_error": float(np.abs(shifted - pe[k:]).max()),
            "similarity": float(offset_similarity(k, d, self.base_value)),
        }

    def draw(self):
        k, d = self.k.value, self.d_model.value
        s = self.state()
        self.text.value = (
            f"M_k @ PE[pos] vs PE[pos + {k}] for pos = 0..99: max error {s['max_error']:.1e}; "
            f"PE[p] · PE[p + {k}] = {s['similarity']:.3f} for every p (maximum {d // 2} at k = 0)"
        )
        return shift_matrix_figure(k, d, self.base_value)

    def describe(self) -> str:
        return f"k={self.k.value}, d_model={self.d_model.value}"
