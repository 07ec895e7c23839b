"""HTML input shapes: field validation only; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from assessment.services import AnswerInput
from organisations.text import SingleLineField, TextField
from surveys.queries import Page

NOT_APPLICABLE = "na"
MAX_LIST_BYTES = 1_000_000


class SurveyPageForm(forms.Form):
    """One page of the survey as posted without JavaScript: an option (or n/a) and a comment per question."""

    def __init__(self, page: Page, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.page = page
        for q in page.questions:
            if q.kind == "text":
                self.fields[f"text-{q.key}"] = TextField(required=False, max_length=5000, strip=True)
                continue
            choices = [(o.key, o.statement) for o in q.options]
            if q.not_applicable:
                choices.append((NOT_APPLICABLE, q.not_applicable))
            self.fields[f"q-{q.key}"] = forms.ChoiceField(choices=choices, required=False)
            self.fields[f"comment-{q.key}"] = TextField(required=False, max_length=5000, strip=True)

    def answers(self) -> list[AnswerInput]:
        """The answers given on this page; questions left blank are left as they were."""
        result = []
        for q in self.page.questions:
            if q.kind == "text":
                text = self.cleaned_data.get(f"text-{q.key}", "")
                if text or (q.answer and q.answer.text):
                    result.append(AnswerInput(criterion=q.key, text=text))
                continue
            choice = self.cleaned_data.get(f"q-{q.key}") or None
            comment = self.cleaned_data.get(f"comment-{q.key}", "")
            if choice is None and not comment and not (q.answer and q.answer.comment):
                continue
            if choice is None and q.answer is not None:
                # A comment alone keeps the option chosen earlier (a radio cannot be unset).
                result.append(
                    AnswerInput(
                        criterion=q.key,
                        option=q.answer.option,
                        not_applicable=q.answer.not_applicable,
                        comment=comment,
                    )
                )
                continue
            result.append(
                AnswerInput(
                    criterion=q.key,
                    option=None if choice in (None, NOT_APPLICABLE) else choice,
                    not_applicable=choice == NOT_APPLICABLE,
                    comment=comment,
                )
            )
        return result


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    name = SingleLineField(label="Name (optional)", max_length=200, required=False)
    group = forms.ChoiceField(label="Respondent group")

    def __init__(self, groups: list[tuple[str, str]], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = groups


class InvitationListForm(forms.Form):
    csv_text = forms.CharField(
        label="Paste a list",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    csv_file = forms.FileField(label="…or upload a CSV file", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("csv_file")
        if upload is not None:
            if upload.size > MAX_LIST_BYTES:
                raise forms.ValidationError("The file is larger than 1 MB; split the list.")
            raw = upload.read()
            try:
                data["csv"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                try:
                    data["csv"] = raw.decode("cp1252")
                except UnicodeDecodeError:
                    raise forms.ValidationError("The file is not a text (CSV) file.") from None
        else:
            data["csv"] = data.get("csv_text", "")
        if not data["csv"].strip():
            raise forms.ValidationError("Paste a list or choose a CSV file.")
        return data


class SignUpForm(forms.Form):
    name = SingleLineField(label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label="Work email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, not only digits or spaces, not a common password.",
    )
    company = SingleLineField(
        label="Company", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    team_groups = forms.MultipleChoiceField(
        label="I will also invite my team (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, groups: list[tuple[str, str]], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["team_groups"].choices = groups
