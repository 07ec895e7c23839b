"""The assessor's own rating with evidence: recorded by the firm's consultants, kept apart from the team's
scores, shown beside them, and driving the roadmap when the assessment says so."""

from __future__ import annotations

import pytest

from assessment.models import AssessorRating, KeptScores
from organisations.models import AuditEvent
from tests.api.conftest import token_client

TECHNOLOGY = [
    "crm-adoption",
    "crm-single-source",
    "crm-reflects-process",
    "crm-owned-by-business",
    "crm-data-quality",
    "dashboards-drive-decisions",
    "crm-helps-reps",
    "systems-integrated",
    "sales-tech-roadmap",
]


def _url(assessment, key: str = "") -> str:
    return f"/api/v1/assessments/{assessment.pk}/ratings/" + (f"{key}/" if key else "")


def _put(user, assessment, key: str, body: dict):
    return token_client(user).put(_url(assessment, key), body, format="json")


def _without_assessor(data):
    if isinstance(data, dict):
        return {k: _without_assessor(v) for k, v in data.items() if k != "assessor"}
    if isinstance(data, list):
        return [_without_assessor(v) for v in data]
    return data


def test_a_consultant_records_a_rating_with_evidence_and_sees_it_beside_the_teams_mean(world):
    closed = world.closed_assessment
    response = _put(
        world.consultant,
        closed,
        "win-loss-analysis",
        {
            "option": "1",
            "notes": "No win/loss reviews in the last two quarters.",
            "links": ["https://crm.example.com/reports/42"],
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["label"] == "Not in place"
    assert response.json()["value"] == 1
    assert response.json()["rated_by"]

    scores = token_client(world.consultant).get(f"/api/v1/assessments/{closed.pk}/scores/").json()
    criterion = next(c for c in scores["criteria"] if c["key"] == "win-loss-analysis")
    assert criterion["mean"] == 2  # the team's answers, untouched
    assert criterion["assessor"] == {
        "value": 1.0,
        "level": {"value": 1, "name": "Ad hoc"},
        "option": "1",
        "label": "Not in place",
        "notes": "No win/loss reviews in the last two quarters.",
        "links": ["https://crm.example.com/reports/42"],
    }
    sales_process = next(d for d in scores["dimensions"] if d["key"] == "sales-process")
    assert sales_process["assessor"]["value"] == 1
    assert "assessor" not in next(d for d in scores["dimensions"] if d["key"] == "technology")
    assert "assessor" not in next(c for c in scores["criteria"] if c["key"] == "crm-adoption")
    assert scores["overall"]["assessor"]["value"] == 1

    listed = token_client(world.leader).get(_url(closed)).json()
    assert listed["shown"] is True
    assert [r["criterion"] for r in listed["ratings"]] == ["win-loss-analysis"]
    assert AuditEvent.objects.filter(action="assessment.assessor_rating_changed").count() == 1


def test_the_assessors_rating_never_changes_the_respondents_scores(world):
    closed = world.closed_assessment
    client = token_client(world.consultant)
    before = client.get(f"/api/v1/assessments/{closed.pk}/scores/").json()
    kept_before = KeptScores.objects.get(assessment=closed).data
    for key in TECHNOLOGY:
        assert _put(world.consultant, closed, key, {"option": "5"}).status_code == 200
    assert _put(world.consultant, closed, "win-loss-analysis", {"not_applicable": True}).status_code == 200
    after = client.get(f"/api/v1/assessments/{closed.pk}/scores/").json()
    assert _without_assessor(after) == _without_assessor(before)
    assert KeptScores.objects.get(assessment=closed).data == kept_before
    assert next(d for d in after["dimensions"] if d["key"] == "technology")["assessor"]["value"] == 5


def test_the_roadmap_follows_the_assessors_scores_when_the_basis_says_so(world):
    closed = world.closed_assessment
    consultant = token_client(world.consultant)
    for key in TECHNOLOGY:
        _put(world.consultant, closed, key, {"option": "5"})

    def dimensions_on_the_roadmap():
        body = consultant.get(f"/api/v1/assessments/{closed.pk}/roadmap/").json()
        return {i["dimension"] for h in body["horizons"] for i in h["items"]}, body

    team, body = dimensions_on_the_roadmap()
    assert "technology" in team and body["basis"] == "team" and body["basis_note"] == ""

    patched = consultant.patch(f"/api/v1/assessments/{closed.pk}/", {"roadmap_basis": "assessor"}, format="json")
    assert patched.status_code == 200 and patched.json()["roadmap_basis"] == "assessor"
    assessor, body = dimensions_on_the_roadmap()
    # Technology is rated at its target (5 ≥ 4) by the assessor: nothing left to do there. The other
    # dimensions, which the assessor did not rate, keep the team's level and their recommendations.
    assert "technology" not in assessor
    assert assessor == team - {"technology"}
    assert body["basis"] == "assessor"
    assert "assessor's evidence" in body["basis_note"] and "team's scores" in body["basis_note"]


def test_only_the_firms_consultants_choose_the_basis_in_any_state_and_other_settings_stay_draft_only(world):
    closed = world.closed_assessment
    leader = token_client(world.leader).patch(
        f"/api/v1/assessments/{closed.pk}/", {"roadmap_basis": "assessor"}, format="json"
    )
    assert leader.status_code == 403
    consultant = token_client(world.consultant)
    wrong = consultant.patch(f"/api/v1/assessments/{closed.pk}/", {"roadmap_basis": "board"}, format="json")
    assert wrong.status_code == 400 and "roadmap_basis" in wrong.json()["fields"]
    both = consultant.patch(
        f"/api/v1/assessments/{closed.pk}/", {"roadmap_basis": "assessor", "title": "Renamed"}, format="json"
    )
    assert both.status_code == 409
    closed.refresh_from_db()
    assert closed.roadmap_basis == "team" and closed.title != "Renamed"


@pytest.mark.parametrize(
    ("key", "body", "status", "field", "words"),
    [
        ("no-such-criterion", {"option": "3"}, 404, None, "no criterion 'no-such-criterion'"),
        ("sales-process-comment", {"option": "3"}, 422, "criterion", "free text"),
        ("win-loss-analysis", {"option": "9"}, 422, "option", "not an option"),
        ("win-loss-analysis", {"option": "3", "not_applicable": True}, 422, "option", "either an option"),
        ("win-loss-analysis", {"notes": "no option"}, 422, "option", "either an option"),
        ("win-loss-analysis", {"option": "3", "links": ["ftp://files.example.com/plan"]}, 422, "links", "http"),
        ("win-loss-analysis", {"option": "3", "links": ["crm report"]}, 422, "links", "http"),
        ("win-loss-analysis", {"option": 3}, 400, "option", ""),
        ("win-loss-analysis", {"option": "3", "colour": "red"}, 400, "colour", ""),
    ],
)
def test_bad_ratings_are_refused_with_a_clear_message_and_nothing_stored(world, key, body, status, field, words):
    response = _put(world.consultant, world.closed_assessment, key, body)
    assert response.status_code == status, response.json()
    error = response.json()
    assert words in error["message"]
    if field:
        assert field in error["fields"]
    assert not AssessorRating.objects.exists()


def test_a_draft_cannot_be_rated_and_client_side_members_cannot_record(world):
    assert _put(world.consultant, world.draft_assessment, "win-loss-analysis", {"option": "3"}).status_code == 409
    leader = _put(world.leader, world.closed_assessment, "win-loss-analysis", {"option": "3"})
    assert leader.status_code == 403
    assert _put(world.viewer, world.closed_assessment, "win-loss-analysis", {"option": "3"}).status_code == 403
    outsider = _put(world.outsider, world.closed_assessment, "win-loss-analysis", {"option": "3"})
    assert outsider.status_code == 404
    assert not AssessorRating.objects.exists()


def test_while_open_only_the_firm_sees_the_ratings_and_the_leader_sees_them_after_close(world):
    open_ = world.open_assessment
    recorded = _put(world.consultant, open_, "crm-adoption", {"option": "2", "notes": "Interview, sales ops"})
    assert recorded.status_code == 200
    mine = token_client(world.consultant).get(_url(open_)).json()
    assert mine["shown"] and mine["ratings"][0]["notes"] == "Interview, sales ops"
    theirs = token_client(world.leader).get(_url(open_)).json()
    assert theirs["shown"] is False and theirs["ratings"] == [] and "closes" in theirs["notice"]
    assert token_client(world.outsider).get(_url(open_)).status_code == 404
    assert token_client(world.consultant).post(f"/api/v1/assessments/{open_.pk}/close/").status_code == 200
    after = token_client(world.leader).get(_url(open_)).json()
    assert after["shown"] and after["ratings"][0]["label"] == "Occasional"


def test_a_rating_is_replaced_then_cleared(world):
    closed = world.closed_assessment
    _put(world.consultant, closed, "crm-adoption", {"option": "2"})
    replaced = _put(world.consultant, closed, "crm-adoption", {"not_applicable": True, "notes": "No CRM yet"})
    assert replaced.json()["not_applicable"] and replaced.json()["value"] is None
    assert AssessorRating.objects.get().notes == "No CRM yet"
    client = token_client(world.consultant)
    assert client.delete(_url(closed, "crm-adoption")).status_code == 204
    assert not AssessorRating.objects.exists()
    again = client.delete(_url(closed, "crm-adoption"))
    assert again.status_code == 404 and "no assessor's rating" in again.json()["message"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_scores_export_carries_the_assessors_rating_beside_the_teams(world, fmt):
    from tests.api.test_exports import csv_rows, xlsx_rows

    closed = world.closed_assessment
    _put(world.consultant, closed, "crm-adoption", {"option": "4", "notes": "Logins weekly", "links": []})
    _put(world.consultant, closed, "crm-single-source", {"option": "1"})
    response = token_client(world.leader).get(f"/api/v1/assessments/{closed.pk}/export/scores.{fmt}")
    assert response.status_code == 200
    header, *body = csv_rows(response) if fmt == "csv" else xlsx_rows(response, "Scores")
    rows = {(r[0], r[1]): dict(zip(header, r, strict=True)) for r in body}
    adoption = rows[("criterion", "crm-adoption")]
    assert (float(adoption["score"]), float(adoption["assessor score"])) == (2, 4)
    assert (adoption["assessor rating"], adoption["evidence notes"]) == ("Measured", "Logins weekly")
    assert float(rows[("dimension", "technology")]["assessor score"]) == 2.5
    assert rows[("dimension", "technology")]["assessor level"] == "Emerging"
    assert rows[("dimension", "sales-process")]["assessor score"] in ("", None)


def test_an_initiative_comes_from_the_roadmap_on_the_chosen_basis_and_each_change_is_logged(world):
    closed = world.closed_assessment
    consultant = token_client(world.consultant)
    for key in TECHNOLOGY:
        _put(world.consultant, closed, key, {"option": "5"})
    consultant.patch(f"/api/v1/assessments/{closed.pk}/", {"roadmap_basis": "assessor"}, format="json")
    refused = consultant.post(
        "/api/v1/initiatives/",
        {"assessment": closed.pk, "recommendation_key": "configure-crm-to-process"},
        format="json",
    )
    assert refused.status_code == 422 and "not on this assessment's roadmap" in refused.json()["message"]
    consultant.patch(f"/api/v1/assessments/{closed.pk}/", {"roadmap_basis": "team"}, format="json")
    taken = consultant.post(
        "/api/v1/initiatives/",
        {"assessment": closed.pk, "recommendation_key": "configure-crm-to-process"},
        format="json",
    )
    assert taken.status_code == 201, taken.json()
    consultant.delete(_url(closed, "crm-adoption"))
    actions = list(AuditEvent.objects.filter(action__startswith="assessment.").values_list("action", flat=True))
    assert actions.count("assessment.roadmap_basis_changed") == 2
    assert actions.count("assessment.assessor_rating_changed") == len(TECHNOLOGY) + 1
