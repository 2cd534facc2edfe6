"""Stop at once, in one line, when the Python that `make` would use is too old.

Usage: python scripts/check_python.py 3.11   (run by the Makefile before creating .venv)
Written for any Python 3, so that an old interpreter reads it and answers clearly.
"""

import sys

needed = tuple(int(part) for part in sys.argv[1].split("."))
found = sys.version_info[:3]
if found[:2] < needed:
    message = (
        "attention-notebooks needs Python {} or newer, but {} is Python {}. "
        "Install a newer Python and run e.g. `make lab PYTHON=python3.12`.\n"
    )
    sys.stderr.write(message.format(sys.argv[1], sys.executable, ".".join(map(str, found))))
    sys.exit(1)
