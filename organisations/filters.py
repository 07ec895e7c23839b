"""Query-string filters of the organisations API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from organisations.audit import ACTIONS
from organisations.models import AuditEvent, Membership, Organisation, Role
from organisations.permissions import MAX_ID


class OrganisationFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", max_length=200, help_text="Part of the name.")

    class Meta:
        model = Organisation
        fields = ["name"]


class MembershipFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["role"]


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number the database can hold (a larger one is a 400, not a crash), as the
    schema says."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=[(a, a) for a in ACTIONS], help_text="One kind of event.")
    organisation = IdFilter(field_name="organisation_ref", help_text="Events about one organisation.")

    class Meta:
        model = AuditEvent
        fields = ["action", "organisation"]
