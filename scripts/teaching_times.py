"""Minutes per section of every notebook, by one rule, for TEACHING.md.

Usage: python scripts/teaching_times.py                 # rewrite the tables in TEACHING.md
       python scripts/teaching_times.py --check         # exit 1 when they are out of date
       python scripts/teaching_times.py --output PATH   # write the recomputed guide to PATH

The rule, the same for every section of every notebook:
- prose is spoken at 130 words a minute, visible cells and speaker notes alike;
- each code cell costs 1 minute (run it, read its output with the room);
- each explorer costs 3 minutes more (move the controls, ask what changed);
- each exercise costs 6 minutes (the room works on it, one answer is discussed).
A section runs from one ``## `` heading to the next; the opening cell and the setup cell
count as "Opening". The solutions get no time of their own: they are discussed within each
exercise's minutes.

An optional part starts at a heading (``##``, ``###``, ...) whose first line says
"(optional)" and ends just before the next heading of the same or a higher level (fewer or
as many ``#``), or at the end of the notebook. It is counted again in the "optional"
column: the minutes a teacher saves by skipping it. tests/test_slides.py holds every
optional part to the slides this rule assumes: its heading is a ``subslide``, no cell of it
is a ``slide``, and the heading that ends it is a ``slide``; so in RISE the right arrow
skips exactly the part counted here.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "TEACHING.md"
WORDS_PER_MINUTE = 130
CODE_MINUTES, EXPLORER_MINUTES, EXERCISE_MINUTES = 1.0, 3.0, 6.0
EXPLORER = re.compile(r"\b[A-Z][A-Za-z]*Explorer\(")
EXERCISE = re.compile(r"^### Exercise \d+", re.M)
HEADING = re.compile(r"(#+) ")


@dataclass
class Cost:
    """What a stretch of cells holds, and the minutes the rule gives it."""

    words: int = 0
    code_cells: int = 0
    explorers: int = 0
    exercises: int = 0

    @property
    def minutes(self) -> float:
        spoken = self.words / WORDS_PER_MINUTE
        work = self.code_cells * CODE_MINUTES + self.explorers * EXPLORER_MINUTES
        return spoken + work + self.exercises * EXERCISE_MINUTES

    def add(self, cell) -> None:
        if cell.cell_type == "markdown":
            spoken = [line for line in cell.source.splitlines() if "<!-- nav -->" not in line]
            self.words += words("\n".join(spoken))
            self.exercises += len(EXERCISE.findall(cell.source))
        else:
            self.code_cells += 1
            self.explorers += len(EXPLORER.findall(cell.source))


@dataclass
class Section:
    title: str
    cost: Cost = field(default_factory=Cost)
    optional: Cost = field(default_factory=Cost)

    @property
    def minutes(self) -> int:
        if self.title == "Solutions":
            return 0
        return max(1, math.ceil(self.cost.minutes))

    @property
    def optional_minutes(self) -> int:
        return math.ceil(self.optional.minutes)


def words(markdown: str) -> int:
    """Words read (aloud, or on a slide): link targets, HTML comments and LaTeX commands
    are not; a CJK character is one."""
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # [label](target) -> [label]
    text = re.sub(r"\\[A-Za-z]+", " ", text)  # \sqrt, \frac
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'’.-]*|[\u3400-\u9fff]", text))


def first_line(cell) -> str:
    return cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""


def heading_level(cell) -> int:
    """2 for a ``## `` heading, 3 for ``### ``, ...; 0 when the cell opens with none."""
    found = HEADING.match(first_line(cell)) if cell.cell_type == "markdown" else None
    return len(found.group(1)) if found else 0


def optional_parts(cells) -> list[tuple[int, int]]:
    """``(start, end)`` of every optional part: ``cells[start]`` is its "(optional)"
    heading, ``cells[end]`` the next heading of the same or a higher level (``end`` is
    ``len(cells)`` when there is none). The part is ``cells[start:end]``."""
    parts = []
    for start, cell in enumerate(cells):
        level = heading_level(cell)
        if not level or "(optional)" not in first_line(cell).lower():
            continue
        end = next(
            (i for i in range(start + 1, len(cells)) if 0 < heading_level(cells[i]) <= level),
            len(cells),
        )
        parts.append((start, end))
    return parts


def sections(path: Path) -> list[Section]:
    """The notebook's sections with what each holds."""
    cells = nbformat.read(path, as_version=4).cells
    optional = {i for start, end in optional_parts(cells) for i in range(start, end)}
    found = [Section("Opening")]
    for i, cell in enumerate(cells):
        if heading_level(cell) == 2:
            found.append(Section(first_line(cell)[3:].strip()))
        found[-1].cost.add(cell)
        if i in optional:
            found[-1].optional.add(cell)
    return found


def table(path: Path) -> str:
    """A Markdown table: section, minutes, optional minutes, and what they are made of."""
    rows = [
        "| section | minutes | of which optional | words | code cells | explorers | exercises |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = optional = 0
    for s in sections(path):
        c = s.cost
        rows.append(
            f"| {s.title} | {s.minutes} | {s.optional_minutes or ''} | {c.words} | "
            f"{c.code_cells} | {c.explorers} | {c.exercises} |"
        )
        total += s.minutes
        optional += s.optional_minutes
    rows.append(f"| **total** | **{total}** | {optional} | | | | |")
    return "\n".join(rows)


def total_minutes(path: Path) -> int:
    return sum(s.minutes for s in sections(path))


SESSION_MINUTES = 90


def plan() -> str:
    """One 90-minute session per notebook: the minutes in class (every section but the
    exercises, their solutions and the optional parts), and what the rest of the session
    holds: exercises started in class, or the section to give as reading when it is over."""
    rows = [
        "| session | notebook | in class | optional parts skipped | exercises (home) | "
        "the rest of the 90 min |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for number, path in enumerate(notebooks(), start=1):
        parts = sections(path)
        homework = sum(s.minutes for s in parts if s.title == "Exercises")
        optional = sum(s.optional_minutes for s in parts)
        in_class = sum(s.minutes for s in parts) - homework - optional
        spare = SESSION_MINUTES - in_class
        if spare >= EXERCISE_MINUTES:
            rest = f"{spare} min: start the exercises in class"
        elif spare >= 0:
            reading = [s for s in parts if s.title in ("Summary", "Glossary")]
            freed = sum(s.minutes for s in reading)
            names = " and ".join(s.title for s in reading)
            rest = f"{spare} min: questions; give {names} as reading to free {freed} min more"
        else:
            lessons = [s for s in parts if s.title[:1].isdigit()]
            enough = [s for s in lessons if s.minutes - s.optional_minutes >= -spare]
            reading = min(enough, key=lambda s: s.minutes) if enough else lessons[-1]
            rest = f"over by {-spare} min: give section {reading.title.split('.')[0]} as reading"
        rows.append(
            f"| {number} | {path.stem[:2]} | {in_class} | {optional} | {homework} | {rest} |"
        )
    return "\n".join(rows)


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def rendered(guide: str) -> str:
    """``guide`` with each ``<!-- times:NN -->...<!-- /times -->`` block recomputed."""
    for path in notebooks():
        key = path.name[:2]
        start, end = f"<!-- times:{key} -->", "<!-- /times -->"
        if start not in guide:
            continue
        head, rest = guide.split(start, 1)
        _, tail = rest.split(end, 1)
        guide = f"{head}{start}\n{table(path)}\n{end}{tail}"
    start, end = "<!-- plan -->", "<!-- /plan -->"
    if start in guide:
        head, rest = guide.split(start, 1)
        _, tail = rest.split(end, 1)
        guide = f"{head}{start}\n{plan()}\n{end}{tail}"
    return guide


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Recompute the minute tables and the session plan of TEACHING.md "
        "from the notebooks (the rule is in this script's docstring)."
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the guide at --output is out of date",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=GUIDE,
        metavar="PATH",
        help="where the recomputed guide goes (default: TEACHING.md); "
        "the text around the tables always comes from TEACHING.md",
    )
    args = parser.parse_args(argv)
    output = args.output.resolve()
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    new = rendered(GUIDE.read_text(encoding="utf-8"))
    old = output.read_text(encoding="utf-8") if output.exists() else None
    if args.check:
        if new != old:
            print(f"{shown}'s minute tables are out of date: run `make teaching`")
            return 1
        return 0
    if new != old:
        output.write_text(new, encoding="utf-8")
        print(f"updated {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
