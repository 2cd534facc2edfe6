"""``make student``: each notebook without its solutions, and it still runs.

Why no second execution: the student notebook is the full notebook's cells *before* its
Solutions section, in the same order (plus one line of Markdown). Strict nbval executes
the full notebook top to bottom in every ``make test``, so those cells run without error
and produce the stored outputs, among them each exercise checker's "not attempted yet".
This test proves the prefix property and reads those stored outputs.
"""

import re
import subprocess
import sys

import nbformat
import pytest

from tests.conftest import load_script

student = load_script("student_copy")
NOTEBOOKS = sorted((student.ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def student_copy_of(path):
    return student.student_notebook(nbformat.read(path, as_version=4), "see the teacher's")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_is_the_full_one_before_its_solutions(path):
    full = nbformat.read(path, as_version=4)
    start = student.solutions_start(full)
    assert start is not None, "no '## Solutions' heading"
    copy = student_copy_of(path)
    assert len(copy.cells) == start + 1
    assert "Student copy" in copy.cells[0].source
    for ours, theirs in zip(copy.cells[1:start], full.cells[1:start], strict=True):
        assert ours.source == theirs.source and ours.get("outputs") == theirs.get("outputs")
    assert copy.cells[-1].source == full.cells[-1].source  # the navigation line


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_solution_is_left_and_every_exercise_says_not_attempted(path):
    cells = student_copy_of(path).cells
    code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    assert "solution_" not in code
    exercises = [i for i, c in enumerate(cells) if re.match(r"### Exercise \d+", c.source)]
    assert exercises, "no '### Exercise N:' headings"
    bounds = [*exercises, len(cells)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        texts = [
            output.get("text", "") + output.get("data", {}).get("text/plain", "")
            for cell in cells[start:end]
            for output in cell.get("outputs", [])
        ]
        assert any("not attempted yet" in text for text in texts), (
            f"{path.name}: {cells[start].source.splitlines()[0]} stores no 'not attempted yet'"
        )


def test_the_student_repository_has_what_make_lab_needs(tmp_path, monkeypatch):
    monkeypatch.setattr(student, "student_notebook", lambda nb, source: nb)  # only files here
    target = tmp_path / "student"
    written = student.write_student_copy(target, "see the teacher's repository")
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for name in ("utils/attention.py", "requirements.txt", "pyproject.toml", "Makefile"):
        assert (target / name).exists(), name
    assert "solutions" in (target / "README.md").read_text()
    assert ".venv/" in (target / ".gitignore").read_text().split()  # a push never takes .venv

    # `make lab` as the student's machine would run it (dry run): every script it calls is
    # there, and the help lists no target that needs the tests or the teacher's scripts
    def make(*args):
        command = ["make", "-C", str(target), f"PYTHON={sys.executable}", *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    lab = make("-n", "lab")
    scripts = re.findall(r"scripts/\w+\.py", lab)
    assert scripts and all((target / name).exists() for name in scripts), scripts
    assert "jupyter lab" in lab
    targets = re.findall(r"make (\w+)", make("help"))
    assert targets == ["help", "venv", "lab", "clean"], targets
    check = [sys.executable, str(target / "scripts/check_python.py"), "3.11"]
    assert subprocess.run(check).returncode == 0
