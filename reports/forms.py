"""The form that sends a ready report to members of the organisation and to outside addresses."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from reports.delivery import DEFAULT_LINK_DAYS, MAX_RECIPIENTS

LINK_DAYS = [(7, "a week"), (14, "two weeks"), (30, "a month"), (90, "three months")]


class SendReportForm(forms.Form):
    members = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Members of the organisation"
    )
    emails = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Other people, by email",
        help_text=f"One address per line (or separated by commas); up to {MAX_RECIPIENTS} people in all. "
        "Each gets a download link of their own.",
    )
    days = forms.TypedChoiceField(
        choices=LINK_DAYS, coerce=int, initial=DEFAULT_LINK_DAYS, label="Their links work for"
    )

    def __init__(self, members: list[tuple[int, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(str(pk), label) for pk, label in members]

    def clean_emails(self) -> list[str]:
        return [e for e in re.split(r"[\s,;]+", self.cleaned_data["emails"]) if e]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("members") and not data.get("emails"):
            raise forms.ValidationError("Choose at least one member or give at least one email address.")
        return data


class ReportBatchForm(forms.Form):
    """The period whose closed assessments get their roadmaps; the firm too, for a member of several.

    The period's rules (in order, not in the future, not too long) are the service's:
    reports.services.check_batch_period, whose errors are shown on the field they name."""

    closed_from = forms.DateField(
        label="Assessments closed from", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    closed_to = forms.DateField(
        label="to (included)", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    firm = forms.TypedChoiceField(coerce=int, label="Firm", required=False)

    def __init__(self, firms: list[tuple[int, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(firms) > 1:
            self.fields["firm"].choices = [("", "Choose a firm"), *firms]
            self.fields["firm"].required = True
        else:
            del self.fields["firm"]
