"""Web pages: an assessment's reports (request one, download), and an organisation's executive overview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from assessment.models import Assessment
from organisations.errors import DomainError
from organisations.models import Organisation
from organisations.permissions import RUN
from organisations.throttles import hit, too_many_requests_page
from reports import services
from reports.models import Report
from reports.overview import organisation_overview as build_overview


@login_required
@require_http_methods(["GET", "POST"])
def assessment_reports(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The reports of one assessment (GET); its consultants and leaders request a new one (POST, then back
    here), a limited number per organisation per hour."""
    assessment = get_object_or_404(
        Assessment.objects.visible_to(request.user).select_related("organisation"), pk=assessment_id
    )
    may_request = assessment.organisation.role_of(request.user) in RUN
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied("Only the organisation's consultants and leaders request reports.")
        wait = hit("report-render", f"organisation:{assessment.organisation_id}")
        if wait is not None:
            return too_many_requests_page(request, wait)
        try:
            services.request_report(assessment=assessment, requested_by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Report requested. It will be ready to download in a moment.")
        return redirect("reports:assessment-reports", assessment_id=assessment.pk)
    reports = Report.objects.filter(assessment=assessment).select_related("requested_by")
    return render(
        request,
        "reports/assessment_reports.html",
        {
            "assessment": assessment,
            "reports": reports,
            "may_request": may_request,
            "can_request": assessment.state != "draft",
        },
    )


@login_required
@require_GET
def download(request: HttpRequest, report_id: int) -> FileResponse:
    """A ready report's PDF, as delivered."""
    report = get_object_or_404(
        Report.objects.visible_to(request.user).select_related("assessment__organisation__firm"), pk=report_id
    )
    if not report.is_ready:
        raise Http404("This report is not ready.")
    pdf = services.open_report(report=report, downloaded_by=request.user)
    return FileResponse(pdf, as_attachment=True, filename=report.filename, content_type="application/pdf")


@login_required
@require_GET
def organisation_overview(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The executive view of one of the user's organisations: reports, trends, outcomes, initiatives."""
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=organisation_id)
    overview = build_overview(organisation, role=organisation.role_of(request.user))
    return render(request, "reports/organisation.html", {"overview": overview})
