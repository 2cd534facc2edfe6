"""utils.widgets.positional: every control redraws, and the numbers in the view are right."""

import html
import re

import numpy as np
import pytest

from utils.pe_properties import offset_similarity, shift_matrix, wavelengths
from utils.plotting.positional import VARIANT_TITLES
from utils.positional import sinusoidal_encoding
from utils.widgets.positional import EncodingExplorer, OffsetExplorer


def _text(view: str) -> str:
    """The visible text of an HTML view (tags removed, entities decoded, spaces collapsed)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", view)).split())


def _number(text: str, pattern: str) -> float:
    """The first number captured by ``pattern`` (a regex with one group) in ``text``."""
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found in the view"
    return float(match.group(1).replace(",", "").replace("−", "-"))


def _changes_redraw(explorer, control, value):
    renders, view = explorer.renders, explorer.last_view
    control.value = value
    assert explorer.renders == renders + 1
    assert isinstance(explorer.last_view, str) and explorer.last_view != view
    assert explorer.last_png is None
    assert len(explorer.output.outputs) == 1
    assert explorer.output.outputs[0]["data"]["text/html"] == explorer.last_view
    return _text(explorer.last_view)


def _check_encoding_view(text, n, d, base, variant):
    """Shape, value range, wavelengths, title and legend in the text match the formula."""
    pe = sinusoidal_encoding(n, d, base, variant)
    lam = wavelengths(d, base, variant)
    shape = re.search(r"PE shape\s+\((\d+), (\d+)\)", text)
    assert shape and (int(shape.group(1)), int(shape.group(2))) == (n, d)
    low = _number(text, r"values in\s+\[\s*(-?[\d.]+),")
    high = _number(text, r"values in\s+\[\s*-?[\d.]+,\s*(-?[\d.]+)\]")
    assert low == pytest.approx(pe.min(), abs=5e-4)
    assert high == pytest.approx(pe.max(), abs=5e-4)
    assert _number(text, r"wavelengths from\s+([\d.,]+)") == pytest.approx(lam.min(), abs=5e-3)
    assert _number(text, r"\s+to\s+([\d.,]+)\s+positions") == pytest.approx(lam.max(), abs=0.05)
    assert f"PE: {n} positions × {d} columns, base {base:,g}" in text
    assert VARIANT_TITLES[variant] in text
    assert "column of PE (0 at left" in text and "(column of PE) (" not in text
    rises = _number(text, r"slowest sine rises until position\s+([\d.,]+)")
    assert rises == pytest.approx(lam.max() / 4, abs=0.05)
    assert f"{n - 1} at bottom" in text and f"{d - 1} at right" in text
    assert " dim " not in f" {text} "  # the text says "column" everywhere
    for dim, kind, wave in re.findall(r"column (\d+) \((sin|cos), λ ([\d.,]+)\)", text):
        dim = int(dim)
        pair = dim // 2 if variant == "interleaved" else dim % (d // 2)
        is_sin = dim % 2 == 0 if variant == "interleaved" else dim < d // 2
        assert kind == ("sin" if is_sin else "cos")
        assert float(wave.replace(",", "")) == pytest.approx(lam[pair], abs=0.05)


def test_encoding_explorer_every_control():
    e = EncodingExplorer()
    assert e.renders == 1 and e.last_png is None
    _check_encoding_view(_text(e.last_view), 50, 64, 10000.0, "interleaved")
    text = _changes_redraw(e, e.d_model, 128)
    _check_encoding_view(text, 50, 128, 10000.0, "interleaved")
    text = _changes_redraw(e, e.num_positions, 100)
    _check_encoding_view(text, 100, 128, 10000.0, "interleaved")
    text = _changes_redraw(e, e.base, 100.0)
    _check_encoding_view(text, 100, 128, 100.0, "interleaved")
    text = _changes_redraw(e, e.variant, "tensor2tensor")
    _check_encoding_view(text, 100, 128, 100.0, "tensor2tensor")
    assert "tensor2tensor [sin | cos], other frequencies" in text
    s = e.state()
    assert s["shape"] == (100, 128)
    assert s["longest_wavelength"] == pytest.approx(100 * 2 * np.pi)
    assert s["shortest_wavelength"] == pytest.approx(2 * np.pi)
    assert "to 628.3 positions" in text
    assert repr(e) == (
        "EncodingExplorer(d_model=128, positions=100, base=100, variant=tensor2tensor)"
    )


def test_encoding_explorer_extremes_and_cache():
    e = EncodingExplorer(d_model=4, num_positions=5, base=10.0, variant="concatenated")
    _check_encoding_view(_text(e.last_view), 5, 4, 10.0, "concatenated")
    assert e.dims() == [0, 1]
    text = _changes_redraw(e, e.d_model, 256)
    _check_encoding_view(text, 5, 256, 10.0, "concatenated")
    first = e.last_view
    _changes_redraw(e, e.num_positions, 200)
    text = _changes_redraw(e, e.num_positions, 5)  # back to a cached view: the same HTML
    assert e.last_view == first
    _check_encoding_view(text, 5, 256, 10.0, "concatenated")


def test_base_slider_reads_as_a_plain_number():
    e = EncodingExplorer()
    labels = [label for label, _ in e.base.options]
    assert "10,000" in labels and "2" in labels and not any("e+" in x for x in labels)
    assert e.base.value == 10000.0
    text = _changes_redraw(e, e.base, 2.0)
    _check_encoding_view(text, 50, 64, 2.0, "interleaved")
    assert "<b>base</b> 2 ·" in e.static_html()
    assert "<b>base</b> 10,000 ·" in EncodingExplorer().static_html()


def test_encoding_explorer_repr_is_short_text_plain():
    bundle = EncodingExplorer()._repr_mimebundle_()
    assert bundle["text/plain"].startswith("EncodingExplorer(d_model=64")


def _check_offset_view(text, k, d):
    """Error, similarity (formula and measured), maximum and angles in the text are right."""
    sim = offset_similarity(k, d)
    assert _number(text, r"max error\s+([-\d.e+]+)") < 1e-12
    assert _number(text, rf"PE\[p \+ {k}\] =\s+(-?[\d.]+)\s+for every p") == pytest.approx(
        sim, abs=5e-4
    )
    measured = re.findall(r"p = (\d+): (-?[\d.]+)", text)
    assert len(measured) == 3
    assert all(float(v) == pytest.approx(sim, abs=5e-4) for _, v in measured)
    assert f"Similarity at offset ±{k}: {sim:.3f}" in text
    assert _number(text, r"maximum\s+(\d+)\s+at k = 0") == d // 2
    angles = re.search(r"\(mod 360°\):\s*([\d°, ]+)", text).group(1)
    values = [float(a) for a in re.findall(r"(\d+)°", angles)]
    expected = np.degrees(k * 10000.0 ** (-2 * np.arange(d // 2) / d)) % 360
    assert len(values) == d // 2
    assert np.allclose(values, np.round(expected) % 360, atol=1)


def test_offset_explorer_every_control():
    o = OffsetExplorer()
    assert o.renders == 1 and o.last_png is None
    _check_offset_view(_text(o.last_view), 5, 16)
    text = _changes_redraw(o, o.k, 12)
    _check_offset_view(text, 12, 16)
    # d_model 16: M_k as an annotated table in narrow cells (".84", "-.54": no leading zero);
    # its first block is the rotation of pair 0
    m = shift_matrix(12, 16)
    for value in (m[0, 0], m[0, 1]):
        assert f" {value:.2f} ".replace("0.", ".", 1) in f" {text} "
    assert "M_k for k = 12" in text
    text = _changes_redraw(o, o.d_model, 32)
    _check_offset_view(text, 12, 32)
    assert "31 at right" in text  # d_model 32: M_k as a pixel image
    s = o.state()
    assert s["similarity"] == pytest.approx(offset_similarity(12, 32))
    assert s["max_error"] < 1e-12
    assert np.allclose(s["matrix"], shift_matrix(12, 32))
    assert repr(o) == "OffsetExplorer(k=12, d_model=32)"


def test_offset_explorer_never_prints_minus_zero():
    o = OffsetExplorer(k=1, d_model=16)  # the slow pairs' -sin(k w_i) round to -0.00
    assert np.any((shift_matrix(1, 16) < 0) & (shift_matrix(1, 16) > -0.005))
    for k in (1, 2, 3, 60):
        o.k.value = k
        assert "-0.00" not in o.last_view and "−0.00" not in o.last_view
    assert "column of PE[pos + k]" in _text(o.last_view)


def test_offset_explorer_k_zero_is_identity():
    o = OffsetExplorer(k=0, d_model=8)
    assert o.state()["similarity"] == pytest.approx(4.0)
    assert o.state()["max_error"] == 0.0
    text = _text(o.last_view)
    _check_offset_view(text, 0, 8)
    assert text.count("1.00") == 8  # the identity: eight ones, the zeros left blank
