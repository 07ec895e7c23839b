"""Query-string filters of the assessment API (django-filter)."""

from __future__ import annotations

import django_filters

from assessment.models import Assessment, AssessmentState, Initiative, InitiativeStatus, RubricVersion
from organisations.filters import IdFilter


class RubricVersionFilter(django_filters.FilterSet):
    key = django_filters.CharFilter(field_name="rubric__key", max_length=80, help_text="The rubric family's key.")

    class Meta:
        model = RubricVersion
        fields = ["key"]


class AssessmentFilter(django_filters.FilterSet):
    organisation = IdFilter(field_name="organisation_id")
    state = django_filters.ChoiceFilter(choices=AssessmentState.choices)
    period = django_filters.CharFilter(max_length=40, help_text="Exactly this period, e.g. FY2026.")
    period_from = django_filters.CharFilter(
        field_name="period", lookup_expr="gte", max_length=40, help_text="Periods from this one on (labels sort)."
    )
    period_to = django_filters.CharFilter(
        field_name="period", lookup_expr="lte", max_length=40, help_text="Periods up to this one."
    )

    class Meta:
        model = Assessment
        fields = ["organisation", "state", "period", "period_from", "period_to"]


class InitiativeFilter(django_filters.FilterSet):
    organisation = IdFilter(field_name="assessment__organisation_id")
    assessment = IdFilter(field_name="assessment_id")
    status = django_filters.ChoiceFilter(choices=InitiativeStatus.choices)
    dimension = django_filters.CharFilter(field_name="dimension_key", max_length=80)

    class Meta:
        model = Initiative
        fields = ["organisation", "assessment", "status", "dimension"]
