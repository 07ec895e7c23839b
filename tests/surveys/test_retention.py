"""Respondents' email addresses are erased INVITATION_RETENTION_DAYS after their assessment closes;
the anonymous responses and answers stay."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from assessment import services
from assessment.models import Answer, Response
from surveys import retention, tasks
from surveys.models import Invitation
from tests.factories import InvitationFactory

CLOSED_AT = timezone.now().replace(microsecond=0) - timedelta(days=400)


def at(moment):
    """The clock, stopped at `moment`."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def closed_with_invitations(open_assessment):
    response = services.start_response(assessment=open_assessment, group="reps")
    services.save_answer(response=response, answer=services.AnswerInput(criterion="stage-exit-criteria", option="3"))
    services.submit_response(response=response)
    invitations = [
        InvitationFactory(assessment=open_assessment, email="ann@example.com", name="Ann", response=response),
        InvitationFactory(assessment=open_assessment, email="bob@example.com", name="Bob"),
    ]
    with at(CLOSED_AT):
        services.close_assessment(assessment=open_assessment)
    return open_assessment, invitations


def test_addresses_are_kept_until_the_retention_period_has_passed(closed_with_invitations, settings):
    settings.INVITATION_RETENTION_DAYS = 90
    with at(CLOSED_AT + timedelta(days=89, hours=23)):
        assert tasks.erase_invitation_emails_task() == 0
    assert sorted(Invitation.objects.values_list("email", "name")) == [
        ("ann@example.com", "Ann"),
        ("bob@example.com", "Bob"),
    ]


def test_addresses_and_names_are_blanked_once_the_period_has_passed_and_the_answers_stay(
    closed_with_invitations, settings
):
    settings.INVITATION_RETENTION_DAYS = 90
    assessment, _ = closed_with_invitations
    answers = list(Answer.objects.filter(response__assessment=assessment).values())
    with at(CLOSED_AT + timedelta(days=90, minutes=1)):
        assert tasks.erase_invitation_emails_task() == 2
        assert retention.erase_invitation_emails() == 0
    assert list(Invitation.objects.values_list("email", "name")) == [("", ""), ("", "")]
    assert Invitation.objects.filter(response__isnull=False).count() == 1
    assert Response.objects.filter(assessment=assessment).submitted().count() == 1
    assert list(Answer.objects.filter(response__assessment=assessment).values()) == answers


def test_the_retention_period_is_the_setting(closed_with_invitations, settings):
    settings.INVITATION_RETENTION_DAYS = 10
    with at(CLOSED_AT + timedelta(days=11)):
        assert retention.erase_invitation_emails() == 2


def test_invitations_of_open_assessments_and_of_recently_closed_ones_keep_their_addresses(
    closed_with_invitations, organisation, default_rubric, settings
):
    settings.INVITATION_RETENTION_DAYS = 90
    still_open = services.create_assessment(organisation=organisation, period="FY2099", rubric_version=default_rubric)
    services.open_assessment(assessment=still_open)
    kept = InvitationFactory(assessment=still_open, email="carol@example.com")
    with at(CLOSED_AT + timedelta(days=365)):
        assert retention.erase_invitation_emails() == 2
    kept.refresh_from_db()
    assert kept.email == "carol@example.com"


def test_the_erasure_runs_every_day_from_celery_beat(settings):
    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    daily = schedule["surveys.tasks.erase_invitation_emails_task"]
    assert len(daily.hour) == 1 and len(daily.minute) == 1 and len(daily.day_of_month) == 31
