# Each target creates/updates its own virtualenv in .venv (a stamp file tracks pyproject.toml).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m monitor.demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check monitor tests benchmarks training
	$(BIN)/ruff format --check monitor tests benchmarks training
	$(BIN)/mypy monitor

check: lint test

bench: $(STAMP)
	$(BIN)/python benchmarks/check_cycle.py
	$(BIN)/python benchmarks/import_history.py
	$(BIN)/python benchmarks/site_build.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
