"""HTTP shapes of the assessment API: input (strict: unknown keys are refused) and output.

Shape and field validation only; every rule of the domain lives in assessment/services.py.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessment.assessor_serializers import AssessorCriterionSerializer, AssessorNodeSerializer
from assessment.models import Assessment, AssessmentState, Initiative, InitiativeStatus, RoadmapBasis, RubricVersion
from assessment.outcomes import OUTCOMES, OutcomeKpi
from assessment.portfolio import SORT_CHOICES as PORTFOLIO_SORTS
from assessment.portfolio import STATES as PORTFOLIO_STATES
from assessment.rubric import ROLLUPS
from organisations.models import SizeBand
from organisations.permissions import MAX_ID
from organisations.serializers import SingleLineField, StrictSerializer

# Level values of any rubric scale (docs/rubric-format.md bounds them to ±1000).
LEVEL_BOUND = 1000
MAX_KEYS = 200
OUTCOME_KEYS = list(OUTCOMES)


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def key_list_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=SingleLineField(max_length=80), max_length=MAX_KEYS, **kwargs)


def targets_field(**kwargs: Any) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.IntegerField(min_value=-LEVEL_BOUND, max_value=LEVEL_BOUND),
        help_text="Dimension key → target level on the rubric's scale.",
        **kwargs,
    )


def _check_size(value: dict) -> dict:
    if len(value) > MAX_KEYS:
        raise serializers.ValidationError(f"At most {MAX_KEYS} entries.")
    for key in value:
        if len(key) > 80:
            raise serializers.ValidationError("Keys are at most 80 characters.")
    return value


# --- rubrics ------------------------------------------------------------------------------


class LevelSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    name = serializers.CharField()


class RespondentGroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class RubricVersionSerializer(serializers.ModelSerializer):
    key = serializers.CharField(source="rubric.key", read_only=True)
    firm = serializers.IntegerField(
        source="rubric.firm_id", read_only=True, allow_null=True, help_text="The owning firm; null for a built-in."
    )
    built_in = serializers.BooleanField(
        source="rubric.is_built_in",
        read_only=True,
        help_text="Shipped with Waypoint: readable by all, changed by none.",
    )
    based_on = serializers.CharField(
        source="rubric.based_on", read_only=True, help_text="A firm's rubric: the key and version it was imported from."
    )
    frozen = serializers.BooleanField(read_only=True, help_text="Used by an assessment: it can never change.")
    scale = LevelSerializer(many=True, read_only=True)
    respondent_groups = RespondentGroupSerializer(many=True, read_only=True)

    class Meta:
        model = RubricVersion
        fields = [
            "id",
            "key",
            "version",
            "firm",
            "built_in",
            "based_on",
            "name",
            "description",
            "scale",
            "respondent_groups",
            "frozen",
            "imported_at",
        ]


class OptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField()


class AnswerSetSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=["scored", "text"])
    not_applicable = serializers.CharField(allow_null=True, help_text="The 'not applicable' label, if offered.")
    options = OptionSerializer(many=True)


class CriterionSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.FloatField()
    answer_set = serializers.CharField()
    audience = serializers.ListField(child=serializers.CharField(), help_text="Respondent groups; empty: everyone.")
    anchors = serializers.ListField(child=serializers.CharField(), help_text="One statement per option.")
    level = serializers.IntegerField(allow_null=True, help_text="The gate level inside a gated node.")
    replaces = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the previous version it takes over (year over year)."
    )
    source = serializers.CharField(help_text="The source theme or published practice it reflects; may be empty.")


class RecommendationSerializer(serializers.Serializer):
    key = serializers.CharField()
    from_level = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    effort = serializers.IntegerField()
    impact = serializers.IntegerField()
    owner_role = serializers.CharField()
    horizon = serializers.CharField()
    depends_on = serializers.ListField(child=serializers.CharField())


class NodeSerializer(serializers.Serializer):
    """A dimension or one of its sub-groups; `groups` nests the same shape."""

    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.FloatField()
    rollup = serializers.CharField()
    pass_mark = serializers.FloatField()
    level = serializers.IntegerField(allow_null=True)
    levels = serializers.ListField(child=serializers.CharField(), help_text="A descriptor per scale level.")
    replaces = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the previous version it takes over (year over year)."
    )
    criteria = CriterionSerializer(many=True)
    recommendations = RecommendationSerializer(many=True)


# The tree is recursive: a node's groups are nodes (fields are built lazily, so this terminates).
NodeSerializer._declared_fields["groups"] = NodeSerializer(many=True)


class RubricTreeSerializer(serializers.Serializer):
    """A rubric version with its whole tree, from the pure `Rubric` of assessment/rubric.py."""

    id = serializers.IntegerField()
    key = serializers.CharField()
    version = serializers.IntegerField()
    firm = serializers.IntegerField(allow_null=True, help_text="The owning firm; null for a built-in.")
    built_in = serializers.BooleanField()
    based_on = serializers.CharField(help_text="A firm's rubric: the key and version it was imported from.")
    name = serializers.CharField()
    description = serializers.CharField()
    coverage_threshold = serializers.FloatField()
    rollup = serializers.CharField()
    scale = LevelSerializer(many=True)
    thresholds = serializers.ListField(child=serializers.FloatField())
    respondent_groups = RespondentGroupSerializer(many=True)
    answer_sets = AnswerSetSerializer(many=True)
    dimensions = NodeSerializer(many=True)
    frozen = serializers.BooleanField()


class RubricImportSerializer(StrictSerializer):
    document = serializers.CharField(
        max_length=2_000_000, trim_whitespace=False, help_text="The rubric as YAML text (docs/rubric-format.md)."
    )
    firm = id_field(
        required=False, help_text="The firm that will own the rubric; may be left out by a member of one firm only."
    )


class RubricImportResultSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="False when a stored version already holds this content.")
    rubric = RubricVersionSerializer()


# --- assessments ------------------------------------------------------------------------


@extend_schema_field(targets_field())
class TargetsOutField(serializers.Field):
    """An assessment's targets as {dimension key: level}, from prefetched rows."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance: Assessment) -> Any:
        return instance

    def to_representation(self, assessment: Assessment) -> dict[str, int]:
        return {t.dimension_key: t.level for t in assessment.targets.all()}


class AssessmentSerializer(serializers.ModelSerializer):
    rubric = serializers.IntegerField(source="rubric_version_id", read_only=True, help_text="The rubric version id.")
    rubric_key = serializers.CharField(source="rubric_version.rubric.key", read_only=True)
    rubric_version = serializers.IntegerField(source="rubric_version.version", read_only=True)
    respondent_groups = serializers.ListField(child=serializers.CharField(), read_only=True)
    targets = TargetsOutField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "organisation",
            "period",
            "title",
            "rubric",
            "rubric_key",
            "rubric_version",
            "state",
            "respondent_groups",
            "group_weighting",
            "roadmap_basis",
            "targets",
            "created_at",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class AssessmentCreateSerializer(StrictSerializer):
    organisation = id_field()
    period = SingleLineField(max_length=40, help_text="A label that sorts in time order, e.g. FY2026.")
    title = SingleLineField(max_length=200, allow_blank=True, default="")
    rubric = id_field(
        required=False,
        help_text="A rubric version id: a built-in or the firm's own. Default: the latest built-in default rubric.",
    )
    respondent_groups = key_list_field(required=False, help_text="Default: every group of the rubric.")
    targets = targets_field(required=False, validators=[_check_size])
    group_weighting = serializers.BooleanField(default=False)


class AssessmentUpdateSerializer(StrictSerializer):
    period = SingleLineField(max_length=40, required=False)
    title = SingleLineField(max_length=200, allow_blank=True, required=False)
    respondent_groups = key_list_field(required=False)
    group_weighting = serializers.BooleanField(required=False)
    roadmap_basis = serializers.ChoiceField(
        choices=RoadmapBasis.choices,
        required=False,
        help_text="Which scores drive the roadmap; the firm's consultants change it in any state.",
    )


class TargetsSerializer(StrictSerializer):
    targets = targets_field(validators=[_check_size])


class GroupProgressSerializer(serializers.Serializer):
    group = serializers.CharField()
    name = serializers.CharField()
    started = serializers.IntegerField(help_text="Responses begun (submitted or not).")
    submitted = serializers.IntegerField()
    in_progress = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    state = serializers.ChoiceField(choices=AssessmentState.choices)
    started = serializers.IntegerField()
    submitted = serializers.IntegerField()
    groups = GroupProgressSerializer(many=True)


# --- scores -------------------------------------------------------------------------------


class OverallScoreSerializer(serializers.Serializer):
    respondents = serializers.IntegerField(help_text="The respondents these figures are derived from.")
    withheld = serializers.CharField(
        allow_null=True,
        help_text=(
            "Why the figures are null (fewer than min_respondents people, or a weighted dimension with "
            "insufficient evidence: 'withheld: Sales process has insufficient evidence'), else null."
        ),
    )
    score = serializers.FloatField(allow_null=True)
    level = LevelSerializer(allow_null=True)
    index = serializers.FloatField(allow_null=True, help_text="The score rescaled to 0–100.")
    coverage = serializers.FloatField(allow_null=True, help_text="Null when withheld.")
    insufficient_evidence = serializers.BooleanField(allow_null=True, help_text="Null when withheld.")
    assessor = AssessorNodeSerializer(
        required=False, help_text="The assessor's roll-up of their ratings; absent where they rated none of it."
    )


class DimensionScoreSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.FloatField()
    respondents = serializers.IntegerField(help_text="The respondents these figures are derived from.")
    withheld = serializers.CharField(
        allow_null=True, help_text="Why the figures are null (fewer than min_respondents people), else null."
    )
    score = serializers.FloatField(allow_null=True, help_text="Null when the evidence is insufficient or withheld.")
    level = LevelSerializer(allow_null=True)
    index = serializers.FloatField(allow_null=True, help_text="The score rescaled to 0–100.")
    coverage = serializers.FloatField(allow_null=True, help_text="Answered weight ÷ addressed weight.")
    insufficient_evidence = serializers.BooleanField(
        allow_null=True, help_text="Coverage below the rubric's threshold; null when withheld."
    )
    consensus = serializers.FloatField(allow_null=True, help_text="1 − sd ÷ sd_max, weighted over criteria.")
    target_level = serializers.IntegerField(allow_null=True)
    gap = serializers.IntegerField(allow_null=True, help_text="max(0, target − level); null without both.")
    baseline_score = serializers.FloatField(allow_null=True, help_text="The score in the baseline assessment.")
    progress_to_date = serializers.FloatField(
        allow_null=True, help_text="(current − baseline) ÷ (target − baseline); null when undefined."
    )
    assessor = AssessorNodeSerializer(
        required=False, help_text="The assessor's roll-up of their ratings; absent where they rated none of it."
    )


class NodeScoreSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(
        allow_null=True, help_text="The enclosing dimension or sub-group; null for a dimension."
    )
    depth = serializers.IntegerField(min_value=1, help_text="1 for a dimension, 2 for its sub-groups, and so on.")
    weight = serializers.FloatField(help_text="The node's weight within its parent.")
    rollup = serializers.ChoiceField(choices=list(ROLLUPS))
    respondents = serializers.IntegerField(help_text="The respondents who answered any of its criteria.")
    withheld = serializers.CharField(
        allow_null=True, help_text="Why the figures are null (fewer than min_respondents people), else null."
    )
    score = serializers.FloatField(
        allow_null=True, help_text="Full precision; null when the evidence is insufficient or withheld."
    )
    level = LevelSerializer(allow_null=True, help_text="Null where the node's values do not lie on the scale (a sum).")
    index = serializers.FloatField(allow_null=True, help_text="The score rescaled to 0–100, where it has a level.")
    coverage = serializers.FloatField(
        allow_null=True, help_text="Answered weight ÷ addressed weight; null when withheld."
    )
    insufficient_evidence = serializers.BooleanField(
        allow_null=True, help_text="Coverage below the rubric's threshold; null when withheld."
    )
    consensus = serializers.FloatField(allow_null=True, help_text="1 − sd ÷ sd_max, weighted over its criteria.")


class CriterionScoreSerializer(serializers.Serializer):
    key = serializers.CharField()
    dimension = serializers.CharField()
    text = serializers.CharField()
    respondents = serializers.IntegerField(help_text="The respondents these figures are derived from.")
    withheld = serializers.CharField(
        allow_null=True, help_text="Why the figures are null (fewer than min_respondents people), else null."
    )
    mean = serializers.FloatField(allow_null=True)
    sd = serializers.FloatField(allow_null=True)
    consensus = serializers.FloatField(allow_null=True)
    answered = serializers.IntegerField(help_text="Scored answers (the criterion's respondents).")
    not_applicable = serializers.IntegerField(allow_null=True, help_text="Null when withheld.")
    addressed = serializers.IntegerField()
    assessor = AssessorCriterionSerializer(
        required=False, help_text="The assessor's own rating with evidence; absent where not rated (or not shown)."
    )


class GroupScoreSerializer(serializers.Serializer):
    group = serializers.CharField()
    name = serializers.CharField()
    respondents = serializers.IntegerField()
    hidden = serializers.BooleanField(
        help_text="Not shown on its own: fewer respondents than min_respondents, or hiding a smaller group needs it."
    )
    withheld = serializers.CharField(allow_null=True, help_text="Why the group is hidden, else null.")
    overall_respondents = serializers.IntegerField(help_text="The group's respondents behind its overall.")
    overall = serializers.FloatField(allow_null=True)
    dimension_respondents = serializers.DictField(
        child=serializers.IntegerField(), help_text="Dimension key → the group's respondents who answered it."
    )
    dimensions = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="Null where fewer than min_respondents answered."
    )


class PerceptionGapSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    spread = serializers.FloatField()
    highest_group = serializers.CharField()
    lowest_group = serializers.CharField()
    significant = serializers.BooleanField(help_text="A spread of one level step or more.")


class AssessmentRefSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    period = serializers.CharField()


class ScoresSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    period = serializers.CharField()
    state = serializers.ChoiceField(choices=AssessmentState.choices)
    rubric_key = serializers.CharField()
    rubric_version = serializers.IntegerField()
    published = serializers.BooleanField(help_text="False: no scores are published to the caller yet (see notice).")
    source = serializers.ChoiceField(
        choices=["closed", "snapshot", "none"],
        help_text="closed: all counted responses; snapshot: the latest published snapshot of an open assessment.",
    )
    notice = serializers.CharField(allow_blank=True, help_text="What is shown, or why nothing is.")
    published_at = serializers.DateTimeField(allow_null=True, help_text="When the snapshot shown was taken.")
    respondents = serializers.IntegerField(help_text="Submitted, on-time responses the published scores come from.")
    group_weighting = serializers.BooleanField()
    min_respondents = serializers.IntegerField(help_text="No figure derived from fewer people is shown.")
    min_group_size = serializers.IntegerField(help_text="The same as min_respondents (kept for older clients).")
    overall = OverallScoreSerializer()
    dimensions = DimensionScoreSerializer(many=True)
    nodes = NodeScoreSerializer(
        many=True, help_text="Every dimension and sub-group at every depth, in rubric order (depth first)."
    )
    criteria = CriterionScoreSerializer(many=True)
    groups = GroupScoreSerializer(many=True)
    perception_gaps = PerceptionGapSerializer(many=True)
    percent_to_target = serializers.FloatField(allow_null=True, help_text="1 − Σgap ÷ Σtarget.")
    baseline = AssessmentRefSerializer(
        allow_null=True, help_text="The organisation's previous assessment, the baseline of progress-to-date."
    )


# --- roadmap and initiatives --------------------------------------------------------------


class RoadmapItemSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    recommendation_key = serializers.CharField()
    dimension = serializers.CharField()
    from_level = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    effort = serializers.IntegerField()
    impact = serializers.IntegerField()
    owner_role = serializers.CharField()
    horizon = serializers.CharField()
    gap = serializers.IntegerField()
    priority = serializers.FloatField(help_text="gap × dimension weight × impact ÷ effort.")
    depends_on = serializers.ListField(child=serializers.CharField())
    initiative = serializers.IntegerField(allow_null=True, help_text="The initiative tracking this item, if any.")


class HorizonSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    items = RoadmapItemSerializer(many=True)


class RoadmapSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    horizons = HorizonSerializer(many=True)
    skipped_dimensions = serializers.ListField(
        child=serializers.CharField(), help_text="Dimensions with a target but insufficient evidence."
    )
    basis = serializers.ChoiceField(
        choices=RoadmapBasis.choices, help_text="The scores it follows: the team's, or the assessor's evidence."
    )
    basis_note = serializers.CharField(allow_blank=True, help_text="Which scores it follows, in a sentence.")


class InitiativeSerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(source="assessment.organisation_id", read_only=True)

    class Meta:
        model = Initiative
        fields = [
            "id",
            "assessment",
            "organisation",
            "recommendation_key",
            "dimension_key",
            "title",
            "description",
            "owner",
            "status",
            "due_date",
            "horizon",
            "effort",
            "impact",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InitiativeCreateSerializer(StrictSerializer):
    assessment = id_field()
    recommendation_key = SingleLineField(max_length=80, help_text="A recommendation on the roadmap.")
    owner = SingleLineField(max_length=200, allow_blank=True, default="")
    due_date = serializers.DateField(allow_null=True, default=None)
    title = SingleLineField(max_length=300, required=False, help_text="Default: the recommendation's title.")


class InitiativeUpdateSerializer(StrictSerializer):
    owner = SingleLineField(max_length=200, allow_blank=True, required=False)
    status = serializers.ChoiceField(choices=InitiativeStatus.choices, required=False)
    due_date = serializers.DateField(allow_null=True, required=False)
    title = SingleLineField(max_length=300, required=False)


# --- outcomes -----------------------------------------------------------------------------


def _kpi(kpi: OutcomeKpi, help_text: str) -> serializers.FloatField:
    return serializers.FloatField(
        min_value=0, max_value=kpi.maximum, allow_null=True, required=False, help_text=help_text
    )


class OutcomesSerializer(StrictSerializer):
    """The client's business results for the period, shown beside maturity; null clears one."""

    win_rate = _kpi(OUTCOMES["win_rate"], "% of forecast deals won.")
    reps_at_quota = _kpi(OUTCOMES["reps_at_quota"], "% of reps at or above quota.")
    forecast_accuracy = _kpi(OUTCOMES["forecast_accuracy"], "% accuracy of the quarter's forecast.")
    attrition = _kpi(OUTCOMES["attrition"], "% of sales staff who left in the year.")
    ramp_months = _kpi(OUTCOMES["ramp_months"], "Average months for a new rep to ramp.")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


# --- year over year -----------------------------------------------------------------------


class SnapshotSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    period = serializers.CharField()
    rubric_key = serializers.CharField()
    rubric_version = serializers.IntegerField()
    overall = serializers.FloatField(allow_null=True)


class DeltaSerializer(serializers.Serializer):
    key = serializers.CharField()
    previous = serializers.FloatField(allow_null=True)
    current = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)


class KeyDeltaSerializer(DeltaSerializer):
    previous_keys = serializers.ListField(
        child=serializers.CharField(),
        help_text=(
            "The previous assessment's keys this one is compared with: the same key, or the keys it replaces "
            "(`replaces` in the rubric; several are a merge, compared with their mean)."
        ),
    )


class DimensionChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    previous_keys = serializers.ListField(child=serializers.CharField(), help_text="The dimension it is compared with.")
    like_for_like = serializers.BooleanField(help_text="False when criteria were added or removed.")
    added = serializers.ListField(child=serializers.CharField(), help_text="Criteria with no history in it.")
    removed = serializers.ListField(child=serializers.CharField(), help_text="Its previous criteria not carried on.")


class InitiativeOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    dimension_key = serializers.CharField()
    owner = serializers.CharField()
    status = serializers.ChoiceField(choices=InitiativeStatus.choices)
    due_date = serializers.DateField(allow_null=True)


class OutcomeChangeSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=OUTCOME_KEYS)
    previous = serializers.FloatField(allow_null=True)
    current = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True, help_text="current − previous, to one decimal.")
    verdict = serializers.ChoiceField(
        choices=["better", "worse", "level", ""],
        allow_blank=True,
        help_text="For ramp time and attrition lower is better; empty when either value is missing.",
    )


class ComparisonSerializer(serializers.Serializer):
    previous = SnapshotSerializer()
    current = SnapshotSerializer()
    rubric_changed = serializers.BooleanField()
    rubric_change = serializers.CharField(allow_null=True, help_text="The rubric version change, in a sentence.")
    overall = DeltaSerializer()
    dimensions = KeyDeltaSerializer(many=True)
    criteria = KeyDeltaSerializer(many=True)
    only_in_previous = serializers.ListField(child=serializers.CharField(), help_text="Keys not compared.")
    only_in_current = serializers.ListField(child=serializers.CharField(), help_text="Keys not compared.")
    like_for_like = serializers.BooleanField(
        help_text="False when a dimension's criteria were added or removed, or a dimension is on one side only."
    )
    dimension_changes = DimensionChangeSerializer(
        many=True, help_text="Each compared dimension: whether like for like, and which criteria were added or removed."
    )
    previous_initiatives = InitiativeOutcomeSerializer(
        many=True, help_text="The previous assessment's initiatives and where they stand."
    )
    outcomes = OutcomeChangeSerializer(many=True, help_text="Each outcome KPI in the two periods.")


class TrendPointSerializer(serializers.Serializer):
    period = serializers.CharField()
    score = serializers.FloatField(allow_null=True)


class TrendSerializer(serializers.Serializer):
    key = serializers.CharField()
    points = TrendPointSerializer(many=True)


class OutcomePointSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    period = serializers.CharField()
    value = serializers.FloatField(allow_null=True)


class OutcomeHistorySerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=OUTCOME_KEYS)
    label = serializers.CharField()
    unit = serializers.CharField(help_text="% or months.")
    lower_is_better = serializers.BooleanField()
    points = OutcomePointSerializer(many=True, help_text="One per assessment, in period order; null where not given.")


class YearOverYearSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    assessments = SnapshotSerializer(many=True, help_text="Open and closed assessments, by period.")
    comparisons = ComparisonSerializer(many=True, help_text="Each assessment against the one before it.")
    trends = TrendSerializer(many=True)
    outcomes = OutcomeHistorySerializer(many=True, help_text="The outcome KPIs the client gave, beside the scores.")


# --- portfolio and benchmark --------------------------------------------------------------


class PortfolioOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    industry = serializers.CharField(allow_blank=True)
    size_band = serializers.CharField(allow_blank=True)


class OpenAssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.CharField()
    invited = serializers.IntegerField(help_text="Invitations not revoked.")
    submitted = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True, help_text="% of invitations answered; null before any.")


class PortfolioRowSerializer(serializers.Serializer):
    organisation = PortfolioOrganisationSerializer()
    latest_assessment = serializers.IntegerField(allow_null=True, help_text="The latest closed assessment.")
    latest_period = serializers.CharField(allow_null=True)
    overall = serializers.FloatField(allow_null=True)
    overall_level = serializers.IntegerField(allow_null=True)
    previous_period = serializers.CharField(allow_null=True)
    change = serializers.FloatField(allow_null=True, help_text="Overall score, latest closed minus the one before.")
    trend = serializers.ChoiceField(choices=["up", "down", "flat", "none"])
    dimensions = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="Dimension key → latest closed score."
    )
    open_assessments = OpenAssessmentSerializer(many=True)


class PaginatedPortfolioRowListSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Clients that pass the filters, over every page.")
    next = serializers.URLField(allow_null=True, help_text="The next page, with the same sort and filters.")
    previous = serializers.URLField(allow_null=True, help_text="The page before, with the same sort and filters.")
    results = PortfolioRowSerializer(many=True)


class PortfolioQuerySerializer(serializers.Serializer):
    sort = serializers.ChoiceField(
        choices=list(PORTFOLIO_SORTS),
        required=False,
        allow_blank=True,
        help_text=(
            "name (the default), level, change or rate, with a leading - for descending. Ties are broken by "
            "name then id; a client without the figure (nothing closed, a withheld score, nobody invited) "
            "comes last either way."
        ),
    )
    industry = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Only clients in this industry (any case)."
    )
    size_band = serializers.ChoiceField(
        choices=SizeBand.choices, required=False, allow_blank=True, help_text="Only clients in this size band."
    )
    state = serializers.ChoiceField(
        choices=list(PORTFOLIO_STATES),
        required=False,
        allow_blank=True,
        help_text="Only clients whose latest assessment is in this state (none: no assessment yet).",
    )
    page = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="A page number (50 clients a page); a page after the last is 404.",
    )


class BenchmarkQuerySerializer(serializers.Serializer):
    industry = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Only peers in this industry (any case)."
    )
    size_band = serializers.ChoiceField(
        choices=SizeBand.choices, required=False, allow_blank=True, help_text="Only peers in this size band."
    )


class DimensionBenchmarkSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(
        allow_null=True, help_text="The score kept at close; null while open or from too few responses."
    )
    percentile = serializers.FloatField(allow_null=True, help_text="Null when fewer than min_peers peers.")
    peer_median = serializers.FloatField(allow_null=True, help_text="Null when fewer than min_peers peers.")


class BenchmarkSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    industry = serializers.CharField(allow_blank=True)
    size_band = serializers.CharField(allow_blank=True)
    peers = serializers.IntegerField(help_text="How many organisations are compared (never which).")
    min_peers = serializers.IntegerField()
    shown = serializers.BooleanField(help_text="Whether there are enough peers for percentiles.")
    opted_out = serializers.BooleanField(
        help_text="The organisation left its firm's benchmark: it is not compared (no dimensions) nor a peer."
    )
    dimensions = DimensionBenchmarkSerializer(many=True)
