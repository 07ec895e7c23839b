"""Secret tokens never reach a log: Django's request logs, runserver's and gunicorn's access logs.

The servers run for real, in subprocesses, on a migrated SQLite file with one open assessment and
an invitation, and the tests read what they wrote.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from security.redaction import REDACTED, RedactSecrets, redact

ROOT = Path(settings.BASE_DIR)
SETUP = """
from pathlib import Path
from assessment import services
from surveys import tokens
from tests.factories import InvitationFactory, OrganisationFactory
version = services.import_rubric(document=Path("assessment/rubrics/sales-transformation.yaml").read_text()).version
assessment = services.create_assessment(
    organisation=OrganisationFactory(name="Northwind Traders"), period="FY2026", rubric_version=version
)
services.open_assessment(assessment=assessment)
print("TOKEN=" + tokens.token_for(InvitationFactory(assessment=assessment).secret))
"""


# --- the redaction itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /s/Ab-9_x/2/ HTTP/1.1" 200', f'"GET /s/{REDACTED}/2/ HTTP/1.1" 200'),
        ("POST /api/v1/survey/Ab-9_x/answers/", f"POST /api/v1/survey/{REDACTED}/answers/"),
        ("https://waypoint.example.com/s/Ab-9_x/", f"https://waypoint.example.com/s/{REDACTED}/"),
        ("/start/confirm/Ab-9_x/", f"/start/confirm/{REDACTED}/"),
        ("/join/Ab-9_x/", f"/join/{REDACTED}/"),
        ('"GET /reports/shared/Ab-9_x/ HTTP/1.1" 410', f'"GET /reports/shared/{REDACTED}/ HTTP/1.1" 410'),
        ("/reports/12/send/", "/reports/12/send/"),
        ("/password-reset/MQ/cb1-2f3/", f"/password-reset/MQ/{REDACTED}/"),
        ("/login/?next=%2Fs%2FAb-9_x%2F1%2F", f"/login/?next=%2Fs%2F{REDACTED}%2F1%2F"),
        # Addresses without a secret are left as they are.
        ("/password-reset/MQ/set-password/", "/password-reset/MQ/set-password/"),
        ("/self-assessment/12/1/", "/self-assessment/12/1/"),
        ("/assessments/12/invitations/", "/assessments/12/invitations/"),
    ],
)
def test_a_secret_token_in_an_address_is_replaced(line, expected):
    assert redact(line) == expected


def test_djangos_request_log_names_a_survey_address_without_its_token(client, invited_rep):
    """A 404 of a link's page is logged by django.request ("Not Found: <path>") through our handler."""
    (handler,) = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactSecrets) for f in h.filters)]
    written = io.StringIO()
    previous = handler.setStream(written)
    try:
        assert client.get(invited_rep.url("page", number=99)).status_code == 404
        with pytest.raises(ZeroDivisionError):
            try:
                1 / 0  # noqa: B018
            except ZeroDivisionError:
                logging.getLogger("surveys").exception("Failed on %s", invited_rep.url())
                raise
    finally:
        handler.setStream(previous)
    log = written.getvalue()
    assert f"Not Found: /s/{REDACTED}/99/" in log
    assert f"Failed on /s/{REDACTED}/" in log and "ZeroDivisionError" in log
    assert invited_rep.token not in log


# --- real servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[dict[str, str], str]:
    """(the servers' environment, an open invitation's token) on a migrated SQLite file."""
    folder = tmp_path_factory.mktemp("logs")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "EMAIL_URL": "dummymail://",
        "CELERY_BROKER_URL": "",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    out = subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    token = next(line[6:] for line in out.stdout.splitlines() if line.startswith("TOKEN="))
    return env, token


def get(url: str, **headers: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def serve(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise AssertionError(f"the server stopped: {log.read_text()}") from None
            time.sleep(0.2)
    server.kill()
    raise AssertionError(f"the server did not start: {log.read_text()}")


def wait_for_line(log: Path, text: str) -> None:
    """A server writes a request's log line just after its response: wait (10 s at most) for the last."""
    deadline = time.monotonic() + 10
    while text not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def visit(base: str, token: str) -> None:
    """A respondent's welcome page (came from their email, so no Referer), the first page from it, the
    respondent API, and a page that does not exist (logged by Django as Not Found)."""
    assert get(f"{base}/s/{token}/") == 200
    assert get(f"{base}/s/{token}/1/", Referer=f"{base}/s/{token}/") == 200
    assert get(f"{base}/api/v1/survey/{token}/") == 200
    assert get(f"{base}/s/{token}/99/") == 404


def test_gunicorns_access_and_error_logs_and_djangos_log_hold_no_survey_token(site, tmp_path):
    env, token = site
    port = free_port()
    access_log, output = tmp_path / "access.log", tmp_path / "output.log"
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "config/gunicorn.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(access_log)]
    server = serve(command, env, port, output)
    try:
        visit(f"http://127.0.0.1:{port}", token)
        wait_for_line(access_log, '/99/ HTTP/1.1" 404')
    finally:
        stop(server)
    access = access_log.read_text()
    assert f'"GET /s/{REDACTED}/ HTTP/1.1" 200' in access
    assert f'"GET /s/{REDACTED}/1/ HTTP/1.1" 200' in access
    assert f'"http://127.0.0.1:{port}/s/{REDACTED}/"' in access  # the Referer
    assert f'"GET /api/v1/survey/{REDACTED}/ HTTP/1.1" 200' in access
    assert f'"GET /s/{REDACTED}/99/ HTTP/1.1" 404' in access
    assert token not in access
    # gunicorn's error log and Django's own log (Not Found: ...) share the process output here.
    logged = output.read_text()
    assert f"Not Found: /s/{REDACTED}/99/" in logged
    assert token not in logged


def test_runservers_request_log_holds_no_survey_token(site, tmp_path):
    env, token = site
    port = free_port()
    output = tmp_path / "runserver.log"
    command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    server = serve(command, {**env, "DEBUG": "1"}, port, output)
    try:
        visit(f"http://127.0.0.1:{port}", token)
        assert get(f"http://127.0.0.1:{port}{reverse('login')}") == 200
        wait_for_line(output, '"GET /login/ HTTP/1.1" 200')
    finally:
        stop(server)
    logged = output.read_text()
    assert f'"GET /s/{REDACTED}/ HTTP/1.1" 200' in logged
    assert f'"GET /api/v1/survey/{REDACTED}/ HTTP/1.1" 200' in logged
    assert '"GET /login/ HTTP/1.1" 200' in logged
    assert token not in logged


def test_an_access_log_line_redacts_each_atom_it_writes_before_escaping_its_quotes():
    from security.gunicorn import RedactedAtoms

    atoms = RedactedAtoms({"r": 'GET /s/abc"def/ HTTP/1.1', "{referer}i": "https://x.example/s/abcdef/1/", "s": 200})
    line = '"%(r)s" %(s)s "%({Referer}i)s" "%(a)s"' % atoms  # noqa: UP031 (gunicorn formats so)
    assert line == f'"GET /s/{REDACTED}\\"def/ HTTP/1.1" 200 "https://x.example/s/{REDACTED}/1/" "-"'
