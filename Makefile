# contract-gate — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test test-deps lint typecheck pytest schemas corpus clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

# The dev/test environment is exactly requirements.lock: every package pinned with its hashes
# (pip refuses anything else), the venv recreated whenever the lock or pyproject changes, and
# contract-gate itself installed on top without dependencies or build isolation (setuptools is in
# the lock too). pyproject.toml keeps ranges for people who install the package; `make lock`
# re-resolves them, `make test-latest` tests the lowest and the newest versions they allow.
LOCK := requirements.lock
LOCK_INPUTS := pyproject.toml requirements/build.in
UV_VERSION := 0.13.8
UV_DIR := .cache/uv
UV := $(UV_DIR)/bin/uv
# One resolution for every platform and Python >= 3.11. The lock's header keeps the uv command:
# Renovate (renovate.json) re-runs it to refresh the lock.
UV_COMPILE := UV_PYTHON_DOWNLOADS=never $(UV) pip compile $(LOCK_INPUTS) --extra dev --universal \
	--python-version 3.11 --quiet

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP) ## Create .venv from the lock file and install contract-gate into it

$(UV):
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/python -m pip install --quiet uv==$(UV_VERSION)

.PHONY: lock test-latest
lock: $(UV) ## Re-resolve pyproject's ranges to the newest versions into requirements.lock (hashes)
	$(UV_COMPILE) --upgrade --generate-hashes -o $(LOCK)

# Not part of `make test`: it resolves afresh from the registry, so its result changes with the
# day's releases. It shows drift before users meet it: a release inside a range that breaks us,
# or a lower bound that no longer installs or works.
LATEST_DIR := .cache/latest
test-latest: $(UV) test-deps ## pytest on the lowest and on the newest versions pyproject's ranges allow
	@failed=""; \
	for resolution in lowest-direct highest; do \
		venv=$(LATEST_DIR)/$$resolution; \
		echo "test-latest: $$resolution"; \
		rm -rf $$venv && $(PYTHON) -m venv $$venv && \
		$(UV_COMPILE) --resolution $$resolution --no-header -o $$venv/requirements.txt && \
		grep -E '^[a-z]' $$venv/requirements.txt | tr '\n' ' ' && echo && \
		$$venv/bin/python -m pip install --quiet -r $$venv/requirements.txt && \
		$$venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . && \
		$$venv/bin/pytest -q -n 2 --dist loadgroup -p no:cacheprovider \
			--deselect tests/test_lock.py::test_the_venv_holds_exactly_what_the_lock_pins \
		|| failed="$$failed $$resolution"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-latest: failed with:$$failed"; exit 1; fi; \
	echo "test-latest: passed with the lowest and the newest versions"

run: install ## Run the gate on samples/ (the passing estate; samples/legacy is excluded by config)
	$(BIN)/contract-gate check samples/

lint: install ## ruff, and import-linter's contracts (pyproject.toml: stages import downwards, no cycles)
	$(BIN)/ruff check contract_gate tests
	$(BIN)/lint-imports --no-cache

typecheck: install ## mypy --strict
	$(BIN)/mypy

pytest: install test-deps ## The whole pytest suite
	$(BIN)/pytest -q -n 2 --dist loadgroup

test: test-deps lint typecheck pytest ## ruff, mypy and the whole test suite

# Tools the tests run for real: Graphviz `dot`, Prometheus' `promtool` and Pushgateway, headless
# Chromium (all Debian), and a real Mermaid parser (npm, in .cache/node/). Each is installed only
# when missing, so a re-run costs nothing; nothing is fetched while the tests run.
NODE_DIR := .cache/node
NODE_STAMP := $(NODE_DIR)/.installed
# command:debian-package
APT_TEST_TOOLS := dot:graphviz promtool:prometheus prometheus-pushgateway:prometheus-pushgateway \
	chromium:chromium

$(NODE_STAMP): tests/package.json tests/package-lock.json
	mkdir -p $(NODE_DIR)
	cp tests/package.json tests/package-lock.json $(NODE_DIR)/
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error
	touch $@

test-deps: $(NODE_STAMP) ## Install the Debian tools the tests use (apt) and the npm Mermaid parser, when missing
	@missing=""; \
	for pair in $(APT_TEST_TOOLS); do \
		command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; \
	done; \
	fc-list 2>/dev/null | grep -q DejaVuSans || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		echo "test-deps: installing$$missing (apt, services neither started nor enabled)"; \
		bash tests/tools/apt-install.sh $$missing; \
	fi

schemas: install ## Regenerate schemas/ from the pydantic models
	$(BIN)/python -m contract_gate.outputs.schemas_gen schemas

.PHONY: golden
golden: install ## Regenerate tests/golden/ (every check format for samples/legacy); review the diff
	$(BIN)/python tests/golden_gen.py

corpus: install ## Check every spec of ../shared/corpus (JSON report to .corpus-report.json)
	$(BIN)/contract-gate check ../shared/corpus --format json -o .corpus-report.json; test $$? -le 1

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .cache/uv .cache/latest .mypy_cache .ruff_cache .pytest_cache .hypothesis

# Coverage-guided fuzzing of the loader with atheris (libFuzzer), seeded with the specs of samples/.
# atheris is installed into .venv only here, not with the dev tools. PyPI has wheels for CPython
# 3.11 on x86_64 Linux; where pip must build it from source it needs clang with libFuzzer, which
# Debian ships as `clang` and `libclang-rt-dev`: installed with apt-get only then, when missing.
# State lives in .hypothesis/fuzz/ (git-ignored, removed by `make clean`): the growing corpus in
# corpus/, inputs that crashed or hung in crashes/ (replay one: $(BIN)/python $(FUZZ_TARGET) FILE).
FUZZ_SECONDS ?= 60
FUZZ_DIR ?= .hypothesis/fuzz
FUZZ_TARGET := tests/fuzz/fuzz_loader.py
.PHONY: fuzz
fuzz: install ## Fuzz the loader with atheris for FUZZ_SECONDS (default 60); crashes in .hypothesis/fuzz/crashes
	@$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install --quiet atheris || { \
		command -v clang >/dev/null 2>&1 || bash tests/tools/apt-install.sh clang libclang-rt-dev; \
		CLANG_BIN="$$(command -v clang)" $(BIN)/python -m pip install --quiet --no-binary atheris atheris; }
	mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/crashes
	find samples -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -size -64k \
		-exec sh -c 'cp "$$1" "$(FUZZ_DIR)/corpus/seed-$$(echo "$$1" | tr / _)"' _ {} \;
	$(BIN)/python $(FUZZ_TARGET) $(FUZZ_DIR)/corpus -dict=tests/fuzz/yaml.dict \
		-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/crashes/

# A crash hunt in rapidyaml (C++: a crash kills the process): generated YAML in child processes,
# each crashing input shrunk and reported, both for rapidyaml itself and for the fast path that
# must send it to libyaml. Fails when the fast path crashed. Add each new family to
# CRASHING_INPUTS in tests/test_fastyaml.py. FUZZ_SEED repeats a run.
.PHONY: fuzz-rapidyaml
fuzz-rapidyaml: install ## Hunt rapidyaml crashes for FUZZ_SECONDS (default 60); fails if the fast path crashes
	$(BIN)/python tests/fuzz/ryml_campaign.py --seconds $(FUZZ_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

# The fast path against the reference path on generated specs with awkward names and references
# (tests/test_differential.py), with fresh randomness; `make test` runs a fixed sample of it.
DIFFERENTIAL_EXAMPLES ?= 5000
.PHONY: fuzz-differential
fuzz-differential: install ## Compare fast and reference paths on DIFFERENTIAL_EXAMPLES generated specs (default 5000)
	CONTRACT_GATE_FUZZ_HUNT=1 CONTRACT_GATE_DIFFERENTIAL_EXAMPLES=$(DIFFERENTIAL_EXAMPLES) \
		$(BIN)/pytest -q -p no:cacheprovider tests/test_differential.py

# An estate split into snapshots against the estate whole (tests/test_snapshot.py), on more
# generated estates than `make test` runs.
SNAPSHOT_EXAMPLES ?= 300
.PHONY: fuzz-snapshots
fuzz-snapshots: install ## Split generated estates into snapshots, SNAPSHOT_EXAMPLES of them (default 300)
	SNAPSHOT_EXAMPLES=$(SNAPSHOT_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider tests/test_snapshot.py \
		-k generated

# Benchmark against the peers (Redocly CLI, Spectral; pinned in bench/package-lock.json, installed
# into .bench/node/). Slow (about half an hour) and never part of `make test`. A peer npm cannot
# install is skipped with a message. Two workloads measure the result cache alone: cache-cost (the
# first run with an empty cache on 5,000 generated services, against --no-cache) and restored-cache
# (slice100 on a cache restored under a new HOME, as in CI). BENCH_RUNS etc.: see bench/run.py.
BENCH_NODE_DIR := .bench/node
BENCH_NODE_STAMP := $(BENCH_NODE_DIR)/.installed

$(BENCH_NODE_STAMP): bench/package.json bench/package-lock.json
	@mkdir -p $(BENCH_NODE_DIR)
	@cp bench/package.json bench/package-lock.json $(BENCH_NODE_DIR)/
	@if npm ci --prefix $(BENCH_NODE_DIR) --no-audit --no-fund --loglevel=error; then touch $@; \
	else echo "bench: npm could not install the peers; the bench runs without them"; fi

.PHONY: bench bench-estate
bench: install $(BENCH_NODE_STAMP) ## Benchmark contract-gate against Redocly and Spectral (slow; writes docs/benchmarks.md)
	$(BIN)/python bench/run.py

# The estate at scale alone (bench/scale.py: 1k, 5k and 20k generated services, cold, warm and
# the estate analysis, against the code before the scale work); rewrites only its section of
# docs/benchmarks.md. `make bench` runs it too. BENCH_SCALE_SIZES etc.: see bench/scale.py.
bench-estate: install ## Measure `check` on generated estates of 1k-20k services (rewrites its section of docs/benchmarks.md)
	$(BIN)/python bench/run.py --only estate
