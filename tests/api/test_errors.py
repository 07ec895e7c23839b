"""Bad input anywhere: a 4xx in the one error shape, never a 500, and nothing stored changes."""

from __future__ import annotations

import json

import pytest

from tests.api.world import fingerprint

HUGE = 10**30

# (method, path with {open}/{draft}/{closed}/{organisation}/{initiative}/{viewer_membership}, raw JSON body)
BAD_REQUESTS = [
    ("POST", "/api/v1/assessments/", "{not json"),
    ("POST", "/api/v1/assessments/", "[1, 2]"),
    ("POST", "/api/v1/assessments/", "null"),
    ("POST", "/api/v1/assessments/", "[" * 100_000 + "]" * 100_000),  # deeper than the JSON decoder goes
    ("POST", "/api/v1/assessments/", '{"a": ' * 900 + '"bell\\u0007"' + "}" * 900),
    ("POST", "/api/v1/assessments/", '"FY2030"'),
    ("POST", "/api/v1/assessments/", json.dumps({"organisation": "{organisation}x", "period": "FY2030"})),
    ("POST", "/api/v1/assessments/", json.dumps({"organisation": HUGE, "period": "FY2030"})),
    ("POST", "/api/v1/assessments/", json.dumps({"organisation": -1, "period": "FY2030"})),
    ("POST", "/api/v1/assessments/", json.dumps({"organisation": 1.5, "period": "FY2030"})),
    ("POST", "/api/v1/assessments/", '{"organisation": 1, "period": "FY2030", "targets": {"technology": 1e400}}'),
    ("POST", "/api/v1/assessments/", '{"organisation": 1, "period": NaN}'),
    ("POST", "/api/v1/assessments/", json.dumps({"period": "FY2030", "organisation": 1, "owner": "me"})),
    ("POST", "/api/v1/assessments/", json.dumps({"period": "x" * 41, "organisation": 1})),
    ("POST", "/api/v1/assessments/", json.dumps({"period": "FY\x002030", "organisation": 1})),
    ("POST", "/api/v1/assessments/", json.dumps({"period": ["FY2030"], "organisation": 1})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"respondent_groups": "reps"})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"respondent_groups": [{"key": "reps"}]})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"group_weighting": "perhaps"})),
    # Wrong JSON types are refused even where DRF would coerce them.
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"group_weighting": "true"})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"group_weighting": 1})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"title": 2027})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"respondent_groups": ["reps", 7]})),
    ("POST", "/api/v1/assessments/", json.dumps({"organisation": "{organisation}", "period": 2030})),
    ("POST", "/api/v1/assessments/", '{"organisation": "1", "period": "FY2030"}'),
    ("PATCH", "/api/v1/assessments/{open}/targets/", json.dumps({"targets": {"technology": "5"}})),
    ("PATCH", "/api/v1/assessments/{open}/targets/", json.dumps({"targets": {"technology": 4.5}})),
    ("POST", "/api/v1/organisations/", json.dumps({"name": 5})),
    ("POST", "/api/v1/organisations/", json.dumps({"name": "Initech", "industry": "\r" + "x" * 100})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"state": "closed"})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"id": 1})),
    ("PATCH", "/api/v1/assessments/{open}/targets/", json.dumps({"targets": {"technology": HUGE}})),
    ("PATCH", "/api/v1/assessments/{open}/targets/", json.dumps({"targets": {"technology": -3}})),
    ("PATCH", "/api/v1/assessments/{open}/targets/", json.dumps({"targets": {"technology": "four"}})),
    ("PATCH", "/api/v1/assessments/{open}/targets/", json.dumps({"targets": {"no-such-dimension": 3}})),
    ("PATCH", "/api/v1/assessments/{open}/targets/", json.dumps({"targets": [4]})),
    ("PATCH", "/api/v1/assessments/{open}/targets/", json.dumps({"technology": 4})),
    ("PATCH", "/api/v1/assessments/{closed}/targets/", json.dumps({"targets": {"technology": 5}})),
    ("PATCH", "/api/v1/assessments/{closed}/", json.dumps({"title": "Edited after closing"})),
    ("POST", "/api/v1/assessments/{closed}/open/", ""),
    ("PATCH", "/api/v1/initiatives/{initiative}/", json.dumps({"status": "finished"})),
    ("PATCH", "/api/v1/initiatives/{initiative}/", json.dumps({"due_date": "31/12/2026"})),
    ("PATCH", "/api/v1/initiatives/{initiative}/", json.dumps({"due_date": "99999-01-01"})),
    ("PATCH", "/api/v1/initiatives/{initiative}/", json.dumps({"title": ""})),
    ("PATCH", "/api/v1/initiatives/{initiative}/", json.dumps({"owner": "x" * 201})),
    ("PATCH", "/api/v1/initiatives/{initiative}/", json.dumps({"horizon": "0-90d"})),
    ("POST", "/api/v1/initiatives/", json.dumps({"assessment": "{closed}", "recommendation_key": "no-such"})),
    ("POST", "/api/v1/initiatives/", json.dumps({"assessment": "{closed}", "recommendation_key": None})),
    (
        "POST",
        "/api/v1/initiatives/",
        json.dumps({"assessment": "{closed}", "recommendation_key": "write-stage-exit-criteria"}),
    ),
    ("POST", "/api/v1/organisations/{organisation}/members/", json.dumps({"email": "not-an-email", "role": "viewer"})),
    ("POST", "/api/v1/organisations/{organisation}/members/", json.dumps({"email": "a@b.example", "role": "owner"})),
    ("PATCH", "/api/v1/organisations/{organisation}/members/{viewer_membership}/", json.dumps({"role": 7})),
    ("POST", "/api/v1/organisations/", json.dumps({"name": "x" * 201})),
    ("POST", "/api/v1/organisations/", json.dumps({"name": "Initech", "size_band": "huge"})),
    ("POST", "/api/v1/rubrics/", json.dumps({"document": "key: [unclosed"})),
    ("POST", "/api/v1/rubrics/", json.dumps({"document": 42})),
    ("POST", "/api/v1/auth/token/", json.dumps({"username": ["consultant"], "password": "x"})),
    ("GET", "/api/v1/assessments/{HUGE}/", ""),
    ("GET", "/api/v1/assessments/0/scores/", ""),
    ("GET", "/api/v1/assessments/?page=999", ""),
    ("GET", "/api/v1/assessments/?page=-1", ""),
    ("GET", "/api/v1/initiatives/?assessment=-5", ""),
    ("GET", "/api/v1/rubrics/?key=" + "k" * 81, ""),
    # Control characters, which no font draws, anywhere in a body (organisations/text.py).
    ("POST", "/api/v1/organisations/", json.dumps({"name": "North\x07wind"})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"title": "Plan \x1b[31mred"})),
    ("PATCH", "/api/v1/initiatives/{initiative}/", json.dumps({"owner": "Dana\x0cWhitfield"})),
    ("PATCH", "/api/v1/assessments/{draft}/", json.dumps({"ti\x01tle": "Key with a bell"})),
    ("POST", "/api/v1/rubrics/", json.dumps({"document": "key: sales\x7f"})),
    ("PUT", "/api/v1/assessments/{draft}/", json.dumps({"title": "Replaced"})),
    ("DELETE", "/api/v1/assessments/{draft}/", ""),
]


def _fill(text: str, world) -> str:
    ids = {
        "open": world.open_assessment.pk,
        "draft": world.draft_assessment.pk,
        "closed": world.closed_assessment.pk,
        "organisation": world.organisation.pk,
        "initiative": world.initiative.pk,
        "viewer_membership": world.viewer_membership.pk,
        "HUGE": HUGE,
    }
    for name, value in ids.items():
        text = text.replace(f'"{{{name}}}"', str(value)).replace(f"{{{name}}}", str(value))
    return text


@pytest.mark.parametrize(("method", "path", "body"), BAD_REQUESTS)
def test_bad_input_is_a_4xx_with_a_message_and_changes_nothing(method, path, body, world, api_client):
    before = fingerprint(world)
    response = api_client(world.consultant).generic(
        method, _fill(path, world), _fill(body, world), content_type="application/json"
    )
    assert 400 <= response.status_code < 500, response.content
    error = response.json()
    assert set(error) <= {"code", "message", "fields"}
    assert error["code"] and error["message"].strip()
    assert all(isinstance(m, str) for messages in error.get("fields", {}).values() for m in messages)
    assert fingerprint(world) == before


def test_unknown_keys_are_named_in_the_error(world, api_client):
    response = api_client(world.consultant).patch(
        f"/api/v1/assessments/{world.draft_assessment.pk}/", {"title": "New", "colour": "red", "state": "open"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "colour: Unknown field. (and 1 more problem)",
        "fields": {"colour": ["Unknown field."], "state": ["Unknown field."]},
    }


def test_malformed_json_is_a_400_that_says_so(world, api_client):
    response = api_client(world.consultant).generic(
        "POST", "/api/v1/assessments/", "{", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert response.json()["message"].startswith("The request body is not valid JSON")


def test_a_body_that_is_not_json_is_a_415(world, api_client):
    response = api_client(world.consultant).generic(
        "POST", "/api/v1/assessments/", "period=FY2030", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json() == {
        "code": "unsupported_media_type",
        "message": 'Unsupported media type "application/x-www-form-urlencoded" in request.',
    }


def test_an_object_that_does_not_exist_and_one_of_another_organisation_look_the_same(world, api_client):
    client = api_client(world.outsider)
    theirs = client.get(f"/api/v1/assessments/{world.open_assessment.pk}/")
    absent = client.get("/api/v1/assessments/987654/")
    assert theirs.status_code == absent.status_code == 404
    assert theirs.json()["message"] == f"There is no assessment {world.open_assessment.pk} in your organisations."
    assert absent.json()["message"] == "There is no assessment 987654 in your organisations."


def test_a_value_of_the_wrong_type_is_named_with_the_type_expected(world, api_client):
    response = api_client(world.consultant).patch(
        f"/api/v1/assessments/{world.draft_assessment.pk}/", {"group_weighting": "yes", "title": 7}
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"group_weighting": ["Expected true or false."], "title": ["Expected text."]}


def test_a_control_character_is_named_with_its_field_and_code_point(world, api_client):
    initiative = world.initiative
    before = (initiative.title, initiative.owner)
    response = api_client(world.consultant).patch(
        f"/api/v1/initiatives/{initiative.pk}/", {"title": "Fix\x0bforecasts", "owner": "Dana\tWhitfield"}
    )
    assert response.status_code == 400
    problem = "Contains the control character U+000B, which cannot be shown or printed; remove it."
    assert response.json() == {"code": "invalid", "message": f"title: {problem}", "fields": {"title": [problem]}}
    initiative.refresh_from_db()
    assert (initiative.title, initiative.owner) == before


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        # Each would be refused anyway (an unknown key, a rubric that is not YAML): the control
        # character is what the client is told about, since it is checked before anything else.
        ("/api/v1/assessments/{draft}/", {"ti\x01tle": "Key with a bell"}, "", "A key contains a control character"),
        ("/api/v1/rubrics/", {"document": "key: sales\x7f"}, "document", "the control character U+007F"),
        ("/api/v1/assessments/{draft}/", {"targets": {"sales": "x\x1b"}}, "targets.sales", "U+001B"),
    ],
)
def test_a_control_character_is_reported_before_any_other_problem(world, api_client, path, body, field, message):
    response = api_client(world.consultant).generic(
        "PATCH" if "{draft}" in path else "POST", _fill(path, world), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()
    assert message in error["message"]
    assert message in (error.get("fields", {}).get(field, [""])[0] if field else error["message"])
