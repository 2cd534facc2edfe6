"""TEACHING.md stays true to the notebooks: its minute tables and session plan are what the
stated rule gives today, and every numbered section of every notebook has its question."""

import re

import nbformat
import pytest

from tests.conftest import load_script

times = load_script("teaching_times")
GUIDE = times.GUIDE.read_text(encoding="utf-8")


def test_minute_tables_and_plan_are_up_to_date():
    assert times.rendered(GUIDE) == GUIDE, "run `make teaching` to recompute TEACHING.md"


@pytest.mark.parametrize("path", times.notebooks(), ids=lambda p: p.stem)
def test_the_guide_covers_the_notebook(path):
    assert f"<!-- times:{path.name[:2]} -->" in GUIDE, "no minute table for this notebook"
    for section in times.sections(path):
        if re.match(r"\d+\.", section.title):
            plain = section.title.replace("$", "")
            assert f"*{plain}*" in GUIDE.replace("$", ""), f"no question for '{section.title}'"


def test_the_rule_gives_the_stated_minutes():
    cost = times.Cost(words=130, code_cells=2, explorers=1, exercises=1)
    assert cost.minutes == 1 + 2 + 3 + 6


def test_an_optional_part_ends_at_the_next_heading_of_its_level_or_higher():
    new = nbformat.v4
    cells = [
        new.new_markdown_cell("## 1. A"),
        new.new_markdown_cell("### B (optional)"),
        new.new_code_cell("x = 1"),
        new.new_markdown_cell("#### C"),
        new.new_markdown_cell("### D"),
        new.new_markdown_cell("## (optional) E"),
        new.new_markdown_cell("### F"),
        new.new_markdown_cell("## 2. G"),
        new.new_markdown_cell("### H (Optional)"),
        new.new_code_cell("# (optional) a comment is no heading"),
    ]
    assert times.optional_parts(cells) == [(1, 4), (5, 7), (8, 10)]


def test_check_and_output(tmp_path, capsys):
    output = tmp_path / "guide.md"
    assert times.main(["--check", "--output", str(output)]) == 1  # missing: out of date
    assert "out of date" in capsys.readouterr().out
    assert times.main(["--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == times.rendered(GUIDE)
    assert times.main(["--check", "--output", str(output)]) == 0
    output.write_text("stale", encoding="utf-8")
    assert times.main(["--check", "--output", str(output)]) == 1
    assert output.read_text(encoding="utf-8") == "stale"  # --check writes nothing


def test_help_writes_nothing(capsys):
    with pytest.raises(SystemExit) as stopped:
        times.main(["--help"])
    assert stopped.value.code == 0
    assert "--output" in capsys.readouterr().out
    assert times.GUIDE.read_text(encoding="utf-8") == GUIDE
