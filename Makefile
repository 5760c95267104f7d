# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench loadtest install clean screenshots

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## make run: set up, migrate, seed the demo, serve on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## make test: set up and run the whole suite (PostgreSQL when DATABASE_URL is set)
test: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .

## make bench [SCALE=small|medium|large] [SCALING=1] [DATABASE=citus]: figures on a throwaway PostgreSQL database
## (DATABASE=citus: the same figures on the three-node Citus cluster too, beside PostgreSQL)
SCALE ?= medium
SCALING ?=
DATABASE ?= postgresql
bench: $(STAMP)
	$(BIN)/python bench/run.py --scale $(SCALE) --scaling "$(SCALING)" --database $(DATABASE)

## make loadtest [LOADTEST_SECONDS=60] [LOADTEST_USERS=6]: locust against gunicorn + PostgreSQL (ordinary role, RLS) + a worker
LOADTEST_SECONDS ?= 60
LOADTEST_USERS ?= 6
loadtest: $(STAMP)
	$(BIN)/python bench/loadtest/run.py --seconds $(LOADTEST_SECONDS) --users $(LOADTEST_USERS)

## make screenshots: the README's pictures (docs/screenshots/), taken by the dashboard's browser test
screenshots: $(STAMP)
	SAVE_README_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/browser/test_dashboards.py -k sign_up

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles
