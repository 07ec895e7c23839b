"""The role matrix: every role (our firm's admin and consultant, our client's leader and viewer, another
firm's admin and consultant, nobody) against every action of the organisations and assessment API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from reports.models import ReportLink
from tests.api.conftest import token_client
from tests.conftest import DEFAULT_RUBRIC

# The World's assessment closes today (the time zone is UTC).
TODAY = datetime.now(UTC).date()
ROLES = ["admin", "consultant", "leader", "viewer", "outsider_admin", "outsider", "anonymous"]


def roles(consultant, leader, viewer, outsider, *, admin=None, outsider_admin=None, anonymous=401) -> dict:
    """Expected statuses by role: our firm's admin answers as our consultant, and the other firm's admin
    as its consultant, unless said otherwise."""
    return {
        "admin": consultant if admin is None else admin,
        "consultant": consultant,
        "leader": leader,
        "viewer": viewer,
        "outsider_admin": outsider if outsider_admin is None else outsider_admin,
        "outsider": outsider,
        "anonymous": anonymous,
    }


# action: (method, path, body, {role: expected status}); ids come from the World (tests/api/world.py).
READ = roles(200, 200, 200, 404)
RUN = roles(200, 200, 403, 404)
RUN_CREATE = roles(201, 201, 403, 404)
MANAGE = roles(200, 403, 403, 404)
OWN_LIST = roles(200, 200, 200, 200)
CONSULTANT_ANYWHERE = roles(201, 403, 403, 201)
ANYONE_SIGNED_IN = roles(201, 201, 201, 201)
# Firm pages: client-side members are outside the firm (404), like another firm's people.
FIRM_READ = roles(200, 404, 404, 404)
FIRM_ADMIN = roles(403, 404, 404, 404, admin=200)
ORGANISATION_ADMIN = roles(403, 403, 403, 404, admin=200)

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
        roles(202, 403, 403, 404),
    ),
    "change a role": ("PATCH", "/api/v1/organisations/{org}/members/{member}/", {"role": "leader"}, MANAGE),
    "remove a member": ("DELETE", "/api/v1/organisations/{org}/members/{member}/", None, roles(204, 403, 403, 404)),
    "list rubrics": ("GET", "/api/v1/rubrics/", None, OWN_LIST),
    "see a rubric": ("GET", "/api/v1/rubrics/{rubric}/", None, OWN_LIST),
    "export a rubric": ("GET", "/api/v1/rubrics/{rubric}/export/", None, OWN_LIST),
    "import a rubric": (
        "POST",
        "/api/v1/rubrics/",
        {"document": DEFAULT_RUBRIC.read_text(), "firm": "{firm}"},
        roles(200, 403, 403, 404),
    ),
    # A firm's rubric drafts: its admins and consultants; client-side members are outside the firm.
    "list rubric drafts": ("GET", "/api/v1/rubric-drafts/", None, OWN_LIST),
    "start a rubric draft": ("POST", "/api/v1/rubric-drafts/", {"source": "{rubric}"}, roles(201, 403, 403, 201)),
    "see a rubric draft": ("GET", "/api/v1/rubric-drafts/{rubric_draft}/", None, FIRM_READ),
    "edit a rubric draft": (
        "PUT",
        "/api/v1/rubric-drafts/{rubric_draft}/",
        {"document": DEFAULT_RUBRIC.read_text()},
        FIRM_READ,
    ),
    "preview a rubric draft": ("GET", "/api/v1/rubric-drafts/{rubric_draft}/preview/?group=leaders", None, FIRM_READ),
    "see a rubric draft's changes": ("GET", "/api/v1/rubric-drafts/{rubric_draft}/diff/", None, FIRM_READ),
    "publish a rubric draft": (
        "POST",
        "/api/v1/rubric-drafts/{rubric_draft}/publish/",
        None,
        roles(201, 404, 404, 404),
    ),
    "delete a rubric draft": ("DELETE", "/api/v1/rubric-drafts/{rubric_draft}/", None, roles(204, 404, 404, 404)),
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
    "see the assessor's ratings": ("GET", "/api/v1/assessments/{closed}/ratings/", None, READ),
    "record an assessor's rating": (
        "PUT",
        "/api/v1/assessments/{closed}/ratings/win-loss-analysis/",
        {"option": "2", "notes": "Two of five lost deals reviewed", "links": ["https://crm.example.com/r/1"]},
        MANAGE,
    ),
    "clear an assessor's rating": (
        "DELETE",
        "/api/v1/assessments/{rated}/ratings/crm-adoption/",
        None,
        roles(204, 403, 403, 404),
    ),
    "choose the roadmap's basis": ("PATCH", "/api/v1/assessments/{closed}/", {"roadmap_basis": "assessor"}, MANAGE),
    "list reports": ("GET", "/api/v1/assessments/{closed}/reports/", None, READ),
    "request a report": ("POST", "/api/v1/assessments/{closed}/reports/", None, roles(202, 202, 403, 404)),
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
    "list one's firms": ("GET", "/api/v1/firms/", None, OWN_LIST),
    "see the firm": ("GET", "/api/v1/firms/{firm}/", None, FIRM_READ),
    "change the firm's branding": ("PATCH", "/api/v1/firms/{firm}/", {"colour": "#123456"}, FIRM_ADMIN),
    "list the firm's members": ("GET", "/api/v1/firms/{firm}/members/", None, FIRM_READ),
    "list the firm's invitations": ("GET", "/api/v1/firms/{firm}/invitations/", None, FIRM_ADMIN),
    "invite someone to the firm": (
        "POST",
        "/api/v1/firms/{firm}/invitations/",
        {"email": "newcomer@example.com", "role": "consultant"},
        roles(403, 404, 404, 404, admin=202),
    ),
    "list the organisation's invitations": ("GET", "/api/v1/organisations/{org}/invitations/", None, MANAGE),
    "read the firm's audit log": ("GET", "/api/v1/firms/{firm}/audit/", None, FIRM_ADMIN),
    "export all of the organisation's data": ("GET", "/api/v1/organisations/{org}/export/", None, ORGANISATION_ADMIN),
    "erase the organisation": (
        "DELETE",
        "/api/v1/organisations/{org}/",
        {"confirm_name": "Northwind Traders"},
        roles(403, 403, 403, 404, admin=204),
    ),
    "send a report": (
        "POST",
        "/api/v1/reports/{report}/send/",
        {"emails": ["board@example.com"]},
        roles(202, 202, 403, 404),
    ),
    "download a report's PDF": ("GET", "/api/v1/reports/{report}/pdf/", None, READ),
    "download a report's deck": ("GET", "/api/v1/reports/{report}/deck/", None, READ),
    "see who a report was sent to": ("GET", "/api/v1/reports/{report}/links/", None, RUN),
    "revoke a report's link": ("POST", "/api/v1/report-links/{link}/revoke/", None, RUN),
    "revoke one's token": ("DELETE", "/api/v1/auth/token/", None, roles(204, 204, 204, 204)),
    # A firm batches its own clients only: the other firm's people batch theirs (none closed: 422).
    "request a batch of reports": (
        "POST",
        "/api/v1/report-batches/",
        {"closed_from": (TODAY - timedelta(days=30)).isoformat(), "closed_to": TODAY.isoformat()},
        roles(201, 403, 403, 422),
    ),
    "see a batch of reports": ("GET", "/api/v1/report-batches/{batch}/", None, FIRM_READ),
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
        "rated": _rated(world),
        **_sent_report(world),
        "batch": _our_batch(world),
        "rubric_draft": _our_rubric_draft(world),
    }
    for name, value in ids.items():
        text = text.replace(f'"{{{name}}}"', str(value)).replace(f"{{{name}}}", str(value))
    return text


def _rated(world) -> int:
    """The closed assessment, with an assessor's rating of crm-adoption (made once per world)."""
    from assessment.models import AssessorRating

    AssessorRating.objects.get_or_create(
        assessment=world.closed_assessment, criterion_key="crm-adoption", defaults={"option_key": "3"}
    )
    return world.closed_assessment.pk


def _our_batch(world) -> int:
    """A batch of our firm's (made once per world)."""
    from tests.reports.isolation_cases import our_batch

    if not hasattr(world, "batch"):
        world.batch = our_batch(world)["id"]
    return world.batch


def _our_rubric_draft(world) -> int:
    """A draft of our firm's rubric, with a change to publish (made once per world)."""
    from tests.api.isolation_cases import our_rubric_draft

    if not hasattr(world, "rubric_draft"):
        world.rubric_draft = our_rubric_draft(world)
    return world.rubric_draft


def _sent_report(world) -> dict[str, int]:
    """A ready report of the closed assessment and a link it was sent with (made once per world)."""
    from tests.reports.isolation_cases import our_link

    if not hasattr(world, "sent_report"):
        link = our_link(world)["id"]
        world.sent_report = {"report": ReportLink.objects.get(pk=link).report_id, "link": link}
    return world.sent_report


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_for_each_action(role, world, user_factory):
    user = None if role == "anonymous" else getattr(world, role)
    user_factory(username="newcomer", email="newcomer@example.com")
    _sent_report(world)  # before the actions, whose changes are each rolled back
    _our_batch(world)
    _our_rubric_draft(world)
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
