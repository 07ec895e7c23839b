"""Sending a ready report: to members (a link to sign in) and to outside addresses (a download link of their
own that expires and can be revoked), from the page and the API; every download through a link logged."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organisations.models import AuditEvent, Membership, Role
from outbox.models import OutboxMessage
from reports import links
from reports.models import Report, ReportLink
from reports.services import request_report
from tests.api.conftest import token_client

LINK = re.compile(r"https?://[^/\s]+(/reports/shared/[^/\s]+/)")


@pytest.fixture
def ready(this_year, consultant, django_capture_on_commit_callbacks) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(assessment=this_year, requested_by=consultant)
    report.refresh_from_db()
    assert report.is_ready, report.error
    return report


def send(client, report, data, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("reports:send", kwargs={"report_id": report.pk}), data)


def test_a_consultant_sends_the_roadmap_to_a_member_and_to_an_outside_address_from_the_page(
    client, consultant, viewer, ready, django_capture_on_commit_callbacks
):
    viewer.email, viewer.first_name = "ceo@northwind.example", "Morgan"
    viewer.save()
    client.force_login(consultant)
    page = client.get(reverse("reports:send", kwargs={"report_id": ready.pk}))
    assert page.status_code == 200
    assert "ceo@northwind.example" in page.content.decode()

    response = send(
        client,
        ready,
        {"members": [str(viewer.pk)], "emails": "Board.Member@Example.com\nboard.member@example.com", "days": "14"},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["board.member@example.com", "ceo@northwind.example"]
    member_mail = next(m for m in mail.outbox if m.to == ["ceo@northwind.example"])
    assert member_mail.subject == "Northwind Traders: sales maturity roadmap FY2026"
    assert "Hello Morgan," in member_mail.body
    assert reverse("reports:organisation", kwargs={"organisation_id": ready.assessment.organisation_id}) in (
        member_mail.body
    )
    assert "/reports/shared/" not in member_mail.body
    outside_mail = next(m for m in mail.outbox if m.to == ["board.member@example.com"])
    path = LINK.search(outside_mail.body).group(1)
    expires = ReportLink.objects.get().expires_at
    assert f"It works until {timezone.localtime(expires):%-d %B %Y}" in outside_mail.body

    # The token is in the email only: the database keeps its digest.
    token = path.split("/")[-2]
    link = ReportLink.objects.get()
    assert token not in (link.secret, link.digest) and link.digest == links.digest_of(token)

    client.logout()
    download = client.get(path)
    assert download.status_code == 200
    assert download["Referrer-Policy"] == "no-referrer"
    assert download["Content-Disposition"].startswith("attachment; filename*=utf-8''Northwind%20Traders%20%E2%80%93")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == ready.checksum
    link.refresh_from_db()
    assert link.downloads == 1 and link.last_downloaded_at is not None
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["report.sent", "report.link_downloaded"]
    logged = AuditEvent.objects.get(action="report.link_downloaded")
    assert "board.member@example.com" in logged.summary

    client.force_login(consultant)
    listed = client.get(reverse("reports:send", kwargs={"report_id": ready.pk})).content.decode()
    assert "board.member@example.com" in listed and "downloaded 1 time" in listed


def test_a_link_answers_410_once_it_has_expired_and_once_it_is_revoked(
    client, consultant, ready, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    send(client, ready, {"emails": "a@example.com, b@example.com", "days": "7"}, django_capture_on_commit_callbacks)
    paths = {m.to[0]: LINK.search(m.body).group(1) for m in mail.outbox}
    client.logout()
    assert client.get(paths["a@example.com"]).status_code == 200

    eight_days_on = timezone.now() + timedelta(days=8)
    with mock.patch("django.utils.timezone.now", return_value=eight_days_on):
        expired = client.get(paths["a@example.com"])
    assert expired.status_code == 410
    assert "This link expired on" in expired.content.decode()

    client.force_login(consultant)
    link = ReportLink.objects.get(email="b@example.com")
    revoked = client.post(reverse("reports:revoke-link", kwargs={"link_id": link.pk}))
    assert revoked.status_code == 302
    client.logout()
    gone = client.get(paths["b@example.com"])
    assert gone.status_code == 410
    assert "withdrawn" in gone.content.decode()
    assert client.get("/reports/shared/not-a-real-token/").status_code == 404
    assert client.get("/reports/shared/" + "x" * 300 + "/").status_code == 404
    assert AuditEvent.objects.filter(action="report.link_revoked").count() == 1
    assert ReportLink.objects.get(email="a@example.com").downloads == 1


def test_bad_input_on_the_page_is_a_form_error_and_sends_nothing(
    client, consultant, ready, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    for data, message in [
        ({"emails": "", "days": "14"}, "Choose at least one member or give at least one email address."),
        ({"emails": "not-an-address", "days": "14"}, "is not an email address"),
        ({"emails": "a@example.com", "days": "1000"}, "Select a valid choice"),
        ({"members": ["999999"], "days": "14"}, "Select a valid choice"),
    ]:
        response = send(client, ready, data, django_capture_on_commit_callbacks)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not ReportLink.objects.exists() and not mail.outbox


def test_a_viewer_cannot_send_or_revoke_and_an_outsider_sees_nothing(
    client, viewer, outsider, consultant, ready, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    send(client, ready, {"emails": "a@example.com", "days": "14"}, django_capture_on_commit_callbacks)
    link = ReportLink.objects.get()
    client.force_login(viewer)
    assert client.get(reverse("reports:send", kwargs={"report_id": ready.pk})).status_code == 403
    assert client.post(reverse("reports:revoke-link", kwargs={"link_id": link.pk})).status_code == 403
    assert (
        "Send<span"
        not in client.get(
            reverse("reports:assessment-reports", kwargs={"assessment_id": ready.assessment_id})
        ).content.decode()
    )
    client.force_login(outsider)
    assert client.get(reverse("reports:send", kwargs={"report_id": ready.pk})).status_code == 404
    assert client.post(reverse("reports:revoke-link", kwargs={"link_id": link.pk})).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_api_sends_lists_and_revokes(consultant, leader, ready, django_capture_on_commit_callbacks):
    Membership.objects.filter(user=leader).update(role=Role.LEADER)
    api = token_client(consultant)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(
            f"/api/v1/reports/{ready.pk}/send/",
            {"members": [leader.pk], "emails": ["cfo@example.com"], "days": 30},
            format="json",
        )
    assert sent.status_code == 202, sent.content
    body = sent.json()
    assert body["members"] == [leader.pk]
    assert [(link["email"], link["state"], link["downloads"]) for link in body["links"]] == [
        ("cfo@example.com", "active", 0)
    ]
    assert "token" not in body["links"][0] and "secret" not in body["links"][0]
    assert len(mail.outbox) == 2
    link_id = body["links"][0]["id"]
    listed = api.get(f"/api/v1/reports/{ready.pk}/links/").json()
    assert [link["id"] for link in listed["results"]] == [link_id]
    revoked = api.post(f"/api/v1/report-links/{link_id}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert api.post(f"/api/v1/report-links/{link_id}/revoke/").json()["state"] == "revoked"
    path = LINK.search(next(m for m in mail.outbox if m.to == ["cfo@example.com"]).body).group(1)
    assert token_client(None).get(path).status_code == 410


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ({}, 400, "members"),
        ({"emails": ["not an address"]}, 400, "emails"),
        ({"emails": ["a@example.com"], "days": 0}, 400, "days"),
        ({"emails": ["a@example.com"], "days": 91}, 400, "days"),
        ({"emails": ["a@example.com"], "cc": ["b@example.com"]}, 400, "cc"),
        ({"emails": [f"p{i}@example.com" for i in range(21)]}, 400, "emails"),
        ({"members": [999999]}, 422, "members"),
        ({"members": ["1"]}, 400, "members"),
    ],
)
def test_bad_input_to_the_api_is_a_clear_4xx_and_stores_nothing(consultant, ready, data, status, field):
    response = token_client(consultant).post(f"/api/v1/reports/{ready.pk}/send/", data, format="json")
    assert response.status_code == status, response.content
    assert field in response.content.decode()
    assert not ReportLink.objects.exists()
    assert not OutboxMessage.objects.filter(about="reports.email").exists()


def test_a_report_that_is_not_ready_cannot_be_sent(consultant, this_year):
    queued = Report.objects.create(assessment=this_year, rubric_version=this_year.rubric_version)
    response = token_client(consultant).post(
        f"/api/v1/reports/{queued.pk}/send/", {"emails": ["a@example.com"]}, format="json"
    )
    assert response.status_code == 409
    assert not ReportLink.objects.exists()


def test_a_shared_links_token_is_not_the_survey_token_of_the_same_secret():
    from reports import links
    from surveys import tokens

    secret = links.new_secret()
    assert links.token_for(secret) != tokens.token_for(secret)
    assert len(links.token_for(secret)) == len(tokens.token_for(secret)) == 43
