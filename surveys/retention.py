"""How long respondents' contact details are kept: an invitation's email address and name are erased
INVITATION_RETENTION_DAYS after its assessment closes. The anonymous responses and answers stay,
and so does the invitation row (its group and counts), so progress figures do not change."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessment.models import AssessmentState
from surveys.models import Invitation


@transaction.atomic
def erase_invitation_emails(*, now: datetime | None = None) -> int:
    """Blank the email and name of invitations whose assessment closed more than
    INVITATION_RETENTION_DAYS ago; returns how many were erased (none on a second run)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.INVITATION_RETENTION_DAYS)
    due = Invitation.objects.filter(
        assessment__state=AssessmentState.CLOSED, assessment__closed_at__lte=cutoff
    ).exclude(email="", name="")
    return due.update(email="", name="", email_error="")
