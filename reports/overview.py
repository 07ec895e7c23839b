"""The executive view of one organisation: its ready reports, each dimension's trend, the outcome KPIs beside
the maturity scores, and the initiatives of every assessment.

Written for HR and the CEO, who come once a year: only organisation-level numbers (no answers, comments or
group breakdowns), every number formatted here so the template only lays out, and a fixed number of queries
whatever the number of closed assessments (they read their `closing_scores`; open ones their latest published
snapshot), under the anonymity rules of assessment/anonymity.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count
from django.utils.safestring import SafeString

from assessment import charts, models
from assessment.anonymity import enough, not_published_notice, published_headline_of, withheld_reason
from assessment.portfolio import outcome_change, outcome_history
from assessment.queries import load_rubric, response_rate
from assessment.year_over_year import AssessmentSnapshot, trends
from organisations.models import Organisation
from reports.document import MINUS, Trend, delta_text, direction_of, score_change, score_text
from reports.models import Report
from surveys.models import Invitation

STATUS_ORDER = ("in_progress", "planned", "done", "dropped")
OVERVIEW_CHART_WIDTH = 200


@dataclass(frozen=True)
class PeriodScores:
    """One assessment with evidence, reduced to what the executive view shows of it."""

    assessment_id: int
    period: str
    is_open: bool
    respondents: int
    rubric: tuple[str, int]  # (rubric key, version)
    overall: float | None
    overall_level: int | None
    dimensions: dict[str, float | None]
    note: str = ""  # why the overall is not shown (nothing published yet, or withheld), else ""
    replaces: dict[str, tuple[str, ...]] | None = None  # keys of the previous rubric version its keys replace


@dataclass(frozen=True)
class Headline:
    period: str
    overall: str
    level: str
    scale_bottom: str
    scale_bottom_name: str
    scale_top: str
    scale_top_name: str
    change: str  # "+0.4 since FY2025", or "" for a first assessment
    direction: str
    is_open: bool
    respondents: int
    note: str = ""


@dataclass(frozen=True)
class OpenAssessment:
    """An assessment still collecting answers: only how many have answered (no score until it closes)."""

    period: str
    invited: int
    submitted: int

    @property
    def rate(self) -> str:
        rate = response_rate(submitted=self.submitted, invited=self.invited)
        return "" if rate is None else f"{rate:.0f}%"


@dataclass(frozen=True)
class ReportRow:
    id: int
    period: str
    title: str
    rendered_on: datetime.date
    pages: int | None
    size: str
    interim: bool
    has_deck: bool = False  # rendered with its editable PowerPoint deck


@dataclass(frozen=True)
class TrendFigure:
    trend: Trend
    latest: str
    svg: SafeString

    @property
    def points(self) -> tuple[tuple[str, str], ...]:
        """(period, score) pairs: the chart's numbers as text for screen readers."""
        return tuple(zip(self.trend.periods, self.trend.scores, strict=True))


@dataclass(frozen=True)
class TableRow:
    label: str
    unit: str
    cells: tuple[str, ...]
    change: str
    verdict: str  # better, worse, same or "" when there is nothing to compare
    lower_is_better: bool
    periods: tuple[str, ...] = ()

    @property
    def labelled_cells(self) -> tuple[tuple[str, str], ...]:
        """(period, cell) pairs: on a phone each cell is shown under its period, as a card."""
        return tuple(zip(self.periods, self.cells, strict=True))


@dataclass(frozen=True)
class InitiativeRow:
    title: str
    dimension: str
    owner: str
    due: str
    status: str
    status_key: str


@dataclass(frozen=True)
class InitiativeGroup:
    period: str
    title: str
    summary: str
    initiatives: tuple[InitiativeRow, ...]


@dataclass(frozen=True)
class Overview:
    organisation: Organisation
    headline: Headline | None
    reports: tuple[ReportRow, ...]
    periods: tuple[str, ...]
    in_progress: tuple[OpenAssessment, ...]
    previous_period: str
    trends: tuple[TrendFigure, ...]
    maturity: tuple[TableRow, ...]
    outcomes: tuple[TableRow, ...]
    rubric_note: str
    initiatives: tuple[InitiativeGroup, ...]


def size_text(size: int | None) -> str:
    """A file size as people read it: 412 KB, 1.3 MB."""
    if not size:
        return ""
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} KB"
    return f"{size / 1_000_000:.1f} MB"


def figure_text(value: float | None) -> str:
    """An outcome figure with at most one decimal: 42, 37.5, or a dash when not supplied."""
    if value is None:
        return "–"
    return f"{value:.1f}".removesuffix(".0")


def figure_change(previous: float | None, current: float | None, *, lower_is_better: bool) -> tuple[str, str]:
    """The signed change of an outcome figure and whether it is better, worse or the same."""
    change, verdict = outcome_change(previous, current, lower_is_better=lower_is_better)
    if change is None:
        return "–", ""
    if verdict == "level":
        return "0", "same"
    return (f"+{figure_text(change)}" if change > 0 else f"{MINUS}{figure_text(-change)}"), verdict


def maturity_verdict(change: float | None) -> str:
    return {"up": "better", "down": "worse", "flat": "same"}.get(direction_of(change), "")


def period_scores(assessments: Sequence[models.Assessment], *, role: str | None) -> list[PeriodScores]:
    """Each assessment's headline numbers as published to `role` (assessment/anonymity.py): closed ones as
    kept when they closed, open ones as their latest snapshot (consultants only), figures from too few
    people withheld. An assessment with nothing published keeps its period, without numbers."""
    rows = []
    for a in assessments:
        published = published_headline_of(a, role=role)
        kept = published or {}
        rubric = a.rubric_version
        if published is None:
            note = not_published_notice(a, role) or "No scores are published for this assessment yet."
        elif kept.get("overall") is None and not enough(kept.get("overall_respondents", kept.get("respondents", 0))):
            note = f"Withheld: {withheld_reason()}."
        elif kept.get("overall") is None and kept.get("overall_reason"):
            note = f"No overall score: {kept['overall_reason']}."  # a weighted dimension without evidence
        else:
            note = ""
        rows.append(
            PeriodScores(
                assessment_id=a.pk,
                period=a.period,
                is_open=a.state == models.AssessmentState.OPEN,
                respondents=kept.get("respondents", 0),
                rubric=(kept.get("rubric", rubric.rubric.key), kept.get("rubric_version", rubric.version)),
                overall=kept.get("overall"),
                overall_level=kept.get("overall_level"),
                dimensions=dict(kept.get("dimensions", {})),
                note=note,
                # A renamed dimension's trend follows its old key (the rubric is loaded once per process).
                replaces=load_rubric(rubric).rubric.replacements,
            )
        )
    return rows


def organisation_overview(organisation: Organisation, *, role: str | None) -> Overview:
    """Everything the executive view shows of one organisation, decided and formatted."""
    assessments = list(
        models.Assessment.objects.filter(organisation=organisation)
        .exclude(state=models.AssessmentState.DRAFT)
        .select_related("rubric_version__rubric")
        .order_by("period", "id")
    )
    # The headline, the trends and the table are of closed assessments: an open one's scores can still
    # move (and the anonymity rules publish them to the firm's consultants only), so it shows only how
    # many have answered.
    closed = [a for a in assessments if a.state == models.AssessmentState.CLOSED]
    history = period_scores(closed, role=role)
    periods = tuple(p.period for p in history)
    latest = history[-1] if history else None
    previous = history[-2] if len(history) > 1 else None
    rubric = load_rubric(closed[-1].rubric_version).rubric if closed else None
    names = {d.key: d.name for d in rubric.dimensions} if rubric else {}
    levels = tuple((level.value, level.name) for level in rubric.scale) if rubric else ()
    targets = (
        dict(models.Target.objects.filter(assessment_id=latest.assessment_id).values_list("dimension_key", "level"))
        if latest
        else {}
    )

    def change_against_previous(key_scores: Sequence[float | None]) -> float | None:
        return score_change(key_scores[-2], key_scores[-1]) if len(key_scores) > 1 else None

    headline = None
    if latest and rubric:
        overall_change = score_change(previous.overall, latest.overall) if previous else None
        level_names = dict(levels)
        headline = Headline(
            period=latest.period,
            overall=score_text(latest.overall),
            level=f"Level {latest.overall_level}: {level_names[latest.overall_level]}"
            if latest.overall_level in level_names
            else "",
            scale_bottom=str(levels[0][0]),
            scale_bottom_name=levels[0][1],
            scale_top=str(levels[-1][0]),
            scale_top_name=levels[-1][1],
            change=""
            if previous is None
            else ("–" if overall_change is None else f"{delta_text(overall_change)} since {previous.period}"),
            direction=direction_of(overall_change),
            is_open=latest.is_open,
            respondents=latest.respondents,
            note=latest.note,
        )

    figures = []
    maturity = []
    if history:
        overall_values = [p.overall for p in history]
        change = change_against_previous(overall_values)
        maturity.append(
            TableRow(
                label="Overall",
                unit="",
                cells=tuple(score_text(v) for v in overall_values),
                change="–" if change is None else delta_text(change),
                verdict=maturity_verdict(change),
                lower_is_better=False,
                periods=periods,
            )
        )
    snapshots = [_as_snapshot(p) for p in history]
    # In the rubric's order: kept scores are JSON objects, whose key order PostgreSQL does not keep.
    position = {key: i for i, key in enumerate(names)}
    for trend in sorted(trends(snapshots), key=lambda t: position.get(t.key, len(position))):
        if trend.key not in names:
            continue  # a dimension the latest rubric version no longer has: stated in the rubric note
        values = tuple(value for _, value in trend.points)
        change = change_against_previous(values)
        change_text = (
            "First assessment."
            if previous is None
            else ("Not scored in both periods." if change is None else f"{delta_text(change)} since {previous.period}")
        )
        row = Trend(
            key=trend.key,
            dimension=names[trend.key],
            periods=periods,
            values=values,
            scores=tuple(score_text(v) for v in values),
            target=float(targets[trend.key]) if trend.key in targets else None,
            change_text=change_text,
        )
        figures.append(TrendFigure(trend=row, latest=score_text(values[-1]), svg=trend_svg(row, levels)))
        maturity.append(
            TableRow(
                label=names[trend.key],
                unit="",
                cells=row.scores,
                change="–" if change is None else delta_text(change),
                verdict=maturity_verdict(change),
                lower_is_better=False,
                periods=periods,
            )
        )

    outcomes = []
    for kpi in outcome_history(closed):
        if not kpi.has_values:
            continue
        values = tuple(v for _, v in kpi.values)
        text, verdict = (
            figure_change(values[-2], values[-1], lower_is_better=kpi.lower_is_better) if len(values) > 1 else ("–", "")
        )
        outcomes.append(
            TableRow(
                label=kpi.label,
                unit=kpi.unit,
                cells=tuple(figure_text(v) for v in values),
                change=text,
                verdict=verdict,
                lower_is_better=kpi.lower_is_better,
                periods=periods,
            )
        )

    return Overview(
        organisation=organisation,
        headline=headline,
        reports=_ready_reports(organisation),
        periods=periods,
        in_progress=_in_progress([a for a in assessments if a.state == models.AssessmentState.OPEN]),
        previous_period=previous.period if previous else "",
        trends=tuple(figures),
        maturity=tuple(maturity),
        outcomes=tuple(outcomes),
        rubric_note=_rubric_note(history),
        initiatives=_initiatives(organisation, names),
    )


def trend_svg(trend: Trend, levels: Sequence[tuple[int, str]]) -> SafeString:
    """One dimension's trend, drawn by the same chart code and sizes as the PDF's year-over-year page."""
    return charts.trend_svg(
        charts.trend_chart(
            trend.periods,
            [charts.TrendSeries(name=trend.dimension, values=trend.values)],
            levels=levels,
            # Drawn narrow, so that on a 360 px phone (about 300 px of chart) its smallest text (7 units)
            # renders at 10 px or more; wider screens cap it (site.css: .trend-figure svg).
            width=OVERVIEW_CHART_WIDTH,
            height=104,
            target=trend.target,
            title=f"{trend.dimension} by period",
        )
    )


def _as_snapshot(p: PeriodScores) -> AssessmentSnapshot:
    """The year-over-year snapshot of a period (dimension trends need no criteria)."""
    return AssessmentSnapshot(
        assessment_id=p.assessment_id,
        period=p.period,
        rubric_key=p.rubric[0],
        rubric_version=p.rubric[1],
        overall=p.overall,
        dimensions=p.dimensions,
        criteria={},
        replaces=dict(p.replaces or {}),
    )


def _in_progress(assessments: Sequence[models.Assessment]) -> tuple[OpenAssessment, ...]:
    """Invited and submitted of each open assessment: one grouped query per table, whatever their number."""
    ids = [a.pk for a in assessments]
    invited = dict(
        Invitation.objects.filter(assessment_id__in=ids, revoked_at__isnull=True)
        .values("assessment_id")
        .annotate(n=Count("id"))
        .values_list("assessment_id", "n")
    )
    submitted = dict(
        models.Response.objects.filter(assessment_id__in=ids)
        .counted()
        .values("assessment_id")
        .annotate(n=Count("id"))
        .values_list("assessment_id", "n")
    )
    return tuple(
        OpenAssessment(period=a.period, invited=invited.get(a.pk, 0), submitted=submitted.get(a.pk, 0))
        for a in assessments
    )


def _rubric_note(history: Sequence[PeriodScores]) -> str:
    versions: list[tuple[tuple[str, int], str]] = []
    for p in history:
        if p.rubric not in [v for v, _ in versions]:
            versions.append((p.rubric, p.period))
    if len(versions) < 2:
        return ""
    changes = ", ".join(f"version {rubric[1]} from {period}" for rubric, period in versions)
    return (
        f"The rubric changed over these periods ({changes}). Dimensions are compared by their stable keys; "
        "the method appendix of each report lists what changed."
    )


def _ready_reports(organisation: Organisation) -> tuple[ReportRow, ...]:
    reports = (
        Report.objects.filter(assessment__organisation=organisation)
        .ready()
        .select_related("assessment")
        .defer("snapshot", "assessment__closing_scores")
        .order_by("-rendered_at", "-id")
    )
    return tuple(
        ReportRow(
            id=r.pk,
            period=r.assessment.period,
            title=r.assessment.title,
            rendered_on=r.rendered_at.date(),
            pages=r.pages,
            size=size_text(r.size),
            # Rendered while answers could still come in: its scores may differ from the final ones.
            interim=r.assessment.closed_at is None or r.rendered_at < r.assessment.closed_at,
            has_deck=bool(r.deck),
        )
        for r in reports
    )


def _initiatives(organisation: Organisation, names: dict[str, str]) -> tuple[InitiativeGroup, ...]:
    statuses = dict(models.InitiativeStatus.choices)
    groups: dict[int, tuple[models.Assessment, list[models.Initiative]]] = {}
    rows = (
        models.Initiative.objects.filter(assessment__organisation=organisation)
        .select_related("assessment")
        .defer("assessment__closing_scores")
        .order_by("-assessment__period", "assessment_id", "id")
    )
    for initiative in rows:
        groups.setdefault(initiative.assessment_id, (initiative.assessment, []))[1].append(initiative)
    result = []
    for assessment, initiatives in groups.values():
        initiatives.sort(key=lambda i: (STATUS_ORDER.index(i.status), i.due_date or datetime.date.max, i.id))
        done = sum(1 for i in initiatives if i.status == models.InitiativeStatus.DONE)
        result.append(
            InitiativeGroup(
                period=assessment.period,
                title=assessment.title,
                summary=f"{done} of {len(initiatives)} done",
                initiatives=tuple(
                    InitiativeRow(
                        title=i.title,
                        dimension=names.get(i.dimension_key, i.dimension_key),
                        owner=i.owner,
                        due=f"{i.due_date.day} {i.due_date:%b %Y}" if i.due_date else "",
                        status=statuses.get(i.status, i.status),
                        status_key=i.status,
                    )
                    for i in initiatives
                ),
            )
        )
    return tuple(result)
