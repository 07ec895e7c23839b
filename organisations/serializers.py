"""HTTP shapes of the organisations API, and the strict input base every API serializer uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from organisations.models import Membership, Organisation, Role, SizeBand


class StrictSerializer(serializers.Serializer):
    """An input shape that refuses keys it does not know, instead of silently ignoring them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields or self.fields[key].read_only)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
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
        fields = ["id", "name", "industry", "size_band", "role", "created_at"]


class OrganisationCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    industry = serializers.CharField(max_length=100, allow_blank=True, default="")
    size_band = serializers.ChoiceField(choices=SizeBand.choices, allow_blank=True, default="")


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
    role = serializers.ChoiceField(choices=Role.choices)


class MemberRoleSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
