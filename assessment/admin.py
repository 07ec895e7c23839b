"""Rubrics, assessments and responses in the Django admin.

Rubric versions are read-only here: they change only by importing a new version. Responses
show their answers but cannot be edited, so the evidence behind a score stays as submitted.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest

from assessment import models


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DimensionInline(ReadOnlyInline):
    model = models.Dimension
    fields = ["key", "name", "parent", "weight", "rollup"]


class AnswerSetInline(ReadOnlyInline):
    model = models.AnswerSet
    fields = ["key", "kind", "not_applicable"]


@admin.register(models.Rubric)
class RubricAdmin(ReadOnlyAdmin):
    list_display = ["key", "name"]


@admin.register(models.RubricVersion)
class RubricVersionAdmin(ReadOnlyAdmin):
    list_display = ["rubric", "version", "name", "imported_at", "assessment_count"]
    list_filter = ["rubric"]
    inlines = [DimensionInline, AnswerSetInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("rubric").annotate(n=Count("assessments"))

    @admin.display(description="assessments")
    def assessment_count(self, obj: models.RubricVersion) -> int:
        return obj.n

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A used version is frozen; an unused one may be removed.
        return obj is None or not obj.is_frozen


class CriterionInline(ReadOnlyInline):
    model = models.Criterion
    fields = ["key", "text", "weight", "answer_set", "audience"]


class RecommendationInline(ReadOnlyInline):
    model = models.Recommendation
    fields = ["key", "from_level", "title", "effort", "impact", "horizon"]


@admin.register(models.Dimension)
class DimensionAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "rubric_version", "parent", "weight", "rollup"]
    list_filter = ["rubric_version"]
    search_fields = ["key", "name"]
    inlines = [CriterionInline, RecommendationInline]


@admin.register(models.Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ["key", "dimension", "rubric_version", "weight", "answer_set"]
    list_filter = ["rubric_version"]
    search_fields = ["key", "text"]


@admin.register(models.Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["key", "title", "dimension", "from_level", "effort", "impact", "horizon"]
    list_filter = ["rubric_version", "horizon"]
    search_fields = ["key", "title"]


class TargetInline(admin.TabularInline):
    model = models.Target
    extra = 0


class AssessorRatingInline(ReadOnlyInline):
    model = models.AssessorRating
    fields = ["criterion_key", "option_key", "not_applicable", "notes", "links", "rated_by", "updated_at"]
    readonly_fields = fields
    show_change_link = False


@admin.register(models.Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["organisation", "period", "state", "rubric_version", "response_count"]
    list_filter = ["state", "organisation"]
    search_fields = ["organisation__name", "period", "title"]
    # State changes go through the services (open/close), never a raw field edit.
    # The roadmap's basis and the assessor's ratings change through assessment/assessor.py (audited) only.
    readonly_fields = ["state", "rubric_version", "opened_at", "closed_at", "created_by", "roadmap_basis"]
    inlines = [TargetInline, AssessorRatingInline]

    def get_readonly_fields(self, request: HttpRequest, obj: models.Assessment | None = None) -> list[str]:
        # What the scores depend on is fixed once respondents answer: a closed assessment's kept scores
        # (and an open one's snapshots) are never scored again (update_assessment refuses it too).
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.state != models.AssessmentState.DRAFT:
            fields += ["respondent_groups", "group_weighting"]
        return fields

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("organisation", "rubric_version__rubric")
            .annotate(n=Count("responses"))
        )

    @admin.display(description="responses")
    def response_count(self, obj: models.Assessment) -> int:
        return obj.n


class AnswerInline(ReadOnlyInline):
    model = models.Answer
    fields = ["criterion", "option", "not_applicable", "text", "comment"]
    show_change_link = False
    ordering = ["id"]


@admin.register(models.Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["id", "assessment", "group", "submitted_at", "late"]
    list_filter = ["group", "late", "assessment__organisation"]
    # Responses have no default order (scoring reads them unsorted); the list keeps its order.
    ordering = ["assessment", "id"]
    inlines = [AnswerInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("assessment__organisation")


@admin.register(models.Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "assessment", "dimension_key", "owner", "status", "due_date"]
    list_filter = ["status", "horizon"]
    search_fields = ["title", "owner"]


@admin.register(models.Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["assessment", "win_rate", "reps_at_quota", "forecast_accuracy", "ramp_months", "attrition"]
