"""Background glue: each task takes ids, loads the row and calls one service."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from outbox.services import once
from surveys import idempotency, retention, services
from surveys.models import Invitation


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
@once
def send_invitation_email_task(invitation_id: int, kind: str) -> bool:
    """Send one invitation or reminder email; the outcome is recorded on the invitation."""
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        return False
    return services.send_invitation_email(invitation=invitation, kind=kind)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
@once
def send_sign_up_email_task(sign_up_id: int | None, email: str, token: str) -> bool:
    """Email a sign-up's confirmation link, or the note to an address that already has an account.

    The link's token travels with the task because only its digest is stored."""
    return services.send_sign_up_email(sign_up_id=sign_up_id, email=email, token=token)


@shared_task
def send_reminders_task() -> int:
    """Queue the reminders that are due (see services.send_reminders)."""
    return len(services.send_reminders())


@shared_task
def purge_idempotency_records_task() -> int:
    """Forget respondent API results older than a day (see surveys.idempotency.purge)."""
    return idempotency.purge()


@shared_task
def erase_invitation_emails_task() -> int:
    """Erase respondents' email addresses once their assessment has been closed long enough."""
    return retention.erase_invitation_emails()
