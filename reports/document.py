"""The roadmap document: every number, sentence and ordering of the PDF, decided here and unit-tested.

`build_roadmap_document(assessment)` loads what it needs and returns a tree of frozen
dataclasses; the templates in reports/templates/reports/roadmap/ only lay it out, and
`roadmap_html` adds the charts (assessment/charts.py) drawn from the same numbers.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from assessment import charts, models, precision
from assessment.anonymity import (
    Published,
    dimension_levels,
    headline_snapshots,
    published_many,
    published_scores,
    rubric_versions_of,
    withheld_reason,
    year_snapshot,
)
from assessment.assessor import assessor_scores_of, roadmap_levels
from assessment.benchmark import MIN_PEERS, DimensionBenchmark
from assessment.portfolio import OutcomeRow, outcome_change, outcome_history, peer_benchmark
from assessment.queries import (
    across_skipped_versions,
    assessment_targets,
    assessments_with_evidence,
    load_rubric,
)
from assessment.roadmap import build_roadmap, percent_to_target, target_gaps
from assessment.rubric import HORIZON_NAMES, HORIZONS, Level, Node, Rubric
from assessment.scoring import AssessmentScores
from assessment.year_over_year import AssessmentSnapshot, compare, in_current_keys, rubric_structure, trends
from organisations.models import Role
from organisations.text import CONTROL_CHARACTERS
from reports.assessor_pages import AssessorView, dimension_view

LANG = "en"
DOCUMENT_TITLE = "Sales maturity roadmap"
MINUS = "\u2212"
# Single-line user text is cut to the column's length; a respondent's comment to a readable length.
MAX_NAME = 200
MAX_TITLE = 300
MAX_COMMENT = 1500
DEFAULT_FIRM_COLOUR = "#1d3557"
# Page 1 holds the level, three gaps and this many of the next 90 days' steps; the roadmap lists them all.
MAX_ACTIONS_ON_PAGE_ONE = 5
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Agreement labels for the consensus index (1 = everyone gave the same answer).
AGREEMENT = ((0.8, "strong agreement"), (0.6, "broad agreement"), (0.4, "mixed views"), (0.0, "divided views"))


# --- the tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Firm:
    name: str
    colour: str
    text_colour: str
    logo: str = ""  # the logo's name in the media storage, or ""


@dataclass(frozen=True)
class Cover:
    organisation: str
    header_organisation: str
    title: str
    assessment_title: str
    period: str
    issued_on: str
    firm: Firm
    interim_note: str
    respondents: str


@dataclass(frozen=True)
class Heading:
    """A page's title: the section's name as a small kicker, and the page's conclusion built from its numbers."""

    kicker: str
    title: str


@dataclass(frozen=True)
class AnswerGap:
    """One of the biggest gaps to target: a dimension below its target, worded as what is missing there."""

    dimension: str
    level: str  # the level's name now, e.g. "Emerging"
    target: str  # the target level's name
    levels_short: int
    sentence: str
    missing: str


@dataclass(frozen=True)
class Action:
    """A roadmap step of the next 90 days: who does it, by when, and how done is judged."""

    rank: int
    title: str
    dimension: str
    owner: str
    due: str
    done_when: str


@dataclass(frozen=True)
class AnswerPage:
    """Page 1: the overall level and its change, the three biggest gaps and the next 90 days."""

    heading: Heading
    level: str
    level_text: str
    score: str
    change: str
    change_sentence: str
    evidence: str
    gaps: tuple[AnswerGap, ...]
    gaps_note: str
    next_90_days: tuple[Action, ...]
    next_90_days_note: str
    next_90_days_shown: int = 0  # how many fit on page 1; the rest are named in `next_90_days_more`
    next_90_days_more: str = ""
    basis_note: str = ""  # whose scores the gaps and steps follow, when the assessor's (assessment/assessor.py)


@dataclass(frozen=True)
class ContentsEntry:
    anchor: str
    title: str
    level: int


@dataclass(frozen=True)
class Highlight:
    """A strength or a gap: one criterion, its dimension and its score."""

    criterion: str
    dimension: str
    score: str


@dataclass(frozen=True)
class Change:
    """One dimension's change since the previous assessment, as a sentence and a signed delta."""

    dimension: str
    sentence: str
    delta: str
    direction: str  # up | down | flat | none


@dataclass(frozen=True)
class Priority:
    title: str
    dimension: str
    horizon: str
    owner: str
    rank: int = 0


@dataclass(frozen=True)
class Summary:
    headline: str
    overall_score: str
    overall_level: str
    overall_index: str
    overall_delta: str
    overall_change: str
    percent_to_target: str
    target_sentence: str
    respondents: str
    strengths: tuple[Highlight, ...]
    gaps: tuple[Highlight, ...]
    previous_period: str
    changes: tuple[Change, ...]
    changes_note: str
    priorities: tuple[Priority, ...]
    heading: Heading = Heading("", "")


@dataclass(frozen=True)
class RadarRow:
    dimension: str
    current: str
    previous: str
    target: str
    change: str
    level: str = ""  # this year's level, by name


@dataclass(frozen=True)
class RadarSection:
    labels: tuple[str, ...]
    series: tuple[charts.RadarSeries, ...]
    levels: tuple[tuple[int, str], ...]
    rows: tuple[RadarRow, ...]
    legend: tuple[tuple[str, str], ...]  # (style, name)
    intro: str
    heading: Heading = Heading("", "")


@dataclass(frozen=True)
class CriterionRow:
    text: str
    subgroup: str
    mean: float | None
    mean_text: str
    share: float  # where the mean sits on the scale, 0–100, for the row's meter
    consensus_text: str
    answered_text: str


@dataclass(frozen=True)
class Subgroup:
    name: str
    score_text: str
    rows: tuple[CriterionRow, ...]
    depth: int = 2  # 2: a sub-group of the dimension, 3: one of its sub-groups, and so on


@dataclass(frozen=True)
class GroupRow:
    group: str
    respondents: int
    score: float | None
    score_text: str
    hidden: bool


@dataclass(frozen=True)
class Comment:
    """A respondent's words, anonymous; identical comments are shown once with how many wrote them."""

    text: str
    count: int
    note: str


@dataclass(frozen=True)
class DimensionPage:
    key: str
    anchor: str
    name: str
    description: str
    score: float | None
    score_text: str
    level_text: str
    index_text: str
    coverage_text: str
    consensus_text: str
    insufficient: bool
    target_text: str
    change_text: str
    descriptor_title: str
    descriptor: str
    next_descriptor_title: str
    next_descriptor: str
    subgroups: tuple[Subgroup, ...]
    groups: tuple[GroupRow, ...]
    gap_sentence: str
    gap_significant: bool
    hidden_groups_note: str
    comments: tuple[Comment, ...]
    comments_note: str
    heading: Heading = Heading("", "")
    target_sentence: str = ""
    comments_people: str = ""
    assessor: AssessorView | None = None  # the assessor's rating beside the team's (reports/assessor_pages.py)


@dataclass(frozen=True)
class RoadmapEntry:
    rank: int
    title: str
    description: str
    dimension: str
    horizon: str
    owner: str
    effort: int
    impact: int
    effort_text: str
    impact_text: str
    status: str
    status_key: str
    due: str
    done_when: str = ""


@dataclass(frozen=True)
class RoadmapHorizon:
    key: str
    name: str
    entries: tuple[RoadmapEntry, ...]
    empty_note: str


@dataclass(frozen=True)
class RoadmapSection:
    source: str  # initiatives | recommendations
    intro: str
    horizons: tuple[RoadmapHorizon, ...]
    notes: tuple[str, ...]
    heading: Heading = Heading("", "")


@dataclass(frozen=True)
class Trend:
    key: str
    dimension: str
    periods: tuple[str, ...]
    values: tuple[float | None, ...]
    scores: tuple[str, ...]
    target: float | None
    change_text: str


@dataclass(frozen=True)
class Outcome:
    """One of last year's initiatives: its status beside the change in its dimension's score."""

    title: str
    dimension: str
    owner: str
    status: str
    status_key: str
    previous: str
    current: str
    change: str
    direction: str
    note: str = ""


@dataclass(frozen=True)
class KpiRow:
    """One outcome KPI the client gave: its value in each period and the change into this one."""

    key: str
    label: str
    values: tuple[str, ...]  # one per period of OutcomeKpis.periods
    change: str
    verdict: str  # better | worse | level | "" (a value missing)
    lower_is_better: bool


@dataclass(frozen=True)
class OutcomeKpis:
    periods: tuple[str, ...]
    change_heading: str
    rows: tuple[KpiRow, ...]  # only the KPIs with a value in some period
    note: str


@dataclass(frozen=True)
class YearOverYear:
    periods: tuple[str, ...]
    intro: str
    trends: tuple[Trend, ...]
    previous_period: str
    outcomes: tuple[Outcome, ...]
    outcomes_note: str
    rubric_note: str
    kpis: OutcomeKpis
    heading: Heading = Heading("", "")


@dataclass(frozen=True)
class BenchmarkRow:
    dimension: str
    score: str
    percentile: str  # "60th percentile", or a dash when withheld
    peer_median: str


@dataclass(frozen=True)
class PeerBenchmarkBlock:
    """Where the organisation stands among comparable organisations, never naming them."""

    shown: bool
    peers: int
    sentence: str
    rows: tuple[BenchmarkRow, ...]  # empty unless shown


@dataclass(frozen=True)
class GroupCount:
    group: str
    respondents: int
    shown: bool


@dataclass(frozen=True)
class CoverageRow:
    dimension: str
    coverage: str
    status: str


@dataclass(frozen=True)
class EvidenceRow:
    """A criterion's evidence for the method appendix: its score, agreement and how many answered."""

    text: str
    score: str
    agreement: str
    answered: str


@dataclass(frozen=True)
class DimensionEvidence:
    """A dimension's figures that stay out of the body: index, coverage, agreement, and its criteria's."""

    dimension: str
    index: str
    coverage: str
    agreement: str
    criteria: tuple[EvidenceRow, ...]


@dataclass(frozen=True)
class Formula:
    name: str
    text: str


@dataclass(frozen=True)
class Method:
    respondents: str
    groups: tuple[GroupCount, ...]
    weighting: str
    coverage: tuple[CoverageRow, ...]
    coverage_note: str
    rubric: str
    rubric_history: tuple[str, ...]
    rubric_changes: tuple[str, ...]
    formulas: tuple[Formula, ...]
    heading: Heading = Heading("", "")
    evidence: tuple[DimensionEvidence, ...] = ()


@dataclass(frozen=True)
class RoadmapDocument:
    lang: str
    title: str
    cover: Cover
    contents: tuple[ContentsEntry, ...]
    summary: Summary
    radar: RadarSection
    dimensions: tuple[DimensionPage, ...]
    roadmap: RoadmapSection
    year_over_year: YearOverYear
    benchmark: PeerBenchmarkBlock
    method: Method
    answer: AnswerPage | None = None

    @property
    def headings(self) -> tuple[Heading, ...]:
        """Every page's heading in the order the PDF shows them."""
        return (
            *((self.answer.heading,) if self.answer else ()),
            self.radar.heading,
            *(page.heading for page in self.dimensions),
            self.roadmap.heading,
            self.year_over_year.heading,
            self.method.heading,
        )

    def as_json(self) -> dict:
        """The snapshot a Report keeps: every number and sentence the PDF shows."""
        snapshot = asdict(self)
        snapshot["page_titles"] = [asdict(h) for h in self.headings]
        return snapshot


# --- formatting: one place decides how a number reads ----------------------------------------


def score_text(score: float | None, decimals: int = 1) -> str:
    """A score as every page reads it (assessment/precision.py: `decimals_of` the rubric), or a dash."""
    return precision.score_text(score, decimals)


def shown(score: float | None, decimals: int = 1) -> float | None:
    """The score as shown, from which changes are computed so that pages add up."""
    return precision.rounded(score, decimals)


def delta_text(change: float) -> str:
    """A signed change with a true minus sign: +0.6, −0.4, 0.0."""
    if abs(change) < 0.05:
        return "0.0"
    return f"+{change:.1f}" if change > 0 else f"{MINUS}{abs(change):.1f}"


def score_change(previous: float | None, current: float | None) -> float | None:
    """Current − previous, both as shown; None when either is missing."""
    if previous is None or current is None:
        return None
    return round(shown(current) - shown(previous), 1)  # type: ignore[operator]


def direction_of(change: float | None) -> str:
    if change is None:
        return "none"
    if change >= 0.05:
        return "up"
    if change <= -0.05:
        return "down"
    return "flat"


def percent_text(share: float) -> str:
    return f"{share * 100:.0f}%"


def agreement(consensus: float | None) -> str:
    if consensus is None:
        return "no answers"
    return next(label for floor, label in AGREEMENT if consensus + 1e-9 >= floor)


def consensus_text(consensus: float | None) -> str:
    return "–" if consensus is None else f"{consensus:.2f} · {agreement(consensus)}"


def level_text(rubric: Rubric, value: int | None) -> str:
    if value is None:
        return "Insufficient evidence"
    return f"Level {value} · {rubric.level_named(value).name}"


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def issued_text(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


# How far from the report's issue date each horizon ends: a step's due date.
HORIZON_END_MONTHS = {"0-90d": 3, "3-6m": 6, "6-12m": 12}
DONE_WHEN = re.compile(r"\b(?:It is|It's|This is)?\s*done when\b\s*(.+?)(?:\.|$)", re.IGNORECASE | re.DOTALL)
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def due_date(issued_on: datetime.date, horizon: str) -> datetime.date:
    """The end of a horizon counted from the issue date: 0–90 days → 90 days on, else whole months on."""
    if horizon == "0-90d":
        return issued_on + datetime.timedelta(days=90)
    months = issued_on.month - 1 + HORIZON_END_MONTHS.get(horizon, 12)
    year, month = issued_on.year + months // 12, months % 12 + 1
    last_day = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(issued_on.day, last_day))


def done_when_text(description: str) -> str:
    """How done is judged, from a step's description ("It is done when …"), as "Done when …"."""
    found = DONE_WHEN.search(" ".join(description.split()))
    if not found or not found.group(1).strip():
        return ""
    return f"Done when {found.group(1).strip()}."


def number_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def in_sentence(name: str) -> str:
    """A name inside a sentence: "Sales process" → "sales process", "CRM data" unchanged."""
    return name[0].lower() + name[1:] if len(name) > 1 and (name[1].islower() or name[1] == " ") else name


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def joined(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def firm_of(name: str, colour: str, logo: str = "") -> Firm:
    """The consultant's firm; a colour that is not #rrggbb falls back, text colour picked for contrast."""
    colour = colour if HEX_COLOUR.match(colour or "") else DEFAULT_FIRM_COLOUR
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    # WCAG: white on the colour when that contrasts more than near-black does.
    white = 1.05 / (luminance + 0.05)
    dark = (luminance + 0.05) / 0.0623
    return Firm(
        name=shorten(name, MAX_NAME),
        colour=colour.lower(),
        text_colour="#ffffff" if white >= dark else "#101828",
        logo=logo,
    )


def branding_of(firm: Any) -> Firm:
    """The organisation's firm's branding for its roadmap (the settings only seed a new firm's)."""
    return firm_of(firm.name, firm.colour, firm.logo.name if firm.logo else "")


def logo_path(document: RoadmapDocument) -> Path | None:
    """The file of the cover's logo, when the firm has one that is still stored."""
    name = document.cover.firm.logo
    if not name:
        return None
    try:
        path = Path(default_storage.path(name)).resolve()
    except (NotImplementedError, ValueError):
        return None
    return path if path.is_file() else None


def change_sentence(
    name: str, previous: float | None, current: float | None, rubric: Rubric, previous_period: str
) -> Change:
    """One dimension's change since `previous_period`, in one sentence (PRODUCT.md: executive summary)."""
    if current is None:
        return Change(name, f"{name}: insufficient evidence this year to compare with {previous_period}.", "", "none")
    if previous is None:
        return Change(name, f"{name}: {score_text(current)} this year; not scored in {previous_period}.", "", "none")
    change = score_change(previous, current)
    assert change is not None
    direction = direction_of(change)
    before, after = rubric.level_for(shown(previous) or 0.0), rubric.level_for(shown(current) or 0.0)
    if direction == "flat":
        sentence = f"{name} held steady at {score_text(current)} ({after.name}) since {previous_period}."
    else:
        verb = "rose" if direction == "up" else "fell"
        sentence = (
            f"{name} {verb} from {score_text(previous)} in {previous_period} to {score_text(current)} "
            f"({delta_text(change)})"
        )
        sentence += f", from {before.name} to {after.name}." if before != after else f", still {after.name}."
    return Change(name, sentence, delta_text(change), direction)


# --- building it ----------------------------------------------------------------------------


def build_roadmap_document(
    assessment: models.Assessment,
    *,
    issued_on: datetime.date | None = None,
    firm: Firm | None = None,
    role: str = Role.VIEWER,
) -> RoadmapDocument:
    """Load an assessment's scores, history and initiatives and decide everything the PDF shows.

    The scores are those published to `role` (assessment/anonymity.py): a kept report is read by everyone
    of the organisation, so by default a viewer's, and an open assessment's interim report has none.
    """
    published = published_scores(assessment, role=role)
    rubric, scores = published.rubric, published.scores
    targets = assessment_targets(assessment)
    assessed, history = _history_until(assessment, published, role)
    # Last year's scores under this year's keys: a criterion or dimension the rubric renamed (`replaces`)
    # is compared with its old key's score on every page.
    previous = _in_this_years_keys(history[-2], history[-1]) if len(history) > 1 else None
    previous_assessment = assessed[-2] if len(assessed) > 1 else None
    organisation = assessment.organisation.name
    firm = firm or branding_of(assessment.organisation.firm)
    issued_on = issued_on or timezone.localdate()
    names = {d.key: d.name for d in rubric.dimensions}
    previous_scores = dict(previous.dimensions) if previous else {}
    # The roadmap and page 1's gaps follow the assessment's roadmap basis: the team's or the assessor's scores.
    basis = roadmap_levels(assessment, published, role=role)
    levels = basis.levels
    roadmap = _roadmap_section(assessment, rubric, levels, targets, names, issued_on)
    if basis.note:
        roadmap = replace(roadmap, notes=(basis.note, *roadmap.notes))
    comments = _comments(assessment, rubric, published)
    rated = assessor_scores_of(assessment, role=role)
    dimensions = tuple(
        replace(
            _dimension_page(rubric, published, node, targets, previous, comments.get(node.key)),
            assessor=dimension_view(rubric, published, node, rated),
        )
        for node in rubric.dimensions
    )
    summary = _summary(organisation, published, targets, previous, roadmap, names)
    radar = _radar(rubric, scores, targets, previous_scores, previous)
    contents = (
        ContentsEntry("summary", "Executive summary", 1),
        ContentsEntry("radar", "Maturity at a glance", 1),
        ContentsEntry("dimensions", "The five dimensions" if len(dimensions) == 5 else "The dimensions", 1),
        *(ContentsEntry(page.anchor, page.name, 2) for page in dimensions),
        ContentsEntry("roadmap", "The roadmap", 1),
        ContentsEntry("year-over-year", "Year over year", 1),
        ContentsEntry("method", "Method", 1),
    )
    return RoadmapDocument(
        lang=LANG,
        title=f"{shorten(organisation, 80)} · {DOCUMENT_TITLE} · {shorten(assessment.period, 40)}",
        cover=Cover(
            organisation=shorten(organisation, MAX_NAME),
            header_organisation=shorten(organisation, 60),
            title=DOCUMENT_TITLE,
            assessment_title=shorten(assessment.title, MAX_NAME),
            period=shorten(assessment.period, 40),
            issued_on=issued_text(issued_on),
            firm=firm,
            interim_note=""
            if assessment.state == models.AssessmentState.CLOSED
            else "Interim report: the assessment is still open and its scores may change."
            + (f" {published.notice}" if published.notice else ""),
            respondents=_respondents_sentence(scores),
        ),
        contents=contents,
        summary=summary,
        radar=radar,
        answer=replace(
            _answer(organisation, published, targets, previous, roadmap, summary, levels=levels),
            basis_note=basis.note,
        ),
        dimensions=dimensions,
        roadmap=roadmap,
        year_over_year=_year_over_year(rubric, assessed, history, previous, previous_assessment, targets, names),
        benchmark=_benchmark(assessment, scores, shorten(organisation, MAX_NAME)),
        method=_method(assessment, published, history, previous_assessment, names),
    )


def _history_until(
    assessment: models.Assessment, published: Published, role: str
) -> tuple[list[models.Assessment], list[AssessmentSnapshot]]:
    """The organisation's assessments with evidence, by period, up to and including this one (already
    scored), and each one's published scores: the two lists line up."""
    assessments = assessments_with_evidence(assessment.organisation_id)
    ids = [a.id for a in assessments]
    if assessment.id in ids:
        assessments = assessments[: ids.index(assessment.id) + 1]
    else:
        assessments = [a for a in assessments if a.period < assessment.period]
    # Last year is compared criterion by criterion: its complete kept scores (published_many). The years
    # before it are points on the trend: the headline kept on their row is enough (headline_snapshots).
    # A ten-year history costs the queries of a two-year one, and nothing is scored again.
    earlier = [a for a in assessments if a.id != assessment.id]
    trend_only = earlier[:-1]
    snapshots = {a.id: s for a, s in zip(trend_only, headline_snapshots(trend_only, role=role), strict=True) if s}
    complete = [a for a in earlier if a.id not in snapshots]
    for a, p in zip(complete, published_many(complete, role=role), strict=True):
        snapshots[a.id] = year_snapshot(a, p)
    return assessments, [year_snapshot(a, published) if a.id == assessment.id else snapshots[a.id] for a in assessments]


def _in_this_years_keys(previous: AssessmentSnapshot, current: AssessmentSnapshot) -> AssessmentSnapshot:
    """`previous` re-keyed to `current`'s rubric, through the `replaces` of every version between them."""
    return in_current_keys(previous, across_skipped_versions(previous, current))


def _respondents_sentence(scores: AssessmentScores) -> str:
    groups = len([g for g, n in scores.respondents_by_group.items() if n])
    people = "respondent" if scores.respondents == 1 else "respondents"
    return f"{scores.respondents} {people} in {groups} {'group' if groups == 1 else 'groups'}"


def _summary(
    organisation: str,
    published: Published,
    targets: Mapping[str, int],
    previous: AssessmentSnapshot | None,
    roadmap: RoadmapSection,
    names: Mapping[str, str],
) -> Summary:
    rubric, scores = published.rubric, published.scores
    overall = scores.overall
    top = rubric.scale_max
    if not published.shown:
        headline = f"No scores of {shorten(organisation, 80)} are published yet: {published.notice}"
    elif published.overall_withheld():
        headline = f"The overall score of {shorten(organisation, 80)} is withheld: {published.reason}."
    elif overall.withheld:
        # PRODUCT.md scoring 4: a weighted dimension without evidence leaves no overall to report.
        headline = f"The overall score of {shorten(organisation, 80)} is {overall.withheld}."
    elif overall.score is None or overall.level is None:
        headline = (
            f"{shorten(organisation, 80)} does not have enough answers yet for an overall score "
            f"(coverage {percent_text(overall.coverage)})."
        )
    else:
        headline = (
            f"{shorten(organisation, 80)} stands at level {overall.level.value}, {overall.level.name}, "
            f"with an overall score of {score_text(overall.score, precision.decimals_of(rubric))} out of {top}."
        )
    overall_delta = overall_change = ""
    if previous is not None:
        change = score_change(previous.overall, overall.score)
        if change is not None:
            overall_delta = delta_text(change)
            overall_change = f"{overall_delta} since {previous.period}"
    levels = {k: (d.level.value if d.level else None) for k, d in scores.dimensions.items()}
    share = percent_to_target(target_gaps(levels, targets))
    if share is None:
        target_sentence, percent = "No target levels have been set for this assessment.", ""
    else:
        met = sum(1 for k, t in targets.items() if (level := levels.get(k)) is not None and level >= t)
        percent = percent_text(share)
        target_sentence = f"{percent} of the way to the target levels; {met} of {len(targets)} targets reached."

    scored = [
        (c.mean, i, c)
        for i, crit in enumerate(rubric.scored_criteria)
        if (c := scores.criteria[crit.key]).mean is not None
    ]
    best = sorted(scored, key=lambda t: (-t[0], t[1]))[:3]
    chosen = {c.key for _, _, c in best}
    worst = [t for t in sorted(scored, key=lambda t: (t[0], t[1])) if t[2].key not in chosen][:3]

    def highlight(item: tuple) -> Highlight:
        mean, _, aggregate = item
        return Highlight(
            criterion=rubric.criterion_by_key[aggregate.key].text,
            dimension=names[aggregate.dimension],
            score=score_text(mean),
        )

    changes: tuple[Change, ...] = ()
    if previous is None:
        changes_note = "This is the first assessment: next year's report will show the change in every dimension."
    else:
        changes = tuple(
            change_sentence(
                names[d.key], previous.dimensions.get(d.key), scores.dimensions[d.key].score, rubric, previous.period
            )
            for d in rubric.dimensions
        )
        changes_note = ""
    priorities = tuple(
        Priority(title=e.title, dimension=e.dimension, horizon=HORIZON_NAMES[e.horizon], owner=e.owner, rank=e.rank)
        for e in sorted(_entries_in_order(roadmap), key=lambda e: (HORIZONS.index(e.horizon), e.rank))
        if e.status_key not in ("done", "dropped")
    )[:3]
    return Summary(
        headline=headline,
        overall_score=score_text(overall.score, precision.decimals_of(rubric)),
        overall_level=capitalised(overall.withheld)
        if overall.withheld and published.shown and not published.overall_withheld()
        else level_text(rubric, overall.level.value if overall.level else None),
        overall_index="–" if overall.index is None else f"{overall.index:.0f}",
        overall_delta=overall_delta,
        overall_change=overall_change,
        percent_to_target=percent,
        target_sentence=target_sentence,
        respondents=_respondents_sentence(scores),
        strengths=tuple(highlight(t) for t in best),
        gaps=tuple(highlight(t) for t in worst),
        previous_period=previous.period if previous else "",
        changes=changes,
        changes_note=changes_note,
        priorities=priorities,
        heading=Heading("Executive summary", _glance_title(rubric, scores, targets, previous)),
    )


def _answer(
    organisation: str,
    published: Published,
    targets: Mapping[str, int],
    previous: AssessmentSnapshot | None,
    roadmap: RoadmapSection,
    summary: Summary,
    *,
    levels: Mapping[str, int | None] | None = None,
) -> AnswerPage:
    """Page 1 (PRODUCT.md: the roadmap): the overall level and its change, the three biggest gaps to target
    and the next 90 days' steps with owner, due date and how done is judged."""
    rubric, scores = published.rubric, published.scores
    overall = scores.overall
    organisation = shorten(organisation, 80)
    level = overall.level.name if overall.level and not published.overall_withheld() else ""
    change_sentence = ""
    if previous is not None and summary.overall_delta:
        change = score_change(previous.overall, overall.score) or 0.0
        direction = direction_of(change)
        change_sentence = (
            f"unchanged since {previous.period}"
            if direction == "flat"
            else f"{'up' if direction == 'up' else 'down'} {abs(change):.1f} since {previous.period}"
        )
    if not level:
        title = summary.headline
    else:
        title = (
            f"{organisation} stands at {level}, "
            f"{score_text(overall.score, precision.decimals_of(rubric))} of {rubric.scale_max}"
        )
        title += f", {change_sentence}" if change_sentence else ", in its first assessment"
    gaps = _answer_gaps(rubric, published, targets, levels)
    if gaps:
        gaps_note = ""
    elif not published.shown or (not level and not overall.withheld):
        gaps_note = "The gaps to target are shown once the scores are published."
    elif not targets:
        gaps_note = "No target levels are set yet: agree one per dimension to see the gaps to close."
    else:
        gaps_note = "Every dimension with a target has reached it."
    actions = tuple(
        Action(
            rank=e.rank,
            title=e.title,
            dimension=e.dimension,
            owner=e.owner,
            due=e.due.removeprefix("Due "),
            done_when=e.done_when or "Done when the owner shows the step in place at the next review.",
        )
        for e in _entries_in_order(roadmap)
        if e.horizon == HORIZONS[0] and e.status_key not in ("done", "dropped")
    )
    return AnswerPage(
        heading=Heading("The answer", title),
        level=level,
        level_text=summary.overall_level if published.shown else "Not published yet",
        score=summary.overall_score,
        change=summary.overall_change,
        change_sentence=capitalised(change_sentence) + "." if change_sentence else "",
        evidence=f"Based on {summary.respondents}." if published.shown else "",
        gaps=gaps,
        gaps_note=gaps_note,
        next_90_days=actions,
        next_90_days_note="" if actions else "Nothing is planned for the next 90 days. " + roadmap.intro,
        next_90_days_shown=min(len(actions), MAX_ACTIONS_ON_PAGE_ONE),
        next_90_days_more=""
        if len(actions) <= MAX_ACTIONS_ON_PAGE_ONE
        else f"And {number_word(len(actions) - MAX_ACTIONS_ON_PAGE_ONE)} more for the next 90 days in the roadmap: "
        + ", ".join(f"#{a.rank}" for a in actions[MAX_ACTIONS_ON_PAGE_ONE:])
        + ".",
    )


def _answer_gaps(
    rubric: Rubric,
    published: Published,
    targets: Mapping[str, int],
    levels: Mapping[str, int | None] | None = None,
) -> tuple[AnswerGap, ...]:
    """The three biggest gaps to target, one per dimension (most levels short first, then the heavier
    dimension, then the lower score), each worded as the next level's practice that is not yet in place.
    Fewer than three dimensions short of target: their weakest criteria fill the list, by what is missing."""
    scores = published.scores
    levels = dimension_levels(published) if levels is None else levels
    short = []
    for i, node in enumerate(rubric.dimensions):
        level, target = levels.get(node.key), targets.get(node.key)
        if level is None or target is None or level >= target:
            continue
        short.append((-(target - level), -node.weight, scores.dimensions[node.key].score or 0.0, i, node))
    short.sort(key=lambda t: t[:4])
    gaps = []
    for _, _, _, _, node in short[:3]:
        level, target = levels[node.key], targets[node.key]
        assert level is not None
        steps = target - level
        now, goal = rubric.level_named(level).name, rubric.level_named(target).name
        next_index = [lv.value for lv in rubric.scale].index(level) + 1
        missing = node.levels[next_index] if next_index < len(node.levels) else ""
        gaps.append(
            AnswerGap(
                dimension=node.name,
                level=now,
                target=goal,
                levels_short=steps,
                sentence=f"{node.name}: {now}, {number_word(steps)} {'level' if steps == 1 else 'levels'} "
                f"below the {goal} target.",
                missing=f"Not yet in place: {in_sentence(missing)}" if missing else "",
            )
        )
    if gaps and len(gaps) < 3:
        weakest = sorted(
            (
                (aggregate.mean, rubric.criteria.index(criterion), criterion, node)
                for _, _, _, _, node in short
                for criterion in node.walk_criteria()
                if criterion.anchors
                and (aggregate := scores.criteria.get(criterion.key)) is not None
                and aggregate.mean is not None
                and not published.criterion_withheld(criterion.key)
            ),
            key=lambda t: (t[0], t[1]),
        )
        for mean, _, criterion, node in weakest[: 3 - len(gaps)]:
            reached = rubric.level_for(mean).value
            position = [lv.value for lv in rubric.scale].index(reached) + 1
            anchor = criterion.anchors[min(position, len(criterion.anchors) - 1)]
            first = next(g for g in gaps if g.dimension == node.name)
            gaps.append(
                AnswerGap(
                    dimension=node.name,
                    level=first.level,
                    target=first.target,
                    levels_short=first.levels_short,
                    sentence=f"{node.name}: its weakest practice scores {score_text(mean)}.",
                    missing=f"Not yet in place: {in_sentence(anchor)}",
                )
            )
    return tuple(gaps)


def _entries_in_order(roadmap: RoadmapSection) -> list[RoadmapEntry]:
    return sorted((e for h in roadmap.horizons for e in h.entries), key=lambda e: e.rank)


def _glance_title(
    rubric: Rubric, scores: AssessmentScores, targets: Mapping[str, int], previous: AssessmentSnapshot | None
) -> str:
    """The at-a-glance page's conclusion: which dimensions changed level since last year, or, in a first
    year, which leads and which trails."""
    scored: list[tuple[Node, Level]] = [
        (d, lv)
        for d in rubric.dimensions
        if (lv := scores.dimensions[d.key].level) is not None and scores.dimensions[d.key].score is not None
    ]
    if not scored:
        return "No dimension has enough published answers to be scored yet"
    if previous is None:
        best = max(scored, key=lambda t: scores.dimensions[t[0].key].score or 0.0)
        worst = min(scored, key=lambda t: scores.dimensions[t[0].key].score or 0.0)
        if best[0] == worst[0]:
            return f"{best[0].name} stands at {best[1].name} in this first assessment"
        return f"{best[0].name} leads at {best[1].name}; {in_sentence(worst[0].name)} trails at {worst[1].name}"
    rose: list[tuple[Node, Level]] = []
    slipped: list[tuple[Node, Level]] = []
    for d, level in scored:
        before = previous.dimensions.get(d.key)
        if before is None:
            continue
        was = rubric.level_for(shown(before) or 0.0)
        if level.value > was.value:
            rose.append((d, level))
        elif level.value < was.value:
            slipped.append((d, level))

    def part(moved: list, verb: str) -> str:
        if len(moved) > 2:
            return f"{number_word(len(moved))} dimensions {verb} a level"
        if len(moved) == 2:
            return f"{in_sentence(moved[0][0].name)} and {in_sentence(moved[1][0].name)} each {verb} a level"
        return joined([f"{in_sentence(d.name)} {verb} to {level.name}" for d, level in moved])

    parts = [p for p in (part(rose, "rose"), part(slipped, "slipped")) if p]
    if not parts:
        return f"No dimension changed level since {previous.period}"
    return capitalised("; ".join(parts))


def _radar(
    rubric: Rubric,
    scores: AssessmentScores,
    targets: Mapping[str, int],
    previous_scores: Mapping[str, float | None],
    previous: AssessmentSnapshot | None,
) -> RadarSection:
    series = [
        charts.RadarSeries(
            name="This year", values=tuple(scores.dimensions[d.key].score for d in rubric.dimensions), style="current"
        )
    ]
    legend = [("current", "This year")]
    if previous is not None:
        series.append(
            charts.RadarSeries(
                name=previous.period,
                values=tuple(previous_scores.get(d.key) for d in rubric.dimensions),
                style="previous",
            )
        )
        legend.append(("previous", previous.period))
    if targets:
        series.append(
            charts.RadarSeries(
                name="Target",
                values=tuple(float(targets[d.key]) if d.key in targets else None for d in rubric.dimensions),
                style="target",
            )
        )
        legend.append(("target", "Target"))
    rows = []
    for d in rubric.dimensions:
        current = scores.dimensions[d.key].score
        before = previous_scores.get(d.key)
        change = score_change(before, current)
        rows.append(
            RadarRow(
                dimension=d.name,
                current=score_text(current),
                previous=score_text(before) if previous else "",
                target=str(targets[d.key]) if d.key in targets else "–",
                change="" if previous is None else ("–" if change is None else delta_text(change)),
                level=level.name if (level := scores.dimensions[d.key].level) else "–",
            )
        )
    return RadarSection(
        labels=tuple(d.name for d in rubric.dimensions),
        series=tuple(series),
        levels=tuple((level.value, level.name) for level in rubric.scale),
        rows=tuple(rows),
        legend=tuple(legend),
        intro=(
            "This year's score in each dimension"
            + (f", {previous.period}'s" if previous is not None else "")
            + (" and the target levels" if targets else "")
            + f". The centre of the chart is level {rubric.scale_min}, the outer ring level {rubric.scale_max}."
        ),
        heading=Heading("Maturity at a glance", _glance_title(rubric, scores, targets, previous)),
    )


def _comments(
    assessment: models.Assessment, rubric: Rubric, published: Published
) -> dict[str, tuple[tuple[Comment, ...], int]]:
    """Respondents' free-text answers and answer comments by dimension, anonymous, in rubric order, with the
    number of people who commented on each dimension.

    Only from the published responses, and only for a dimension on which at least the minimum number of
    respondents commented (assessment/anonymity.py); within a criterion, in the order of their words, never
    of their submission. Each comment is shown once: the same words from several respondents once, with the
    number of people who wrote them when that many may be counted (one person writing the same words on
    three criteria is one person), and words written under several dimensions only under the one where
    most people wrote them (the first in rubric order on a tie).
    """
    if not published.shown:
        return {}
    responses = models.Response.objects.filter(assessment=assessment).counted()
    if published.response_ids is not None:
        responses = responses.filter(pk__in=list(published.response_ids))
    position = {c.key: i for i, c in enumerate(rubric.criteria)}
    order = {d.key: i for i, d in enumerate(rubric.dimensions)}
    rows = (
        models.Answer.objects.filter(response__in=responses)
        .exclude(text="", comment="")
        .values_list("criterion__key", "text", "comment", "response_id")
    )
    found: dict[str, list[tuple[int, str, int]]] = {}
    commenters: dict[str, set[int]] = {}
    for key, text, comment, response_id in rows:
        dimension = rubric.dimension_of_criterion.get(key)
        if dimension is None:
            continue
        for part in (text, comment):
            if part.strip():
                found.setdefault(dimension, []).append((position[key], shorten(part, MAX_COMMENT), response_id))
                commenters.setdefault(dimension, set()).add(response_id)
    shown = {d for d, people in commenters.items() if len(people) >= published.minimum}
    writers: dict[str, dict[str, set[int]]] = {}
    for dimension in shown:
        for _, text, response_id in sorted(found[dimension]):
            writers.setdefault(dimension, {}).setdefault(text, set()).add(response_id)
    home: dict[str, str] = {}
    for dimension in sorted(shown, key=order.__getitem__):
        for text, by in writers[dimension].items():
            if text not in home or len(by) > len(writers[home[text]][text]):
                home[text] = dimension
    grouped: dict[str, tuple[tuple[Comment, ...], int]] = {}
    for dimension in shown:
        grouped[dimension] = (
            tuple(
                Comment(
                    text=text,
                    count=len(by),
                    note=f"from {len(by)} people" if len(by) >= published.minimum else "",
                )
                for text, by in writers[dimension].items()
                if home[text] == dimension
            ),
            len(commenters[dimension]),
        )
    return grouped


def _dimension_page(
    rubric: Rubric,
    published: Published,
    node: Node,
    targets: Mapping[str, int],
    previous: AssessmentSnapshot | None,
    comments: tuple[tuple[Comment, ...], int] | None,
) -> DimensionPage:
    scores = published.scores
    withheld = published.shown and published.dimension_withheld(node.key)
    score = scores.dimensions[node.key]
    level = score.level.value if score.level else None
    decimals = precision.decimals_of(rubric)

    def row(key: str, subgroup: str) -> CriterionRow:
        aggregate = scores.criteria[key]
        answered = f"{aggregate.answered} of {aggregate.addressed} answered"
        if published.criterion_withheld(key):
            answered += f" · withheld: {published.reason}"
        elif aggregate.not_applicable:
            answered += f" · {aggregate.not_applicable} don't know"
        return CriterionRow(
            text=rubric.criterion_by_key[key].text,
            subgroup=subgroup,
            mean=aggregate.mean,
            mean_text=score_text(aggregate.mean, decimals),
            share=0.0
            if aggregate.mean is None
            else charts.scale_position(aggregate.mean, low=rubric.scale_min, high=rubric.scale_max, start=0, end=100),
            consensus_text=consensus_text(aggregate.consensus),
            answered_text=answered,
        )

    def scored(node: Node) -> list[str]:
        return [c.key for c in node.criteria if c.key in scores.criteria]

    # The sub-groups at every depth in rubric order (each followed by its own), each with its own criteria,
    # then the dimension's own criteria: under a heading of their own when there are sub-groups, so that no
    # sub-group's heading stands over criteria that are not in it. Scores are the published node scores.
    subgroups = []
    for group in (g for g in node.walk_nodes() if g is not node):
        if not any(c.key in scores.criteria for c in group.walk_criteria()):
            continue
        kept = scores.nodes.get(group.key)
        value = kept.score if kept else None
        if published.node_withheld(group.key):
            label = f"withheld: {published.reason}"
        elif value is None:
            label = "insufficient evidence"
        elif group.rollup == "gated":
            label = f"level {int(value)} practices in place"
        else:
            label = score_text(value, decimals)
        subgroups.append(
            Subgroup(
                name=group.name,
                score_text=label,
                rows=tuple(row(k, group.name) for k in scored(group)),
                depth=(kept.depth if kept else 2),
            )
        )
    own_name = f"Other {in_sentence(node.name)} practices" if subgroups else ""
    subgroups.append(
        Subgroup(name=own_name, score_text="", rows=tuple(row(k, own_name) for k in scored(node)), depth=1)
    )

    group_names = {g.key: g.name for g in rubric.respondent_groups}
    groups = tuple(
        GroupRow(
            group=group_names.get(g.group, g.group),
            respondents=g.respondents,
            score=None if g.hidden else g.dimensions.get(node.key),
            score_text="" if g.hidden else score_text(g.dimensions.get(node.key)),
            hidden=g.hidden,
        )
        for g in scores.groups
    )
    gap = next((g for g in scores.perception_gaps if g.dimension == node.key), None)
    if gap is None:
        gap_sentence = (
            f"Fewer than two groups of {published.minimum} or more respondents: no comparison between groups."
        )
    elif gap.significant:
        scores_by_group = {g.group: g.dimensions.get(node.key) for g in scores.groups if not g.hidden}
        gap_sentence = (
            f"A perception gap of {gap.spread:.1f}: {group_names.get(gap.highest_group, gap.highest_group)} give "
            f"{score_text(scores_by_group[gap.highest_group])}, {group_names.get(gap.lowest_group, gap.lowest_group)} "
            f"{score_text(scores_by_group[gap.lowest_group])}. "
            "A gap of a level or more is worth discussing before acting."
        )
    elif gap.spread < 0.05:
        gap_sentence = "Every group gives this dimension the same score."
    else:
        gap_sentence = f"The groups broadly agree: their scores are within {gap.spread:.1f} of each other."
    hidden = [g for g in groups if g.hidden]
    hidden_note = (
        f"Not shown separately (fewer than {published.minimum} respondents, or needed to protect such a group): "
        + ", ".join(f"{g.group} ({g.respondents})" for g in hidden)
        + "."
        if hidden
        else ""
    )

    target = targets.get(node.key)
    if target is None:
        target_text = "none set"
    elif level is None:
        target_text = f"level {target} ({rubric.level_named(target).name})"
    elif level >= target:
        target_text = f"level {target} ({rubric.level_named(target).name}), reached"
    else:
        steps = target - level
        target_text = (
            f"level {target} ({rubric.level_named(target).name}), {steps} {'level' if steps == 1 else 'levels'} to go"
        )
    if target is None:
        target_sentence = "No target level is set for this dimension."
    elif level is None:
        target_sentence = f"The target is {rubric.level_named(target).name} (level {target})."
    elif level >= target:
        target_sentence = f"The target, {rubric.level_named(target).name} (level {target}), is reached."
    else:
        target_sentence = (
            f"The target is {rubric.level_named(target).name} (level {target}): "
            f"{number_word(target - level)} {'level' if target - level == 1 else 'levels'} to go."
        )
    change_text = (
        ""
        if previous is None
        else change_sentence(
            node.name, previous.dimensions.get(node.key), score.score, rubric, previous.period
        ).sentence
    )
    descriptors = node.levels
    descriptor_level = level if level is not None else rubric.scale_min
    index = [lv.value for lv in rubric.scale].index(descriptor_level)
    next_level = rubric.scale[index + 1] if index + 1 < len(rubric.scale) else None
    return DimensionPage(
        key=node.key,
        anchor=f"dimension-{node.key}",
        name=node.name,
        description=node.description,
        score=score.score,
        score_text=score_text(score.score, decimals),
        level_text=f"Withheld: {published.reason}" if withheld else level_text(rubric, level),
        index_text="–" if score.index is None else f"{score.index:.0f}",
        coverage_text="–" if withheld else percent_text(score.coverage),
        consensus_text=consensus_text(score.consensus),
        insufficient=score.insufficient_evidence,
        target_text=target_text,
        change_text=change_text,
        descriptor_title=(
            f"Where you are: {level_text(rubric, level)}"
            if level is not None
            else f"Starting point: {level_text(rubric, descriptor_level)}"
        ),
        descriptor=descriptors[index] if index < len(descriptors) else "",
        next_descriptor_title=f"Next: {level_text(rubric, next_level.value)}" if next_level else "",
        next_descriptor=descriptors[index + 1] if next_level and index + 1 < len(descriptors) else "",
        subgroups=tuple(s for s in subgroups if s.rows or s.depth > 1),
        groups=groups,
        gap_sentence=gap_sentence,
        gap_significant=bool(gap and gap.significant),
        hidden_groups_note=hidden_note,
        comments=comments[0] if comments else (),
        comments_note=""
        if comments and comments[0]
        else "The comments written here are shown under the dimension where more people wrote the same words."
        if comments
        else f"No comments to show: they are shown once at least {published.minimum} respondents comment on a "
        "dimension.",
        heading=Heading(
            node.name, _dimension_title(rubric, node, score.score, level, previous, target, withheld, published)
        ),
        target_sentence=target_sentence,
        comments_people=f"Comments from {comments[1]} people, each shown once." if comments else "",
    )


def _dimension_title(
    rubric: Rubric,
    node: Node,
    score: float | None,
    level: int | None,
    previous: AssessmentSnapshot | None,
    target: int | None,
    withheld: bool,
    published: Published,
) -> str:
    """A dimension page's conclusion: where the dimension moved since last year and how far it is from target."""
    name = node.name
    if withheld:
        return f"{name} is not shown this year: {published.reason}"
    if level is None or score is None:
        return f"{name} has too few answers to be scored this year"
    now = rubric.level_named(level).name
    before = previous.dimensions.get(node.key) if previous else None
    if before is None:
        movement = f"{name} stands at {now}"
    else:
        before_level = rubric.level_for(shown(before) or 0.0).value
        direction = direction_of(score_change(before, score))
        if level > before_level:
            movement = f"{name} rose to {now}"
        elif level < before_level:
            movement = f"{name} slipped to {now}"
        elif direction == "up":
            movement = f"{name} improved to {score_text(score)} but stays {now}"
        elif direction == "down":
            movement = f"{name} fell to {score_text(score)} but stays {now}"
        else:
            movement = f"{name} held at {now}"
    if target is None:
        return movement
    if level >= target:
        return f"{movement}; its target is reached"
    steps = target - level
    target_name = rubric.level_named(target).name
    return f"{movement}, {number_word(steps)} {'level' if steps == 1 else 'levels'} below its {target_name} target"


def _roadmap_section(
    assessment: models.Assessment,
    rubric: Rubric,
    levels: Mapping[str, int | None],
    targets: Mapping[str, int],
    names: Mapping[str, str],
    issued_on: datetime.date,
) -> RoadmapSection:
    """The assessment's initiatives by horizon when it has any, else the roadmap derived from the rubric.

    One numbering, #1 done first: by horizon, then by the roadmap's priority (PRODUCT.md: the roadmap).
    A step without a date of its own is due when its horizon ends, counted from the issue date.
    """
    derived = build_roadmap(rubric, levels, targets)
    rank_of = {item.recommendation.key: item.rank for item in derived.items}
    recommendation_of = {r.key: r for r in rubric.recommendations}
    initiatives = list(assessment.initiatives.all())
    statuses = dict(models.InitiativeStatus.choices)
    entries: list[RoadmapEntry] = []
    if initiatives:
        source = "initiatives"
        initiatives.sort(
            key=lambda i: (
                HORIZONS.index(i.horizon),
                rank_of.get(i.recommendation_key, len(rank_of) + 1),
                -i.impact / max(i.effort, 1),
                i.id,
            )
        )
        for rank, i in enumerate(initiatives, start=1):
            entries.append(
                RoadmapEntry(
                    rank=rank,
                    title=shorten(i.title, MAX_TITLE),
                    description=shorten(i.description, MAX_COMMENT),
                    dimension=names.get(i.dimension_key, i.dimension_key),
                    horizon=i.horizon,
                    owner=shorten(i.owner, MAX_NAME) or "Owner to be agreed",
                    effort=i.effort,
                    impact=i.impact,
                    effort_text=f"Effort {i.effort}/5",
                    impact_text=f"Impact {i.impact}/5",
                    status=statuses.get(i.status, i.status),
                    status_key=i.status,
                    due=f"Due {issued_text(i.due_date or due_date(issued_on, i.horizon))}",
                    done_when=done_when_text(i.description)
                    or (
                        done_when_text(recommendation_of[i.recommendation_key].description)
                        if i.recommendation_key in recommendation_of
                        else ""
                    ),
                )
            )
        intro = (
            f"The {len(entries)} {'initiative' if len(entries) == 1 else 'initiatives'} agreed for "
            f"{shorten(assessment.period, 40)}, by horizon, with their owners and status."
        )
    else:
        source = "recommendations"
        in_order = sorted(derived.items, key=lambda item: (HORIZONS.index(item.horizon), item.rank))
        for rank, item in enumerate(in_order, start=1):
            rec = item.recommendation
            entries.append(
                RoadmapEntry(
                    rank=rank,
                    title=rec.title,
                    description=rec.description,
                    dimension=names[item.dimension],
                    horizon=item.horizon,
                    owner=rec.owner_role or "Owner to be agreed",
                    effort=rec.effort,
                    impact=rec.impact,
                    effort_text=f"Effort {rec.effort}/5",
                    impact_text=f"Impact {rec.impact}/5",
                    status="",
                    status_key="",
                    due=f"Due {issued_text(due_date(issued_on, item.horizon))}",
                    done_when=done_when_text(rec.description),
                )
            )
        intro = (
            "The steps from today's levels to the targets, numbered in the order to take them: the first 90 days "
            "first, and within each period the steps that close the biggest gaps for the least effort. The dates "
            "are the end of each period; agree owners and dates to turn the steps into tracked initiatives."
            if entries
            else "Every dimension with a target has reached it: no steps are needed to reach the targets."
            if targets
            else "No target levels are set for this assessment, so there are no steps to plan yet. Agree a "
            "target level per dimension and the roadmap lists the steps to reach them."
        )
    notes = []
    if derived.skipped_dimensions:
        notes.append(
            "Not planned for lack of evidence: " + ", ".join(names[k] for k in derived.skipped_dimensions) + "."
        )
    untargeted = [d.name for d in rubric.dimensions if d.key not in targets]
    if untargeted and source == "recommendations":
        notes.append("No target set, so no steps planned: " + ", ".join(untargeted) + ".")
    horizons = tuple(
        RoadmapHorizon(
            key=h,
            name=HORIZON_NAMES[h],
            entries=tuple(e for e in entries if e.horizon == h),
            empty_note=f"Nothing planned for {HORIZON_NAMES[h]}.",
        )
        for h in HORIZONS
    )
    return RoadmapSection(
        source=source,
        intro=intro,
        horizons=horizons,
        notes=tuple(notes),
        heading=Heading("The roadmap", _roadmap_title(source, entries, targets)),
    )


def _roadmap_title(source: str, entries: Sequence[RoadmapEntry], targets: Mapping[str, int]) -> str:
    """The roadmap page's conclusion: how many steps, and how many fall in the next 90 days."""
    soon = sum(1 for e in entries if e.horizon == HORIZONS[0])
    steps = "step" if len(entries) == 1 else "steps"
    if source == "initiatives":
        done = sum(1 for e in entries if e.status_key == "done")
        return (
            f"{capitalised(number_word(len(entries)))} {'initiative' if len(entries) == 1 else 'initiatives'} "
            f"agreed, {number_word(done)} done; {number_word(soon)} due in the first 90 days"
        )
    if not entries:
        return (
            "Every target is reached: no steps are needed"
            if targets
            else "No target levels are set, so no steps are planned yet"
        )
    return (
        f"{capitalised(number_word(len(entries)))} {steps} lead to the targets, "
        f"{number_word(soon)} of them in the next 90 days"
    )


def _year_over_year(
    rubric: Rubric,
    assessed: Sequence[models.Assessment],
    history: Sequence[AssessmentSnapshot],
    previous: AssessmentSnapshot | None,
    previous_assessment: models.Assessment | None,
    targets: Mapping[str, int],
    names: Mapping[str, str],
) -> YearOverYear:
    periods = tuple(s.period for s in history)
    trend_rows = []
    for trend in trends(history):
        if trend.key not in names:
            continue  # a dimension this rubric version no longer has: stated in the method appendix
        values = tuple(value for _, value in trend.points)
        first = next((v for v in values if v is not None), None)
        last = values[-1] if values else None
        if len(values) < 2:
            change = "First assessment."
        elif first is None or last is None:
            change = "Not scored in every period."
        else:
            change = f"{delta_text(score_change(first, last))} since {periods[0]}"  # type: ignore[arg-type]
        trend_rows.append(
            Trend(
                key=trend.key,
                dimension=names[trend.key],
                periods=periods,
                values=values,
                scores=tuple(score_text(v) for v in values),
                target=float(targets[trend.key]) if trend.key in targets else None,
                change_text=change,
            )
        )
    intro = (
        f"Each dimension's score in every assessment from {periods[0]} to {periods[-1]}, with this year's target."
        if len(periods) > 1
        else "This is the organisation's first assessment: the trend starts here."
    )
    outcomes: list[Outcome] = []
    statuses = dict(models.InitiativeStatus.choices)
    status_order = {s: i for i, s in enumerate(("done", "in_progress", "planned", "dropped"))}
    if previous_assessment is not None and previous is not None:
        current_scores = history[-1].dimensions
        initiatives = sorted(
            previous_assessment.initiatives.all(),
            key=lambda i: (status_order.get(i.status, 9), HORIZONS.index(i.horizon), i.id),
        )
        for i in initiatives:
            before = previous.dimensions.get(i.dimension_key)
            after = current_scores.get(i.dimension_key)
            moved = score_change(before, after)
            dropped = i.status == models.InitiativeStatus.DROPPED
            # A dropped initiative did nothing for its dimension: its change is not set beside it.
            outcomes.append(
                Outcome(
                    title=shorten(i.title, MAX_TITLE),
                    dimension=names.get(i.dimension_key, i.dimension_key),
                    owner=shorten(i.owner, MAX_NAME),
                    status=statuses.get(i.status, i.status),
                    status_key=i.status,
                    previous="" if dropped else score_text(before),
                    current="" if dropped else score_text(after),
                    change="" if dropped else "–" if moved is None else delta_text(moved),
                    direction="none" if dropped else direction_of(moved),
                    note="Dropped: not pursued, no change credited." if dropped else "",
                )
            )
        if outcomes:
            done = sum(1 for o in outcomes if o.status_key == "done")
            outcomes_note = (
                f"{done} of the {len(outcomes)} initiatives agreed in {previous.period} are done. Each one that "
                f"was pursued is shown beside the change in its dimension's score from {previous.period} to "
                f"{history[-1].period}; a dropped one is shown as dropped."
            )
        else:
            outcomes_note = f"No initiatives were tracked after the {previous.period} assessment."
    else:
        outcomes_note = "There is no earlier assessment, so no earlier initiatives to report on."
    versions = {(s.rubric_key, s.rubric_version) for s in history}
    rubric_note = (
        f"Every period was assessed with version {rubric.version} of the rubric, so the scores compare directly."
        if len(versions) == 1
        else "The rubric changed between periods; the method appendix lists what changed. "
        "Dimensions are compared by their stable keys."
    )
    return YearOverYear(
        heading=Heading("Year over year", _year_over_year_title(history, outcomes, previous)),
        periods=periods,
        intro=intro,
        trends=tuple(trend_rows),
        previous_period=previous.period if previous else "",
        outcomes=tuple(outcomes),
        outcomes_note=outcomes_note,
        rubric_note=rubric_note,
        kpis=outcome_kpis(outcome_history(assessed)),
    )


def _year_over_year_title(
    history: Sequence[AssessmentSnapshot], outcomes: Sequence[Outcome], previous: AssessmentSnapshot | None
) -> str:
    """The year-over-year page's conclusion: the overall score since the first period, and last year's plan."""
    if previous is None or len(history) < 2:
        return "The first assessment: the trend starts here"
    first, last = history[0], history[-1]
    change = score_change(first.overall, last.overall)
    if change is None:
        moved = f"The overall score is not comparable with {first.period}"
    elif direction_of(change) == "flat":
        moved = f"The overall score is unchanged since {first.period}"
    else:
        verb = "rose" if change > 0 else "fell"
        moved = (
            f"The overall score {verb} from {score_text(first.overall)} in {first.period} to {score_text(last.overall)}"
        )
    if not outcomes:
        return moved
    done = sum(1 for o in outcomes if o.status_key == "done")
    return f"{moved}; {number_word(done)} of {number_word(len(outcomes))} {previous.period} initiatives done"


def kpi_text(value: float | None, unit: str) -> str:
    """A KPI as it reads: 24.5%, 7.5 months, or a dash when the client gave none."""
    if value is None:
        return "–"
    return f"{value:.1f}%" if unit == "%" else f"{value:.1f} {unit}"


def kpi_change_text(change: float | None, unit: str) -> str:
    """A KPI's change with a true minus sign: percentages change by points (pts), ramp time by months."""
    if change is None:
        return "–"
    words = "pts" if unit == "%" else unit
    return f"{delta_text(change)} {words}"


def outcome_kpis(rows: Sequence[OutcomeRow]) -> OutcomeKpis:
    """The outcome KPIs across periods, each with its change from the previous period into this one."""
    periods = tuple(period for period, _ in rows[0].values) if rows else ()
    kept = []
    for row in rows:
        if not row.has_values:
            continue
        values = [value for _, value in row.values]
        change, verdict = (
            (None, "")
            if len(values) < 2
            else outcome_change(values[-2], values[-1], lower_is_better=row.lower_is_better)
        )
        kept.append(
            KpiRow(
                key=row.key,
                label=row.label,
                values=tuple(kpi_text(v, row.unit) for v in values),
                change=kpi_change_text(change, row.unit),
                verdict=verdict,
                lower_is_better=row.lower_is_better,
            )
        )
    if not kept:
        note = "The client has not given outcome KPIs (win rate, quota attainment, forecast accuracy, ramp time, "
        note += "attrition) for these periods."
    elif len(periods) > 1:
        note = (
            f"The business results the client gave for each period, beside the maturity scores. The change is from "
            f"{periods[-2]} to {periods[-1]}; for ramp time and attrition, lower is better."
        )
    else:
        note = "The business results the client gave for this period: next year's report shows how they move."
    return OutcomeKpis(
        periods=periods,
        change_heading=f"Change since {periods[-2]}" if len(periods) > 1 else "Change",
        rows=tuple(kept),
        note=note,
    )


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def percentile_text(percentile: float | None) -> str:
    """A percentile rank as it reads, rounded half up: 62.5 → 63rd percentile."""
    if percentile is None:
        return "–"
    return f"{ordinal(int(percentile + 0.5))} percentile"


def _benchmark(assessment: models.Assessment, scores: AssessmentScores, organisation: str) -> PeerBenchmarkBlock:
    result = peer_benchmark(assessment, own={key: d.score for key, d in scores.dimensions.items()})
    return benchmark_block(result.peers, result.dimensions, result.names, organisation, opted_out=result.opted_out)


def benchmark_block(
    peers: int,
    dimensions: Sequence[DimensionBenchmark],
    names: Mapping[str, str],
    organisation: str,
    *,
    opted_out: bool = False,
) -> PeerBenchmarkBlock:
    """Each dimension's percentile among `peers` comparable organisations, or one sentence when there are too
    few or the organisation opted out of the benchmark."""
    if opted_out:
        return PeerBenchmarkBlock(
            shown=False,
            peers=0,
            sentence=(
                f"{organisation} has opted out of the benchmark: it is not compared with other organisations, "
                "and they are not compared with it."
            ),
            rows=(),
        )
    if peers < MIN_PEERS:
        return PeerBenchmarkBlock(
            shown=False,
            peers=peers,
            sentence=(
                f"There are not yet enough comparable organisations to show where {organisation} stands among "
                f"them: a benchmark needs at least {MIN_PEERS}."
            ),
            rows=(),
        )
    return PeerBenchmarkBlock(
        shown=True,
        peers=peers,
        sentence=(
            f"Each dimension's percentile among {peers} comparable organisations: the other clients of the same "
            "firm, each by its latest closed assessment with the same rubric and enough responses. They are not "
            "named. At the 50th percentile half of them score lower."
        ),
        rows=tuple(
            BenchmarkRow(
                dimension=names.get(d.dimension, d.dimension),
                score=score_text(d.score),
                percentile=percentile_text(d.percentile),
                peer_median=score_text(d.peer_median),
            )
            for d in dimensions
        ),
    )


def _method(
    assessment: models.Assessment,
    published: Published,
    history: Sequence[AssessmentSnapshot],
    previous_assessment: models.Assessment | None,
    names: Mapping[str, str],
) -> Method:
    rubric, scores = published.rubric, published.scores
    minimum = published.minimum
    hidden = {g.group for g in scores.groups if g.hidden}
    group_names = {g.key: g.name for g in rubric.respondent_groups}
    order = [g.key for g in rubric.respondent_groups]
    counted = sorted(
        scores.respondents_by_group.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0])
    )
    groups = tuple(GroupCount(group=group_names.get(k, k), respondents=n, shown=k not in hidden) for k, n in counted)
    coverage = tuple(
        CoverageRow(
            dimension=d.name,
            coverage="–" if published.dimension_withheld(d.key) else percent_text(scores.dimensions[d.key].coverage),
            status=f"Withheld: {published.reason}"
            if published.dimension_withheld(d.key)
            else "Insufficient evidence"
            if scores.dimensions[d.key].insufficient_evidence
            else "Scored",
        )
        for d in rubric.dimensions
    )
    rubric_label = f"{rubric.name}, version {rubric.version}"
    rubric_history = tuple(f"{s.period}: version {s.rubric_version}" for s in history)
    changes = _rubric_changes(rubric, previous_assessment)
    low, high = rubric.scale_min, rubric.scale_max
    thresholds = ", ".join(f"{t:g}" for t in rubric.thresholds)
    mean_rule = (
        "the mean of the respondent groups' means, so each group counts equally"
        if scores.group_weighting
        else "the mean over submitted, on-time responses"
    )
    formulas = (
        Formula(
            "Answers",
            f"Each answer maps to its option's value on the {low}–{high} scale. \u201cDon't know / not "
            "applicable\u201d is left out of the scores and lowers coverage. Comments are never scored.",
        ),
        Formula(
            "Coverage",
            "Answered weight ÷ the weight of the criteria addressed to the respondent's group, each criterion "
            "weighted by its share of the dimension.",
        ),
        Formula(
            "Criterion score",
            f"{mean_rule[0].upper()}{mean_rule[1:]}, with the population standard deviation sd. "
            "Consensus = 1 − sd ÷ sd_max, where sd_max = (highest − lowest option value) ÷ 2. "
            "Agreement reads strong from 0.8, broad from 0.6, mixed from 0.4, divided below.",
        ),
        Formula(
            "Dimension score",
            "The weighted mean Σwx ÷ Σw of its answered criteria and sub-groups. A gated sub-group scores the "
            "highest level whose practices are all met (normalised score at or above the pass mark, 0.75).",
        ),
        Formula(
            "Overall score and index",
            f"The weighted mean of the dimension scores; index = (score − {low}) ÷ ({high} − {low}) × 100.",
        ),
        Formula(
            "Insufficient evidence",
            f"A dimension whose coverage is below {percent_text(rubric.coverage_threshold)} carries no score.",
        ),
        Formula("Level", f"The score against the thresholds {thresholds} on the {low}–{high} scale."),
        Formula(
            "Perception gap",
            f"Highest − lowest group score among groups of {minimum} or more respondents; reported from "
            f"{rubric.level_step:.1f}, one level step.",
        ),
        Formula(
            "Gap to target",
            "max(0, target − level); percent to target = 1 − Σgap ÷ Σtarget.",
        ),
        Formula(
            "Roadmap order",
            "The recommendations for every step between the current and the target level, ordered by "
            "gap × dimension weight × impact ÷ effort, dependencies first.",
        ),
        Formula(
            "Change since last year",
            "This year's score − last year's, both rounded to one decimal as shown, so the pages add up. "
            "Dimensions are compared by their stable keys.",
        ),
    )
    scored = [r for r in coverage if r.status == "Scored"]
    evidence = []
    for d in rubric.dimensions:
        withheld = published.dimension_withheld(d.key)
        score = scores.dimensions[d.key]
        rows = []
        for criterion in d.walk_criteria():
            aggregate = scores.criteria.get(criterion.key)
            if aggregate is None:
                continue
            answered = f"{aggregate.answered} of {aggregate.addressed}"
            if published.criterion_withheld(criterion.key):
                answered += " · withheld"
            elif aggregate.not_applicable:
                answered += f" · {aggregate.not_applicable} don't know"
            rows.append(
                EvidenceRow(
                    text=shorten(criterion.text, 110),
                    score=score_text(aggregate.mean),
                    agreement=consensus_text(aggregate.consensus),
                    answered=answered,
                )
            )
        evidence.append(
            DimensionEvidence(
                dimension=d.name,
                index="–" if withheld or score.index is None else f"{score.index:.0f}",
                coverage="–" if withheld else percent_text(score.coverage),
                agreement="–" if withheld else consensus_text(score.consensus),
                criteria=tuple(rows),
            )
        )
    return Method(
        heading=Heading(
            "Method",
            f"Based on {_respondents_sentence(scores)}; "
            + (
                "every dimension had enough answers to be scored"
                if len(scored) == len(coverage)
                else f"{number_word(len(scored))} of {number_word(len(coverage))} dimensions had enough answers "
                "to be scored"
            ),
        ),
        evidence=tuple(evidence),
        respondents=_respondents_sentence(scores),
        groups=groups,
        weighting=(
            "Each respondent group is weighted equally, so a large group does not drown a small one."
            if scores.group_weighting
            else "Every respondent counts equally."
        ),
        coverage=coverage,
        coverage_note=(
            f"A dimension needs {percent_text(rubric.coverage_threshold)} coverage to be scored. Groups with fewer "
            f"than {minimum} respondents count in every score but are never shown on their own. No figure, comment "
            f"or count of answers derived from fewer than {minimum} people is shown ({withheld_reason()} reads "
            "where one is withheld); an open assessment's scores are published to its consultants in snapshots, "
            f"each adding at least {minimum} responses, and to everyone else when it closes."
        ),
        rubric=rubric_label,
        rubric_history=rubric_history,
        rubric_changes=changes,
        formulas=formulas,
    )


# Up to this many new (or dropped) criteria are quoted in the method's rubric note; more are counted.
MAX_LISTED_CRITERIA = 8


def _rubric_changes(rubric: Rubric, previous_assessment: models.Assessment | None) -> tuple[str, ...]:
    """What changed between last year's rubric version and this year's: stated, never hidden."""
    if previous_assessment is None:
        return ()
    old = load_rubric(rubric_versions_of([previous_assessment])[previous_assessment.rubric_version_id]).rubric
    if (old.key, old.version) == (rubric.key, rubric.version):
        return (f"{previous_assessment.period} used the same version, so nothing changed.",)
    lines = [
        f"{previous_assessment.period} used {old.name}, version {old.version}; "
        f"this report uses version {rubric.version}."
    ]
    before = AssessmentSnapshot(
        0,
        "",
        old.key,
        old.version,
        None,
        {d.key: None for d in old.dimensions},
        {c.key: None for c in old.scored_criteria},
        **rubric_structure(old),
    )
    after = AssessmentSnapshot(
        0,
        "",
        rubric.key,
        rubric.version,
        None,
        {d.key: None for d in rubric.dimensions},
        {c.key: None for c in rubric.scored_criteria},
        **rubric_structure(rubric),
    )
    comparison = compare(before, across_skipped_versions(before, after))
    followed = [d for d in (*comparison.dimensions, *comparison.criteria) if d.previous_keys not in ((), (d.key,))]
    for delta in followed:
        if delta.key in rubric.dimension_by_key:
            carried_on = " and ".join(old.dimension_by_key[k].name for k in delta.previous_keys)
            lines.append(f"{rubric.dimension_by_key[delta.key].name} continues {carried_on}: compared with its scores.")
    renamed_criteria = [d for d in followed if d.key in rubric.criterion_by_key]
    if renamed_criteria:
        lines.append(
            f"{len(renamed_criteria)} {'criterion carries' if len(renamed_criteria) == 1 else 'criteria carry'} "
            "on under a new key or new wording, compared with what they replace."
        )
    for change in comparison.dimension_changes:
        if not change.like_for_like:
            name = rubric.dimension_by_key[change.key].name
            parts = [f"{len(change.added)} added"] if change.added else []
            parts += [f"{len(change.removed)} no longer asked"] if change.removed else []
            lines.append(f"{name} is not like for like: of its criteria, {' and '.join(parts)}.")
    new_dimensions = [k for k in comparison.only_in_current if k in rubric.dimension_by_key]
    new_criteria = [k for k in comparison.only_in_current if k in rubric.criterion_by_key]
    gone_dimensions = [k for k in comparison.only_in_previous if k in old.dimension_by_key]
    gone_criteria = [k for k in comparison.only_in_previous if k in old.criterion_by_key]
    lines += [f"New dimension: {rubric.dimension_by_key[k].name}." for k in new_dimensions]
    lines += [f"Dimension no longer assessed: {old.dimension_by_key[k].name}." for k in gone_dimensions]
    # A handful of questions are named; a new edition's dozens are counted (the rubric's export lists them).
    if len(new_criteria) <= MAX_LISTED_CRITERIA:
        lines += [f"New criterion: {rubric.criterion_by_key[k].text}" for k in new_criteria]
    else:
        lines.append(f"{len(new_criteria)} new criteria.")
    if len(gone_criteria) <= MAX_LISTED_CRITERIA:
        lines += [f"Criterion no longer asked: {old.criterion_by_key[k].text}" for k in gone_criteria]
    else:
        lines.append(f"{len(gone_criteria)} criteria no longer asked.")
    if old.thresholds != rubric.thresholds:
        lines.append(
            "Level thresholds changed from "
            + ", ".join(f"{t:g}" for t in old.thresholds)
            + " to "
            + ", ".join(f"{t:g}" for t in rubric.thresholds)
            + "."
        )
    for d in rubric.dimensions:
        was = old.dimension_by_key.get(d.key)
        if was is not None and was.weight != d.weight:
            lines.append(f"{d.name}: weight changed from {was.weight:g} to {d.weight:g}.")
    if len(lines) == 1:
        lines.append(
            "The dimensions, criteria, thresholds and weights are unchanged; only wording or recommendations differ."
        )
    return tuple(lines)


# --- laying it out --------------------------------------------------------------------------


def roadmap_html(document: RoadmapDocument) -> str:
    """The document as HTML for `html_to_pdf`: the section templates plus the charts drawn from its numbers."""
    levels = document.radar.levels
    radar = charts.radar_svg(
        charts.radar_chart(
            document.radar.labels, document.radar.series, levels=levels, size=380, title="Maturity by dimension"
        )
    )
    dimension_pages = []
    for page in document.dimensions:
        group_rows = [g for g in page.groups if not g.hidden]
        groups_svg = (
            charts.bars_svg(
                charts.bar_chart(
                    [charts.Bar(label=g.group, value=g.score) for g in group_rows],
                    levels=levels,
                    width=360,
                    label_width=112,
                    marker=page.score,
                    show_ticks=False,
                    title="Score by respondent group",
                )
            )
            if len(group_rows) > 1
            else ""
        )
        dimension_pages.append({"page": page, "groups_svg": groups_svg})
    trend_charts = [
        (
            trend,
            charts.trend_svg(
                charts.trend_chart(
                    trend.periods,
                    [charts.TrendSeries(name=trend.dimension, values=trend.values)],
                    levels=levels,
                    height=104,
                    target=trend.target,
                    title=f"{trend.dimension} by period",
                )
            ),
        )
        for trend in document.year_over_year.trends
    ]
    timeline = charts.timeline_svg(
        charts.horizon_timeline(
            [
                charts.TimelineItem(label=f"{e.rank}. {e.title}", horizon=e.horizon, style=e.status_key or "planned")
                for e in _entries_in_order(document.roadmap)
            ],
            horizon_names=HORIZON_NAMES,
            width=480,
            font_size=9,  # a label runs on past its bar in its own row, so most titles take one line
        )
    )
    logo = logo_path(document)
    html = render_to_string(
        "reports/roadmap/document.html",
        {
            "doc": document,
            "logo_src": logo.as_uri() if logo else "",
            "radar_svg": radar,
            "dimension_pages": dimension_pages,
            "trend_charts": trend_charts,
            "timeline_svg": timeline,
        },
    )
    # Text stored before the API refused control characters may still hold some: no font draws them,
    # and XML forbids them (organisations/text.py).
    return CONTROL_CHARACTERS.sub("", html)
