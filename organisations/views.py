"""Web sign-in and sign-out, the home page that lists each member's organisations' assessments, and the
firm admin's pages: an organisation's export and erasure, and the firm's audit log."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from assessment.models import Assessment, Response
from organisations import custody
from organisations.errors import DomainError
from organisations.forms import AuditFilterForm, OrganisationEraseForm
from organisations.models import AuditEvent, Firm, FirmMembership, FirmRole, Membership, Organisation, Role

AUDIT_PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    """Django's sign-in; django-axes locks a (username, address) pair out after repeated failures."""

    template_name = "organisations/login.html"
    redirect_authenticated_user = True
    extra_context = {"failure_limit": settings.AXES_FAILURE_LIMIT}


def reports_url(assessment_id: int) -> str | None:
    """The assessment's reports page, when the reports app serves one."""
    try:
        return reverse("reports:assessment-reports", kwargs={"assessment_id": assessment_id})
    except NoReverseMatch:
        return None


def overview_url(organisation_id: int) -> str | None:
    """The organisation's executive overview, when the reports app serves one."""
    try:
        return reverse("reports:organisation", kwargs={"organisation_id": organisation_id})
    except NoReverseMatch:
        return None


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each organisation of the user, with its assessments and what their role lets them do there."""
    firm_ids = set(FirmMembership.objects.filter(user=request.user).values_list("firm_id", flat=True))
    client_roles = dict(Membership.objects.filter(user=request.user).values_list("organisation_id", "role"))
    visible = Organisation.objects.visible_to(request.user).order_by("name", "id")
    roles = {o.pk: Role.CONSULTANT if o.firm_id in firm_ids else client_roles[o.pk] for o in visible}
    assessments = (
        Assessment.objects.filter(organisation__in=list(roles))
        .annotate(submitted=Count("responses", filter=Q(responses__submitted_at__isnull=False)))
        .order_by("organisation_id", "-period", "id")
    )
    own = {r.assessment_id: r for r in Response.objects.filter(user=request.user).order_by("id")}
    by_organisation: dict[int, list] = {}
    for assessment in assessments:
        by_organisation.setdefault(assessment.organisation_id, []).append(
            {
                "assessment": assessment,
                "reports_url": reports_url(assessment.pk),
                "own_response": own.get(assessment.pk),
            }
        )
    organisations = [
        {
            "organisation": organisation,
            "role": roles[organisation.pk],
            "role_name": Role(roles[organisation.pk]).label,
            "can_invite": roles[organisation.pk] in (Role.CONSULTANT, Role.LEADER),
            "overview_url": overview_url(organisation.pk),
            "assessments": by_organisation.get(organisation.pk, []),
        }
        for organisation in visible
    ]
    consults = bool(firm_ids)
    return render(request, "organisations/home.html", {"organisations": organisations, "nav_portfolio": consults})


# --- custody of an organisation's data, and the audit log (firm admins only) ---------------------


def _administered(request: HttpRequest, organisation_id: int) -> Organisation:
    """One of the caller's organisations (404 otherwise) whose firm they administer (403 otherwise)."""
    visible = Organisation.objects.visible_to(request.user).select_related("firm")
    organisation = get_object_or_404(visible, pk=organisation_id)
    if organisation.firm.role_of(request.user) != FirmRole.ADMIN:
        raise PermissionDenied(f"Only an admin of {organisation.firm.name} can do this.")
    return organisation


@login_required
@require_GET
def organisation_export(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """All of the organisation's data as a ZIP (the same archive as the API's)."""
    organisation = _administered(request, organisation_id)
    content = custody.export_organisation(organisation=organisation, exported_by=request.user)
    name = slugify(organisation.name)[:60].strip("-") or "organisation"
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.zip"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def organisation_delete(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Ask for the organisation's name (GET), then delete it and all of its data (POST)."""
    organisation = _administered(request, organisation_id)
    form = OrganisationEraseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                erased = custody.erase_organisation(
                    organisation=organisation, confirm_name=form.cleaned_data["confirm_name"], erased_by=request.user
                )
            except DomainError as error:
                form.add_error("confirm_name", error.message)
            else:
                messages.success(request, f"{erased.name} and all of its data were deleted.")
                return redirect("home")
    return render(
        request, "organisations/organisation_delete.html", {"organisation": organisation, "form": form}, status=status
    )


@login_required
@require_GET
def firm_audit(request: HttpRequest, firm_id: int) -> HttpResponse:
    """The firm's audit log, newest first, 50 a page, filtered by action and organisation."""
    firm = get_object_or_404(Firm.objects.visible_to(request.user), pk=firm_id)
    if firm.role_of(request.user) != FirmRole.ADMIN:
        raise PermissionDenied(f"Only an admin of {firm.name} can read its audit log.")
    filters = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.filter(firm=firm).order_by("-at", "-id")
    query = ""
    if filters.is_valid():
        chosen = {k: v for k, v in filters.cleaned_data.items() if v not in (None, "")}
        if "action" in chosen:
            events = events.filter(action=chosen["action"])
        if "organisation" in chosen:
            events = events.filter(organisation_ref=chosen["organisation"])
        query = urlencode(chosen)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/firm_audit.html",
        {"firm": firm, "filters": filters, "page": page, "query": query, "nav_portfolio": True},
    )
