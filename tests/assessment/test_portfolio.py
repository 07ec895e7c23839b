"""The portfolio read side: each client's standing, the peer benchmark over real rows, outcome history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment.models import Assessment, AssessmentState, Outcome, Response
from assessment.portfolio import outcome_history, peer_benchmark, portfolio
from organisations.models import Role
from tests.factories import MembershipFactory, OrganisationFactory

DIMENSIONS = ("sales-process", "organisation-design", "technology", "marketing-alignment", "strategic-leadership")


def closed(organisation, rubric, period, process, *, overall=None, others=2.0, respondents=3):
    """A closed assessment as close_assessment leaves it: its headline numbers kept on the row, computed
    from `respondents` counted responses (three by default, enough for the anonymity rule)."""
    dims = {key: (process if key == "sales-process" else others) for key in DIMENSIONS}
    assessment = Assessment.objects.create(
        organisation=organisation,
        period=period,
        rubric_version=rubric,
        state=AssessmentState.CLOSED,
        closing_scores={
            "respondents": respondents,
            "overall": overall if overall is not None else process,
            "overall_level": int(overall or process),
            "dimensions": dims,
        },
    )
    submitted = timezone.now()
    Response.objects.bulk_create(
        Response(assessment=assessment, group="reps", submitted_at=submitted) for _ in range(respondents)
    )
    return assessment


def client(consultant, name, **fields):
    """An organisation of a firm of its own, which the consultant consults for."""
    organisation = OrganisationFactory(name=name, **fields)
    MembershipFactory(organisation=organisation, user=consultant, role=Role.CONSULTANT)
    return organisation


def peer(organisation, name, **fields):
    """Another client of the organisation's firm: a possible peer in its benchmark."""
    return OrganisationFactory(firm=organisation.firm, name=name, **fields)


@pytest.fixture
def own(organisation, consultant, default_rubric):
    return closed(organisation, default_rubric, "FY2026", 3.0)


def test_percentiles_count_the_firms_other_clients_latest_closed_assessment(own, default_rubric):
    # Five peers; one has an older, higher assessment that must not count, only its latest.
    for i, score in enumerate((1.0, 2.0, 3.0, 4.0, 5.0)):
        other = peer(own.organisation, f"Peer {i}")
        if i == 0:
            closed(other, default_rubric, "FY2024", 4.9)
        closed(other, default_rubric, "FY2025", score)
    result = peer_benchmark(own)
    by_key = {d.dimension: d for d in result.dimensions}
    assert result.peers == 5 and result.shown and not result.opted_out
    # 3.0 among 1, 2, 3, 4, 5: two below and one tie → (2 + ½) / 5 = 50th percentile.
    assert by_key["sales-process"].percentile == pytest.approx(50.0)
    assert by_key["sales-process"].peer_median == 3.0
    # Every peer scored 2.0 elsewhere, as did the organisation: all ties meet at the middle.
    assert by_key["technology"].percentile == pytest.approx(50.0)


def test_fewer_than_five_peers_show_no_percentile(own, default_rubric):
    for i in range(4):
        closed(peer(own.organisation, f"Peer {i}"), default_rubric, "FY2025", 1.0)
    result = peer_benchmark(own)
    assert result.peers == 4 and not result.shown
    assert all(d.percentile is None and d.peer_median is None for d in result.dimensions)


def test_other_firms_clients_open_assessments_and_too_few_respondents_are_not_peers(
    own, consultant, default_rubric, outsider
):
    for i in range(4):
        closed(peer(own.organisation, f"Peer {i}"), default_rubric, "FY2025", 1.0)
    # The same consultant's client in another firm, and another consultant's client: other firms.
    closed(client(consultant, "Client of another firm"), default_rubric, "FY2025", 1.0)
    closed(client(outsider, "Someone else's client"), default_rubric, "FY2025", 1.0)
    still_open = peer(own.organisation, "Still collecting")
    Assessment.objects.create(
        organisation=still_open, period="FY2026", rubric_version=default_rubric, state=AssessmentState.OPEN
    )
    closed(peer(own.organisation, "Two answered"), default_rubric, "FY2025", 1.0, respondents=2)
    # Three submitted, but one after the close: it is kept, not counted, so the scores came from two.
    late = closed(peer(own.organisation, "One was late"), default_rubric, "FY2025", 1.0)
    Response.objects.filter(pk=late.responses.first().pk).update(late=True)
    assert peer_benchmark(own).peers == 4


def test_an_older_assessment_that_meets_the_rule_stands_in_for_a_later_one_that_does_not(own, default_rubric):
    for i in range(4):
        closed(peer(own.organisation, f"Peer {i}"), default_rubric, "FY2025", 1.0)
    fifth = peer(own.organisation, "Fifth")
    closed(fifth, default_rubric, "FY2024", 5.0)
    closed(fifth, default_rubric, "FY2025", 4.0, respondents=2)
    result = peer_benchmark(own)
    assert result.peers == 5
    # The peers' sales process: 1, 1, 1, 1 and the FY2024 5.0, never the two-respondent 4.0.
    assert result.dimensions[0].peer_median == 1.0
    assert result.dimensions[0].percentile == pytest.approx(80.0)


def test_an_organisation_that_opted_out_is_neither_a_peer_nor_shown_a_benchmark(own, default_rubric):
    others = [peer(own.organisation, f"Peer {i}") for i in range(6)]
    for other in others:
        closed(other, default_rubric, "FY2025", 1.0)
    others[0].benchmark_opt_out = True
    others[0].save()
    assert peer_benchmark(own).peers == 5
    assert peer_benchmark(Assessment.objects.get(organisation=others[1])).peers == 5  # 4 others and us

    own.organisation.benchmark_opt_out = True
    own.organisation.save()
    mine = peer_benchmark(own)
    assert mine.opted_out and not mine.shown
    assert (mine.peers, mine.dimensions) == (0, ())
    # Nor are we a peer of the others any more.
    assert peer_benchmark(Assessment.objects.get(organisation=others[1])).peers == 4


def test_scores_kept_from_fewer_than_three_respondents_are_not_compared(organisation, default_rubric):
    few = closed(organisation, default_rubric, "FY2026", 3.0, respondents=2)
    for i in range(5):
        closed(peer(organisation, f"Peer {i}"), default_rubric, "FY2025", 1.0)
    result = peer_benchmark(few)
    assert result.shown
    assert all(d.score is None and d.percentile is None for d in result.dimensions)
    assert result.dimensions[0].peer_median == 1.0


def test_the_industry_and_size_band_filters_narrow_the_peers(own, default_rubric):
    for i, score in enumerate((1.0, 2.0, 4.0, 5.0, 5.0)):
        other = peer(own.organisation, f"Soft {i}", industry="Software", size_band="21-100")
        closed(other, default_rubric, "FY25", score)
    for i in range(3):
        other = peer(own.organisation, f"Mfg {i}", industry="Manufacturing", size_band="21-100")
        closed(other, default_rubric, "FY25", 1)
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
    # The clients, their closed assessments, their open ones, invitations and responses each grouped by
    # assessment (not asked for when none is open, as here), and the rubric's dimension order.
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


def test_a_peers_dimension_from_fewer_than_three_people_does_not_count_for_that_dimension(own, default_rubric):
    # Five peers of five respondents each; in one, only two people answered about sales process.
    for i, score in enumerate((1.0, 2.0, 3.0, 4.0, 5.0)):
        assessment = closed(peer(own.organisation, f"Peer {i}"), default_rubric, "FY2025", score, respondents=5)
        if i == 4:
            kept = dict(assessment.closing_scores, dimension_respondents=dict.fromkeys(DIMENSIONS, 5))
            kept["dimension_respondents"]["sales-process"] = 2
            Assessment.objects.filter(pk=assessment.pk).update(closing_scores=kept)
    by_key = {d.dimension: d for d in peer_benchmark(own).dimensions}
    # Four peers remain for sales process (too few for a percentile); technology still has all five.
    assert by_key["sales-process"].percentile is None and by_key["sales-process"].peer_median is None
    assert by_key["technology"].percentile is not None
