"""Firms (the tenants), their client organisations, the memberships that give people a role in either,
the invitations those memberships start from, and the firm's append-only audit log (PRODUCT.md: Tenancy)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    """A person's role towards one organisation: `consultant` for every member of its firm, or a
    client-side role held through a Membership (`leader`, `viewer`)."""

    CONSULTANT = "consultant", "Consultant"
    LEADER = "leader", "Sales leader"
    VIEWER = "viewer", "Viewer"


CLIENT_ROLES = (Role.LEADER, Role.VIEWER)
CLIENT_ROLE_CHOICES = [(r.value, r.label) for r in CLIENT_ROLES]


class FirmRole(models.TextChoices):
    ADMIN = "admin", "Admin"
    CONSULTANT = "consultant", "Consultant"


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


class FirmQuerySet(models.QuerySet["Firm"]):
    def visible_to(self, user: Any) -> FirmQuerySet:
        """The firms the user is a member of (admin or consultant)."""
        if not _signed_in(user):
            return self.none()
        return self.filter(pk__in=FirmMembership.objects.filter(user=user).values("firm_id"))


class Firm(models.Model):
    """The tenant: a consultancy, or a company running its own self-assessment.

    It owns its client organisations, its rubrics, its reports and its benchmark; its branding
    goes on every roadmap. Nobody outside it sees anything of it.
    """

    name = models.CharField(max_length=200)
    colour = models.CharField(max_length=7, default="#1d3557", help_text="Brand colour, #rrggbb")
    logo = models.FileField(upload_to="firms/logos/", blank=True, help_text="PNG or SVG, shown on the roadmap")
    require_two_factor_for_clients = models.BooleanField(
        default=False,
        help_text="Client leaders and viewers of this firm's organisations must sign in with a second factor too "
        "(the firm's own members always must).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FirmQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="firm_colour_is_hex")
        ]

    def __str__(self) -> str:
        return self.name

    def role_of(self, user: Any) -> str | None:
        """The user's firm role (admin or consultant), or None outside the firm."""
        if not _signed_in(user):
            return None
        return FirmMembership.objects.filter(firm=self, user=user).values_list("role", flat=True).first()


class FirmMembership(models.Model):
    """A person's role in a firm; exists only once they accepted an emailed invitation (or founded it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_memberships")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=FirmRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["firm", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "firm"], name="one_membership_per_user_and_firm"),
            models.CheckConstraint(condition=models.Q(role__in=FirmRole.values), name="firm_membership_role_is_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.firm} ({self.role})"


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> OrganisationQuerySet:
        """Every organisation of the user's firms, and those where they hold a client-side membership."""
        if not _signed_in(user):
            return self.none()
        return self.filter(
            models.Q(firm_id__in=FirmMembership.objects.filter(user=user).values("firm_id"))
            | models.Q(pk__in=Membership.objects.filter(user=user).values("organisation_id"))
        )

    def of_firms_of(self, user: Any) -> OrganisationQuerySet:
        """Only the organisations the user runs as a member of their firm (the portfolio)."""
        if not _signed_in(user):
            return self.none()
        return self.filter(firm_id__in=FirmMembership.objects.filter(user=user).values("firm_id"))


class SizeBand(models.TextChoices):
    """Size by number of people in sales (quota-carrying and their managers)."""

    SMALL = "1-20", "1–20 in sales"
    MEDIUM = "21-100", "21–100 in sales"
    LARGE = "101-500", "101–500 in sales"
    ENTERPRISE = "500+", "More than 500 in sales"


class Organisation(models.Model):
    """A client company inside one firm."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="organisations")
    name = models.CharField(max_length=200)
    industry = models.CharField(max_length=100, blank=True, help_text="Free text, e.g. Software, Manufacturing")
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    benchmark_opt_out = models.BooleanField(
        default=False, help_text="Leave this organisation out of the firm's benchmark, for others and for itself"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size_band__in=[*SizeBand.values, ""]), name="organisation_size_band_is_known"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def role_of(self, user: Any) -> str | None:
        """The user's role towards this organisation: consultant for its firm's members, else their
        client-side role, or None when they are neither."""
        if not _signed_in(user):
            return None
        firm_member = FirmMembership.objects.filter(firm_id=self.firm_id, user=user).values("pk")
        roles = (
            Membership.objects.filter(organisation=self, user=user)
            .annotate(in_firm=models.Exists(firm_member))
            .values_list("role", "in_firm")
            .first()
        )
        if roles is not None:
            return Role.CONSULTANT if roles[1] else roles[0]
        return Role.CONSULTANT if firm_member.exists() else None

    def is_administered_by(self, user: Any) -> bool:
        """Is the user an admin of this organisation's firm (exports, erasure, the audit log)?"""
        return self.firm.role_of(user) == FirmRole.ADMIN


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> MembershipQuerySet:
        return self.filter(organisation__in=Organisation.objects.visible_to(user))


class Membership(models.Model):
    """A client-side role (leader or viewer) in one organisation; firm members need none."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_user_and_organisation"),
            models.CheckConstraint(condition=models.Q(role__in=CLIENT_ROLES), name="membership_role_is_client_side"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.role})"


class InvitationStatus(models.TextChoices):
    """Where a member invitation stands, as lists and the API show it. `queued`: accepted, its email not
    sent yet (it goes once the request is done; if it stays so, the mail server refused it: resend)."""

    SENT = "sent", "Sent"
    QUEUED = "queued", "Not sent yet"
    EXPIRED = "expired", "Expired"
    ACCEPTED = "accepted", "Accepted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class MemberInvitationQuerySet(models.QuerySet["MemberInvitation"]):
    def pending(self) -> MemberInvitationQuerySet:
        """Neither accepted nor withdrawn (expired ones included: they can be resent)."""
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True)


class MemberInvitation(models.Model):
    """An emailed, single-use, expiring invitation to join a firm (no organisation) or one of its
    client organisations (with one). Nothing is granted until the invitee accepts it."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="member_invitations")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="member_invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20)
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the link token; the token is not kept")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = MemberInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(organisation__isnull=True) & models.Q(role__in=FirmRole.values))
                | (models.Q(organisation__isnull=False) & models.Q(role__in=CLIENT_ROLES)),
                name="member_invitation_role_fits_its_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation or self.firm} ({self.role})"

    def is_expired(self, now: Any = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.withdrawn_at is not None:
            return InvitationStatus.WITHDRAWN
        if self.is_expired():
            return InvitationStatus.EXPIRED
        return InvitationStatus.SENT if self.sent_at is not None else InvitationStatus.QUEUED

    @property
    def status_label(self) -> str:
        return str(InvitationStatus(self.status).label)

    @property
    def role_label(self) -> str:
        labels = dict(FirmRole.choices) if self.organisation_id is None else dict(CLIENT_ROLE_CHOICES)
        return str(labels.get(self.role, self.role))


class SignUp(models.Model):
    """A self-assessment sign-up waiting for its emailed confirmation: nothing else exists until then,
    so the page after the form is the same whether or not the address has an account."""

    email = models.EmailField()
    details = models.JSONField(help_text="The form's fields; the password only as a hash")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Sign-up {self.pk}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One thing that happened in a firm: who, what, when. Append-only: rows are never changed or
    deleted (the organisation is kept by id and name, so its erasure stays on record)."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="audit_events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=300, blank=True, help_text="Who, as they were named at the time")
    action = models.CharField(max_length=60)
    organisation_ref = models.BigIntegerField(
        null=True, blank=True, help_text="The organisation's id; no key, so erasure keeps the event"
    )
    organisation_name = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")
