"""Every notebook as a slide deck (jupyterlab-rise at /rise/<path>) in a 1280x720 window:
step through every slide and check that every element of it lies inside the window (none
is cut off at an edge: too tall, too wide, or pushed off by reveal.js' centring).

A screenshot of every slide is written to e2e-artifacts/slides/<notebook>/ (CI keeps the
folder when a test fails); look at them before a class.
"""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.test_notebooks_in_browser import ARTIFACTS, NOTEBOOKS

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 720
PRESENT = ".reveal .slides section.present:not(.stack)"
MEASURE = f"""() => {{
    const s = document.querySelector("{PRESENT}");
    if (!s) return null;
    // every element of the slide: where its content really ends up on the screen
    let top = Infinity, bottom = -Infinity, left = Infinity, right = -Infinity;
    for (const e of [s, ...s.querySelectorAll("*")]) {{
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
        left = Math.min(left, r.left); right = Math.max(right, r.right);
    }}
    return {{id: s.id, top, bottom, left, right, hash: location.hash,
             height: bottom - top, width: right - left}};
}}"""
# reveal.js slides the new slide in (from the side, or from below for a subslide) and then
# centres it: wait until its position has stopped changing
SETTLED = f"""() => {{
    const s = document.querySelector("{PRESENT}");
    if (!s) return false;
    const r = s.getBoundingClientRect();
    const here = `${{Math.round(r.x)}},${{Math.round(r.y)}},${{Math.round(r.height)}}`;
    const settled = Math.abs(r.x) < 1 && window.__lastPlace === here;
    window.__lastPlace = here;
    return settled;
}}"""


def slides_of(page, folder, limit: int = 400) -> list[dict]:
    """Step with the Space key from the first slide to the last; measure and photograph each."""
    seen, slides = set(), []
    for number in range(limit):
        page.wait_for_function(SETTLED, polling=250, timeout=10_000)
        page.wait_for_timeout(200)  # MathJax and images on the new slide
        state = page.evaluate(MEASURE)
        assert state is not None, "no slide is shown"
        if state["hash"] in seen:
            break  # the last slide: Space no longer moves
        seen.add(state["hash"])
        page.screenshot(path=str(folder / f"{number:03d}.png"))
        slides.append({**state, "number": number})
        page.keyboard.press("Space")
    return slides


def inside(slide: dict, tolerance: float = 1.0) -> bool:
    """Whether all of a slide's content lies within the window."""
    return (
        slide["top"] >= -tolerance
        and slide["left"] >= -tolerance
        and slide["bottom"] <= HEIGHT + tolerance
        and slide["right"] <= WIDTH + tolerance
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_slide_fits_a_1280x720_window(lab, browser, path):
    base, token = lab
    folder = ARTIFACTS / "slides" / path.stem
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(f"{base}/rise/notebooks/{path.name}?token={token}")
        page.wait_for_selector(PRESENT, timeout=120_000)
        page.wait_for_timeout(3000)  # outputs and MathJax of the first slide
        page.locator(".reveal").click(position={"x": 5, "y": 5})  # keyboard focus
        slides = slides_of(page, folder)
        assert len(slides) > 1, "one slide only: are the cells' slide types missing?"
        too_big = [
            f"slide {s['number']} ({s['id']}): content from ({s['left']:.0f}, {s['top']:.0f}) "
            f"to ({s['right']:.0f}, {s['bottom']:.0f})" for s in slides if not inside(s)
        ]  # fmt: skip
        assert not too_big, f"slides larger than {WIDTH}x{HEIGHT} (see {folder}): {too_big}"
        print(f"{path.name}: {len(slides)} slides, screenshots in {folder}")
    finally:
        page.close()
