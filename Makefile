# The README's two commands are `make run` and `make test`; everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run invoke test lint types unit clean

$(STAMP): pyproject.toml provider/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=25.1"
	$(BIN)/python -m pip install -q -r provider/requirements.txt --group dev
	touch $@

## Play a stack's life (Create -> Update -> replacement -> Delete) against the local double.
run: $(STAMP)
	$(BIN)/python -m tests.local.play

## Invoke the handler with one event file, as `sam local invoke -e EVENT` would: make invoke EVENT=events/create.json
invoke: $(STAMP)
	$(BIN)/python -m tests.local.play --event $(EVENT)

## Lint, types and the tests: what CI runs.
test: lint types unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .aws-sam build
