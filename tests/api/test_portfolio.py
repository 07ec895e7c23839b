"""The consultant's portfolio over the API, its XLSX summary, and outcome KPIs in year over year."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from assessment import services
from assessment.models import Assessment, Outcome
from tests.assessment.test_portfolio import DIMENSIONS, client, closed
from tests.factories import InvitationFactory


@pytest.fixture
def clients(consultant, organisation, default_rubric):
    """Northwind: FY2024 2.1 → FY2025 2.6, FY2026 open with 4 invited and 1 submitted; Initech: nothing closed."""
    closed(organisation, default_rubric, "FY2024", 2.0, overall=2.1)
    closed(organisation, default_rubric, "FY2025", 2.6, overall=2.6, others=3.25)
    still_open = services.open_assessment(
        assessment=services.create_assessment(organisation=organisation, period="FY2026", rubric_version=default_rubric)
    )
    for _ in range(4):
        InvitationFactory(assessment=still_open, group="reps")
    response = services.start_response(assessment=still_open, group="reps")
    services.submit_response(response=response)
    initech = client(consultant, "Initech", industry="Software", size_band="21-100")
    return {"open": still_open, "initech": initech}


def test_a_consultant_sees_each_clients_latest_standing_trend_and_response_rate(
    clients, consultant, organisation, api_client
):
    response = api_client(consultant).get("/api/v1/portfolio/")
    assert response.status_code == 200
    assert (response.json()["count"], response.json()["next"], response.json()["previous"]) == (2, None, None)
    initech, northwind = response.json()["results"]
    assert northwind == {
        "organisation": {"id": organisation.pk, "name": "Northwind Traders", "industry": "", "size_band": ""},
        "latest_assessment": Assessment.objects.get(organisation=organisation, period="FY2025").pk,
        "latest_period": "FY2025",
        "overall": 2.6,
        "overall_level": 2,
        "previous_period": "FY2024",
        "change": 0.5,
        "trend": "up",
        "dimensions": {key: (2.6 if key == "sales-process" else 3.25) for key in DIMENSIONS},
        "open_assessments": [
            {"id": clients["open"].pk, "period": "FY2026", "invited": 4, "submitted": 1, "response_rate": 25.0}
        ],
    }
    assert initech == {
        "organisation": {"id": clients["initech"].pk, "name": "Initech", "industry": "Software", "size_band": "21-100"},
        "latest_assessment": None,
        "latest_period": None,
        "overall": None,
        "overall_level": None,
        "previous_period": None,
        "change": None,
        "trend": "none",
        "dimensions": {},
        "open_assessments": [],
    }


@pytest.mark.parametrize("who", ["leader", "viewer", "outsider"])
def test_the_portfolio_holds_only_organisations_one_consults_for(who, clients, request, api_client):
    names = [
        row["organisation"]["name"]
        for row in api_client(request.getfixturevalue(who)).get("/api/v1/portfolio/").json()["results"]
    ]
    assert names == (["Contoso Rivals"] if who == "outsider" else [])


def test_an_anonymous_caller_is_refused(db, api_client):
    assert api_client(None).get("/api/v1/portfolio/").status_code == 401
    assert api_client(None).get("/api/v1/portfolio/export.xlsx").status_code == 401


def test_the_portfolio_workbook_has_a_row_per_client_matching_the_portfolio_endpoint(clients, consultant, api_client):
    rows = api_client(consultant).get("/api/v1/portfolio/").json()["results"]
    response = api_client(consultant).get("/api/v1/portfolio/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="portfolio-20')
    header, *body = load_workbook(io.BytesIO(response.content))["Portfolio"].iter_rows(values_only=True)
    assert header == (
        "organisation",
        "industry",
        "size band",
        "latest period",
        "overall",
        "level",
        "previous period",
        "change",
        "trend",
        "open assessments",
        *DIMENSIONS,
    )
    assert len(body) == len(rows) == 2
    for cells, row in zip(body, rows, strict=True):
        line = dict(zip(header, cells, strict=True))
        assert line["organisation"] == row["organisation"]["name"]
        assert (line["industry"] or "") == row["organisation"]["industry"]
        assert (line["size band"] or "") == row["organisation"]["size_band"]
        assert (line["latest period"] or None) == row["latest_period"]
        assert (line["previous period"] or None) == row["previous_period"]
        assert line["overall"] == (row["overall"] if row["overall"] is not None else None)
        assert line["level"] == row["overall_level"]
        assert line["change"] == row["change"]
        assert line["trend"] == row["trend"]
        assert line["open assessments"] == len(row["open_assessments"])
        for key in DIMENSIONS:
            assert line[key] == row["dimensions"].get(key)
    # Worked by hand for Northwind: FY2025 overall 2.6, level 2, up 0.5 from FY2024, one open assessment.
    assert body[1][:10] == ("Northwind Traders", None, None, "FY2025", 2.6, 2, "FY2024", 0.5, "up", 1)


def test_the_outsiders_workbook_holds_nothing_of_ours(clients, outsider, api_client):
    response = api_client(outsider).get("/api/v1/portfolio/export.xlsx")
    cells = [
        c for row in load_workbook(io.BytesIO(response.content))["Portfolio"].iter_rows(values_only=True) for c in row
    ]
    assert "Contoso Rivals" in cells
    assert not any(isinstance(c, str) and ("Northwind" in c or "Initech" in c) for c in cells)


def test_year_over_year_shows_the_outcome_kpis_beside_the_scores(viewer, organisation, default_rubric, api_client):
    first = closed(organisation, default_rubric, "FY2024", 2.0)
    second = closed(organisation, default_rubric, "FY2025", 2.5)
    third = closed(organisation, default_rubric, "FY2026", 3.0)
    Outcome.objects.create(assessment=first, win_rate=18.0, ramp_months=7.5, attrition=20.0)
    Outcome.objects.create(assessment=second, win_rate=24.5, ramp_months=6.0, attrition=22.0)
    Outcome.objects.create(assessment=third, win_rate=24.5)
    body = api_client(viewer).get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()
    outcomes = {o["key"]: o for o in body["outcomes"]}
    assert list(outcomes) == ["win_rate", "reps_at_quota", "forecast_accuracy", "ramp_months", "attrition"]
    assert outcomes["ramp_months"] == {
        "key": "ramp_months",
        "label": "Average ramp time",
        "unit": "months",
        "lower_is_better": True,
        "points": [
            {"assessment": first.pk, "period": "FY2024", "value": 7.5},
            {"assessment": second.pk, "period": "FY2025", "value": 6.0},
            {"assessment": third.pk, "period": "FY2026", "value": None},
        ],
    }
    assert [p["value"] for p in outcomes["win_rate"]["points"]] == [18.0, 24.5, 24.5]
    first_step, second_step = ({o["key"]: o for o in c["outcomes"]} for c in body["comparisons"])
    # Beside the scores' change, each KPI's: a fall in ramp time is better, a rise in attrition worse.
    assert first_step["win_rate"] == {
        "key": "win_rate",
        "previous": 18.0,
        "current": 24.5,
        "change": 6.5,
        "verdict": "better",
    }
    assert first_step["ramp_months"] == {
        "key": "ramp_months",
        "previous": 7.5,
        "current": 6.0,
        "change": -1.5,
        "verdict": "better",
    }
    assert (first_step["attrition"]["change"], first_step["attrition"]["verdict"]) == (2.0, "worse")
    assert (second_step["win_rate"]["change"], second_step["win_rate"]["verdict"]) == (0.0, "level")
    assert (second_step["ramp_months"]["change"], second_step["ramp_months"]["verdict"]) == (None, "")
