"""Generate the navigation lines of every notebook and the notebook table of the README.

Usage: python scripts/navigation.py          # rewrite what is out of date (make nav)
       python scripts/navigation.py --check  # exit 1 and name what is out of date

A notebook's first cell looks like::

    # NN · Title
    ... <!-- nav -->
    One paragraph; its first sentence is the one-line summary.
    **You will learn**
    - bullet

Every markdown line that holds ``<!-- nav -->`` (the first cell's, and the last cell,
which holds only that line) is replaced by previous / index / next links followed by the
marker. The marker goes at the END of the line: a line that starts with an HTML comment
is an HTML block in CommonMark, and its links would show as raw text. The README's
table sits between ``<!-- notebooks:start -->`` and ``<!-- notebooks:end -->``.
tests/test_navigation.py runs the check, so `make test` fails when they drift.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NAV = "<!-- nav -->"
START, END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"


@dataclass
class Lesson:
    path: Path
    title: str
    summary: str
    learn: list[str]


def notebook_paths(root: Path = ROOT) -> list[Path]:
    """The lessons in reading order: notebooks/NN_*.ipynb sorted by name."""
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def describe(path: Path) -> Lesson:
    """Read title, one-line summary and "you will learn" bullets from the first cell."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    lines = first.source.splitlines()
    if first.cell_type != "markdown" or not lines or not lines[0].startswith("# "):
        raise ValueError(f"{path.name}: the first cell must be markdown starting with '# Title'")
    title = lines[0][2:].strip()
    summary, learn, in_learn = "", [], False
    for line in lines[1:]:
        text = line.strip()
        if in_learn:
            if text.startswith("- "):
                learn.append(text[2:].strip())
                continue
            if text:
                in_learn = False
        if "you will learn" in text.lower():
            in_learn = True
        elif (
            not summary and text and NAV not in text and not text.startswith(("#", "**", "-", ">"))
        ):
            summary = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return Lesson(path, title, summary, learn)


def nav_line(lessons: list[Lesson], index: int) -> str:
    """Links to the previous lesson, the README and the next lesson, then ``<!-- nav -->``."""
    parts = []
    if index > 0:
        prev = lessons[index - 1]
        parts.append(f"[← {prev.title}]({prev.path.name})")
    parts.append("[Index](../README.md)")
    if index + 1 < len(lessons):
        nxt = lessons[index + 1]
        parts.append(f"[{nxt.title} →]({nxt.path.name})")
    return " | ".join(parts) + " " + NAV


def with_nav(path: Path, line: str) -> tuple[nbformat.NotebookNode, bool]:
    """The notebook with every nav line replaced by ``line``; and whether anything changed."""
    nb = nbformat.read(path, as_version=4)
    changed, found = False, 0
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")
        new = [line if NAV in old else old for old in lines]
        found += sum(NAV in old for old in lines)
        if new != lines:
            cell.source, changed = "\n".join(new), True
    if found < 2 or nb.cells[-1].source.strip() != line:
        raise ValueError(
            f"{path.name}: needs a '{NAV}' line in the first cell and a last markdown cell "
            f"holding only '{NAV}'"
        )
    return nb, changed


def readme_table(lessons: list[Lesson]) -> str:
    """The markdown table of lessons for the README."""
    rows = ["| notebook | in one line | you will learn |", "| --- | --- | --- |"]
    for lesson in lessons:
        link = f"[{lesson.title}](notebooks/{lesson.path.name})"
        rows.append(f"| {link} | {lesson.summary} | {'<br>'.join(lesson.learn)} |")
    return "\n".join(rows)


def with_table(readme: str, table: str) -> str:
    """README text with the block between the markers replaced by ``table``."""
    if START not in readme or END not in readme:
        raise ValueError(f"README.md must contain {START} and {END}")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def stale(root: Path = ROOT, write: bool = False) -> list[str]:
    """Names of the files whose navigation or table is out of date (rewritten if ``write``)."""
    lessons = [describe(p) for p in notebook_paths(root)]
    out_of_date = []
    for i, lesson in enumerate(lessons):
        nb, changed = with_nav(lesson.path, nav_line(lessons, i))
        if changed:
            out_of_date.append(str(lesson.path.relative_to(root)))
            if write:
                nbformat.write(nb, lesson.path)
    readme_path = root / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    new_readme = with_table(readme, readme_table(lessons))
    if new_readme != readme:
        out_of_date.append("README.md")
        if write:
            readme_path.write_text(new_readme, encoding="utf-8")
    return out_of_date


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    names = stale(write=not check)
    if check and names:
        print("out of date (run `make nav`): " + ", ".join(names))
        return 1
    for name in names:
        print(f"updated {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
