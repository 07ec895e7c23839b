"""The assessor's ratings page: per dimension, each criterion's team mean beside the assessor's rating,
with a form to record or clear it (option, evidence notes, links), and the roadmap's basis.

For the firm's consultants only, while the assessment is open or closed; every change goes through
assessment/assessor.py, as the API's does.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from assessment import assessor, precision
from assessment.anonymity import published_scores
from assessment.assessor import MAX_LINKS, MAX_NOTES
from assessment.models import Assessment, AssessmentState, RoadmapBasis
from assessment.views import _assessment, _require
from organisations.errors import DomainError, StateConflict, Unprocessable
from organisations.permissions import MANAGE

NOT_APPLICABLE = "not-applicable"


class RatingForm(forms.Form):
    criterion = forms.CharField(max_length=80, widget=forms.HiddenInput)
    option = forms.CharField(max_length=80, required=False, label="The assessor's rating")
    notes = forms.CharField(max_length=MAX_NOTES, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    links = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
        help_text=f"One http(s) address a line, up to {MAX_LINKS}.",
    )


class BasisForm(forms.Form):
    roadmap_basis = forms.ChoiceField(choices=RoadmapBasis.choices, label="The roadmap follows")


def _ratings_url(assessment: Assessment, anchor: str = "") -> str:
    url = reverse("assessment:ratings", kwargs={"assessment_id": assessment.pk})
    return f"{url}#{anchor}" if anchor else url


def _page(
    request: HttpRequest, assessment: Assessment, role: str, *, status: int = 200, open_key: str = ""
) -> HttpResponse:
    """The page; `open_key` names the criterion whose form is shown open (the one a refused save was for)."""
    published = published_scores(assessment, role=role)
    rubric = published.rubric
    rated = assessor.assessor_scores_of(assessment, role=role)
    answer_sets = rubric.answer_set_by_key
    decimals = precision.decimals_of(rubric)
    dimensions = []
    for node in rubric.dimensions:
        team = published.scores.dimensions.get(node.key)
        criteria = []
        for criterion in node.walk_criteria():
            if criterion.key not in rubric.value_ranges:
                continue
            aggregate = published.scores.criteria.get(criterion.key)
            withheld = not published.shown or published.criterion_withheld(criterion.key)
            mine = rated.criteria.get(criterion.key) if rated else None
            team_mean = None if withheld or aggregate is None else aggregate.mean
            typed = criterion.key == open_key and request.method == "POST"  # a refused save: what was typed
            stored = (mine.option or NOT_APPLICABLE) if mine else ""
            criteria.append(
                {
                    "key": criterion.key,
                    "text": criterion.text,
                    "notes": request.POST.get("notes", "") if typed else (mine.notes if mine else ""),
                    "links": request.POST.get("links", "") if typed else "\n".join(mine.links if mine else ()),
                    "team": team_mean,
                    "team_text": precision.score_text(team_mean, decimals),
                    "assessor": mine,
                    "assessor_text": precision.score_text(mine.value if mine else None, decimals),
                    "options": answer_sets[criterion.answer_set].options,
                    "chosen": request.POST.get("option", "") if typed else stored,
                }
            )
        withheld = not published.shown or published.dimension_withheld(node.key)
        mine_node = rated.dimensions.get(node.key) if rated else None
        dimensions.append(
            {
                "key": node.key,
                "name": node.name,
                "team": None if withheld or team is None else team.score,
                "team_text": precision.score_text(None if withheld or team is None else team.score, decimals),
                "assessor": mine_node.score if mine_node else None,
                "assessor_text": precision.score_text(mine_node.score if mine_node else None, decimals),
                "criteria": criteria,
            }
        )
    context: dict[str, Any] = {
        "assessment": assessment,
        "organisation": assessment.organisation,
        "dimensions": dimensions,
        "open_key": open_key,
        "not_applicable": NOT_APPLICABLE,
        "basis_form": BasisForm(initial={"roadmap_basis": assessment.roadmap_basis}),
        "rateable": assessment.state != AssessmentState.DRAFT,
        "nav_portfolio": True,
    }
    return render(request, "assessment/ratings.html", context, status=status)


def _record(request: HttpRequest, assessment: Assessment) -> str:
    """Record, replace or clear one criterion's rating from the posted form; the message to show."""
    form = RatingForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        raise Unprocessable(f"The rating was not saved ({problems}).")
    data = form.cleaned_data
    key, option = data["criterion"], data["option"].strip()
    if not option:
        assessor.clear_rating(assessment=assessment, criterion_key=key, actor=request.user)
        return f"The rating of {key} is cleared."
    assessor.record_rating(
        assessment=assessment,
        criterion_key=key,
        option_key=None if option == NOT_APPLICABLE else option,
        not_applicable=option == NOT_APPLICABLE,
        notes=data["notes"],
        links=[line.strip() for line in data["links"].splitlines() if line.strip()],
        actor=request.user,
    )
    return f"The rating of {key} is saved."


@login_required
@require_http_methods(["GET", "POST"])
def ratings_page(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The assessor's ratings of an assessment: the firm's consultants record them here."""
    assessment, role = _assessment(request, assessment_id)
    _require(role, MANAGE, "record the assessor's ratings")
    if request.method == "GET":
        return _page(request, assessment, role)
    anchor = ""
    try:
        if "roadmap_basis" in request.POST:
            basis = BasisForm(request.POST)
            if not basis.is_valid():
                raise Unprocessable("Choose the team's answers or the assessor's evidence.")
            assessor.set_roadmap_basis(
                assessment=assessment, basis=basis.cleaned_data["roadmap_basis"], actor=request.user
            )
            done = f"The roadmap follows {RoadmapBasis(basis.cleaned_data['roadmap_basis']).label.lower()}."
        else:
            anchor = f"criterion-{request.POST.get('criterion', '')}"
            done = _record(request, assessment)
    except DomainError as error:
        messages.error(request, error.message)
        status = 409 if isinstance(error, StateConflict) else 400
        return _page(request, assessment, role, status=status, open_key=str(request.POST.get("criterion", "")))
    messages.success(request, done)
    return redirect(_ratings_url(assessment, anchor))
