"""Figures for notebooks/03_positional_encoding.ipynb (sinusoidal positional encodings).

Every function returns a matplotlib Figure (or draws on a given Axes and returns it);
the maths lives in ``utils.positional``, ``utils.pe_properties`` and ``utils.examples``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from utils.examples import encoding_at
from utils.pe_properties import (
    offset_similarity,
    random_cosines,
    shift_matrix,
    sin_cos_columns,
    wavelengths,
)
from utils.plotting.core import (
    extra_lines,
    inches,
    points,
    power_ticks,
    presenting,
    subplots,
    wrap,
)
from utils.positional import sinusoidal_encoding

VARIANT_TITLES = {
    "interleaved": "paper: interleaved sin, cos, sin, cos, ...",
    "concatenated": "concatenated [sin | cos], paper frequencies",
    "tensor2tensor": "tensor2tensor [sin | cos], other frequencies",
}
SHORT_TITLES = {
    "interleaved": "paper: interleaved\nsin, cos, sin, cos, ...",
    "concatenated": "concatenated [sin | cos]\npaper frequencies",
    "tensor2tensor": "tensor2tensor [sin | cos]\nother frequencies",
}
PE_CMAP = "RdBu_r"


def pe_heatmap(pe, ax=None, title=None, colorbar=True):
    """Heatmap of an encoding ``(num_positions, d_model)``: rows = positions, columns = dims.

    The colour scale is fixed to [-1, 1] (red = +1, blue = -1) so panels compare.
    """
    pe = np.asarray(pe)
    if ax is None:
        _, ax = subplots(figsize=(9, 4), right=0.85)  # room for the colour bar and its label
    image = ax.imshow(pe, cmap=PE_CMAP, vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_xlabel("column of PE")
    ax.set_ylabel("position")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.02, label="PE value")
    return ax


def pe_variants_figure(
    num_positions: int = 20, d_model: int = 512, base: float = 10000.0, zoom: int = 16
):
    """The three variants of ``(num_positions, d_model)`` encodings, one panel each: the
    paper's encoding in two layouts (interleaved, concatenated) and tensor2tensor's.

    Wide matrices (like the famous 20 x 512) are stacked vertically, each with a zoom on its
    first ``zoom`` columns beside it: at full width the interleaved panel's alternating
    sine and cosine columns are finer than a projector's pixels (moire); the zoom shows
    them. Other sizes are drawn side by side, without zoom, with a fourth panel for
    tensor2tensor - concatenated on its own colour scale (the two look alike otherwise).
    """
    wide = d_model >= 8 * num_positions
    if wide:
        return _stacked_variants(num_positions, d_model, base, min(zoom, d_model))
    fig, axes = subplots(  # wspace: room for the first colour bar before the last panel
        1, 4, figsize=(16, 6.2), left=0.75, right=1.05, top=1.05, wspace=0.3, sharey=True
    )
    encodings = {v: sinusoidal_encoding(num_positions, d_model, base, v) for v in SHORT_TITLES}
    for ax, (variant, label) in zip(axes[:3], SHORT_TITLES.items(), strict=True):
        pe_heatmap(encodings[variant], ax=ax, title=label, colorbar=False)
    difference = encodings["tensor2tensor"] - encodings["concatenated"]  # (n, d)
    largest = np.abs(difference).max()
    image = axes[3].imshow(
        difference,
        cmap=PE_CMAP,
        vmin=-largest,
        vmax=largest,
        aspect="auto",
        interpolation="nearest",
    )
    axes[3].set_title(f"tensor2tensor − concatenated\nown colour scale, largest {largest:.2f}")
    axes[3].set_xlabel("column of PE")
    for ax in axes[1:]:
        ax.set_ylabel("")
    fig.suptitle(
        f"The paper's encoding in two layouts, and tensor2tensor's encoding: "
        f"{num_positions} positions × {d_model} columns",
        fontsize=points(15),
        y=1 - inches(0.2) / 6.2,
        va="top",
    )
    fig.colorbar(axes[0].images[0], ax=list(axes[:3]), fraction=0.02, pad=0.02, label="PE value")
    fig.colorbar(image, ax=axes[3], fraction=0.05, pad=0.04, aspect=40, label="difference")
    return fig


def _stacked_variants(num_positions: int, d_model: int, base: float, zoom: int):
    """Three rows (one per variant): the whole matrix on the left, columns 0..zoom-1 right."""
    fig, axes = subplots(
        3,
        2,
        figsize=(14, 7.2),
        left=0.75,
        right=1.05,
        top=0.4,
        bottom=0.7,
        hspace=0.45,
        wspace=0.06,
        width_ratios=[4, 1],
        sharex="col",
        sharey=True,
    )
    for (full, part), (variant, label) in zip(axes, VARIANT_TITLES.items(), strict=True):
        pe = sinusoidal_encoding(num_positions, d_model, base, variant)
        pe_heatmap(pe, ax=full, title=f"{label}  ({num_positions} x {d_model})", colorbar=False)
        pe_heatmap(pe[:, :zoom], ax=part, title=f"zoom: columns 0-{zoom - 1}", colorbar=False)
        part.set_ylabel("")
        part.set_xticks(range(0, zoom, 4 if zoom <= 16 else 8))
        # outline the zoomed columns on the whole matrix
        full.add_patch(Rectangle((-0.5, -0.5), zoom, num_positions, fill=False, lw=2, ec="black"))
    for ax in axes[:-1].ravel():
        ax.set_xlabel("")
    fig.colorbar(axes[0, 0].images[0], ax=axes, fraction=0.025, pad=0.02, label="PE value")
    return fig


def column_label(dim: int, d_model: int, variant: str = "interleaved") -> str:
    """``"column 1 (cos, pair 0)"``: whether column ``dim`` holds a sine or a cosine, and of
    which pair i (interleaved: pair dim // 2; the other variants: dim mod d_model/2)."""
    sin_cols, _ = sin_cos_columns(d_model, variant)
    pair = dim // 2 if variant == "interleaved" else dim % (d_model // 2)
    return f"column {dim} ({'sin' if dim in sin_cols else 'cos'}, pair {pair})"


def dimension_curves(
    num_positions=100,
    d_model=128,
    dims=(0, 2, 10, 30),
    base=10000.0,
    variant="interleaved",
    ax=None,
    positions=None,
):
    """Plot columns ``dims`` of the encoding against position; return the Axes.

    The formula is drawn as a smooth curve between integer positions; when there are at
    most 60 positions, the integer positions (the rows of PE) are marked with dots.
    ``positions`` (optional, 1-D) evaluates the formula at those real positions instead.
    """
    if ax is None:
        _, ax = subplots(figsize=(9, 4), left=0.9)
    dots = positions is None and num_positions <= 60
    if positions is None:
        positions = np.linspace(0, num_positions - 1, 20 * num_positions)
    positions = np.asarray(positions, dtype=float)
    pe = encoding_at(positions, d_model, base, variant)
    rows = np.arange(num_positions)
    pe_rows = encoding_at(rows.astype(float), d_model, base, variant)
    for dim in dims:
        if dim < d_model:
            label = column_label(dim, d_model, variant)
            (line,) = ax.plot(positions, pe[:, dim], label=label, lw=2)
            if dots:
                ax.plot(rows, pe_rows[:, dim], "o", ms=4, color=line.get_color())
    ax.set_xlabel("position")
    ax.set_ylabel("PE value")
    ax.set_ylim(-1.15, 1.15)
    ax.legend(loc="upper right", fontsize=points(10), ncol=2)
    return ax


def dimension_curves_figure(num_positions=40, d_model=128, dims=(0, 1, 10, 40, 80)):
    """A few columns of the paper's encoding against position, legend outside the axes."""
    title = wrap(
        f"Columns of PE against position (d_model = {d_model});", "dots = integer positions"
    )
    extra = extra_lines(title.count("\n"), 13)
    # the legend on the right: "column 80 (sin, pair 40)" at 11 pt and its line
    fig, ax = subplots(figsize=(11, 4.5 + extra), left=0.9, right=2.75, top=0.45 + extra)
    dimension_curves(num_positions, d_model, dims, ax=ax)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=points(11))
    ax.set_title(title)
    return fig


def wavelengths_figure(d_models=(8, 512), base: float = 10000.0):
    """Wavelength of each pair i (log scale), paper vs tensor2tensor, one panel per d_model."""
    fig, axes = subplots(1, len(d_models), figsize=(7 * len(d_models), 4.8), wspace=0.25)
    for ax, d_model in zip(np.atleast_1d(axes), d_models, strict=True):
        for variant, style in (("interleaved", "o-"), ("tensor2tensor", "s--")):
            name = "paper (and concatenated)" if variant == "interleaved" else "tensor2tensor"
            ms = 8 if d_model <= 16 else 0
            ax.plot(wavelengths(d_model, base, variant), style, lw=2.5, ms=ms, label=name)
        # the lines rise from bottom left to top right: labels in the two empty corners
        last = d_model / 2 - 1
        for value, text, x, dy, ha in (
            (2 * np.pi, "2π", last / 4, 1.4, "center"),
            (base * 2 * np.pi, f"{base:g}·2π", 0, 0.4, "left"),
        ):
            ax.axhline(value, color="grey", lw=1, ls=":")
            ax.text(x, value * dy, text, color="grey", ha=ha, va="top" if dy < 1 else "bottom")
        power_ticks(ax.yaxis, base=10)
        if d_model <= 16:  # few pairs: one tick per pair index, no 0.5 steps
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("pair index i")
        ax.set_ylabel("wavelength (positions, log scale)")
        ax.set_title(f"Wavelength of pair i, d_model = {d_model}")
        if presenting():  # the larger legend would cover the lines: top left, under 10000·2π
            ax.legend(loc="upper left", bbox_to_anchor=(0, 0.84))
        else:
            ax.legend(loc="lower right", bbox_to_anchor=(1, 0.07))  # under the lines
    return fig


def distance_from_start_figure(max_offset: int = 1000, d_model: int = 512, bases=(2.0, 10000.0)):
    """|PE[k] - PE[0]| against the offset k = 0 .. max_offset, one curve per base, and
    sqrt(d_model), the distance between two orthogonal rows (dashed)."""
    fig, ax = subplots(figsize=(11, 4.5), left=0.9, right=0.3)
    ks = np.arange(max_offset + 1)
    for base in bases:
        pe = sinusoidal_encoding(max_offset + 1, d_model, base)  # (max_offset + 1, d)
        distance = np.linalg.norm(pe - pe[0], axis=1)  # (max_offset + 1,)
        ax.plot(ks, distance, lw=1.5, label=f"base {base:,.0f}")
    ax.axhline(
        np.sqrt(d_model), color="grey", ls="--", lw=1.5, label=f"orthogonal rows: √{d_model}"
    )
    ax.set_xlabel("offset k")
    ax.set_ylabel("|PE[k] − PE[0]|")
    ax.set_title(f"Distance from position 0 against offset (d_model = {d_model})")
    ax.legend(loc="lower right", fontsize=points(12))
    return fig


def similarity_vs_offset_figure(d_model: int = 128, max_offset: int = 100, base: float = 10000.0):
    """PE[p] . PE[p + k] against k, measured from several starting positions p.

    The curves for different p lie on top of each other: the dot product depends on k only.
    """
    title = wrap(
        "Dot product of two positions depends only on their offset", f"(d_model = {d_model})"
    )
    extra = extra_lines(title.count("\n"), 13)
    fig, ax = subplots(figsize=(9, 4.5 + extra), left=0.65, top=0.45 + extra)
    ks = np.arange(-max_offset, max_offset + 1)
    ax.plot(
        ks,
        offset_similarity(ks, d_model, base),
        color="black",
        lw=4,
        alpha=0.35,
        label="formula: Σ cos(k·w_i)",
    )
    pe = sinusoidal_encoding(4 * max_offset + 1, d_model, base)
    for p, marker in ((max_offset, "o"), (2 * max_offset, "x"), (3 * max_offset, "+")):
        measured = pe[p + ks] @ pe[p]
        ax.plot(ks[::5], measured[::5], marker, ms=7, label=f"measured from p = {p}")
    ax.set_xlabel("offset k = q - p")
    ax.set_ylabel("PE[p] · PE[q]")
    ax.set_title(title)
    ax.legend(fontsize=points(10))
    return fig


def position_similarity_figure(num_positions: int = 60, d_model: int = 128, base=10000.0):
    """Heatmap of all dot products PE[p] . PE[q]: constant along every diagonal."""
    pe = sinusoidal_encoding(num_positions, d_model, base)
    fig, ax = subplots(
        figsize=(6.2, 5.0), left=0.65, right=0.8
    )  # right: the colour bar, its label
    image = ax.imshow(pe @ pe.T, cmap="viridis", interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="PE[p] · PE[q]")
    ax.set_xlabel("position q")
    ax.set_ylabel("position p")
    ax.set_title(f"Position similarity PE · PEᵀ (d_model = {d_model})")
    return fig


def random_cosines_figure(dims=(4, 64, 512), num_pairs: int = 4000, seed: int = 0):
    """Histograms of cosines between random vectors for several dimensions d."""
    rng = np.random.default_rng(seed)
    fig, ax = subplots(figsize=(9, 4.5), left=0.55)
    bins = np.linspace(-1, 1, 81)
    for d in dims:
        cos = random_cosines(d, num_pairs, rng)
        ax.hist(
            cos,
            bins=bins,
            histtype="step",
            lw=2.5,
            density=True,
            label=f"d = {d}: std {cos.std():.3f}",
        )
    ax.set_xlabel("cosine between two random vectors")
    ax.set_ylabel("density")
    ax.set_title("In high dimension, random vectors are nearly orthogonal")
    ax.legend()
    return fig


def beyond_training_figure(
    train_length: int = 50,
    total: int = 200,
    d_model: int = 64,
    dims=(8, 16, 24),
    base: float = 10000.0,
    max_offset: int = 200,
):
    """Left: a few columns, positions past ``train_length`` shaded as unseen. Right: the
    offset similarity out to ``max_offset``, which is not monotonic; by default the same
    range as the left panel, so the offsets seen in training are a quarter of the axis.
    Legends in projector size, above the curves."""
    fig, (left, right) = subplots(1, 2, figsize=(15, 5.2), left=0.9, top=0.45, wspace=0.2)
    dimension_curves(total, d_model, dims, base, ax=left)
    left.axvspan(train_length, total, color="orange", alpha=0.15, label="beyond training length")
    left.legend(
        loc="lower center", fontsize=points(13), ncol=2, framealpha=0.95, columnspacing=1.2
    )
    left.set_ylim(-2.3 if presenting() else -1.9, 1.15)  # room below the curves: the legend
    left.set_yticks([-1, -0.5, 0, 0.5, 1])
    left.set_title(f"Positions ≥ {train_length}: new points on the same curves")
    ks = np.arange(max_offset + 1)
    right.plot(ks, offset_similarity(ks, d_model, base), lw=1.5)
    right.axvspan(0, train_length, color="green", alpha=0.15, label="offsets seen in training")
    right.set_xlabel("offset k")
    right.set_ylabel("PE[p] · PE[p + k]")
    right.set_title(f"Similarity vs offset is not monotonic (d_model = {d_model})")
    right.legend(loc="upper right", fontsize=points(13))
    return fig


def shift_matrix_figure(
    k: int = 5, d_model: int = 16, base: float = 10000.0, max_offset: int = 60
):
    """Left: M_k as a heatmap (block diagonal). Right: the similarity curve with k marked."""
    fig, (left, right) = subplots(1, 2, figsize=(11, 5), wspace=0.3)
    image = left.imshow(
        shift_matrix(k, d_model, base), cmap=PE_CMAP, vmin=-1, vmax=1, interpolation="nearest"
    )
    fig.colorbar(image, ax=left, fraction=0.046, pad=0.04)
    left.set_title(f"M_k for k = {k}: one 2x2 rotation per pair")
    left.set_xlabel("column of PE[pos]")
    left.set_ylabel("column of PE[pos + k]")
    ks = np.arange(-max_offset, max_offset + 1)
    right.plot(ks, offset_similarity(ks, d_model, base), lw=2)
    right.plot([k, -k], offset_similarity([k, -k], d_model, base), "o", ms=10, color="crimson")
    right.set_xlabel("offset k")
    right.set_ylabel("PE[p] · PE[p + k]")
    right.set_title(f"Similarity at offset ±{k}: {offset_similarity(k, d_model, base):.2f}")
    return fig


FIGURES = {
    "03_pe_variants.png": pe_variants_figure,
    "03_pe_variants_50x128.png": lambda: pe_variants_figure(50, 128),
    "03_wavelengths.png": wavelengths_figure,
    "03_dimension_curves.png": dimension_curves_figure,
    "03_distance_from_start.png": distance_from_start_figure,
    "03_similarity_vs_offset.png": similarity_vs_offset_figure,
    "03_position_similarity.png": position_similarity_figure,
    "03_random_cosines.png": random_cosines_figure,
    "03_beyond_training.png": beyond_training_figure,
}
