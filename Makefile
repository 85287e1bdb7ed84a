# 舒畅 — `make help` lists the targets.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/shuchang
# make run serves here; `make run PORT=8001` if 8000 is taken.
HOST ?= 127.0.0.1
PORT ?= 8000
# make test uses PostgreSQL when it answers, SQLite otherwise (tests needing PostgreSQL then skip, saying so).
TEST_DB := $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo $(PG_URL))
# An empty DATABASE_URL is not "unset" to the settings: without PostgreSQL, remove it from the environment.
WITH_TEST_DB := $(if $(TEST_DB),DATABASE_URL=$(TEST_DB),env -u DATABASE_URL)

.PHONY: help install run test e2e lint format migrate demo worker clean bench-opening bench-backup bench-reports

help: ## this list
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(BIN)/activate: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(BIN)/activate

install: $(BIN)/activate ## create .venv and install the pinned dependencies

migrate: install ## apply migrations and role definitions to the configured database
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sync_roles

demo: migrate ## load the demo data set (only into an empty database)
	$(BIN)/python manage.py load_demo_data

run: demo ## the one-machine run: SQLite, file-based task queue, demo data, http://127.0.0.1:8000
	@echo "舒畅 is starting at http://$(HOST):$(PORT) — demo accounts are in README.md"
	$(BIN)/celery -A shuchang worker --beat --pool=solo --loglevel=warning & \
	  worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install ## the whole gate: lint, migrations check, unit, concurrency, browser tests, benchmark smoke runs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u DATABASE_URL $(BIN)/python manage.py makemigrations --check --dry-run
	@if [ -n "$(TEST_DB)" ]; then echo "== tests on PostgreSQL"; else echo "== PostgreSQL not reachable: tests on SQLite, PostgreSQL-only tests skip"; fi
	$(WITH_TEST_DB) $(BIN)/pytest -p no:cacheprovider -n 2 --durations=15

e2e: install ## only the browser tests (Debian's Chromium via Playwright), on the same database as make test
	$(WITH_TEST_DB) $(BIN)/pytest -p no:cacheprovider -m e2e tests/e2e

clean: ## remove the local database, media and task queue files
	rm -rf var

bench-backup: install ## backup / verify / restore times: demo data + 1M log rows on PostgreSQL (BENCH_LOG_ROWS=…)
	psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS shuchang_bench_backup" -c "CREATE DATABASE shuchang_bench_backup"
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/shuchang_bench_backup SHUCHANG_VAR_DIR=$(CURDIR)/var/bench-backup \
	  sh -c '$(BIN)/python manage.py migrate -v0 && $(BIN)/python manage.py sync_roles -v0 >/dev/null && \
	         $(BIN)/python manage.py bench_backup --log-rows $${BENCH_LOG_ROWS:-1000000}'
	psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS shuchang_bench_backup"

bench-reports: install ## 收费报表基准：1M payments with receipts on PostgreSQL (BENCH_REPORT_ROWS=…)
	psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS shuchang_bench_reports" -c "CREATE DATABASE shuchang_bench_reports"
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/shuchang_bench_reports $(BIN)/python manage.py migrate -v0
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/shuchang_bench_reports $(BIN)/python manage.py bench_reports --rows $${BENCH_REPORT_ROWS:-1000000}
	psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS shuchang_bench_reports"

bench-opening: install ## the opening-rush benchmark, full size: gunicorn on PostgreSQL + Redis (docs/opening-benchmark.md)
	$(BIN)/python tests/bench/bench_opening.py
