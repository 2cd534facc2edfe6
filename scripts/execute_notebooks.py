"""Re-execute notebooks in place so their stored outputs are fresh and deterministic.

Usage: python scripts/execute_notebooks.py [NOTEBOOK ...]   (default: notebooks/*.ipynb)

Run by ``make outputs``. Execution uses nbclient with timing and widget state off, in the
notebook's own folder; then everything that varies between runs is removed: notebook- and
cell-level execution metadata, widget state, and widget-view JSON (its model_id is random
and it points at widget state that is not stored; the explorer's text/plain stays, which is
what nbval compares). Running it twice on an unchanged notebook gives identical bytes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def merge_streams(outputs: list) -> list:
    """Join consecutive outputs of the same stream: how the kernel chunks a long print
    varies from run to run, the text does not."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def installed_kernelspec(name: str = "python3") -> dict:
    """The kernelspec metadata JupyterLab writes for the installed kernel ``name``: stored
    as it is, so opening a notebook does not change it (and ask to save on close)."""
    spec = KernelSpecManager().get_kernel_spec(name)
    return {"display_name": spec.display_name, "language": spec.language, "name": name}


def clean(nb: nbformat.NotebookNode) -> None:
    """Drop run-specific metadata and widget-view JSON from ``nb`` in place; store the
    installed kernel's kernelspec."""
    nb.metadata.kernelspec = installed_kernelspec()
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("execution", None)
    for cell in nb.cells:
        for key in ("execution", "ExecuteTime", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        if "outputs" in cell:
            cell.outputs = merge_streams(cell.outputs)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
            output.get("metadata", {}).pop(WIDGET_VIEW, None)


def notebook_client(nb: nbformat.NotebookNode, folder: Path) -> NotebookClient:
    """A client that runs ``nb`` in ``folder`` with timing and widget state off."""
    return NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        record_timing=False,
        store_widget_state=False,
    )


def execute(path: Path) -> float:
    """Execute the notebook at ``path`` in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    client = notebook_client(nb, path.parent)
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    clean(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path in paths:
        seconds = execute(path)
        print(f"{path.name}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
