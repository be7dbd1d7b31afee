# contract-gate — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint typecheck pytest schemas corpus clean

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

pytest: install ## The whole pytest suite
	$(BIN)/pytest -q -n 2 --dist loadgroup

test: lint typecheck pytest ## ruff, mypy and the whole test suite

schemas: install ## Regenerate schemas/ from the pydantic models
	$(BIN)/python -m contract_gate.schemas_gen schemas

corpus: install ## Check every spec of ../shared/corpus (JSON report to .corpus-report.json)
	$(BIN)/contract-gate check ../shared/corpus --format json -o .corpus-report.json; test $$? -le 1

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
