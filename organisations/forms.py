"""HTML forms of the organisations pages: confirming an erasure, filtering the audit log."""

from __future__ import annotations

from django import forms

from organisations.audit import ACTIONS
from organisations.permissions import MAX_ID


class OrganisationEraseForm(forms.Form):
    # Not stripped: the name must be typed exactly as it is.
    confirm_name = forms.CharField(
        label="Type the organisation's name to confirm", max_length=200, strip=False, widget=forms.TextInput
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(choices=[("", "Every action"), *((a, a) for a in ACTIONS)], required=False)
    organisation = forms.IntegerField(
        label="Organisation id", min_value=1, max_value=MAX_ID, required=False, widget=forms.NumberInput
    )
