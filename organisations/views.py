"""Web sign-in and sign-out, and the home page that lists each member's organisations' assessments."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from assessment.models import Assessment, Response
from organisations.models import FirmMembership, Membership, Organisation, Role


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
