"""The survey pages reached by an invitation link: answer, resume, review, submit, and every way a link fails."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment import services as assessment_services
from assessment.models import Answer, Response
from assessment.queries import load_rubric
from surveys import services
from surveys.models import Invitation


def scored_keys(assessment, group: str, dimension: str | None = None) -> list[str]:
    rubric = load_rubric(assessment.rubric_version).rubric
    return [
        c.key
        for c in rubric.criteria_for_group(group)
        if rubric.answer_set_by_key[c.answer_set].scored
        and (dimension is None or rubric.dimension_of_criterion[c.key] == dimension)
    ]


def answer(invited, keys: list[str], option: str = "3") -> None:
    response = services.begin_response(invitation=invited.invitation)
    assessment_services.save_answers(
        response=response, answers=[assessment_services.AnswerInput(criterion=k, option=option) for k in keys]
    )


def stored_answers(invited) -> dict[str, tuple]:
    invitation = invited.refresh()
    if invitation.response is None:
        return {}
    return {
        a.criterion.key: (a.option.key if a.option else None, a.not_applicable, a.text, a.comment)
        for a in Answer.objects.filter(response=invitation.response).select_related("criterion", "option")
    }


# --- the pages ------------------------------------------------------------------------------


def test_the_welcome_page_promises_anonymity_and_leads_to_the_first_page(client, invited_rep):
    page = client.get(invited_rep.url())
    assert page.status_code == 200
    text = page.content.decode()
    assert '<html lang="en">' in text
    assert "Your answers are anonymous." in text
    assert "37 questions in 5 short sections (5 of them optional); about 25 minutes." in text
    assert f'href="/s/{invited_rep.token}/1/"' in text
    assert page["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page["Cache-Control"]


def test_each_question_offers_the_rubrics_anchored_statements_not_applicable_and_a_comment(client, invited_rep):
    text = client.get(invited_rep.url("page", number=1)).content.decode()
    assert '<legend><span class="question__number">1.</span> A deal moves to the next stage only when' in text
    assert (
        '<input type="radio" name="q-stage-exit-criteria" value="1"><span>Reps decide for themselves when a deal '
        'moves stage.<span class="option__label">Not in place</span>'
    ) in text
    assert '<input type="radio" name="q-stage-exit-criteria" value="na"><span>Don&#x27;t know / not applicable' in text
    assert '<label for="comment-stage-exit-criteria">Your comment on question 1</label>' in text
    assert '<textarea id="text-sales-process-comment" name="text-sales-process-comment"' in text
    assert "Section 1 of 5" in text
    assert '<progress id="survey-progress" max="32" value="0"' in text


def test_questions_are_routed_by_the_respondents_group(client, open_assessment, invite):
    rep = invite(open_assessment, email="rep@example.com", group="reps")
    manager = invite(open_assessment, email="manager@example.com", group="managers")
    rep_page = client.get(rep.url("page", number=2)).content.decode()
    manager_page = client.get(manager.url("page", number=2)).content.decode()
    assert 'name="q-specialist-generalist-balance"' not in rep_page
    assert 'name="q-specialist-generalist-balance"' in manager_page
    assert '<progress id="survey-progress" max="44"' in manager_page


def test_a_page_beyond_the_last_is_not_found(client, invited_rep):
    assert client.get(invited_rep.url("page", number=6)).status_code == 404


def test_posting_a_page_saves_its_answers_and_goes_on_to_the_next(client, invited_rep):
    posted = client.post(
        invited_rep.url("page", number=1),
        {
            "q-stage-exit-criteria": "3",
            "comment-stage-exit-criteria": "  Only in big deals.  ",
            "q-buying-process-mapped": "na",
            "text-sales-process-comment": "Shorter demos.",
            "go": "next",
        },
    )
    assert posted.status_code == 302
    assert posted["Location"] == invited_rep.url("page", number=2)
    assert stored_answers(invited_rep) == {
        "stage-exit-criteria": ("3", False, "", "Only in big deals."),
        "buying-process-mapped": (None, True, "", ""),
        "sales-process-comment": (None, False, "Shorter demos.", ""),
    }


def test_control_characters_pasted_into_a_comment_are_left_out_of_what_is_saved(client, invited_rep):
    """The respondent cannot see them, so the page drops them as it trims spaces; lines are kept."""
    client.post(
        invited_rep.url("page", number=1),
        {"q-stage-exit-criteria": "3", "comment-stage-exit-criteria": "\x0b Only in\x07 big deals.\nNot small."},
    )
    pasted = {"criterion": "buying-process-mapped", "option": "2", "comment": "Mapped\x1b once"}
    body = json.dumps({"answers": [pasted]})
    assert client.post(invited_rep.url("answers"), body, content_type="application/json").status_code == 200
    assert stored_answers(invited_rep) == {
        "stage-exit-criteria": ("3", False, "", "Only in big deals.\nNot small."),
        "buying-process-mapped": ("2", False, "", "Mapped once"),
    }


def test_back_saves_the_page_and_returns_to_the_previous_one(client, invited_rep):
    posted = client.post(invited_rep.url("page", number=2), {"q-manager-coaching": "4", "go": "previous"})
    assert posted["Location"] == invited_rep.url("page", number=1)
    assert stored_answers(invited_rep)["manager-coaching"] == ("4", False, "", "")


def test_the_last_page_leads_to_the_review(client, invited_rep):
    posted = client.post(invited_rep.url("page", number=5), {"go": "next"})
    assert posted["Location"] == invited_rep.url("review")


def test_the_response_starts_at_the_first_answer_and_has_no_user(client, invited_rep):
    client.get(invited_rep.url("page", number=1))
    assert invited_rep.refresh().response is None
    client.post(invited_rep.url("page", number=1), {"q-stage-exit-criteria": "2"})
    response = invited_rep.refresh().response
    assert response is not None
    assert response.user is None
    assert response.group == "reps"


def test_an_invalid_choice_is_refused_with_the_page_and_saves_nothing(client, invited_rep):
    posted = client.post(invited_rep.url("page", number=1), {"q-stage-exit-criteria": "9", "go": "next"})
    assert posted.status_code == 400
    assert "Some answers on this page could not be saved" in posted.content.decode()
    assert stored_answers(invited_rep) == {}


def test_a_comment_alone_keeps_the_option_chosen_before(client, invited_rep):
    answer(invited_rep, ["stage-exit-criteria"], option="4")
    client.post(invited_rep.url("page", number=1), {"comment-stage-exit-criteria": "Later note"})
    assert stored_answers(invited_rep)["stage-exit-criteria"] == ("4", False, "", "Later note")


# --- resume ----------------------------------------------------------------------------------


def test_reopening_the_link_on_another_device_resumes_at_the_first_page_with_unanswered_questions(
    open_assessment, invited_rep
):
    answer(invited_rep, scored_keys(open_assessment, "reps", "sales-process"), option="2")
    answer(invited_rep, scored_keys(open_assessment, "reps", "organisation-design"), option="4")
    other_device = Client()
    opened = other_device.get(invited_rep.url())
    assert opened.status_code == 302
    assert opened["Location"] == invited_rep.url("page", number=3)
    page_one = other_device.get(invited_rep.url("page", number=1)).content.decode()
    assert page_one.count(" checked>") == 9
    assert '<input type="radio" name="q-stage-exit-criteria" value="2" checked>' in page_one
    assert '<progress id="survey-progress" max="32" value="14"' in page_one


def test_with_every_question_answered_the_link_resumes_on_the_review(client, open_assessment, invited_rep):
    answer(invited_rep, scored_keys(open_assessment, "reps"))
    assert client.get(invited_rep.url())["Location"] == invited_rep.url("review")


# --- review, submit, summary -------------------------------------------------------------------


def test_the_review_lists_each_unanswered_question_with_a_link_to_it(client, open_assessment, invited_rep):
    keys = scored_keys(open_assessment, "reps")
    answer(invited_rep, [k for k in keys if k not in ("stage-exit-criteria", "manager-coaching")])
    text = client.get(invited_rep.url("review")).content.decode()
    assert "2 questions not answered yet" in text
    assert f'href="/s/{invited_rep.token}/1/#q-stage-exit-criteria"' in text
    assert f'href="/s/{invited_rep.token}/2/#q-manager-coaching"' in text
    assert "Submit my answers" in text


def test_submitting_thanks_the_respondent_and_the_link_then_shows_their_answers_read_only(client, invited_rep):
    answer(invited_rep, ["stage-exit-criteria"], option="5")
    client.post(invited_rep.url("page", number=1), {"comment-stage-exit-criteria": "Audited monthly"})
    submitted = client.post(invited_rep.url("review"))
    assert submitted["Location"] == invited_rep.url("thanks")
    thanks = client.get(invited_rep.url("thanks")).content.decode()
    assert "Your answers have been submitted to Northwind Traders." in thanks
    summary = client.get(invited_rep.url())
    text = summary.content.decode()
    assert summary.status_code == 200
    assert "You submitted these answers on" in text
    assert "Stage exit criteria are reviewed every quarter against win/loss data" in text
    assert "Audited monthly" in text
    assert "<input" not in text.split("<main")[1]
    assert invited_rep.refresh().response.submitted_at is not None


def test_a_second_submission_is_refused_and_never_makes_a_second_response(client, invited_rep):
    client.post(invited_rep.url("review"))
    first = Response.objects.get()
    again = client.post(invited_rep.url("review"))
    assert again.status_code == 409
    assert "Your answers are already submitted" in again.content.decode()
    assert Response.objects.get().submitted_at == first.submitted_at
    assert Response.objects.count() == 1


def test_answers_posted_after_submission_are_refused_and_change_nothing(client, invited_rep):
    answer(invited_rep, ["stage-exit-criteria"], option="1")
    client.post(invited_rep.url("review"))
    page = client.post(invited_rep.url("page", number=1), {"q-stage-exit-criteria": "5"})
    assert page.status_code == 409
    saved = client.post(
        invited_rep.url("answers"),
        json.dumps({"criterion": "stage-exit-criteria", "option": "5"}),
        content_type="application/json",
    )
    assert saved.status_code == 409
    assert saved.json()["code"] == "already_submitted"
    assert stored_answers(invited_rep)["stage-exit-criteria"] == ("1", False, "", "")
    assert client.get(invited_rep.url("page", number=1))["Location"] == invited_rep.url()


# --- the page script's autosave -----------------------------------------------------------------


def test_an_answer_sent_by_the_page_script_is_saved_and_saving_it_again_changes_nothing(client, invited_rep):
    body = json.dumps({"answers": [{"criterion": "stage-exit-criteria", "option": "4", "comment": "ok"}]})
    for _ in range(2):
        saved = client.post(invited_rep.url("answers"), body, content_type="application/json")
        assert saved.status_code == 200
        assert saved.json() == {"saved": ["stage-exit-criteria"], "count": 1}
    assert stored_answers(invited_rep) == {"stage-exit-criteria": ("4", False, "", "ok")}


def test_the_page_scripts_save_takes_the_same_statements_as_the_apis(client, invited_rep):
    """The same save as the API's: the invitation with its response, then the response lock and the upsert
    (one statement on PostgreSQL, two elsewhere)."""
    first = json.dumps({"criterion": "stage-exit-criteria", "option": "4"})
    client.post(invited_rep.url("answers"), first, content_type="application/json")
    with CaptureQueriesContext(connection) as queries:
        saved = client.post(
            invited_rep.url("answers"),
            json.dumps({"criterion": "buying-process-mapped", "option": "2"}),
            content_type="application/json",
        )
    assert saved.status_code == 200
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    expected = ["SELECT", "WITH"] if connection.vendor == "postgresql" else ["SELECT", "UPDATE", "INSERT"]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == expected
    # The lean lookup: neither the organisation nor the rubric version's JSON is read on every save.
    lookup = queries.captured_queries[0]["sql"]
    assert "organisations_organisation" not in lookup
    assert '"scale"' not in lookup


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"criterion": "stage-exit-criteria", "option": "9"}', "invalid"),
        ('{"criterion": "no-such-criterion", "option": "1"}', "invalid"),
        ('{"answers": []}', "invalid"),
        ("not json", "invalid"),
        ('{"criterion": "specialist-generalist-balance", "option": "2"}', "invalid"),
        ("[" * 100_000 + "]" * 100_000, "invalid"),  # deeper than the JSON decoder goes
    ],
)
def test_bad_autosave_input_is_a_400_and_saves_nothing(client, invited_rep, body, code):
    saved = client.post(invited_rep.url("answers"), body, content_type="application/json")
    assert saved.status_code == 400
    assert saved.json()["code"] == code
    assert stored_answers(invited_rep) == {}


# --- links that no longer work -------------------------------------------------------------------


def every_url(invited) -> list[tuple[str, str]]:
    return [
        ("get", invited.url()),
        ("get", invited.url("page", number=1)),
        ("post", invited.url("page", number=1)),
        ("get", invited.url("review")),
        ("post", invited.url("review")),
        ("get", invited.url("thanks")),
    ]


def test_an_expired_link_gets_a_clear_page_on_every_url(client, invited_rep):
    Invitation.objects.filter(pk=invited_rep.invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    for method, url in every_url(invited_rep):
        page = getattr(client, method)(url)
        assert page.status_code == 410, url
        assert "This link has expired" in page.content.decode()
    assert Response.objects.count() == 0


def test_a_revoked_link_gets_a_clear_page_on_every_url(client, invited_rep):
    services.revoke_invitation(invitation=invited_rep.invitation)
    for method, url in every_url(invited_rep):
        page = getattr(client, method)(url)
        assert page.status_code == 410, url
        assert "This invitation has been withdrawn" in page.content.decode()


def test_an_unknown_link_gets_a_clear_not_found_page(client, invited_rep):
    page = client.get("/s/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG/")
    assert page.status_code == 404
    assert "We don't recognise this link" in page.content.decode()
    saved = client.post("/s/nope/answers/", "{}", content_type="application/json")
    assert saved.status_code == 404
    assert saved.json()["code"] == "not_found"


def test_answers_after_the_assessment_closed_are_kept_and_the_submission_is_marked_late(
    client, open_assessment, invited_rep
):
    answer(invited_rep, ["stage-exit-criteria"], option="2")
    assessment_services.close_assessment(assessment=open_assessment)
    page = client.get(invited_rep.url("page", number=1)).content.decode()
    assert "This assessment has closed. You can still finish" in page
    client.post(invited_rep.url("page", number=1), {"q-buying-process-mapped": "3"})
    client.post(invited_rep.url("review"))
    response = invited_rep.refresh().response
    assert response.late is True
    assert stored_answers(invited_rep) == {
        "stage-exit-criteria": ("2", False, "", ""),
        "buying-process-mapped": ("3", False, "", ""),
    }
    assert "kept but not counted" in client.get(invited_rep.url("thanks")).content.decode()


def test_a_link_first_opened_after_the_assessment_closed_gets_a_clear_page(client, open_assessment, invited_rep):
    assessment_services.close_assessment(assessment=open_assessment)
    for method, url in every_url(invited_rep):
        page = getattr(client, method)(url)
        assert page.status_code == 410, url
        assert "This assessment has closed" in page.content.decode()
    assert Response.objects.count() == 0
