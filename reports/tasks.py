"""Background glue: take a report id, call the one service, record the outcome on the row."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from outbox.services import once
from reports import delivery, services

logger = logging.getLogger(__name__)

# Worth retrying: the database or the broker blinked, a connection dropped. Anything else
# (a bug, bad data, a template error) would fail the same way again, so it fails at once.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
MAX_RETRIES = 5


def retry_delay(retries: int) -> int:
    """Exponential backoff in seconds: 2, 4, 8, 16, 32, capped at a minute."""
    return min(60, 2 ** (retries + 1))


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
@once
def render_report(self, report_id: int) -> str:
    """Render one report (routed to the `reports` queue); returns its final status."""
    try:
        return services.render_report(report_id=report_id).status
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("Report %s: giving up after %s retries", report_id, self.request.retries)
            return services.record_report_failure(
                report_id=report_id, error=f"Rendering kept failing on a temporary error: {exc}"
            ).status
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        return services.record_report_failure(
            report_id=report_id, error="Rendering took longer than the time limit and was stopped."
        ).status
    except Exception as exc:
        logger.exception("Report %s failed to render", report_id)
        return services.record_report_failure(report_id=report_id, error=f"{type(exc).__name__}: {exc}").status


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=30, retry_backoff_max=3600, max_retries=5)
@once
def send_report_email_task(report_id: int, kind: str, target_id: int) -> bool:
    """Email one delivered report: to a member ("member", a user id) or through a shared link ("link")."""
    return delivery.send_report_email(report_id=report_id, kind=kind, target_id=target_id)
