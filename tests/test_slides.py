"""Every notebook is also a slide deck (jupyterlab-rise serves it at /rise/<path>).

The structure is checked here; that each slide fits a 1280x720 window is checked in the
browser (tests/e2e/test_slides_in_browser.py, ``make e2e``).
"""

from pathlib import Path

import nbformat
import pytest

from tests.conftest import load_script

times = load_script("teaching_times")  # one rule for an optional part, the minutes' own
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "notes", "skip"}
HIDDEN = {"notes", "skip"}  # on the notebook page, not on the projected slide
MAX_WORDS = 120


def slide_type(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_has_a_slide_type_and_the_first_starts_a_slide(path):
    cells = nbformat.read(path, as_version=4).cells
    missing = [i for i, cell in enumerate(cells) if slide_type(cell) not in SLIDE_TYPES]
    assert not missing, f"cells without a valid slideshow.slide_type: {missing}"
    assert slide_type(cells[0]) == "slide"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_visible_markdown_cell_is_too_long_for_a_slide(path):
    cells = nbformat.read(path, as_version=4).cells
    long = {
        i: times.words(cell.source)
        for i, cell in enumerate(cells)
        if cell.cell_type == "markdown"
        and slide_type(cell) not in HIDDEN
        and times.words(cell.source) > MAX_WORDS
    }
    assert not long, f"cells over {MAX_WORDS} words (move prose into a notes cell): {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_optional_parts_are_one_vertical_stack_the_right_arrow_skips(path):
    """An optional part (scripts/teaching_times.py's rule: from its "(optional)" heading to
    the next heading of the same or a higher level) opens with a subslide, holds no slide,
    and the heading after it is a slide: in RISE the right arrow then skips exactly the
    part whose minutes TEACHING.md lists as optional."""
    cells = nbformat.read(path, as_version=4).cells
    for start, end in times.optional_parts(cells):
        assert slide_type(cells[start]) == "subslide", f"cell {start}: optional heading"
        inside = [i for i in range(start + 1, end) if slide_type(cells[i]) == "slide"]
        assert not inside, f"optional part at cell {start}: `slide` cells {inside} inside it"
        if end < len(cells):
            assert slide_type(cells[end]) == "slide", f"cell {end} ends an optional part"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_setup_cell_and_its_note_are_hidden_on_the_slides(path):
    cells = nbformat.read(path, as_version=4).cells
    setup = next(i for i, cell in enumerate(cells) if cell.cell_type == "code")
    assert "rng = setup()" in cells[setup].source, f"cell {setup}: the first code cell"
    assert slide_type(cells[setup]) == "skip", f"cell {setup}: the setup cell"
    assert cells[setup + 1].source.startswith("*Run the cell above first")
    assert slide_type(cells[setup + 1]) == "skip", f"cell {setup + 1}: the setup cell's note"


def test_word_count():
    assert times.words("Two words") == 2
    assert times.words("[Index](../README.md) <!-- nav -->") == 1
    assert times.words("$\\sqrt{d_k}$ 残差连接") == 2 + 4
