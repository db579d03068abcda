# Two commands: `make run` serves the demo, `make test` runs the suite.
# Without DATABASE_URL both use the project's embedded PostgreSQL (a pinned wheel, data in
# var/postgres/, started on demand and stopped when the last process using it exits); without
# REDIS_URL Celery tasks run eagerly. With DATABASE_URL (an external PostgreSQL) and REDIS_URL
# set, the same commands use them and real Celery workers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist processes for `make test` (auto: one per core).
PYTEST_WORKERS ?= auto

.PHONY: run test test-worker lint format install install-dev migrate demo lock worker beat check clean messages js db-status db-stop

$(VENV)/.runtime: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
	  echo "Python 3.11 is needed ($(PYTHON) is $$($(PYTHON) --version 2>&1)): make run PYTHON=python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py load_demo

# Translations: .po files in locale/ compiled to .mo with Babel (no system gettext needed).
messages: install
	$(BIN)/pybabel compile --domain django --directory locale

# axe-core for the accessibility test, from package-lock.json; skipped (and so is that test) without npm.
js:
	@if command -v npm >/dev/null 2>&1; then \
	  test node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund --loglevel=error \
	    || echo "npm ci failed: the accessibility test will be skipped"; \
	else echo "npm not found: the accessibility test will be skipped"; fi

run: demo messages
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev messages js
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The tests that need a real Celery worker through Redis (REDIS_URL must be set).
test-worker: install-dev messages
	$(BIN)/pytest -m celery_worker $(PYTEST_ARGS)

# The embedded PostgreSQL (when DATABASE_URL is unset): its state, or stop it now.
db-status: install
	$(PY) -m config.embedded_postgres status

db-stop: install
	$(PY) -m config.embedded_postgres stop

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin after editing requirements*.in.
lock: install-dev
	$(PY) -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe -o requirements.lock requirements.in
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe -o requirements-dev.lock requirements-dev.in

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

check: install
	DJANGO_ENV=production DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=example.org $(PY) manage.py check --deploy --fail-level WARNING

# Removes the virtual environment and generated files; the embedded database's data too (var/).
clean:
	-test -x $(PY) && $(PY) -m config.embedded_postgres stop
	rm -rf $(VENV) var staticfiles
