"""Production refuses unsafe configuration; the checks Django ships are clean."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

SAFE_SECRET = "k" * 20 + "-a-long-random-production-secret-0123456789"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "SECURE_SSL_REDIRECT"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "waypoint.example.com"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "change-me", "ALLOWED_HOSTS": "waypoint.example.com"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short-but-not-a-placeholder", "ALLOWED_HOSTS": "x.example.com"}, "at least 50 characters"),
        ({"SECRET_KEY": SAFE_SECRET}, "ALLOWED_HOSTS must list"),
    ],
)
def test_production_refuses_to_start_with_an_unsafe_configuration(env, message):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_deployment_checklist_is_clean():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=SAFE_SECRET, ALLOWED_HOSTS="x.example.com"
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_a_broker_tasks_run_eagerly_in_process():
    assert settings.CELERY_TASK_ALWAYS_EAGER is True


def test_every_setting_read_from_the_environment_is_explained_in_env_example():
    import re

    source = (settings.BASE_DIR / "config" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\("([A-Z_]+)"', source))
    example = (settings.BASE_DIR / ".env.example").read_text()
    explained = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - explained == set()


@pytest.mark.parametrize(
    ("url", "env", "kept"),
    [
        ("postgres://waypoint@db.example.com:5432/waypoint", {}, "60 True"),
        ("postgres://waypoint@db.example.com:5432/waypoint", {"CONN_MAX_AGE": "0"}, "0 True"),
        ("postgres://waypoint@db.example.com:5432/waypoint?conn_max_age=600", {}, "600 True"),
        ("sqlite:///waypoint.sqlite3", {}, "0 True"),
    ],
)
def test_postgresql_connections_are_kept_between_requests(url, env, kept):
    show = "from django.conf import settings; d = settings.DATABASES['default']; "
    show += "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    result = run_manage("shell", "-c", show, DEBUG="1", DATABASE_URL=url, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == kept
