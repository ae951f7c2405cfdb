# otklik — two commands on a fresh machine with Python 3.11+ and make:
#   make demo   creates .venv, installs otklik, runs the main job on the bundled demo case
#   make test   creates .venv with dev dependencies, runs ruff, mypy and the test suite
# Every install takes the versions of requirements/constraints.txt (the tested set; regenerate it
# with `make constraints`). torch is pinned there to its CPU build, 2.13.0+cpu, which is not on PyPI:
# pip takes it from a local wheel folder (PIP_FIND_LINKS) or from PyTorch's CPU wheel index
# (PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu); with neither, the install stops
# ("The user requested (constraint) torch==2.13.0+cpu ... no matching distributions") rather than
# fetching the CUDA build.
# EXTRAS picks the dependency groups (pyproject.toml): `make test EXTRAS=test` is the light install,
# whose browser and optional-engine tests then skip (under CI they fail instead).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_HOME ?= demo-out
EXTRAS ?= dev
CONSTRAINTS := requirements/constraints.txt

.PHONY: demo test lint bench clean constraints

$(BIN)/otklik: pyproject.toml $(CONSTRAINTS)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) --upgrade pip
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[$(EXTRAS)]"
	touch $@

demo: $(BIN)/otklik
	rm -rf $(DEMO_HOME)
	$(BIN)/otklik --home $(DEMO_HOME) demo

test: lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

lint: $(BIN)/otklik
	$(BIN)/ruff check src tests
	$(BIN)/mypy

# The constraints file from a fresh venv built from pyproject.toml alone (every group, newest
# versions within its bounds): review the diff, then `make clean test`.
constraints:
	rm -rf $(VENV)-constraints
	$(PY) -m venv $(VENV)-constraints
	$(VENV)-constraints/bin/pip install --quiet --upgrade pip
	$(VENV)-constraints/bin/pip install --quiet -e ".[dev]"
	{ echo "# pip freeze of a fresh venv with otklik[dev] (make constraints), CPython 3.11, Linux x86_64"; \
	  $(VENV)-constraints/bin/pip freeze --all --exclude-editable | grep -v -E '^(setuptools|wheel)=='; } > $(CONSTRAINTS)
	rm -rf $(VENV)-constraints

bench: $(BIN)/otklik
	$(BIN)/otklik bench import
	$(BIN)/otklik bench analyze
	$(BIN)/otklik bench report
	$(BIN)/otklik bench web

clean:
	rm -rf $(VENV) $(DEMO_HOME) bench-data
