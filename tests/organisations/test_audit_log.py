"""The firm's audit log: what gets recorded through the public API, who may read it, and that it
cannot be changed."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations import audit
from organisations.models import AuditEvent, Firm, Organisation
from tests.api.conftest import token_client
from tests.factories import UserFactory
from tests.organisations.conftest import ready_report


def _log(user, firm, **query):
    return token_client(user).get(f"/api/v1/firms/{firm.pk}/audit/", query)


def _actions(user, firm, **query) -> list[str]:
    response = _log(user, firm, **query)
    assert response.status_code == 200
    return [e["action"] for e in response.json()["results"]]


def test_each_kind_of_event_appears_in_the_log_after_the_action(world, firm_admin, consultant):
    firm, organisation = world.organisation.firm, world.organisation
    api = token_client(consultant)
    created = api.post("/api/v1/assessments/", {"organisation": organisation.pk, "period": "FY2031"}, format="json")
    assessment = created.json()["id"]
    assert api.post(f"/api/v1/assessments/{assessment}/open/").status_code == 200
    patched = api.patch(f"/api/v1/assessments/{assessment}/targets/", {"targets": {"technology": 4}}, format="json")
    assert patched.status_code == 200
    assert api.post(f"/api/v1/assessments/{assessment}/close/").status_code == 200
    assert api.post(f"/api/v1/assessments/{world.closed_assessment.pk}/reports/").status_code == 202
    report = ready_report(world.closed_assessment, b"%PDF-1.7 roadmap")
    assert api.get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 200
    assert api.get(f"/api/v1/assessments/{world.closed_assessment.pk}/export/scores.csv").status_code == 200
    assert api.get("/api/v1/portfolio/export.xlsx").status_code == 200
    admin = token_client(firm_admin)
    assert admin.get(f"/api/v1/organisations/{organisation.pk}/export/").status_code == 200
    erased = admin.delete(
        f"/api/v1/organisations/{organisation.pk}/", {"confirm_name": organisation.name}, format="json"
    )
    assert erased.status_code == 204

    response = _log(firm_admin, firm)
    events = response.json()["results"]
    assert [e["action"] for e in events][:11] == [
        "organisation.deleted",
        "organisation.exported",
        "export.downloaded",
        "export.downloaded",
        "report.downloaded",
        "report.requested",
        "assessment.closed",
        "assessment.targets_changed",
        "assessment.opened",
        "assessment.created",
        # build_world's own actions, older
        "assessment.created",
    ]
    by_action = {e["action"]: e for e in reversed(events)}
    assert by_action["assessment.opened"]["actor"] == consultant.pk
    assert by_action["assessment.opened"]["actor_label"] == audit.actor_label(consultant)
    assert by_action["assessment.targets_changed"]["details"]["targets"] == {"technology": 4}
    assert by_action["report.downloaded"]["details"]["report"] == report.pk
    assert by_action["export.downloaded"]["organisation"] is None  # the portfolio, the newest of the two
    assert by_action["organisation.deleted"]["organisation"] == organisation.pk
    assert by_action["organisation.deleted"]["organisation_name"] == "Northwind Traders"
    assert by_action["organisation.deleted"]["actor"] == firm_admin.pk


def test_the_page_buttons_record_opening_and_closing_with_the_person(client, draft_assessment, consultant):
    client.force_login(consultant)
    client.post(f"/assessments/{draft_assessment.pk}/open/")
    client.post(f"/assessments/{draft_assessment.pk}/close/")
    events = AuditEvent.objects.filter(action__in=["assessment.opened", "assessment.closed"])
    assert sorted((e.action, e.actor) for e in events) == [
        ("assessment.closed", consultant),
        ("assessment.opened", consultant),
    ]


def test_the_log_filters_by_action_and_by_organisation(world, firm_admin, other_organisation):
    sister = Organisation.objects.create(firm=world.organisation.firm, name="Sister Co")
    audit.record(action=audit.Action.ORGANISATION_CHANGED, summary="Renamed", organisation=sister)
    firm = world.organisation.firm
    assert set(_actions(firm_admin, firm, organisation=sister.pk)) == {"organisation.changed"}
    closed = _actions(firm_admin, firm, action="assessment.closed")
    assert closed == ["assessment.closed"]
    assert _log(firm_admin, firm, action="nothing.of.the.kind").status_code == 400


def test_the_log_is_newest_first_fifty_to_a_page(organisation, firm_admin):
    for n in range(55):
        audit.record(action=audit.Action.ORGANISATION_CHANGED, summary=f"Change {n}", organisation=organisation)
    first = _log(firm_admin, organisation.firm).json()
    assert first["count"] == 55
    assert len(first["results"]) == 50
    assert first["results"][0]["summary"] == "Change 54"
    second = token_client(firm_admin).get(first["next"]).json()
    assert [e["summary"] for e in second["results"]] == [f"Change {n}" for n in range(4, -1, -1)]


@pytest.mark.parametrize(("who", "status"), [("consultant", 403), ("leader", 404), ("outsider", 404)])
def test_only_the_firms_admins_read_the_log(world, who, status):
    assert _log(getattr(world, who), world.organisation.firm).status_code == status


@pytest.mark.parametrize(("who", "status"), [("consultant", 403), ("leader", 404), ("outsider", 404)])
def test_only_the_firms_admins_open_the_log_page(client, world, who, status):
    client.force_login(getattr(world, who))
    assert client.get(f"/firms/{world.organisation.firm_id}/audit/").status_code == status


def test_the_firm_page_links_the_log_for_admins_only(client, world, firm_admin):
    audit_url = f"/firms/{world.organisation.firm_id}/audit/"
    client.force_login(firm_admin)
    assert audit_url in client.get(f"/firms/{world.organisation.firm_id}/").content.decode()
    client.force_login(world.consultant)
    assert audit_url not in client.get(f"/firms/{world.organisation.firm_id}/").content.decode()


def test_the_log_page_lists_the_events_and_filters_them(client, world, firm_admin):
    client.force_login(firm_admin)
    page = client.get(f"/firms/{world.organisation.firm_id}/audit/").content.decode()
    assert "Created the assessment FY2025 of Northwind Traders" in page
    filtered = client.get(f"/firms/{world.organisation.firm_id}/audit/", {"action": "assessment.closed"})
    assert "Closed the assessment FY2025" in filtered.content.decode()
    assert "Created the assessment" not in filtered.content.decode()


def test_an_event_cannot_be_changed_or_deleted_through_the_orm(organisation):
    event = audit.record(action=audit.Action.ORGANISATION_CHANGED, summary="Renamed", organisation=organisation)
    event.summary = "Nothing happened"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="Nothing happened")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "Renamed"


def test_the_admin_shows_the_log_but_cannot_add_change_or_delete(client, organisation):
    event = audit.record(action=audit.Action.ORGANISATION_CHANGED, summary="Renamed", organisation=organisation)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert client.get("/admin/organisations/auditevent/").status_code == 200
    assert client.get("/admin/organisations/auditevent/add/").status_code == 403
    assert client.post(f"/admin/organisations/auditevent/{event.pk}/change/", {"summary": "x"}).status_code == 403
    assert client.post(f"/admin/organisations/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = client.post(
        "/admin/organisations/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    model_admin = site._registry[AuditEvent]
    assert "delete_selected" not in model_admin.get_actions(type("R", (), {"user": superuser, "GET": {}})())
    assert AuditEvent.objects.get(pk=event.pk).summary == "Renamed"


def test_a_page_of_the_log_costs_the_same_queries_for_1_and_for_50_events(firm, firm_admin):
    def page_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = _log(firm_admin, firm)
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    audit.record(action=audit.Action.ORGANISATION_CHANGED, summary="Change", actor=firm_admin, firm=firm)
    _log(firm_admin, firm)  # the first request of a token also loads what later ones find cached
    few, one = page_queries()
    for _ in range(49):
        audit.record(action=audit.Action.ORGANISATION_CHANGED, summary="Change", actor=firm_admin, firm=firm)
    many, fifty = page_queries()
    assert (one, fifty) == (1, 50)
    assert many == few


@pytest.fixture
def firm(firm_admin):
    return Firm.objects.get(memberships__user=firm_admin)
