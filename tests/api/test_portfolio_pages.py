"""GET /api/v1/portfolio/ for a large firm: pages of 50, sorts, filters, bad values, and a fixed cost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations.models import Organisation
from tests.assessment.test_portfolio_pages import FILTERS, ORDERS, cast, many_clients  # noqa: F401 (a fixture)

URL = "/api/v1/portfolio/"


def names(body) -> list[str]:
    return [row["organisation"]["name"] for row in body["results"]]


@pytest.mark.parametrize("sort", ORDERS)
def test_each_sort_orders_the_clients_both_ways(cast, consultant, api_client, sort):  # noqa: F811
    response = api_client(consultant).get(URL, {"sort": sort})
    assert response.status_code == 200
    assert names(response.json()) == ORDERS[sort]
    assert response.json()["count"] == 8


@pytest.mark.parametrize("filters", FILTERS)
def test_each_filter_keeps_only_the_matching_clients(cast, consultant, api_client, filters):  # noqa: F811
    body = api_client(consultant).get(f"{URL}?{filters}").json()
    assert names(body) == FILTERS[filters]
    assert body["count"] == len(FILTERS[filters])


def test_withheld_figures_are_null(cast, consultant, api_client):  # noqa: F811
    body = api_client(consultant).get(URL, {"state": "draft"}).json()
    (damson,) = body["results"]
    assert (damson["overall"], damson["overall_level"], damson["change"], damson["trend"]) == (None, None, None, "none")
    assert set(damson["dimensions"].values()) == {None}


def test_pages_link_each_other_keeping_the_sort_and_filters(consultant, organisation, default_rubric, api_client):
    many_clients(organisation.firm, default_rubric, 119)
    http = api_client(consultant)
    first = http.get(URL, {"sort": "-level", "size_band": "", "industry": "Retail"}).json()
    # 59 of the 119 in Retail (Northwind Traders has no industry).
    assert first["count"] == 59 and len(first["results"]) == 50 and first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/portfolio/?industry=Retail&page=2&size_band=&sort=-level"
    second = http.get(first["next"]).json()
    assert len(second["results"]) == 9 and second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/portfolio/?industry=Retail&size_band=&sort=-level"
    ids = [row["organisation"]["id"] for page in (first, second) for row in page["results"]]
    assert len(set(ids)) == 59
    assert set(ids) == set(
        Organisation.objects.filter(firm=organisation.firm, industry="Retail").values_list("pk", flat=True)
    )
    levels = [row["overall_level"] for page in (first, second) for row in page["results"]]
    assert levels == sorted(levels, reverse=True)


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"sort": "size"}, "sort", '"size" is not a valid choice.'),
        ({"sort": "--name"}, "sort", '"--name" is not a valid choice.'),
        ({"state": "archived"}, "state", '"archived" is not a valid choice.'),
        ({"size_band": "huge"}, "size_band", '"huge" is not a valid choice.'),
        ({"industry": "x" * 101}, "industry", "Ensure this field has no more than 100 characters."),
        ({"page": "0"}, "page", "Ensure this value is greater than or equal to 1."),
        ({"page": "two"}, "page", "A valid integer is required."),
    ],
)
def test_a_bad_sort_filter_or_page_is_400_saying_which(cast, consultant, api_client, params, field, message):  # noqa: F811
    response = api_client(consultant).get(URL, params)
    assert response.status_code == 400
    assert message in str(response.json()), response.json()
    assert field in str(response.json())


def test_a_page_after_the_last_is_404(cast, consultant, api_client):  # noqa: F811
    http = api_client(consultant)
    assert http.get(URL, {"page": "2"}).status_code == 404
    assert http.get(URL, {"page": str(2**62)}).status_code == 404
    # An empty portfolio still has its first page.
    assert http.get(URL, {"industry": "Shipping"}).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_another_firms_clients_never_appear_nor_count(cast, outsider, consultant, api_client):  # noqa: F811
    body = api_client(outsider).get(URL, {"sort": "-rate"}).json()
    assert names(body) == ["Contoso Rivals"] and body["count"] == 1
    ours = api_client(consultant).get(URL, {"sort": "-rate"}).json()
    assert "Contoso Rivals" not in names(ours) and ours["count"] == 8


def _queries(http, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http.get(URL, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "-name"}, {"sort": "level", "industry": "software"}, {"sort": "-change"}, {"sort": "rate"}],
)
def test_a_page_costs_the_same_queries_for_10_clients_as_for_130(
    consultant, organisation, default_rubric, api_client, params
):
    http = api_client(consultant)
    many_clients(organisation.firm, default_rubric, 9)
    few = _queries(http, params)
    many_clients(organisation.firm, default_rubric, 120, invited=8, submitted=6)
    assert http.get(URL, params).json()["count"] > 50
    assert _queries(http, params) == few
    assert _queries(http, {**params, "page": "2"}) == few
