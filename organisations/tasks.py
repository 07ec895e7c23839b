"""Background glue: each task takes ids, loads the row and calls one service."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from organisations import services


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def send_member_invitation_email_task(invitation_id: int, token: str) -> bool:
    """Email one member invitation; `sent_at` records that it went.

    The link's token travels with the task because only its digest is stored."""
    return services.send_member_invitation_email(invitation_id=invitation_id, token=token)
