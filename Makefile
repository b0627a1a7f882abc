# PhysioMassage Academy — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
TYPED := $(wildcard */services.py */selectors.py */services/*.py */selectors/*.py */gateway.py payments/webhooks.py)
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test` (0 runs everything in one process).
PYTEST_WORKERS ?= 2

# The first Python >= 3.12 found: $PYTHON, python3.13/3.12 on PATH, then pyenv's versions.
PYTHON ?= $(shell for c in python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

.PHONY: help messages seo run test install lint format check migrate demo worker beat e2e-browser media-tools clean bench bench-pages bench-rush bench-scale backup-drill deploy-check

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python >= 3.12 found. Install one (e.g. 'pyenv install 3.12' or 'apt-get install python3.12 python3.12-venv') or run 'make PYTHON=/path/to/python3.12 ...'." >&2; \
	  exit 1; fi
	@[ -x $(PY) ] || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install everything

run: export SITE_URL := $(or $(SITE_URL),http://$(HOST):$(PORT))
run: install media-tools ## Set up and serve the demo site on http://127.0.0.1:8000 (HOST=, PORT= to move it)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@$(PY) manage.py demo_credentials
	$(PY) manage.py runserver $(HOST):$(PORT)

# NO_TESTS_OK=1 (CI) accepts pytest's exit 5, "no tests ran", e.g. for a PYTEST_ARGS selection.
test: install e2e-browser media-tools ## Set up and run the whole test suite on 2 workers (SQLite, or DATABASE_URL)
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	status=0; $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || status=$$?; \
	if [ $$status = 5 ] && [ -n "$(NO_TESTS_OK)" ]; then echo "pytest ran no tests (exit 5)"; status=0; fi; \
	exit $$status

e2e-browser: ## Install Debian's Chromium for browser tests when it is missing
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing chromium for browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install chromium: browser tests will be skipped."; \
	  else echo "No /usr/bin/chromium and no root apt-get: browser tests will be skipped."; fi; \
	fi

media-tools: ## Install Debian's ffmpeg (HLS renditions of lesson videos) when it is missing
	@if command -v $${VIDEO_FFMPEG:-ffmpeg} >/dev/null; then \
	  echo "ffmpeg found: lesson videos get adaptive (HLS) renditions."; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing ffmpeg for adaptive streaming"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null) \
	    || echo "Could not install ffmpeg: videos play as progressive files and the transcoding tests are skipped."; \
	else echo "No ffmpeg and no root apt-get: videos play as progressive files (no HLS) and the transcoding tests are skipped."; fi

# The catalog of every user-facing string (our apps and templates; not the dev tools).
MESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=stripe_fake --ignore=demo --ignore=tools \
	--ignore=bench --ignore=deploy --ignore=node_modules --ignore=staticfiles --ignore=media \
	--ignore=test-artifacts --ignore=tmp --ignore=migrations
messages: install ## Refresh locale/en/LC_MESSAGES/django.po from the code and templates
	$(PY) manage.py makemessages --locale=en --no-obsolete --add-location=file $(MESSAGES_IGNORE)

lint: install ## Ruff lint and format check, mypy on services and selectors, the dependency rule
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)
	$(BIN)/lint-imports

format: install ## Format and fix imports
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: lint ## Lint, Django system checks and the migration check
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

migrate: install ## Apply migrations
	$(PY) manage.py migrate

demo: install ## Seed (or refresh) the demo content
	$(PY) manage.py seed_demo

worker: install ## Run a Celery worker (needs REDIS_URL)
	$(BIN)/celery -A config worker -l info

beat: install ## Run Celery beat (needs REDIS_URL)
	$(BIN)/celery -A config beat -l info

bench-rush: install ## Checkout rush: 300 buyers, 30 seats, two gunicorn instances (needs DATABASE_URL=postgres://... and REDIS_URL=redis://...)
	$(PY) bench/rush.py $(RUSH_ARGS)

SEO_URL ?= http://$(HOST):$(PORT)
seo: ## Lighthouse SEO scores of home, listing, workshop, library and lesson on a running demo (`make run`; needs npm)
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} tools/lighthouse/seo.sh $(SEO_URL)

bench: install ## Pages vs the Django floor (../shared/bench-floor, or BENCH_FLOOR=dir), wrk round-robin, a JSON line per page (needs PostgreSQL, Redis)
	$(PY) bench/run.py $(BENCH_ARGS)

bench-pages: bench ## Alias of `make bench`

bench-scale: install ## Seed issue 13's large data set, then ms and queries per page, admin list and export (needs PostgreSQL)
	$(PY) bench/scale.py $(SCALE_ARGS)

clean: ## Remove the virtualenv, the SQLite database and test artefacts
	rm -rf $(VENV) db.sqlite3 tmp test-artifacts staticfiles

backup-drill: ## Back up DATABASE_URL, restore it into a new database and compare orders, registrations, grants
	@[ -n "$$DATABASE_URL" ] || { echo "Set DATABASE_URL to the PostgreSQL database to drill." >&2; exit 2; }
	deploy/restore_drill.sh

deploy-check: install ## As root on Debian: nginx + 2 gunicorn + Celery worker/beat on a fresh database, driven end to end (deploy/README.md)
	$(PY) deploy/check.py $(DEPLOY_CHECK_ARGS)
