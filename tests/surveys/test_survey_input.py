"""The survey takes answers in one strict shape: the API and the page's autosave refuse anything else
with a JSON 4xx naming the problem, and store nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from assessment.models import Answer, Response
from tests.surveys.test_api import client_of, survey_url

GOOD = {"criterion": "stage-exit-criteria", "option": "3"}
NOT_BOOLEAN = {"not_applicable": ["Expected true or false."]}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**GOOD, "colour": "red"}, {"colour": ["Unknown field."]}),
        ({"criterion": "stage-exit-criteria", "option": 3}, {"option": ["Expected text."]}),
        ({"criterion": "stage-exit-criteria", "not_applicable": "yes"}, NOT_BOOLEAN),
        ({"criterion": "stage-exit-criteria", "not_applicable": 1}, NOT_BOOLEAN),
        ({"criterion": 7, "option": "3"}, {"criterion": ["Expected text."]}),
    ],
)
def test_the_survey_api_refuses_unknown_keys_and_wrong_json_types_naming_the_field(invited_rep, body, fields):
    answered = client_of().post(survey_url(invited_rep, "answers/"), body, format="json")
    assert answered.status_code == 400
    assert answered.json()["code"] == "invalid" and answered.json()["fields"] == fields
    assert not Answer.objects.exists() and not Response.objects.exists()


def test_the_survey_api_refuses_the_same_mistakes_inside_a_list_of_answers(invited_rep):
    body = {"answers": [GOOD, {"criterion": "buying-process-mapped", "option": 2, "extra": True}]}
    answered = client_of().post(survey_url(invited_rep, "answers/"), body, format="json")
    assert answered.status_code == 400
    problems = json.dumps(answered.json()["fields"])
    assert "Unknown field." in problems and "Expected text." in problems
    assert not Answer.objects.exists()


def test_the_survey_api_still_takes_an_option_key_and_a_boolean(invited_rep):
    client = client_of()
    assert client.post(survey_url(invited_rep, "answers/"), GOOD, format="json").status_code == 200
    body = {"criterion": "buying-process-mapped", "not_applicable": True, "option": None}
    assert client.post(survey_url(invited_rep, "answers/"), body, format="json").status_code == 200
    assert Answer.objects.count() == 2


# --- the page's autosave ------------------------------------------------------------------------


@pytest.fixture
def page_client(invited_rep):
    """A browser on the survey page: CSRF checks on, its token taken from the page, as the script does."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    assert client.get(invited_rep.url("page", number=1)).status_code == 200
    client.csrf = client.cookies["csrftoken"].value
    return client


def autosave(client, invited, body, content_type="application/json"):
    return client.post(invited.url("answers"), body, content_type=content_type, HTTP_X_CSRFTOKEN=client.csrf)


def assert_json_refusal(answered, status, code):
    assert answered.status_code == status, answered.content[:200]
    assert answered["Content-Type"] == "application/json"
    assert answered.json()["code"] == code and answered.json()["message"]
    assert not Answer.objects.exists()


def test_the_autosave_refuses_a_form_post_as_json_not_a_500(page_client, invited_rep):
    # A multipart form: Django's CSRF check reads it, after which the raw body can no longer be read.
    answered = page_client.post(
        invited_rep.url("answers"), {"csrfmiddlewaretoken": page_client.csrf, "criterion": "stage-exit-criteria"}
    )
    assert_json_refusal(answered, 415, "unsupported_media_type")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_the_autosave_refuses_a_body_that_is_not_json(page_client, invited_rep, content_type):
    answered = autosave(page_client, invited_rep, json.dumps(GOOD), content_type)
    assert_json_refusal(answered, 415, "unsupported_media_type")


def test_the_autosave_refuses_a_body_over_the_size_limit_as_json(page_client, invited_rep, settings):
    body = json.dumps({**GOOD, "comment": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    assert_json_refusal(autosave(page_client, invited_rep, body), 413, "too_large")


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"criterion": "stage-exit-criteria", "option": 3}),
        json.dumps({"criterion": "stage-exit-criteria", "not_applicable": "yes"}),
        json.dumps({**GOOD, "colour": "red"}),
        json.dumps({"answers": "all of them"}),
        json.dumps({"criterion": "no-such-criterion", "option": "3"}),
    ],
)
def test_the_autosave_answers_every_bad_body_with_a_json_400(page_client, invited_rep, body):
    assert_json_refusal(autosave(page_client, invited_rep, body), 400, "invalid")


def test_the_autosave_answers_a_bad_link_with_json_whatever_the_request(page_client, invited_rep):
    answered = page_client.post(
        invited_rep.url("answers").replace(invited_rep.token, "x" * len(invited_rep.token)),
        "criterion=x",
        content_type="text/plain",
        HTTP_X_CSRFTOKEN=page_client.csrf,
    )
    assert_json_refusal(answered, 404, "not_found")


def test_the_autosave_still_saves_what_the_page_sends(page_client, invited_rep):
    answered = autosave(page_client, invited_rep, json.dumps({"answers": [{**GOOD, "comment": "Fine"}]}))
    assert answered.status_code == 200 and answered.json() == {"saved": ["stage-exit-criteria"], "count": 1}


def test_the_autosave_of_a_self_assessment_answers_a_lapsed_sign_in_with_json(client, db):
    answered = client.post(
        reverse("surveys:own-answers", kwargs={"response_id": 1}), json.dumps(GOOD), content_type="application/json"
    )
    assert answered.status_code == 401 and answered.json()["code"] == "not_authenticated"


def test_each_request_checks_its_answers_afresh_whatever_came_before():
    """The answer shapes copy their fields lightly (organisations/serializers.py): nothing one request's
    check learns or binds stays behind for the next."""
    from assessment.services import AnswerInput
    from surveys.serializers import AnswersSerializer

    refused = AnswersSerializer(data={**GOOD, "colour": "red"})
    assert not refused.is_valid()
    listed = AnswersSerializer(data={"answers": [{"criterion": "a", "option": "1"}, {"criterion": 2}]})
    assert not listed.is_valid()
    accepted = AnswersSerializer(data={"criterion": "  stage-exit-criteria ", "option": None, "comment": "Slow"})
    assert accepted.is_valid(), accepted.errors
    assert accepted.answer_inputs() == [
        AnswerInput(criterion="stage-exit-criteria", option=None, not_applicable=False, text="", comment="Slow")
    ]
    assert refused.errors == {"colour": ["Unknown field."]}
    assert listed.errors == {"answers": {1: {"criterion": ["Expected text."]}}}
    assert AnswersSerializer(data={}).is_valid() is False
