"""Workflows on organisations and their memberships. The API, the admin and commands call these."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from organisations import audit
from organisations.errors import InvalidInput, StateConflict
from organisations.models import CLIENT_ROLES, Firm, FirmMembership, FirmRole, Membership, Organisation, SizeBand


def _check_role(role: str) -> str:
    if role not in CLIENT_ROLES:
        raise InvalidInput(
            f"{role!r} is not a role in a client organisation; use one of {', '.join(CLIENT_ROLES)}."
            " Consultants join the firm instead.",
            field="role",
        )
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


def _check_colour(colour: str) -> str:
    colour = colour.strip()
    if len(colour) != 7 or colour[0] != "#" or colour[1:].strip("0123456789abcdefABCDEF"):
        raise InvalidInput("A colour is written #rrggbb, e.g. #1d3557.", field="colour")
    return colour.lower()


@transaction.atomic
def create_firm(*, name: str, created_by: Any, colour: str | None = None) -> Firm:
    """A new firm (tenant) with its creator as its first admin; branding starts from the settings."""
    firm = Firm.objects.create(name=_check_name(name), colour=_check_colour(colour or settings.WAYPOINT_FIRM_COLOUR))
    FirmMembership.objects.create(firm=firm, user=created_by, role=FirmRole.ADMIN)
    audit.record(action=audit.Action.FIRM_CREATED, summary=f"Created the firm {firm.name}", actor=created_by, firm=firm)
    return firm


@transaction.atomic
def create_organisation(
    *, firm: Firm, name: str, created_by: Any, industry: str = "", size_band: str = ""
) -> Organisation:
    """A new client organisation of the firm; every member of the firm runs it."""
    organisation = Organisation.objects.create(
        firm=firm, name=_check_name(name), industry=_check_industry(industry), size_band=_check_size_band(size_band)
    )
    audit.record(
        action=audit.Action.ORGANISATION_CREATED,
        summary=f"Created the organisation {organisation.name}",
        actor=created_by,
        organisation=organisation,
    )
    return organisation


def update_organisation(
    *,
    organisation: Organisation,
    name: str | None = None,
    industry: str | None = None,
    size_band: str | None = None,
    benchmark_opt_out: bool | None = None,
    changed_by: Any = None,
) -> Organisation:
    """Change an organisation's name, industry, size band or benchmark opt-out (those given); the
    benchmark filters read industry and size band."""
    changes: dict[str, Any] = {}
    if benchmark_opt_out is not None:
        changes["benchmark_opt_out"] = bool(benchmark_opt_out)
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
        audit.record(
            action=audit.Action.ORGANISATION_CHANGED,
            summary=f"Changed {', '.join(sorted(changes)).replace('_', ' ')} of {organisation.name}",
            actor=changed_by,
            organisation=organisation,
            details=dict(changes),
        )
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


@transaction.atomic
def change_role(*, membership: Membership, role: str, changed_by: Any = None) -> Membership:
    """Change a client-side member's role (leader or viewer)."""
    _check_role(role)
    membership = (
        Membership.objects.select_for_update().select_related("organisation__firm", "user").get(pk=membership.pk)
    )
    if membership.role == role:
        return membership
    before, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    audit.record(
        action=audit.Action.MEMBER_ROLE_CHANGED,
        summary=f"Changed {audit.actor_label(membership.user)} from {before} to {role} in {membership.organisation}",
        actor=changed_by,
        organisation=membership.organisation,
    )
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, removed_by: Any = None) -> None:
    """Take a client-side member out of the organisation."""
    membership = Membership.objects.select_related("organisation__firm", "user").get(pk=membership.pk)
    audit.record(
        action=audit.Action.MEMBER_REMOVED,
        summary=f"Removed {audit.actor_label(membership.user)} ({membership.role}) from {membership.organisation}",
        actor=removed_by,
        organisation=membership.organisation,
    )
    membership.delete()
