# Two commands: `make run` serves the app, `make test` runs every test. Both set everything up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8050
WEB_CONCURRENCY ?= 2

.PHONY: run serve test lint data db assets bench soak clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Builds (or refreshes) the database from the bundled data in data/; skips what is already loaded.
db: $(VENV)/.installed
	$(PY) -m etl refresh --if-stale

# Brotli 11 and gzip copies of every static file the app serves (artifacts/static-build); only changed files are
# compressed again. Without it the app serves the plain files.
assets: $(VENV)/.installed
	$(PY) tools/precompress.py --quiet

run: db assets
	$(PY) -m dashboard --host $(HOST) --port $(PORT)

# Production-style: several gunicorn workers over the same database.
serve: db assets
	$(VENV)/bin/gunicorn --workers $(WEB_CONCURRENCY) --bind $(HOST):$(PORT) "dashboard.app:create_server()"

# Database and unit tests run on two processes; browser tests share one server port, so they run after.
test: $(VENV)/.installed-dev assets
	$(PY) -m ruff check .
	$(PY) -m pytest -m "not browser" -n 2 -q
	$(PY) -m pytest -m browser -q

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .

# Re-derives the committed extracts in data/ from the raw files in ../shared/data.
data: $(VENV)/.installed
	$(PY) -m etl extract

bench: $(VENV)/.installed-dev assets
	$(PY) bench/etl.py
	$(PY) bench/dashboard.py
	$(PY) bench/exports.py

# Fault injection: SIGKILLs mid-load and concurrent loads on SQLite and PostgreSQL (TEST_POSTGRES_URL), the load
# run (tools/loadtest.py: 50 locust users for 2 minutes against gunicorn on PostgreSQL with Redis, an analyst's
# load midway), then the fuzzers with many more examples; prints a summary table (figures lost, errors and stale
# answers must be 0).
soak: $(VENV)/.installed-dev
	$(PY) tools/soak.py
	HYPOTHESIS_PROFILE=soak $(PY) -m pytest tests/hostile/test_fuzz.py -q

clean:
	rm -rf $(VENV) data/atlas.sqlite data/atlas.sqlite-* artifacts
