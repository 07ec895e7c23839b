"""Query-string filters of the organisations API."""

from __future__ import annotations

import django_filters

from organisations.models import Membership, Organisation, Role


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
