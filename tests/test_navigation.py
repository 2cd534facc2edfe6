"""The navigation lines and the README's notebook table are generated, and never stale."""

import mistune
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.conftest import load_script

nav = load_script("navigation")

FIRST = """# {nn} · Lesson {nn}

<!-- nav -->

Lesson {nn} explains a thing. More words here.

**You will learn**
- idea A{nn}
- idea B{nn}

**Prerequisites:** none
"""


def make_tree(tmp_path, count=3):
    (tmp_path / "notebooks").mkdir()
    for i in range(1, count + 1):
        nn = f"{i:02d}"
        cells = [
            new_markdown_cell(FIRST.format(nn=nn)),
            new_code_cell("1"),
            new_markdown_cell(nav.NAV),
        ]
        nbformat.write(new_notebook(cells=cells), tmp_path / "notebooks" / f"{nn}_lesson.ipynb")
    (tmp_path / "README.md").write_text(f"# x\n\n{nav.START}\nold\n{nav.END}\n\nrest\n")
    return tmp_path


def test_repository_navigation_is_up_to_date():
    assert nav.stale() == [], "run `make nav` to regenerate navigation and the README table"


def test_generates_links_and_table(tmp_path):
    root = make_tree(tmp_path)
    assert len(nav.stale(root, write=True)) == 4
    assert nav.stale(root) == []
    middle = nbformat.read(root / "notebooks" / "02_lesson.ipynb", as_version=4)
    expected = (
        "[← 01 · Lesson 01](01_lesson.ipynb) | [Index](../README.md) | "
        "[03 · Lesson 03 →](03_lesson.ipynb) <!-- nav -->"
    )
    assert expected in middle.cells[0].source and middle.cells[-1].source == expected
    first = nbformat.read(root / "notebooks" / "01_lesson.ipynb", as_version=4)
    assert (
        first.cells[-1].source
        == "[Index](../README.md) | [02 · Lesson 02 →](02_lesson.ipynb) <!-- nav -->"
    )
    readme = (root / "README.md").read_text()
    row = "| [02 · Lesson 02](notebooks/02_lesson.ipynb) | Lesson 02 explains a thing. |"
    assert f"{row} idea A02<br>idea B02 |" in readme
    assert readme.endswith("rest\n") and "old" not in readme


def test_adding_a_notebook_makes_the_others_stale(tmp_path):
    root = make_tree(tmp_path, count=2)
    nav.stale(root, write=True)
    cells = [new_markdown_cell(FIRST.format(nn="03")), new_markdown_cell(nav.NAV)]
    nbformat.write(new_notebook(cells=cells), root / "notebooks" / "03_lesson.ipynb")
    assert set(nav.stale(root)) == {
        "notebooks/02_lesson.ipynb",
        "notebooks/03_lesson.ipynb",
        "README.md",
    }


@pytest.mark.parametrize("path", nav.notebook_paths(), ids=lambda p: p.name)
def test_navigation_lines_render_as_links(path):
    """Rendered as CommonMark renders them (nbconvert's mistune; JupyterLab's marked agrees
    on HTML blocks): every link of a nav line is an <a> element, none is left as text."""
    nb = nbformat.read(path, as_version=4)
    for cell in (nb.cells[0], nb.cells[-1]):
        line = next(line for line in cell.source.splitlines() if nav.NAV in line)
        rendered = mistune.html(line)
        assert "](" not in rendered, f"{path.name}: nav links render as raw text: {rendered}"
        assert rendered.count("<a href=") == line.count("]("), rendered
