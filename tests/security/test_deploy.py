"""`manage.py check --deploy` is clean with production settings, and refuses a weakened policy."""

from __future__ import annotations

import copy
import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.core import checks

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "waypoint.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://waypoint.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
}


def deploy_check_ids() -> set[str]:
    return {message.id for message in checks.run_checks(include_deployment_checks=True, tags=["security"])}


def test_check_deploy_with_production_settings_reports_nothing():
    # Only what a production environment sets: the test runner's relaxations are left out.
    env = {k: v for k, v in os.environ.items() if k not in {"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**env, **PRODUCTION},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deploy_checks_refuse_inline_scripts_or_styles_and_a_missing_frame_ancestors(settings):
    assert not {"security.W001", "security.W002", "security.W003"} & deploy_check_ids()
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["script-src"] = ["'self'", "'unsafe-inline'"]
    settings.CONTENT_SECURITY_POLICY = policy
    assert "security.W002" in deploy_check_ids()
    policy = copy.deepcopy(policy)
    policy["DIRECTIVES"]["script-src"] = ["'self'"]
    del policy["DIRECTIVES"]["frame-ancestors"]
    settings.CONTENT_SECURITY_POLICY = policy
    assert deploy_check_ids() & {"security.W002", "security.W003"} == {"security.W003"}


def test_the_deploy_checks_refuse_a_missing_header_middleware_or_an_unredacted_log_handler(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith(("csp.", "security."))]
    assert {"security.W001", "security.W004"} <= deploy_check_ids()
    logging = copy.deepcopy(settings.LOGGING)
    logging["handlers"]["file"] = {"class": "logging.FileHandler", "filename": "waypoint.log"}
    settings.LOGGING = logging
    assert "security.W005" in deploy_check_ids()
