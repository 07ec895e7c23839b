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


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("An organisation needs a name of 1 to 200 characters.", field="name")
    return name


def _check_industry(industry: str) -> str:
    industry = industry.strip()
    if len(industry) > 100:
        raise InvalidInput("An industry is at most 100 characters.", field="industry")
    return industry


def _check_size_band(size_band: str) -> str:
    if size_band not in (*SizeBand.values, ""):
        raise InvalidInput(
            f"{size_band!r} is not a size band; use one of {', '.join(SizeBand.values)}.", field="size_band"
        )
    return size_band


@transaction.atomic
def create_organisation(*, name: str, created_by: Any, industry: str = "", size_band: str = "") -> Organisation:
    """A new client organisation, with its creator as its first consultant."""
    organisation = Organisation.objects.create(
        name=_check_name(name), industry=_check_industry(industry), size_band=_check_size_band(size_band)
    )
    Membership.objects.create(organisation=organisation, user=created_by, role=Role.CONSULTANT)
    return organisation


def update_organisation(
    *, organisation: Organisation, name: str | None = None, industry: str | None = None, size_band: str | None = None
) -> Organisation:
    """Change an organisation's name, industry or size band (those given); the benchmark filters read the last two."""
    changes = {}
    if name is not None:
        changes["name"] = _check_name(name)
    if industry is not None:
        changes["industry"] = _check_industry(industry)
    if size_band is not None:
        changes["size_band"] = _check_size_band(size_band)
    for field, value in changes.items():
        setattr(organisation, field, value)
    if changes:
        organisation.save(update_fields=list(changes))
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
