"""The survey API: respondent endpoints by invitation token alone, invitation endpoints by role."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assessment import services as assessment_services
from assessment.models import Answer, Response
from surveys import services
from surveys.models import IdempotentRequest, Invitation
from surveys.tasks import purge_idempotency_records_task
from tests.api.world import answer_everything


def client_of(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def survey_url(invited, part: str = "") -> str:
    return f"/api/v1/survey/{invited.token}/{part}"


# --- respondents ----------------------------------------------------------------------------


def test_the_questionnaire_holds_the_groups_questions_and_the_saved_answers(invited_rep):
    client = client_of()
    client.post(survey_url(invited_rep, "answers/"), {"criterion": "stage-exit-criteria", "option": "2"}, format="json")
    body = client.get(survey_url(invited_rep)).json()
    assert body["organisation"] == "Northwind Traders"
    assert (body["group"], body["group_name"], body["state"]) == ("reps", "Sales reps", "open")
    assert (body["answered"], body["required"], body["resume_page"], body["submitted"]) == (1, 32, 1, False)
    assert [p["name"] for p in body["pages"]] == [
        "Sales process",
        "Organisation design",
        "Sales technology and data",
        "Marketing alignment",
        "Strategic sales leadership",
    ]
    first = body["pages"][0]["sections"][0]["questions"][0]
    assert first["key"] == "stage-exit-criteria"
    assert first["answer"] == {"option": "2", "not_applicable": False, "text": "", "comment": ""}
    assert first["options"][0] == {
        "key": "1",
        "label": "Not in place",
        "statement": "Reps decide for themselves when a deal moves stage.",
    }
    assert first["not_applicable"] == "Don't know / not applicable"
    keys = [q["key"] for p in body["pages"] for s in p["sections"] for q in s["questions"]]
    assert "specialist-generalist-balance" not in keys


def test_several_answers_are_saved_at_once_and_saving_again_changes_nothing(invited_rep):
    client = client_of()
    body = {
        "answers": [
            {"criterion": "stage-exit-criteria", "option": "4", "comment": " Enforced in CRM "},
            {"criterion": "buying-process-mapped", "not_applicable": True},
            {"criterion": "sales-process-comment", "text": "Fewer stages"},
        ]
    }
    first = client.post(survey_url(invited_rep, "answers/"), body, format="json")
    assert first.status_code == 200
    assert first.json() == {
        "saved": [
            {
                "criterion": "stage-exit-criteria",
                "option": "4",
                "not_applicable": False,
                "text": "",
                "comment": "Enforced in CRM",
            },
            {"criterion": "buying-process-mapped", "option": None, "not_applicable": True, "text": "", "comment": ""},
            {
                "criterion": "sales-process-comment",
                "option": None,
                "not_applicable": False,
                "text": "Fewer stages",
                "comment": "",
            },
        ],
        "response_started": True,
    }
    again = client.post(survey_url(invited_rep, "answers/"), body, format="json")
    assert again.json()["response_started"] is False
    assert Answer.objects.count() == 3
    assert Response.objects.get().user is None


def test_one_bad_answer_refuses_the_whole_request(invited_rep):
    body = {"answers": [{"criterion": "stage-exit-criteria", "option": "4"}, {"criterion": "nope", "option": "1"}]}
    refused = client_of().post(survey_url(invited_rep, "answers/"), body, format="json")
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "invalid",
        "message": "'nope' is not a criterion of this assessment's rubric.",
        "fields": {"criterion": ["'nope' is not a criterion of this assessment's rubric."]},
    }
    assert not Answer.objects.exists()


def test_a_comment_keeps_its_lines_and_tabs_but_a_control_character_is_refused_by_path(invited_rep):
    client = client_of()
    kept = {"criterion": "stage-exit-criteria", "option": "3", "comment": "Two teams:\n\tnew logos\r\n\trenewals"}
    assert client.post(survey_url(invited_rep, "answers/"), kept, format="json").status_code == 200
    body = {
        "answers": [
            {"criterion": "stage-exit-criteria", "option": "4"},
            {"criterion": "buying-process-mapped", "option": "2", "comment": "Pasted\x0bfrom a slide"},
        ]
    }
    refused = client.post(survey_url(invited_rep, "answers/"), body, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "answers[1].comment": ["Contains the control character U+000B, which cannot be shown or printed; remove it."]
    }
    assert [(a.option.key, a.comment) for a in Answer.objects.all()] == [("3", kept["comment"])]


def test_a_name_with_a_control_character_in_a_csv_list_is_named_by_line(open_assessment, consultant):
    upload = SimpleUploadedFile("team.csv", b"ann@example.com,Ann,reps\nbob@example.com,Bob\x07,reps\n", "text/csv")
    refused = client_of(consultant).post(
        "/api/v1/invitations/upload/", {"assessment": open_assessment.pk, "file": upload}, format="multipart"
    )
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"csv": ["Line 2: The name contains the control character U+0007; remove it."]}
    assert not Invitation.objects.exists()


def test_submitting_works_once_and_a_second_time_is_a_conflict(invited_rep):
    client = client_of()
    first = client.post(survey_url(invited_rep, "submit/"))
    assert first.status_code == 200
    assert first.json()["late"] is False
    second = client.post(survey_url(invited_rep, "submit/"))
    assert second.status_code == 409
    assert second.json()["code"] == "already_submitted"
    after = client.post(survey_url(invited_rep, "answers/"), {"criterion": "stage-exit-criteria", "option": "1"})
    assert after.status_code == 409
    assert Response.objects.count() == 1


def test_saving_an_answer_takes_two_statements_on_postgresql_three_elsewhere(invited_rep):
    """Find the invitation (with its response and assessment); lock the open response and upsert the answer.

    PostgreSQL does the second part in one statement (an UPDATE inside WITH, no transaction
    round trips); SQLite cannot, and runs the UPDATE and the INSERT in a transaction.
    """
    client = client_of()
    client.post(survey_url(invited_rep, "answers/"), {"criterion": "stage-exit-criteria", "option": "2"})
    with CaptureQueriesContext(connection) as queries:
        saved = client.post(survey_url(invited_rep, "answers/"), {"criterion": "buying-process-mapped", "option": "3"})
    assert saved.status_code == 200
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    expected = ["SELECT", "WITH"] if connection.vendor == "postgresql" else ["SELECT", "UPDATE", "INSERT"]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == expected
    # The lean lookup: neither the organisation nor the rubric version's JSON is read on every save.
    lookup = queries.captured_queries[0]["sql"]
    assert "organisations_organisation" not in lookup
    assert '"scale"' not in lookup
    answers = client.get(survey_url(invited_rep)).json()["answered"]
    assert answers == 2


def test_answers_after_the_assessment_closed_are_kept_and_the_submission_is_late(open_assessment, invited_rep):
    client = client_of()
    client.post(survey_url(invited_rep, "answers/"), {"criterion": "stage-exit-criteria", "option": "2"})
    assessment_services.close_assessment(assessment=open_assessment)
    late = client.post(survey_url(invited_rep, "answers/"), {"criterion": "buying-process-mapped", "option": "4"})
    assert late.status_code == 200
    submitted = client.post(survey_url(invited_rep, "submit/"))
    assert submitted.json()["late"] is True
    response = Response.objects.get()
    assert response.late is True
    assert sorted(response.answers.values_list("option__key", flat=True)) == ["2", "4"]


def test_a_new_response_is_refused_once_the_assessment_closed(open_assessment, invited_rep):
    assessment_services.close_assessment(assessment=open_assessment)
    refused = client_of().post(survey_url(invited_rep, "answers/"), {"criterion": "stage-exit-criteria", "option": "2"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "assessment_closed"
    assert not Response.objects.exists()


def test_a_replayed_idempotency_key_returns_the_first_result(invited_rep):
    client = client_of()
    body = {"criterion": "stage-exit-criteria", "option": "3"}
    first = client.post(survey_url(invited_rep, "answers/"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = client.post(survey_url(invited_rep, "answers/"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert IdempotentRequest.objects.count() == 1


def test_idempotency_results_are_kept_a_day_then_purged_by_the_hourly_task(invited_rep):
    client = client_of()
    url = survey_url(invited_rep, "answers/")
    client.post(url, {"criterion": "stage-exit-criteria", "option": "3"}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post(url, {"criterion": "stage-exit-criteria", "option": "4"}, format="json", HTTP_IDEMPOTENCY_KEY="new")
    now = timezone.now()
    IdempotentRequest.objects.filter(key="old").update(created_at=now - timedelta(hours=25))
    IdempotentRequest.objects.filter(key="new").update(created_at=now - timedelta(hours=23))

    assert purge_idempotency_records_task.delay().get() == 1

    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
    # The forgotten key is a new request now; the kept one still refuses a different body.
    other = {"criterion": "buying-process-mapped", "option": "2"}
    assert client.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 200
    assert client.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="new").status_code == 409


def test_the_beat_schedule_names_tasks_the_worker_knows(settings):
    from config.celery import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        "surveys.tasks.send_reminders_task",
        "surveys.tasks.purge_idempotency_records_task",
        "surveys.tasks.erase_invitation_emails_task",
        "outbox.tasks.sweep_outbox_task",
    }
    # As a worker does when it starts: every installed app's tasks module imported.
    app.loader.import_default_modules()
    assert scheduled <= set(app.tasks)


def test_a_replayed_submission_returns_the_first_result_instead_of_a_conflict(invited_rep):
    client = client_of()
    first = client.post(survey_url(invited_rep, "submit/"), HTTP_IDEMPOTENCY_KEY="submit-1")
    replay = client.post(survey_url(invited_rep, "submit/"), HTTP_IDEMPOTENCY_KEY="submit-1")
    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.json() == first.json()


def test_an_idempotency_key_reused_for_a_different_body_is_a_conflict_and_changes_nothing(invited_rep):
    client = client_of()
    url = survey_url(invited_rep, "answers/")
    client.post(url, {"criterion": "stage-exit-criteria", "option": "3"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    reused = client.post(
        url, {"criterion": "stage-exit-criteria", "option": "5"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert reused.status_code == 409
    assert reused.json() == {
        "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was already used for a different request; use a new key for new content.",
        "fields": {
            "Idempotency-Key": [
                "This Idempotency-Key was already used for a different request; use a new key for new content."
            ]
        },
    }
    assert Answer.objects.get().option.key == "3"


def test_idempotency_keys_belong_to_one_invitation(open_assessment, invite):
    first, second = invite(open_assessment, email="a@example.com"), invite(open_assessment, email="b@example.com")
    client = client_of()
    body = {"criterion": "stage-exit-criteria", "option": "3"}
    client.post(survey_url(first, "answers/"), body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    other = client.post(survey_url(second, "answers/"), body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert other.status_code == 200
    assert "Idempotent-Replayed" not in other
    assert Answer.objects.count() == 2


def test_an_expired_or_revoked_token_is_refused_with_its_reason(open_assessment, invite):
    expired, revoked = invite(open_assessment, email="e@example.com"), invite(open_assessment, email="r@example.com")
    Invitation.objects.filter(pk=expired.invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    services.revoke_invitation(invitation=revoked.invitation)
    client = client_of()
    for invited, code in ((expired, "invitation_expired"), (revoked, "invitation_revoked")):
        for method, part in (("get", ""), ("post", "answers/"), ("post", "submit/")):
            refused = getattr(client, method)(survey_url(invited, part), {"criterion": "x"}, format="json")
            assert refused.status_code == 410
            assert refused.json()["code"] == code
    assert not Response.objects.exists()


def test_a_made_up_token_is_not_found(db):
    refused = client_of().get("/api/v1/survey/made-up/")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"


def test_the_respondent_endpoints_ignore_a_signed_in_users_identity(invited_rep, consultant):
    """The token alone decides: a consultant's credentials add nothing and take nothing away."""
    saved = client_of(consultant).post(
        survey_url(invited_rep, "answers/"), {"criterion": "stage-exit-criteria", "option": "1"}, format="json"
    )
    assert saved.status_code == 200
    assert Response.objects.get().user is None


# --- invitations -------------------------------------------------------------------------------


def test_a_consultant_invites_one_person(open_assessment, consultant, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = client_of(consultant).post(
            "/api/v1/invitations/",
            {"assessment": open_assessment.pk, "email": "New.Rep@example.com", "name": "New Rep", "group": "reps"},
            format="json",
        )
    assert created.status_code == 201
    body = created.json()
    assert (body["email"], body["name"], body["group"], body["status"]) == (
        "new.rep@example.com",
        "New Rep",
        "reps",
        "invited",
    )
    assert "secret" not in body and "digest" not in body and "token" not in body
    assert mailoutbox[0].to == ["new.rep@example.com"]


def test_a_leader_may_invite_and_a_viewer_may_not(open_assessment, leader, viewer):
    body = {"assessment": open_assessment.pk, "email": "x@example.com", "group": "reps"}
    assert client_of(leader).post("/api/v1/invitations/", body, format="json").status_code == 201
    body["email"] = "y@example.com"
    refused = client_of(viewer).post("/api/v1/invitations/", body, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert Invitation.objects.count() == 1


def test_inviting_to_a_draft_assessment_is_a_conflict(draft_assessment, consultant):
    refused = client_of(consultant).post(
        "/api/v1/invitations/",
        {"assessment": draft_assessment.pk, "email": "x@example.com", "group": "reps"},
        format="json",
    )
    assert refused.status_code == 409


def test_a_csv_list_is_uploaded_as_a_file(open_assessment, consultant):
    upload = SimpleUploadedFile("team.csv", b"\xef\xbb\xbfemail,name,group\nann@example.com,Ann,reps\n", "text/csv")
    created = client_of(consultant).post(
        "/api/v1/invitations/upload/", {"assessment": open_assessment.pk, "file": upload}, format="multipart"
    )
    assert created.status_code == 201
    assert [i["email"] for i in created.json()["created"]] == ["ann@example.com"]
    assert created.json()["already_invited"] == []


def test_a_csv_list_with_problems_is_refused_with_each_line_named(open_assessment, consultant):
    refused = client_of(consultant).post(
        "/api/v1/invitations/upload/",
        {
            "assessment": open_assessment.pk,
            "csv": "ann@example.com,Ann,reps\nbad,Bob,reps\ncat@example.com,Cat,cooks\n",
        },
        format="json",
    )
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "invalid",
        "message": "2 problems in the list; nobody was invited.",
        "fields": {
            "csv": [
                "Line 2: 'bad' is not a valid email address.",
                "Line 3: 'cooks' is not a respondent group of this assessment; use one of: "
                "sales-leadership, managers, reps, marketing.",
            ]
        },
    }
    assert not Invitation.objects.exists()


def test_the_invitation_list_shows_progress_and_never_answers(open_assessment, consultant, invite):
    done = invite(open_assessment, email="done@example.com")
    response = services.begin_response(invitation=done.invitation)
    answer_everything(response, "2", comment="My manager never coaches")
    client_of().post(survey_url(done, "submit/"))
    invite(open_assessment, email="waiting@example.com", group="managers")
    listed = client_of(consultant).get(f"/api/v1/invitations/?assessment={open_assessment.pk}")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert [(r["email"], r["group"], r["status"]) for r in rows] == [
        ("done@example.com", "reps", "submitted"),
        ("waiting@example.com", "managers", "invited"),
    ]
    assert "never coaches" not in listed.content.decode()
    assert "response" not in rows[0]


def test_the_invitation_list_takes_a_bounded_number_of_queries(
    open_assessment, consultant, invite, django_assert_max_num_queries
):
    for n in range(6):
        invite(open_assessment, email=f"p{n}@example.com")
    client = client_of(consultant)
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/invitations/").json()["results"]) == 6


def test_a_viewer_sees_no_invitations(open_assessment, viewer, invited_rep):
    assert client_of(viewer).get("/api/v1/invitations/").json()["results"] == []
    assert client_of(viewer).get(f"/api/v1/invitations/{invited_rep.invitation.pk}/").status_code == 403


def test_resend_and_revoke_through_the_api(invited_rep, consultant, mailoutbox, django_capture_on_commit_callbacks):
    client = client_of(consultant)
    url = f"/api/v1/invitations/{invited_rep.invitation.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url + "resend/").status_code == 200
    assert len(mailoutbox) == 2
    revoked = client.post(url + "revoke/")
    assert revoked.json()["status"] == "revoked"
    assert client.post(url + "resend/").status_code == 409
    assert client_of().get(survey_url(invited_rep)).json()["code"] == "invitation_revoked"


@pytest.mark.parametrize("path", ["", "resend/", "revoke/"])
def test_another_organisations_consultant_cannot_reach_our_invitations(invited_rep, outsider, path):
    client = client_of(outsider)
    url = f"/api/v1/invitations/{invited_rep.invitation.pk}/{path}"
    reached = client.get(url) if not path else client.post(url)
    assert reached.status_code == 404
    assert invited_rep.refresh().revoked_at is None


def test_the_invitation_list_shows_progress_but_no_time_finer_than_a_day(
    open_assessment, consultant, invite, django_capture_on_commit_callbacks
):
    start = timezone.now()
    done = invite(open_assessment, email="done@example.com")
    begun = invite(open_assessment, email="begun@example.com")
    invite(open_assessment, email="waiting@example.com")
    submitted_at = start + timedelta(hours=3, minutes=13)
    with mock.patch("django.utils.timezone.now", return_value=submitted_at):
        response = services.begin_response(invitation=done.invitation)
        answer_everything(response, "2")
        assessment_services.submit_response(response=response)
        services.begin_response(invitation=begun.invitation)
    # Reminders go to the two who have not submitted: their time would date the submission.
    reminded_at = start + timedelta(days=4, hours=7, minutes=29)
    with (
        mock.patch("django.utils.timezone.now", return_value=reminded_at),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert len(services.send_reminders(now=reminded_at)) == 2
    listed = client_of(consultant).get(f"/api/v1/invitations/?assessment={open_assessment.pk}")
    assert listed.status_code == 200
    rows = {r["email"]: r for r in listed.json()["results"]}
    assert {email: r["status"] for email, r in rows.items()} == {
        "done@example.com": "submitted",
        "begun@example.com": "started",
        "waiting@example.com": "invited",
    }
    # Only the inviter's own times are timestamps; what follows the respondent is a day at most.
    assert {key for r in rows.values() for key in r if key.endswith("_at")} == {"created_at", "expires_at"}
    assert rows["begun@example.com"]["last_emailed_on"] == timezone.localdate(reminded_at).isoformat()
    assert rows["done@example.com"]["last_emailed_on"] == timezone.localdate(start).isoformat()
    body = listed.content.decode()
    for moment in (submitted_at, reminded_at):
        # As a time of day ("T16:45"), not the minutes and seconds of another time ("09:16:45").
        assert timezone.localtime(moment).strftime("T%H:%M") not in body
