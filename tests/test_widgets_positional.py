"""utils.widgets.positional: every control redraws, and the shown numbers are right."""

import re

import numpy as np
import pytest

from utils.pe_properties import offset_similarity, wavelengths
from utils.widgets.positional import EncodingExplorer, OffsetExplorer


def _changes_redraw(explorer, control, value):
    renders, png = explorer.renders, explorer.last_view
    control.value = value
    assert explorer.renders == renders + 1
    assert explorer.last_view != png
    assert len(explorer.output.outputs) == 1


def test_encoding_explorer_every_control():
    e = EncodingExplorer()
    assert e.renders == 1 and e.last_view
    _changes_redraw(e, e.d_model, 128)
    _changes_redraw(e, e.num_positions, 100)
    _changes_redraw(e, e.base, 100.0)
    _changes_redraw(e, e.variant, "tensor2tensor")
    s = e.state()
    assert s["shape"] == (100, 128)
    assert -1 <= s["min"] < 0 < s["max"] <= 1
    lam = wavelengths(128, 100.0, "tensor2tensor")
    assert s["longest_wavelength"] == pytest.approx(lam.max())
    assert s["longest_wavelength"] == pytest.approx(100 * 2 * np.pi)
    assert s["shortest_wavelength"] == pytest.approx(2 * np.pi)
    assert "(100, 128)" in e.last_view and "628.3" in e.last_view
    assert "tensor2tensor" in e.last_view and "base 100" in e.last_view
    curves = e.last_view.count("<polyline")
    assert curves == len(e.dims()) and e.last_png is None
    assert repr(e) == (
        "EncodingExplorer(d_model=128, positions=100, base=100, variant=tensor2tensor)"
    )


def test_encoding_explorer_repr_is_short_text_plain():
    bundle = EncodingExplorer()._repr_mimebundle_()
    assert bundle["text/plain"].startswith("EncodingExplorer(d_model=64")


def test_offset_explorer_every_control():
    o = OffsetExplorer()
    assert o.renders == 1
    _changes_redraw(o, o.k, 12)
    assert o.state()["similarity"] == pytest.approx(offset_similarity(12, 16))
    assert o.state()["max_error"] < 1e-12
    _changes_redraw(o, o.d_model, 32)
    s = o.state()
    assert s["similarity"] == pytest.approx(offset_similarity(12, 32))
    assert s["max_error"] < 1e-12
    text = re.sub(r"<[^>]+>", "", o.last_view)  # the view's words, without markup
    assert f"PE[p] · PE[p + 12] = {s['similarity']:.3f} for every p" in text
    assert "maximum 16 at k = 0" in text and "max error" in text
    assert repr(o) == "OffsetExplorer(k=12, d_model=32)"


def test_offset_explorer_k_zero_is_identity():
    o = OffsetExplorer(k=0, d_model=8)
    assert o.state()["similarity"] == pytest.approx(4.0)
    assert o.state()["max_error"] == 0.0
