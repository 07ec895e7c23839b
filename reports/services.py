"""Reports: request one, render it once. Every caller (API, web page, command, task) goes through here."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from pypdf import PdfReader

from assessment.models import Assessment, AssessmentState
from organisations import audit, throttles
from organisations.errors import DomainError, NotFound, StateConflict, Unprocessable
from organisations.models import Firm, Organisation
from outbox import services as outbox
from reports.batches import ReportBatch
from reports.deck import roadmap_deck
from reports.document import RoadmapDocument, build_roadmap_document, logo_path, roadmap_html
from reports.models import Report, ReportStatus
from reports.pdf import html_to_pdf

logger = logging.getLogger(__name__)

# A report whose render was interrupted this many times (a worker killed each time) is given up.
MAX_ATTEMPTS = 5


@transaction.atomic
def request_report(*, assessment: Assessment, requested_by: Any = None, batch: ReportBatch | None = None) -> Report:
    """Create a queued Report of the assessment and queue its rendering once the transaction commits."""
    from reports.tasks import render_report as render_task

    _require_evidence(assessment)
    report = Report.objects.create(
        assessment=assessment,
        rubric_version_id=assessment.rubric_version_id,
        requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
        batch=batch,
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


# A batch looks back at most this far: two years of closings is already a long list to render.
MAX_BATCH_DAYS = 731
SKIPPED_NO_ANSWERS = "no_answers"
SKIPPED_NOT_ALLOWED = "not_allowed"
SKIPPED_THROTTLED = "throttled"


class NothingToBatch(Unprocessable):
    """No client's assessment closed in the period could be requested: no batch is made (422)."""

    code = "nothing_to_batch"


class BatchThrottled(DomainError):
    """Every client the batch would render has used up its renders for now (429 with Retry-After)."""

    code = "throttled"

    def __init__(self, message: str, *, wait: int):
        super().__init__(message)
        self.wait = wait


@dataclass(frozen=True)
class _Candidate:
    assessment: Assessment
    reason: str = ""  # why it is skipped; empty: it is requested
    message: str = ""


def check_batch_period(*, closed_from: date, closed_to: date, today: date | None = None) -> None:
    """The period of a batch: in order, not starting in the future, at most MAX_BATCH_DAYS long (422:
    dates the API's schema accepts, against a rule it cannot state)."""
    today = today or timezone.localdate()
    if closed_from > closed_to:
        raise Unprocessable(
            "The period ends before it starts: give a “to” date on or after the “from” date.", field="closed_to"
        )
    if closed_from > today:
        raise Unprocessable("The period starts in the future: no assessment has closed then yet.", field="closed_from")
    if (closed_to - closed_from).days + 1 > MAX_BATCH_DAYS:
        raise Unprocessable(
            f"A batch covers at most {MAX_BATCH_DAYS} days (two years); request a shorter period.", field="closed_from"
        )


def _wait_words(seconds: int) -> str:
    return throttles.throttled_message(seconds).removeprefix("Too many requests; try again in ").rstrip(".")


def _batch_candidates(*, firm: Firm, closed_from: date, closed_to: date, requested_by: Any) -> list[_Candidate]:
    """Every assessment of the firm's clients closed in the period, by client name, each with the reason
    it is skipped, if it is: no counted answer, or a client the requester may not request reports of."""
    closed = (
        Assessment.objects.closed()
        .filter(organisation__firm=firm, closed_at__date__gte=closed_from, closed_at__date__lte=closed_to)
        .select_related("organisation__firm")
        .annotate(counted=Count("responses", filter=Q(responses__submitted_at__isnull=False, responses__late=False)))
        .order_by("organisation__name", "organisation_id", "period", "id")
    )
    # A member of the firm runs every client of it (Organisation.role_of): this only ever leaves out
    # clients when the requester is not the firm's, which the pages and the API refuse before.
    allowed = set(Organisation.objects.of_firms_of(requested_by).filter(firm=firm).values_list("pk", flat=True))
    candidates = []
    for assessment in closed:
        if assessment.organisation_id not in allowed:
            candidates.append(_Candidate(assessment, SKIPPED_NOT_ALLOWED, "you may not request its reports"))
        elif not assessment.counted:
            candidates.append(_Candidate(assessment, SKIPPED_NO_ANSWERS, "no submitted answers to report on"))
        else:
            candidates.append(_Candidate(assessment))
    return candidates


@transaction.atomic
def request_batch(*, firm: Firm, closed_from: date, closed_to: date, requested_by: Any) -> ReportBatch:
    """Request the roadmap of every client of the firm whose assessment closed between the two dates
    (both included), each through request_report, under one ReportBatch that lists what was skipped.

    The render limit per organisation (THROTTLE_REPORT_RENDERS) counts a batch once per client,
    however many of its assessments closed in the period; a client over its limit is skipped. Raises
    NothingToBatch when nothing can be requested (no batch is kept), BatchThrottled when only the
    limit stood in the way.
    """
    check_batch_period(closed_from=closed_from, closed_to=closed_to)
    candidates = _batch_candidates(firm=firm, closed_from=closed_from, closed_to=closed_to, requested_by=requested_by)
    waits: dict[int, int | None] = {}
    checked = []
    for candidate in candidates:
        organisation_id = candidate.assessment.organisation_id
        if not candidate.reason and organisation_id not in waits:
            waits[organisation_id] = throttles.hit("report-render", f"organisation:{organisation_id}")
        wait = waits.get(organisation_id)
        if not candidate.reason and wait is not None:
            message = f"its report limit for this hour is used up; try again in {_wait_words(wait)}"
            candidate = _Candidate(candidate.assessment, SKIPPED_THROTTLED, message)
        checked.append(candidate)
    chosen = [c.assessment for c in checked if not c.reason]
    period = f"between {_day(closed_from)} and {_day(closed_to)}"
    if not chosen:
        limited = [w for w in waits.values() if w is not None]
        if limited:
            # Only the limit stood between these clients and their reports: later, the same request works.
            wait = max(limited)
            raise BatchThrottled(
                f"The clients with an assessment closed {period} have used up their reports for this hour; "
                f"try again in {_wait_words(wait)}.",
                wait=wait,
            )
        if not checked:
            raise NothingToBatch(f"No client's assessment closed {period}: there is nothing to request.")
        raise NothingToBatch(
            f"{len(checked)} assessment{'s' if len(checked) != 1 else ''} closed {period}, but none can be "
            f"requested: {'; '.join(_skip_line(c) for c in checked)}."
        )
    batch = ReportBatch.objects.create(
        firm=firm,
        requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
        closed_from=closed_from,
        closed_to=closed_to,
        skipped=[
            {
                "assessment": c.assessment.pk,
                "organisation": c.assessment.organisation.name,
                "period": c.assessment.period,
                "reason": c.reason,
                "message": c.message,
            }
            for c in checked
            if c.reason
        ],
    )
    for assessment in chosen:
        request_report(assessment=assessment, requested_by=requested_by, batch=batch)
    skipped = len(checked) - len(chosen)
    audit.record(
        action=audit.Action.REPORT_BATCH_REQUESTED,
        summary=f"Requested the roadmaps of {len(chosen)} assessment{'s' if len(chosen) != 1 else ''} "
        f"closed {period}" + (f" ({skipped} skipped)" if skipped else ""),
        actor=requested_by,
        firm=firm,
        details={
            "batch": batch.pk,
            "closed_from": closed_from.isoformat(),
            "closed_to": closed_to.isoformat(),
            "assessments": [a.pk for a in chosen],
            "skipped": skipped,
        },
    )
    return batch


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _skip_line(candidate: _Candidate) -> str:
    return f"{candidate.assessment.organisation.name} {candidate.assessment.period}: {candidate.message}"


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
