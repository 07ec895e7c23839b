"""Scores, roadmap, initiatives and year over year over the API, with numbers worked out by hand."""

from __future__ import annotations

import datetime

import pytest

from assessment import services
from assessment.models import Initiative, InitiativeStatus
from tests.api.world import ALL_TARGETS, answer_everything
from tests.conftest import DEFAULT_RUBRIC

DIMENSIONS = ["sales-process", "organisation-design", "technology", "marketing-alignment", "strategic-leadership"]


def respond(assessment, group: str, option: str, count: int) -> None:
    for _ in range(count):
        response = services.start_response(assessment=assessment, group=group)
        answer_everything(response, option)
        services.submit_response(response=response)


def assessment_with_answers(organisation, rubric_version, period: str, answers: list[tuple[str, str, int]], close=True):
    assessment = services.create_assessment(
        organisation=organisation, period=period, rubric_version=rubric_version, targets=ALL_TARGETS
    )
    services.open_assessment(assessment=assessment)
    for group, option, count in answers:
        respond(assessment, group, option, count)
    if close:
        services.close_assessment(assessment=assessment)
    return assessment


def test_scores_show_level_gap_percent_to_target_and_progress_against_last_year(
    viewer, organisation, default_rubric, api_client
):
    assessment_with_answers(organisation, default_rubric, "FY2025", [("reps", "1", 3)])
    current = assessment_with_answers(organisation, default_rubric, "FY2026", [("reps", "3", 3)])
    body = api_client(viewer).get(f"/api/v1/assessments/{current.pk}/scores/").json()

    assert body["respondents"] == 3
    assert body["overall"] == {
        "respondents": 3,
        "withheld": None,
        "score": 3.0,
        "level": {"value": 3, "name": "Defined"},
        "index": 50.0,
        "coverage": 1.0,
        "insufficient_evidence": False,
    }
    assert [d["key"] for d in body["dimensions"]] == DIMENSIONS
    process = body["dimensions"][0]
    assert {k: process[k] for k in ("score", "consensus", "target_level", "gap", "baseline_score")} == {
        "score": 3.0,
        "consensus": 1.0,
        "target_level": 4,
        "gap": 1,
        "baseline_score": 1.0,
    }
    # progress-to-date = (current − baseline) ÷ (target − baseline) = (3 − 1) ÷ (4 − 1)
    assert process["progress_to_date"] == pytest.approx(2 / 3)
    # percent-to-target = 1 − Σgap ÷ Σtarget = 1 − 5 ÷ 20
    assert body["percent_to_target"] == 0.75
    assert body["baseline"]["period"] == "FY2025"
    stage = next(c for c in body["criteria"] if c["key"] == "stage-exit-criteria")
    assert {k: stage[k] for k in ("mean", "sd", "consensus", "answered", "not_applicable", "addressed")} == {
        "mean": 3.0,
        "sd": 0.0,
        "consensus": 1.0,
        "answered": 3,
        "not_applicable": 0,
        "addressed": 3,
    }


def test_groups_under_three_respondents_are_hidden_and_gaps_between_the_others_reported(
    consultant, organisation, default_rubric, api_client
):
    # The hidden groups number three together, so the shown ones do not give them away by subtraction.
    assessment = assessment_with_answers(
        organisation,
        default_rubric,
        "FY2026",
        [("reps", "2", 3), ("managers", "4", 3), ("marketing", "3", 2), ("sales-leadership", "3", 1)],
    )
    body = api_client(consultant).get(f"/api/v1/assessments/{assessment.pk}/scores/").json()
    groups = {g["group"]: g for g in body["groups"]}
    assert groups["marketing"] == {
        "group": "marketing",
        "name": "Marketing",
        "respondents": 2,
        "hidden": True,
        "withheld": "fewer than 3 responses",
        "overall_respondents": 2,
        "overall": None,
        "dimension_respondents": {},
        "dimensions": {},
    }
    assert groups["sales-leadership"]["hidden"] is True and groups["sales-leadership"]["overall"] is None
    assert groups["reps"]["dimensions"] == dict.fromkeys(DIMENSIONS, 2.0)
    assert groups["managers"]["dimensions"] == dict.fromkeys(DIMENSIONS, 4.0)
    assert body["perception_gaps"] == [
        {"dimension": d, "spread": 2.0, "highest_group": "managers", "lowest_group": "reps", "significant": True}
        for d in DIMENSIONS
    ]
    assert body["baseline"] is None
    assert body["dimensions"][0]["progress_to_date"] is None


def test_a_dimension_with_too_little_evidence_is_marked_not_scored(consultant, open_assessment, api_client):
    for _ in range(3):
        response = services.start_response(assessment=open_assessment, group="reps")
        services.save_answer(
            response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="4")
        )
        services.submit_response(response=response)
    body = api_client(consultant).get(f"/api/v1/assessments/{open_assessment.pk}/scores/").json()
    process = body["dimensions"][0]
    assert (process["score"], process["level"], process["insufficient_evidence"]) == (None, None, True)
    assert 0 < process["coverage"] < 0.6
    assert body["overall"]["insufficient_evidence"] is True


def test_the_roadmap_lists_the_steps_to_target_by_horizon_in_rank_order(consultant, world, api_client):
    body = api_client(consultant).get(f"/api/v1/assessments/{world.closed_assessment.pk}/roadmap/").json()
    items = [item for horizon in body["horizons"] for item in horizon["items"]]
    assert [h["key"] for h in body["horizons"]] == ["0-90d", "3-6m", "6-12m"]
    assert [h["name"] for h in body["horizons"]] == ["0–90 days", "3–6 months", "6–12 months"]
    assert sorted(i["rank"] for i in items) == list(range(1, len(items) + 1))
    # Level 2 everywhere, target 4: the steps from level 2 and from level 3.
    assert {i["from_level"] for i in items} == {2, 3}
    assert {i["gap"] for i in items} == {2}
    tracked = {i["recommendation_key"]: i["initiative"] for i in items if i["initiative"]}
    assert tracked == {"write-stage-exit-criteria": world.initiative.pk}


def test_an_initiative_is_created_from_a_roadmap_item_once(leader, world, api_client):
    client = api_client(leader)
    payload = {
        "assessment": world.closed_assessment.pk,
        "recommendation_key": "run-evidence-pipeline-reviews",
        "owner": "Head of sales",
        "due_date": "2026-03-31",
    }
    created = client.post("/api/v1/initiatives/", payload)
    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("dimension_key", "owner", "status", "due_date", "horizon")} == {
        "dimension_key": "sales-process",
        "owner": "Head of sales",
        "status": "planned",
        "due_date": "2026-03-31",
        "horizon": "0-90d",
    }
    again = client.post("/api/v1/initiatives/", payload)
    assert again.status_code == 409
    absent = client.post("/api/v1/initiatives/", {**payload, "recommendation_key": "define-core-stages"})
    assert absent.status_code == 422
    assert absent.json()["fields"] == {
        "recommendation_key": ["'define-core-stages' is not on this assessment's roadmap."]
    }
    assert Initiative.objects.filter(assessment=world.closed_assessment).count() == 2


def test_an_initiatives_owner_status_and_due_date_are_updated_and_the_date_cleared(consultant, world, api_client):
    client = api_client(consultant)
    url = f"/api/v1/initiatives/{world.initiative.pk}/"
    response = client.patch(url, {"owner": "VP Sales", "status": "in_progress", "due_date": "2026-06-30"})
    assert response.status_code == 200
    stored = Initiative.objects.get(pk=world.initiative.pk)
    assert (stored.owner, stored.status, stored.due_date) == (
        "VP Sales",
        InitiativeStatus.IN_PROGRESS,
        datetime.date(2026, 6, 30),
    )
    client.patch(url, {"due_date": None})
    stored.refresh_from_db()
    assert (stored.owner, stored.due_date) == ("VP Sales", None)


def test_initiatives_filter_by_status(consultant, world, api_client):
    services.update_initiative(initiative=world.initiative, status="done")
    client = api_client(consultant)
    done = client.get("/api/v1/initiatives/?status=done").json()["results"]
    planned = client.get("/api/v1/initiatives/?status=planned").json()["results"]
    assert ([i["id"] for i in done], planned) == ([world.initiative.pk], [])


def test_year_over_year_states_a_rubric_change_and_lists_keys_in_one_version_only(
    viewer, consultant, organisation, default_rubric, api_client
):
    last_year = assessment_with_answers(organisation, default_rubric, "FY2025", [("reps", "1", 3)])
    initiative = services.create_initiative(assessment=last_year, recommendation_key="define-core-stages")
    services.update_initiative(initiative=initiative, status="done")
    document = DEFAULT_RUBRIC.read_text().replace("key: win-loss-analysis", "key: win-loss-reviews")
    revised = services.import_rubric(document=document).version
    assessment_with_answers(organisation, revised, "FY2026", [("reps", "3", 3)], close=False)

    # A viewer sees nothing of the open FY2026 until it closes; the firm's consultant sees its snapshot.
    for_viewer = api_client(viewer).get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()
    assert [(a["period"], a["overall"]) for a in for_viewer["assessments"]] == [("FY2025", 1.0), ("FY2026", None)]
    body = api_client(consultant).get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()
    assert [(a["period"], a["rubric_version"], a["overall"]) for a in body["assessments"]] == [
        ("FY2025", 1, 1.0),
        ("FY2026", 2, 3.0),
    ]
    [comparison] = body["comparisons"]
    assert comparison["rubric_changed"] is True
    assert comparison["rubric_change"] == (
        "FY2026 was assessed with sales-transformation version 2, FY2025 with sales-transformation version 1: "
        "scores are compared by dimension and criterion key, and keys found in only one of them are listed, "
        "not compared."
    )
    assert (comparison["only_in_previous"], comparison["only_in_current"]) == (
        ["win-loss-analysis"],
        ["win-loss-reviews"],
    )
    assert comparison["overall"] == {"key": "overall", "previous": 1.0, "current": 3.0, "change": 2.0}
    assert [(d["key"], d["change"]) for d in comparison["dimensions"]] == [(k, 2.0) for k in DIMENSIONS]
    assert "win-loss-analysis" not in [c["key"] for c in comparison["criteria"]]
    assert [(i["title"], i["status"]) for i in comparison["previous_initiatives"]] == [(initiative.title, "done")]
    assert body["trends"][0] == {
        "key": "sales-process",
        "points": [{"period": "FY2025", "score": 1.0}, {"period": "FY2026", "score": 3.0}],
    }


def test_year_over_year_of_an_organisation_without_assessments_is_empty(viewer, organisation, api_client):
    body = api_client(viewer).get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()
    outcomes = body.pop("outcomes")
    assert body == {"organisation": organisation.pk, "assessments": [], "comparisons": [], "trends": []}
    assert [(o["key"], o["points"]) for o in outcomes] == [
        ("win_rate", []),
        ("reps_at_quota", []),
        ("forecast_accuracy", []),
        ("ramp_months", []),
        ("attrition", []),
    ]


def test_outcome_kpis_are_recorded_cleared_and_range_checked(consultant, open_assessment, api_client):
    url = f"/api/v1/assessments/{open_assessment.pk}/outcomes/"
    client = api_client(consultant)
    empty = client.get(url).json()
    assert empty == {
        "win_rate": None,
        "reps_at_quota": None,
        "forecast_accuracy": None,
        "attrition": None,
        "ramp_months": None,
        "updated_at": None,
    }
    recorded = client.patch(url, {"win_rate": 27.5, "ramp_months": 6})
    assert recorded.status_code == 200
    assert (recorded.json()["win_rate"], recorded.json()["ramp_months"]) == (27.5, 6.0)
    cleared = client.patch(url, {"win_rate": None, "attrition": 12})
    assert {k: cleared.json()[k] for k in ("win_rate", "attrition", "ramp_months")} == {
        "win_rate": None,
        "attrition": 12.0,
        "ramp_months": 6.0,
    }
    refused = client.patch(url, {"win_rate": 101, "attrition": 5})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"win_rate": ["Ensure this value is less than or equal to 100."]}
    assert client.get(url).json()["attrition"] == 12.0
