"""HTML forms of the organisations pages: membership, firm settings, confirming an erasure, filtering the audit log."""

from __future__ import annotations

from typing import Any

from django import forms

from organisations.audit import ACTIONS
from organisations.models import CLIENT_ROLE_CHOICES, FirmRole
from organisations.permissions import MAX_ID
from organisations.text import SingleLineField


class NewAccountForm(forms.Form):
    """An account for the invitation's address (shown, not editable: the link was sent there)."""

    name = SingleLineField(label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label="Email", required=False, disabled=True)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, not only digits or spaces, not a common password.",
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args: Any, firm: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = FirmRole.choices if firm else CLIENT_ROLE_CHOICES  # type: ignore[attr-defined]


class FirmRoleForm(forms.Form):
    role = forms.ChoiceField(choices=FirmRole.choices)


class FirmBrandingForm(forms.Form):
    name = SingleLineField(label="Name", max_length=200)
    colour = forms.RegexField(
        label="Brand colour",
        regex=r"^#[0-9a-fA-F]{6}$",
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": "A colour is written #rrggbb, e.g. #1d3557."},
    )
    logo = forms.FileField(
        label="Logo", required=False, help_text="A PNG or SVG of at most 512 KB, shown on the roadmap's cover."
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)
    require_two_factor_for_clients = forms.BooleanField(
        label="Clients' leaders and viewers must sign in with two factors",
        required=False,
        help_text="The firm's own admins and consultants always do.",
    )


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
