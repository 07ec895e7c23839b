"""Reports: request one, render it once. Every caller (API, web page, command, task) goes through here."""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from pypdf import PdfReader

from assessment.models import Assessment, AssessmentState
from organisations import audit
from organisations.errors import NotFound, StateConflict
from outbox import services as outbox
from reports.deck import roadmap_deck
from reports.document import RoadmapDocument, build_roadmap_document, logo_path, roadmap_html
from reports.models import Report, ReportStatus
from reports.pdf import html_to_pdf

logger = logging.getLogger(__name__)

# A report whose render was interrupted this many times (a worker killed each time) is given up.
MAX_ATTEMPTS = 5


@transaction.atomic
def request_report(*, assessment: Assessment, requested_by: Any = None) -> Report:
    """Create a queued Report of the assessment and queue its rendering once the transaction commits."""
    from reports.tasks import render_report as render_task

    _require_evidence(assessment)
    report = Report.objects.create(
        assessment=assessment,
        rubric_version_id=assessment.rubric_version_id,
        requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
    )
    outbox.enqueue(render_task, report.id, about="reports.report", about_id=report.id)
    audit.record(
        action=audit.Action.REPORT_REQUESTED,
        summary=f"Requested a report of {assessment.period} of {assessment.organisation.name}",
        actor=requested_by,
        organisation=assessment.organisation,
        details={"assessment": assessment.pk, "report": report.pk},
    )
    return report


def open_report(*, report: Report, downloaded_by: Any = None, deck: bool = False) -> File:
    """A ready report's PDF (or, with `deck`, its PowerPoint deck), opened for reading; the download is
    recorded in the firm's audit log. A report rendered before decks existed has none: NotFound."""
    if not report.is_ready:
        raise StateConflict(f"Report {report.pk} is {report.status}, not ready; its status URL says when it is.")
    if deck and not report.deck:
        raise NotFound(
            f"Report {report.pk} was rendered before reports came with a PowerPoint deck; request a new report "
            "to get one."
        )
    organisation = report.assessment.organisation
    kind = "deck" if deck else "PDF"
    audit.record(
        action=audit.Action.REPORT_DOWNLOADED,
        summary=f"Downloaded the {kind} of report {report.pk} of {report.assessment.period} of {organisation.name}",
        actor=downloaded_by,
        organisation=organisation,
        details={"assessment": report.assessment_id, "report": report.pk, "format": "pptx" if deck else "pdf"},
    )
    return (report.deck if deck else report.pdf).open("rb")


def render_pdf(*, assessment: Assessment, issued_on: Any = None) -> tuple[RoadmapDocument, bytes]:
    """The roadmap document of an assessment and its PDF, rendered now (nothing stored)."""
    _require_evidence(assessment)
    document = build_roadmap_document(assessment, issued_on=issued_on)
    logo = logo_path(document)
    return document, html_to_pdf(roadmap_html(document), also=[logo] if logo else [])


def _require_evidence(assessment: Assessment) -> None:
    if assessment.state == AssessmentState.DRAFT:
        raise StateConflict("A draft assessment has no answers to report on yet; open it first.")


def render_report(*, report_id: int) -> Report:
    """Render a queued report and mark it ready, exactly once, however often it is delivered.

    A ready or failed report is left as it is. A report left 'rendering' by a killed worker is
    rendered again; if two renders race, the first to finish wins and the other's file is discarded.
    """
    claimed = Report.objects.filter(
        pk=report_id, status__in=[ReportStatus.QUEUED, ReportStatus.RENDERING], attempts__lt=MAX_ATTEMPTS
    ).update(status=ReportStatus.RENDERING, attempts=F("attempts") + 1, started_at=timezone.now())
    report = Report.objects.select_related("assessment__organisation").get(pk=report_id)
    if not claimed:
        if not report.is_finished:
            return record_report_failure(
                report_id=report_id, error=f"Rendering was interrupted {report.attempts} times; giving up."
            )
        return report
    document, pdf = render_pdf(assessment=report.assessment, issued_on=timezone.localdate(report.requested_at))
    # The deck is laid out from the very snapshot the Report keeps, so both files show the same numbers.
    snapshot = document.as_json()
    deck = roadmap_deck(snapshot, logo=logo_path(document))
    checksum = hashlib.sha256(pdf).hexdigest()
    report.pdf.save(f"{report.stored_stem}-{checksum[:12]}.pdf", ContentFile(pdf), save=False)
    report.deck.save(f"{report.stored_stem}-{checksum[:12]}.pptx", ContentFile(deck), save=False)
    finished = Report.objects.filter(pk=report_id, status=ReportStatus.RENDERING).update(
        status=ReportStatus.READY,
        pdf=report.pdf.name,
        deck=report.deck.name,
        checksum=checksum,
        snapshot=snapshot,
        pages=len(PdfReader(io.BytesIO(pdf)).pages),
        size=len(pdf),
        error="",
        rendered_at=timezone.now(),
    )
    if not finished:
        # Another delivery of the same task finished first: its files are the report's, ours go.
        for field in (report.pdf, report.deck):
            if field.name:
                field.storage.delete(field.name)
        logger.info("Report %s was already rendered by another delivery; discarded a duplicate", report_id)
    return Report.objects.get(pk=report_id)


def record_report_failure(*, report_id: int, error: str) -> Report:
    """Mark an unfinished report failed with the error a person can read; a ready report stays ready."""
    Report.objects.filter(pk=report_id).exclude(status=ReportStatus.READY).update(
        status=ReportStatus.FAILED, error=error[:2000]
    )
    return Report.objects.get(pk=report_id)
