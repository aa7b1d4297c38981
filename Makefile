# segweb: make run (the product, embedded defaults) and make test (the suite).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# Settings for local commands; real deployments set their own (see .env.example).
export DEBUG ?= 1
export SECRET_KEY ?= insecure-local-development-key

.PHONY: install run test bench lint fmt worker beat demo clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || "$$(scripts/find_python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

run: install
	@bash scripts/run.sh

test: install
	DEBUG=0 ALLOWED_HOSTS=localhost,testserver,127.0.0.1 $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m benchmarks $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A segweb worker --loglevel=INFO

beat: install
	$(BIN)/celery -A segweb beat --loglevel=INFO

clean:
	rm -rf var/segweb.sqlite3* var/broker var/staticfiles var/uploads
