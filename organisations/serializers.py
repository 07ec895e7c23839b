"""HTTP shapes of the organisations API, and the strict input base every API serializer uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from organisations.models import CLIENT_ROLE_CHOICES, Membership, Organisation, Role, SizeBand


def _type_problem(field: serializers.Field, value: Any) -> str | None:
    """What is wrong with the JSON type (or raw length) of a value, where DRF alone would coerce it ("5" → 5)."""
    if value is None:
        return None  # DRF reports a null where none is allowed
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Expected true or false."
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Expected a whole number."
    if isinstance(field, serializers.FloatField):
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "Expected a number."
    if isinstance(field, serializers.CharField | serializers.ChoiceField | serializers.DateField):
        if not isinstance(value, str):
            return "Expected text."
        # DRF trims whitespace before checking the length; the limit is on what was sent.
        limit = getattr(field, "max_length", None)
        if limit is not None and len(value) > limit:
            return f"Ensure this field has no more than {limit} characters."
        return None
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return "Expected a list."
        return next((f"Item {i}: {p}" for i, v in enumerate(value) if (p := _type_problem(field.child, v))), None)
    if isinstance(field, serializers.DictField):
        if not isinstance(value, Mapping):
            return "Expected an object."
        return next((f"{k}: {p}" for k, v in value.items() if (p := _type_problem(field.child, v))), None)
    return None


class StrictSerializer(serializers.Serializer):
    """An input shape that refuses keys it does not know and values of the wrong JSON type.

    DRF alone ignores unknown keys and coerces types ("5" becomes 5, 5 becomes "5", "yes"
    becomes true); a client that sends either has made a mistake it should hear about.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            problems = {
                str(key): ["Unknown field."] for key in data if key not in self.fields or self.fields[key].read_only
            }
            for key, value in data.items():
                if key in self.fields and (problem := _type_problem(self.fields[key], value)):
                    problems[key] = [problem]
            if problems:
                raise serializers.ValidationError(dict(sorted(problems.items())))
        return super().to_internal_value(data)


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    code = serializers.CharField(help_text="A stable machine code: invalid, not_found, conflict, locked_out, ...")
    message = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field name → its problems; present only when the error is about fields of the request.",
    )


# --- sign-in ------------------------------------------------------------------------------


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")


# --- organisations and members ----------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(
        choices=Role.choices, read_only=True, help_text="The caller's role in this organisation."
    )

    class Meta:
        model = Organisation
        fields = ["id", "firm", "name", "industry", "size_band", "benchmark_opt_out", "role", "created_at"]


class OrganisationCreateSerializer(StrictSerializer):
    firm = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The firm that will own the organisation; may be left out by a member of exactly one firm.",
    )
    name = serializers.CharField(max_length=200)
    industry = serializers.CharField(max_length=100, allow_blank=True, default="")
    size_band = serializers.ChoiceField(choices=SizeBand.choices, allow_blank=True, default="")


class OrganisationUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    industry = serializers.CharField(max_length=100, allow_blank=True, required=False)
    size_band = serializers.ChoiceField(choices=SizeBand.choices, allow_blank=True, required=False)
    benchmark_opt_out = serializers.BooleanField(
        required=False, help_text="True leaves the organisation out of its firm's benchmark."
    )


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    name = serializers.CharField(source="get_full_name")


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organisation", "user", "role", "created_at"]


class MemberAddSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=CLIENT_ROLE_CHOICES)


class MemberRoleSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=CLIENT_ROLE_CHOICES)


# --- custody of an organisation's data, and the audit log ----------------------------------


class OrganisationEraseSerializer(StrictSerializer):
    confirm_name = serializers.CharField(
        max_length=200,
        trim_whitespace=False,
        help_text="The organisation's name, exactly: nothing is deleted unless it matches.",
    )


class AuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True, help_text="The user's id, if any.")
    actor_label = serializers.CharField(help_text="Who, as they were named at the time.")
    action = serializers.CharField(help_text="What happened, e.g. assessment.closed.")
    organisation = serializers.IntegerField(
        source="organisation_ref", allow_null=True, help_text="The organisation's id (kept after it is deleted)."
    )
    organisation_name = serializers.CharField()
    summary = serializers.CharField()
    details = serializers.DictField()
