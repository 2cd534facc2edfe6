"""Put the repository root on the virtual environment's import path (run by `make venv`).

Writes one line, this folder's path, into ``attention_notebooks.pth`` in the venv's
site-packages: Python then finds ``utils`` from any folder, including the kernel that
JupyterLab and nbval start in notebooks/. Edits to ``utils/`` take effect at the next
kernel start, with no reinstall (what an editable install does, without its build step).
"""

import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
site_packages = Path(sysconfig.get_paths()["purelib"])
(site_packages / "attention_notebooks.pth").write_text(f"{ROOT}\n", encoding="utf-8")
print(f"linked {ROOT} into {site_packages.name}/attention_notebooks.pth")
