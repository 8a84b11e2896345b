# Two commands do all set-up on a fresh machine: `make run` and `make test`.
# Every setting below can be overridden on the command line or in the environment;
# docs/orchestration.md#settings lists them.

SHELL := /bin/bash
PYTHON_BIN ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)

RAW_DIR ?=
AS_OF ?=
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: help venv browser run backfill demo-data lint test test-fast test-python dev docs dashboard dashboard-screenshots bench \
	spark-run spark-check clean

help:
	@echo "make run   [RAW_DIR=/path/to/raw] [AS_OF=YYYY-MM-DD]  refresh the warehouse through Dagster"
	@echo "make test                                           every test tier, with its wall time (lint, unit, slow, browser, spark)"
	@echo "make test-fast                                      after editing a model (< 3 min): ruff, sqlfluff on changed SQL, unit tests"
	@echo "make backfill FROM=YYYY-MM-DD TO=YYYY-MM-DD [PER_DAY=1]  refresh a range of days (one run, or one per day)"
	@echo "make dev                                            open the Dagster UI (dagster dev)"
	@echo "make docs [DOCS_PORT=8080]                          build and serve the dbt docs site (lineage, metrics, exposures)"
	@echo "make dashboard [DASHBOARD_PORT=8501]                serve the BI dashboard on the published marts (make run first if none)"
	@echo "make dashboard-screenshots                          check every dashboard page in headless Chromium, save docs/screenshots/"
	@echo "make demo-data [PERSONS=4000 DAYS=90 SEED=42]       (re)generate the demo raw data set"
	@echo "make bench [SCALE=1m|10m|100m]                       benchmark: full + one-day incremental refresh, per step"
	@echo "make spark-run [RAW_DIR=...] [AS_OF=...]            build the whole project on Spark (local; see Scaling out)"
	@echo "make spark-check                                    build a small data set on DuckDB and Spark, compare the marts"
	@echo "make clean                                          remove the warehouse, demo data and build output"

# The virtual environment is built from the lock file only; it is rebuilt when the lock changes.
$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check 'uv==0.13.9' 2>/dev/null || $(PY) -m pip install 'uv==0.13.9'
	@$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	@$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	@touch $@

venv: $(VENV)/.installed

# The dashboard's end-to-end test drives Debian's Chromium (no browser download); CJK fonts draw the Chinese labels.
CHROMIUM_PATH ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM_PATH) -a -d /usr/share/fonts/opentype/noto || { \
	  echo "== installing Debian's chromium and fonts-noto-cjk (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "run as root: apt-get install chromium fonts-noto-cjk (or set CHROMIUM_PATH)"; exit 2; fi; }

run: venv
	@$(PY) -m orchestration.run $(if $(RAW_DIR),--raw-dir "$(RAW_DIR)") $(if $(AS_OF),--as-of "$(AS_OF)") $(if $(FULL_REFRESH),--full-refresh)

backfill: venv
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make backfill FROM=YYYY-MM-DD TO=YYYY-MM-DD [PER_DAY=1]"; exit 2; }
	@$(PY) -m orchestration.backfill --from "$(FROM)" --to "$(TO)" $(if $(PER_DAY),--per-day) $(if $(RAW_DIR),--raw-dir "$(RAW_DIR)")

demo-data: venv
	@$(PY) -m orchestration.demo_data --out data/demo $(if $(PERSONS),--persons $(PERSONS)) $(if $(DAYS),--days $(DAYS)) $(if $(SEED),--seed $(SEED))

lint: venv
	@echo "== ruff (Python) and sqlfluff (dbt templater on an in-memory target)"
	@$(VENV)/bin/ruff check .
	@PII_HASH_SALT=lint $(VENV)/bin/sqlfluff lint models tests --processes 2

# Test tiers (orchestration/test_tiers.py): python lint, sql lint, unit (no refresh: pure Python and every dbt
# unit test on an empty build), slow (end-to-end refreshes), browser, spark; each tier's wall time is printed last.
test: venv browser
	@$(PY) -m orchestration.test_tiers full

test-fast: venv
	@$(PY) -m orchestration.test_tiers fast

# pytest alone, any selection: make test-python PYTEST_ARGS='-m "not slow" -k funnel'
test-python: venv browser
	@$(PY) -m pytest -q $(PYTEST_ARGS)

dev: venv
	@mkdir -p .dagster_home && cp orchestration/dagster.yaml .dagster_home/dagster.yaml
	@DAGSTER_HOME=$(CURDIR)/.dagster_home $(VENV)/bin/dagster dev

# dbt docs generate (catalog from WAREHOUSE_PATH; an empty catalog, said so, when it is missing or locked by a
# refresh) into target/docs, then dbt docs serve on 127.0.0.1 (DOCS_HOST=0.0.0.0 to share it). Same settings
# and PII_HASH_SALT as a refresh: orchestration/docs_site.py.
DOCS_PORT ?= 8080
DOCS_HOST ?= 127.0.0.1
docs: venv
	@$(PY) -m orchestration.docs_site --port $(DOCS_PORT) --host $(DOCS_HOST)

# The Streamlit dashboard on PUBLISHED_PATH (docs/dashboard.md); a first `make run` publishes the demo marts.
dashboard: venv
	@$(PY) -m dashboard --check 2>/dev/null || $(MAKE) --no-print-directory run
	@$(PY) -m dashboard

dashboard-screenshots: venv browser
	@$(PY) -m dashboard --check 2>/dev/null || $(MAKE) --no-print-directory run
	@$(PY) -m dashboard.browser_check --lang en zh --screenshots docs/screenshots

SCALE ?= 1m
bench: venv
	@$(PY) -m orchestration.benchmark --scale $(SCALE)

# Spark (the `spark` dbt target, local pyspark): ingest, dbt build in three parts, the Python steps, in one process.
spark-run: venv
	@$(if $(RAW_DIR),,test -d data/demo/raw || $(MAKE) --no-print-directory demo-data)
	@DBT_TARGET=spark $(PY) -m orchestration.spark_build --raw-dir "$(or $(RAW_DIR),data/demo/raw)" $(if $(AS_OF),--as-of "$(AS_OF)")

# The DuckDB/Spark parity test alone (also the spark tier of `make test`).
spark-check: venv
	@$(PY) -m pytest -q -m spark orchestration/tests/test_spark_parity.py

clean:
	rm -rf warehouse data target logs .dagster_home
