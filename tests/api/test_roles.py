"""The role matrix: every role against every action of the organisations and assessment API."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from tests.api.conftest import token_client
from tests.conftest import DEFAULT_RUBRIC

ROLES = ["consultant", "leader", "viewer", "outsider", "anonymous"]

# action: (method, path, body, {role: expected status}); ids come from the World (tests/api/world.py).
READ = {"consultant": 200, "leader": 200, "viewer": 200, "outsider": 404, "anonymous": 401}
RUN = {"consultant": 200, "leader": 200, "viewer": 403, "outsider": 404, "anonymous": 401}
RUN_CREATE = {**RUN, "consultant": 201, "leader": 201}
MANAGE = {"consultant": 200, "leader": 403, "viewer": 403, "outsider": 404, "anonymous": 401}
OWN_LIST = {"consultant": 200, "leader": 200, "viewer": 200, "outsider": 200, "anonymous": 401}
CONSULTANT_ANYWHERE = {"consultant": 201, "leader": 403, "viewer": 403, "outsider": 201, "anonymous": 401}
ANYONE_SIGNED_IN = {**dict.fromkeys(ROLES[:4], 201), "anonymous": 401}

ACTIONS = {
    "list organisations": ("GET", "/api/v1/organisations/", None, OWN_LIST),
    # Client organisations are created inside a firm: someone in none (a leader, a viewer) founds one first.
    "create an organisation": ("POST", "/api/v1/organisations/", {"name": "Initech"}, CONSULTANT_ANYWHERE),
    "found a firm": ("POST", "/api/v1/firms/", {"name": "Initech Advisory"}, ANYONE_SIGNED_IN),
    "see the organisation": ("GET", "/api/v1/organisations/{org}/", None, READ),
    "edit the organisation": ("PATCH", "/api/v1/organisations/{org}/", {"industry": "Retail"}, MANAGE),
    "see one's portfolio": ("GET", "/api/v1/portfolio/", None, OWN_LIST),
    "export one's portfolio": ("GET", "/api/v1/portfolio/export.xlsx", None, OWN_LIST),
    "see the benchmark": ("GET", "/api/v1/assessments/{closed}/benchmark/?size_band=21-100", None, READ),
    "export responses": ("GET", "/api/v1/assessments/{closed}/export/responses.csv", None, MANAGE),
    "export responses as a workbook": ("GET", "/api/v1/assessments/{closed}/export/responses.xlsx", None, MANAGE),
    "export scores": ("GET", "/api/v1/assessments/{closed}/export/scores.csv", None, READ),
    "export scores as a workbook": ("GET", "/api/v1/assessments/{closed}/export/scores.xlsx", None, READ),
    "list members": ("GET", "/api/v1/organisations/{org}/members/", None, READ),
    "see a member": ("GET", "/api/v1/organisations/{org}/members/{member}/", None, READ),
    "invite a member": (
        "POST",
        "/api/v1/organisations/{org}/members/",
        {"email": "newcomer@example.com", "role": "viewer"},
        {**MANAGE, "consultant": 202},
    ),
    "change a role": ("PATCH", "/api/v1/organisations/{org}/members/{member}/", {"role": "leader"}, MANAGE),
    "remove a member": ("DELETE", "/api/v1/organisations/{org}/members/{member}/", None, {**MANAGE, "consultant": 204}),
    "list rubrics": ("GET", "/api/v1/rubrics/", None, OWN_LIST),
    "see a rubric": ("GET", "/api/v1/rubrics/{rubric}/", None, OWN_LIST),
    "export a rubric": ("GET", "/api/v1/rubrics/{rubric}/export/", None, OWN_LIST),
    "import a rubric": (
        "POST",
        "/api/v1/rubrics/",
        {"document": DEFAULT_RUBRIC.read_text(), "firm": "{firm}"},
        {**CONSULTANT_ANYWHERE, "consultant": 200, "outsider": 404},
    ),
    "list assessments": ("GET", "/api/v1/assessments/", None, OWN_LIST),
    "create an assessment": ("POST", "/api/v1/assessments/", {"organisation": "{org}", "period": "FY2030"}, RUN_CREATE),
    "see an assessment": ("GET", "/api/v1/assessments/{open}/", None, READ),
    "edit a draft": ("PATCH", "/api/v1/assessments/{draft}/", {"title": "Renamed"}, RUN),
    "open an assessment": ("POST", "/api/v1/assessments/{draft}/open/", None, RUN),
    "close an assessment": ("POST", "/api/v1/assessments/{open}/close/", None, RUN),
    "see targets": ("GET", "/api/v1/assessments/{open}/targets/", None, READ),
    "set targets": ("PATCH", "/api/v1/assessments/{open}/targets/", {"targets": {"technology": 5}}, RUN),
    "see outcomes": ("GET", "/api/v1/assessments/{closed}/outcomes/", None, READ),
    "record outcomes": ("PATCH", "/api/v1/assessments/{closed}/outcomes/", {"win_rate": 31.0}, RUN),
    "see progress": ("GET", "/api/v1/assessments/{open}/progress/", None, READ),
    "see scores": ("GET", "/api/v1/assessments/{closed}/scores/", None, READ),
    "see the roadmap": ("GET", "/api/v1/assessments/{closed}/roadmap/", None, READ),
    "list initiatives": ("GET", "/api/v1/initiatives/", None, OWN_LIST),
    "create an initiative": (
        "POST",
        "/api/v1/initiatives/",
        {"assessment": "{closed}", "recommendation_key": "run-evidence-pipeline-reviews"},
        RUN_CREATE,
    ),
    "see an initiative": ("GET", "/api/v1/initiatives/{initiative}/", None, READ),
    "update an initiative": ("PATCH", "/api/v1/initiatives/{initiative}/", {"status": "done"}, RUN),
    "see year over year": ("GET", "/api/v1/organisations/{org}/year-over-year/", None, READ),
    "revoke one's token": ("DELETE", "/api/v1/auth/token/", None, {**OWN_LIST, **dict.fromkeys(ROLES[:4], 204)}),
}


def _fill(text: str, world) -> str:
    ids = {
        "org": world.organisation.pk,
        "firm": world.organisation.firm_id,
        "member": world.viewer_membership.pk,
        "rubric": world.rubric_version.pk,
        "open": world.open_assessment.pk,
        "draft": world.draft_assessment.pk,
        "closed": world.closed_assessment.pk,
        "initiative": world.initiative.pk,
    }
    for name, value in ids.items():
        text = text.replace(f'"{{{name}}}"', str(value)).replace(f"{{{name}}}", str(value))
    return text


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_for_each_action(role, world, user_factory):
    user = None if role == "anonymous" else getattr(world, role)
    user_factory(username="newcomer", email="newcomer@example.com")
    actual, expected = {}, {}
    for action, (method, path, body, statuses) in ACTIONS.items():
        # Each action starts from the same world: its changes are rolled back afterwards.
        with transaction.atomic():
            client = token_client(user)
            data = _fill(json.dumps(body), world) if body is not None else ""
            response = client.generic(method, _fill(path, world), data, content_type="application/json")
            actual[action] = response.status_code
            expected[action] = statuses[role]
            transaction.set_rollback(True)
    assert actual == expected
