# outfield: two commands for a newcomer.
#   make demo   set up, build the demo warehouse, run the churn list for yesterday, start Airflow on :8080
#   make test   set up and run the whole test suite (what CI runs)
# Everything generated stays inside the checkout (.venv, .airflow, data/) and is git-ignored.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8

export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__PARALLELISM ?= 4
export AIRFLOW__CORE__DEFAULT_TIMEZONE ?= Asia/Shanghai
export AIRFLOW__SCHEDULER__PARSING_PROCESSES ?= 1
export OUTFIELD_DATA_DIR ?= $(CURDIR)/data
export PYTHONPATH := $(CURDIR)/plugins:$(CURDIR)
export AIRFLOW_CONN_WAREHOUSE ?= {"conn_type": "duckdb", "host": "$(OUTFIELD_DATA_DIR)/warehouse.duckdb"}

.PHONY: help setup setup-dev demo test lint lock bench clean

help:
	@echo "make demo   build the demo warehouse, run the churn list for yesterday, start Airflow on http://localhost:8080"
	@echo "make test   run the whole test suite (CI runs exactly this)"
	@echo "make lint   ruff (incl. the AIR rules) over dags/, plugins/, tests/"
	@echo "make bench  benchmark the pipelines' SQL against a pandas baseline (SCALES=S,M,L)"
	@echo "make lock   re-pin requirements.txt / requirements-dev.txt from the .in files"

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/uv
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt | $(BIN)/uv
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime-installed
setup-dev: $(VENV)/.runtime-installed $(VENV)/.dev-installed

demo: setup
	@bash scripts/demo.sh

test: setup-dev
	$(BIN)/ruff check dags plugins tests $(wildcard benchmarks)
	$(BIN)/ruff check --preview --select AIR dags plugins
	$(BIN)/python -m pytest

lint: setup-dev
	$(BIN)/ruff check dags plugins tests $(wildcard benchmarks)
	$(BIN)/ruff check --preview --select AIR dags plugins

lock: | $(BIN)/uv
	$(BIN)/uv pip compile -q requirements.in --python-version 3.11 -o requirements.txt
	$(BIN)/uv pip compile -q requirements-dev.in --python-version 3.11 -o requirements-dev.txt

SCALES ?= S,M
bench: setup
	$(BIN)/python -m benchmarks.run --scales $(SCALES) $(BENCH_ARGS)

clean:
	rm -rf .airflow data logs .pytest_cache .ruff_cache
