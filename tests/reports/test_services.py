"""request_report and render_report: queued once, rendered once, a ready report never changes."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from assessment.models import Assessment
from organisations.errors import StateConflict
from reports import services, tasks
from reports.models import Report, ReportStatus


def test_requesting_a_report_queues_it_and_its_render_after_the_commit(
    this_year, consultant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.request_report(assessment=this_year, requested_by=consultant)
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert (report.status, report.requested_by, report.rubric_version_id) == (
        ReportStatus.QUEUED,
        consultant,
        this_year.rubric_version_id,
    )
    assert not report.pdf

    callbacks[0]()  # the broker delivers the task (eager here)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    pdf = report.pdf.read()
    assert report.checksum == hashlib.sha256(pdf).hexdigest()
    assert (report.size, report.pages) == (len(pdf), len(PdfReader(io.BytesIO(pdf)).pages))
    assert report.attempts == 1 and report.rendered_at is not None
    assert report.snapshot["summary"]["overall_score"] == "2.7"
    assert report.snapshot["cover"]["organisation"] == "Northwind Traders"


def test_a_draft_assessment_cannot_be_reported_and_nothing_is_created(draft_assessment):
    with pytest.raises(StateConflict):
        services.request_report(assessment=draft_assessment)
    assert not Report.objects.exists()


def ready_report(assessment, capture) -> Report:
    with capture(execute=True):
        report = services.request_report(assessment=assessment)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    return report


def test_a_redelivered_task_for_a_ready_report_changes_nothing(this_year, django_capture_on_commit_callbacks):
    report = ready_report(this_year, django_capture_on_commit_callbacks)
    before = Report.objects.values().get(pk=report.pk)
    files = sorted(p.name for p in _files(report))

    assert tasks.render_report.delay(report.pk).get() == ReportStatus.READY

    assert Report.objects.values().get(pk=report.pk) == before
    assert sorted(p.name for p in _files(report)) == files


def _files(report: Report):
    from pathlib import Path

    return list(Path(report.pdf.path).parent.iterdir())


def test_a_report_left_rendering_by_a_killed_worker_is_rendered_again_and_ends_ready_once(this_year):
    report = Report.objects.create(
        assessment=this_year, rubric_version=this_year.rubric_version, status=ReportStatus.RENDERING, attempts=1
    )
    rendered = services.render_report(report_id=report.pk)
    assert (rendered.status, rendered.attempts) == (ReportStatus.READY, 2)
    # One PDF and one deck: the interrupted render left nothing behind.
    assert sorted(p.suffix for p in _files(rendered)) == [".pdf", ".pptx"]


def test_a_report_interrupted_too_often_is_given_up_with_a_reason(this_year):
    report = Report.objects.create(
        assessment=this_year,
        rubric_version=this_year.rubric_version,
        status=ReportStatus.RENDERING,
        attempts=services.MAX_ATTEMPTS,
    )
    failed = services.render_report(report_id=report.pk)
    assert failed.status == ReportStatus.FAILED
    assert failed.error == f"Rendering was interrupted {services.MAX_ATTEMPTS} times; giving up."


def test_a_render_that_cannot_succeed_fails_at_once_with_the_error_on_the_row(this_year):
    report = Report.objects.create(assessment=this_year, rubric_version=this_year.rubric_version)
    # The assessment went back to draft after the request: a deterministic error, not worth retrying.
    Assessment.objects.filter(pk=this_year.pk).update(state="draft")

    assert tasks.render_report.delay(report.pk).get() == ReportStatus.FAILED

    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.attempts == 1
    assert report.error == "StateConflict: A draft assessment has no answers to report on yet; open it first."


def test_a_failure_is_never_recorded_on_a_ready_report(this_year, django_capture_on_commit_callbacks):
    report = ready_report(this_year, django_capture_on_commit_callbacks)
    assert services.record_report_failure(report_id=report.pk, error="late failure").status == ReportStatus.READY


def test_a_ready_report_cannot_be_saved_again(this_year, django_capture_on_commit_callbacks):
    report = ready_report(this_year, django_capture_on_commit_callbacks)
    report.error = "edited"
    with pytest.raises(StateConflict):
        report.save()
    assert Report.objects.get(pk=report.pk).error == ""


def test_a_new_render_makes_a_new_report_and_keeps_the_old_one(this_year, django_capture_on_commit_callbacks):
    first = ready_report(this_year, django_capture_on_commit_callbacks)
    second = ready_report(this_year, django_capture_on_commit_callbacks)
    assert first.pk != second.pk
    assert first.pdf.name != second.pdf.name
    assert Report.objects.get(pk=first.pk).checksum == first.checksum


@pytest.mark.parametrize(("retries", "delay"), [(0, 2), (1, 4), (2, 8), (4, 32), (5, 60), (9, 60)])
def test_transient_errors_are_retried_with_exponential_backoff_capped_at_a_minute(retries, delay):
    assert tasks.retry_delay(retries) == delay


def test_only_connection_and_database_errors_count_as_transient():
    from django.db import IntegrityError, OperationalError

    assert issubclass(OperationalError, tasks.TRANSIENT_ERRORS)
    assert issubclass(ConnectionResetError, tasks.TRANSIENT_ERRORS)
    assert not issubclass(IntegrityError, tasks.TRANSIENT_ERRORS)
    assert not issubclass(ValueError, tasks.TRANSIENT_ERRORS)


def test_the_task_goes_to_the_reports_queue(settings):
    from config.celery import app

    assert app.amqp.router.route({}, tasks.render_report.name)["queue"].name == "reports"


def test_render_roadmap_writes_the_pdf_synchronously(this_year, tmp_path):
    output = tmp_path / "roadmap.pdf"
    out = io.StringIO()
    call_command("render_roadmap", str(this_year.pk), "-o", str(output), stdout=out)
    reader = PdfReader(output)
    assert reader.metadata["/Title"] == "Northwind Traders · Sales maturity roadmap · FY2026"
    assert out.getvalue().startswith(f"Wrote {output} (")
    assert not Report.objects.exists()


def test_render_roadmap_refuses_an_unknown_or_draft_assessment(draft_assessment, tmp_path):
    with pytest.raises(CommandError, match="No assessment with id 999999"):
        call_command("render_roadmap", "999999", "-o", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="draft assessment"):
        call_command("render_roadmap", str(draft_assessment.pk), "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
