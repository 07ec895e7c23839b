"""The consultant's workspace pages: portfolio, organisations, assessments, initiatives, outcomes.

Thin HTTP glue over assessment/services.py and organisations/services.py. Tenancy first: any
object outside the caller's organisations is a 404. Then the role: consultants and sales leaders
run assessments (RUN); viewers read scores, the roadmap and initiatives, and get 403 on actions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import anonymity, assessor, precision, services
from assessment.anonymity import published_scores
from assessment.charts import keyed_radar_chart, radar_svg
from assessment.forms import (
    AssessmentForm,
    BenchmarkFilterForm,
    InitiativeForm,
    OrganisationForm,
    OutcomeForm,
    PortfolioFilterForm,
)
from assessment.models import Assessment, AssessmentState, Initiative, Outcome, Response, RubricVersion
from assessment.outcomes import OUTCOMES
from assessment.portfolio import PageOutOfRange, PortfolioQuery, peer_benchmark
from assessment.portfolio import portfolio_page as portfolio_page_of
from assessment.queries import assessment_targets, load_rubric, response_progress, response_rate
from assessment.roadmap import build_roadmap
from assessment.rubric import HORIZON_NAMES
from organisations import services as organisation_services
from organisations.errors import DomainError
from organisations.models import (
    CLIENT_ROLE_CHOICES,
    Firm,
    FirmMembership,
    MemberInvitation,
    Membership,
    Organisation,
    Role,
)
from organisations.permissions import MANAGE, RUN, is_consultant

DEFAULT_RUBRIC_KEY = "sales-transformation"
EXPORTS = (("responses", "Anonymised responses"), ("scores", "Scores"))
T = TypeVar("T")


def _require(role: str, roles: frozenset[str], action: str) -> None:
    if role not in roles:
        raise PermissionDenied(f"As a {Role(role).label.lower()} you cannot {action}.")


def _organisation(request: HttpRequest, organisation_id: int) -> tuple[Organisation, str]:
    """One of the caller's organisations (404 otherwise) and their role in it."""
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=organisation_id)
    role = organisation.role_of(request.user)
    assert role is not None
    return organisation, role


def _assessment(request: HttpRequest, assessment_id: int) -> tuple[Assessment, str]:
    """An assessment of the caller's organisations (404 otherwise) and their role there."""
    assessment = get_object_or_404(
        Assessment.objects.visible_to(request.user).select_related("organisation", "rubric_version__rubric"),
        pk=assessment_id,
    )
    role = assessment.organisation.role_of(request.user)
    assert role is not None
    return assessment, role


def _form_error(form: Form, error: DomainError) -> None:
    """A domain error as a form error: on its field when the form has one, else on the whole form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _assessment_url(assessment: Assessment, section: str = "") -> str:
    url = reverse("assessment:assessment", kwargs={"assessment_id": assessment.pk})
    return f"{url}#{section}" if section else url


def _button(
    request: HttpRequest, assessment: Assessment, action: Callable[[], T], done: Callable[[T], str], section: str = ""
) -> HttpResponse:
    """A button on the assessment page calls one service: its outcome as a message, back on the page."""
    try:
        result = action()
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_assessment_url(assessment))
    messages.success(request, done(result))
    return redirect(_assessment_url(assessment, section))


# --- portfolio ---------------------------------------------------------------------------------


SORT_LABELS = {"name": "Name", "level": "Level", "change": "Change", "rate": "Response rate"}


def page_number(request: HttpRequest) -> int:
    """The `page` asked for (1 when none): anything but a page number is a 404, as Django's list views say."""
    given = request.GET.get("page") or "1"
    if not given.isdigit() or not 0 < int(given) <= 10**9:
        raise Http404("There is no such page.")
    return int(given)


def page_links(number: int, pages: int) -> list[int | None]:
    """The page numbers to link: the first, the last and two either side of this one (None: a gap)."""
    shown = sorted({1, pages, *range(max(1, number - 2), min(pages, number + 2) + 1)})
    links: list[int | None] = []
    for n in shown:
        if links and n - (links[-1] or 0) > 1:
            links.append(None)
        links.append(n)
    return links


@login_required
@require_GET
def portfolio_page(request: HttpRequest) -> HttpResponse:
    """The consultant's client organisations, 50 a page: latest level, trend, open assessments' response
    rate; sorted and filtered by the form, whose values every link keeps."""
    if not is_consultant(request.user):
        raise PermissionDenied("The portfolio is for consultants.")
    filters = PortfolioFilterForm(request.GET)
    context: dict[str, Any] = {"filters": filters, "nav_portfolio": True, "page": None}
    if not filters.is_valid():
        return render(request, "assessment/portfolio.html", context, status=400)
    chosen = filters.cleaned_data
    query = PortfolioQuery(
        sort=chosen["sort"] or "name",
        industry=chosen["industry"].strip(),
        size_band=chosen["size_band"],
        state=chosen["state"],
    )
    try:
        page = portfolio_page_of(request.user, query, page_number(request))
    except PageOutOfRange:
        raise Http404("There is no such page.") from None
    context["page"] = page
    context["withheld_reason"] = anonymity.withheld_reason()
    context["page_links"] = page_links(page.number, page.pages)
    context["filtered"] = bool(query.industry or query.size_band or query.state)
    # The period the batch form offers at first: the last three months (reports/views.py, report_batches).
    context["batch_to"] = timezone.localdate()
    context["batch_from"] = context["batch_to"] - timedelta(days=90)
    context["sorts"] = [
        {
            "label": label,
            # The current column's link turns its order round; another column's starts ascending.
            "sort": f"-{key}" if query.sort == key else key,
            "current": ("descending" if query.descending else "ascending") if query.key == key else "",
        }
        for key, label in SORT_LABELS.items()
    ]
    return render(request, "assessment/portfolio.html", context)


# --- the home page ----------------------------------------------------------------------------


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


HOME_PAGE_SIZE = 50


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each organisation of the user, 50 a page by name, with its assessments and what their role lets
    them do there; the same number of queries for 10 organisations as for 2,000."""
    firm_ids = set(FirmMembership.objects.filter(user=request.user).values_list("firm_id", flat=True))
    visible = Organisation.objects.visible_to(request.user).order_by("name", "id")
    number = page_number(request)
    paginator = Paginator(visible, HOME_PAGE_SIZE)
    if number > paginator.num_pages:
        raise Http404("There is no such page.")
    page = paginator.page(number)
    shown = list(page.object_list)
    ids = [o.pk for o in shown]
    client_roles = dict(
        Membership.objects.filter(user=request.user, organisation_id__in=ids).values_list("organisation_id", "role")
    )
    roles = {o.pk: Role.CONSULTANT if o.firm_id in firm_ids else client_roles[o.pk] for o in shown}
    assessments = list(Assessment.objects.filter(organisation_id__in=ids).order_by("organisation_id", "-period", "id"))
    # Submitted responses counted in one grouped query, not joined onto the assessments.
    submitted = dict(
        Response.objects.filter(assessment__organisation_id__in=ids, submitted_at__isnull=False)
        .order_by()
        .values("assessment_id")
        .annotate(n=Count("id"))
        .values_list("assessment_id", "n")
    )
    own = {
        r.assessment_id: r
        for r in Response.objects.filter(user=request.user, assessment__organisation_id__in=ids).order_by("id")
    }
    by_organisation: dict[int, list] = {}
    for assessment in assessments:
        assessment.submitted = submitted.get(assessment.pk, 0)  # type: ignore[attr-defined]
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
        for organisation in shown
    ]
    context = {
        "organisations": organisations,
        "page": page,
        "page_links": page_links(number, paginator.num_pages),
        "nav_portfolio": bool(firm_ids),
    }
    return render(request, "assessment/home.html", context)


# --- organisations -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request: HttpRequest) -> HttpResponse:
    """A new client organisation, with the consultant as its first consultant."""
    if not is_consultant(request.user):
        raise PermissionDenied("Only consultants create client organisations.")
    form = OrganisationForm(request.POST or None, firms=Firm.objects.visible_to(request.user).order_by("name", "id"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                organisation = organisation_services.create_organisation(created_by=request.user, **form.cleaned_data)
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, f"{organisation.name} is ready: create its first assessment.")
                return redirect("assessment:organisation", organisation_id=organisation.pk)
    return render(request, "assessment/organisation_new.html", {"form": form, "nav_portfolio": True}, status=status)


@login_required
@require_GET
def organisation_page(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """An organisation's assessments, newest first, with what the caller's role lets them do."""
    organisation, role = _organisation(request, organisation_id)
    assessments = (
        Assessment.objects.filter(organisation=organisation)
        .annotate(submitted=Count("responses", filter=Q(responses__submitted_at__isnull=False)))
        .order_by("-period", "-id")
    )
    return render(
        request,
        "assessment/organisation.html",
        {
            "organisation": organisation,
            "role_name": Role(role).label,
            "can_run": role in RUN,
            "firm_admin": role == Role.CONSULTANT and organisation.is_administered_by(request.user),
            "assessments": assessments,
            "nav_portfolio": role == Role.CONSULTANT,
            **_members_context(organisation, role),
        },
    )


@login_required
@require_POST
def organisation_benchmark(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The firm's members take the organisation out of the firm's benchmark, or put it back."""
    organisation, role = _organisation(request, organisation_id)
    _require(role, MANAGE, "change whether the organisation is in the benchmark")
    opt_out = request.POST.get("benchmark_opt_out") == "on"
    organisation_services.update_organisation(
        organisation=organisation, benchmark_opt_out=opt_out, changed_by=request.user
    )
    if opt_out:
        messages.success(
            request, f"{organisation.name} is left out of the benchmark: no peer sees it, and it sees none."
        )
    else:
        messages.success(request, f"{organisation.name} is compared with the firm's other clients again.")
    return redirect("assessment:organisation", organisation_id=organisation.pk)


def _members_context(organisation: Organisation, role: str) -> dict[str, Any]:
    """The organisation's client-side members, and for its firm's members the pending invitations."""
    manage = role == Role.CONSULTANT
    return {
        "members": Membership.objects.filter(organisation=organisation).select_related("user").order_by("role", "id"),
        "member_invitations": (
            MemberInvitation.objects.pending().filter(organisation=organisation).order_by("-created_at", "-id")
            if manage
            else []
        ),
        "can_invite_members": manage,
        "client_roles": CLIENT_ROLE_CHOICES,
    }


# --- assessments -------------------------------------------------------------------------------


def _chosen_version(raw: str | None, versions: QuerySet[RubricVersion]) -> RubricVersion | None:
    """The rubric version named in the request among those offered, else the newest built-in
    version of the default rubric (or the newest offered)."""
    chosen = versions.filter(pk=raw).first() if raw and raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    if chosen is None:
        chosen = versions.built_in().filter(rubric__key=DEFAULT_RUBRIC_KEY).order_by("-version").first()
    if chosen is None:
        chosen = versions.order_by("-imported_at").first()
    return chosen


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """A draft assessment: rubric version, period, respondent groups, weighting, targets per dimension.

    The groups and dimensions offered are the chosen rubric version's; choosing another version
    (GET ?rubric_version=) redraws the form with its own.
    """
    organisation, role = _organisation(request, organisation_id)
    _require(role, RUN, "create assessments")
    offered = RubricVersion.objects.offered_for(organisation, request.user).select_related("rubric")
    version = _chosen_version(request.POST.get("rubric_version") or request.GET.get("rubric_version"), offered)
    if version is None:
        return render(request, "assessment/assessment_new.html", {"organisation": organisation, "form": None})
    rubric = load_rubric(version).rubric
    form = AssessmentForm(version, rubric, request.POST or None, versions=offered)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                assessment = services.create_assessment(
                    organisation=organisation,
                    period=data["period"],
                    title=data["title"].strip(),
                    rubric_version=data["rubric_version"],
                    respondent_groups=data["respondent_groups"],
                    group_weighting=data["group_weighting"],
                    targets=form.targets(),
                    created_by=request.user,
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, f"Assessment {assessment.period} created as a draft. Open it to invite.")
                return redirect("assessment:assessment", assessment_id=assessment.pk)
    return render(
        request,
        "assessment/assessment_new.html",
        {"organisation": organisation, "form": form, "version": version, "nav_portfolio": role == Role.CONSULTANT},
        status=status,
    )


def _scores_context(assessment: Assessment, role: str) -> dict[str, Any]:
    """Scores, radar, roadmap and targets of an assessment with evidence (open or closed), as published
    to the caller's role (assessment/anonymity.py)."""
    published = published_scores(assessment, role=role)
    rubric, scores = published.rubric, published.scores
    targets = assessment_targets(assessment)
    basis = assessor.roadmap_levels(assessment, published, role=role)
    roadmap = build_roadmap(rubric, basis.levels, targets)
    rated = assessor.assessor_scores_of(assessment, role=role)
    decimals = precision.decimals_of(rubric)
    dimensions = []
    for node in rubric.dimensions:
        score = scores.dimensions.get(node.key)
        withheld = published.shown and published.dimension_withheld(node.key)
        dimensions.append(
            {
                "key": node.key,
                "name": node.name,
                "score_text": precision.score_text(score.score if score else None, decimals),
                "score": score.score if score else None,
                "level": score.level if score else None,
                "insufficient": score.insufficient_evidence if score else True,
                "withheld": published.reason if withheld else "",
                "target": targets.get(node.key),
                "assessor": rated.dimensions[node.key].score if rated else None,
                "assessor_text": precision.score_text(rated.dimensions[node.key].score if rated else None, decimals),
            }
        )
    chart = keyed_radar_chart(
        [d["score"] for d in dimensions],
        [d["target"] for d in dimensions],
        name=assessment.period,
        levels=[(lv.value, lv.name) for lv in rubric.scale],
        title=f"Maturity by dimension, {assessment.period}",
    )
    # Every dimension and sub-group at every depth, in rubric order, as published.
    nodes = []
    for node in rubric.nodes:
        kept = scores.nodes.get(node.key)
        if kept is None:
            continue
        withheld = published.shown and published.node_withheld(node.key)
        nodes.append(
            {
                "key": node.key,
                "name": node.name,
                "depth": kept.depth,
                "score_text": precision.score_text(kept.score, decimals),
                "level": kept.level,
                "insufficient": kept.insufficient_evidence,
                "withheld": published.reason if withheld else "",
            }
        )
    names = {d.key: d.name for d in rubric.dimensions}
    horizons = [
        {
            "key": h.key,
            "name": HORIZON_NAMES.get(h.key, h.key),
            "items": [{"item": i, "dimension": names.get(i.dimension, i.dimension)} for i in h.items],
        }
        for h in roadmap.horizons
        if h.items
    ]
    return {
        "scores": scores,
        "published_shown": published.shown,
        "published_notice": published.notice,
        "overall_withheld": published.shown and published.overall_withheld(),
        "withheld_reason": published.reason,
        "overall_score_text": precision.score_text(scores.overall.score, decimals),
        "overall_reason": scores.overall.withheld or "",
        "nodes": nodes,
        "has_sub_groups": any(n["depth"] > 1 for n in nodes),
        "scale": rubric.scale,
        "dimensions": dimensions,
        "dimension_names": names,
        "radar": radar_svg(chart),
        "has_targets": bool(targets),
        "horizons": horizons,
        "skipped": [names.get(k, k) for k in roadmap.skipped_dimensions],
        "basis_note": basis.note,
        "ratings_url": reverse("assessment:ratings", kwargs={"assessment_id": assessment.pk})
        if role == Role.CONSULTANT
        else "",
    }


def _export_links(assessment: Assessment, role: str) -> list[dict[str, str]]:
    """The API's downloads this role may have: anonymised responses are for consultants only."""
    return [
        {
            "url": reverse("api-assessment-export", kwargs={"id": assessment.pk, "kind": kind, "fmt": fmt}),
            "label": f"{label} ({fmt.upper()})",
        }
        for kind, label in EXPORTS
        if kind != "responses" or role == Role.CONSULTANT
        for fmt in ("csv", "xlsx")
    ]


def _assessment_page(
    request: HttpRequest,
    assessment: Assessment,
    role: str,
    *,
    initiative_forms: dict[int, InitiativeForm] | None = None,
    outcome_form: OutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_run = role in RUN
    has_evidence = assessment.state != AssessmentState.DRAFT
    context: dict[str, Any] = {
        "assessment": assessment,
        "organisation": assessment.organisation,
        "role_name": Role(role).label,
        "can_run": can_run,
        "has_evidence": has_evidence,
        "reports_url": reverse("reports:assessment-reports", kwargs={"assessment_id": assessment.pk}),
        "nav_portfolio": role == Role.CONSULTANT,
    }
    if has_evidence:
        context.update(_scores_context(assessment, role))
        context["exports"] = _export_links(assessment, role)
    initiatives = list(assessment.initiatives.order_by("due_date", "id"))
    tracked = {i.recommendation_key for i in initiatives}
    bound = initiative_forms or {}
    context["initiatives"] = [
        {
            "initiative": i,
            "dimension": context.get("dimension_names", {}).get(i.dimension_key, i.dimension_key),
            "form": bound.get(i.pk)
            or InitiativeForm(
                prefix=f"initiative-{i.pk}",
                initial={"title": i.title, "owner": i.owner, "due_date": i.due_date, "status": i.status},
            ),
        }
        for i in initiatives
    ]
    context["tracked"] = tracked
    if can_run:
        context["progress"] = progress = response_progress(assessment)
        invited = sum(g.invited for g in progress)
        submitted = sum(g.submitted for g in progress)
        context["progress_total"] = {
            "invited": invited,
            "started": sum(g.started for g in progress),
            "submitted": submitted,
            "rate": response_rate(submitted=submitted, invited=invited),
        }
        context["invitations_url"] = reverse("surveys:invitations", kwargs={"assessment_id": assessment.pk})
        if outcome_form is None:
            outcome = Outcome.objects.filter(assessment=assessment).first()
            initial = {key: getattr(outcome, key) for key in OUTCOMES} if outcome else {}
            outcome_form = OutcomeForm(initial=initial)
        context["outcome_form"] = outcome_form
        if has_evidence:
            filters = BenchmarkFilterForm(request.GET or None)
            chosen = filters.cleaned_data if filters.is_valid() else {"industry": "", "size_band": ""}
            own = {d["key"]: d["score"] for d in context["dimensions"]}
            context["benchmark_form"] = filters
            benchmark = peer_benchmark(
                assessment, industry=chosen["industry"].strip(), size_band=chosen["size_band"], own=own
            )
            context["benchmark"] = benchmark
            context["min_respondents"] = anonymity.min_respondents()
            context["benchmark_rows"] = [
                (benchmark.names.get(d.dimension, d.dimension), d) for d in benchmark.dimensions
            ]
    return render(request, "assessment/assessment.html", context, status=status)


@login_required
@require_GET
def assessment_page(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Everything about one assessment: state, progress, scores, roadmap, initiatives, outcomes, benchmark."""
    assessment, role = _assessment(request, assessment_id)
    return _assessment_page(request, assessment, role)


@login_required
@require_POST
def assessment_open(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, role = _assessment(request, assessment_id)
    _require(role, RUN, "open assessments")
    return _button(
        request,
        assessment,
        lambda: services.open_assessment(assessment=assessment, actor=request.user),
        lambda _: "The assessment is open: invite respondents now.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_close(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Ask first (GET), then close (POST): the scores become final and later answers are not counted."""
    assessment, role = _assessment(request, assessment_id)
    _require(role, RUN, "close assessments")
    if request.method == "POST":
        return _button(
            request,
            assessment,
            lambda: services.close_assessment(assessment=assessment, actor=request.user),
            lambda _: "The assessment is closed; its scores are final.",
        )
    submitted = assessment.responses.filter(submitted_at__isnull=False).count()
    return render(
        request,
        "assessment/assessment_close.html",
        {"assessment": assessment, "organisation": assessment.organisation, "submitted": submitted},
    )


# --- initiatives and outcomes --------------------------------------------------------------------


@login_required
@require_POST
def initiative_create(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Track one of the roadmap's recommendations as an initiative."""
    assessment, role = _assessment(request, assessment_id)
    _require(role, RUN, "create initiatives")
    return _button(
        request,
        assessment,
        lambda: services.create_initiative(
            assessment=assessment, recommendation_key=request.POST.get("recommendation_key", ""), role=role
        ),
        lambda initiative: f"“{initiative.title}” is now tracked as an initiative.",
        section="initiatives",
    )


@login_required
@require_POST
def initiative_update(request: HttpRequest, initiative_id: int) -> HttpResponse:
    initiative = get_object_or_404(
        Initiative.objects.visible_to(request.user).select_related(
            "assessment__organisation", "assessment__rubric_version__rubric"
        ),
        pk=initiative_id,
    )
    assessment = initiative.assessment
    role = assessment.organisation.role_of(request.user)
    assert role is not None
    _require(role, RUN, "change initiatives")
    form = InitiativeForm(request.POST, prefix=f"initiative-{initiative.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_initiative(
                initiative=initiative,
                title=data["title"],
                owner=data["owner"],
                status=data["status"],
                due_date=data["due_date"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"“{initiative.title}” saved.")
            return redirect(_assessment_url(assessment, "initiatives"))
    initiative.refresh_from_db()
    return _assessment_page(request, assessment, role, initiative_forms={initiative.pk: form}, status=400)


@login_required
@require_POST
def outcomes_update(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Record the client's outcome KPIs for the assessment's period."""
    assessment, role = _assessment(request, assessment_id)
    _require(role, RUN, "record outcomes")
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.set_outcomes(assessment=assessment, values=form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Outcome figures saved.")
            return redirect(_assessment_url(assessment, "outcomes"))
    return _assessment_page(request, assessment, role, outcome_form=form, status=400)
