"""Every notebook as a learner meets it: JupyterLab in headless Chromium (``make e2e``).

For each notebook: open it and, before running anything, check what a learner sees first
(navigation links are links, every explorer shows its static picture with no side-by-side
parts touching, nothing marks the notebook modified, and closing it asks nothing); then
open it again, wait for a live kernel, Run All, and check that no error or stderr output
appeared, that every explorer rendered as a live widget, that changing each control of
each explorer changes what it shows, and that the file on disk is untouched. Then, on a
small laptop's screen (1280x720 with the file browser open), that each explorer's controls
and view fit on screen together, before and after each control is moved.
On failure a screenshot and the page HTML are saved under e2e-artifacts/<notebook>/; the
small-screen test saves what the learner sees of each explorer under
e2e-artifacts/<notebook>-small-screen/ (look at them).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from tests.e2e.lab import ROOT
from utils.widgets import all_explorers

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ARTIFACTS = ROOT / "e2e-artifacts"
WIDGET_VIEW = ".jp-OutputArea-output > .widget-vbox"  # an explorer's root VBox
ERROR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
KERNEL_IDLE = "document.body.innerText.includes('| Idle')"
ALL_CELLS_DONE = (
    KERNEL_IDLE + " && ![...document.querySelectorAll('.jp-InputPrompt')]"
    ".some(e => e.innerText.includes('*'))"
)


def expected_explorers(path: Path) -> int:
    """How many explorers the notebook displays, read from its stored text outputs."""
    names = tuple(f"{cls.name}(" for cls in all_explorers())
    count = 0
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "")
            count += isinstance(text, str) and text.startswith(names)
    return count


def run_all(page) -> None:
    """Run every cell through the Run menu and wait until no cell is still queued."""
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)  # a live kernel, not just "idle"
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click("li.lm-Menu-item[data-command='runmenu:run-all']")
    page.wait_for_function(
        "[...document.querySelectorAll('.jp-InputPrompt')].some(e => e.innerText.includes('*'))"
        " || document.querySelectorAll('.jp-OutputArea-output').length > 0",
        timeout=30_000,
    )
    page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=500)


def change_control(control) -> str:
    """Change one control by user input (keys or clicks); return a description of what."""
    kind = control.get_attribute("class") or ""
    if "noUi-handle" in kind:
        control.focus()
        at_max = control.get_attribute("aria-valuenow") == control.get_attribute("aria-valuemax")
        control.press("ArrowLeft" if at_max else "ArrowRight")
        return f"slider {'left' if at_max else 'right'}"
    if control.evaluate("e => e.tagName") == "SELECT":
        options = control.locator("option")
        current = control.evaluate("e => e.selectedIndex")
        control.select_option(index=(current + 1) % options.count())
        return "dropdown next option"
    control.click()  # toggle button, checkbox, radio
    return "click"


CONTROLS = (
    ".noUi-handle, select, .widget-toggle-button:not(.mod-active), "
    "input[type=checkbox], .widget-radio-box input:not(:checked)"
)


def exercise_widget(page, root, index: int) -> None:
    """Change every control of one explorer, one at a time, and see its view change."""
    output = root.locator(":scope > .widget-output")
    controls = root.locator(":scope > .widget-hbox").first.locator(CONTROLS)
    count = controls.count()
    assert count > 0, f"explorer {index} shows no controls"
    for i in range(count):
        # located afresh each time: a toggle button that became active drops out of CONTROLS
        control = root.locator(":scope > .widget-hbox").first.locator(CONTROLS).nth(i % count)
        before = output.inner_html()
        what = change_control(control)
        handle = output.element_handle()
        page.wait_for_function(
            "([el, before]) => el.innerHTML !== before", arg=[handle, before], timeout=15_000
        )
        assert page.locator(ERROR_OUTPUT).count() == 0, f"explorer {index}: {what} -> error"


def save_artifacts(page, artifacts: Path) -> None:
    """A full-page screenshot and the page's HTML, for a failed test (CI keeps the folder)."""
    artifacts.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(artifacts / "screenshot.png"), full_page=True)
    (artifacts / "page.html").write_text(page.content(), encoding="utf-8")
    print(f"screenshot and page HTML saved in {artifacts}")


# Side-by-side parts of a static view (panels, a heatmap and its side labels, legend keys)
# that touch: the view is an untrusted output, which JupyterLab sanitizes, so its spacing
# is checked as the learner sees it.
TOUCHING_PARTS = """statics => statics.flatMap(view =>
  [...view.querySelectorAll('div')]
    .filter(e => getComputedStyle(e).display === 'flex')
    .flatMap(flex => {
      const kids = [...flex.children].map(k => k.getBoundingClientRect());
      return kids.slice(1).flatMap((b, i) => {
        const a = kids[i];
        const sameLine = Math.abs(a.top - b.top) < 1 && a.width > 0 && b.width > 0;
        return sameLine && b.left - a.right < 3
          ? [`${flex.innerText.slice(0, 40)}: ${(b.left - a.right).toFixed(0)} px apart`]
          : [];
      });
    }))"""


def git_status(path: Path) -> str:
    """``git status --porcelain`` of one file: empty when it is as committed."""
    command = ["git", "status", "--porcelain", "--", str(path)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_opening_and_closing_changes_nothing(lab, browser, path):
    base, token = lab
    before = git_status(path)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/lab/tree/notebooks/{path.name}?reset&token={token}")
        page.wait_for_function(KERNEL_IDLE, timeout=120_000)
        page.wait_for_timeout(1500)  # metadata updates after the kernel connects
        first = page.locator(".jp-MarkdownCell .jp-RenderedMarkdown").first
        assert first.locator("a[href*='README.md']").count() == 1, "nav: no link to the index"
        assert "](" not in first.inner_text(), "nav links render as raw Markdown"
        statics = page.locator(".jp-OutputArea-output .explorer-static")
        assert statics.count() == expected_explorers(path), "an explorer has no static view"
        assert "Error displaying widget" not in page.inner_text("body")
        touching = statics.evaluate_all(TOUCHING_PARTS)
        assert not touching, f"parts of a static view touch: {touching}"
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), "modified on open"
        tab.locator(".lm-TabBar-tabCloseIcon").click()
        page.wait_for_timeout(1000)
        assert page.locator(".jp-Dialog").count() == 0, "closing asks to save changes"
    except Exception:
        save_artifacts(page, ARTIFACTS / f"{path.stem}-open-close")
        raise
    finally:
        page.close()
    assert git_status(path) == before, f"{path.name} changed on disk"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_widgets_respond(lab, browser, path):
    base, token = lab
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    artifacts = ARTIFACTS / path.stem
    shutil.rmtree(artifacts, ignore_errors=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/lab/tree/notebooks/{path.name}?reset&token={token}")
        run_all(page)
        errors = page.locator(ERROR_OUTPUT)
        assert errors.count() == 0, f"error/stderr output: {errors.first.inner_text()[:500]}"
        assert "Error displaying widget" not in page.inner_text("body")
        roots = page.locator(WIDGET_VIEW)
        assert roots.count() == expected_explorers(path), "not every explorer rendered"
        for index in range(roots.count()):
            root = roots.nth(index)
            root.scroll_into_view_if_needed()
            exercise_widget(page, root, index)
    except Exception:
        save_artifacts(page, artifacts)
        raise
    finally:
        page.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{path.name} was modified"


# --- a small screen: every explorer fits, controls and view together ----------------------

SMALL_SCREEN = {"width": 1280, "height": 720}  # a small laptop; the file browser stays open
MAX_EXPLORER_WIDTH = 844 + 4  # the notebook's output area there, plus rounding
NOTEBOOK_AREA = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"
FILE_BROWSER_TAB = ".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='filebrowser']"

# The explorer's box, the visible notebook area and how far any part of the explorer
# reaches past its own right edge (a table or chart too wide for the screen), after the
# explorer is scrolled to the middle of the notebook area.
MEASURE = """root => {
    root.scrollIntoView({block: 'center'});
    const area = root.closest('.jp-WindowedPanel-outer').getBoundingClientRect();
    const box = root.getBoundingClientRect();
    let overflow = 0;
    for (const e of root.querySelectorAll('*')) {
        const r = e.getBoundingClientRect();
        if (r.width > 0) overflow = Math.max(overflow, r.right - box.right);
    }
    for (const e of root.querySelectorAll('.jp-RenderedHTMLCommon, .widget-hbox')) {
        overflow = Math.max(overflow, e.scrollWidth - e.clientWidth);
    }
    return {top: box.top, bottom: box.bottom, width: box.width, height: box.height,
            areaTop: area.top, areaBottom: area.bottom, overflow};
}"""


def open_file_browser(page) -> None:
    """Show the file browser in the left sidebar, as JupyterLab opens for a new user."""
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)  # the layout is restored by now
    tab = page.locator(FILE_BROWSER_TAB)
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):  # a click on the open
        tab.click()  # tab would close it
    page.wait_for_selector("#filebrowser", state="visible")


def assert_fits(page, root, what: str) -> dict:
    """The whole explorer (controls and view) is on screen at once and nothing in it is wider
    than the notebook; returns its measurements."""
    page.wait_for_timeout(100)  # the view's images and fonts laid out
    m = root.evaluate(MEASURE)
    size = f"{m['width']:.0f}x{m['height']:.0f} px"
    assert m["width"] <= MAX_EXPLORER_WIDTH, f"{what}: {size}, wider than the notebook"
    assert m["overflow"] <= 1, f"{what}: a part reaches {m['overflow']:.0f} px past the edge"
    visible = m["areaBottom"] - m["areaTop"]
    assert m["top"] >= m["areaTop"] - 1 and m["bottom"] <= m["areaBottom"] + 1, (
        f"{what}: {size} does not fit the {visible:.0f} px tall notebook area"
    )
    return m


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_explorers_fit_a_small_screen_with_the_file_browser_open(lab, browser, path):
    base, token = lab
    artifacts = ARTIFACTS / f"{path.stem}-small-screen"
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    page = browser.new_page(viewport=SMALL_SCREEN)
    try:
        page.goto(f"{base}/lab/tree/notebooks/{path.name}?reset&token={token}")
        open_file_browser(page)
        run_all(page)
        roots = page.locator(WIDGET_VIEW)
        assert roots.count() == expected_explorers(path), "not every explorer rendered"
        for index in range(roots.count()):
            root = roots.nth(index)
            m = assert_fits(page, root, f"explorer {index}")
            print(f"{path.stem} explorer {index}: {m['width']:.0f}x{m['height']:.0f} px")
            page.screenshot(path=str(artifacts / f"explorer-{index}.png"))
            output = root.locator(":scope > .widget-output")
            controls = root.locator(":scope > .widget-hbox").first.locator(CONTROLS)
            for i in range(controls.count()):  # each control moved once: still on screen
                control = root.locator(":scope > .widget-hbox").first.locator(CONTROLS)
                before = output.inner_html()
                what = change_control(control.nth(i % control.count()))
                page.wait_for_function(
                    "([el, before]) => el.innerHTML !== before",
                    arg=[output.element_handle(), before],
                    timeout=15_000,
                )
                m = assert_fits(page, root, f"explorer {index} after {what} (control {i})")
                print(f"  after {what}: {m['width']:.0f}x{m['height']:.0f} px")
                page.screenshot(path=str(artifacts / f"explorer-{index}-control-{i}.png"))
    except Exception:
        save_artifacts(page, artifacts)
        raise
    finally:
        page.close()
