"""Web pages: an assessment's reports (request one, download), and an organisation's executive overview."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment.models import Assessment
from organisations.errors import DomainError
from organisations.models import Firm, Membership, Organisation
from organisations.permissions import RUN, is_consultant
from organisations.throttles import hit, too_many_requests_page
from reports import delivery, services
from reports.batches import ReportBatch
from reports.deck import MEDIA_TYPE as DECK_MEDIA_TYPE
from reports.forms import ReportBatchForm, SendReportForm
from reports.models import Report, ReportLink, ReportStatus
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
def download_deck(request: HttpRequest, report_id: int) -> HttpResponse:
    """A ready report's editable PowerPoint deck; reports rendered before decks existed have none (404,
    saying so)."""
    report = get_object_or_404(
        Report.objects.visible_to(request.user).select_related("assessment__organisation__firm"), pk=report_id
    )
    if not report.is_ready:
        raise Http404("This report is not ready.")
    if not report.deck:
        return render(request, "reports/no_deck.html", {"report": report}, status=404)
    deck = services.open_report(report=report, downloaded_by=request.user, deck=True)
    return FileResponse(deck, as_attachment=True, filename=report.deck_filename, content_type=DECK_MEDIA_TYPE)


@login_required
@require_GET
def organisation_overview(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The executive view of one of the user's organisations: reports, trends, outcomes, initiatives."""
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=organisation_id)
    overview = build_overview(organisation, role=organisation.role_of(request.user))
    return render(request, "reports/organisation.html", {"overview": overview})


@login_required
@require_http_methods(["GET", "POST"])
def send(request: HttpRequest, report_id: int) -> HttpResponse:
    """Send a ready report to members of the organisation and to outside addresses, and see the links sent
    (each with its downloads, and a button to revoke it). Consultants and leaders only."""
    report = get_object_or_404(
        Report.objects.visible_to(request.user).select_related("assessment__organisation"), pk=report_id
    )
    organisation = report.assessment.organisation
    if organisation.role_of(request.user) not in RUN:
        raise PermissionDenied("Only the organisation's consultants and leaders send reports.")
    if not report.is_ready:
        raise Http404("This report is not ready.")
    members = [
        (m.user_id, f"{m.user.get_full_name() or m.user.get_username()} <{m.user.email or 'no email'}>")
        for m in Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__username")
    ]
    form = SendReportForm(members, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                sent = delivery.send_report(
                    report=report,
                    sent_by=request.user,
                    member_ids=[int(i) for i in form.cleaned_data["members"]],
                    emails=form.cleaned_data["emails"],
                    days=form.cleaned_data["days"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                people = len(sent.members) + len(sent.links)
                messages.success(request, f"Sent to {people} {'person' if people == 1 else 'people'}.")
                return redirect("reports:send", report_id=report.pk)
    links = ReportLink.objects.filter(report=report)
    now = timezone.now()
    return render(
        request,
        "reports/send.html",
        {"report": report, "form": form, "links": [(link, link.state(now)) for link in links]},
        status=status,
    )


@login_required
@require_POST
def revoke_link(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(
        ReportLink.objects.visible_to(request.user).select_related("report__assessment__organisation"), pk=link_id
    )
    if link.report.assessment.organisation.role_of(request.user) not in RUN:
        raise PermissionDenied("Only the organisation's consultants and leaders revoke links.")
    delivery.revoke_link(link=link, revoked_by=request.user)
    messages.success(request, f"The link sent to {link.email} no longer works.")
    return redirect("reports:send", report_id=link.report_id)


@require_GET
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """A report's PDF through a link sent to an outside address: 404 unknown, 410 revoked or expired."""
    try:
        link, pdf = delivery.open_shared(token=token)
    except DomainError as exc:
        status = 410 if isinstance(exc, delivery.Gone) else 404
        return render(request, "reports/shared_problem.html", {"message": exc.message}, status=status)
    return FileResponse(pdf, as_attachment=True, filename=link.report.filename, content_type="application/pdf")


# --- batches: the roadmaps of every client whose assessment closed in a period ---------------------

RECENT_BATCHES = 20
# Seconds between reloads of a batch's page while its reports render.
BATCH_REFRESH = 3


@login_required
@require_http_methods(["GET", "POST"])
def report_batches(request: HttpRequest) -> HttpResponse:
    """The firm's recent batches and the form that requests one (GET); a POST requests it and goes to
    its page, or shows the form again with what is wrong. For the firm's admins and consultants."""
    if not is_consultant(request.user):
        raise PermissionDenied("Batches of reports are for a firm's consultants and admins.")
    firms = list(Firm.objects.visible_to(request.user).values_list("pk", "name"))
    today = timezone.localdate()
    initial = {"closed_from": today - timedelta(days=90), "closed_to": today}
    form = ReportBatchForm(firms, request.POST or None, initial=initial)
    status = 200
    headers: dict[str, str] = {}
    if request.method == "POST":
        status = 400
        if form.is_valid() and firms:
            chosen = form.cleaned_data.get("firm") or firms[0][0]
            firm = Firm.objects.visible_to(request.user).get(pk=chosen)
            try:
                batch = services.request_batch(
                    firm=firm,
                    closed_from=form.cleaned_data["closed_from"],
                    closed_to=form.cleaned_data["closed_to"],
                    requested_by=request.user,
                )
            except services.BatchThrottled as exc:
                form.add_error(None, exc.message)
                status, headers = 429, {"Retry-After": str(exc.wait)}
            except services.NothingToBatch as exc:
                form.add_error(None, exc.message)
                status = 422
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                total = batch.reports.count()
                messages.success(request, f"Requested {total} roadmap{'s' if total != 1 else ''}.")
                return redirect("reports:batch", batch_id=batch.pk)
        elif not firms:
            form.add_error(None, "Only members of a firm request reports in batches.")
            status = 403
    recent = (
        ReportBatch.objects.visible_to(request.user)
        .select_related("requested_by")
        .annotate(total=Count("reports"), ready=Count("reports", filter=Q(reports__status=ReportStatus.READY)))
    )[:RECENT_BATCHES]
    response = render(
        request,
        "reports/batches.html",
        {"form": form, "batches": recent, "nav_portfolio": True},
        status=status,
    )
    for name, value in headers.items():
        response[name] = value
    return response


@login_required
@require_GET
def report_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """One batch's progress: N of M ready, a progress bar, each report as it gets ready or fails, and what
    was skipped and why. The page reloads itself every few seconds until every report is finished."""
    batch = get_object_or_404(ReportBatch.objects.visible_to(request.user).with_reports(), pk=batch_id)
    reports = list(batch.reports.all())
    progress = batch.progress()
    reasons: dict[str, list[dict]] = {}
    for skipped in batch.skipped:
        reasons.setdefault(skipped.get("reason", ""), []).append(skipped)
    return render(
        request,
        "reports/batch.html",
        {
            "batch": batch,
            "reports": reports,
            "progress": progress,
            "refresh": None if progress.is_finished else BATCH_REFRESH,
            "skipped": batch.skipped,
            "skipped_by_reason": [
                (SKIPPED_HEADINGS.get(reason, reason), rows) for reason, rows in sorted(reasons.items())
            ],
            "nav_portfolio": True,
        },
    )


SKIPPED_HEADINGS = {
    services.SKIPPED_NO_ANSWERS: "No submitted answers",
    services.SKIPPED_NOT_ALLOWED: "Not yours to request",
    services.SKIPPED_THROTTLED: "Report limit reached for this hour",
}
