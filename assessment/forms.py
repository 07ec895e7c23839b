"""The workspace pages' forms: the shape of each input. The rules live in the services they feed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from assessment.models import InitiativeStatus, RubricVersion
from assessment.outcomes import OUTCOME_KPIS
from assessment.rubric import Rubric
from organisations.models import Firm, SizeBand
from organisations.text import SingleLineField

SIZE_BANDS = [("", "Not given"), *SizeBand.choices]


class OrganisationForm(forms.Form):
    """A new client organisation; the firm is asked only of someone in several firms."""

    firm = forms.ModelChoiceField(label="Firm", queryset=Firm.objects.none(), empty_label=None)
    name = SingleLineField(label="Name", max_length=200)
    industry = SingleLineField(
        label="Industry", max_length=100, required=False, help_text="Free text, e.g. Software, Manufacturing"
    )
    size_band = forms.ChoiceField(label="Size of the sales team", choices=SIZE_BANDS, required=False)

    def __init__(self, *args: Any, firms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["firm"]
        field.queryset = firms  # type: ignore[attr-defined]
        self.only_firm = firms[0] if len(firms) == 1 else None
        if self.only_firm is not None:
            field.required = False
            field.widget = forms.HiddenInput()

    def clean_firm(self) -> Firm:
        return self.only_firm or self.cleaned_data["firm"]


class RubricVersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: RubricVersion) -> str:
        owner = "" if obj.rubric.is_built_in else "your firm's, "
        return f"{obj.name} ({owner}version {obj.version})"


class AssessmentForm(forms.Form):
    """A new assessment of one rubric version: its groups and dimensions give the choices.

    `versions` are the rubric versions offered to this organisation and user (built-ins and the
    firm's own, RubricVersionQuerySet.offered_for); another firm's is not a valid choice.
    """

    rubric_version = RubricVersionChoice(label="Rubric", queryset=RubricVersion.objects.none(), empty_label=None)
    period = SingleLineField(
        label="Period", max_length=40, help_text="A label that sorts in time order, e.g. FY2026 or 2026-H1"
    )
    title = SingleLineField(label="Title", max_length=200, required=False)
    respondent_groups = forms.MultipleChoiceField(
        label="Respondent groups",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one respondent group."},
    )
    group_weighting = forms.BooleanField(
        label="Weight each respondent group equally",
        required=False,
        help_text="So that ten reps do not drown out two leaders",
    )

    def __init__(self, version: RubricVersion, rubric: Rubric, *args: Any, versions: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["rubric_version"].queryset = versions  # type: ignore[attr-defined]
        self.fields["rubric_version"].initial = version.pk
        groups = [(g.key, g.name) for g in rubric.respondent_groups]
        self.fields["respondent_groups"].choices = groups
        self.fields["respondent_groups"].initial = [key for key, _ in groups]
        levels = [("", "No target"), *((str(lv.value), f"{lv.value} · {lv.name}") for lv in rubric.scale)]
        self.target_keys = []
        for dimension in rubric.dimensions:
            name = f"target_{dimension.key}"
            self.fields[name] = forms.TypedChoiceField(
                label=dimension.name, choices=levels, coerce=int, empty_value=None, required=False
            )
            self.target_keys.append((name, dimension.key))

    def target_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _ in self.target_keys]

    def targets(self) -> dict[str, int]:
        return {key: self.cleaned_data[name] for name, key in self.target_keys if self.cleaned_data[name] is not None}


class InitiativeForm(forms.Form):
    title = SingleLineField(label="Title", max_length=300)
    owner = SingleLineField(label="Owner", max_length=200, required=False)
    due_date = forms.DateField(
        label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    status = forms.ChoiceField(label="Status", choices=InitiativeStatus.choices)


class OutcomeForm(forms.Form):
    """The client's outcome KPIs for the period; an empty box clears a figure."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for kpi in OUTCOME_KPIS:
            self.fields[kpi.key] = forms.FloatField(
                label=kpi.label,
                required=False,
                help_text="percent" if kpi.unit == "%" else kpi.unit,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )


class BenchmarkFilterForm(forms.Form):
    industry = SingleLineField(label="Industry", max_length=100, required=False)
    size_band = forms.ChoiceField(
        label="Size of the sales team", choices=[("", "Any size"), *SizeBand.choices], required=False
    )


class PortfolioFilterForm(forms.Form):
    """Which clients the portfolio shows, and in which order (a GET form: links keep its values)."""

    industry = SingleLineField(label="Industry", max_length=100, required=False)
    size_band = forms.ChoiceField(
        label="Size of the sales team", choices=[("", "Any size"), *SizeBand.choices], required=False
    )
    state = forms.ChoiceField(
        label="Latest assessment",
        choices=[
            ("", "Any"),
            ("none", "None yet"),
            ("draft", "Draft"),
            ("open", "Open"),
            ("closed", "Closed"),
        ],
        required=False,
    )
    sort = forms.ChoiceField(
        label="Sort by",
        choices=[
            ("name", "Name, A to Z"),
            ("-name", "Name, Z to A"),
            ("level", "Level, lowest first"),
            ("-level", "Level, highest first"),
            ("change", "Change, largest fall first"),
            ("-change", "Change, largest rise first"),
            ("rate", "Response rate, lowest first"),
            ("-rate", "Response rate, highest first"),
        ],
        required=False,
    )
