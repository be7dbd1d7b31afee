# contract-gate — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test test-deps lint typecheck pytest schemas corpus clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install contract-gate with its dev tools

run: install ## Run the gate on samples/ (the passing estate; samples/legacy is excluded by config)
	$(BIN)/contract-gate check samples/

lint: install ## ruff
	$(BIN)/ruff check contract_gate tests

typecheck: install ## mypy --strict
	$(BIN)/mypy

pytest: install test-deps ## The whole pytest suite
	$(BIN)/pytest -q -n 2 --dist loadgroup

test: test-deps lint typecheck pytest ## ruff, mypy and the whole test suite

# Tools the graph tests run: Graphviz `dot` (Debian) and a real Mermaid parser (npm, in .cache/node/).
# Each is installed only when missing, so a re-run costs nothing; nothing is fetched while the tests run.
NODE_DIR := .cache/node
NODE_STAMP := $(NODE_DIR)/.installed
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(NODE_STAMP): tests/package.json tests/package-lock.json
	mkdir -p $(NODE_DIR)
	cp tests/package.json tests/package-lock.json $(NODE_DIR)/
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error
	touch $@

test-deps: $(NODE_STAMP) ## Install graphviz (apt) and the npm Mermaid parser (.cache/node) when missing
	@command -v dot >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends graphviz; }

schemas: install ## Regenerate schemas/ from the pydantic models
	$(BIN)/python -m contract_gate.schemas_gen schemas

.PHONY: golden
golden: install ## Regenerate tests/golden/ (every check format for samples/legacy); review the diff
	$(BIN)/python tests/golden_gen.py

corpus: install ## Check every spec of ../shared/corpus (JSON report to .corpus-report.json)
	$(BIN)/contract-gate check ../shared/corpus --format json -o .corpus-report.json; test $$? -le 1

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
