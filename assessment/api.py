"""The assessment API: rubrics, assessments, scores, roadmap, initiatives and year over year.

Thin: each view finds the object among the caller's organisations (404 otherwise), checks the
caller's role (403), validates the shape, calls one service or query, and serializes.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, renderers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment import services
from assessment.filters import AssessmentFilter, InitiativeFilter, RubricVersionFilter
from assessment.models import Assessment, AssessmentState, Initiative, Outcome, RubricVersion
from assessment.queries import (
    assessment_roadmap,
    assessment_scores,
    assessment_targets,
    load_rubric,
    organisation_history,
    response_counts,
)
from assessment.roadmap import percent_to_target, progress_to_date, target_gaps
from assessment.rubric import HORIZON_NAMES, RubricInvalid, dump_rubric_yaml
from assessment.scoring import MIN_GROUP_SIZE
from assessment.serializers import (
    AssessmentCreateSerializer,
    AssessmentSerializer,
    AssessmentUpdateSerializer,
    InitiativeCreateSerializer,
    InitiativeSerializer,
    InitiativeUpdateSerializer,
    OutcomesSerializer,
    ProgressSerializer,
    RoadmapSerializer,
    RubricImportResultSerializer,
    RubricImportSerializer,
    RubricTreeSerializer,
    RubricVersionSerializer,
    ScoresSerializer,
    TargetsSerializer,
    YearOverYearSerializer,
)
from assessment.year_over_year import AssessmentSnapshot, compare, trends
from organisations.errors import InvalidInput
from organisations.exceptions import FieldErrors
from organisations.models import Organisation
from organisations.permissions import READ, RUN, ConsultantForWrites, require_role, visible_object

# The rubric shipped in assessment/rubrics/: an assessment created without one uses its latest version.
DEFAULT_RUBRIC_KEY = "sales-transformation"


def _assessments() -> QuerySet[Assessment]:
    return Assessment.objects.select_related("organisation", "rubric_version__rubric").prefetch_related("targets")


def _assessment(request: Request, id: Any, roles: frozenset[str], action: str) -> Assessment:
    assessment = visible_object(_assessments(), request.user, id, name="assessment")
    require_role(request.user, assessment.organisation, roles, action=action)
    return assessment


def _fresh(assessment: Assessment) -> Assessment:
    return _assessments().get(pk=assessment.pk)


# --- rubrics ------------------------------------------------------------------------------


def _rubric_versions() -> QuerySet[RubricVersion]:
    used = Assessment.objects.filter(rubric_version=OuterRef("pk"))
    return RubricVersion.objects.select_related("rubric").annotate(frozen=Exists(used))


class RubricList(generics.ListAPIView):
    """The rubric catalogue (GET, every signed-in user); a consultant imports a YAML document (POST)."""

    serializer_class = RubricVersionSerializer
    filterset_class = RubricVersionFilter
    permission_classes = [ConsultantForWrites]

    def get_queryset(self) -> QuerySet[RubricVersion]:
        return _rubric_versions().visible_to(self.request.user).order_by("rubric__key", "version")

    @extend_schema(
        request=RubricImportSerializer,
        responses={201: RubricImportResultSerializer, 200: RubricImportResultSerializer},
        summary="Import a rubric",
        description=(
            "Validates the whole document and reports every problem with its location, as "
            "`manage.py import_rubric` does (in `fields.document`); nothing is half-imported. "
            "Identical content returns the stored version (200); changed content a new version (201)."
        ),
    )
    def post(self, request: Request) -> Response:
        given = RubricImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            result = services.import_rubric(document=given.validated_data["document"])
        except RubricInvalid as exc:
            # The pure rubric module knows nothing of HTTP; its list of problems becomes field errors.
            problems = len(exc.errors)
            raise FieldErrors(
                f"The rubric has {problems} problem{'s' if problems != 1 else ''}; nothing was imported.",
                fields={"document": exc.errors},
            ) from exc
        version = _rubric_versions().get(pk=result.version.pk)
        body = {"created": result.created, "rubric": RubricVersionSerializer(version).data}
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class RubricDetail(APIView):
    @extend_schema(responses={200: RubricTreeSerializer}, summary="A rubric version with its whole tree")
    def get(self, request: Request, id: int) -> Response:
        version = visible_object(_rubric_versions(), request.user, id, name="rubric version")
        rubric = load_rubric(version).rubric
        fields = ["key", "version", "name", "description", "coverage_threshold", "rollup", "scale", "thresholds"]
        tree = {f: getattr(rubric, f) for f in fields}
        tree.update(
            id=version.pk,
            frozen=version.frozen,
            respondent_groups=rubric.respondent_groups,
            answer_sets=rubric.answer_sets,
            dimensions=rubric.dimensions,
        )
        return Response(RubricTreeSerializer(tree).data)


class YAMLRenderer(renderers.BaseRenderer):
    """Lets a client ask for application/yaml; errors are then written as YAML too."""

    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        import yaml

        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode() if data is not None else b""


class RubricExport(APIView):
    renderer_classes = [renderers.JSONRenderer, YAMLRenderer]

    @extend_schema(
        responses={
            (200, "application/yaml"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The rubric document (docs/rubric-format.md) as YAML."
            )
        },
        summary="Export a rubric version as YAML",
        description="The canonical document: importing it again maps to the same version.",
    )
    def get(self, request: Request, id: int) -> HttpResponse:
        version = visible_object(_rubric_versions(), request.user, id, name="rubric version")
        text = dump_rubric_yaml(load_rubric(version).rubric)
        response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{version.rubric.key}-v{version.version}.yaml"'
        return response


# --- assessments ------------------------------------------------------------------------


class AssessmentList(generics.ListAPIView):
    """Assessments of the caller's organisations (GET, filterable); consultants and leaders create (POST)."""

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter

    def get_queryset(self) -> QuerySet[Assessment]:
        return _assessments().visible_to(self.request.user).order_by("organisation__name", "organisation_id", "period")

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentSerializer})
    def post(self, request: Request) -> Response:
        given = AssessmentCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        organisation = visible_object(
            Organisation.objects.all(), request.user, data["organisation"], name="organisation"
        )
        require_role(request.user, organisation, RUN, action="create assessments")
        if "rubric" in data:
            version = visible_object(RubricVersion.objects.all(), request.user, data["rubric"], name="rubric version")
        else:
            latest = RubricVersion.objects.latest_of(DEFAULT_RUBRIC_KEY)
            if latest is None:
                raise InvalidInput("Choose a rubric version: the default rubric is not installed.", field="rubric")
            version = latest
        assessment = services.create_assessment(
            organisation=organisation,
            period=data["period"],
            title=data["title"],
            rubric_version=version,
            respondent_groups=data.get("respondent_groups"),
            targets=data.get("targets"),
            group_weighting=data["group_weighting"],
            created_by=request.user,
        )
        return Response(AssessmentSerializer(_fresh(assessment)).data, status=status.HTTP_201_CREATED)


class AssessmentDetail(APIView):
    @extend_schema(responses={200: AssessmentSerializer})
    def get(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, READ, "see assessments")
        return Response(AssessmentSerializer(assessment).data)

    @extend_schema(
        request=AssessmentUpdateSerializer,
        responses={200: AssessmentSerializer},
        description="Only a draft can change its period, title, respondent groups and weighting (409 otherwise).",
    )
    def patch(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, RUN, "change assessments")
        given = AssessmentUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.update_assessment(assessment=assessment, **given.validated_data)
        return Response(AssessmentSerializer(_fresh(assessment)).data)


class AssessmentOpen(APIView):
    @extend_schema(request=None, responses={200: AssessmentSerializer}, summary="Open a draft assessment")
    def post(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, RUN, "open assessments")
        services.open_assessment(assessment=assessment)
        return Response(AssessmentSerializer(_fresh(assessment)).data)


class AssessmentClose(APIView):
    @extend_schema(request=None, responses={200: AssessmentSerializer}, summary="Close an open assessment")
    def post(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, RUN, "close assessments")
        services.close_assessment(assessment=assessment)
        return Response(AssessmentSerializer(_fresh(assessment)).data)


class AssessmentTargets(APIView):
    @extend_schema(responses={200: TargetsSerializer})
    def get(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, READ, "see targets")
        return Response({"targets": assessment_targets(assessment)})

    @extend_schema(
        request=TargetsSerializer,
        responses={200: TargetsSerializer},
        description="Sets the levels given (others are kept); refused once the assessment is closed (409).",
    )
    def patch(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, RUN, "set targets")
        given = TargetsSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        targets = services.set_targets(assessment=assessment, targets=given.validated_data["targets"])
        return Response({"targets": targets})


class AssessmentProgress(APIView):
    @extend_schema(responses={200: ProgressSerializer}, summary="Responses started and submitted per group")
    def get(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, READ, "see progress")
        counts = response_counts(assessment)
        names = {g["key"]: g["name"] for g in assessment.rubric_version.respondent_groups}
        keys = list(assessment.respondent_groups) + sorted(set(counts) - set(assessment.respondent_groups))
        groups = []
        for key in keys:
            started = counts.get(key, {}).get("started", 0)
            submitted = counts.get(key, {}).get("submitted", 0)
            groups.append(
                {
                    "group": key,
                    "name": names.get(key, key),
                    "started": started,
                    "submitted": submitted,
                    "in_progress": started - submitted,
                }
            )
        body = {
            "assessment": assessment.pk,
            "state": assessment.state,
            "started": sum(g["started"] for g in groups),
            "submitted": sum(g["submitted"] for g in groups),
            "groups": groups,
        }
        return Response(ProgressSerializer(body).data)


def _baseline_of(assessment: Assessment) -> Assessment | None:
    """The organisation's previous assessment with evidence: the baseline of progress-to-date."""
    return (
        Assessment.objects.filter(organisation_id=assessment.organisation_id, period__lt=assessment.period)
        .exclude(state=AssessmentState.DRAFT)
        .order_by("-period", "-id")
        .first()
    )


def _level(level: Any) -> dict[str, Any] | None:
    return {"value": level.value, "name": level.name} if level else None


class AssessmentScores(APIView):
    @extend_schema(
        responses={200: ScoresSerializer},
        summary="Scores of an assessment",
        description=(
            "Overall, per dimension and per criterion, with consensus, coverage and insufficient evidence; "
            f"per respondent group with perception gaps (groups under {MIN_GROUP_SIZE} respondents are hidden); "
            "percent-to-target, and progress-to-date against the organisation's previous assessment."
        ),
    )
    def get(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, READ, "see scores")
        rubric, scores = assessment_scores(assessment)
        targets = assessment_targets(assessment)
        levels = {key: (d.level.value if d.level else None) for key, d in scores.dimensions.items()}
        gaps = target_gaps(levels, targets)
        baseline = _baseline_of(assessment)
        baseline_dimensions = assessment_scores(baseline)[1].dimensions if baseline else {}
        dimensions = []
        for node in rubric.dimensions:
            d = scores.dimensions[node.key]
            target = targets.get(node.key)
            base = baseline_dimensions.get(node.key)
            base_score = base.score if base else None
            dimensions.append(
                {
                    "key": node.key,
                    "name": node.name,
                    "weight": node.weight,
                    "score": d.score,
                    "level": _level(d.level),
                    "index": d.index,
                    "coverage": d.coverage,
                    "insufficient_evidence": d.insufficient_evidence,
                    "consensus": d.consensus,
                    "target_level": target,
                    "gap": gaps[node.key].gap if node.key in gaps else None,
                    "baseline_score": base_score,
                    "progress_to_date": progress_to_date(d.score, base_score, target) if target is not None else None,
                }
            )
        group_names = {g.key: g.name for g in rubric.respondent_groups}
        body = {
            "assessment": assessment.pk,
            "period": assessment.period,
            "state": assessment.state,
            "rubric_key": rubric.key,
            "rubric_version": rubric.version,
            "respondents": scores.respondents,
            "group_weighting": scores.group_weighting,
            "min_group_size": MIN_GROUP_SIZE,
            "overall": {
                "score": scores.overall.score,
                "level": _level(scores.overall.level),
                "index": scores.overall.index,
                "coverage": scores.overall.coverage,
                "insufficient_evidence": scores.overall.insufficient_evidence,
            },
            "dimensions": dimensions,
            "criteria": [
                {
                    "key": c.key,
                    "dimension": c.dimension,
                    "text": rubric.criterion_by_key[c.key].text,
                    "mean": c.mean,
                    "sd": c.sd,
                    "consensus": c.consensus,
                    "answered": c.answered,
                    "not_applicable": c.not_applicable,
                    "addressed": c.addressed,
                }
                for c in scores.criteria.values()
            ],
            "groups": [
                {
                    "group": g.group,
                    "name": group_names.get(g.group, g.group),
                    "respondents": g.respondents,
                    "hidden": g.hidden,
                    "overall": g.overall,
                    "dimensions": g.dimensions,
                }
                for g in scores.groups
            ],
            "perception_gaps": [
                {
                    "dimension": p.dimension,
                    "spread": p.spread,
                    "highest_group": p.highest_group,
                    "lowest_group": p.lowest_group,
                    "significant": p.significant,
                }
                for p in scores.perception_gaps
            ],
            "percent_to_target": percent_to_target(gaps),
            "baseline": {"assessment": baseline.pk, "period": baseline.period} if baseline else None,
        }
        return Response(ScoresSerializer(body).data)


class AssessmentRoadmap(APIView):
    @extend_schema(
        responses={200: RoadmapSerializer},
        summary="The roadmap derived from scores and targets",
        description="Recommendations for every step between level and target, by horizon, in priority order.",
    )
    def get(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, READ, "see the roadmap")
        _, _, roadmap = assessment_roadmap(assessment)
        tracked = dict(assessment.initiatives.values_list("recommendation_key", "id"))
        horizons = [
            {
                "key": horizon.key,
                "name": HORIZON_NAMES[horizon.key],
                "items": [
                    {
                        "rank": item.rank,
                        "recommendation_key": item.recommendation.key,
                        "dimension": item.dimension,
                        "from_level": item.recommendation.from_level,
                        "title": item.recommendation.title,
                        "description": item.recommendation.description,
                        "effort": item.recommendation.effort,
                        "impact": item.recommendation.impact,
                        "owner_role": item.recommendation.owner_role,
                        "horizon": item.horizon,
                        "gap": item.gap,
                        "priority": item.priority,
                        "depends_on": list(item.recommendation.depends_on),
                        "initiative": tracked.get(item.recommendation.key),
                    }
                    for item in horizon.items
                ],
            }
            for horizon in roadmap.horizons
        ]
        body = {"assessment": assessment.pk, "horizons": horizons, "skipped_dimensions": roadmap.skipped_dimensions}
        return Response(RoadmapSerializer(body).data)


class AssessmentOutcomes(APIView):
    def body(self, assessment: Assessment) -> dict[str, Any]:
        outcome = Outcome.objects.filter(assessment=assessment).first()
        values = {name: getattr(outcome, name, None) for name in services.OUTCOME_LIMITS}
        return {**values, "updated_at": outcome.updated_at if outcome else None}

    @extend_schema(responses={200: OutcomesSerializer}, summary="Outcome KPIs of the assessment's period")
    def get(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, READ, "see outcomes")
        return Response(OutcomesSerializer(self.body(assessment)).data)

    @extend_schema(
        request=OutcomesSerializer,
        responses={200: OutcomesSerializer},
        description="Sets the KPIs given (null clears one), all or none.",
    )
    def patch(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, RUN, "record outcomes")
        given = OutcomesSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.set_outcomes(assessment=assessment, values=given.validated_data)
        return Response(OutcomesSerializer(self.body(assessment)).data)


# --- initiatives --------------------------------------------------------------------------


class InitiativeList(generics.ListAPIView):
    """Initiatives of the caller's organisations (GET); create one from a roadmap item (POST)."""

    serializer_class = InitiativeSerializer
    filterset_class = InitiativeFilter

    def get_queryset(self) -> QuerySet[Initiative]:
        return (
            Initiative.objects.visible_to(self.request.user).select_related("assessment").order_by("assessment", "id")
        )

    @extend_schema(request=InitiativeCreateSerializer, responses={201: InitiativeSerializer})
    def post(self, request: Request) -> Response:
        given = InitiativeCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        assessment = _assessment(request, data.pop("assessment"), RUN, "create initiatives")
        initiative = services.create_initiative(assessment=assessment, **data)
        return Response(InitiativeSerializer(initiative).data, status=status.HTTP_201_CREATED)


class InitiativeDetail(APIView):
    def initiative(self, request: Request, id: int, roles: frozenset[str], action: str) -> Initiative:
        queryset = Initiative.objects.select_related("assessment__organisation")
        initiative = visible_object(queryset, request.user, id, name="initiative")
        require_role(request.user, initiative.assessment.organisation, roles, action=action)
        return initiative

    @extend_schema(responses={200: InitiativeSerializer})
    def get(self, request: Request, id: int) -> Response:
        return Response(InitiativeSerializer(self.initiative(request, id, READ, "see initiatives")).data)

    @extend_schema(
        request=InitiativeUpdateSerializer,
        responses={200: InitiativeSerializer},
        description="Owner, status (planned, in_progress, done, dropped), due date (null clears it), title.",
    )
    def patch(self, request: Request, id: int) -> Response:
        initiative = self.initiative(request, id, RUN, "change initiatives")
        given = InitiativeUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        updated = services.update_initiative(initiative=initiative, **given.validated_data)
        return Response(InitiativeSerializer(updated).data)


# --- year over year -----------------------------------------------------------------------


def _snapshot(s: AssessmentSnapshot) -> dict[str, Any]:
    return {
        "assessment": s.assessment_id,
        "period": s.period,
        "rubric_key": s.rubric_key,
        "rubric_version": s.rubric_version,
        "overall": s.overall,
    }


def _rubric_change(previous: AssessmentSnapshot, current: AssessmentSnapshot) -> str | None:
    if (previous.rubric_key, previous.rubric_version) == (current.rubric_key, current.rubric_version):
        return None
    return (
        f"{current.period} was assessed with {current.rubric_key} version {current.rubric_version}, "
        f"{previous.period} with {previous.rubric_key} version {previous.rubric_version}: scores are compared "
        "by dimension and criterion key, and keys found in only one of them are listed, not compared."
    )


class YearOverYear(APIView):
    @extend_schema(
        responses={200: YearOverYearSerializer},
        summary="Year over year for an organisation",
        description=(
            "The organisation's open and closed assessments by period, each compared with the one before it "
            "(deltas by dimension and criterion key; a rubric version change is stated), per-dimension trends "
            "and the previous assessment's initiatives with their status."
        ),
    )
    def get(self, request: Request, id: int) -> Response:
        organisation = visible_object(Organisation.objects.all(), request.user, id, name="organisation")
        require_role(request.user, organisation, READ, action="see results")
        history = organisation_history(organisation.pk)
        initiatives: dict[int, list[dict[str, Any]]] = {}
        rows = Initiative.objects.filter(assessment__organisation=organisation).order_by("assessment_id", "id")
        for i in rows:
            initiatives.setdefault(i.assessment_id, []).append(
                {
                    "id": i.pk,
                    "title": i.title,
                    "dimension_key": i.dimension_key,
                    "owner": i.owner,
                    "status": i.status,
                    "due_date": i.due_date,
                }
            )
        comparisons = []
        for previous, current in pairwise(history):
            c = compare(previous, current)
            comparisons.append(
                {
                    "previous": _snapshot(previous),
                    "current": _snapshot(current),
                    "rubric_changed": c.rubric_changed,
                    "rubric_change": _rubric_change(previous, current),
                    "overall": _delta(c.overall),
                    "dimensions": [_delta(d) for d in c.dimensions],
                    "criteria": [_delta(d) for d in c.criteria],
                    "only_in_previous": list(c.only_in_previous),
                    "only_in_current": list(c.only_in_current),
                    "previous_initiatives": initiatives.get(previous.assessment_id, []),
                }
            )
        body = {
            "organisation": organisation.pk,
            "assessments": [_snapshot(s) for s in history],
            "comparisons": comparisons,
            "trends": [
                {"key": t.key, "points": [{"period": p, "score": score} for p, score in t.points]}
                for t in trends(history)
            ],
        }
        return Response(YearOverYearSerializer(body).data)


def _delta(d: Any) -> dict[str, Any]:
    return {"key": d.key, "previous": d.previous, "current": d.current, "change": d.change}
