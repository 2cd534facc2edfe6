"""utils.widgets.scale: every control redraws, and the numbers in the view follow the
formulas of utils.efficient.estimate_costs and utils.decoding.kv_cache_bytes."""

import html
import re

import pytest

from utils.decoding import kv_cache_bytes
from utils.efficient import MEASURED_NS, estimate_costs
from utils.plotting.scale import format_bytes, format_seconds
from utils.widgets.scale import ScaleExplorer


def _text(view: str) -> str:
    """The visible text of an HTML view (tags removed, entities decoded, spaces collapsed)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", view)).split())


def _changes_redraw(explorer, control, value) -> str:
    renders, view = explorer.renders, explorer.last_view
    control.value = value
    assert explorer.renders == renders + 1
    assert isinstance(explorer.last_view, str) and explorer.last_view != view
    assert explorer.last_png is None and len(explorer.output.outputs) == 1
    assert explorer.output.outputs[0]["data"]["text/html"] == explorer.last_view
    return _text(explorer.last_view)


def _row(text: str, label: str) -> tuple[str, str]:
    """The memory and time cells of the table row ``label``."""
    match = re.search(re.escape(label) + r" .*? ([\d.]+ [KMGT]?i?B) ([\d.]+ (?:s|ms|µs))", text)
    assert match, f"row {label!r} not found"
    return match.group(1), match.group(2)


def _check_view(text, n, h, h_kv, block, dtype):
    costs = estimate_costs(n, h, h_kv, 64, block, dtype)
    assert f"n = {n:,} tokens, h = {h} query heads, h_kv = {h_kv} key/value heads" in text
    for name, label in (
        ("plain", "plain attention"),
        ("tiled", "tiled (online softmax)"),
        ("cached step", "one new token, KV cache"),
        ("recompute step", "one new token, no cache"),
    ):
        memory, seconds = _row(text, label)
        assert memory == format_bytes(costs[name]["bytes"])
        assert seconds == format_seconds(costs[name]["seconds"])
    ratio = costs["plain"]["bytes"] / costs["tiled"]["bytes"]
    assert f"tiled holds {ratio:,.0f}× less than plain" in text


def test_every_control_redraws_with_the_right_numbers():
    e = ScaleExplorer()
    assert e.renders == 1 and repr(e) == (
        "ScaleExplorer(n=4096, h=8, h_kv=2, block=128, dtype=float32)"
    )
    _check_view(_text(e.last_view), 4096, 8, 2, 128, "float32")
    _check_view(_changes_redraw(e, e.n, 8192), 8192, 8, 2, 128, "float32")
    _check_view(_changes_redraw(e, e.heads, 32), 8192, 32, 2, 128, "float32")
    _check_view(_changes_redraw(e, e.kv_heads, 8), 8192, 32, 8, 128, "float32")
    _check_view(_changes_redraw(e, e.block, 512), 8192, 32, 8, 512, "float32")
    text = _changes_redraw(e, e.dtype, "float16")
    _check_view(text, 8192, 32, 8, 512, "float16")
    assert "no fast float16" in text
    assert repr(e) == "ScaleExplorer(n=8192, h=32, h_kv=8, block=512, dtype=float16)"


def test_plain_memory_grows_fourfold_when_n_doubles_tiled_twofold():
    e = ScaleExplorer(n=2048)
    before = e.state()["costs"]
    e.n.value = 4096
    after = e.state()["costs"]
    assert after["plain"]["bytes"] == 4 * before["plain"]["bytes"]
    assert after["tiled"]["bytes"] == 2 * before["tiled"]["bytes"]
    assert after["plain"]["seconds"] == pytest.approx(4 * before["plain"]["seconds"])


def test_kv_heads_shrink_the_cache_and_are_capped_by_h():
    e = ScaleExplorer(n=4096, num_heads=8, num_kv_heads=8)
    full = e.state()["costs"]["cached step"]["bytes"] - 8 * 4096 * 4  # minus the scores
    assert full == kv_cache_bytes(1, 8, 64, 4096, bytes_per_value=4)
    e.kv_heads.value = 1
    one = e.state()["costs"]["cached step"]["bytes"] - 8 * 4096 * 4
    assert full == 8 * one
    text = _changes_redraw(e, e.heads, 1)  # h_kv = 1 <= h = 1: fine
    e.kv_heads.value = 32
    text = _text(e.last_view)
    assert e.state()["num_kv_heads"] == 1 and "h_kv cannot exceed h" in text


def test_the_cache_makes_a_decoding_step_much_cheaper():
    e = ScaleExplorer(n=512)
    assert e.state()["step_speedup"] > 5  # the bench target at 512 tokens, in the model
    e.n.value = 65536
    assert e.state()["step_speedup"] > 1000


def test_estimate_costs_rejects_unknown_settings():
    with pytest.raises(ValueError, match="dtype"):
        estimate_costs(1024, dtype="bfloat16")
    with pytest.raises(ValueError, match="block_size"):
        estimate_costs(1024, block_size=100)
    assert set(MEASURED_NS) == {"float16", "float32", "float64"}
