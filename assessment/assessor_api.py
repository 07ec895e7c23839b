"""The assessor's ratings in the API: list, record (PUT) and clear (DELETE) one criterion's rating.

Thin, like assessment/api.py: find the assessment among the caller's organisations (404), check the
role (403: only the firm's consultants record), validate the shape, call assessment/assessor.py.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment import assessor
from assessment.api import _assessment_and_role
from assessment.assessor_serializers import (
    RatingInSerializer,
    RatingSerializer,
    RatingsSerializer,
    level_body,
    node_body,
)
from assessment.models import Assessment, AssessorRating
from assessment.queries import load_rubric
from assessment.rubric import Rubric
from organisations.audit import actor_label
from organisations.permissions import MANAGE, READ

CRITERION_KEY = OpenApiParameter(
    "criterion_key", str, OpenApiParameter.PATH, description="A scored criterion's key in the assessment's rubric."
)


def _rating_body(rubric: Rubric, row: AssessorRating, rated: assessor.AssessorCriterion) -> dict[str, Any]:
    return {
        "criterion": row.criterion_key,
        "dimension": rated.dimension,
        "text": rubric.criterion_by_key[row.criterion_key].text,
        "option": rated.option,
        "label": rated.label,
        "not_applicable": row.not_applicable,
        "value": rated.value,
        "level": level_body(rated.level),
        "notes": rated.notes,
        "links": list(rated.links),
        "rated_by": actor_label(row.rated_by),
        "updated_at": row.updated_at,
    }


def _ratings_body(assessment: Assessment, role: str) -> dict[str, Any]:
    rubric = load_rubric(assessment.rubric_version).rubric
    shown = assessor.ratings_shown(assessment, role)
    scores = assessor.assessor_scores_of(assessment, role=role) if shown else None
    rows = assessor.ratings_of(assessment) if shown else []
    position = {c.key: i for i, c in enumerate(rubric.criteria)}
    rows.sort(key=lambda r: position.get(r.criterion_key, len(position)))
    if not shown:
        notice = (
            "A draft assessment has no ratings yet."
            if assessment.state == "draft"
            else "The assessor's ratings are shown with the scores, when the assessment closes."
        )
    else:
        notice = ""
    return {
        "assessment": assessment.pk,
        "shown": shown,
        "notice": notice,
        "roadmap_basis": assessment.roadmap_basis,
        "ratings": [
            _rating_body(rubric, r, scores.criteria[r.criterion_key])
            for r in rows
            if scores is not None and r.criterion_key in scores.criteria
        ],
        "dimensions": [
            {"key": d.key, "name": d.name, "assessor": node_body(scores.dimensions.get(d.key) if scores else None)}
            for d in rubric.dimensions
        ],
        "overall": node_body(scores.overall if scores else None),
    }


class AssessmentRatings(APIView):
    @extend_schema(
        responses={200: RatingsSerializer},
        summary="The assessor's ratings of an assessment",
        description=(
            "The assessor's own rating of each criterion they rated (an option of the criterion's answer set, or "
            "not applicable), with evidence notes and links, and their roll-up per dimension and overall. Kept apart "
            "from the respondents' scores. The firm's consultants see them while the assessment is open or closed; "
            "leaders and viewers once it closed (`shown` false and a `notice` before)."
        ),
    )
    def get(self, request: Request, id: int) -> Response:
        assessment, role = _assessment_and_role(request, id, READ, "see the assessor's ratings")
        return Response(RatingsSerializer(_ratings_body(assessment, role)).data)


class AssessmentRating(APIView):
    def _one(self, assessment: Assessment, criterion_key: str) -> dict[str, Any]:
        rubric = load_rubric(assessment.rubric_version).rubric
        row = AssessorRating.objects.select_related("rated_by").get(assessment=assessment, criterion_key=criterion_key)
        scores = assessor.assessor_scores(
            rubric, [assessor.Rating(row.criterion_key, row.option_key, row.notes, tuple(row.links))]
        )
        return _rating_body(rubric, row, scores.criteria[criterion_key])

    @extend_schema(
        request=RatingInSerializer,
        responses={200: RatingSerializer},
        parameters=[CRITERION_KEY],
        summary="Record the assessor's rating of a criterion",
        description=(
            "An option of the criterion's own answer set, or not_applicable true; evidence notes and http(s) links. "
            "Replaces an earlier rating. The firm's consultants only (403 for others); 409 for a draft; 404 for a "
            "criterion the rubric lacks; 422 for a free-text criterion, an option outside its answer set, both or "
            "neither of option and not_applicable, or a link that is not http(s)."
        ),
    )
    def put(self, request: Request, id: int, criterion_key: str) -> Response:
        assessment, _ = _assessment_and_role(request, id, MANAGE, "record the assessor's ratings")
        given = RatingInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        assessor.record_rating(
            assessment=assessment,
            criterion_key=criterion_key,
            option_key=data.get("option"),
            not_applicable=data["not_applicable"],
            notes=data["notes"],
            links=data["links"],
            actor=request.user,
        )
        return Response(RatingSerializer(self._one(assessment, criterion_key)).data)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[CRITERION_KEY],
        summary="Clear the assessor's rating of a criterion",
        description="The firm's consultants only; 404 when the criterion has no rating, 409 for a draft.",
    )
    def delete(self, request: Request, id: int, criterion_key: str) -> Response:
        assessment, _ = _assessment_and_role(request, id, MANAGE, "clear the assessor's ratings")
        assessor.clear_rating(assessment=assessment, criterion_key=criterion_key, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
