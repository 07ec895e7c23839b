"""Read-side assembly for a consultant's portfolio: each client's standing, the peer benchmark, outcomes.

Everything here reads closed assessments' `closing_scores` (written once when an assessment closes)
rather than re-scoring answers, so a portfolio of hundreds of clients costs a fixed number of queries;
the anonymity rules withhold what came from too few people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from assessment import anonymity, models
from assessment.anonymity import published_headline
from assessment.benchmark import MIN_PEERS, DimensionBenchmark, benchmark
from assessment.outcomes import OUTCOME_KPIS
from assessment.queries import load_rubric, response_rate
from organisations.models import Organisation


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


def portfolio(user: Any) -> list[PortfolioRow]:
    """The organisations the user consults for, with their standing; four queries whatever their number."""
    organisations = consultant_organisations(user)
    ids = [o.pk for o in organisations]
    closed: dict[int, list[tuple[int, str, dict, int]]] = {}
    for row in (
        models.Assessment.objects.closed()
        .filter(organisation_id__in=ids)
        .order_by("organisation_id", "-period", "-id")
        .values_list("organisation_id", "id", "period", "closing_scores", "rubric_version_id")
    ):
        # What may be shown of the kept scores (assessment/anonymity.py): none from too few people.
        closed.setdefault(row[0], []).append((row[1], row[2], published_headline(row[3]), row[4]))
    # The stored scores are a JSON object, whose key order the database need not keep (PostgreSQL's
    # jsonb does not): each row's dimensions are put back in their rubric's order.
    order: dict[int, list[str]] = {}
    versions = {history[0][3] for history in closed.values()}
    for version_id, key in (
        models.Dimension.objects.filter(rubric_version_id__in=versions, parent__isnull=True)
        .order_by("rubric_version_id", "position")
        .values_list("rubric_version_id", "key")
        if versions
        else ()
    ):
        order.setdefault(version_id, []).append(key)
    open_by_org: dict[int, list[OpenAssessment]] = {}
    for a in (
        models.Assessment.objects.open()
        .filter(organisation_id__in=ids)
        .annotate(
            invited=Count("invitations", filter=Q(invitations__revoked_at__isnull=True), distinct=True),
            submitted=Count("responses", filter=Q(responses__submitted_at__isnull=False), distinct=True),
        )
        .order_by("organisation_id", "period", "id")
        .values_list("organisation_id", "id", "period", "invited", "submitted")
    ):
        open_by_org.setdefault(a[0], []).append(OpenAssessment(id=a[1], period=a[2], invited=a[3], submitted=a[4]))
    rows = []
    for organisation in organisations:
        history = closed.get(organisation.pk, [])
        latest = history[0] if history else None
        previous = history[1] if len(history) > 1 else None
        overall = latest[2].get("overall") if latest else None
        before = previous[2].get("overall") if previous else None
        rows.append(
            PortfolioRow(
                organisation=organisation,
                latest_id=latest[0] if latest else None,
                latest_period=latest[1] if latest else None,
                overall=overall,
                overall_level=latest[2].get("overall_level") if latest else None,
                previous_period=previous[1] if previous else None,
                change=round(overall - before, 2) if overall is not None and before is not None else None,
                open_assessments=tuple(open_by_org.get(organisation.pk, ())),
                dimensions=_in_order(latest[2].get("dimensions", {}), order.get(latest[3], [])) if latest else {},
            )
        )
    return rows


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
