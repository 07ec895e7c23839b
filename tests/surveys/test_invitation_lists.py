"""A list of invitations is stored and queued in bulk: the same queries for 10 people as for 200,
one email each, and the rules of a single invitation (revoked ones, started ones, all or nobody)."""

from __future__ import annotations

import math
from collections import Counter
from unittest import mock

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from assessment.models import Assessment
from organisations.errors import NotFound, StateConflict
from outbox import services as outbox
from outbox.models import OutboxMessage, OutboxState
from surveys import services, tokens
from surveys.models import Invitation

GROUPS = ("reps", "managers", "marketing", "sales-leadership")


def people(count: int, *, first: int = 0) -> str:
    return "".join(f"p{i}@example.com,Person {i},{GROUPS[i % len(GROUPS)]}\n" for i in range(first, first + count))


def insert_batches(rows: int) -> int:
    """INSERTs the database needs for a list of `rows` (PostgreSQL: one per 500; SQLite limits the
    values per statement): one series for the invitations, one for their outbox messages."""
    total = 0
    for model in (Invitation, OutboxMessage):
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
        size = min(services.LIST_BATCH_SIZE, connection.ops.bulk_batch_size(fields, [None] * rows))
        total += math.ceil(rows / size)
    return total


@pytest.fixture
def published():
    """The email tasks handed to Celery, intercepted: (invitation id, kind) of each."""
    sent: list[tuple[int, str]] = []
    with mock.patch(
        "surveys.tasks.send_invitation_email_task.apply_async",
        side_effect=lambda args, **options: sent.append(tuple(args)),
    ):
        yield sent


def test_a_list_of_200_costs_the_same_queries_as_a_list_of_10(
    open_assessment, consultant, published, django_capture_on_commit_callbacks
):
    def invite_list(text: str) -> list[str]:
        assessment = Assessment.objects.get(pk=open_assessment.pk)  # as a request reads it
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
            batch = services.invite_many(assessment=assessment, csv_text=text, invited_by=consultant)
        assert len(batch.created) == text.count("\n")
        return [q["sql"] for q in captured.captured_queries]

    small = invite_list(people(10))
    large = invite_list(people(200, first=10))

    def not_inserts(queries: list[str]) -> list[str]:
        return [sql for sql in queries if not sql.startswith("INSERT")]

    assert len(not_inserts(large)) == len(not_inserts(small))
    assert len(large) - len(not_inserts(large)) == insert_batches(200)
    if connection.vendor == "postgresql":
        assert len(large) == len(small)
    # Every invitation's email was handed to Celery once, after commit.
    invitations = list(Invitation.objects.order_by("id").values_list("pk", flat=True))
    assert len(invitations) == 210
    assert Counter(published) == {(pk, "invitation"): 1 for pk in invitations}
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.DISPATCHED}


def test_nothing_is_handed_to_celery_before_the_list_is_committed(open_assessment, published):
    services.invite_many(assessment=open_assessment, csv_text=people(5))
    assert published == []
    assert OutboxMessage.objects.filter(state=OutboxState.PENDING).count() == 5


def test_everyone_on_a_list_gets_one_email_with_their_own_link(
    open_assessment, consultant, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.invite_many(assessment=open_assessment, csv_text=people(30), invited_by=consultant)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(f"p{i}@example.com" for i in range(30))
    for invitation in batch.created:
        (email,) = [m for m in mailoutbox if m.to == [invitation.email]]
        assert email.subject == "Northwind Traders: your views on how we sell"
        assert f"Hello {invitation.name}," in email.body
        token = tokens.token_for(invitation.secret)
        assert f"https://testserver/s/{token}/" in email.body
        assert services.find_invitation(token=token) == invitation
        assert invitation.invited_by == consultant
    assert set(Invitation.objects.values_list("emails_sent", flat=True)) == {1}
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.DONE}
    # The links are all different.
    assert len({i.digest for i in batch.created}) == 30


def test_a_list_renews_revoked_invitations_and_leaves_current_ones_as_they_were(
    open_assessment, invite, mailoutbox, django_capture_on_commit_callbacks
):
    current = invite(open_assessment, email="ann@example.com", group="reps")
    revoked = invite(open_assessment, email="bob@example.com", group="reps", name="Bob")
    services.revoke_invitation(invitation=revoked.invitation)
    mailoutbox.clear()
    text = "ann@example.com,Ann,reps\nbob@example.com,,managers\ncy@example.com,Cy,reps\n"
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.invite_many(assessment=open_assessment, csv_text=text)
    assert batch.already_invited == ("ann@example.com",)
    assert [(i.email, i.name, i.group) for i in batch.created] == [
        ("bob@example.com", "Bob", "managers"),
        ("cy@example.com", "Cy", "reps"),
    ]
    assert batch.created[0].pk == revoked.invitation.pk
    assert sorted(m.to[0] for m in mailoutbox) == ["bob@example.com", "cy@example.com"]
    # Bob's old link stays dead; the new one works.
    with pytest.raises(NotFound):
        services.find_invitation(token=revoked.token)
    renewed = services.find_invitation(token=tokens.token_for(batch.created[0].secret))
    assert (renewed.pk, renewed.revoked_at, renewed.group) == (revoked.invitation.pk, None, "managers")
    assert services.find_invitation(token=current.token).name == ""


def test_a_list_that_would_move_a_started_respondent_to_another_group_stores_nothing(
    open_assessment, invite, django_capture_on_commit_callbacks, mailoutbox
):
    started = invite(open_assessment, email="bob@example.com", group="reps")
    services.begin_response(invitation=started.invitation)
    services.revoke_invitation(invitation=started.invitation)
    queued = OutboxMessage.objects.count()
    with (
        pytest.raises(StateConflict, match=r"bob@example\.com already started answering as reps"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.invite_many(
            assessment=open_assessment, csv_text="ann@example.com,Ann,reps\nbob@example.com,,managers\n"
        )
    assert list(Invitation.objects.values_list("email", flat=True)) == ["bob@example.com"]
    assert started.refresh().revoked_at is not None
    assert OutboxMessage.objects.count() == queued
    assert len(mailoutbox) == 1  # bob's first invitation only


def test_duplicates_and_bad_lines_of_a_long_list_are_reported_by_line_and_nothing_is_queued(open_assessment):
    text = people(150) + "p3@example.com,Again,reps\nnot-an-email,X,reps\n"
    with pytest.raises(services.InvalidInvitationList) as raised:
        services.invite_many(assessment=open_assessment, csv_text=text)
    assert raised.value.errors == [
        "Line 151: p3@example.com is already on line 4.",
        "Line 152: 'not-an-email' is not a valid email address.",
    ]
    assert not Invitation.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_enqueue_many_queues_one_message_per_row_and_needs_one_row_id_each(open_assessment, published):
    messages = outbox.enqueue_many("surveys.tasks.send_invitation_email_task", [(1, "invitation"), (2, "reminder")])
    assert [(m.args, m.about_id, m.state) for m in messages] == [
        ([1, "invitation"], None, OutboxState.PENDING),
        ([2, "reminder"], None, OutboxState.PENDING),
    ]
    with pytest.raises(ValueError):
        outbox.enqueue_many("surveys.tasks.send_invitation_email_task", [(1, "invitation")], about_ids=[1, 2])
    assert outbox.enqueue_many("surveys.tasks.send_invitation_email_task", []) == []
    assert OutboxMessage.objects.count() == 2
