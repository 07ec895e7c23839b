"""HTTP shapes of the organisations API, and the strict input base every API serializer uses."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organisations.models import (
    CLIENT_ROLE_CHOICES,
    Firm,
    FirmMembership,
    FirmRole,
    InvitationStatus,
    MemberInvitation,
    Membership,
    Organisation,
    Role,
    SizeBand,
)
from organisations.text import single_line_problem


def _type_problem(field: serializers.Field, value: Any) -> str | None:
    """What is wrong with the JSON type (or raw length) of a value, where DRF alone would coerce it ("5" → 5)."""
    if value is None:
        return None  # DRF reports a null where none is allowed
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Expected true or false."
    if isinstance(field, serializers.IntegerField):
        # JSON has one kind of number: 7.0 is the whole number 7 (as JSON Schema counts it), 7.5 is not.
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return None if whole and not isinstance(value, bool) else "Expected a whole number."
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


class SingleLineField(serializers.CharField):
    """Text of one line (a name, a label, a period, a title): a line break, a tab or any other control
    character is refused with a 400 naming the field, as sent (before DRF trims the ends).

    A line break in a name would end the header of every email that names it (organisations/text.py)."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and (problem := single_line_problem(data)):
            raise serializers.ValidationError(problem, code="single_line")
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """An input shape that refuses keys it does not know and values of the wrong JSON type.

    DRF alone ignores unknown keys and coerces types ("5" becomes 5, 5 becomes "5", "yes"
    becomes true); a client that sends either has made a mistake it should hear about.
    """

    # DRF gives each serializer a deep copy of the declared fields, each rebuilt from its arguments: about
    # half the CPU of checking one autosaved answer. With this set, a plain field (not a nested
    # serializer, not a list or dict of fields) is copied as it is, sharing its validators and messages
    # with the declared one: only for shapes whose fields nothing changes per request.
    shallow_field_copies = False

    def get_fields(self) -> dict[str, serializers.Field]:
        if not self.shallow_field_copies:
            return super().get_fields()
        return {
            name: copy.deepcopy(field) if _holds_fields(field) else copy.copy(field)
            for name, field in self._declared_fields.items()
        }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            problems = {
                str(key): ["Unknown field."] for key in data if key not in self.fields or self.fields[key].read_only
            }
            form = hasattr(data, "getlist")  # a form's fields are all text: only JSON has types to check
            for key, value in data.items():
                if key in self.fields and not form and (problem := _type_problem(self.fields[key], value)):
                    problems[key] = [problem]
            if problems:
                raise serializers.ValidationError(dict(sorted(problems.items())))
            if not form:
                data = {key: _whole_numbers(self.fields[key], value) for key, value in data.items()}
        return super().to_internal_value(data)


def _holds_fields(field: serializers.Field) -> bool:
    return isinstance(field, serializers.BaseSerializer) or hasattr(field, "child") or hasattr(field, "fields")


def _whole_numbers(field: serializers.Field, value: Any) -> Any:
    """Whole numbers sent as 7.0 as the ints DRF reads (it reads 1e+16 from its text, and fails)."""
    if isinstance(field, serializers.IntegerField) and isinstance(value, float):
        return int(value)
    if isinstance(field, serializers.DictField) and isinstance(value, Mapping):
        return {k: _whole_numbers(field.child, v) for k, v in value.items()}
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return [_whole_numbers(field.child, v) for v in value]
    return value


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
    username = SingleLineField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=20,
        required=False,
        help_text="The 6-digit code of the user's authenticator app, or one of their recovery codes (used up). "
        "Required for every user who signs in with two factors (firm members, and anyone who set it up).",
    )


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
    name = SingleLineField(max_length=200)
    industry = SingleLineField(max_length=100, allow_blank=True, default="")
    size_band = serializers.ChoiceField(choices=SizeBand.choices, allow_blank=True, default="")


class OrganisationUpdateSerializer(StrictSerializer):
    name = SingleLineField(max_length=200, required=False)
    industry = SingleLineField(max_length=100, allow_blank=True, required=False)
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
    role = serializers.ChoiceField(
        choices=CLIENT_ROLE_CHOICES,
        help_text="leader or viewer; consultants are invited to the firm instead (400).",
        error_messages={
            "invalid_choice": '"{input}" is not a role in a client organisation; use leader or viewer.'
            " Consultants are invited to the firm instead."
        },
    )


class MemberRoleSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=CLIENT_ROLE_CHOICES)


# --- firms, their members and invitations ---------------------------------------------------


HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


class FirmSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=FirmRole.choices, read_only=True, help_text="The caller's firm role.")
    logo = serializers.SerializerMethodField(help_text="Where the firm's members can fetch its logo; null if none.")

    class Meta:
        model = Firm
        fields = ["id", "name", "colour", "logo", "require_two_factor_for_clients", "role", "created_at"]

    def get_logo(self, firm: Firm) -> str | None:
        return reverse("firm-logo", kwargs={"firm_id": firm.pk}) if firm.logo else None


class FirmCreateSerializer(StrictSerializer):
    name = SingleLineField(max_length=200)
    colour = serializers.RegexField(
        HEX_COLOUR, max_length=7, required=False, help_text="#rrggbb; the settings' default when left out."
    )


class FirmUpdateSerializer(StrictSerializer):
    """A change of a firm's branding: any of its fields, as multipart/form-data when it carries a logo."""

    name = SingleLineField(max_length=200, required=False)
    colour = serializers.RegexField(HEX_COLOUR, max_length=7, required=False, help_text="#rrggbb")
    logo = serializers.FileField(
        required=False,
        allow_null=True,
        allow_empty_file=False,
        help_text="A PNG or SVG of at most 512 KB, sent as multipart/form-data; null (JSON) removes it.",
    )
    require_two_factor_for_clients = serializers.BooleanField(
        required=False,
        help_text="True: the leaders and viewers of the firm's client organisations must sign in with a second "
        "factor too (the firm's own members always must).",
    )


@extend_schema_field({"type": "null", "description": "null removes the logo; a new one comes as multipart/form-data."})
class NoLogoField(serializers.Field):
    """In JSON a logo can only be removed: JSON carries no file."""


class FirmUpdateJsonSerializer(FirmUpdateSerializer):
    """FirmUpdateSerializer as JSON states it (the schema's application/json body)."""

    logo = NoLogoField(required=False)


class FirmMemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = FirmMembership
        fields = ["id", "firm", "user", "role", "created_at"]


class FirmRoleSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=FirmRole.choices)


class FirmInviteSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=FirmRole.choices)


class MemberInvitationSerializer(serializers.ModelSerializer):
    """A pending (or past) invitation: the address and role asked for, never who owns the address."""

    status = serializers.ChoiceField(choices=InvitationStatus.choices, read_only=True)

    class Meta:
        model = MemberInvitation
        fields = ["id", "firm", "organisation", "email", "role", "status", "created_at", "sent_at", "expires_at"]


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
