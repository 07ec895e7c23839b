"""The broker stops: every request that queues work still answers at once, stores its rows and shows
them queued. The broker starts again: the sweep hands the waiting work to a real Celery worker, and
each email goes once and each report is rendered once.

A private redis-server on a free port is the broker, so stopping it touches nobody else's. The app
runs in manage.py processes with DEBUG=0 on a file SQLite database the worker shares; requests go
through Django's test client in that process, so each publish really hits the dead port.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from tests.integration.test_report_worker import kill, run, start_worker
from tests.outbox.conftest import ACCEPTED

ROOT = Path(settings.BASE_DIR)
QUICK = 3.0

QUEUE_EVERYTHING = """
import json, time
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from assessment import services
from assessment.models import Assessment
from surveys import services as survey_services

consultant = get_user_model().objects.get(username="consultant")
reported = Assessment.objects.get(organisation__name="Acme Robotics", period="FY2026")
acme = reported.organisation
invited_to = services.open_assessment(assessment=services.create_assessment(
    organisation=acme, period="FY2027", rubric_version=reported.rubric_version, created_by=consultant))
api = APIClient()
api.force_authenticate(consultant)
page = Client()
# Signed in with password and code, as a consultant must be (tests/two_factor.py).
from tests.two_factor import verified_force_login
verified_force_login(page, consultant)
answers = {}
# Warm up (the first request imports the PDF renderer and more): what is timed is the broker's cost.
import organisations.tasks, reports.tasks, surveys.tasks
api.get(f"/api/v1/reports/?assessment={reported.pk}")
page.get(reverse("reports:assessment-reports", args=[reported.pk]))

def timed(name, send):
    started = time.monotonic()
    answer = send()
    answers[name] = [answer.status_code, round(time.monotonic() - started, 2)]
    return answer

report = timed("report (API)", lambda: api.post(f"/api/v1/assessments/{reported.pk}/reports/")).json()
timed("report (page)", lambda: page.post(reverse("reports:assessment-reports", args=[reported.pk])))
ann = timed("invite (API)", lambda: api.post(
    "/api/v1/invitations/", {"assessment": invited_to.pk, "email": "ann@example.com", "group": "reps"})).json()
timed("resend (API)", lambda: api.post(f"/api/v1/invitations/{ann['id']}/resend/"))
timed("upload (API)", lambda: api.post("/api/v1/invitations/upload/", {
    "assessment": invited_to.pk, "csv": "bob@example.com,Bob,reps\\ncy@example.com,Cy,managers\\n"}))
timed("invite (page)", lambda: page.post(reverse("surveys:invite", args=[invited_to.pk]),
    {"email": "dee@example.com", "name": "Dee", "group": "reps"}))
timed("list (page)", lambda: page.post(reverse("surveys:invite-list", args=[invited_to.pk]),
    {"csv_text": "eve@example.com,Eve,marketing\\n"}))
timed("member invitation (API)", lambda: api.post(
    f"/api/v1/organisations/{acme.pk}/members/", {"email": "hr@example.com", "role": "viewer"}))
timed("sign-up (page)", lambda: Client().post(reverse("surveys:sign-up"), {
    "name": "Dana Scully", "email": "dana@example.com", "password": "a-long-and-unusual-passphrase",
    "company": "Initech"}))
reminded = survey_services.send_reminders(now=timezone.now() + timedelta(days=4))
listed = api.get("/api/v1/invitations/", {"assessment": invited_to.pk}).json()["results"]
members = api.get(f"/api/v1/organisations/{acme.pk}/invitations/").json()["results"]
print("RESULT " + json.dumps({
    "answers": answers,
    "report_status": report["status"],
    "reminded": len(reminded),
    "email_states": {i["email"]: i["email_state"] for i in listed},
    "members": [[m["email"], m["status"]] for m in members],
    "invitations_page": page.get(reverse("surveys:invitations", args=[invited_to.pk])).content.decode(),
}))
"""

SWEEP = "from outbox.tasks import sweep_outbox_task; print('HANDED', sweep_outbox_task())"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_broker(port: int, directory: Path) -> subprocess.Popen:
    broker = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return broker
        time.sleep(0.1)
    broker.kill()
    pytest.fail("redis-server did not start")


def stop_broker(broker: subprocess.Popen) -> None:
    if broker.poll() is None:
        broker.terminate()
        broker.wait(timeout=10)


def rows(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(database, timeout=10) as connection:
        return connection.execute(sql).fetchall()


def emails_sent(mail_dir: Path) -> Counter:
    """Messages per recipient, from the file backend's files (one message or more per file)."""
    found: Counter = Counter()
    for path in mail_dir.glob("*"):
        found.update(re.findall(r"^To: (\S+)$", path.read_text(), flags=re.MULTILINE))
    return found


def sweep(env: dict[str, str]) -> int:
    return int(run(env, "shell", "-c", SWEEP).split("HANDED", 1)[1].split()[0])


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server to start a private broker")
def test_with_the_broker_stopped_nothing_fails_and_each_item_is_done_once_when_it_is_back(tmp_path):
    database, media, mail_dir, log = tmp_path / "db.sqlite3", tmp_path / "media", tmp_path / "mail", tmp_path / "w.log"
    mail_dir.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "MEDIA_ROOT": str(media),
        "OUTBOX_SWEEP_AFTER": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": "testserver,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    run(env, "migrate", "--noinput")
    run(env, "seed_demo")
    broker = start_broker(port, tmp_path)
    stop_broker(broker)  # It was there once; now nothing listens on its port.

    result = json.loads(run(env, "shell", "-c", QUEUE_EVERYTHING, timeout=300).split("RESULT ", 1)[1])
    statuses = {name: status for name, (status, _) in result["answers"].items()}
    assert statuses == ACCEPTED
    # The figures (seconds per request with the broker down), shown with `pytest -s`.
    print("Seconds to answer with the broker down:", {name: t for name, (_, t) in result["answers"].items()})
    slow = {name: seconds for name, (_, seconds) in result["answers"].items() if seconds >= QUICK}
    assert not slow, f"answered slowly with the broker down: {slow}"
    emails = ["ann@example.com", "bob@example.com", "cy@example.com", "dee@example.com", "eve@example.com"]
    assert result["report_status"] == "queued"
    assert result["reminded"] == len(emails)
    assert result["email_states"] == dict.fromkeys(emails, "queued")
    assert result["invitations_page"].count("email queued") == len(emails)
    assert result["members"] == [["hr@example.com", "queued"]]
    assert [s for (s,) in rows(database, "SELECT status FROM reports_report ORDER BY id")] == ["queued"] * 2
    waiting = rows(database, "SELECT state, attempts FROM outbox_outboxmessage")
    # 2 renders, 6 invitation emails (one a resend), 5 reminders, a member invitation, a sign-up
    assert len(waiting) == 15
    assert set(waiting) == {("pending", 1)}
    assert list(mail_dir.iterdir()) == []

    broker = start_broker(port, tmp_path)
    worker = None
    try:
        assert sweep(env) == 15
        worker = start_worker(env, log)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            states = rows(database, "SELECT state FROM outbox_outboxmessage")
            if {s for (s,) in states} == {"done"}:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"Outbox not done: {states}\n{log.read_text()[-3000:]}")
        # A second sweep finds nothing to hand over, and nothing more is sent.
        assert sweep(env) == 0
        time.sleep(3)
    finally:
        kill(worker)
        stop_broker(broker)

    assert (
        emails_sent(mail_dir)
        == {
            "ann@example.com": 3,  # invitation, resend, reminder
            **dict.fromkeys(emails[1:], 2),  # invitation, reminder
            "hr@example.com": 1,
            "dana@example.com": 1,
        }
    )
    reports = rows(database, "SELECT status, attempts, pdf FROM reports_report ORDER BY id")
    assert [(status, attempts) for status, attempts, _ in reports] == [("ready", 1)] * 2
    files = sorted(p.relative_to(media).as_posix() for p in media.rglob("*.pdf"))
    assert files == sorted(pdf for _, _, pdf in reports)
    assert rows(database, "SELECT COUNT(*) FROM organisations_memberinvitation WHERE sent_at IS NULL") == [(0,)]
