"""Read-side assembly for a consultant's portfolio: each client's standing, the peer benchmark, outcomes.

Everything here reads closed assessments' `closing_scores` (written once when an assessment closes)
rather than re-scoring answers, so a portfolio of hundreds of clients costs a fixed number of queries;
the anonymity rules withhold what came from too few people.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Count, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from assessment import anonymity, models
from assessment.anonymity import published_headline
from assessment.benchmark import MIN_PEERS, DimensionBenchmark, benchmark
from assessment.outcomes import OUTCOME_KPIS
from assessment.queries import load_rubric, response_rate
from organisations.models import Organisation

T = TypeVar("T")


@dataclass(frozen=True)
class OpenAssessment:
    id: int
    period: str
    invited: int
    submitted: int

    @property
    def response_rate(self) -> float | None:
        return response_rate(submitted=self.submitted, invited=self.invited)


@dataclass(frozen=True)
class PortfolioRow:
    organisation: Organisation
    latest_id: int | None
    latest_period: str | None
    overall: float | None
    overall_level: int | None
    previous_period: str | None
    change: float | None  # overall score, latest closed minus the one before it
    open_assessments: tuple[OpenAssessment, ...]
    dimensions: Mapping[str, float | None] = field(default_factory=dict)  # latest closed, by dimension key
    overall_withheld: bool = False  # the latest closed overall came from too few people
    change_withheld: bool = False  # either overall of the change came from too few people
    overall_reason: str = ""  # why the latest closed has no overall though its dimensions are scored

    @property
    def trend(self) -> str:
        """up, down, flat or none: the arrow the portfolio shows."""
        if self.change is None:
            return "none"
        if abs(self.change) < 0.05:
            return "flat"
        return "up" if self.change > 0 else "down"


def consultant_organisations(user: Any) -> list[Organisation]:
    return list(Organisation.objects.of_firms_of(user).order_by("name", "id"))


# --- choosing and ordering the rows ------------------------------------------------------------------

PAGE_SIZE = 50
SORTS = ("name", "level", "change", "rate")
STATES = ("none", "draft", "open", "closed")  # of each client's latest assessment ("none": it has none)
SORT_CHOICES = tuple(key for sort in SORTS for key in (sort, f"-{sort}"))


@dataclass(frozen=True)
class PortfolioQuery:
    """Which clients, in which order: `sort` is one of SORT_CHOICES ("-" first: descending); the
    filters are empty for "any". Industry matches in any case."""

    sort: str = "name"
    industry: str = ""
    size_band: str = ""
    state: str = ""

    def __post_init__(self) -> None:
        if self.sort not in SORT_CHOICES:
            raise ValueError(f"unknown sort {self.sort!r}")
        if self.state and self.state not in STATES:
            raise ValueError(f"unknown state {self.state!r}")

    @property
    def key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


@dataclass(frozen=True)
class PortfolioPage:
    rows: list[PortfolioRow]
    count: int  # clients matching the filters, over every page
    number: int  # 1-based
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 on an empty page)."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


class PageOutOfRange(LookupError):
    """A page after the last one (or before the first)."""


def _clients(user: Any, query: PortfolioQuery) -> QuerySet[Organisation]:
    """The consultant's organisations that pass the filters, by name then id (one query when run)."""
    clients = Organisation.objects.of_firms_of(user)
    if query.industry:
        clients = clients.filter(industry__iexact=query.industry)
    if query.size_band:
        clients = clients.filter(size_band=query.size_band)
    if query.state:
        latest = (
            models.Assessment.objects.filter(organisation_id=OuterRef("pk")).order_by("-period", "-id").values("state")
        )
        clients = clients.annotate(latest_state=Subquery(latest[:1]))
        if query.state == "none":
            clients = clients.filter(latest_state__isnull=True)
        else:
            clients = clients.filter(latest_state=query.state)
    return clients.order_by("name", "id")


Closed = tuple[int, str, dict, int, bool]


def _closed_history(organisations: Any) -> dict[int, list[Closed]]:
    """Each organisation's two latest closed assessments, newest first: (id, period, the published
    headline of the scores kept at close, rubric version id, whether the overall is withheld). One
    query; `organisations` is a list of ids or a query of them."""
    closed: dict[int, list[Closed]] = {}
    for organisation_id, pk, period, scores, version_id in (
        models.Assessment.objects.closed()
        .filter(organisation_id__in=organisations)
        .order_by("organisation_id", "-period", "-id")
        .values_list("organisation_id", "id", "period", "closing_scores", "rubric_version_id")
    ):
        history = closed.setdefault(organisation_id, [])
        if len(history) < 2:
            history.append(_published(pk, period, scores, version_id))
    return closed


# The kept figures the overall score and level are published from (assessment/anonymity.py); the
# dimensions, which a sort by level or change does not need, stay in the database.
# Each is cast to a number in SQL: decoding thousands of small JSON values costs more than the query.
HEADLINE_KEYS = {
    "respondents": IntegerField(),
    "overall_respondents": IntegerField(),
    "overall": FloatField(),
    "overall_level": IntegerField(),
}


def _closed_headlines(organisations: Any, depth: int) -> dict[int, list[Closed]]:
    """As _closed_history, for sorting a whole portfolio: the `depth` latest closed assessments of each
    organisation with only their overall score and level (as published), read from the kept scores'
    keys rather than the whole document. One query."""
    closed: dict[int, list[Closed]] = {}
    for organisation_id, pk, period, version_id, *values in (
        models.Assessment.objects.closed()
        .filter(organisation_id__in=organisations)
        .order_by("organisation_id", "-period", "-id")
        .annotate(**{f"kept_{k}": Cast(KeyTextTransform(k, "closing_scores"), f) for k, f in HEADLINE_KEYS.items()})
        .values_list("organisation_id", "id", "period", "rubric_version_id", *(f"kept_{k}" for k in HEADLINE_KEYS))
    ):
        history = closed.setdefault(organisation_id, [])
        if len(history) < depth:
            kept = {key: value for key, value in zip(HEADLINE_KEYS, values, strict=True) if value is not None}
            history.append(_published(pk, period, kept, version_id))
    return closed


def _published(pk: int, period: str, kept: dict | None, version_id: int) -> Closed:
    # What may be shown of the kept scores (assessment/anonymity.py): none from too few people.
    shown = published_headline(kept)
    withheld = (kept or {}).get("overall") is not None and shown.get("overall") is None
    return (pk, period, shown, version_id, withheld)


def _open_assessments(organisations: Any) -> dict[int, list[OpenAssessment]]:
    """Each organisation's open assessments with their live invitations and submitted responses.

    One query whatever the number: the counts are kept beside each assessment by the database
    (models.AssessmentCounts), so ordering 2,000 clients by response rate reads 2,000 rows rather than
    every invitation and response.
    """
    rows = (
        models.Assessment.objects.open()
        .filter(organisation_id__in=organisations)
        .order_by("organisation_id", "period", "id")
        .values_list("organisation_id", "id", "period", "counts__live_invitations", "counts__submitted_responses")
    )
    by_organisation: dict[int, list[OpenAssessment]] = {}
    for organisation_id, pk, period, invited, submitted in rows:
        by_organisation.setdefault(organisation_id, []).append(
            OpenAssessment(id=pk, period=period, invited=invited or 0, submitted=submitted or 0)
        )
    return by_organisation


def _dimension_order(closed: Mapping[int, list[Closed]]) -> dict[int, list[str]]:
    """The top-level dimension keys of the latest closed assessments' rubric versions, in order (one query).

    The stored scores are a JSON object, whose key order the database need not keep (PostgreSQL's
    jsonb does not): each row's dimensions are put back in their rubric's order.
    """
    order: dict[int, list[str]] = {}
    versions = {history[0][3] for history in closed.values() if history}
    if not versions:
        return order
    for version_id, key in (
        models.Dimension.objects.filter(rubric_version_id__in=versions, parent__isnull=True)
        .order_by("rubric_version_id", "position")
        .values_list("rubric_version_id", "key")
    ):
        order.setdefault(version_id, []).append(key)
    return order


def _row(
    organisation: Organisation,
    history: Sequence[Closed],
    open_assessments: Sequence[OpenAssessment],
    order: Mapping[int, list[str]],
) -> PortfolioRow:
    latest = history[0] if history else None
    previous = history[1] if len(history) > 1 else None
    overall = latest[2].get("overall") if latest else None
    before = previous[2].get("overall") if previous else None
    return PortfolioRow(
        organisation=organisation,
        latest_id=latest[0] if latest else None,
        latest_period=latest[1] if latest else None,
        overall=overall,
        overall_level=latest[2].get("overall_level") if latest else None,
        previous_period=previous[1] if previous else None,
        change=round(overall - before, 2) if overall is not None and before is not None else None,
        open_assessments=tuple(open_assessments),
        dimensions=_in_order(latest[2].get("dimensions", {}), order.get(latest[3], [])) if latest else {},
        overall_withheld=bool(latest and latest[4]),
        change_withheld=bool(latest and previous and (latest[4] or previous[4])),
        overall_reason=str(latest[2].get("overall_reason") or "") if latest else "",
    )


def _latest_rate(open_assessments: Sequence[OpenAssessment]) -> float | None:
    """The response rate of the latest open assessment (None: none open, or nobody invited)."""
    return open_assessments[-1].response_rate if open_assessments else None


def _figure(history: Sequence[Closed], key: str) -> float | None:
    """The latest closed overall level, or its change since the one before, as published (None when
    nothing is closed or a figure is withheld)."""
    if key == "level":
        return history[0][2].get("overall_level") if history else None
    if len(history) < 2:
        return None
    latest, before = history[0][2].get("overall"), history[1][2].get("overall")
    return round(latest - before, 2) if latest is not None and before is not None else None


def _sort_value(row: PortfolioRow, key: str) -> float | None:
    if key == "level":
        return row.overall_level
    if key == "change":
        return row.change
    return _latest_rate(row.open_assessments)


def _order(items: list[T], value: Callable[[T], float | None], descending: bool) -> list[T]:
    """The items (already by name then id) by their figure; those without one last, in the order given.
    Python's sort is stable, also reversed: equal figures keep the name-then-id order."""
    known = [item for item in items if value(item) is not None]
    unknown = [item for item in items if value(item) is None]
    known.sort(key=lambda item: value(item) or 0.0, reverse=descending)
    return known + unknown


def _ordered(rows: list[PortfolioRow], query: PortfolioQuery) -> list[PortfolioRow]:
    """The rows (already by name then id) in the query's order, ties kept by name then id."""
    if query.key == "name":
        return rows[::-1] if query.descending else rows
    return _order(rows, lambda row: _sort_value(row, query.key), query.descending)


def portfolio(user: Any, query: PortfolioQuery | None = None) -> list[PortfolioRow]:
    """Every organisation the user consults for that passes the query's filters, with its standing, in
    the query's order; six queries whatever their number."""
    query = query or PortfolioQuery()
    organisations = list(_clients(user, query))
    ids = [o.pk for o in organisations]
    closed = _closed_history(ids) if ids else {}
    open_by_org = _open_assessments(ids) if ids else {}
    order = _dimension_order(closed)
    rows = [_row(o, closed.get(o.pk, []), open_by_org.get(o.pk, []), order) for o in organisations]
    return _ordered(rows, query)


def portfolio_page(user: Any, query: PortfolioQuery, number: int = 1, size: int = PAGE_SIZE) -> PortfolioPage:
    """One page of the portfolio: the same number of queries for 10 clients as for 2,000.

    By name, the database pages the clients and only the page's figures are read. By a figure, the
    figure is read for every client that passes the filters (the kept scores, or the grouped
    response counts), the rows are ordered in Python, and the rest is read for the page only.
    Raises PageOutOfRange for a page after the last (page 1 always exists, empty or not).
    """
    if number < 1:
        raise PageOutOfRange(number)
    clients = _clients(user, query)
    start = (number - 1) * size
    if query.key == "name":
        count = clients.count()
        if number > 1 and start >= count:
            raise PageOutOfRange(number)
        ordered = clients.reverse() if query.descending else clients
        organisations = list(ordered[start : start + size])
        closed = _closed_history([o.pk for o in organisations])
        open_by_org = _open_assessments([o.pk for o in organisations])
    else:
        everyone = list(clients.values_list("pk", flat=True))  # by name then id
        count = len(everyone)
        if query.key == "rate":
            open_by_org = _open_assessments(everyone)
            figures = {pk: _latest_rate(open_by_org.get(pk, ())) for pk in everyone}
        else:
            headlines = _closed_headlines(everyone, depth=1 if query.key == "level" else 2)
            figures = {pk: _figure(headlines.get(pk, ()), query.key) for pk in everyone}
        page_ids = _order(everyone, figures.__getitem__, query.descending)[start : start + size]
        place = {pk: i for i, pk in enumerate(page_ids)}
        organisations = sorted(Organisation.objects.filter(pk__in=page_ids), key=lambda o: place[o.pk])
        closed = _closed_history(page_ids)
        if query.key != "rate":
            open_by_org = _open_assessments(page_ids)
    if number > 1 and start >= count:
        raise PageOutOfRange(number)
    order = _dimension_order(closed)
    rows = [_row(o, closed.get(o.pk, []), open_by_org.get(o.pk, []), order) for o in organisations]
    return PortfolioPage(rows=rows, count=count, number=number, size=size)


def _in_order(scores: Mapping[str, float | None], keys: Sequence[str]) -> dict[str, float | None]:
    """The scores by the given key order; keys the order does not know come last, as stored."""
    return {**{k: scores[k] for k in keys if k in scores}, **scores}


@dataclass(frozen=True)
class PeerBenchmark:
    """Where one assessment stands among the other clients of its organisation's firm (never naming them)."""

    peers: int
    industry: str
    size_band: str
    dimensions: tuple[DimensionBenchmark, ...]
    names: dict[str, str]  # dimension key → name
    opted_out: bool = False  # the organisation left the benchmark: it is neither compared nor a peer

    @property
    def shown(self) -> bool:
        return not self.opted_out and self.peers >= MIN_PEERS

    @property
    def min_peers(self) -> int:
        return MIN_PEERS


def _kept_respondents(scores: Mapping[str, Any] | None) -> int:
    return int((scores or {}).get("respondents") or 0)


def own_dimension_scores(assessment: models.Assessment) -> dict[str, float | None]:
    """The scores the assessment is compared on: those kept when it closed, if they meet the anonymity
    rule; an open assessment is compared once it closes (its live scores change with each response)."""
    kept = assessment.closing_scores if assessment.state == models.AssessmentState.CLOSED else None
    if not kept or not anonymity.enough(_kept_respondents(kept)):
        return {}
    return dict(published_headline(kept)["dimensions"])


def peer_benchmark(
    assessment: models.Assessment, *, industry: str = "", size_band: str = "", own: dict | None = None
) -> PeerBenchmark:
    """Each dimension's percentile among the peers: the latest closed assessment (same rubric) of each other
    organisation of the same firm that has not opted out, whose kept scores come from at least
    MIN_RESPONDENTS counted responses; optionally only those in one industry and/or size band.

    `own` gives the scores to compare (those the caller already shows); by default the kept ones.
    """
    rubric = load_rubric(assessment.rubric_version).rubric
    names = {d.key: d.name for d in rubric.dimensions}
    organisation = assessment.organisation
    if organisation.benchmark_opt_out:
        return PeerBenchmark(
            peers=0, industry=industry, size_band=size_band, dimensions=(), names=names, opted_out=True
        )
    peers_qs = (
        models.Assessment.objects.closed()
        .filter(
            organisation__firm_id=organisation.firm_id,
            organisation__benchmark_opt_out=False,
            rubric_version__rubric_id=assessment.rubric_version.rubric_id,
            closing_scores__isnull=False,
        )
        .exclude(organisation_id=organisation.pk)
        .annotate(counted=Count("responses", filter=Q(responses__submitted_at__isnull=False, responses__late=False)))
    )
    if industry:
        peers_qs = peers_qs.filter(organisation__industry__iexact=industry)
    if size_band:
        peers_qs = peers_qs.filter(organisation__size_band=size_band)
    latest: dict[int, dict] = {}
    for organisation_id, scores, counted in peers_qs.order_by("organisation_id", "-period", "-id").values_list(
        "organisation_id", "closing_scores", "counted"
    ):
        # Both the kept count and the counted rows must meet the rule: scores kept without a count
        # (before the rule) never make a peer.
        if anonymity.enough(min(counted, _kept_respondents(scores))):
            latest.setdefault(organisation_id, scores)
    # Each peer's dimensions as the anonymity rules publish them: none derived from too few people.
    peers = [dict(published_headline(s)["dimensions"]) for s in latest.values()]
    result = benchmark(own if own is not None else own_dimension_scores(assessment), peers, list(names))
    return PeerBenchmark(peers=len(peers), industry=industry, size_band=size_band, dimensions=result, names=names)


@dataclass(frozen=True)
class OutcomeRow:
    """One outcome KPI across an organisation's assessments, oldest first."""

    key: str
    label: str
    unit: str
    lower_is_better: bool
    values: tuple[tuple[str, float | None], ...]  # (period, value)

    @property
    def has_values(self) -> bool:
        return any(v is not None for _, v in self.values)


def outcome_history(assessments: Sequence[models.Assessment]) -> tuple[OutcomeRow, ...]:
    """The outcome KPIs the client supplied for each of these assessments (one query)."""
    by_assessment = {o.assessment_id: o for o in models.Outcome.objects.filter(assessment__in=assessments)}
    return tuple(
        OutcomeRow(
            key=kpi.key,
            label=kpi.label,
            unit=kpi.unit,
            lower_is_better=kpi.lower_is_better,
            values=tuple(
                (a.period, getattr(by_assessment[a.pk], kpi.key) if a.pk in by_assessment else None)
                for a in assessments
            ),
        )
        for kpi in OUTCOME_KPIS
    )


def outcome_change(previous: float | None, current: float | None, *, lower_is_better: bool) -> tuple[float | None, str]:
    """current − previous (rounded to 0.1) and whether that is better, worse or level ("" when either is missing).

    For ramp time and attrition a fall is the improvement.
    """
    if previous is None or current is None:
        return None, ""
    change = round(current - previous, 1)
    if abs(change) < 0.05:
        return 0.0, "level"
    improved = (change < 0) if lower_is_better else (change > 0)
    return change, "better" if improved else "worse"
