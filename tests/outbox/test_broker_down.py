"""With the broker down, every request that queues work answers at once, keeps what it stored and
shows it queued; once the broker is back the sweep hands each piece of work over exactly once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessment import services as assessment_services
from organisations.models import MemberInvitation
from organisations.tasks import send_member_invitation_email_task
from outbox import services as outbox
from outbox.models import OutboxMessage, OutboxState
from reports.models import Report, ReportStatus
from surveys import services as survey_services
from surveys.models import Invitation
from surveys.tasks import send_invitation_email_task
from tests.outbox.conftest import ACCEPTED

# Generous for a loaded machine: a broker that is down used to cost 3.4 s and a 500.
QUICK = 3.0


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def next_year(organisation, default_rubric, consultant):
    """An open assessment to invite people to (this_year, closed, is the one reported on)."""
    assessment = assessment_services.create_assessment(
        organisation=organisation, period="FY2027", rubric_version=default_rubric, created_by=consultant
    )
    return assessment_services.open_assessment(assessment=assessment)


def test_with_the_broker_down_every_request_is_accepted_queued_and_swept_once(
    broker_down, client, consultant, organisation, this_year, next_year, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    answers = {}

    def timed(name, send):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            answers[name] = send()
        elapsed = time.monotonic() - started
        assert elapsed < QUICK, f"{name} took {elapsed:.1f} s"
        return answers[name]

    report_page = reverse("reports:assessment-reports", kwargs={"assessment_id": this_year.pk})
    timed("report (API)", lambda: api(consultant).post(f"/api/v1/assessments/{this_year.pk}/reports/"))
    timed("report (page)", lambda: client.post(report_page))
    invited = timed(
        "invite (API)",
        lambda: api(consultant).post(
            "/api/v1/invitations/", {"assessment": next_year.pk, "email": "ann@example.com", "group": "reps"}
        ),
    ).json()
    timed("resend (API)", lambda: api(consultant).post(f"/api/v1/invitations/{invited['id']}/resend/"))
    timed(
        "upload (API)",
        lambda: api(consultant).post(
            "/api/v1/invitations/upload/",
            {"assessment": next_year.pk, "csv": "bob@example.com,Bob,reps\ncy@example.com,Cy,managers\n"},
        ),
    )
    timed(
        "invite (page)",
        lambda: client.post(
            reverse("surveys:invite", kwargs={"assessment_id": next_year.pk}),
            {"email": "dee@example.com", "name": "Dee", "group": "reps"},
        ),
    )
    timed(
        "list (page)",
        lambda: client.post(
            reverse("surveys:invite-list", kwargs={"assessment_id": next_year.pk}),
            {"csv_text": "eve@example.com,Eve,marketing\n"},
        ),
    )
    timed(
        "member invitation (API)",
        lambda: api(consultant).post(
            f"/api/v1/organisations/{organisation.pk}/members/", {"email": "hr@example.com", "role": "viewer"}
        ),
    )
    client.logout()
    timed(
        "sign-up (page)",
        lambda: client.post(
            reverse("surveys:sign-up"),
            {"name": "Dana Scully", "email": "dana@example.com", "password": "a-long-and-unusual-passphrase",
             "company": "Initech"},
        ),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        reminded = survey_services.send_reminders(now=timezone.now() + timedelta(days=4))

    assert {name: r.status_code for name, r in answers.items()} == ACCEPTED
    # Everything was stored, and is shown queued; nothing went out.
    assert answers["report (API)"].json()["status"] == "queued"
    assert [r.status for r in Report.objects.all()] == [ReportStatus.QUEUED] * 2
    emails = ["ann@example.com", "bob@example.com", "cy@example.com", "dee@example.com", "eve@example.com"]
    assert sorted(Invitation.objects.values_list("email", flat=True)) == emails
    assert sorted(reminded) == sorted(Invitation.objects.values_list("pk", flat=True))
    listed = api(consultant).get("/api/v1/invitations/", {"assessment": next_year.pk}).json()["results"]
    assert {i["email"]: i["email_state"] for i in listed} == dict.fromkeys(emails, "queued")
    client.force_login(consultant)
    page = client.get(reverse("surveys:invitations", kwargs={"assessment_id": next_year.pk})).content.decode()
    assert page.count("email queued") == len(emails)
    members = api(consultant).get(f"/api/v1/organisations/{organisation.pk}/invitations/").json()["results"]
    assert [(m["email"], m["status"]) for m in members] == [("hr@example.com", "queued")]
    assert mailoutbox == []
    waiting = OutboxMessage.objects.all()
    # 2 renders, 1 + 1 (resend) + 4 invitation emails, 5 reminders, a member invitation, a sign-up
    assert Counter(m.task.rsplit(".", 1)[1] for m in waiting) == {
        "render_report": 2,
        "send_invitation_email_task": 11,
        "send_member_invitation_email_task": 1,
        "send_sign_up_email_task": 1,
    }
    assert {(m.state, m.attempts) for m in waiting} == {(OutboxState.PENDING, 1)}
    assert all("Error" in m.last_error for m in waiting)

    # A sweep while the broker is still down hands nothing over and keeps everything.
    assert outbox.sweep(now=timezone.now() + timedelta(minutes=1)) == []
    assert OutboxMessage.objects.filter(state=OutboxState.PENDING).count() == len(waiting)

    broker_down.back()
    handed = outbox.sweep(now=timezone.now() + timedelta(minutes=1))
    assert sorted(handed) == sorted(m.pk for m in waiting)
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.DONE}
    sent = Counter(m.to[0] for m in mailoutbox)
    # ann: invitation, resend, reminder; everyone else: invitation, reminder; one member invitation, one sign-up.
    assert sent == {
        "ann@example.com": 3,
        **dict.fromkeys(emails[1:], 2),
        "hr@example.com": 1,
        "dana@example.com": 1,
    }
    reports = Report.objects.all()
    assert [r.status for r in reports] == [ReportStatus.READY] * 2
    assert all(r.pdf.name for r in reports)
    assert MemberInvitation.objects.get().sent_at is not None
    listed = api(consultant).get("/api/v1/invitations/", {"assessment": next_year.pk}).json()["results"]
    assert {i["email_state"] for i in listed} == {"sent"}

    # A second sweep finds nothing left to do.
    assert outbox.sweep(now=timezone.now() + timedelta(minutes=2)) == []
    assert len(mailoutbox) == sum(sent.values())


def test_a_publish_to_a_broker_that_is_down_costs_under_a_second(broker_down, next_year, consultant):
    survey_services.invite(assessment=next_year, email="ann@example.com", group="reps", invited_by=consultant)
    message = OutboxMessage.objects.get()
    started = time.monotonic()
    assert outbox.dispatch(message.pk) is False
    assert time.monotonic() - started < 1.0
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1)


def test_the_sweep_leaves_work_queued_moments_ago_to_the_after_commit_dispatch(broker_down, next_year, consultant):
    survey_services.invite(assessment=next_year, email="ann@example.com", group="reps", invited_by=consultant)
    broker_down.back()
    assert outbox.sweep() == []
    assert OutboxMessage.objects.get().state == OutboxState.PENDING


def test_work_delivered_twice_is_done_once(next_year, consultant, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = survey_services.invite(
            assessment=next_year, email="ann@example.com", group="reps", invited_by=consultant
        )
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.DONE and len(mailoutbox) == 1
    # The broker took it but the row was not marked, so the sweep published it again: a second delivery.
    send_invitation_email_task.apply_async(args=[invitation.pk, "invitation"], task_id=message.celery_task_id)
    assert len(mailoutbox) == 1
    # Called directly (not through the outbox), the task still sends.
    send_invitation_email_task(invitation.pk, "invitation")
    assert len(mailoutbox) == 2


def test_a_member_invitation_link_already_sent_is_not_sent_again(
    broker_down, organisation, consultant, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api(consultant).post(
            f"/api/v1/organisations/{organisation.pk}/members/", {"email": "hr@example.com", "role": "viewer"}
        )
    args = OutboxMessage.objects.get().args
    broker_down.back()
    assert len(outbox.sweep(now=timezone.now() + timedelta(minutes=1))) == 1
    assert len(mailoutbox) == 1
    # Another copy of the same work (the same link), delivered without the outbox's record: not sent.
    assert send_member_invitation_email_task(*args) is False
    assert len(mailoutbox) == 1


def test_a_failing_task_in_eager_mode_does_not_fail_the_request_and_stays_queued(
    next_year, consultant, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=SMTPException("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        answer = api(consultant).post(
            "/api/v1/invitations/", {"assessment": next_year.pk, "email": "ann@example.com", "group": "reps"}
        )
    assert answer.status_code == 201
    message = OutboxMessage.objects.get()
    assert message.state == OutboxState.PENDING
    assert "SMTPException" in message.last_error
    assert Invitation.objects.get().email_error == "SMTPException: down"
    assert mailoutbox == []


def test_work_the_broker_lost_is_handed_over_again_and_done_once(broker_down, next_year, consultant, mailoutbox):
    invitation = survey_services.invite(
        assessment=next_year, email="ann@example.com", group="reps", invited_by=consultant
    )
    message = OutboxMessage.objects.get()
    # The broker accepted it, then lost it (Redis restarted without persistence): handed over, never run.
    handed_at = timezone.now() - timedelta(hours=1)
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxState.DISPATCHED, dispatched_at=handed_at)
    broker_down.back()
    assert outbox.sweep() == []  # an hour is not long enough to call it lost
    assert mailoutbox == []
    later = timezone.now() + timedelta(seconds=6 * 3600)
    assert outbox.sweep(now=later) == [message.pk]
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]
    assert OutboxMessage.objects.get().state == OutboxState.DONE
    assert outbox.sweep(now=later + timedelta(days=1)) == []
    assert len(mailoutbox) == 1
    invitation.refresh_from_db()
    assert invitation.last_emailed_at is not None


def test_a_long_list_with_the_broker_down_is_stored_pending_and_swept_one_email_each(
    broker_down, client, consultant, next_year, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    people = [f"p{i}@example.com" for i in range(40)]
    text = "".join(f"{email},Person {i},reps\n" for i, email in enumerate(people))
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("surveys:invite-list", kwargs={"assessment_id": next_year.pk}), {"csv_text": text})
    # One refused connection for the whole list, not one per person.
    assert time.monotonic() - started < QUICK
    assert answer.status_code == ACCEPTED["list (page)"]
    assert sorted(Invitation.objects.values_list("email", flat=True)) == sorted(people)
    waiting = OutboxMessage.objects.all()
    assert len(waiting) == 40
    assert {(m.state, m.attempts) for m in waiting} == {(OutboxState.PENDING, 1)}
    assert all("Error" in m.last_error for m in waiting)
    page = client.get(reverse("surveys:invitations", kwargs={"assessment_id": next_year.pk})).content.decode()
    assert page.count("email queued") == 40
    assert mailoutbox == []

    broker_down.back()
    handed = outbox.sweep(now=timezone.now() + timedelta(minutes=1))
    assert sorted(handed) == sorted(m.pk for m in waiting)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(people)
    assert outbox.sweep(now=timezone.now() + timedelta(minutes=2)) == []
    assert len(mailoutbox) == 40
