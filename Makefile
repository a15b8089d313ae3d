# Tabadol — the two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PROTOS := $(shell find proto/tabadol -name '*.proto' | sort)

.PHONY: demo screenshots test lint typecheck proto proto-check buf-lint unit integration bench bench-quick clean services

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## demo: start the hub with the reference simulators, run real cases and a consultation, verify
## the trail, then serve the dashboard (its address is printed) until Ctrl-C.
## `make demo SERVE=` runs the story and exits.
SERVE ?= --serve
demo: $(STAMP)
	$(BIN)/tabadol demo $(SERVE)

## screenshots: the browser tests, keeping their screenshots in docs/screenshots/
screenshots: $(STAMP)
	TABADOL_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/browser

## test: lint, type-check, contract checks and the whole test suite (PostgreSQL and NATS included)
test: $(STAMP) lint typecheck buf-lint proto-check
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check aggregates hub connectors projections tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

buf-lint: $(STAMP)
	$(BIN)/buf lint
	$(BIN)/buf format -d --exit-code

## proto: regenerate the Python bindings from proto/ (committed, so installs need no generator)
proto: $(STAMP)
	$(PY) -m grpc_tools.protoc -Iproto --python_out=proto --pyi_out=proto --grpc_python_out=proto $(PROTOS)
	@find proto/tabadol -type d -exec sh -c 'test -f "$$1/__init__.py" || : > "$$1/__init__.py"' _ {} \;

## proto-check: fail when the committed bindings are stale
proto-check: $(STAMP)
	$(BIN)/pytest -q tests/unit/test_proto_bindings.py

bench: $(STAMP)
	$(PY) -m benchmarks.ledger
	$(PY) -m benchmarks.audit
	$(PY) -m benchmarks.cases
	$(PY) -m benchmarks.views
	$(PY) -m benchmarks.verify
	$(PY) -m benchmarks.flood
	$(PY) -m benchmarks.aggregate_map
	$(PY) -m benchmarks.replays
	$(PY) -m benchmarks.counter_cases
	$(PY) -m benchmarks.scale_out

## bench-quick: every benchmark in its --quick mode (a minute or two, for a smoke check)
bench-quick: $(STAMP)
	for b in ledger audit cases views verify flood aggregate_map replays counter_cases scale_out; do \
	  $(PY) -m benchmarks.$$b --quick || exit 1; done

clean:
	rm -rf $(VENV) tabadol-data .mypy_cache .ruff_cache .pytest_cache
