"""Workflows on organisations and their memberships. The API, the admin and commands call these."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from organisations.errors import InvalidInput, StateConflict
from organisations.models import Membership, Organisation, Role, SizeBand


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise InvalidInput(f"{role!r} is not a role; use one of {', '.join(Role.values)}.", field="role")
    return role


@transaction.atomic
def create_organisation(*, name: str, created_by: Any, industry: str = "", size_band: str = "") -> Organisation:
    """A new client organisation, with its creator as its first consultant."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("An organisation needs a name of 1 to 200 characters.", field="name")
    if size_band not in (*SizeBand.values, ""):
        raise InvalidInput(
            f"{size_band!r} is not a size band; use one of {', '.join(SizeBand.values)}.", field="size_band"
        )
    organisation = Organisation.objects.create(name=name, industry=industry.strip()[:100], size_band=size_band)
    Membership.objects.create(organisation=organisation, user=created_by, role=Role.CONSULTANT)
    return organisation


@transaction.atomic
def add_member(*, organisation: Organisation, email: str, role: str) -> Membership:
    """Give the user with this email address a role in the organisation.

    The person needs an account already; an address that two accounts share is refused rather
    than guessed.
    """
    _check_role(role)
    email = email.strip()
    users = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
    if not users:
        raise InvalidInput(f"Nobody with an account uses {email}; they need an account first.", field="email")
    if len(users) > 1:
        raise InvalidInput(f"Several accounts use {email}; ask an administrator to add the right one.", field="email")
    if Membership.objects.filter(organisation=organisation, user=users[0]).exists():
        raise StateConflict(f"{email} is already a member of {organisation.name}.", field="email")
    return Membership.objects.create(organisation=organisation, user=users[0], role=role)


def _lock_consultants(organisation: Organisation) -> int:
    """Count the organisation's consultants, locking their rows so two removals cannot race."""
    return len(
        list(
            Membership.objects.select_for_update()
            .filter(organisation=organisation, role=Role.CONSULTANT)
            .values_list("id", flat=True)
        )
    )


@transaction.atomic
def change_role(*, membership: Membership, role: str) -> Membership:
    """Change a member's role; the organisation always keeps at least one consultant."""
    _check_role(role)
    membership = Membership.objects.select_for_update().select_related("organisation").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.CONSULTANT and _lock_consultants(membership.organisation) <= 1:
        raise StateConflict(
            f"{membership.organisation.name} needs at least one consultant; add another before changing this role.",
            field="role",
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    """Take a member out of the organisation; the last consultant cannot be removed."""
    membership = Membership.objects.select_for_update().select_related("organisation").get(pk=membership.pk)
    if membership.role == Role.CONSULTANT and _lock_consultants(membership.organisation) <= 1:
        raise StateConflict(
            f"{membership.organisation.name} needs at least one consultant; add another before removing this one."
        )
    membership.delete()
