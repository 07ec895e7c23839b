# Waypoint: `make run` serves the demo on http://127.0.0.1:8000 (`make run PORT=8001` elsewhere), `make test`
# runs every test.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
PORT ?= 8000
# Every link the demo prints or emails (survey links, sign-in, password reset) follows PORT.
DEV := DEBUG=1 SITE_URL=$(or $(SITE_URL),http://127.0.0.1:$(PORT))

.PHONY: run test setup migrate demo worker beat lint format bench clean backup restore

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

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

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

# Backup and restore (README: "Backup and restore"). `make backup` writes
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

# Benchmarks (run by hand; figures in the README). BENCH_DATABASE_URL names a PostgreSQL database to use.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/waypoint_bench
bench: setup
	$(DEV) $(PY) bench/scoring.py
	$(DEV) $(PY) bench/scoring.py --database-url $(BENCH_DATABASE_URL)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles artifacts
