# otklik — two commands on a fresh machine with Python 3.11+ and make:
#   make demo   creates .venv, installs otklik, runs the main job on the bundled demo case
#   make test   creates .venv with dev dependencies and runs the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_HOME ?= demo-out

.PHONY: demo test bench clean

$(BIN)/otklik: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: $(BIN)/otklik
	rm -rf $(DEMO_HOME)
	$(BIN)/otklik --home $(DEMO_HOME) demo

test: $(BIN)/otklik
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

bench: $(BIN)/otklik
	$(BIN)/otklik bench import
	$(BIN)/otklik bench analyze
	$(BIN)/otklik bench report
	$(BIN)/otklik bench web

clean:
	rm -rf $(VENV) $(DEMO_HOME) bench-data
