"""Assessments over the API: create, update while draft, open, close, targets, groups, progress, filters."""

from __future__ import annotations

from assessment import services
from assessment.models import Assessment, AssessmentState, Target
from tests.factories import OrganisationFactory


def test_a_consultant_creates_a_draft_assessment_with_groups_and_targets(
    consultant, organisation, default_rubric, api_client
):
    response = api_client(consultant).post(
        "/api/v1/assessments/",
        {
            "organisation": organisation.pk,
            "period": "FY2027",
            "title": "Yearly review",
            "rubric": default_rubric.pk,
            "respondent_groups": ["sales-leadership", "reps"],
            "targets": {"sales-process": 4},
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("period", "title", "state", "respondent_groups", "targets", "rubric_key")} == {
        "period": "FY2027",
        "title": "Yearly review",
        "state": "draft",
        "respondent_groups": ["sales-leadership", "reps"],
        "targets": {"sales-process": 4},
        "rubric_key": "sales-transformation",
    }
    assert Assessment.objects.get(pk=body["id"]).created_by == consultant


def test_without_a_rubric_the_latest_default_rubric_is_used(leader, organisation, default_rubric, api_client):
    response = api_client(leader).post("/api/v1/assessments/", {"organisation": organisation.pk, "period": "FY2027"})
    assert response.status_code == 201
    assert response.json()["rubric"] == default_rubric.pk
    assert response.json()["respondent_groups"] == ["sales-leadership", "managers", "reps", "marketing"]


def test_a_second_assessment_for_the_same_period_is_a_conflict(consultant, draft_assessment, api_client):
    response = api_client(consultant).post(
        "/api/v1/assessments/", {"organisation": draft_assessment.organisation_id, "period": "FY2026"}
    )
    assert response.status_code == 409
    assert response.json()["fields"] == {"period": ["Northwind Traders already has an assessment for FY2026."]}
    assert Assessment.objects.count() == 1


def test_an_unknown_group_or_target_creates_nothing(consultant, organisation, default_rubric, api_client):
    client = api_client(consultant)
    groups = client.post(
        "/api/v1/assessments/",
        {"organisation": organisation.pk, "period": "FY2027", "respondent_groups": ["interns"]},
    )
    targets = client.post(
        "/api/v1/assessments/",
        {"organisation": organisation.pk, "period": "FY2027", "targets": {"sales-process": 6}},
    )
    assert groups.status_code == targets.status_code == 422
    assert groups.json()["message"] == (
        "Unknown respondent group 'interns'; this rubric has: sales-leadership, managers, reps, marketing."
    )
    assert targets.json()["message"] == "The target for 'sales-process' must be a level from 1 to 5."
    assert not Assessment.objects.exists()


def test_a_draft_is_updated_but_an_open_assessment_keeps_its_settings(consultant, draft_assessment, api_client):
    client = api_client(consultant)
    url = f"/api/v1/assessments/{draft_assessment.pk}/"
    updated = client.patch(url, {"title": "Renamed", "respondent_groups": ["reps"], "group_weighting": True})
    assert updated.status_code == 200
    assert (updated.json()["title"], updated.json()["respondent_groups"], updated.json()["group_weighting"]) == (
        "Renamed",
        ["reps"],
        True,
    )
    assert client.post(f"{url}open/").json()["state"] == "open"
    refused = client.patch(url, {"title": "Again"})
    assert refused.status_code == 409
    assert refused.json() == {"code": "conflict", "message": "Cannot edit it: the assessment is open."}
    assert Assessment.objects.get(pk=draft_assessment.pk).title == "Renamed"


def test_opening_and_closing_follow_draft_open_closed(consultant, draft_assessment, api_client):
    client = api_client(consultant)
    url = f"/api/v1/assessments/{draft_assessment.pk}/"
    premature = client.post(f"{url}close/")
    opened = client.post(f"{url}open/")
    closed = client.post(f"{url}close/")
    again = client.post(f"{url}open/")
    assert [premature.status_code, opened.status_code, closed.status_code, again.status_code] == [409, 200, 200, 409]
    assert closed.json()["closed_at"] is not None
    assert Assessment.objects.get(pk=draft_assessment.pk).state == AssessmentState.CLOSED


def test_targets_are_set_level_by_level_until_the_assessment_closes(consultant, open_assessment, api_client):
    client = api_client(consultant)
    url = f"/api/v1/assessments/{open_assessment.pk}/targets/"
    response = client.patch(url, {"targets": {"technology": 5, "marketing-alignment": 2}})
    assert response.status_code == 200
    assert response.json() == {"targets": {"sales-process": 4, "technology": 5, "marketing-alignment": 2}}
    assert client.get(url).json() == response.json()
    services.close_assessment(assessment=open_assessment)
    refused = client.patch(url, {"targets": {"technology": 3}})
    assert refused.status_code == 409
    assert Target.objects.get(assessment=open_assessment, dimension_key="technology").level == 5


def test_progress_counts_responses_started_and_submitted_per_group(consultant, open_assessment, api_client):
    for group, submit in [("reps", True), ("reps", False), ("reps", True), ("marketing", False)]:
        response = services.start_response(assessment=open_assessment, group=group)
        if submit:
            services.submit_response(response=response)
    body = api_client(consultant).get(f"/api/v1/assessments/{open_assessment.pk}/progress/").json()
    assert (body["started"], body["submitted"]) == (4, 2)
    assert [(g["group"], g["started"], g["submitted"], g["in_progress"]) for g in body["groups"]] == [
        ("sales-leadership", 0, 0, 0),
        ("managers", 0, 0, 0),
        ("reps", 3, 2, 1),
        ("marketing", 1, 0, 1),
    ]


def test_assessments_filter_by_organisation_state_and_period(consultant, organisation, default_rubric, api_client):
    second = OrganisationFactory(name="Second Client", firm=organisation.firm)
    for org, period in [
        (organisation, "FY2024"),
        (organisation, "FY2025"),
        (organisation, "FY2026"),
        (second, "FY2025"),
    ]:
        services.create_assessment(organisation=org, period=period, rubric_version=default_rubric)
    services.open_assessment(assessment=Assessment.objects.get(organisation=organisation, period="FY2026"))
    client = api_client(consultant)

    def periods(query: str) -> list[tuple[str, str]]:
        response = client.get(f"/api/v1/assessments/?{query}")
        assert response.status_code == 200
        return [(a["period"], a["organisation"]) for a in response.json()["results"]]

    assert periods(f"organisation={second.pk}") == [("FY2025", second.pk)]
    assert periods("state=open") == [("FY2026", organisation.pk)]
    assert periods("period=FY2025") == [("FY2025", organisation.pk), ("FY2025", second.pk)]
    assert periods(f"organisation={organisation.pk}&period_from=FY2025&period_to=FY2025") == [
        ("FY2025", organisation.pk)
    ]


def test_a_bad_filter_value_is_a_400(consultant, api_client):
    response = api_client(consultant).get("/api/v1/assessments/?state=finished&organisation=99999999999999999999")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"state", "organisation"}
