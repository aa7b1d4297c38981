# segweb: make run (the product, embedded defaults) and make test (the suite).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# Settings for local commands; real deployments set their own (see .env.example).
export DEBUG ?= 1
export SECRET_KEY ?= insecure-local-development-key

.PHONY: install requirements run test test-faults bench lint fmt worker beat demo clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || { echo "==> Creating $(VENV)"; "$$(scripts/find_python.sh)" -m venv $(VENV); }
	@echo "==> Installing the pinned requirements into $(VENV) (with uv; pip if uv fails)"
	@$(PY) -m pip install --quiet --disable-pip-version-check "$$(grep '^uv==' requirements-dev.txt)"
	@# Bytecode compiled once, here: where PYTHONDONTWRITEBYTECODE is set, every process would
	@# otherwise compile its ~2,500 modules again (seconds per manage.py command).
	@$(BIN)/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements-dev.txt \
		|| $(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@# The checkout on the venv's path: pytest loads tests.postgres_plugin before anything else.
	@$(PY) -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_path("purelib"), "segweb-checkout.pth").write_text(str(pathlib.Path.cwd()) + "\n")'
	@touch $(STAMP)

# Re-pin requirements*.txt from the short lists in requirements*.in (existing pins are kept
# where they still fit; add --upgrade to UV_ARGS to move everything to the latest releases).
requirements: install
	$(BIN)/uv pip compile --quiet --no-header --python-version 3.12 $(UV_ARGS) requirements.in -o requirements.txt
	sed -i '1i # Generated from requirements.in by `make requirements` (uv pip compile); do not edit by hand.' requirements.txt
	$(BIN)/uv pip compile --quiet --no-header --python-version 3.12 $(UV_ARGS) requirements-dev.in -o requirements-dev.txt
	sed -i '1i # Generated from requirements-dev.in by `make requirements` (uv pip compile); do not edit by hand.\n-r requirements.txt' requirements-dev.txt

run: install
	@bash scripts/run.sh

# The fault cases (test-faults) take minutes and restart Redis and PostgreSQL: not here.
test: install
	DEBUG=0 HTTPS=0 ALLOWED_HOSTS=localhost,testserver,127.0.0.1 $(BIN)/pytest -m "not faults" $(PYTEST_ARGS)

# Real workers killed with SIGKILL in every stage, Redis and PostgreSQL restarted, load on a real
# gunicorn (about 7 minutes on 2 cores; needs REDIS_URL; restarts the servers it names: CI runs it).
# SEGWEB_WRITE_RELIABILITY=1 writes the results into docs/reliability.md.
test-faults: install
	DEBUG=0 HTTPS=0 ALLOWED_HOSTS=localhost,testserver,127.0.0.1 $(BIN)/pytest -m faults tests/test_faults.py $(PYTEST_ARGS)

# SCALE=N: the scale benchmark of N customers (benchmarks/scale.py; BENCH_FILE=... uses an
# existing export); the table is appended to benchmarks/RESULTS.md.
bench: install
	$(PY) -m benchmarks $(if $(SCALE),--scale $(SCALE)) $(BENCH_ARGS)

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

# Removes everything make run made, the embedded database included.
clean:
	@test ! -d var/postgres || $(PY) -m segweb.local_postgres stop var/postgres
	rm -rf var/postgres var/broker var/staticfiles var/uploads
