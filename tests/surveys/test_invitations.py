"""Invitations: the link, the email, lists, resend, revoke, reminders."""

from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from assessment import services as assessment_services
from organisations.errors import InvalidInput, NotFound, StateConflict
from surveys import services, tokens
from surveys.models import Invitation, InvitationStatus

# --- the link ---------------------------------------------------------------------------


def test_a_link_token_carries_256_bits_and_only_its_digest_is_stored(invited_rep):
    token = invited_rep.token
    assert len(token) == 43  # 32 bytes, URL-safe base64 without padding
    stored = Invitation.objects.filter(pk=invited_rep.invitation.pk).values().get()
    assert token not in {str(v) for v in stored.values()}
    assert stored["digest"] == tokens.digest_of(token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM surveys_invitation")
        assert not any(token in str(value) for row in cursor.fetchall() for value in row)


def test_two_invitations_never_share_a_link(open_assessment, invite):
    first = invite(open_assessment, email="a@example.com")
    second = invite(open_assessment, email="b@example.com")
    assert first.token != second.token
    assert first.invitation.secret != second.invitation.secret


def test_the_invitation_email_carries_a_link_that_opens_the_invitation(invited_rep, mailoutbox):
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["rep@example.com"]
    assert email.subject == "Northwind Traders: your views on how we sell"
    assert f"https://testserver/s/{invited_rep.token}/" in email.body
    assert "Hello Robin Rep," in email.body
    assert "anonymous" in email.body
    assert services.find_invitation(token=invited_rep.token) == invited_rep.invitation
    stored = invited_rep.refresh()
    assert stored.emails_sent == 1
    assert stored.last_emailed_at is not None


def test_a_made_up_or_absurd_token_is_not_found(invited_rep):
    for token in ("nope", invited_rep.token[:-1] + "x", "x" * 5000, ""):
        with pytest.raises(NotFound):
            services.find_invitation(token=token)


def test_an_expired_link_is_refused_as_expired(invited_rep):
    Invitation.objects.filter(pk=invited_rep.invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.InvitationExpired):
        services.find_invitation(token=invited_rep.token)


def test_a_link_expires_after_the_configured_number_of_days(open_assessment, invite, settings):
    settings.INVITATION_TTL_DAYS = 10
    before = timezone.now()
    invited = invite(open_assessment)
    assert timedelta(days=10) <= invited.invitation.expires_at - before < timedelta(days=10, seconds=5)


# --- inviting -----------------------------------------------------------------------------


def test_inviting_to_a_draft_assessment_is_refused(draft_assessment):
    with pytest.raises(StateConflict, match="only while an assessment is open"):
        services.invite(assessment=draft_assessment, email="x@example.com", group="reps")
    assert not Invitation.objects.exists()


def test_inviting_the_same_email_twice_is_refused(invited_rep, open_assessment):
    with pytest.raises(StateConflict, match="already invited"):
        services.invite(assessment=open_assessment, email=" REP@example.com ", group="reps")
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("email", "group", "field"),
    [("not-an-email", "reps", "email"), ("x@example.com", "janitors", "group"), ("", "reps", "email")],
)
def test_bad_input_to_an_invitation_is_refused_and_stores_nothing(open_assessment, email, group, field):
    with pytest.raises(InvalidInput) as raised:
        services.invite(assessment=open_assessment, email=email, group=group)
    assert raised.value.field == field
    assert not Invitation.objects.exists()


def test_a_respondent_group_may_be_given_by_its_name(open_assessment):
    invitation = services.invite(assessment=open_assessment, email="m@example.com", group="Front-line managers")
    assert invitation.group == "managers"


def test_the_email_is_sent_only_once_the_invitation_is_committed(open_assessment, mailoutbox):
    with mock.patch("surveys.tasks.send_invitation_email_task.apply_async") as publish:
        services.invite(assessment=open_assessment, email="x@example.com", group="reps")
        publish.assert_not_called()
    assert mailoutbox == []


# --- a list ---------------------------------------------------------------------------------


def test_a_list_invites_everyone_on_it(open_assessment, django_capture_on_commit_callbacks, mailoutbox):
    text = "email,name,group\nann@example.com,Ann Archer,reps\n\nbob@example.com,,Front-line managers\n"
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.invite_many(assessment=open_assessment, csv_text=text)
    assert [(i.email, i.name, i.group) for i in batch.created] == [
        ("ann@example.com", "Ann Archer", "reps"),
        ("bob@example.com", "", "managers"),
    ]
    assert batch.already_invited == ()
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.com", "bob@example.com"]


def test_a_semicolon_separated_list_is_read(open_assessment):
    text = "ann@example.com;Ann Archer;reps\nbob@example.com;Bob;managers\n"
    batch = services.invite_many(assessment=open_assessment, csv_text=text)
    assert [(i.email, i.name, i.group) for i in batch.created] == [
        ("ann@example.com", "Ann Archer", "reps"),
        ("bob@example.com", "Bob", "managers"),
    ]


def test_a_list_with_problems_reports_each_by_line_and_invites_nobody(open_assessment):
    text = (
        "email,name,group\n"
        "ann@example.com,Ann,reps\n"
        "not-an-email,Bob,reps\n"
        "cat@example.com,Cat,janitors\n"
        "ANN@example.com,Ann again,reps\n"
        "dan@example.com,Dan,reps,extra\n"
    )
    with pytest.raises(services.InvalidInvitationList) as raised:
        services.invite_many(assessment=open_assessment, csv_text=text)
    assert raised.value.errors == [
        "Line 3: 'not-an-email' is not a valid email address.",
        "Line 4: 'janitors' is not a respondent group of this assessment; use one of: "
        "sales-leadership, managers, reps, marketing.",
        "Line 5: ann@example.com is already on line 2.",
        "Line 6: expected 3 columns (email, name, respondent group), found 4.",
    ]
    assert not Invitation.objects.exists()


def test_an_empty_list_is_refused(open_assessment):
    with pytest.raises(services.InvalidInvitationList) as raised:
        services.invite_many(assessment=open_assessment, csv_text="email,name,group\n\n")
    assert raised.value.errors == ["The list is empty: give one line per person: email, name, respondent group."]


def test_uploading_the_same_list_again_invites_nobody_twice(
    open_assessment, mailoutbox, django_capture_on_commit_callbacks
):
    text = "ann@example.com,Ann,reps\nbob@example.com,Bob,reps\n"
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_many(assessment=open_assessment, csv_text=text)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.invite_many(assessment=open_assessment, csv_text=text)
    assert again.created == ()
    assert again.already_invited == ("ann@example.com", "bob@example.com")
    assert Invitation.objects.count() == 2
    assert len(mailoutbox) == 2


# --- resend and revoke ------------------------------------------------------------------------


def test_resending_sends_the_same_link_and_renews_its_expiry(
    invited_rep, mailoutbox, django_capture_on_commit_callbacks
):
    Invitation.objects.filter(pk=invited_rep.invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_invitation(invitation=invited_rep.invitation)
    assert len(mailoutbox) == 2
    assert f"/s/{invited_rep.token}/" in mailoutbox[1].body
    assert invited_rep.refresh().expires_at > timezone.now() + timedelta(days=29)
    assert services.find_invitation(token=invited_rep.token) == invited_rep.invitation


def test_a_revoked_link_stops_working_at_once(invited_rep):
    services.revoke_invitation(invitation=invited_rep.invitation)
    with pytest.raises(services.InvitationRevoked):
        services.find_invitation(token=invited_rep.token)
    assert invited_rep.refresh().status() == InvitationStatus.REVOKED


def test_a_revoked_invitation_cannot_be_resent(invited_rep):
    services.revoke_invitation(invitation=invited_rep.invitation)
    with pytest.raises(StateConflict, match="revoked"):
        services.resend_invitation(invitation=invited_rep.invitation)


def test_inviting_a_revoked_email_again_sends_a_new_link_and_the_old_one_stays_dead(
    invited_rep, open_assessment, mailoutbox, django_capture_on_commit_callbacks
):
    services.revoke_invitation(invitation=invited_rep.invitation)
    with django_capture_on_commit_callbacks(execute=True):
        renewed = services.invite(assessment=open_assessment, email="rep@example.com", group="reps")
    assert renewed.pk == invited_rep.invitation.pk
    new_token = tokens.token_for(renewed.secret)
    assert new_token != invited_rep.token
    assert f"/s/{new_token}/" in mailoutbox[-1].body
    with pytest.raises(NotFound):
        services.find_invitation(token=invited_rep.token)
    assert services.find_invitation(token=new_token) == renewed


def test_a_submitted_invitation_can_be_neither_resent_nor_revoked(invited_rep):
    response = services.begin_response(invitation=invited_rep.invitation)
    assessment_services.submit_response(response=response)
    with pytest.raises(StateConflict, match="already submitted"):
        services.resend_invitation(invitation=invited_rep.invitation)
    with pytest.raises(StateConflict, match="already submitted"):
        services.revoke_invitation(invitation=invited_rep.invitation)
    assert invited_rep.refresh().revoked_at is None


def test_an_email_for_an_invitation_revoked_while_queued_is_not_sent(invited_rep, mailoutbox):
    services.revoke_invitation(invitation=invited_rep.invitation)
    assert services.send_invitation_email(invitation=invited_rep.invitation, kind="reminder") is False
    assert len(mailoutbox) == 1


def test_a_failing_mail_server_is_recorded_on_the_invitation_and_raised_for_a_retry(invited_rep, mailoutbox):
    failing = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=SMTPException("421")
    )
    with failing, pytest.raises(SMTPException):
        services.send_invitation_email(invitation=invited_rep.invitation, kind="invitation")
    stored = invited_rep.refresh()
    assert stored.email_error == "SMTPException: 421"
    assert stored.emails_sent == 1
    services.send_invitation_email(invitation=invited_rep.invitation, kind="invitation")
    assert invited_rep.refresh().email_error == ""


# --- reminders --------------------------------------------------------------------------------


def _days_later(days: int):
    return timezone.now() + timedelta(days=days)


def test_reminders_go_to_those_who_have_not_submitted_once_the_interval_has_passed(
    open_assessment, invite, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.REMINDER_INTERVAL_DAYS = 3
    waiting = invite(open_assessment, email="waiting@example.com")
    started = invite(open_assessment, email="started@example.com")
    done = invite(open_assessment, email="done@example.com")
    revoked = invite(open_assessment, email="revoked@example.com")
    services.begin_response(invitation=started.invitation)
    assessment_services.submit_response(response=services.begin_response(invitation=done.invitation))
    services.revoke_invitation(invitation=revoked.invitation)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(now=_days_later(2)) == []
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.send_reminders(now=_days_later(3))
    assert sorted(queued) == sorted([waiting.invitation.pk, started.invitation.pk])
    assert sorted(m.to[0] for m in mailoutbox) == ["started@example.com", "waiting@example.com"]
    assert all(m.subject == "Reminder: Northwind Traders would still like your views" for m in mailoutbox)
    assert f"/s/{waiting.token}/" in next(m.body for m in mailoutbox if m.to == ["waiting@example.com"])


def test_running_reminders_twice_sends_each_reminder_once(
    open_assessment, invite, mailoutbox, django_capture_on_commit_callbacks
):
    invite(open_assessment)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reminders(now=_days_later(3))
        services.send_reminders(now=_days_later(3))
    assert len(mailoutbox) == 1


def test_reminders_stop_after_the_maximum(open_assessment, invite, settings, django_capture_on_commit_callbacks):
    settings.REMINDER_MAX = 2
    invited = invite(open_assessment)
    with django_capture_on_commit_callbacks(execute=True):
        counts = [len(services.send_reminders(now=_days_later(3 * n))) for n in (1, 2, 3, 4)]
    assert counts == [1, 1, 0, 0]
    assert invited.refresh().reminder_count == 2


def test_no_reminders_for_a_closed_assessment_or_an_expired_link(open_assessment, invite):
    invited = invite(open_assessment)
    Invitation.objects.filter(pk=invited.invitation.pk).update(expires_at=_days_later(2))
    assert services.send_reminders(now=_days_later(3)) == []
    Invitation.objects.filter(pk=invited.invitation.pk).update(expires_at=_days_later(30))
    assessment_services.close_assessment(assessment=open_assessment)
    assert services.send_reminders(now=_days_later(3)) == []


def test_the_reminder_command_queues_the_due_reminders(
    open_assessment, invite, mailoutbox, capsys, django_capture_on_commit_callbacks
):
    invite(open_assessment)
    mailoutbox.clear()
    later = mock.patch("django.utils.timezone.now", return_value=_days_later(4))
    with later, django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    assert capsys.readouterr().out == "1 reminder queued.\n"
    assert [m.subject for m in mailoutbox] == ["Reminder: Northwind Traders would still like your views"]
