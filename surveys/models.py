"""Invitations (one respondent's single-use, expiring link) and replayable respondent API requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assessment.models import Assessment, Response
from organisations.models import Membership, Organisation, Role


class InvitationStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    STARTED = "started", "Started"
    SUBMITTED = "submitted", "Submitted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> InvitationQuerySet:
        return self.filter(assessment__in=Assessment.objects.visible_to(user))

    def manageable_by(self, user: Any) -> InvitationQuerySet:
        """Invitations of the organisations where the user may invite: consultants and leaders."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        leads = Membership.objects.filter(user=user, role=Role.LEADER).values("organisation_id")
        return self.filter(
            Q(assessment__organisation__in=Organisation.objects.of_firms_of(user))
            | Q(assessment__organisation_id__in=leads)
        )

    def pending(self) -> InvitationQuerySet:
        """Not revoked and not yet submitted: the ones a reminder may go to."""
        return self.filter(revoked_at__isnull=True).filter(
            Q(response__isnull=True) | Q(response__submitted_at__isnull=True)
        )

    def unexpired(self, now: datetime | None = None) -> InvitationQuerySet:
        return self.filter(expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """A single-use, unguessable, expiring link for one respondent, tied to a respondent group.

    Only the token's digest is stored (see surveys/tokens.py). The response it leads to has no
    user: invited respondents stay anonymous to the organisation.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    group = models.CharField(max_length=80)
    secret = models.CharField(max_length=64, help_text="Random; the link token is an HMAC of it under SECRET_KEY")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the link token")
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    emails_sent = models.PositiveIntegerField(default=0)
    reminder_count = models.PositiveIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    last_emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True, help_text="Why the last email could not be sent, if it failed")

    objects = InvitationQuerySet.as_manager()

    # The organisation's export (organisations/custody.py) never links a named invitation to its
    # anonymous response.
    export_exclude = ("response",)

    class Meta:
        ordering = ["assessment", "email", "id"]
        constraints = [
            # Once erased (surveys/retention.py), addresses are blank and no longer unique.
            models.UniqueConstraint(
                fields=["assessment", "email"],
                condition=~Q(email=""),
                name="one_invitation_per_email_and_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.group})"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_submitted(self) -> bool:
        return self.response is not None and self.response.submitted_at is not None

    def status(self, now: datetime | None = None) -> str:
        """What the inviter sees: never the answers, only how far the respondent got."""
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.is_submitted:
            return InvitationStatus.SUBMITTED
        if self.is_expired(now):
            return InvitationStatus.EXPIRED
        return InvitationStatus.STARTED if self.response_id is not None else InvitationStatus.INVITED


class IdempotentRequest(models.Model):
    """A respondent API request made with an Idempotency-Key, and the result it got.

    A replay of the key with the same body returns the stored result; with another body it is
    refused, so a retried request can never apply twice or silently mean something else.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and canonical body")
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    # A day's replay store, tied to an invitation: not part of the organisation's export.
    export_exclude = "__all__"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invitation", "key"], name="one_result_per_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.invitation_id}:{self.key}"
