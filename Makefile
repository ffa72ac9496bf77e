# Two commands set everything up from nothing: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_VERSION := 26.3

.PHONY: install run test lint unit bench clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "techfeed needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	@# The pip that ships with Python 3.11 trips over lxml's extras in our pins; this one does not.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[local,dev,keywords,bench]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/techfeed run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: install
	$(BIN)/pytest tests/unit

test: install lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/keywords.py
	$(BIN)/python bench/coldstart.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
