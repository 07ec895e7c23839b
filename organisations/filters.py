"""Query-string filters of the organisations API."""

from __future__ import annotations

import django_filters

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


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=[(a, a) for a in ACTIONS], help_text="One kind of event.")
    organisation = django_filters.NumberFilter(
        field_name="organisation_ref", min_value=1, max_value=MAX_ID, help_text="Events about one organisation."
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "organisation"]
