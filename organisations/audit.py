"""The firm's audit log: one function records what happened; every service that changes something
that matters calls it (PRODUCT.md: Tenancy). Rows are append-only (organisations.models.AuditEvent)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from organisations.models import AuditEvent, Firm, Organisation


class Action:
    """The actions the log knows, as stored."""

    FIRM_CREATED = "firm.created"
    FIRM_BRANDING_CHANGED = "firm.branding_changed"
    MEMBER_INVITED = "member.invited"
    MEMBER_INVITATION_RESENT = "member.invitation_resent"
    MEMBER_INVITATION_WITHDRAWN = "member.invitation_withdrawn"
    MEMBER_JOINED = "member.joined"
    MEMBER_ROLE_CHANGED = "member.role_changed"
    MEMBER_REMOVED = "member.removed"
    ORGANISATION_CREATED = "organisation.created"
    ORGANISATION_CHANGED = "organisation.changed"
    ORGANISATION_EXPORTED = "organisation.exported"
    ORGANISATION_DELETED = "organisation.deleted"
    RUBRIC_IMPORTED = "rubric.imported"
    ASSESSMENT_CREATED = "assessment.created"
    ASSESSMENT_OPENED = "assessment.opened"
    ASSESSMENT_CLOSED = "assessment.closed"
    TARGETS_CHANGED = "assessment.targets_changed"
    ASSESSOR_RATING_CHANGED = "assessment.assessor_rating_changed"
    ROADMAP_BASIS_CHANGED = "assessment.roadmap_basis_changed"
    REPORT_REQUESTED = "report.requested"
    REPORT_BATCH_REQUESTED = "report.batch_requested"
    REPORT_DOWNLOADED = "report.downloaded"
    REPORT_SENT = "report.sent"
    REPORT_LINK_REVOKED = "report.link_revoked"
    REPORT_LINK_DOWNLOADED = "report.link_downloaded"
    DATA_EXPORTED = "export.downloaded"
    # Two-factor sign-in (organisations/two_factor.py), in the log of each firm the person belongs to.
    FIRM_TWO_FACTOR_POLICY_CHANGED = "firm.two_factor_policy_changed"
    TWO_FACTOR_ENABLED = "two_factor.enabled"
    TWO_FACTOR_DISABLED = "two_factor.disabled"
    RECOVERY_CODE_USED = "two_factor.recovery_code_used"
    RECOVERY_CODES_REGENERATED = "two_factor.recovery_codes_regenerated"


def actor_label(user: Any) -> str:
    """How the log names a person: full name and email, or the username."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    email = getattr(user, "email", "") or ""
    label = f"{name} <{email}>" if name and email else name or email or user.get_username()
    return label[:300]


def record(
    *,
    action: str,
    summary: str,
    actor: Any = None,
    firm: Firm | None = None,
    organisation: Organisation | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the firm's log (the organisation's firm when only that is given)."""
    if firm is None:
        if organisation is None:
            raise ValueError("An audit event belongs to a firm: give the firm or the organisation.")
        firm = organisation.firm
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        firm=firm,
        actor=actor if signed_in else None,
        actor_label=actor_label(actor),
        action=action,
        organisation_ref=organisation.pk if organisation is not None else None,
        organisation_name=organisation.name if organisation is not None else "",
        summary=summary[:500],
        details=dict(details or {}),
    )


def record_in_firms(
    *, firms: Iterable[Firm], action: str, summary: str, actor: Any = None, details: Mapping[str, Any] | None = None
) -> list[AuditEvent]:
    """Append the same event to the log of each firm (what spans firms, like the portfolio), in one query."""
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            firm=firm,
            actor=actor if signed_in else None,
            actor_label=actor_label(actor),
            action=action,
            summary=summary[:500],
            details=dict(details or {}),
        )
        for firm in firms
    )


ACTIONS = tuple(value for name, value in vars(Action).items() if name.isupper())
