"""Organisations (client companies) and the memberships that give users a role in them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    CONSULTANT = "consultant", "Consultant"
    LEADER = "leader", "Sales leader"
    VIEWER = "viewer", "Viewer"


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> OrganisationQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(memberships__user=user).distinct()


class SizeBand(models.TextChoices):
    """Size by number of people in sales (quota-carrying and their managers)."""

    SMALL = "1-20", "1–20 in sales"
    MEDIUM = "21-100", "21–100 in sales"
    LARGE = "101-500", "101–500 in sales"
    ENTERPRISE = "500+", "More than 500 in sales"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    industry = models.CharField(max_length=100, blank=True, help_text="Free text, e.g. Software, Manufacturing")
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
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
        """The user's role in this organisation, or None when they are not a member."""
        if not getattr(user, "is_authenticated", False):
            return None
        membership = self.memberships.filter(user=user).only("role").first()
        return membership.role if membership else None


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> MembershipQuerySet:
        return self.filter(organisation__in=Organisation.objects.visible_to(user))


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_user_and_organisation"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_is_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.role})"
