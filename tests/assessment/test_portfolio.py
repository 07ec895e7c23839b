"""The portfolio read side: each client's standing, the peer benchmark over real rows, outcome history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.models import Assessment, AssessmentState, Outcome
from assessment.portfolio import outcome_history, peer_benchmark, portfolio
from organisations.models import Role
from tests.factories import MembershipFactory, OrganisationFactory

DIMENSIONS = ("sales-process", "organisation-design", "technology", "marketing-alignment", "strategic-leadership")


def closed(organisation, rubric, period, process, *, overall=None, others=2.0):
    """A closed assessment as close_assessment leaves it: its headline numbers kept on the row."""
    dims = {key: (process if key == "sales-process" else others) for key in DIMENSIONS}
    return Assessment.objects.create(
        organisation=organisation,
        period=period,
        rubric_version=rubric,
        state=AssessmentState.CLOSED,
        closing_scores={
            "respondents": 5,
            "overall": overall if overall is not None else process,
            "overall_level": int(overall or process),
            "dimensions": dims,
        },
    )


def client(consultant, name, **fields):
    organisation = OrganisationFactory(name=name, **fields)
    MembershipFactory(organisation=organisation, user=consultant, role=Role.CONSULTANT)
    return organisation


@pytest.fixture
def own(organisation, consultant, default_rubric):
    return closed(organisation, default_rubric, "FY2026", 3.0)


def test_percentiles_count_the_consultants_other_clients_latest_closed_assessment(own, consultant, default_rubric):
    # Five peers; one has an older, higher assessment that must not count, only its latest.
    for i, score in enumerate((1.0, 2.0, 3.0, 4.0, 5.0)):
        peer = client(consultant, f"Peer {i}")
        if i == 0:
            closed(peer, default_rubric, "FY2024", 4.9)
        closed(peer, default_rubric, "FY2025", score)
    result = peer_benchmark(own)
    by_key = {d.dimension: d for d in result.dimensions}
    assert result.peers == 5 and result.shown
    # 3.0 among 1, 2, 3, 4, 5: two below and one tie → (2 + ½) / 5 = 50th percentile.
    assert by_key["sales-process"].percentile == pytest.approx(50.0)
    assert by_key["sales-process"].peer_median == 3.0
    # Every peer scored 2.0 elsewhere, as did the organisation: all ties meet at the middle.
    assert by_key["technology"].percentile == pytest.approx(50.0)


def test_fewer_than_five_peers_show_no_percentile(own, consultant, default_rubric):
    for i in range(4):
        closed(client(consultant, f"Peer {i}"), default_rubric, "FY2025", 1.0)
    result = peer_benchmark(own)
    assert result.peers == 4 and not result.shown
    assert all(d.percentile is None for d in result.dimensions)


def test_other_consultants_clients_and_open_assessments_are_not_peers(own, consultant, default_rubric, outsider):
    for i in range(4):
        closed(client(consultant, f"Peer {i}"), default_rubric, "FY2025", 1.0)
    closed(client(outsider, "Someone else's client"), default_rubric, "FY2025", 1.0)
    still_open = client(consultant, "Still collecting")
    Assessment.objects.create(
        organisation=still_open, period="FY2026", rubric_version=default_rubric, state=AssessmentState.OPEN
    )
    assert peer_benchmark(own).peers == 4


def test_industry_and_size_band_filters_narrow_the_peers(own, consultant, default_rubric):
    for i, score in enumerate((1.0, 2.0, 4.0, 5.0, 5.0)):
        closed(client(consultant, f"Soft {i}", industry="Software", size_band="21-100"), default_rubric, "FY25", score)
    for i in range(3):
        closed(client(consultant, f"Mfg {i}", industry="Manufacturing", size_band="21-100"), default_rubric, "FY25", 1)
    assert peer_benchmark(own).peers == 8
    software = peer_benchmark(own, industry="software")  # case does not matter
    assert software.peers == 5
    # 3.0 among 1, 2, 4, 5, 5: two below → 40th percentile.
    assert software.dimensions[0].dimension == "sales-process"
    assert software.dimensions[0].percentile == pytest.approx(40.0)
    assert peer_benchmark(own, industry="Manufacturing").peers == 3
    assert not peer_benchmark(own, industry="Manufacturing").shown
    assert peer_benchmark(own, size_band="1-20").peers == 0


def test_the_portfolio_shows_latest_level_trend_and_open_response_rate(consultant, organisation, default_rubric):
    closed(organisation, default_rubric, "FY2024", 2.0, overall=2.1)
    closed(organisation, default_rubric, "FY2025", 2.6, overall=2.6)
    Assessment.objects.create(
        organisation=organisation, period="FY2026", rubric_version=default_rubric, state=AssessmentState.OPEN
    )
    client(consultant, "New client")
    rows = {r.organisation.name: r for r in portfolio(consultant)}
    northwind = rows["Northwind Traders"]
    assert northwind.latest_period == "FY2025" and northwind.overall == 2.6 and northwind.overall_level == 2
    assert northwind.change == pytest.approx(0.5) and northwind.trend == "up"
    assert [a.period for a in northwind.open_assessments] == ["FY2026"]
    assert northwind.open_assessments[0].response_rate is None  # nobody invited yet
    fresh = rows["New client"]
    assert fresh.overall is None and fresh.trend == "none" and fresh.open_assessments == ()


def test_the_portfolio_lists_only_organisations_the_user_consults_for(consultant, leader, outsider, organisation):
    assert [r.organisation.name for r in portfolio(consultant)] == ["Northwind Traders"]
    assert portfolio(leader) == []
    assert [r.organisation.name for r in portfolio(outsider)] == ["Contoso Rivals"]


def test_the_portfolio_costs_the_same_queries_for_two_or_twenty_clients(consultant, default_rubric):
    def count():
        with CaptureQueriesContext(connection) as queries:
            portfolio(consultant)
        return len(queries)

    for i in range(2):
        closed(client(consultant, f"C{i}"), default_rubric, "FY25", 2.0)
    few = count()
    for i in range(2, 20):
        org = client(consultant, f"C{i}")
        closed(org, default_rubric, "FY24", 1.0)
        closed(org, default_rubric, "FY25", 2.0)
    assert count() == few == 4


def test_outcome_history_lines_up_each_kpi_with_the_periods(organisation, default_rubric):
    first = closed(organisation, default_rubric, "FY2025", 2.0)
    second = closed(organisation, default_rubric, "FY2026", 3.0)
    Outcome.objects.create(assessment=first, win_rate=18.0, ramp_months=7.5)
    Outcome.objects.create(assessment=second, win_rate=24.5)
    rows = {r.key: r for r in outcome_history([first, second])}
    assert rows["win_rate"].values == (("FY2025", 18.0), ("FY2026", 24.5))
    assert rows["ramp_months"].values == (("FY2025", 7.5), ("FY2026", None))
    assert rows["ramp_months"].lower_is_better and not rows["win_rate"].lower_is_better
    assert not rows["attrition"].has_values


def test_the_portfolio_gives_dimensions_in_rubric_order_whatever_order_they_were_stored_in(
    consultant, organisation, default_rubric
):
    # PostgreSQL's jsonb keeps object keys in its own order, not the order they were written in.
    scrambled = closed(organisation, default_rubric, "FY2026", 3.0)
    scrambled.closing_scores["dimensions"] = dict(reversed(scrambled.closing_scores["dimensions"].items()))
    scrambled.save()
    (row,) = portfolio(consultant)
    assert list(row.dimensions) == list(DIMENSIONS)
