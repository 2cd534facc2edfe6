"""What one learner needs on a shared hub: each notebook's kernel after Run All.

Usage: python scripts/hub_resources.py   (also part of ``make bench``)

Runs every notebook in a fresh kernel, as a learner's Run All does, and reads the kernel
process's resident memory (RSS, with any child processes) after the last cell, and the CPU
seconds it used. A learner who keeps every notebook's kernel open uses the sum; most close
them and use the largest one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute_notebooks import notebook_client  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def kernel_after_run_all(path: Path) -> tuple[float, float]:
    """(MiB resident, CPU seconds) of the kernel that just ran the notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    client = notebook_client(nb, path.parent)
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        process = psutil.Process(client.km.provisioner.process.pid)
        tree = [process, *process.children(recursive=True)]
        rss = sum(p.memory_info().rss for p in tree) / 2**20
        cpu = sum(p.cpu_times().user + p.cpu_times().system for p in tree)
    return rss, cpu


def rows() -> list[str]:
    """Markdown rows: notebook, kernel memory after Run All, CPU seconds."""
    table = ["| notebook | kernel memory after Run All | CPU seconds |", "| --- | ---: | ---: |"]
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        rss, cpu = kernel_after_run_all(path)
        table.append(f"| {path.name} | {rss:.0f} MiB | {cpu:.1f} |")
    return table


if __name__ == "__main__":
    print("\n".join(rows()))
