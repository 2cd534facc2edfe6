"""TEACHING.md stays true to the notebooks: its minute tables and session plan are what the
stated rule gives today, and every numbered section of every notebook has its question."""

import re

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
