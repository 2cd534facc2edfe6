"""Shared test settings: hypothesis profile and the torch requirement switch."""

import os

import pytest
from hypothesis import settings

settings.register_profile("default", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("default")


def pytest_collection_modifyitems(config, items):
    """With REQUIRE_TORCH=1 (as in .ci/run), a missing torch fails instead of skipping."""
    if os.environ.get("REQUIRE_TORCH") != "1":
        return
    try:
        import torch  # noqa: F401
    except ImportError:
        raise pytest.UsageError(
            "REQUIRE_TORCH=1 but torch is not importable: pip install torch==2.13.0"
        ) from None


def load_script(name: str):
    """Import scripts/<name>.py as a module (scripts/ is not a package)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(
    params=[False, pytest.param(True, marks=pytest.mark.classroom)],
    ids=["default", "presentation"],
)
def presentation(request):
    """Run a figure test in the default style and in the projector style of
    ``setup(presentation=True)``; matplotlib's settings and the style are restored after.
    The projector variants are the slower half, so they run with ``make e2e``."""
    from utils.notebook import figure_style

    with figure_style(presentation=request.param):
        yield request.param
