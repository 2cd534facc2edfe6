"""Write ``student/``: the repository as a class receives it, with no solutions.

Usage: python scripts/student_copy.py [--source TEXT] [--target DIR]
(run by ``make student``; ``make student SOURCE=https://...`` passes ``--source``)

Every notebook loses its ``## Solutions`` section (from that heading to the closing
navigation cell); its exercises and their checkers stay, and their stored outputs say
"not attempted yet". Its first cell opens with a line saying that this is the student
copy and where the full version lives (``--source``: e.g. the repository's URL). Next to
the notebooks go ``utils/``, ``figures/`` and what ``make lab`` needs to install them (a
Makefile with only ``make lab``, its two scripts, a ``.gitignore``), so ``student/`` can
be pushed as its own repository (for nbgitpuller or a hub) or zipped.
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = "## Solutions"
COPIED = [
    "utils",
    "figures",
    "requirements.txt",
    "pyproject.toml",
    "runtime.txt",
    ".gitignore",
    "scripts/check_python.py",  # the Makefile's first step: a clear message on an old Python
    "scripts/link_utils.py",  # and its last: `import utils` from the notebooks
]
MAKE_TARGETS = ("help", "$(STAMP)", "venv", "lab", "clean")  # what a student's Makefile keeps
README = """# attention-notebooks: student copy

```bash
make lab     # first run creates .venv and installs everything, then opens JupyterLab
```

You need `python3` (3.11 or newer) and `make`. Open `notebooks/01_single_head_attention.ipynb`
and run the cells from the top (Shift+Enter). Each notebook ends with exercises; each
checker says what is right or wrong; `hint(N)` shows hint 2 for exercise N (the first
is printed under the exercise) and `hint(N, 3)` hint 3.
This copy has no solutions: {source}.
"""


def solutions_start(nb: nbformat.NotebookNode) -> int | None:
    """Index of the cell that opens the Solutions section, or None."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(SOLUTIONS):
            return index
    return None


def student_notebook(nb: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` without its Solutions section, opening with where the full one is."""
    start = solutions_start(nb)
    if start is None:
        raise ValueError(f"no '{SOLUTIONS}' heading: nothing marks the solutions to remove")
    copy = nbformat.from_dict(nb)
    copy.cells = copy.cells[:start] + copy.cells[-1:]  # keep the closing navigation cell
    title, _, rest = copy.cells[0].source.partition("\n")
    note = f"> **Student copy**: the solutions are not in this copy; {source}."
    copy.cells[0].source = f"{title}\n\n{note}\n{rest}"
    return copy


def student_makefile(makefile: str) -> str:
    """The repository's Makefile with only what a student runs (``make lab``): its settings
    and the targets in ``MAKE_TARGETS``; the test, build and teacher targets need folders
    the student copy does not have."""
    kept = []
    for block in makefile.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if all(re.match(r"[A-Z_]+ +[?:]?=|\.DEFAULT_GOAL|\.PHONY", line) for line in lines):
            kept.append("\n".join(line for line in block.splitlines() if "tests/" not in line))
        elif lines[0].split(":")[0] in MAKE_TARGETS:
            kept.append(block)
    text = "\n\n".join(kept) + "\n"
    phony = next(line for line in text.splitlines() if line.startswith(".PHONY:"))
    text = text.replace(phony, ".PHONY: help venv lab clean")
    return "# The student copy: `make lab` creates .venv on first use and opens JupyterLab.\n" + (
        text.split("\n", 1)[1] if text.startswith("#") else text
    )


def write_student_copy(target: Path, source: str) -> list[Path]:
    """Write the student repository into ``target``; return the notebooks written."""
    if target.exists():
        shutil.rmtree(target)
    (target / "notebooks").mkdir(parents=True)
    for name in COPIED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif path.exists():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / name)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    (target / "Makefile").write_text(student_makefile(makefile), encoding="utf-8")
    (target / "README.md").write_text(README.format(source=source), encoding="utf-8")
    written = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        out = target / "notebooks" / path.name
        nbformat.write(student_notebook(nb, source), out)
        written.append(out)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        default="the full notebook, with solutions, is in the teacher's repository",
        help="where the full version lives, e.g. the repository's URL",
    )
    parser.add_argument("--target", default=str(ROOT / "student"))
    args = parser.parse_args()
    source = args.source
    if source.startswith(("http://", "https://")):
        source = f"the full version, with solutions, is at {source}"
    for path in write_student_copy(Path(args.target), source):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
