"""Every ``utils.<name>`` that a notebook or the README mentions exists."""

import importlib
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOTTED = re.compile(r"\butils(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def mentioned_names() -> dict[str, str]:
    """``{"utils.x.y": "where it is mentioned"}`` from the notebooks and the Markdown docs."""
    names = {}
    for path in sorted(ROOT.glob("notebooks/*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            for name in DOTTED.findall(cell.source):
                names.setdefault(name, f"{path.name}, cell {index}")
    for path in sorted(ROOT.glob("*.md")):
        for name in DOTTED.findall(path.read_text(encoding="utf-8")):
            names.setdefault(name, path.name)
    return names


def resolve(dotted: str):
    """Import the longest module prefix of ``dotted``, then follow attributes."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(dotted)


NAMES = mentioned_names()


def test_the_notebooks_mention_utils_names():
    assert "utils.multi_head_attention" in NAMES or "utils.attention" in NAMES


@pytest.mark.parametrize("dotted", sorted(NAMES))
def test_every_mentioned_utils_name_resolves(dotted):
    try:
        resolve(dotted.removesuffix(".py"))
    except (ImportError, AttributeError) as error:
        pytest.fail(f"{dotted} (mentioned in {NAMES[dotted]}) does not exist: {error}")
