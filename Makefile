# The two commands the README opens with. Both set up a local virtualenv (.venv) first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup trace test lint bench

$(BIN)/quotetrace: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,semantic]'
	touch $(BIN)/quotetrace

setup: $(BIN)/quotetrace

trace: setup
	$(BIN)/quotetrace trace data/raw

test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy -p quotetrace
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_align.py
