"""Workflows on organisations and their memberships. The API, the admin and commands call these."""

from __future__ import annotations

import logging
import re
import uuid
import xml.etree.ElementTree as ElementTree
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from organisations import audit, tokens
from organisations.errors import Gone, InvalidInput, NotFound, StateConflict, Unprocessable
from organisations.models import (
    CLIENT_ROLES,
    Firm,
    FirmMembership,
    FirmRole,
    MemberInvitation,
    Membership,
    Organisation,
    Role,
    SizeBand,
)
from organisations.text import one_line, require_single_line
from outbox import services as outbox

logger = logging.getLogger(__name__)

# A logo is drawn a few centimetres wide on the roadmap's cover: anything larger is a mistake.
MAX_LOGO_BYTES = 512 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"


def _check_role(role: str) -> str:
    if role not in CLIENT_ROLES:
        raise InvalidInput(
            f"{role!r} is not a role in a client organisation; use one of {', '.join(CLIENT_ROLES)}."
            " Consultants join the firm instead.",
            field="role",
        )
    return role


def _check_name(name: str) -> str:
    name = require_single_line(name.strip(), field="name", label="The name")
    if not name or len(name) > 200:
        raise InvalidInput("An organisation needs a name of 1 to 200 characters.", field="name")
    return name


def _check_industry(industry: str) -> str:
    industry = require_single_line(industry.strip(), field="industry", label="The industry")
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


# --- the firm's branding ---------------------------------------------------------------------

UNCHANGED: Any = object()


def _svg_problem(content: bytes) -> str | None:
    """Why an SVG cannot be a logo: not SVG, or it runs or fetches something (scripts, links out)."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return "The SVG is not UTF-8 text."
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        return "The SVG declares a DOCTYPE or entities; save it without them."
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return "The file is not a well-formed SVG image."
    if root.tag != f"{SVG_NAMESPACE}svg":
        return "The file is not an SVG image (its root is not <svg>)."
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        if tag in {"script", "foreignobject", "iframe", "embed", "object"}:
            return f"The SVG contains a <{tag}> element; a logo may only draw."
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return f"The SVG has an event handler ({local}); a logo may only draw."
            if local == "href" and not value.strip().startswith("#"):
                return "The SVG links to another file; a logo must be self-contained."
        styles = " ".join([element.text or "", element.attrib.get("style", "")])
        if re.search(r"url\(\s*['\"]?(?!#)|@import", styles, re.IGNORECASE):
            return "The SVG's styles load another file; a logo must be self-contained."
    return None


def _check_logo(upload: Any) -> tuple[bytes, str]:
    """The logo's bytes and file extension, once it is a small PNG or a drawing-only SVG."""
    if upload.size is not None and upload.size > MAX_LOGO_BYTES:
        raise Unprocessable(f"A logo is at most {MAX_LOGO_BYTES // 1024} KB.", field="logo")
    content = upload.read(MAX_LOGO_BYTES + 1)
    if len(content) > MAX_LOGO_BYTES:
        raise Unprocessable(f"A logo is at most {MAX_LOGO_BYTES // 1024} KB.", field="logo")
    if content.startswith(PNG_SIGNATURE):
        if content[12:16] != b"IHDR" or len(content) < 33:
            raise Unprocessable("The PNG image is damaged.", field="logo")
        width, height = int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
        if not (0 < width <= 4096 and 0 < height <= 4096):
            raise Unprocessable("A logo is at most 4096 pixels wide and high.", field="logo")
        return content, "png"
    if b"<svg" in content[:4096]:
        if problem := _svg_problem(content):
            raise Unprocessable(problem, field="logo")
        return content, "svg"
    raise Unprocessable("A logo is a PNG or an SVG image.", field="logo")


@transaction.atomic
def update_firm(
    *,
    firm: Firm,
    changed_by: Any,
    name: str | None = None,
    colour: str | None = None,
    logo: Any = UNCHANGED,
    require_two_factor_for_clients: bool | None = None,
) -> Firm:
    """Change the firm's branding (those given): name, colour (#rrggbb), logo (PNG or SVG; None removes it),
    and whether its clients' leaders and viewers must sign in with a second factor.

    The roadmap's cover shows them from the next report on; reports already made keep theirs."""
    if require_two_factor_for_clients is not None and (
        require_two_factor_for_clients != firm.require_two_factor_for_clients
    ):
        firm.require_two_factor_for_clients = require_two_factor_for_clients
        firm.save(update_fields=["require_two_factor_for_clients"])
        audit.record(
            action=audit.Action.FIRM_TWO_FACTOR_POLICY_CHANGED,
            summary=(
                f"{'Required' if require_two_factor_for_clients else 'Stopped requiring'} two-factor sign-in "
                f"for the clients of {firm.name}"
            ),
            actor=changed_by,
            firm=firm,
            details={"require_two_factor_for_clients": require_two_factor_for_clients},
        )
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _check_name(name)
    if colour is not None:
        changes["colour"] = _check_colour(colour)
    old_logo = firm.logo.name if firm.logo else ""
    if logo is not UNCHANGED:
        if logo is None:
            firm.logo = ""  # type: ignore[assignment]
            changes["logo"] = ""
        else:
            content, extension = _check_logo(logo)
            firm.logo.save(f"firm-{firm.pk}-{uuid.uuid4().hex[:12]}.{extension}", ContentFile(content), save=False)
            changes["logo"] = firm.logo.name
    for field, value in changes.items():
        if field != "logo":
            setattr(firm, field, value)
    if not changes:
        return firm
    firm.save(update_fields=list(changes))
    if "logo" in changes and old_logo:
        storage = firm.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    audit.record(
        action=audit.Action.FIRM_BRANDING_CHANGED,
        summary=f"Changed the {', '.join(sorted(changes))} of {firm.name}",
        actor=changed_by,
        firm=firm,
        details={k: v for k, v in changes.items() if k != "logo"}
        | ({"logo": bool(firm.logo)} if "logo" in changes else {}),
    )
    return firm


# --- membership by invitation ------------------------------------------------------------------


class InvitationExpired(Gone):
    code = "invitation_expired"


class InvitationWithdrawn(Gone):
    code = "invitation_withdrawn"


class InvitationUsed(Gone):
    code = "invitation_used"


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email or 'An empty value'!r} is not a valid email address.", field="email") from None
    return email


def _target(invitation: MemberInvitation) -> str:
    return (invitation.organisation or invitation.firm).name


def member_invitation_link(token: str) -> str:
    """The absolute link an invitation email carries (workers have no request to build it from)."""
    return settings.SITE_URL + reverse("member-invitation", kwargs={"token": token})


def _queue_invitation_email(invitation_id: int, token: str) -> None:
    """Through the outbox, sent after commit; a failure is logged and leaves the invitation "queued",
    never fails the caller."""
    from organisations.tasks import send_member_invitation_email_task

    outbox.enqueue(send_member_invitation_email_task, invitation_id, token)


def _new_link(invitation: MemberInvitation) -> str:
    """Give the invitation a fresh token (the previous link stops working) and a fresh expiry."""
    token = tokens.new_token()
    invitation.digest = tokens.digest_of(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.MEMBER_INVITATION_TTL_DAYS)
    invitation.sent_at = None
    return token


@transaction.atomic
def invite_member(
    *, firm: Firm, organisation: Organisation | None = None, email: str, role: str, invited_by: Any
) -> MemberInvitation:
    """Invite an email address to the firm (firm role) or to one of its organisations (leader or viewer).

    Nothing is granted until the link is accepted, and nothing here depends on whether the address
    has an account, so the answer never tells."""
    email = _clean_email(email)
    if organisation is not None:
        if organisation.firm_id != firm.pk:
            raise NotFound(f"There is no organisation {organisation.pk} in {firm.name}.")
        if role == Role.CONSULTANT:
            raise InvalidInput(
                "Consultants are not members of one organisation: invite them to the firm instead.", field="role"
            )
        _check_role(role)
    elif role not in FirmRole.values:
        raise InvalidInput(f"{role!r} is not a firm role; use one of {', '.join(FirmRole.values)}.", field="role")
    earlier = list(
        MemberInvitation.objects.select_for_update(of=("self",))
        .pending()
        .filter(firm=firm, organisation=organisation, email__iexact=email)
    )
    if any(not invitation.is_expired() for invitation in earlier):
        raise StateConflict(f"{email} already has a pending invitation; resend it instead.", field="email")
    MemberInvitation.objects.filter(pk__in=[i.pk for i in earlier]).update(withdrawn_at=timezone.now())
    invitation = MemberInvitation(
        firm=firm,
        organisation=organisation,
        email=email,
        role=role,
        invited_by=invited_by if getattr(invited_by, "is_authenticated", False) else None,
    )
    token = _new_link(invitation)
    invitation.save()
    audit.record(
        action=audit.Action.MEMBER_INVITED,
        summary=f"Invited {email} to {_target(invitation)} as {invitation.role_label.lower()}",
        actor=invited_by,
        firm=firm,
        organisation=organisation,
        details={"email": email, "role": role},
    )
    _queue_invitation_email(invitation.pk, token)
    return invitation


def _locked(invitation: MemberInvitation) -> MemberInvitation:
    """The invitation read again under a row lock, so that a resend, a withdrawal and an acceptance
    cannot interleave (only its own row: PostgreSQL cannot lock the nullable side of an outer join)."""
    return (
        MemberInvitation.objects.select_for_update(of=("self",))
        .select_related("firm", "organisation")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def resend_member_invitation(*, invitation: MemberInvitation, resent_by: Any) -> MemberInvitation:
    """Send a new link with a new expiry; the previous link stops working."""
    invitation = _locked(invitation)
    if invitation.accepted_at is not None:
        raise StateConflict("This invitation has already been accepted.")
    if invitation.withdrawn_at is not None:
        raise StateConflict("This invitation was withdrawn; invite the person again.")
    token = _new_link(invitation)
    invitation.save(update_fields=["digest", "expires_at", "sent_at"])
    audit.record(
        action=audit.Action.MEMBER_INVITATION_RESENT,
        summary=f"Resent the invitation of {invitation.email} to {_target(invitation)}",
        actor=resent_by,
        firm=invitation.firm,
        organisation=invitation.organisation,
        details={"email": invitation.email},
    )
    _queue_invitation_email(invitation.pk, token)
    return invitation


@transaction.atomic
def withdraw_member_invitation(*, invitation: MemberInvitation, withdrawn_by: Any) -> MemberInvitation:
    """Make the invitation's link stop working at once (410 from then on)."""
    invitation = _locked(invitation)
    if invitation.accepted_at is not None:
        raise StateConflict("This invitation has already been accepted; remove the member instead.")
    if invitation.withdrawn_at is None:
        invitation.withdrawn_at = timezone.now()
        invitation.save(update_fields=["withdrawn_at"])
        audit.record(
            action=audit.Action.MEMBER_INVITATION_WITHDRAWN,
            summary=f"Withdrew the invitation of {invitation.email} to {_target(invitation)}",
            actor=withdrawn_by,
            firm=invitation.firm,
            organisation=invitation.organisation,
            details={"email": invitation.email},
        )
    return invitation


def send_member_invitation_email(*, invitation_id: int, token: str) -> bool:
    """Email the invitation's link now, and record when it went (`sent_at`).

    Nothing is sent (False) when the invitation was accepted, withdrawn or given a newer link since
    it was queued. A mail server's failure is raised for a retry and leaves the invitation "not sent"."""
    invitation = (
        MemberInvitation.objects.select_related("firm", "organisation", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.digest != tokens.digest_of(token):
        return False
    if invitation.accepted_at or invitation.withdrawn_at or invitation.is_expired():
        return False
    # Headers and lines of the email from single-line values only (organisations/text.py: one_line).
    context = {
        "invitation": invitation,
        "target": one_line(_target(invitation)),
        "firm": one_line(invitation.firm.name),
        "role": invitation.role_label.lower(),
        "inviter": one_line(invitation.invited_by.get_full_name()) if invitation.invited_by else "",
        "link": member_invitation_link(token),
    }
    message = EmailMessage(
        subject=one_line(f"You are invited to join {context['target']} on Waypoint"),
        body=render_to_string("organisations/email/member_invitation.txt", context),
        to=[invitation.email],
    )
    message.send()
    MemberInvitation.objects.filter(pk=invitation.pk, digest=invitation.digest).update(sent_at=timezone.now())
    return True


def find_member_invitation(*, token: str, for_update: bool = False) -> MemberInvitation:
    """The invitation a link opens, or why it cannot be used: unknown (404), withdrawn, used or expired (410)."""
    if not tokens.looks_like_a_token(token):
        raise NotFound("This link is not a valid invitation.")
    query = MemberInvitation.objects.select_related("firm", "organisation")
    if for_update:
        query = query.select_for_update(of=("self",))
    invitation = query.filter(digest=tokens.digest_of(token)).first()
    if invitation is None:
        raise NotFound("This link is not a valid invitation.")
    if invitation.withdrawn_at is not None:
        raise InvitationWithdrawn("This invitation has been withdrawn by the people who sent it.")
    if invitation.accepted_at is not None:
        raise InvitationUsed("This invitation has already been accepted; each link works once.")
    if invitation.is_expired():
        raise InvitationExpired("This invitation has expired.")
    return invitation


@transaction.atomic
def accept_member_invitation(*, token: str, user: Any) -> MemberInvitation:
    """The signed-in user accepts: they become a member of the firm (its role) or of the organisation
    (leader or viewer). The link then stops working. A role they already hold there is left as it is."""
    if not getattr(user, "is_authenticated", False):
        raise InvalidInput("Sign in, or create an account, to accept an invitation.")
    invitation = find_member_invitation(token=token, for_update=True)
    if invitation.organisation is None:
        FirmMembership.objects.get_or_create(firm=invitation.firm, user=user, defaults={"role": invitation.role})
    else:
        Membership.objects.get_or_create(
            organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        action=audit.Action.MEMBER_JOINED,
        summary=f"{audit.actor_label(user)} joined {_target(invitation)} as {invitation.role_label.lower()}",
        actor=user,
        firm=invitation.firm,
        organisation=invitation.organisation,
        details={"email": invitation.email, "role": invitation.role},
    )
    return invitation


@transaction.atomic
def accept_member_invitation_with_new_account(*, token: str, name: str, password: str) -> tuple[MemberInvitation, Any]:
    """Create an account for the invitation's email address and accept the invitation with it.

    Only the holder of the emailed link gets here, so saying that the address already has an
    account (sign in instead) tells nobody but its owner."""
    invitation = find_member_invitation(token=token, for_update=True)
    User = get_user_model()
    name = require_single_line((name or "").strip(), field="name", label="Your name")
    if not name or len(name) > 150:
        raise InvalidInput("Give your name (up to 150 characters).", field="name")
    first, _, last = name.partition(" ")
    user = User(username=invitation.email, email=invitation.email, first_name=first[:150], last_name=last.strip()[:150])
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="password") from None
    taken = User.objects.filter(email__iexact=invitation.email).exists()
    if taken or User.objects.filter(username__iexact=invitation.email).exists():
        raise StateConflict(f"An account already uses {invitation.email}: sign in to accept.", field="email")
    user.set_password(password)
    user.save()
    return accept_member_invitation(token=token, user=user), user


# --- firm members -----------------------------------------------------------------------------


def _last_admin_message(firm: Firm) -> str:
    return f"{firm.name} needs at least one admin; make another member an admin first."


def _lock_admins(firm_id: int) -> list[int]:
    """The firm's admins' membership ids, locked so that two changes cannot remove the last two at once."""
    return list(
        FirmMembership.objects.select_for_update()
        .filter(firm_id=firm_id, role=FirmRole.ADMIN)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def change_firm_role(*, membership: FirmMembership, role: str, changed_by: Any) -> FirmMembership:
    """Make a firm member an admin or a consultant; the last admin stays an admin."""
    if role not in FirmRole.values:
        raise InvalidInput(f"{role!r} is not a firm role; use one of {', '.join(FirmRole.values)}.", field="role")
    admins = _lock_admins(membership.firm_id)
    membership = FirmMembership.objects.select_related("firm", "user").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == FirmRole.ADMIN and admins == [membership.pk]:
        raise StateConflict(_last_admin_message(membership.firm))
    before, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    audit.record(
        action=audit.Action.MEMBER_ROLE_CHANGED,
        summary=f"Changed {audit.actor_label(membership.user)} from {before} to {role} in {membership.firm}",
        actor=changed_by,
        firm=membership.firm,
        details={"before": before, "after": role},
    )
    return membership


@transaction.atomic
def remove_firm_member(*, membership: FirmMembership, removed_by: Any) -> None:
    """Take a member out of the firm (or let them leave); the last admin cannot go."""
    admins = _lock_admins(membership.firm_id)
    membership = FirmMembership.objects.select_related("firm", "user").get(pk=membership.pk)
    if admins == [membership.pk]:
        raise StateConflict(_last_admin_message(membership.firm))
    audit.record(
        action=audit.Action.MEMBER_REMOVED,
        summary=f"Removed {audit.actor_label(membership.user)} ({membership.role}) from {membership.firm}",
        actor=removed_by,
        firm=membership.firm,
    )
    membership.delete()
