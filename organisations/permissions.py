"""Who may do what through the API: tenancy first (404), then the caller's role (403).

Anything outside the caller's organisations is "not found", never "forbidden", so that a
response never confirms that another organisation's object exists. A member whose role does
not allow an action gets 403: they already know the object exists.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from organisations.errors import NotFound, Unprocessable
from organisations.models import Firm, FirmMembership, FirmRole, Organisation, Role

# Ids are 64-bit in every database we run on; a larger one cannot exist (and must not reach SQL).
MAX_ID = 2**63 - 1

READ = frozenset({Role.CONSULTANT, Role.LEADER, Role.VIEWER})
RUN = frozenset({Role.CONSULTANT, Role.LEADER})
MANAGE = frozenset({Role.CONSULTANT})

M = TypeVar("M", bound=Model)


def visible_object(queryset: QuerySet[M], user: Any, pk: Any, *, name: str) -> M:
    """The object with this id among those the user's organisations hold, or NotFound."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    obj = queryset.visible_to(user).filter(pk=pk).first() if 0 < pk <= MAX_ID else None  # type: ignore[attr-defined]
    if obj is None:
        raise NotFound(f"There is no {name} {pk} in your organisations.")
    return obj


def require_role(user: Any, organisation: Organisation, roles: Collection[str], *, action: str) -> str:
    """The caller's role in the organisation, if it is one of `roles`; 403 for another role, 404 for none."""
    role = organisation.role_of(user)
    if role is None:
        raise NotFound(f"There is no organisation {organisation.pk} in your organisations.")
    if role not in roles:
        label = Role(role).label.lower()
        raise PermissionDenied(f"As a {label} of {organisation.name} you cannot {action}.")
    return role


def is_consultant(user: Any) -> bool:
    """A member (admin or consultant) of at least one firm, or staff: may create organisations and
    import rubrics into their firm."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or FirmMembership.objects.filter(user=user).exists()


def require_firm_role(user: Any, firm: Firm, roles: Collection[str], *, action: str) -> str:
    """The caller's role in the firm, if it is one of `roles`; 403 for another role, 404 outside the firm."""
    role = firm.role_of(user)
    if role is None:
        raise NotFound(f"There is no firm {firm.pk} in your firms.")
    if role not in roles:
        raise PermissionDenied(f"As a {FirmRole(role).label.lower()} of {firm.name} you cannot {action}.")
    return role


def acting_firm(user: Any, firm_id: int | None, *, action: str) -> Firm:
    """The firm the caller acts for: the one named (404 outside it), else their only firm.

    Someone in no firm gets 403; a member of several firms must name one (422: the request is
    well-formed, what it lacks depends on the caller's memberships).
    """
    if firm_id is not None:
        return visible_object(Firm.objects.all(), user, firm_id, name="firm")
    mine = list(Firm.objects.visible_to(user)[:2])
    if not mine:
        raise PermissionDenied(f"Only members of a firm can {action}.")
    if len(mine) > 1:
        raise Unprocessable("You are a member of several firms; say which one in `firm`.", field="firm")
    return mine[0]


def require_firm_admin(user: Any, organisation: Organisation, *, action: str) -> None:
    """The caller administers the organisation's firm; anyone else who can see it gets 403."""
    if not organisation.is_administered_by(user):
        raise PermissionDenied(f"Only an admin of {organisation.firm.name} can {action}.")


FIRM_ADMIN = frozenset({FirmRole.ADMIN})
FIRM_MEMBER = frozenset({FirmRole.ADMIN, FirmRole.CONSULTANT})


class IsConsultant(BasePermission):
    """Signed in, and a member of at least one firm (or staff)."""

    message = "Only consultants can do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_consultant(request.user)


class ConsultantForWrites(BasePermission):
    """Any signed-in user may read; only consultants may write (the rubric catalogue)."""

    message = "Only consultants can do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not getattr(request.user, "is_authenticated", False):
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or is_consultant(request.user)
