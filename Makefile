# The two commands of the quick start: `make run` and `make test`. Both make .venv themselves.
VENV   := .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

## The hub's main job on the embedded default (SQLite in var/).
run: $(STAMP)
	$(BIN)/hub init
	$(BIN)/hub demo

## Lint, format check, type check, then every test (storage tests on SQLite and PostgreSQL).
test: lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Benchmarks: records/s beside the fetch+parse limit, on SQLite and PostgreSQL; then a full
## sync of the partner sandbox (`python -m bench.sandbox --scale 1000000` for the scale-up); API
## requests/s beside a static page of the same size (needs `wrk`); the dashboard with 100,000 runs.
bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.sandbox
	$(BIN)/python -m bench.api_throughput
	$(BIN)/python -m bench.dashboard

clean:
	rm -rf $(VENV) .venv-reference var .pytest_cache .mypy_cache .ruff_cache
