"""Fixtures of the outbox tests: Celery pointed at a broker that is down, and the reports' closed years."""

from __future__ import annotations

import socket

import pytest

from config.celery import app
from tests.reports.conftest import last_year, media_root, this_year  # noqa: F401  (fixtures)

# Each request that queues work, and its answer while the broker is down: accepted, as when it is up.
ACCEPTED = {
    "report (API)": 202,
    "report (page)": 302,
    "invite (API)": 201,
    "resend (API)": 200,
    "upload (API)": 201,
    "invite (page)": 302,
    "list (page)": 302,
    "member invitation (API)": 202,
    "sign-up (page)": 302,
}


def reset_connections() -> None:
    """Forget Celery's pooled broker connections, so the next publish connects to the current URL
    (kombu keeps each URL's pool, so none is closed here)."""
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down():
    """Celery out of eager mode, as in production, its broker a local port where nothing listens.

    `broker_down.back()` brings the work back: the fast tests then run each task in this process
    (Celery's eager mode); tests/integration/test_outbox_broker_down.py does it on a real Redis."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app.conf.task_always_eager = False
    reset_connections()

    class Broker:
        @staticmethod
        def back() -> None:
            app.conf.task_always_eager = True

    yield Broker()
    app.conf.broker_url, app.conf.task_always_eager = saved
    reset_connections()
