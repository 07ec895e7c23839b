"""Line breaks in names: refused where people type them, harmless in every email that names them.

A line break in an email header makes Django refuse to send the message (BadHeaderError): a name
with one used to stop every invitation of its organisation, after the invitation was stored. Single-
line fields now refuse line breaks and other controls (organisations/text.py); names stored before
that still send, on one line.
"""

from __future__ import annotations

from datetime import timedelta
from email import message_from_string

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment
from organisations.models import Firm, MemberInvitation, Organisation, SignUp
from surveys import services
from surveys.models import Invitation
from tests.surveys.test_api import client_of

# Each ends a header early, or is a control no single-line field may hold.
BREAKS = ["\r\nBcc: victim@example.com", "\n", "\r", "\u2028", "\u2029", "\x85", "\t"]
HOSTILE = "Northwind\r\nBcc: victim@example.com"


def single_line_headers(message) -> dict[str, str]:
    """The message as sent, its headers parsed back: each must be one line, none forged."""
    parsed = message_from_string(message.message().as_string())
    assert "Bcc" not in parsed and parsed["To"] == ", ".join(message.to)
    assert message.recipients() == message.to
    assert not any(c in message.subject for c in "\r\n\u2028\u2029\x85")
    return {name: " ".join(value.split()) for name, value in parsed.items()}


# --- refused at input: the API --------------------------------------------------------------


@pytest.mark.parametrize("brk", BREAKS)
def test_the_api_refuses_an_organisation_name_with_a_line_break_naming_the_field(consultant, organisation, brk):
    created = client_of(consultant).post(
        "/api/v1/organisations/", {"firm": organisation.firm_id, "name": f"Acme{brk}Ltd"}, format="json"
    )
    assert created.status_code == 400
    body = created.json()
    assert body["code"] == "invalid" and list(body["fields"]) == ["name"]
    assert "single line" in body["fields"]["name"][0] or "control character" in body["fields"]["name"][0]
    assert not Organisation.objects.filter(name__startswith="Acme").exists()


def single_line_cases(organisation, assessment):
    """(method, url, body, field): every single-line field people type in the API."""
    org, firm = f"/api/v1/organisations/{organisation.pk}/", f"/api/v1/firms/{organisation.firm_id}/"
    assessments, invitations = "/api/v1/assessments/", "/api/v1/invitations/"
    invitation = {"assessment": assessment.pk, "email": "a@example.com", "group": "reps"}
    return [
        ("post", "/api/v1/organisations/", {"name": "Acme", "industry": HOSTILE}, "industry"),
        ("patch", org, {"name": HOSTILE}, "name"),
        ("patch", org, {"industry": HOSTILE}, "industry"),
        ("post", "/api/v1/firms/", {"name": HOSTILE}, "name"),
        ("patch", firm, {"name": HOSTILE}, "name"),
        ("post", assessments, {"organisation": organisation.pk, "period": "FY\n2030"}, "period"),
        ("post", assessments, {"organisation": organisation.pk, "period": "FY2030", "title": HOSTILE}, "title"),
        ("post", invitations, {**invitation, "name": HOSTILE}, "name"),
        ("post", invitations, {**invitation, "email": "a@example.com\nBcc: b@example.com"}, "email"),
        ("post", invitations, {**invitation, "group": "reps\u2028"}, "group"),
    ]


def test_every_single_line_field_of_the_api_refuses_a_line_break_and_nothing_changes(
    consultant, organisation, open_assessment, mailoutbox, django_capture_on_commit_callbacks
):
    from organisations.models import FirmMembership, FirmRole

    FirmMembership.objects.filter(user=consultant, firm=organisation.firm).update(role=FirmRole.ADMIN)
    client = client_of(consultant)
    models = (Organisation, Firm, Assessment, Invitation)
    before = [m.objects.count() for m in models]
    for method, url, body, field in single_line_cases(organisation, open_assessment):
        with django_capture_on_commit_callbacks(execute=True):
            answered = getattr(client, method)(url, body, format="json")
        assert answered.status_code == 400, (url, body, answered.content)
        assert field in answered.json()["fields"], (url, body, answered.json())
    assert [m.objects.count() for m in models] == before and mailoutbox == []
    organisation.refresh_from_db()
    assert (organisation.name, organisation.industry, organisation.firm.name) == (
        "Northwind Traders",
        "",
        Firm.objects.get(pk=organisation.firm_id).name,
    )
    assert "\n" not in organisation.firm.name


def test_a_firm_renamed_in_a_multipart_request_is_refused_too(consultant, organisation):
    from organisations.models import FirmMembership, FirmRole

    FirmMembership.objects.filter(user=consultant, firm=organisation.firm).update(role=FirmRole.ADMIN)
    name = organisation.firm.name
    answered = client_of(consultant).patch(
        f"/api/v1/firms/{organisation.firm_id}/", {"name": "Evil\r\nCorp"}, format="multipart"
    )
    assert answered.status_code == 400 and "name" in answered.json()["fields"]
    assert Firm.objects.get(pk=organisation.firm_id).name == name


# --- refused at input: lists, pages and the sign-up ---------------------------------------------


def test_a_csv_list_with_a_line_break_inside_a_quoted_name_is_refused_by_line(
    consultant, open_assessment, mailoutbox, django_capture_on_commit_callbacks
):
    listed = 'ann@example.com,Ann,reps\nbob@example.com,"Bob\r\nBcc: victim@example.com",reps\n'
    client = client_of(consultant)
    with django_capture_on_commit_callbacks(execute=True):
        as_text = client.post(
            "/api/v1/invitations/upload/", {"assessment": open_assessment.pk, "csv": listed}, format="json"
        )
        as_file = client.post(
            "/api/v1/invitations/upload/",
            {"assessment": open_assessment.pk, "file": SimpleUploadedFile("team.csv", listed.encode(), "text/csv")},
            format="multipart",
        )
    for answered in (as_text, as_file):
        assert answered.status_code == 422
        assert answered.json()["fields"] == {
            "csv": ["Line 3: The name must be a single line: remove the line break (U+000D)."]
        }
    assert not Invitation.objects.exists() and mailoutbox == []


def test_the_invitation_pages_refuse_a_name_with_a_line_break_as_a_form_error(
    client, consultant, open_assessment, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    with django_capture_on_commit_callbacks(execute=True):
        one = client.post(
            reverse("surveys:invite", kwargs={"assessment_id": open_assessment.pk}),
            {"email": "ann@example.com", "name": "Ann\r\nBcc: victim@example.com", "group": "reps"},
        )
        listed = client.post(
            reverse("surveys:invite-list", kwargs={"assessment_id": open_assessment.pk}),
            {"csv_text": 'bob@example.com,"Bob\nBcc: victim@example.com",reps'},
        )
    assert one.status_code == 400
    assert "Must be a single line: remove the line break (U+000D)." in one.content.decode()
    assert listed.status_code == 400
    assert "The name must be a single line: remove the line break (U+000A)." in listed.content.decode()
    assert not Invitation.objects.exists() and mailoutbox == []


@pytest.mark.parametrize("field", ["name", "company"])
def test_the_sign_up_refuses_a_line_break_in_a_name_and_stores_and_sends_nothing(client, db, mailoutbox, field):
    form = {"name": "Dana Scully", "email": "dana@example.com", "password": "a-long-and-unusual-passphrase"}
    form = {**form, "company": "Initech", field: "Initech\nBcc: victim@example.com"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        answered = client.post(reverse("surveys:sign-up"), form)
    assert answered.status_code == 400
    assert "Must be a single line: remove the line break (U+000A)." in answered.content.decode()
    assert not SignUp.objects.exists() and mailoutbox == []


def test_the_workspace_forms_refuse_line_breaks_in_names_periods_and_titles(client, consultant, organisation):
    client.force_login(consultant)
    made = client.post(reverse("assessment:organisation-new"), {"name": "Acme\nLtd", "industry": ""})
    assert made.status_code == 400 and "Must be a single line" in made.content.decode()
    assert not Organisation.objects.filter(name__startswith="Acme").exists()


def test_the_service_refuses_a_name_with_a_line_break_whatever_calls_it(open_assessment):
    from organisations.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        services.invite(assessment=open_assessment, email="a@example.com", group="reps", name="A\u2028B")
    assert refused.value.field == "name"
    assert not Invitation.objects.exists()


# --- stored before the rule: every email still goes, on one line ---------------------------------


@pytest.fixture
def hostile_names(organisation, consultant):
    """An organisation, its firm and the consultant named with line breaks, as rows stored earlier may be."""
    Organisation.objects.filter(pk=organisation.pk).update(name=HOSTILE)
    Firm.objects.filter(pk=organisation.firm_id).update(name="Consulting\nCo")
    get_user_model().objects.filter(pk=consultant.pk).update(first_name="Con\r\nBcc: victim@example.com")
    organisation.refresh_from_db()
    consultant.refresh_from_db()
    return organisation


def test_an_invitation_through_the_api_names_a_stored_hostile_organisation_on_one_line(
    hostile_names, consultant, open_assessment, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = client_of(consultant).post(
            "/api/v1/invitations/",
            {"assessment": open_assessment.pk, "email": "ann@example.com", "name": "Ann", "group": "reps"},
            format="json",
        )
    assert created.status_code == 201
    [message] = mailoutbox
    headers = single_line_headers(message)
    assert headers["Subject"] == "Northwind Bcc: victim@example.com: your views on how we sell"
    assert "Northwind Bcc: victim@example.com is assessing" in message.body
    assert Invitation.objects.get().emails_sent == 1


def test_resends_reminders_pages_and_lists_all_send_with_stored_hostile_names(
    hostile_names, client, consultant, open_assessment, mailoutbox, django_capture_on_commit_callbacks, settings
):
    # A person's name stored with a line break, too.
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.invite(assessment=open_assessment, email="rep@example.com", group="reps", name="Rep")
    Invitation.objects.filter(pk=invited.pk).update(name="Robin\r\nRep")
    client.force_login(consultant)
    with django_capture_on_commit_callbacks(execute=True):
        resent = client_of(consultant).post(f"/api/v1/invitations/{invited.pk}/resend/")
        page = client.post(
            reverse("surveys:invite", kwargs={"assessment_id": open_assessment.pk}),
            {"email": "ann@example.com", "name": "Ann", "group": "reps"},
        )
        listed = client_of(consultant).post(
            "/api/v1/invitations/upload/",
            {"assessment": open_assessment.pk, "csv": "bob@example.com,Bob,reps"},
            format="json",
        )
    assert (resent.status_code, page.status_code, listed.status_code) == (200, 302, 201)
    with django_capture_on_commit_callbacks(execute=True):
        reminded = services.send_reminders(now=timezone.now() + timedelta(days=settings.REMINDER_INTERVAL_DAYS))
    assert len(reminded) == 3
    # The invitation, its resend, the page's and the list's invitations, and three reminders.
    assert len(mailoutbox) == 7
    for message in mailoutbox:
        single_line_headers(message)
        assert "Northwind Bcc: victim@example.com" in message.subject
    assert "Hello Robin Rep," in mailoutbox[1].body
    assert mailoutbox[-1].subject == "Reminder: Northwind Bcc: victim@example.com would still like your views"
    assert all(i.email_error == "" for i in Invitation.objects.all())


def test_a_member_invitation_names_a_stored_hostile_organisation_firm_and_inviter_on_one_line(
    hostile_names, consultant, organisation, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answered = client_of(consultant).post(
            f"/api/v1/organisations/{organisation.pk}/members/",
            {"email": "hr@northwind.example", "role": "viewer"},
            format="json",
        )
    assert answered.status_code == 202
    [message] = mailoutbox
    headers = single_line_headers(message)
    assert headers["Subject"] == "You are invited to join Northwind Bcc: victim@example.com on Waypoint"
    assert "Con Bcc: victim@example.com has invited you to join Northwind Bcc: victim@example.com (Consulting Co)" in (
        message.body
    )
    assert MemberInvitation.objects.get().sent_at is not None


def test_a_sign_up_stored_with_a_hostile_company_is_emailed_and_confirmed_on_one_line(client, db, mailoutbox):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            reverse("surveys:sign-up"),
            {
                "name": "Dana Scully",
                "email": "dana@example.com",
                "password": "a-long-and-unusual-passphrase",
                "company": "Initech",
            },
        )
    stored = SignUp.objects.get()
    details = {**stored.details, "company": "Initech\r\nBcc: victim@example.com", "first_name": "Dana\nX"}
    SignUp.objects.filter(pk=stored.pk).update(details=details)
    token = mailoutbox[0].body.split("/start/confirm/")[1].split("/")[0]
    mailoutbox.clear()
    assert services.send_sign_up_email(sign_up_id=stored.pk, email=stored.email, token=token)
    [message] = mailoutbox
    single_line_headers(message)
    assert "self-assessment for Initech Bcc: victim@example.com." in message.body
    confirmed = client.get(reverse("surveys:sign-up-confirm", kwargs={"token": token}))
    assert confirmed.status_code == 302
    assert Organisation.objects.get().name == "Initech Bcc: victim@example.com"
    assert get_user_model().objects.get().first_name == "Dana X"


def test_a_new_account_from_a_member_invitation_refuses_a_name_with_a_line_break(
    client, consultant, organisation, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_of(consultant).post(
            f"/api/v1/organisations/{organisation.pk}/members/", {"email": "fox@example.com", "role": "viewer"}
        )
    link = next(line.strip() for line in mailoutbox[0].body.splitlines() if "/join/" in line)
    users = get_user_model().objects.count()
    joined = client.post(
        "/join/" + link.split("/join/")[1], {"name": "Fox\u2028Mulder", "password": "a-long-and-unusual-passphrase"}
    )
    assert joined.status_code == 400
    assert "Must be a single line: remove the line break (U+2028)." in joined.content.decode()
    assert get_user_model().objects.count() == users
    assert MemberInvitation.objects.get().accepted_at is None
