# `make run` and `make test` are the two commands a new user needs; both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := .cache/system-deps.ok
BROWSER_STAMP := tests/browser/node_modules/.installed
WEB_STAMP := web/node_modules/.installed
WEB_TYPES := web/src/api/schema.d.ts
WEB_DIST := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)

.PHONY: setup system-deps media web web-check run test checks soak lint typecheck contracts unit integration bench lock clean

setup: system-deps $(STAMP) $(BROWSER_STAMP) web media

system-deps: $(SYSTEM_STAMP)

$(SYSTEM_STAMP): scripts/setup-system.sh
	@bash scripts/setup-system.sh
	@mkdir -p .cache && touch $@

# Sample clips and pictures for the analytics tests and the simulator's scenes, each taken out of a
# Debian package and checked by SHA-256 (scripts/sample_media.py); a no-op when they are in place.
media: $(SYSTEM_STAMP)
	@$(PYTHON) scripts/sample_media.py

# The virtual environment is rebuilt only when the lock file changes.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.9
	@$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	@$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $@

# hls.js (and later browser-side libraries) for the browser tests, reinstalled when the lock changes.
$(BROWSER_STAMP): tests/browser/package.json tests/browser/package-lock.json | $(SYSTEM_STAMP)
	@cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The web client: npm packages, API types generated from the server's OpenAPI document, the build.
$(WEB_STAMP): web/package.json web/package-lock.json | $(SYSTEM_STAMP)
	@cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_TYPES): $(STAMP) $(WEB_STAMP) $(shell find src/vms -name '*.py')
	@$(BIN)/vms openapi -o web/openapi.json
	@cd web && npx --no-install openapi-typescript openapi.json -o src/api/schema.d.ts --silent

$(WEB_DIST): $(WEB_TYPES) $(WEB_SOURCES)
	@cd web && npx --no-install vite build --logLevel warn

web: $(WEB_DIST)

# Type-check and unit-test the web client (Vitest with jsdom).
web-check: $(WEB_TYPES)
	cd web && npx --no-install tsc --noEmit
	cd web && npx --no-install vitest run

run: setup
	@$(BIN)/vms demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/python scripts/check_sizes.py src/vms

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# Tests run in TEST_WORKERS pytest-xdist processes (most tests wait on real servers, so more
# workers than cores pays), a test file per worker so that module fixtures start once;
# `make test TEST_WORKERS=0` runs them in this one process.
# The 25 slowest tests are printed at the end (docs/guide/testing.md).
# CI (CI=true) runs in one process until the parallel run is green three times in a row: two
# load-sensitive tests still fail now and then with 3 workers on 2 cores (docs/guide/testing.md).
TEST_WORKERS ?= $(if $(filter true,$(CI)),0,3)

# The static checks run beside the tests (they are mostly CPU, the tests mostly wait); their output
# is printed after the tests', and either failing fails `make test`.
test: setup
	@mkdir -p .cache
	@$(MAKE) --no-print-directory checks > .cache/checks.log 2>&1 & checks=$$!; \
	$(BIN)/pytest -q -ra -n $(TEST_WORKERS) --dist loadfile --durations=25 $(PYTEST_ARGS); \
	tests=$$?; wait $$checks; checked=$$?; \
	echo "== static checks (lint, typecheck, contracts, web-check)"; cat .cache/checks.log; \
	if [ $$checked -ne 0 ]; then echo "make test: the static checks failed (above)"; fi; \
	if [ $$tests -ne 0 ]; then echo "make test: pytest failed (exit $$tests)"; fi; \
	[ $$tests -eq 0 ] && [ $$checked -eq 0 ]

checks: lint typecheck contracts web-check

# The long forms of tests that `make test` runs shortened (marker `soak`, deselected otherwise).
soak: setup
	$(BIN)/pytest -q -ra -m soak --durations=25 $(PYTEST_ARGS)

unit: setup
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

integration: setup
	$(BIN)/pytest -q tests/integration $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/record.py

# Re-resolve the pinned dependencies after editing pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .pytest_cache tests/browser/node_modules web/node_modules web/dist
