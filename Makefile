# Waypoint: `make run` serves the demo on http://127.0.0.1:8000 (`make run PORT=8001` elsewhere), `make test`
# runs every test.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
PORT ?= 8000
# Every link the demo prints or emails (survey links, sign-in, password reset) follows PORT.
DEV := DEBUG=1 SITE_URL=$(or $(SITE_URL),http://127.0.0.1:$(PORT))

.PHONY: run test setup migrate demo worker beat lint format bench bench-instructions clean backup restore

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(DEV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV) $(PY) manage.py seed_demo
	$(DEV) $(PY) manage.py seed_demo_invitations

run: demo
	$(DEV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The suite on TEST_WORKERS processes (pytest-xdist; each its own test database, e.g. test_waypoint_gw0
# on PostgreSQL); the integration and browser tests are dealt out to them by module, each module on one
# worker (tests/conftest.py).
# TEST_WORKERS=0 runs it in this one process. PYTEST_ARGS are passed on (e.g. -m "not browser").
TEST_WORKERS ?= 2
test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# A Celery worker for the queued work (PDF reports on their own queue); needs a broker, e.g.
# CELERY_BROKER_URL=redis://127.0.0.1:6379/0 make worker (and the same variable for make run).
worker: setup
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL: without a broker, tasks run in the web process."; exit 1; }
	DEBUG=$${DEBUG:-1} $(PY) -m celery -A config worker --queues reports,default --concurrency 2 --loglevel INFO

# Celery beat: puts the scheduled work (CELERY_BEAT_SCHEDULE: reminders each morning, hourly
# clean-up, the outbox sweep each minute) on the broker for the worker; run one beat per deployment,
# with the same CELERY_BROKER_URL.
beat: setup
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL: beat hands its work to a worker through the broker."; exit 1; }
	DEBUG=$${DEBUG:-1} $(PY) -m celery -A config beat --schedule celerybeat-schedule --loglevel INFO

# Backup and restore (docs/operations.md). `make backup` writes
# backups/waypoint-backup-<date>.tar.gz (or BACKUP=path); `make restore BACKUP=path` restores one into
# the empty database of DATABASE_URL and MEDIA_ROOT (FORCE=1 replaces what is there).
backup: setup
	DEBUG=$${DEBUG:-1} $(PY) manage.py backup -o "$(or $(BACKUP),backups/)"

restore: setup
	@test -n "$(BACKUP)" || { echo "Name the archive: make restore BACKUP=backups/waypoint-backup-<date>.tar.gz"; exit 1; }
	DEBUG=$${DEBUG:-1} $(PY) manage.py restore "$(BACKUP)" $(if $(FORCE),--force)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV) $(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Benchmarks (run by hand; figures in docs/performance.md). Each script in BENCHES runs in turn, the
# load average printed before it; a script that takes --database-url gets BENCH_DATABASE_URL (a
# PostgreSQL database it drops and recreates), the others use a throwaway SQLite file. A script not
# written yet is skipped with a message; one that fails is named at the end, and make fails.
# `make bench-instructions` counts a PDF render's CPU instructions (needs valgrind; about 3 minutes).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/waypoint_bench
BENCHES := bench/scoring.py bench/history.py bench/portfolio.py bench/invitations.py bench/survey_load.py bench/reports.py
LOADAVG := $(PY) -c 'import os; print("load average: %.2f %.2f %.2f" % os.getloadavg())'
bench: setup
	@failed=""; for script in $(BENCHES); do \
	  printf '\n=== %s ===\n' "$$script"; \
	  if [ ! -f "$$script" ]; then echo "skipped: $$script is not there yet"; continue; fi; \
	  $(LOADAVG); \
	  if grep -q -e '--database-url' "$$script"; then \
	    $(DEV) $(PY) "$$script" --database-url "$(BENCH_DATABASE_URL)" || failed="$$failed $$script"; \
	  else \
	    $(DEV) $(PY) "$$script" || failed="$$failed $$script"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

bench-instructions: setup
	@$(LOADAVG)
	$(DEV) $(PY) bench/render_instructions.py

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles artifacts
