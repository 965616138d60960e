# Shopwright: `make run` serves the platform with the demo store; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHOPWRIGHT := $(BIN)/shopwright

.PHONY: run test lint typecheck pytest migrate demo clean browsers bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"

# Runtime dependencies, installed exactly from the hashed lock file.
$(VENV)/.installed-base: requirements/base.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Development and test dependencies (a superset of the runtime ones).
$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(VENV)/.installed-base $@

migrate: $(VENV)/.installed-base
	$(SHOPWRIGHT) migrate --noinput -v0
	$(SHOPWRIGHT) createcachetable

demo: migrate
	$(SHOPWRIGHT) demo

run: demo
	@echo "Starting Shopwright: web server on http://localhost:8000 and a job consumer (Ctrl-C stops both)."
	$(SHOPWRIGHT) serve --bind 127.0.0.1:8000

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy shopwright

pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# Storefront throughput (bench/README.md): 1 store of 60 products on PostgreSQL, Redis cache.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shopwright_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/5
BENCH_ARGS ?=
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/make_data.py --database-url $(BENCH_DATABASE_URL) --fresh --stores 1 --products 60 \
		--var-dir var/bench --manifest var/bench/manifest.json
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) SHOPWRIGHT_VAR_DIR=var/bench \
		$(BIN)/python bench/storefront.py --serve --manifest var/bench/manifest.json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
