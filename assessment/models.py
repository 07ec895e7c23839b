"""Rubric versions (the tree, stored as rows), assessments, responses and answers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from assessment.rubric import HORIZONS, ROLLUPS
from organisations.models import Firm, Organisation


class RubricQuerySet(models.QuerySet["Rubric"]):
    def visible_to(self, user: Any) -> RubricQuerySet:
        """Built-in rubrics for every signed-in user; a firm's own only for its members."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(Q(firm__isnull=True) | Q(firm__in=Firm.objects.visible_to(user)))

    def usable_by(self, firm: Firm | int) -> RubricQuerySet:
        """The rubrics an organisation of this firm (or firm id) may be assessed against."""
        return self.filter(Q(firm__isnull=True) | Q(firm=firm))

    def built_in(self) -> RubricQuerySet:
        return self.filter(firm__isnull=True)


class Rubric(models.Model):
    """A rubric family: its versions share a key, so years can be compared.

    Built-in rubrics (no firm) ship in assessment/rubrics/ and change only by deployment; a firm's
    own rubrics are visible and usable inside that firm only. Keys are unique across all of them.
    """

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    firm = models.ForeignKey(Firm, null=True, blank=True, on_delete=models.CASCADE, related_name="rubrics")
    based_on = models.CharField(
        max_length=120, blank=True, help_text="The key and version a firm's rubric was imported from, e.g. 'x v2'"
    )

    objects = RubricQuerySet.as_manager()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_built_in(self) -> bool:
        return self.firm_id is None


class RubricVersionQuerySet(models.QuerySet["RubricVersion"]):
    def visible_to(self, user: Any) -> RubricVersionQuerySet:
        """Built-in rubrics are readable by every signed-in user; a firm's only inside the firm."""
        return self.filter(rubric__in=Rubric.objects.visible_to(user))

    def usable_by(self, firm: Firm | int) -> RubricVersionQuerySet:
        return self.filter(rubric__in=Rubric.objects.usable_by(firm))

    def built_in(self) -> RubricVersionQuerySet:
        return self.filter(rubric__firm__isnull=True)

    def offered_for(self, organisation: Organisation, user: Any) -> RubricVersionQuerySet:
        """The versions a new assessment of this organisation may use, as this user sees them:
        the built-ins, and its firm's own when the user is a member of that firm."""
        return self.usable_by(organisation.firm_id).visible_to(user)

    def latest_built_in(self, key: str) -> RubricVersion | None:
        """The newest version of a built-in rubric: what a default resolves to, never a firm's rubric."""
        return self.built_in().filter(rubric__key=key).order_by("-version").first()


class RubricVersion(models.Model):
    """One immutable version of a rubric. Once an assessment uses it, it is frozen."""

    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    coverage_threshold = models.FloatField()
    rollup = models.CharField(max_length=20, choices=[(r, r) for r in ROLLUPS])
    scale = models.JSONField(help_text="Levels, ascending: [{value, name}, ...]")
    thresholds = models.JSONField(help_text="Lower bounds of levels 2..n")
    respondent_groups = models.JSONField(help_text="[{key, name}, ...]")
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the canonical document")
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = RubricVersionQuerySet.as_manager()

    class Meta:
        ordering = ["rubric__key", "version"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "version"], name="one_rubric_version_number"),
            models.CheckConstraint(
                condition=Q(coverage_threshold__gte=0) & Q(coverage_threshold__lte=1),
                name="coverage_threshold_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rubric.key} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        """A version that an assessment uses can never change (PRODUCT.md: Rubric)."""
        return self.assessments.exists()


class AnswerSet(models.Model):
    rubric_version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="answer_sets")
    key = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=[("scored", "Scored"), ("text", "Free text")])
    not_applicable = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["rubric_version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric_version", "key"], name="answer_set_key_unique_in_version")
        ]

    def __str__(self) -> str:
        return self.key


class AnswerOption(models.Model):
    answer_set = models.ForeignKey(AnswerSet, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(max_length=80)
    label = models.CharField(max_length=500)
    value = models.FloatField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["answer_set", "position"]
        constraints = [models.UniqueConstraint(fields=["answer_set", "key"], name="option_key_unique_in_answer_set")]

    def __str__(self) -> str:
        return f"{self.label} ({self.value:g})"


class Dimension(models.Model):
    """A node of the rubric tree: a dimension when it has no parent, a sub-group of one otherwise."""

    rubric_version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    key = models.CharField(max_length=80)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.FloatField()
    rollup = models.CharField(max_length=20, choices=[(r, r) for r in ROLLUPS])
    pass_mark = models.FloatField()
    gate_level = models.IntegerField(null=True, blank=True)
    level_descriptors = models.JSONField(default=list, blank=True, help_text="One per scale level, in order")
    replaces = models.JSONField(default=list, blank=True, help_text="Keys of the previous version it takes over")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["rubric_version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric_version", "key"], name="dimension_key_unique_in_version"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="dimension_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    rubric_version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="criteria")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="criteria")
    key = models.CharField(max_length=80)
    text = models.TextField()
    description = models.TextField(blank=True)
    weight = models.FloatField()
    answer_set = models.ForeignKey(AnswerSet, on_delete=models.PROTECT, related_name="criteria")
    audience = models.JSONField(default=list, blank=True, help_text="Respondent group keys; empty means all")
    anchors = models.JSONField(default=list, blank=True, help_text="One statement per option")
    gate_level = models.IntegerField(null=True, blank=True)
    replaces = models.JSONField(default=list, blank=True, help_text="Keys of the previous version it takes over")
    source = models.TextField(blank=True, help_text="The source theme or published practice it reflects")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["rubric_version", "position"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["rubric_version", "key"], name="criterion_key_unique_in_version"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.key


class Recommendation(models.Model):
    rubric_version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="recommendations")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="recommendations")
    key = models.CharField(max_length=80)
    from_level = models.IntegerField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    effort = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    owner_role = models.CharField(max_length=200, blank=True)
    horizon = models.CharField(max_length=10, choices=[(h, h) for h in HORIZONS])
    depends_on = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["rubric_version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric_version", "key"], name="recommendation_key_unique_in_version"),
            models.CheckConstraint(condition=Q(effort__gte=1) & Q(effort__lte=5), name="effort_between_1_and_5"),
            models.CheckConstraint(condition=Q(impact__gte=1) & Q(impact__lte=5), name="impact_between_1_and_5"),
        ]

    def __str__(self) -> str:
        return self.title


class RubricDraftQuerySet(models.QuerySet["RubricDraft"]):
    def visible_to(self, user: Any) -> RubricDraftQuerySet:
        """A firm's drafts, for the firm's members only (admins and consultants)."""
        return self.filter(firm__in=Firm.objects.visible_to(user))


class RubricDraft(models.Model):
    """A firm's next version of a rubric, being written (assessment/authoring.py).

    Never a RubricVersion: no assessment can use it. Publishing imports its document as the next
    version of the target family, through the same path as a YAML import, and deletes the draft.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="rubric_drafts")
    source = models.ForeignKey(
        RubricVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafts",
        help_text="The version it started from (a built-in or the firm's); empty for a pasted one",
    )
    family = models.ForeignKey(
        Rubric,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="drafts",
        help_text="The firm's rubric it publishes into; empty before a first copy is published",
    )
    document = models.JSONField(help_text="The rubric document, as its YAML holds it (docs/rubric-format.md)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RubricDraftQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"Draft {self.pk} of {self.document.get('name', '')}"


# --- assessments ------------------------------------------------------------------


class AssessmentState(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class RoadmapBasis(models.TextChoices):
    TEAM = "team", "The team's answers"
    ASSESSOR = "assessor", "The assessor's evidence"


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> AssessmentQuerySet:
        return self.filter(organisation__in=Organisation.objects.visible_to(user))

    def open(self) -> AssessmentQuerySet:
        return self.filter(state=AssessmentState.OPEN)

    def closed(self) -> AssessmentQuerySet:
        return self.filter(state=AssessmentState.CLOSED)


class Assessment(models.Model):
    """One organisation assessed once, for a period, against one rubric version."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="assessments")
    period = models.CharField(max_length=40, help_text="A label that sorts in time order, e.g. FY2026")
    title = models.CharField(max_length=200, blank=True)
    rubric_version = models.ForeignKey(RubricVersion, on_delete=models.PROTECT, related_name="assessments")
    state = models.CharField(max_length=10, choices=AssessmentState.choices, default=AssessmentState.DRAFT)
    respondent_groups = models.JSONField(default=list, help_text="Keys of the rubric's groups that take part")
    group_weighting = models.BooleanField(
        default=False, help_text="Weight each respondent group equally, so ten reps do not drown two leaders"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Written once when the assessment closes; its scores can no longer change (late responses
    # are not counted), so portfolio pages and benchmarks read this instead of re-scoring.
    closing_scores = models.JSONField(null=True, blank=True, editable=False)
    roadmap_basis = models.CharField(
        max_length=10,
        choices=RoadmapBasis.choices,
        default=RoadmapBasis.TEAM,
        help_text="Which scores drive the roadmap: the team's answers or the assessor's own ratings",
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "period", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "period"], name="one_assessment_per_organisation_period"),
            models.CheckConstraint(condition=Q(state__in=AssessmentState.values), name="assessment_state_is_known"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.period}"


class TargetQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> TargetQuerySet:
        return self.filter(assessment__in=Assessment.objects.visible_to(user))


class Target(models.Model):
    """The level an organisation aims for in one dimension by the end of the assessment's period."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="targets")
    dimension_key = models.CharField(max_length=80)
    level = models.IntegerField()

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "dimension_key"], name="one_target_per_dimension")]

    def __str__(self) -> str:
        return f"{self.dimension_key} → {self.level}"


def counted_q(prefix: str = "") -> Q:
    """The condition a counted response meets (submitted on time), on the response at `prefix` (e.g.
    "response__" from an answer), so that a query can filter a join instead of a subquery."""
    return Q(**{f"{prefix}submitted_at__isnull": False, f"{prefix}late": False})


class ResponseQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ResponseQuerySet:
        return self.filter(assessment__in=Assessment.objects.visible_to(user))

    def submitted(self) -> ResponseQuerySet:
        return self.filter(submitted_at__isnull=False)

    def counted(self) -> ResponseQuerySet:
        """Submitted on time: the responses an assessment's scores are computed from."""
        return self.filter(counted_q())


class Response(models.Model):
    """One respondent's answers to one assessment; read-only once submitted."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    group = models.CharField(max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Only for a leader's own self-assessment; invited respondents stay anonymous",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False, help_text="Submitted after the assessment closed; kept, not counted")
    answered_nodes = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="Keys of the dimensions and sub-groups with a scored answer, sorted; kept at submission "
        "(the answers no longer change) so that people are counted without reading every answer",
    )

    objects = ResponseQuerySet.as_manager()

    # Raw rows would tie answers to a group of one (and to submission order): the organisation's
    # export (organisations/custody.py) carries each assessment's anonymous responses table instead,
    # registered in assessment/apps.py, under the same rules as the responses export.
    export_exclude = "__all__"

    # No default ordering: scoring reads every counted response, and a default order would sort (and
    # join) them all. Lists shown to people order explicitly.
    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(late=False) | Q(submitted_at__isnull=False), name="only_submitted_responses_are_late"
            )
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} ({self.group})"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AnswerQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> AnswerQuerySet:
        return self.filter(response__in=Response.objects.visible_to(user))


class Answer(models.Model):
    """One criterion's answer: an option, "not applicable / don't know", or free text; and a comment."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(AnswerOption, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    not_applicable = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AnswerQuerySet.as_manager()

    export_exclude = "__all__"

    # No default ordering (see Response): reading answers never sorts them unless a reader asks.
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "criterion"], name="one_answer_per_criterion"),
            models.CheckConstraint(
                condition=Q(option__isnull=True) | Q(not_applicable=False), name="answer_is_option_or_not_applicable"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.option_id or ('n/a' if self.not_applicable else '')}"


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class InitiativeQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> InitiativeQuerySet:
        return self.filter(assessment__in=Assessment.objects.visible_to(user))


class Initiative(models.Model):
    """A roadmap item the organisation tracks until the next assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="initiatives")
    recommendation_key = models.CharField(max_length=80, blank=True)
    dimension_key = models.CharField(max_length=80)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=InitiativeStatus.choices, default=InitiativeStatus.PLANNED)
    due_date = models.DateField(null=True, blank=True)
    horizon = models.CharField(max_length=10, choices=[(h, h) for h in HORIZONS])
    effort = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "recommendation_key"],
                condition=~Q(recommendation_key=""),
                name="one_initiative_per_recommendation",
            ),
            models.CheckConstraint(condition=Q(status__in=InitiativeStatus.values), name="initiative_status_is_known"),
        ]

    def __str__(self) -> str:
        return self.title


class OutcomeQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> OutcomeQuerySet:
        return self.filter(assessment__in=Assessment.objects.visible_to(user))


class Outcome(models.Model):
    """Business results the client reports for the assessment's period, shown beside maturity."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="outcome")
    win_rate = models.FloatField(null=True, blank=True, help_text="% of forecast deals won")
    reps_at_quota = models.FloatField(null=True, blank=True, help_text="% of reps at or above quota")
    forecast_accuracy = models.FloatField(null=True, blank=True, help_text="% accuracy of the quarter's forecast")
    ramp_months = models.FloatField(null=True, blank=True, help_text="Average months for a new rep to ramp")
    attrition = models.FloatField(null=True, blank=True, help_text="% of sales staff who left in the year")
    updated_at = models.DateTimeField(auto_now=True)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | (Q(**{f"{name}__gte": 0}) & Q(**{f"{name}__lte": 100})),
                    name=f"outcome_{name}_is_a_percentage",
                )
                for name in ("win_rate", "reps_at_quota", "forecast_accuracy", "attrition")
            ),
            models.CheckConstraint(
                condition=Q(ramp_months__isnull=True) | (Q(ramp_months__gte=0) & Q(ramp_months__lte=60)),
                name="outcome_ramp_months_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Outcomes of {self.assessment}"


class ScoreSnapshot(models.Model):
    """Scores of an open assessment as published (PRODUCT.md: Anonymity rules).

    Each snapshot adds at least MIN_RESPONDENTS submissions to the one before, so two readings
    never differ by one person; readers of an open assessment see the latest snapshot only.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="snapshots")
    created_at = models.DateTimeField(auto_now_add=True)
    respondents = models.PositiveIntegerField(help_text="Submitted responses the scores are computed from")
    response_ids = models.JSONField(help_text="Ids of those responses")
    scores = models.JSONField(help_text="The scores, in the form closing_scores keeps")
    kept = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="The complete scores and people counts, so that reading the snapshot never scores again",
    )

    # The complete form holds figures of groups of any size, withheld only on reading: not exported.
    export_exclude = ("kept",)

    class Meta:
        ordering = ["assessment", "-respondents", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "respondents"], name="one_snapshot_per_respondent_count")
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.respondents} respondents"


class AssessmentCounts(models.Model):
    """An assessment's live invitations and submitted responses, kept by the database itself.

    Triggers (migration 0010) update the row whenever an invitation is made, revoked, renewed or deleted
    and whenever a response is submitted or deleted, however the change is made (one row, a bulk insert,
    a cascade), so the portfolio can order 2,000 clients by response rate from 2,000 rows instead of
    counting every invitation and response. The application never writes it.
    """

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, primary_key=True, related_name="counts")
    live_invitations = models.IntegerField(default=0, help_text="Invitations not revoked")
    submitted_responses = models.IntegerField(default=0, help_text="Responses submitted (late ones too)")

    export_exclude = "__all__"

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.submitted_responses} of {self.live_invitations}"


class KeptScores(models.Model):
    """The complete scores and people counts of a closed assessment, scored once.

    Written when the assessment closes (or, for assessments closed before it existed, on the first
    read): a closed assessment's scores never change, so its pages, API, PDF and year over year read
    this row and never the answers. What is withheld is still decided on reading (assessment/anonymity.py).
    """

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, primary_key=True, related_name="kept")
    created_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(help_text="AssessmentScores and People, as assessment/kept.py writes them")

    export_exclude = "__all__"

    def __str__(self) -> str:
        return f"Kept scores of {self.assessment_id}"


class AssessorRatingQuerySet(models.QuerySet["AssessorRating"]):
    def visible_to(self, user: Any) -> AssessorRatingQuerySet:
        return self.filter(assessment__in=Assessment.objects.visible_to(user))


class AssessorRating(models.Model):
    """The assessor's own rating of one criterion, from interviews and evidence, beside the team's answers.

    An option of the criterion's own answer set (so on the same scale), or "not applicable"; kept apart
    from the respondents' answers, never counted in their scores (assessment/assessor.py).
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assessor_ratings")
    criterion_key = models.CharField(max_length=80)
    option_key = models.CharField(max_length=80, blank=True, help_text="Blank when not applicable")
    not_applicable = models.BooleanField(default=False)
    notes = models.TextField(blank=True, help_text="The evidence: interviews, CRM reports, pipeline reviews, ...")
    links = models.JSONField(default=list, blank=True, help_text="http(s) addresses of the evidence")
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssessorRatingQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion_key"], name="one_assessor_rating_per_criterion"),
            models.CheckConstraint(
                condition=(Q(not_applicable=True) & Q(option_key="")) | (Q(not_applicable=False) & ~Q(option_key="")),
                name="assessor_rating_is_option_or_not_applicable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_key}: {self.option_key or 'n/a'}"
