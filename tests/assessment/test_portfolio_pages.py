"""The portfolio and the home page for a large firm: pages of 50, sorts, filters, and a fixed cost."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment, AssessmentState, Response
from assessment.portfolio import PageOutOfRange, PortfolioQuery, portfolio_page
from organisations.models import Organisation, Role
from surveys.models import Invitation
from tests.assessment.test_portfolio import DIMENSIONS, closed
from tests.factories import InvitationFactory, MembershipFactory, OrganisationFactory

# The cast below: each sort and filter has one right answer, worked out by hand.
EVERYONE = ["Alder", "Aspen", "Birch", "Cedar", "Damson", "Elm", "Fir", "Northwind Traders"]
ORDERS = {
    "name": EVERYONE,
    "-name": EVERYONE[::-1],
    # Cedar 2, Alder 3 and Aspen 3 (a tie: by name), Birch 4; withheld or nothing closed last, by name.
    "level": ["Cedar", "Alder", "Aspen", "Birch", "Damson", "Elm", "Fir", "Northwind Traders"],
    "-level": ["Birch", "Alder", "Aspen", "Cedar", "Damson", "Elm", "Fir", "Northwind Traders"],
    # Cedar fell 1.5, Alder rose 1.0; one closed assessment, a withheld one or none: no change, last.
    "change": ["Cedar", "Alder", "Aspen", "Birch", "Damson", "Elm", "Fir", "Northwind Traders"],
    "-change": ["Alder", "Cedar", "Aspen", "Birch", "Damson", "Elm", "Fir", "Northwind Traders"],
    # Alder 1 of 4, Fir 3 of 4, Birch 2 of 2; nothing open last.
    "rate": ["Alder", "Fir", "Birch", "Aspen", "Cedar", "Damson", "Elm", "Northwind Traders"],
    "-rate": ["Birch", "Fir", "Alder", "Aspen", "Cedar", "Damson", "Elm", "Northwind Traders"],
}
FILTERS = {
    "industry=SOFTWARE": ["Alder", "Cedar"],  # any case
    "size_band=1-20": ["Alder", "Cedar"],
    "state=open": ["Alder", "Birch", "Fir"],
    "state=closed": ["Aspen", "Cedar"],
    "state=draft": ["Damson"],
    "state=none": ["Elm", "Northwind Traders"],
    "industry=software&state=closed": ["Cedar"],
}


def open_with(organisation, rubric, *, invited: int, submitted: int, revoked: int = 0) -> Assessment:
    assessment = Assessment.objects.create(
        organisation=organisation, period="FY26", rubric_version=rubric, state=AssessmentState.OPEN
    )
    for _ in range(invited):
        InvitationFactory(assessment=assessment, group="reps")
    for _ in range(revoked):
        InvitationFactory(assessment=assessment, group="reps", revoked_at=timezone.now())
    Response.objects.bulk_create(
        Response(assessment=assessment, group="reps", submitted_at=timezone.now()) for _ in range(submitted)
    )
    Response.objects.create(assessment=assessment, group="reps")  # started, not submitted: not counted
    return assessment


@pytest.fixture
def cast(consultant, organisation, default_rubric, other_organisation):
    """Seven clients of the consultant's firm beside Northwind Traders (which has no assessment yet)."""
    firm = organisation.firm

    def make(name, **fields):
        return OrganisationFactory(firm=firm, name=name, **fields)

    alder = make("Alder", industry="Software", size_band="1-20")
    closed(alder, default_rubric, "FY24", 2.0)
    closed(alder, default_rubric, "FY25", 3.0)
    open_with(alder, default_rubric, invited=4, submitted=1, revoked=2)
    closed(make("Aspen", industry="Retail", size_band="101-500"), default_rubric, "FY25", 3.0)
    birch = make("Birch", industry="Retail", size_band="21-100")
    closed(birch, default_rubric, "FY25", 4.0)
    open_with(birch, default_rubric, invited=2, submitted=2)
    cedar = make("Cedar", industry="software", size_band="1-20")
    closed(cedar, default_rubric, "FY24", 3.5)
    closed(cedar, default_rubric, "FY25", 2.0)
    damson = make("Damson", industry="Retail")
    closed(damson, default_rubric, "FY24", 2.0)
    closed(damson, default_rubric, "FY25", 4.0, respondents=2)  # from too few people: withheld
    Assessment.objects.create(organisation=damson, period="FY26", rubric_version=default_rubric)
    make("Elm")
    open_with(make("Fir"), default_rubric, invited=4, submitted=3)
    # Another firm's client, with figures that would sort first: never shown, never counted.
    closed(other_organisation, default_rubric, "FY25", 5.0)
    open_with(other_organisation, default_rubric, invited=1, submitted=1)
    return {"alder": alder, "damson": damson}


def names(page) -> list[str]:
    return [row.organisation.name for row in page.rows]


@pytest.mark.parametrize("sort", ORDERS)
def test_each_sort_orders_the_clients_both_ways_ties_by_name(cast, consultant, sort):
    page = portfolio_page(consultant, PortfolioQuery(sort=sort))
    assert names(page) == ORDERS[sort]
    assert page.count == 8


@pytest.mark.parametrize("filters", FILTERS)
def test_each_filter_keeps_only_the_matching_clients(cast, consultant, filters):
    query = PortfolioQuery(**dict(part.split("=") for part in filters.split("&")))
    page = portfolio_page(consultant, query)
    assert names(page) == FILTERS[filters]
    assert page.count == len(FILTERS[filters])


def test_a_filtered_list_is_still_sorted(cast, consultant):
    page = portfolio_page(consultant, PortfolioQuery(sort="-rate", state="open"))
    assert names(page) == ["Birch", "Fir", "Alder"]


def test_withheld_scores_are_none_and_the_counts_are_the_live_ones(cast, consultant):
    rows = {r.organisation.name: r for r in portfolio_page(consultant, PortfolioQuery()).rows}
    damson = rows["Damson"]
    assert damson.overall is None and damson.overall_level is None and damson.change is None
    assert damson.overall_withheld and damson.change_withheld
    assert set(damson.dimensions.values()) == {None}
    alder = rows["Alder"]
    assert (alder.overall_level, alder.change, alder.overall_withheld) == (3, 1.0, False)
    # Two revoked invitations and a started response do not count.
    assert [(a.invited, a.submitted, a.response_rate) for a in alder.open_assessments] == [(4, 1, 25.0)]
    assert list(alder.dimensions) == list(DIMENSIONS)


def test_another_firms_clients_never_appear_nor_count(cast, consultant, outsider):
    page = portfolio_page(outsider, PortfolioQuery(sort="-level"))
    assert names(page) == ["Contoso Rivals"] and page.count == 1
    assert "Contoso Rivals" not in names(portfolio_page(consultant, PortfolioQuery(sort="-level")))


@pytest.mark.parametrize("who", ["leader", "viewer"])
def test_client_side_members_have_no_portfolio(cast, request, who):
    assert portfolio_page(request.getfixturevalue(who), PortfolioQuery()).count == 0


# --- many clients -----------------------------------------------------------------------------


def many_clients(firm, rubric, count: int, *, invited: int = 3, submitted: int = 2) -> list[Organisation]:
    """`count` clients set up in bulk; names come in pairs (ties on name fall to the id), levels repeat
    every four clients, and each client has two closed assessments and an open one."""
    first = Organisation.objects.filter(firm=firm).count()
    organisations = Organisation.objects.bulk_create(
        Organisation(
            firm=firm,
            name=f"Client {(first + i) // 2:04d}",
            industry=("Software", "Retail")[i % 2],
            size_band=("1-20", "21-100", "101-500")[i % 3],
        )
        for i in range(count)
    )
    now = timezone.now()
    closed_rows = []
    for i, organisation in enumerate(organisations):
        for period, score in (("FY24", 1 + (i * 7) % 4), ("FY25", 1 + i % 4)):
            closed_rows.append(
                Assessment(
                    organisation=organisation,
                    period=period,
                    rubric_version=rubric,
                    state=AssessmentState.CLOSED,
                    closing_scores={
                        "respondents": 3,
                        "overall": float(score),
                        "overall_level": score,
                        "dimensions": dict.fromkeys(DIMENSIONS, float(score)),
                    },
                )
            )
    Assessment.objects.bulk_create(closed_rows)
    current = Assessment.objects.bulk_create(
        Assessment(organisation=o, period="FY26", rubric_version=rubric, state=AssessmentState.OPEN)
        for o in organisations
    )
    Invitation.objects.bulk_create(
        Invitation(
            assessment=a,
            email=f"p{n}@c{a.pk}.example",
            group="reps",
            secret=f"{a.pk}-{n}",
            digest=f"{a.pk}-{n}",
            expires_at=now + timedelta(days=30),
        )
        for a in current
        for n in range(invited)
    )
    Response.objects.bulk_create(
        Response(assessment=a, group="reps", submitted_at=now) for a in current for _ in range(submitted)
    )
    return organisations


@pytest.mark.parametrize("sort", ["name", "-name", "level", "-level", "change", "-change", "rate", "-rate"])
def test_pages_of_50_never_overlap_and_together_hold_every_client(consultant, organisation, default_rubric, sort):
    many_clients(organisation.firm, default_rubric, 119)  # 120 with Northwind Traders
    query = PortfolioQuery(sort=sort)
    pages = [portfolio_page(consultant, query, n) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [50, 50, 20]
    assert {p.count for p in pages} == {120}
    ids = [row.organisation.pk for p in pages for row in p.rows]
    assert sorted(ids) == sorted(Organisation.objects.filter(firm=organisation.firm).values_list("pk", flat=True))
    whole = [row.organisation.pk for row in portfolio_page(consultant, query, 1, size=200).rows]
    assert ids == whole  # each page is its slice of one order
    with pytest.raises(PageOutOfRange):
        portfolio_page(consultant, query, 4)


def test_the_order_of_ties_is_name_then_id(consultant, organisation, default_rubric):
    many_clients(organisation.firm, default_rubric, 16)
    Organisation.objects.filter(firm=organisation.firm).update(name="Twin")
    rows = portfolio_page(consultant, PortfolioQuery(sort="-level")).rows
    level_four = [r.organisation.pk for r in rows if r.overall_level == 4]
    assert len(level_four) == 4 and level_four == sorted(level_four)
    assert [r.overall_level for r in rows] == [4] * 4 + [3] * 4 + [2] * 4 + [1] * 4 + [None]


def _queries(consultant, query: PortfolioQuery, number: int = 1) -> int:
    with CaptureQueriesContext(connection) as queries:
        portfolio_page(consultant, query, number)
    return len(queries)


QUERIES = [
    PortfolioQuery(),
    PortfolioQuery(sort="-name", industry="software"),
    PortfolioQuery(sort="level"),
    PortfolioQuery(sort="-change", size_band="1-20"),
    PortfolioQuery(sort="rate", state="open"),
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.sort}-{q.industry}-{q.size_band}-{q.state}")
def test_a_page_costs_the_same_queries_for_10_clients_as_for_160(consultant, organisation, default_rubric, query):
    many_clients(organisation.firm, default_rubric, 9)
    few = _queries(consultant, query)
    many_clients(organisation.firm, default_rubric, 150, invited=6, submitted=5)
    assert portfolio_page(consultant, query).count > 50  # more than a page matches
    assert _queries(consultant, query) == few
    assert _queries(consultant, query, 2) == few


# --- the pages ----------------------------------------------------------------------------------


def test_the_page_shows_the_range_and_links_to_the_other_pages_keeping_sort_and_filters(
    client, consultant, organisation, default_rubric
):
    many_clients(organisation.firm, default_rubric, 139)
    client.force_login(consultant)
    response = client.get(reverse("assessment:portfolio"), {"sort": "-level", "industry": "software", "page": "2"})
    html = response.content.decode()
    assert response.status_code == 200
    # 70 of the 140 are in Software (the fixture's Northwind Traders has no industry).
    assert "Showing 51–70 of 70 client organisations that match the filters" in html
    assert 'href="?sort=-level&amp;industry=software&amp;page=1" rel="prev"' in html
    assert 'aria-current="page">2<' in html
    assert 'rel="next"' not in html
    # The column links keep the filters, start again at page 1 and turn the current order round.
    assert 'href="?sort=level&amp;industry=software"' in html
    assert 'href="?sort=rate&amp;industry=software"' in html
    assert html.count('class="row-title"') == 20


def test_the_page_counts_in_thousands(client, consultant, organisation, default_rubric):
    Organisation.objects.bulk_create(Organisation(firm=organisation.firm, name=f"C{i:04d}") for i in range(1999))
    client.force_login(consultant)
    html = client.get(reverse("assessment:portfolio"), {"page": "2"}).content.decode()
    assert "Showing 51–100 of 2,000 client organisations." in html
    assert 'href="?page=40"' in html and 'href="?page=3" rel="next"' in html


def test_the_page_sorts_and_filters_as_the_service(cast, client, consultant):
    client.force_login(consultant)
    for sort, expected in ORDERS.items():
        html = client.get(reverse("assessment:portfolio"), {"sort": sort}).content.decode()
        assert re.findall(r'class="row-title"><a href="[^"]+">([^<]+)<', html) == expected, sort
    html = client.get(reverse("assessment:portfolio"), {"state": "draft"}).content.decode()
    assert re.findall(r'class="row-title"><a href="[^"]+">([^<]+)<', html) == ["Damson"]
    # Damson's latest closed assessment came from two people: its level and change are withheld.
    assert "Withheld</a>" in html and "Withheld: fewer than 3 responses" in html
    assert "Level 4" not in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"sort": "size"}, "Select a valid choice. size is not one of the available choices."),
        ({"state": "archived"}, "Select a valid choice. archived is not one of the available choices."),
        ({"size_band": "huge"}, "Select a valid choice. huge is not one of the available choices."),
        ({"industry": "x" * 101}, "Ensure this value has at most 100 characters"),
    ],
)
def test_a_bad_sort_or_filter_on_the_page_is_a_form_error(cast, client, consultant, params, message):
    client.force_login(consultant)
    response = client.get(reverse("assessment:portfolio"), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Alder" not in html


@pytest.mark.parametrize("number", ["0", "-1", "abc", "3", "99999999999999999999"])
def test_a_page_that_does_not_exist_is_404(cast, client, consultant, number):
    client.force_login(consultant)
    assert client.get(reverse("assessment:portfolio"), {"page": number}).status_code == 404


def test_an_empty_filter_result_says_so(cast, client, consultant):
    client.force_login(consultant)
    html = client.get(reverse("assessment:portfolio"), {"industry": "Shipping"}).content.decode()
    assert "No client organisation matches these filters." in html
    assert "No client organisations yet" not in html


def _page_queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"sort": "-rate", "size_band": "21-100"}, {"sort": "change", "state": "open"}])
def test_the_page_costs_the_same_queries_for_10_clients_as_for_130(
    client, consultant, organisation, default_rubric, params
):
    client.force_login(consultant)
    many_clients(organisation.firm, default_rubric, 9)
    few = _page_queries(client, reverse("assessment:portfolio"), params)
    many_clients(organisation.firm, default_rubric, 120)
    assert _page_queries(client, reverse("assessment:portfolio"), params) == few


# --- the home page ----------------------------------------------------------------------------


def test_the_home_page_lists_50_organisations_a_page(client, consultant, organisation, default_rubric):
    many_clients(organisation.firm, default_rubric, 60)
    client.force_login(consultant)
    first = client.get(reverse("home")).content.decode()
    assert first.count("<section ") == 50
    assert "Showing 1–50 of 61 organisations" in first
    assert 'href="?page=2" rel="next"' in first
    second = client.get(reverse("home"), {"page": "2"}).content.decode()
    assert second.count("<section ") == 11
    assert "Northwind Traders" in second and "Northwind Traders" not in first
    # Each open assessment with its two submitted responses (counted, not joined).
    assert "2 responses submitted" in second
    assert client.get(reverse("home"), {"page": "3"}).status_code == 404
    assert client.get(reverse("home"), {"page": "x"}).status_code == 404


def test_the_home_page_costs_the_same_queries_for_10_organisations_as_for_130(
    client, consultant, organisation, default_rubric
):
    client.force_login(consultant)
    many_clients(organisation.firm, default_rubric, 9)
    few = _page_queries(client, reverse("home"), {})
    many_clients(organisation.firm, default_rubric, 120)
    assert _page_queries(client, reverse("home"), {}) == few
    assert _page_queries(client, reverse("home"), {"page": "2"}) == few


def test_the_home_page_shows_a_leader_only_their_organisation(client, organisation, default_rubric, other_organisation):
    many_clients(organisation.firm, default_rubric, 60)
    leader = MembershipFactory(organisation=organisation, role=Role.LEADER).user
    client.force_login(leader)
    html = client.get(reverse("home")).content.decode()
    assert html.count("<section ") == 1 and "Northwind Traders" in html
    assert "Showing" not in html and 'aria-label="Pages"' not in html
