# Two commands: `make run` serves the demo, `make test` runs the suite.
# With DATABASE_URL and REDIS_URL set, both use PostgreSQL and real Celery workers instead
# of the embedded default (SQLite, tasks run eagerly).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install install-dev migrate demo lock worker beat check clean messages js

$(VENV)/.runtime: requirements.lock
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
	$(BIN)/pytest $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
