"""The assessment API: rubrics, assessments, scores, roadmap, initiatives and year over year.

Thin: each view finds the object among the caller's organisations (404 otherwise), checks the
caller's role (403), validates the shape, calls one service or query, and serializes.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, renderers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from assessment import assessor, exports, services
from assessment.anonymity import (
    Published,
    dimension_levels,
    published_history,
    published_scores,
)
from assessment.assessor_serializers import criterion_body, node_body
from assessment.filters import AssessmentFilter, InitiativeFilter, RubricVersionFilter
from assessment.models import Assessment, AssessmentState, Initiative, Outcome, RubricVersion
from assessment.outcomes import OUTCOMES
from assessment.portfolio import (
    PageOutOfRange,
    PortfolioQuery,
    outcome_change,
    outcome_history,
    peer_benchmark,
    portfolio,
    portfolio_page,
)
from assessment.queries import (
    across_skipped_versions,
    assessment_targets,
    assessments_with_evidence,
    load_rubric,
    response_counts,
)
from assessment.roadmap import build_roadmap, percent_to_target, progress_to_date, target_gaps
from assessment.rubric import HORIZON_NAMES, RubricInvalid, dump_rubric_yaml
from assessment.serializers import (
    AssessmentCreateSerializer,
    AssessmentSerializer,
    AssessmentUpdateSerializer,
    BenchmarkQuerySerializer,
    BenchmarkSerializer,
    InitiativeCreateSerializer,
    InitiativeSerializer,
    InitiativeUpdateSerializer,
    OutcomesSerializer,
    PaginatedPortfolioRowListSerializer,
    PortfolioQuerySerializer,
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
from organisations import audit
from organisations.errors import InvalidInput, NotFound
from organisations.exceptions import JsonErrors, UnprocessableFields
from organisations.models import Firm, Organisation
from organisations.permissions import (
    FIRM_MEMBER,
    MANAGE,
    READ,
    RUN,
    ConsultantForWrites,
    acting_firm,
    require_firm_role,
    require_role,
    visible_object,
)

# The rubric shipped in assessment/rubrics/: an assessment created without one uses its latest
# built-in version, never a firm's rubric.
DEFAULT_RUBRIC_KEY = "sales-transformation"


def _assessments() -> QuerySet[Assessment]:
    return Assessment.objects.select_related("organisation", "rubric_version__rubric").prefetch_related("targets")


def _assessment(request: Request, id: Any, roles: frozenset[str], action: str) -> Assessment:
    return _assessment_and_role(request, id, roles, action)[0]


def _assessment_and_role(request: Request, id: Any, roles: frozenset[str], action: str) -> tuple[Assessment, str]:
    """The assessment among the caller's organisations (404), and their role, if one of `roles` (403)."""
    assessment = visible_object(_assessments(), request.user, id, name="assessment")
    return assessment, require_role(request.user, assessment.organisation, roles, action=action)


def _fresh(assessment: Assessment) -> Assessment:
    return _assessments().get(pk=assessment.pk)


# --- rubrics ------------------------------------------------------------------------------


def _rubric_versions() -> QuerySet[RubricVersion]:
    used = Assessment.objects.filter(rubric_version=OuterRef("pk"))
    return RubricVersion.objects.select_related("rubric").annotate(frozen=Exists(used))


class RubricList(generics.ListAPIView):
    """The rubric catalogue (GET: the built-ins and the caller's firms' own); a firm member imports a
    YAML document into their firm (POST)."""

    serializer_class = RubricVersionSerializer
    filterset_class = RubricVersionFilter
    permission_classes = [ConsultantForWrites]

    def get_queryset(self) -> QuerySet[RubricVersion]:
        return _rubric_versions().visible_to(self.request.user).order_by("rubric__key", "version")

    @extend_schema(
        request=RubricImportSerializer,
        responses={201: RubricImportResultSerializer, 200: RubricImportResultSerializer},
        summary="Import a rubric into the caller's firm",
        description=(
            "Validates the whole document and reports every problem with its location, as "
            "`manage.py import_rubric` does (in `fields.document`); nothing is half-imported. "
            "The rubric belongs to the firm (`firm`, or the caller's only firm; someone in no firm gets 403) "
            "and is visible and usable only inside it. Built-in rubrics never change through the API: "
            "a document with a built-in's key, or any key the firm does not own, is stored under the firm's "
            "own key (`<firm>-<id>-<key>`), with `based_on` naming what it came from. The document's "
            "`version` is ignored: the server numbers the versions of a key 1, 2, 3... "
            "Content identical to a stored version (the firm's, or the built-in one) returns that version "
            "(200); changed content becomes the next version (201)."
        ),
    )
    def post(self, request: Request) -> Response:
        given = RubricImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        firm = acting_firm(request.user, given.validated_data.get("firm"), action="import rubrics")
        require_firm_role(request.user, firm, FIRM_MEMBER, action="import rubrics")
        try:
            result = services.import_rubric(
                document=given.validated_data["document"], firm=firm, imported_by=request.user
            )
        except RubricInvalid as exc:
            # The pure rubric module knows nothing of HTTP; its list of problems becomes field errors.
            problems = len(exc.errors)
            raise UnprocessableFields(
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
            firm=version.rubric.firm_id,
            built_in=version.rubric.is_built_in,
            based_on=version.rubric.based_on,
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
            # Another firm's rubric version is not found, exactly like one that does not exist.
            offered = RubricVersion.objects.offered_for(organisation, request.user)
            version = visible_object(offered, request.user, data["rubric"], name="rubric version")
        else:
            latest = RubricVersion.objects.latest_built_in(DEFAULT_RUBRIC_KEY)
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
        description=(
            "Only a draft can change its period, title, respondent groups and weighting (409 otherwise); "
            "`roadmap_basis` changes in any state, by the firm's consultants only."
        ),
    )
    def patch(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, RUN, "change assessments")
        given = AssessmentUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        settings = dict(given.validated_data)
        basis = settings.pop("roadmap_basis", None)
        if basis is not None:
            # The roadmap's basis is the firm's choice, in any state (assessment/assessor.py).
            require_role(request.user, assessment.organisation, MANAGE, action="choose the roadmap's basis")
        if settings or basis is None:
            services.update_assessment(assessment=assessment, **settings)
        if basis is not None:
            assessor.set_roadmap_basis(assessment=assessment, basis=basis, actor=request.user)
        return Response(AssessmentSerializer(_fresh(assessment)).data)


class AssessmentOpen(APIView):
    @extend_schema(request=None, responses={200: AssessmentSerializer}, summary="Open a draft assessment")
    def post(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, RUN, "open assessments")
        services.open_assessment(assessment=assessment, actor=request.user)
        return Response(AssessmentSerializer(_fresh(assessment)).data)


class AssessmentClose(APIView):
    @extend_schema(request=None, responses={200: AssessmentSerializer}, summary="Close an open assessment")
    def post(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, RUN, "close assessments")
        services.close_assessment(assessment=assessment, actor=request.user)
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
        targets = services.set_targets(
            assessment=assessment, targets=given.validated_data["targets"], actor=request.user
        )
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


def _assessor_of(body: dict[str, Any] | None) -> dict[str, Any]:
    """The assessor's block beside a team figure: present only where recorded and shown (assessment/assessor.py)."""
    return {"assessor": body} if body is not None else {}


def _withheld(published: Published, withheld: bool) -> str | None:
    return published.reason if withheld else None


class AssessmentScores(APIView):
    @extend_schema(
        responses={200: ScoresSerializer},
        summary="Scores of an assessment",
        description=(
            "Overall, per dimension, per sub-group at every depth (`nodes`, in rubric order with parent and depth) "
            "and per criterion, with consensus, coverage and insufficient evidence; the overall is null, with the "
            "reason in `withheld`, when a weighted dimension has insufficient evidence; "
            "per respondent group with perception gaps; percent-to-target, and progress-to-date against the "
            "organisation's previous assessment. Anonymity rules: a closed assessment shows all its counted "
            "responses; an open one shows its latest snapshot to the firm's consultants only (each snapshot adds "
            "at least `min_respondents` submissions) and nothing to leaders and viewers (`published` false, "
            "`notice` says why). Every block carries the `respondents` its figures come from; a figure from "
            "fewer than `min_respondents` people is null, with the reason in `withheld`."
        ),
    )
    def get(self, request: Request, id: int) -> Response:
        assessment, role = _assessment_and_role(request, id, READ, "see scores")
        published = published_scores(assessment, role=role)
        rubric, scores, people = published.rubric, published.scores, published.people
        targets = assessment_targets(assessment)
        levels = dimension_levels(published)
        gaps = target_gaps(levels, targets)
        baseline = _baseline_of(assessment)
        baseline_dimensions = published_scores(baseline, role=role).scores.dimensions if baseline else {}
        rated = assessor.assessor_scores_of(assessment, role=role)
        dimensions = []
        for node in rubric.dimensions:
            d = scores.dimensions[node.key]
            withheld = published.dimension_withheld(node.key)
            target = targets.get(node.key)
            base = baseline_dimensions.get(node.key)
            base_score = base.score if base else None
            dimensions.append(
                {
                    "key": node.key,
                    "name": node.name,
                    "weight": node.weight,
                    "respondents": people.dimensions.get(node.key, 0),
                    "withheld": _withheld(published, withheld),
                    "score": d.score,
                    "level": _level(d.level),
                    "index": d.index,
                    "coverage": None if withheld else d.coverage,
                    "insufficient_evidence": None if withheld else d.insufficient_evidence,
                    "consensus": d.consensus,
                    "target_level": target,
                    "gap": gaps[node.key].gap if node.key in gaps else None,
                    "baseline_score": base_score,
                    "progress_to_date": progress_to_date(d.score, base_score, target) if target is not None else None,
                    **_assessor_of(node_body(rated.dimensions.get(node.key)) if rated else None),
                }
            )
        group_names = {g.key: g.name for g in rubric.respondent_groups}
        overall_withheld = published.overall_withheld()
        nodes = []
        for node in rubric.nodes:
            n = scores.nodes[node.key]
            withheld = published.node_withheld(node.key)
            nodes.append(
                {
                    "key": node.key,
                    "name": node.name,
                    "parent": n.parent,
                    "depth": n.depth,
                    "weight": node.weight,
                    "rollup": node.rollup,
                    "respondents": people.nodes.get(node.key, 0),
                    "withheld": _withheld(published, withheld),
                    "score": n.score,
                    "level": _level(n.level),
                    "index": n.index,
                    "coverage": None if withheld else n.coverage,
                    "insufficient_evidence": None if withheld else n.insufficient_evidence,
                    "consensus": n.consensus,
                }
            )
        body = {
            "assessment": assessment.pk,
            "period": assessment.period,
            "state": assessment.state,
            "rubric_key": rubric.key,
            "rubric_version": rubric.version,
            "published": published.shown,
            "source": published.source,
            "notice": published.notice,
            "published_at": published.taken_at,
            "respondents": scores.respondents,
            "group_weighting": scores.group_weighting,
            "min_respondents": published.minimum,
            "min_group_size": published.minimum,
            "overall": {
                "respondents": people.overall,
                "withheld": _withheld(published, overall_withheld) or scores.overall.withheld,
                "score": scores.overall.score,
                "level": _level(scores.overall.level),
                "index": scores.overall.index,
                "coverage": None if overall_withheld else scores.overall.coverage,
                "insufficient_evidence": None if overall_withheld else scores.overall.insufficient_evidence,
                **_assessor_of(node_body(rated.overall) if rated else None),
            },
            "dimensions": dimensions,
            "nodes": nodes,
            "criteria": [
                {
                    "key": c.key,
                    "dimension": c.dimension,
                    "text": rubric.criterion_by_key[c.key].text,
                    "respondents": people.criteria.get(c.key, 0),
                    "withheld": _withheld(published, published.criterion_withheld(c.key)),
                    "mean": c.mean,
                    "sd": c.sd,
                    "consensus": c.consensus,
                    "answered": c.answered,
                    "not_applicable": None if published.criterion_withheld(c.key) else c.not_applicable,
                    "addressed": c.addressed,
                    **_assessor_of(criterion_body(rated.criteria.get(c.key)) if rated else None),
                }
                for c in scores.criteria.values()
            ],
            "groups": [
                {
                    "group": g.group,
                    "name": group_names.get(g.group, g.group),
                    "respondents": g.respondents,
                    "hidden": g.hidden,
                    "withheld": published.reason if g.hidden else None,
                    "overall_respondents": people.group_overall.get(g.group, 0),
                    "overall": g.overall,
                    "dimension_respondents": dict(people.group_dimensions.get(g.group, {})) if not g.hidden else {},
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
        assessment, role = _assessment_and_role(request, id, READ, "see the roadmap")
        published = published_scores(assessment, role=role)
        basis = assessor.roadmap_levels(assessment, published, role=role)
        roadmap = build_roadmap(published.rubric, basis.levels, assessment_targets(assessment))
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
        body = {
            "assessment": assessment.pk,
            "horizons": horizons,
            "skipped_dimensions": roadmap.skipped_dimensions,
            "basis": basis.basis,
            "basis_note": basis.note,
        }
        return Response(RoadmapSerializer(body).data)


class AssessmentOutcomes(APIView):
    def body(self, assessment: Assessment) -> dict[str, Any]:
        outcome = Outcome.objects.filter(assessment=assessment).first()
        values = {name: getattr(outcome, name, None) for name in OUTCOMES}
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
        assessment, role = _assessment_and_role(request, data.pop("assessment"), RUN, "create initiatives")
        initiative = services.create_initiative(assessment=assessment, role=role, **data)
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
        + (
            f" Keys that {current.rubric_key} version {current.rubric_version} says replace older ones are "
            "compared with those."
            if current.replaces
            else ""
        )
    )


class YearOverYear(APIView):
    @extend_schema(
        responses={200: YearOverYearSerializer},
        summary="Year over year for an organisation",
        description=(
            "The organisation's open and closed assessments by period, each compared with the one before it "
            "(deltas by dimension and criterion key; a rubric version change is stated), per-dimension trends, "
            "the previous assessment's initiatives with their status, and the outcome KPIs the client gave "
            "for each period (for ramp time and attrition, lower is better)."
        ),
    )
    def get(self, request: Request, id: int) -> Response:
        organisation = visible_object(Organisation.objects.all(), request.user, id, name="organisation")
        role = require_role(request.user, organisation, READ, action="see results")
        history = published_history(assessments_with_evidence(organisation.pk), role=role)
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
        assessments = list(
            Assessment.objects.filter(pk__in=[s.assessment_id for s in history]).order_by("period", "id")
        )
        outcomes = outcome_history(assessments)
        comparisons = []
        # Each snapshot knows what its version replaces of the one before it; where versions were skipped,
        # of the earlier assessment's version (through the versions between).
        history = history[:1] + [across_skipped_versions(p, c) for p, c in pairwise(history)]
        for index, (previous, current) in enumerate(pairwise(history)):
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
                    "like_for_like": c.like_for_like,
                    "dimension_changes": [
                        {
                            "key": d.key,
                            "previous_keys": list(d.previous_keys),
                            "like_for_like": d.like_for_like,
                            "added": list(d.added),
                            "removed": list(d.removed),
                        }
                        for d in c.dimension_changes
                    ],
                    "previous_initiatives": initiatives.get(previous.assessment_id, []),
                    "outcomes": [_outcome_change(row, index) for row in outcomes],
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
            "outcomes": [
                {
                    "key": row.key,
                    "label": row.label,
                    "unit": row.unit,
                    "lower_is_better": row.lower_is_better,
                    "points": [
                        {"assessment": a.pk, "period": period, "value": value}
                        for a, (period, value) in zip(assessments, row.values, strict=True)
                    ],
                }
                for row in outcomes
            ],
        }
        return Response(YearOverYearSerializer(body).data)


def _outcome_change(row: Any, index: int) -> dict[str, Any]:
    """One KPI from the assessment at `index` to the next."""
    previous, current = row.values[index][1], row.values[index + 1][1]
    change, verdict = outcome_change(previous, current, lower_is_better=row.lower_is_better)
    return {"key": row.key, "previous": previous, "current": current, "change": change, "verdict": verdict}


def _delta(d: Any) -> dict[str, Any]:
    body = {"key": d.key, "previous": d.previous, "current": d.current, "change": d.change}
    if d.key != "overall":
        body["previous_keys"] = list(d.previous_keys)
    return body


# --- portfolio, benchmark and exports ------------------------------------------------------

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CsvRenderer(renderers.BaseRenderer):
    """Lets a client ask for text/csv; errors still go out as JSON."""

    media_type = CSV
    format = "csv"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return renderers.JSONRenderer().render(data)


class XlsxRenderer(CsvRenderer):
    """Lets a client ask for a workbook; errors still go out as JSON."""

    media_type = XLSX
    format = "xlsx"


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=f"{CSV}; charset=utf-8" if fmt == "csv" else XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _file_part(text: str, fallback: str, limit: int) -> str:
    """Letters, digits and hyphens only, so the name is safe in a header and on any file system."""
    return slugify(text)[:limit].strip("-") or fallback


def _portfolio_row(row: Any) -> dict[str, Any]:
    o = row.organisation
    return {
        "organisation": {"id": o.pk, "name": o.name, "industry": o.industry, "size_band": o.size_band},
        "latest_assessment": row.latest_id,
        "latest_period": row.latest_period,
        "overall": row.overall,
        "overall_level": row.overall_level,
        "previous_period": row.previous_period,
        "change": row.change,
        "trend": row.trend,
        "dimensions": dict(row.dimensions),
        "open_assessments": [
            {
                "id": a.id,
                "period": a.period,
                "invited": a.invited,
                "submitted": a.submitted,
                "response_rate": a.response_rate,
            }
            for a in row.open_assessments
        ],
    }


def _page_url(url: str, number: int) -> str:
    """The same request on another page, as DRF's page-number pagination links it (page 1 without `page`)."""
    return replace_query_param(url, "page", number) if number > 1 else remove_query_param(url, "page")


class Portfolio(APIView):
    @extend_schema(
        parameters=[PortfolioQuerySerializer],
        responses={200: PaginatedPortfolioRowListSerializer},
        summary="The caller's portfolio of client organisations",
        description=(
            "The organisations the caller is a consultant of, 50 a page, by name unless `sort` says otherwise: "
            "each one's latest closed assessment's overall score and level, the change since the closed "
            "assessment before it (trend up, down, flat or none), each dimension's latest score, and its open "
            "assessments with their response rates. Scores are those kept at close, with what came from too "
            "few people withheld (null). Filters: industry, size band, and the state of the latest assessment. "
            "A fixed number of queries whatever the number of organisations. Empty for someone who consults "
            "for none."
        ),
    )
    def get(self, request: Request) -> Response:
        given = PortfolioQuerySerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        query = PortfolioQuery(
            sort=values.get("sort") or "name",
            industry=values.get("industry", "").strip(),
            size_band=values.get("size_band", ""),
            state=values.get("state", ""),
        )
        try:
            page = portfolio_page(request.user, query, values.get("page", 1))
        except PageOutOfRange:
            raise NotFound("There is no such page of the portfolio.") from None
        url = request.build_absolute_uri()
        body = {
            "count": page.count,
            "next": _page_url(url, page.number + 1) if page.has_next else None,
            "previous": _page_url(url, page.number - 1) if page.has_previous else None,
            "results": [_portfolio_row(r) for r in page.rows],
        }
        return Response(PaginatedPortfolioRowListSerializer(body).data)


class PortfolioExport(JsonErrors, APIView):
    renderer_classes = [renderers.JSONRenderer, XlsxRenderer]

    @extend_schema(
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The portfolio as a workbook")},
        operation_id="portfolio_export",
        summary="Download the portfolio summary as XLSX",
        description="One row per organisation of GET /portfolio/: latest period, overall, level, change, trend, "
        "open assessments and each dimension's latest score (one column per dimension key).",
    )
    def get(self, request: Request) -> HttpResponse:
        content = exports.to_xlsx([("Portfolio", exports.portfolio_table(portfolio(request.user)))])
        audit.record_in_firms(
            firms=Firm.objects.visible_to(request.user),
            action=audit.Action.DATA_EXPORTED,
            summary="Downloaded the portfolio summary as XLSX",
            actor=request.user,
            details={"export": "portfolio", "format": "xlsx"},
        )
        return _download(content, "xlsx", f"portfolio-{timezone.localdate():%Y-%m-%d}.xlsx")


class AssessmentBenchmark(APIView):
    @extend_schema(
        parameters=[BenchmarkQuerySerializer],
        responses={200: BenchmarkSerializer},
        summary="Where the assessment stands among comparable organisations",
        description=(
            "Each dimension's percentile rank (peers below + half the peers equal, over the peers) among the "
            "peers: the latest closed assessment, with the same rubric, of each other organisation of the same "
            "firm (never another firm's) that has not opted out and whose kept scores come from at least "
            "MIN_RESPONDENTS counted responses; optionally only those of one industry and/or size band. "
            "Percentiles and medians are null when fewer than `min_peers` organisations compare. The score "
            "compared is the one kept when the assessment closed (null while it is open, or when it came from "
            "too few responses). An organisation that opted out (`opted_out`) is shown no benchmark and no "
            "dimensions. Peers are never named or identified."
        ),
    )
    def get(self, request: Request, id: int) -> Response:
        assessment = _assessment(request, id, READ, "see the benchmark")
        given = BenchmarkQuerySerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        industry = given.validated_data.get("industry", "").strip()
        size_band = given.validated_data.get("size_band", "")
        result = peer_benchmark(assessment, industry=industry, size_band=size_band)
        body = {
            "assessment": assessment.pk,
            "industry": result.industry,
            "size_band": result.size_band,
            "peers": result.peers,
            "min_peers": result.min_peers,
            "shown": result.shown,
            "opted_out": result.opted_out,
            "dimensions": [
                {
                    "key": d.dimension,
                    "name": result.names.get(d.dimension, d.dimension),
                    "score": d.score,
                    "percentile": d.percentile,
                    "peer_median": d.peer_median,
                }
                for d in result.dimensions
            ],
        }
        return Response(BenchmarkSerializer(body).data)


# Who may download what: individual answers, even anonymised, only ever reach consultants.
EXPORT_ROLES = {"responses": MANAGE, "scores": READ}
EXPORT_ACTIONS = {"responses": "download individual responses", "scores": "download scores"}
EXPORT_FORMATS = ("csv", "xlsx")


class AssessmentExport(JsonErrors, APIView):
    renderer_classes = [renderers.JSONRenderer, CsvRenderer, XlsxRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(EXPORT_ROLES)),
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(EXPORT_FORMATS)),
        ],
        responses={
            (200, CSV): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 CSV with a byte-order mark"),
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="A workbook with one sheet"),
        },
        operation_id="assessments_export",
        summary="Download an assessment's responses or scores as CSV or XLSX",
        description=(
            "`responses`: one row per counted response, consultants only: a row number, the respondent group "
            "and one column per criterion key, in a random order, with no time and no id. Groups under "
            "MIN_RESPONDENTS are merged and keep only the columns every group is asked; merged rows that are "
            "still too few, or all rows of an assessment with too few responses, are left out, and a last "
            "`note` row says so. `scores`: overall, each dimension and each criterion with level, index, "
            "coverage and spread, as published to the caller (the anonymity rules of GET /scores/); every member. "
            "The file is named after the organisation and the period."
        ),
    )
    def get(self, request: Request, id: int, kind: str, fmt: str) -> HttpResponse:
        if kind not in EXPORT_ROLES or fmt not in EXPORT_FORMATS:
            raise NotFound(f"There is no {kind}.{fmt} export; use responses or scores, as csv or xlsx.")
        assessment, role = _assessment_and_role(request, id, EXPORT_ROLES[kind], EXPORT_ACTIONS[kind])
        table = (
            exports.response_table(assessment)
            if kind == "responses"
            else exports.score_table(
                published_scores(assessment, role=role), assessor.assessor_scores_of(assessment, role=role)
            )
        )
        content = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx([(kind.capitalize(), table)])
        audit.record(
            action=audit.Action.DATA_EXPORTED,
            summary=f"Downloaded the {kind} of {assessment.period} of {assessment.organisation.name} as {fmt.upper()}",
            actor=request.user,
            organisation=assessment.organisation,
            details={"export": kind, "format": fmt, "assessment": assessment.pk},
        )
        name = "-".join(
            (
                _file_part(assessment.organisation.name, "organisation", 60),
                _file_part(assessment.period, "period", 40),
                kind,
            )
        )
        return _download(content, fmt, f"{name}.{fmt}")
