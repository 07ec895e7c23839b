"""Delivering a ready report: by email to chosen members of the organisation (a link to sign in and read
it) and to named outside addresses (a download link of their own that expires and can be revoked).

Every email goes through the outbox; every send, revocation and download through a shared link is in
the firm's audit log.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from organisations import audit, branding
from organisations.errors import Gone, InvalidInput, NotFound, StateConflict, Unprocessable
from organisations.models import Membership
from organisations.text import one_line
from outbox import services as outbox
from reports import links
from reports.models import Report, ReportLink

MAX_RECIPIENTS = 20
DEFAULT_LINK_DAYS = 14
MAX_LINK_DAYS = 90
REPORT_EMAIL = "reports.email"


class LinkRevoked(Gone):
    code = "link_revoked"


class LinkExpired(Gone):
    code = "link_expired"


@dataclass(frozen=True)
class Delivery:
    """Who a report was sent to: members by user id, outside addresses with their new links."""

    report: Report
    members: tuple[Any, ...]
    links: tuple[ReportLink, ...]


def _clean_emails(emails: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for position, raw in enumerate(emails, start=1):
        email = str(raw).strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(
                f"Address {position} ({one_line(str(raw))[:80]!r}) is not an email address.", field="emails"
            ) from None
        if email not in cleaned:
            cleaned.append(email)
    return cleaned


@transaction.atomic
def send_report(
    *,
    report: Report,
    sent_by: Any,
    member_ids: Sequence[int] = (),
    emails: Sequence[str] = (),
    days: int = DEFAULT_LINK_DAYS,
) -> Delivery:
    """Email a ready report to members of its organisation and to outside addresses (one link each)."""
    if not report.is_ready:
        raise StateConflict(f"Report {report.pk} is {report.status}, not ready: send it once it is.")
    if not 1 <= days <= MAX_LINK_DAYS:
        raise InvalidInput(f"A link lasts from 1 to {MAX_LINK_DAYS} days, not {days}.", field="days")
    addresses = _clean_emails(emails)
    wanted = list(dict.fromkeys(int(i) for i in member_ids))
    if not wanted and not addresses:
        raise InvalidInput("Choose at least one member or give at least one email address.", field="members")
    if len(wanted) + len(addresses) > MAX_RECIPIENTS:
        raise InvalidInput(f"Send to at most {MAX_RECIPIENTS} people at a time.", field="emails")
    organisation = report.assessment.organisation
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(organisation=organisation, user_id__in=wanted).select_related("user")
    }
    missing = [i for i in wanted if i not in memberships]
    if missing:
        raise Unprocessable(
            f"Not a member of {organisation.name}: {', '.join(str(i) for i in missing)}.", field="members"
        )
    members = tuple(memberships[i].user for i in wanted)
    no_address = [m.get_username() for m in members if not m.email]
    if no_address:
        raise Unprocessable(f"No email address on record for {', '.join(no_address)}.", field="members")
    expires_at = timezone.now() + datetime.timedelta(days=days)
    created = []
    for email in addresses:
        secret = links.new_secret()
        created.append(
            ReportLink.objects.create(
                report=report,
                email=email,
                secret=secret,
                digest=links.digest_of(links.token_for(secret)),
                sent_by=sent_by if getattr(sent_by, "is_authenticated", False) else None,
                expires_at=expires_at,
            )
        )
    from reports.tasks import send_report_email_task

    for member in members:
        outbox.enqueue(send_report_email_task, report.pk, "member", member.pk, about=REPORT_EMAIL, about_id=report.pk)
    for link in created:
        outbox.enqueue(send_report_email_task, report.pk, "link", link.pk, about=REPORT_EMAIL, about_id=report.pk)
    audit.record(
        action=audit.Action.REPORT_SENT,
        summary=(
            f"Sent report {report.pk} of {report.assessment.period} of {organisation.name} to "
            f"{len(members)} member{'s' if len(members) != 1 else ''} and {len(created)} outside "
            f"address{'es' if len(created) != 1 else ''}"
        ),
        actor=sent_by,
        organisation=organisation,
        details={
            "report": report.pk,
            "members": [m.pk for m in members],
            "links": [
                {"id": link.pk, "email": link.email, "expires_at": link.expires_at.isoformat()} for link in created
            ],
        },
    )
    return Delivery(report=report, members=members, links=tuple(created))


def shared_link_url(link: ReportLink) -> str:
    return settings.SITE_URL + reverse("reports:shared", kwargs={"token": links.token_for(link.secret)})


def send_report_email(*, report_id: int, kind: str, target_id: int) -> bool:
    """Send one queued report email now. Nothing goes (False) when the link was revoked or has expired,
    or the member left the organisation, since it was queued."""
    report = Report.objects.select_related("assessment__organisation__firm").filter(pk=report_id).first()
    if report is None or not report.is_ready:
        return False
    organisation = report.assessment.organisation
    context: dict[str, Any] = {
        "organisation": one_line(organisation.name),
        "firm": one_line(organisation.firm.name),
        "period": one_line(report.assessment.period),
        "pages": report.pages,
    }
    if kind == "member":
        membership = (
            Membership.objects.filter(organisation=organisation, user_id=target_id).select_related("user").first()
        )
        if membership is None or not membership.user.email:
            return False
        to = membership.user.email
        context |= {
            "name": one_line(membership.user.first_name),
            "link": settings.SITE_URL + reverse("reports:organisation", kwargs={"organisation_id": organisation.pk}),
            "member": True,
        }
    elif kind == "link":
        link = ReportLink.objects.filter(pk=target_id, report=report).first()
        if link is None or link.state(timezone.now()) != "active":
            return False
        to = link.email
        context |= {"name": "", "link": shared_link_url(link), "member": False, "expires_at": link.expires_at}
    else:
        raise InvalidInput(f"{kind!r} is not a kind of report email.", field="kind")
    EmailMessage(
        subject=one_line(f"{organisation.name}: sales maturity roadmap {report.assessment.period}"),
        body=render_to_string("reports/email/report.txt", context),
        from_email=branding.from_address(organisation.firm),
        to=[to],
    ).send()
    return True


@transaction.atomic
def revoke_link(*, link: ReportLink, revoked_by: Any) -> ReportLink:
    """Stop a shared link working (410 from then on); revoking twice changes nothing."""
    link = ReportLink.objects.select_for_update().select_related("report__assessment__organisation").get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        organisation = link.report.assessment.organisation
        audit.record(
            action=audit.Action.REPORT_LINK_REVOKED,
            summary=f"Revoked the link to report {link.report_id} sent to {link.email}",
            actor=revoked_by,
            organisation=organisation,
            details={"report": link.report_id, "link": link.pk, "email": link.email},
        )
    return link


def open_shared(*, token: str) -> tuple[ReportLink, File]:
    """The PDF a shared link opens, counted and logged; unknown 404, revoked or expired 410."""
    if not links.looks_like_a_token(token):
        raise NotFound("This link does not open any report.")
    link = (
        ReportLink.objects.select_related("report__assessment__organisation__firm")
        .filter(digest=links.digest_of(token))
        .first()
    )
    if link is None or not link.report.is_ready:
        raise NotFound("This link does not open any report.")
    state = link.state(timezone.now())
    if state == "revoked":
        raise LinkRevoked("This link was withdrawn by the people who sent it. Ask them for the report again.")
    if state == "expired":
        raise LinkExpired(
            f"This link expired on {timezone.localtime(link.expires_at):%d %B %Y}. "
            "Ask the people who sent it for a new one."
        )
    now = timezone.now()
    ReportLink.objects.filter(pk=link.pk).update(downloads=F("downloads") + 1, last_downloaded_at=now)
    organisation = link.report.assessment.organisation
    audit.record(
        action=audit.Action.REPORT_LINK_DOWNLOADED,
        summary=f"Report {link.report_id} downloaded through the link sent to {link.email}",
        organisation=organisation,
        details={"report": link.report_id, "link": link.pk, "email": link.email},
    )
    return link, link.report.pdf.open("rb")
