"""A real Celery worker on Redis renders 20 reports; killed with SIGKILL mid-render, a new one finishes them.

Every report must end ready exactly once: none failed, none rendered twice into a second file. The
worker is a separate process, so the data lives in a file SQLite database both processes can open,
set up and queued through manage.py exactly as production would (DATABASE_URL, CELERY_BROKER_URL).
"""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.conftest import BROKER_URL

REPORTS = 20
QUEUE = "reports"
ROOT = Path(settings.BASE_DIR)

QUEUE_REPORTS = f"""
from assessment.models import Assessment
from reports.services import request_report
assessment = Assessment.objects.get(organisation__name="Acme Robotics", period="FY2026")
for _ in range({REPORTS}):
    request_report(assessment=assessment)
"""


def run(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    # Its own process group, so that SIGKILL reaches the pool's child as well as the main process.
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "reports,default", "--concurrency", "1",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def kill(worker: subprocess.Popen | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    worker.wait(timeout=10)


def statuses(database: Path) -> list[tuple[int, str, int, str]]:
    with sqlite3.connect(database, timeout=10) as connection:
        return connection.execute("SELECT id, status, attempts, pdf FROM reports_report ORDER BY id").fetchall()


def rendering_for(database: Path, seconds: float) -> bool:
    """A report has been rendering for a while: long enough to be killed before it finishes."""
    with sqlite3.connect(database, timeout=10) as connection:
        started = connection.execute("SELECT started_at FROM reports_report WHERE status = 'rendering'").fetchall()
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return any(now - datetime.datetime.fromisoformat(s) > datetime.timedelta(seconds=seconds) for (s,) in started)


def wait_for(condition, *, timeout: float, what: str, database: Path, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition(statuses(database)):
            return
        time.sleep(0.2)
    pytest.fail(f"Timed out waiting for {what}: {statuses(database)}\n{log.read_text()[-3000:]}")


@pytest.mark.integration
def test_twenty_reports_end_ready_exactly_once_when_the_worker_is_killed_mid_render(tmp_path):
    database, media, log = tmp_path / "db.sqlite3", tmp_path / "media", tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "CELERY_BROKER_URL": BROKER_URL,
        # An unacknowledged task of a dead worker is handed out again after this many seconds.
        "CELERY_VISIBILITY_TIMEOUT": "8",
        "MEDIA_ROOT": str(media),
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": "localhost",
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    broker = redis.Redis.from_url(BROKER_URL)
    # One run at a time on the shared test broker (another engineer's suite may run this too), and
    # only our queue is cleared: nothing else in the broker's database is touched.
    with broker.lock("waypoint:test:report-worker", timeout=900, blocking_timeout=900):
        broker.delete(QUEUE)
        workers: list[subprocess.Popen] = []
        try:
            run(env, "migrate", "--noinput")
            run(env, "seed_demo")
            run(env, "shell", "-c", QUEUE_REPORTS)
            assert [s for _, s, _, _ in statuses(database)] == ["queued"] * REPORTS

            workers.append(start_worker(env, log))
            # Let a few finish, then kill the worker while it renders the next one.
            wait_for(
                lambda rows: sum(s == "ready" for _, s, _, _ in rows) >= 2 and rendering_for(database, 0.3),
                timeout=120,
                what="two reports ready and one rendering",
                database=database,
                log=log,
            )
            kill(workers[0])
            interrupted = [report_id for report_id, s, _, _ in statuses(database) if s == "rendering"]
            assert len(interrupted) == 1

            workers.append(start_worker(env, log))
            wait_for(
                lambda rows: all(s in ("ready", "failed") for _, s, _, _ in rows),
                timeout=240,
                what="every report to finish",
                database=database,
                log=log,
            )
        finally:
            for worker in workers:
                kill(worker)
            broker.delete(QUEUE)

    rows = statuses(database)
    assert [s for _, s, _, _ in rows] == ["ready"] * REPORTS
    attempts = {report_id: n for report_id, _, n, _ in rows}
    assert attempts[interrupted[0]] == 2
    assert sum(attempts.values()) == REPORTS + 1
    # One file per report, each the one its row names: no duplicate render left behind.
    files = sorted(p.relative_to(media).as_posix() for p in media.rglob("*.pdf"))
    assert files == sorted(pdf for _, _, _, pdf in rows)
    assert len(set(files)) == REPORTS
