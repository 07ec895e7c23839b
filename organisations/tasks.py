"""Background glue: each task takes ids, loads the row and calls one service."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from organisations import services, tokens
from organisations.models import MemberInvitation
from outbox.services import once


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
@once
def send_member_invitation_email_task(invitation_id: int, token: str) -> bool:
    """Email one member invitation; `sent_at` records that it went.

    The link's token travels with the task because only its digest is stored. A link already sent
    is not sent again (the same task delivered twice); a resend gives a new link, so it goes."""
    if MemberInvitation.objects.filter(
        pk=invitation_id, digest=tokens.digest_of(token), sent_at__isnull=False
    ).exists():
        return False
    return services.send_member_invitation_email(invitation_id=invitation_id, token=token)
