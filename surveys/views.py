"""The survey pages, the leader's sign-up and results, and the invitation pages: thin HTTP glue.

A survey is reached either by an invitation link (the token alone, no account) or, for a sales
leader's own self-assessment, by their login. Both use the same pages and the same services.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import services as assessment_services
from assessment.charts import radar_svg
from assessment.models import Assessment, AssessmentState, Response
from assessment.queries import assessment_targets, load_rubric
from assessment.rubric import Level
from assessment.scoring import score_response
from organisations import branding
from organisations.errors import AlreadySubmitted, DomainError, Gone, InvalidInput, NotFound, StateConflict
from organisations.exceptions import error_body
from organisations.models import Role
from organisations.text import without_control_characters
from organisations.throttles import (
    hit,
    limit_posts,
    record_bad_token,
    survey_wait,
    throttled_message,
    too_many_requests_page,
)
from outbox import services as outbox
from surveys import services
from surveys.forms import InvitationForm, InvitationListForm, SignUpForm, SurveyPageForm
from surveys.models import Invitation
from surveys.queries import Survey, group_minutes, response_answers, survey_of
from surveys.results import Results, self_assessment_results
from surveys.results_pdf import own_results_filename, own_results_pdf
from surveys.serializers import AnswersSerializer, read_plain_answers

# The status of each way a link can fail (as the API answers it): a clear page, never a 500.
PROBLEM_STATUS = {
    Gone: 410,  # an expired or withdrawn link
    services.AssessmentClosed: 410,
    AlreadySubmitted: 409,
    NotFound: 404,
    StateConflict: 409,
    InvalidInput: 400,
}


def problem_status(error: DomainError) -> int:
    return next((status for kind, status in PROBLEM_STATUS.items() if isinstance(error, kind)), 400)


@dataclass
class Access:
    """Who is answering, and how their pages are addressed: an invitation link or the leader's login."""

    assessment: Assessment
    group: str
    response: Response | None
    invitation: Invitation | None
    url_kwargs: dict[str, Any]

    @property
    def prefix(self) -> str:
        return "" if self.invitation is not None else "own-"

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(f"surveys:{self.prefix}{name}", kwargs={**self.url_kwargs, **kwargs})

    @property
    def submitted(self) -> bool:
        return self.response is not None and self.response.is_submitted

    def ensure_response(self) -> Response:
        """The response answers are saved to, started on the first answer of an invited respondent."""
        if self.response is None:
            assert self.invitation is not None
            self.response = services.begin_response(invitation=self.invitation)
        return self.response


def _access(request: HttpRequest, kwargs: dict[str, Any], *, answering: bool = False) -> Access:
    if "token" in kwargs:
        try:
            invitation = services.find_invitation(token=kwargs.pop("token"), answering=answering)
        except NotFound:
            record_bad_token(request)
            raise
        return Access(
            assessment=invitation.assessment,
            group=invitation.group,
            response=invitation.response,
            invitation=invitation,
            url_kwargs={"token": request.resolver_match.kwargs["token"]},
        )
    response_id = kwargs.pop("response_id")
    # A leader's own response only: nobody else, whatever their role, reads an individual response.
    response = (
        Response.objects.select_related("assessment__organisation", "assessment__rubric_version")
        .filter(pk=response_id, user=request.user)
        .first()
    )
    if response is None:
        raise NotFound("There is no such self-assessment of yours.")
    return Access(
        assessment=response.assessment,
        group=response.group,
        response=response,
        invitation=None,
        url_kwargs={"response_id": response.pk},
    )


def survey_view(
    view: Callable[..., HttpResponse] | None = None, *, answering: bool = False, json_only: bool = False
) -> Any:
    """Resolve the respondent (link or login) and turn every domain error into a clear page.

    `@survey_view(answering=True)` is for the autosave, the survey's hot path: the invitation is
    read with only the columns a save needs, as the respondent API reads it. `json_only`: every
    error is answered in the API's JSON shape, whatever the request asked for (the autosave's
    script reads it).
    """
    if view is None:
        return functools.partial(survey_view, answering=answering, json_only=json_only)

    @functools.wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if "response_id" in kwargs and not request.user.is_authenticated:
            if json_only:
                return JsonResponse(error_body("not_authenticated", "Sign in again to save answers."), status=401)
            return redirect(f"{reverse('login')}?next={request.path}")
        if "token" in kwargs:
            # Anonymous: limited per link and per address, and stopped after too many unknown links.
            wait = survey_wait(request, kwargs["token"])
            if wait is not None:
                return too_many_requests(request, wait, json_only=json_only)
        access = None
        try:
            access = _access(request, kwargs, answering=answering)
            if access.response is None and access.assessment.state == AssessmentState.CLOSED:
                raise services.AssessmentClosed("This assessment has closed; it no longer takes new responses.")
            result = view(request, access, **kwargs)
        except DomainError as error:
            back_url = access.url("start") if access else None
            result = problem_page(request, error, back_url=back_url, json_only=json_only)
        # A link's token is in the address: security.middleware sends `Referrer-Policy: no-referrer`.
        return result

    return wrapper


def _wants_json(request: HttpRequest) -> bool:
    return (
        request.headers.get("Accept", "").startswith("application/json") or request.content_type == "application/json"
    )


def too_many_requests(request: HttpRequest, wait: int, *, json_only: bool = False) -> HttpResponse:
    """429 with Retry-After: JSON for the page's autosave, else the page."""
    if json_only or _wants_json(request):
        body = error_body("throttled", throttled_message(wait))
        return JsonResponse(body, status=429, headers={"Retry-After": str(wait)})
    return too_many_requests_page(request, wait)


def problem_page(
    request: HttpRequest, error: DomainError, *, back_url: str | None = None, json_only: bool = False
) -> HttpResponse:
    status = problem_status(error)
    if json_only or _wants_json(request):
        fields = getattr(error, "fields", None) or ({error.field: [error.message]} if error.field else None)
        return JsonResponse(error_body(error.code, error.message, fields), status=status)
    context = {"error": error, "code": error.code, "back_url": back_url}
    return render(request, "surveys/problem.html", context, status=status)


def _urls(access: Access, survey: Survey) -> dict[str, Any]:
    pages = [(p.number, p.name, access.url("page", number=p.number)) for p in survey.pages]
    return {
        "start": access.url("start"),
        "answers": access.url("answers"),
        "review": access.url("review"),
        "pages": pages,
        "first_page": pages[0][2] if pages else access.url("review"),
        "last_page": pages[-1][2] if pages else access.url("start"),
        "results": access.url("results") if access.invitation is None else None,
    }


def _context(access: Access, survey: Survey, **extra: Any) -> dict[str, Any]:
    firm = access.assessment.organisation.firm
    return {
        "access": access,
        "survey": survey,
        "urls": _urls(access, survey),
        "firm": firm,
        "brand_css": access.url("brand-css"),
        "brand_logo": access.url("brand-logo") if firm.logo else "",
        "organisation": access.assessment.organisation,
        "closed": access.assessment.state == AssessmentState.CLOSED,
        "own": access.invitation is None,
        **extra,
    }


@require_GET
@survey_view
def start(request: HttpRequest, access: Access) -> HttpResponse:
    """The link's landing page: a welcome, the place they left off, or (once submitted) their answers."""
    if access.submitted:
        if access.invitation is None:
            return redirect(access.url("results"))
        _, survey = survey_of(access.assessment.rubric_version, access.group, access.response)
        return render(request, "surveys/summary.html", _context(access, survey))
    _, survey = survey_of(access.assessment.rubric_version, access.group, access.response)
    if survey.answered or (access.response is not None and access.response.answers.exists()):
        resume = survey.resume_page
        return redirect(access.url("page", number=resume) if resume else access.url("review"))
    group_names = {g["key"]: g["name"] for g in access.assessment.rubric_version.respondent_groups}
    return render(
        request,
        "surveys/welcome.html",
        _context(access, survey, group_name=group_names.get(access.group, access.group)),
    )


@require_http_methods(["GET", "POST"])
@survey_view
def page(request: HttpRequest, access: Access, number: int) -> HttpResponse:
    """One dimension's questions. Posted without JavaScript, it saves the page and moves on."""
    if access.submitted and request.method == "GET":
        return redirect(access.url("start"))
    _, survey = survey_of(access.assessment.rubric_version, access.group, access.response)
    current = survey.page(number)
    if current is None:
        raise Http404("No such page.")
    form = SurveyPageForm(current, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            answers = form.answers()
            if answers:
                assessment_services.save_answers(response=access.ensure_response(), answers=answers)
            return redirect(_next_url(access, survey, number, request.POST.get("go", "next")))
        status = 400
    else:
        status = 200
    return render(
        request,
        "surveys/page.html",
        _context(
            access,
            survey,
            page=current,
            form=form,
            previous=number - 1 if number > 1 else None,
            next=number + 1 if number < len(survey.pages) else None,
        ),
        status=status,
    )


def _next_url(access: Access, survey: Survey, number: int, go: str) -> str:
    if go == "previous" and number > 1:
        return access.url("page", number=number - 1)
    if go == "review" or number >= len(survey.pages):
        return access.url("review")
    if go.startswith("page-") and go[5:].isdigit() and survey.page(int(go[5:])):
        return access.url("page", number=int(go[5:]))
    return access.url("page", number=number + 1)


@require_POST
@survey_view(answering=True, json_only=True)
def save(request: HttpRequest, access: Access) -> HttpResponse:
    """Autosave: the page's script sends each answer as soon as it is chosen (same service as the API).

    Control characters pasted into a comment are left out, as the page's form does (organisations/text.py).
    Every refusal is JSON in the API's error shape: a body that is not JSON (415, before anything reads
    a form body, which would leave the raw body unreadable), too large (413), or not answers (400).
    """
    if request.content_type != "application/json":
        message = "Send the answers as JSON, with Content-Type: application/json."
        return JsonResponse(error_body("unsupported_media_type", message), status=415)
    try:
        body = request.body
    except RequestDataTooBig:
        message = "The request is too large; send fewer answers at a time."
        return JsonResponse(error_body("too_large", message), status=413)
    # The usual autosave is read as the serializer reads it, without it (surveys/serializers.py).
    answers = read_plain_answers(body)
    if answers is None:
        try:
            payload = without_control_characters(json.loads(body or b"null"))
        except ValueError:
            raise InvalidInput("The body is not valid JSON.") from None
        except RecursionError:
            raise InvalidInput("The body is JSON nested too deeply.") from None
        serializer = AnswersSerializer(data=payload)
        if not serializer.is_valid():
            return JsonResponse(
                error_body("invalid", "Some answers are not in the expected shape.", serializer.errors), status=400
            )
        answers = serializer.answer_inputs()
    saved = assessment_services.save_answers(response=access.ensure_response(), answers=answers)
    return JsonResponse({"saved": [a.criterion for a in answers], "count": len(saved)})


@require_http_methods(["GET", "POST"])
@survey_view
def review(request: HttpRequest, access: Access) -> HttpResponse:
    """Unanswered questions, with links back to them; submitting from here."""
    if request.method == "POST":
        # Submitting twice is refused by the service (409), never a second response.
        assessment_services.submit_response(response=access.ensure_response())
        return redirect(access.url("thanks"))
    if access.submitted:
        return redirect(access.url("start"))
    _, survey = survey_of(access.assessment.rubric_version, access.group, access.response)
    unanswered = [(p, q, f"{access.url('page', number=p.number)}#q-{q.key}") for p, q in survey.unanswered]
    return render(request, "surveys/review.html", _context(access, survey, unanswered=unanswered))


@require_GET
@survey_view
def thanks(request: HttpRequest, access: Access) -> HttpResponse:
    if not access.submitted:
        return redirect(access.url("start"))
    if access.invitation is None:
        return redirect(access.url("results"))
    assert access.response is not None
    return render(
        request,
        "surveys/thanks.html",
        {
            "access": access,
            "organisation": access.assessment.organisation,
            "late": access.response.late,
            "start_url": access.url("start"),
        },
    )


@require_GET
@survey_view
def summary(request: HttpRequest, access: Access) -> HttpResponse:
    """The leader's own answers, read-only, once submitted."""
    if not access.submitted:
        return redirect(access.url("start"))
    _, survey = survey_of(access.assessment.rubric_version, access.group, access.response)
    return render(request, "surveys/summary.html", _context(access, survey))


def _own_results(access: Access) -> tuple[Results, tuple[Level, ...]]:
    """The leader's results (page and PDF alike): from their own submitted response only."""
    assert access.response is not None
    loaded, _ = survey_of(access.assessment.rubric_version, access.group, None)
    scores = score_response(loaded.rubric, response_answers(loaded, access.response))
    return self_assessment_results(loaded.rubric, scores, assessment_targets(access.assessment)), loaded.rubric.scale


@require_GET
@survey_view
def results(request: HttpRequest, access: Access) -> HttpResponse:
    """The leader's results, at once: overall level, radar, each dimension, the three biggest gaps."""
    if not access.submitted:
        return redirect(access.url("start"))
    outcome, scale = _own_results(access)
    team = [g for g in access.assessment.respondent_groups if g != access.group]
    return render(
        request,
        "surveys/results.html",
        {
            "access": access,
            "assessment": access.assessment,
            "organisation": access.assessment.organisation,
            "results": outcome,
            "radar": radar_svg(outcome.chart),
            "scale": scale,
            "team_invited": bool(team),
        },
    )


@require_GET
@survey_view
def results_pdf(request: HttpRequest, access: Access) -> HttpResponse:
    """The leader's results as a short PDF, for them alone (surveys/results_pdf.py says why the
    anonymity rules allow it); the same access as the results page, rendered now and not kept."""
    if not access.submitted:
        return redirect(access.url("start"))
    assert access.response is not None and access.response.submitted_at is not None
    # Each download renders a PDF: it counts against the organisation's renders, as a roadmap does.
    wait = hit("report-render", f"organisation:{access.assessment.organisation_id}")
    if wait is not None:
        return too_many_requests_page(request, wait)
    outcome, scale = _own_results(access)
    pdf = own_results_pdf(
        assessment=access.assessment,
        results=outcome,
        radar=radar_svg(outcome.chart),
        scale=scale,
        submitted_at=access.response.submitted_at,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, own_results_filename(access.assessment))
    return response


# --- the sales leader's sign-up --------------------------------------------------------------


def _group_choices(version_groups: list[dict[str, str]], keys: list[str] | None = None) -> list[tuple[str, str]]:
    return [(g["key"], g["name"]) for g in version_groups if keys is None or g["key"] in keys]


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("sign-up")
def sign_up(request: HttpRequest) -> HttpResponse:
    """A sales leader signs up; the emailed link creates the account and their company and starts
    the self-assessment (sign_up_confirm)."""
    version = services.default_rubric_version()
    team = [(k, n) for k, n in _group_choices(version.respondent_groups) if k != services.LEADER_GROUP]
    form = SignUpForm(team, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.start_sign_up(
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    company=form.cleaned_data["company"],
                    team_groups=form.cleaned_data["team_groups"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                # The same page whether or not the address has an account (PRODUCT.md: Tenancy).
                return redirect("surveys:sign-up-sent")
    minutes = group_minutes(load_rubric(version), services.LEADER_GROUP)
    return render(request, "surveys/sign_up.html", {"form": form, "minutes": minutes}, status=status)


@require_GET
def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/sign_up_sent.html")


@never_cache
@require_GET
def sign_up_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A sign-up's emailed link: creates the account, firm, organisation and self-assessment, signs the
    leader in and opens the survey; a used or expired link gets a page saying so (410)."""
    try:
        started = services.confirm_sign_up(token=token)
    except DomainError as error:
        response = problem_page(request, error)
    else:
        login(request, started.user, backend="django.contrib.auth.backends.ModelBackend")
        response = redirect("surveys:own-page", response_id=started.response.pk, number=1)
    response["Referrer-Policy"] = "same-origin"
    return response


# --- invitations (consultants and leaders) -----------------------------------------------------


def _managed_assessment(request: HttpRequest, assessment_id: int) -> Assessment:
    """An assessment of the caller's organisations (404 otherwise) that they may invite to (403)."""
    from django.core.exceptions import PermissionDenied

    assessment = get_object_or_404(
        Assessment.objects.visible_to(request.user).select_related("organisation", "rubric_version"),
        pk=assessment_id,
    )
    if assessment.organisation.role_of(request.user) not in (Role.CONSULTANT, Role.LEADER):
        raise PermissionDenied("Only consultants and sales leaders invite respondents.")
    return assessment


@login_required
@require_GET
def invitations(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _managed_assessment(request, assessment_id)
    return _invitations_page(request, assessment)


def _invitations_page(
    request: HttpRequest,
    assessment: Assessment,
    *,
    form: InvitationForm | None = None,
    list_form: InvitationListForm | None = None,
    list_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    groups = _group_choices(assessment.rubric_version.respondent_groups, assessment.respondent_groups)
    rows = (
        Invitation.objects.filter(assessment=assessment)
        .select_related("response")
        .annotate(email_queued=outbox.waiting(services.INVITATION_EMAIL))
        .order_by("group", "email")
    )
    now = timezone.now()
    group_names = dict(groups)
    listed = [(i, i.status(now), group_names.get(i.group, i.group)) for i in rows]
    counts: dict[str, int] = {}
    for _, state, _ in listed:
        counts[state] = counts.get(state, 0) + 1
    return render(
        request,
        "surveys/invitations.html",
        {
            "assessment": assessment,
            "organisation": assessment.organisation,
            "invitations": listed,
            "counts": counts,
            "form": form or InvitationForm(groups),
            "list_form": list_form or InvitationListForm(),
            "list_errors": list_errors or [],
            "is_open": assessment.state == AssessmentState.OPEN,
            "group_names": groups,
        },
        status=status,
    )


@login_required
@require_POST
def invite(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _managed_assessment(request, assessment_id)
    groups = _group_choices(assessment.rubric_version.respondent_groups, assessment.respondent_groups)
    form = InvitationForm(groups, request.POST)
    if form.is_valid():
        try:
            invitation = services.invite(assessment=assessment, invited_by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("surveys:invitations", assessment_id=assessment.pk)
    return _invitations_page(request, assessment, form=form, status=400)


@login_required
@require_POST
def invite_list(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _managed_assessment(request, assessment_id)
    form = InvitationListForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            batch = services.invite_many(
                assessment=assessment, csv_text=form.cleaned_data["csv"], invited_by=request.user
            )
        except services.InvalidInvitationList as error:
            return _invitations_page(request, assessment, list_form=form, list_errors=error.errors, status=400)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            text = f"{len(batch.created)} invitation{'s' if len(batch.created) != 1 else ''} sent."
            if batch.already_invited:
                text += f" Already invited, left as they were: {', '.join(batch.already_invited)}."
            messages.success(request, text)
            return redirect("surveys:invitations", assessment_id=assessment.pk)
    return _invitations_page(request, assessment, list_form=form, status=400)


def _invitation_action(request: HttpRequest, invitation_id: int, action: Callable[..., Invitation], done: str):
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user), pk=invitation_id)
    _managed_assessment(request, invitation.assessment_id)
    try:
        action(invitation=invitation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(email=invitation.email))
    return redirect("surveys:invitations", assessment_id=invitation.assessment_id)


@login_required
@require_POST
def resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _invitation_action(request, invitation_id, services.resend_invitation, "Invitation sent again to {email}.")


@login_required
@require_POST
def revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _invitation_action(
        request, invitation_id, services.revoke_invitation, "The link sent to {email} no longer works."
    )


# --- the firm's branding on the survey pages ------------------------------------------------------


def _brand_access(request: HttpRequest, kwargs: dict[str, Any]) -> Access:
    if "response_id" in kwargs and not request.user.is_authenticated:
        raise Http404("Sign in to see this page's branding.")
    try:
        return _access(request, dict(kwargs))
    except DomainError as error:
        raise Http404(error.message) from error


@require_GET
def brand_css(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """The firm's colour for the survey's pages, as a stylesheet (the pages allow no inline style).
    The colour is #rrggbb by the firm's check constraint."""
    colour = _brand_access(request, kwargs).assessment.organisation.firm.colour
    response = HttpResponse(f":root {{ --firm: {colour}; }}\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def brand_logo(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """The firm's logo on the survey's pages, served as on the firm's own pages."""
    return branding.logo_response(_brand_access(request, kwargs).assessment.organisation.firm, max_age=3600)
