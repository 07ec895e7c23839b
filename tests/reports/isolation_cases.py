"""Tenant-isolation cases of the reports API (see tests/api/isolation_cases.py)."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from reports import links
from reports.models import Report, ReportLink, ReportStatus
from tests.api.isolation_cases import NOT_FOUND, UNSCOPED, case
from tests.api.world import World


def our_report(world: World) -> Report:
    return Report.objects.create(assessment=world.closed_assessment, rubric_version=world.rubric_version)


case(
    "/api/v1/assessments/{assessment_id}/reports/",
    "GET",
    NOT_FOUND,
    params=lambda w: {"assessment_id": w.closed_assessment.pk},
)
case(
    "/api/v1/assessments/{assessment_id}/reports/",
    "POST",
    NOT_FOUND,
    params=lambda w: {"assessment_id": w.closed_assessment.pk},
)
case(
    "/api/v1/organisations/{organisation_id}/reports/",
    "GET",
    NOT_FOUND,
    params=lambda w: {"organisation_id": w.organisation.pk},
)
case("/api/v1/reports/{id}/", "GET", NOT_FOUND, params=lambda w: {"id": our_report(w).pk})
case("/api/v1/reports/{id}/pdf/", "GET", NOT_FOUND, params=lambda w: {"id": our_report(w).pk})


def our_ready_report(world: World) -> Report:
    """A ready report of ours (its files stand-ins: only who may reach them matters here)."""
    report = our_report(world)
    report.pdf.save(f"isolation-{report.pk}.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    report.deck.save(f"isolation-{report.pk}.pptx", ContentFile(b"PK\x03\x04"), save=False)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.READY,
        pdf=report.pdf.name,
        deck=report.deck.name,
        checksum="0" * 64,
        snapshot={},
        rendered_at=timezone.now(),
    )
    return report


def our_link(world: World) -> dict:
    secret = links.new_secret()
    link = ReportLink.objects.create(
        report=our_ready_report(world),
        email="northwind.board@example.com",
        secret=secret,
        digest=links.digest_of(links.token_for(secret)),
        expires_at=timezone.now() + timedelta(days=14),
    )
    return {"id": link.pk}


case(
    "/api/v1/reports/{id}/send/",
    "POST",
    NOT_FOUND,
    params=lambda w: {"id": our_ready_report(w).pk},
    body=lambda w: {"emails": ["someone@example.com"]},
)
case("/api/v1/reports/{id}/deck/", "GET", NOT_FOUND, params=lambda w: {"id": our_ready_report(w).pk})
case("/api/v1/reports/{id}/links/", "GET", NOT_FOUND, params=lambda w: {"id": our_ready_report(w).pk})
case("/api/v1/report-links/{id}/revoke/", "POST", NOT_FOUND, params=our_link)


def our_batch(world: World) -> dict:
    """A batch of our firm's, holding a report of our closed assessment."""
    from reports.batches import ReportBatch

    day = timezone.localdate()
    batch = ReportBatch.objects.create(firm=world.firm, requested_by=world.consultant, closed_from=day, closed_to=day)
    Report.objects.filter(pk=our_report(world).pk).update(batch=batch)
    return {"id": batch.pk}


def _this_month(world: World) -> dict:
    day = timezone.localdate()
    return {"closed_from": (day - timedelta(days=30)).isoformat(), "closed_to": day.isoformat()}


# The outsider batches their own firm's clients (none closed: 422); ours stay unrequested.
case("/api/v1/report-batches/", "POST", UNSCOPED, body=_this_month, statuses=(422,))
case("/api/v1/report-batches/{id}/", "GET", NOT_FOUND, params=our_batch)
