# Two commands for a new user: `make lab` and `make test`. Both create .venv on first use.
# Tested on Python 3.11 (the default here) and 3.13; any 3.11+ should work.
PYTHON ?= python3
VENV   ?= .venv
MIN_PYTHON := 3.11
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.DEFAULT_GOAL := help
.PHONY: help venv lab test unit notebooks outputs figures lint format nav e2e bench student teaching clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) scripts/check_python.py $(MIN_PYTHON) || exit 1
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) scripts/link_utils.py  # puts this folder on the venv's path: `import utils` anywhere
	touch $(STAMP)

venv: $(STAMP) ## Create .venv and install everything (the other targets do this for you)

lab: $(STAMP) ## Open JupyterLab on notebooks/
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. --ServerApp.default_url=/lab/tree/notebooks $(ROOT_FLAG)

test: $(STAMP) ## Run every test: utils unit tests, then strict nbval over every notebook
	$(PY) -m pytest tests notebooks $(NBVAL) -m "not browser and not classroom" -n auto --dist loadfile

unit: $(STAMP) ## Only the unit tests of utils (fast)
	$(PY) -m pytest tests -m "not browser and not classroom"

notebooks: $(STAMP) ## Only strict nbval over the stored notebook outputs
	$(PY) -m pytest notebooks $(NBVAL)

outputs: $(STAMP) ## Re-execute every notebook in place (deterministic stored outputs)
	$(PY) scripts/execute_notebooks.py

figures: $(STAMP) ## Regenerate figures/ from code
	$(PY) scripts/make_figures.py

nav: $(STAMP) ## Regenerate the navigation lines and the README notebook table
	$(PY) scripts/navigation.py

lint: $(STAMP) ## ruff check + format check, notebooks included
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) ## Time notebooks, widget callbacks and attention vs torch; writes bench/results.md + README
	$(PY) scripts/bench.py

teaching: $(STAMP) ## Recompute the minutes per section in TEACHING.md (one rule, in the script)
	$(PY) scripts/teaching_times.py

student: $(STAMP) ## Write student/: every notebook without its solutions, for a class (SOURCE=url: where the full one is)
	$(PY) scripts/student_copy.py $(if $(SOURCE),--source "$(SOURCE)",)

clean: ## Remove the venv, caches and generated copies
	rm -rf $(VENV) .hypothesis .pytest_cache e2e-artifacts *.egg-info student
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

E2E_STAMP := $(VENV)/.installed-e2e
$(E2E_STAMP): $(STAMP) requirements-e2e.txt
	$(PY) -m pip install --quiet -r requirements-e2e.txt
	touch $(E2E_STAMP)

e2e: $(E2E_STAMP) ## Slower checks: every notebook and its slides in headless Chromium (needs Debian chromium), the projector style, the repo2docker build
	$(PY) -m pytest tests -m "browser or classroom" -p no:randomly -v
