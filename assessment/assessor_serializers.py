"""HTTP shapes of the assessor's ratings (assessment/assessor.py): input (strict) and output.

Kept apart from assessment/serializers.py, which imports the small output blocks the scores API adds
beside the team's figures.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assessment import assessor
from assessment.assessor import MAX_LINK_LENGTH, MAX_LINKS, MAX_NOTES
from assessment.models import RoadmapBasis
from assessment.rubric import Level
from organisations.serializers import SingleLineField, StrictSerializer


def level_body(level: Level | None) -> dict[str, Any] | None:
    return {"value": level.value, "name": level.name} if level else None


def node_body(node: assessor.AssessorNode | None) -> dict[str, Any] | None:
    """An assessor's roll-up as the API shows it: null where nothing under it is rated."""
    if node is None or node.score is None or node.level is None:
        return None
    return {"value": node.score, "level": level_body(node.level)}


def criterion_body(rated: assessor.AssessorCriterion | None) -> dict[str, Any] | None:
    if rated is None:
        return None
    return {
        "value": rated.value,
        "level": level_body(rated.level),
        "option": rated.option,
        "label": rated.label,
        "notes": rated.notes,
        "links": list(rated.links),
    }


class AssessorLevelSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    name = serializers.CharField()


class AssessorNodeSerializer(serializers.Serializer):
    """The assessor's roll-up of a dimension (or the overall), beside the team's."""

    value = serializers.FloatField(help_text="The rubric's roll-up of the assessor's ratings.")
    level = AssessorLevelSerializer()


class AssessorCriterionSerializer(serializers.Serializer):
    """The assessor's rating of a criterion, beside the team's mean."""

    value = serializers.FloatField(allow_null=True, help_text="The option's value; null when not applicable.")
    level = AssessorLevelSerializer(allow_null=True, help_text="Where the answer set lies on the rubric's scale.")
    option = serializers.CharField(help_text="The option key; empty when not applicable.")
    label = serializers.CharField()
    notes = serializers.CharField(allow_blank=True)
    links = serializers.ListField(child=serializers.CharField())


class RatingInSerializer(StrictSerializer):
    option = SingleLineField(
        max_length=80,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="An option key of the criterion's answer set; omit (or null) with not_applicable true.",
    )
    not_applicable = serializers.BooleanField(default=False)
    notes = serializers.CharField(
        max_length=MAX_NOTES, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    links = serializers.ListField(
        child=serializers.CharField(max_length=MAX_LINK_LENGTH),
        max_length=MAX_LINKS,
        required=False,
        default=list,
        help_text="http or https addresses of the evidence (a CRM report, a pipeline review, a comp plan).",
    )


class RatingSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    dimension = serializers.CharField()
    text = serializers.CharField()
    option = serializers.CharField(help_text="Empty when not applicable.")
    label = serializers.CharField()
    not_applicable = serializers.BooleanField()
    value = serializers.FloatField(allow_null=True)
    level = AssessorLevelSerializer(allow_null=True)
    notes = serializers.CharField(allow_blank=True)
    links = serializers.ListField(child=serializers.CharField())
    rated_by = serializers.CharField(allow_blank=True, help_text="Who recorded it (empty once they left).")
    updated_at = serializers.DateTimeField()


class RatedDimensionSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    assessor = AssessorNodeSerializer(allow_null=True, help_text="Null when none of its criteria is rated.")


class RatingsSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    shown = serializers.BooleanField(help_text="False: the ratings are not shown to you yet (see notice).")
    notice = serializers.CharField(allow_blank=True)
    roadmap_basis = serializers.ChoiceField(choices=RoadmapBasis.choices)
    ratings = RatingSerializer(many=True)
    dimensions = RatedDimensionSerializer(many=True)
    overall = AssessorNodeSerializer(allow_null=True)
