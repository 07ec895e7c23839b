"""What one autosaved answer costs the server: a fixed, small number of queries whatever the number
of answers already saved, no session, and every answer stored as sent (bench/survey_load.py
measures the throughput; docs/performance.md, "Answer autosave")."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import connection
from rest_framework.test import APIClient

from assessment.models import Answer

# Find the invitation with its response; lock the open response and upsert the answer: one
# statement on PostgreSQL; elsewhere an UPDATE and an INSERT in a transaction (inside a test's
# transaction, between a SAVEPOINT and its RELEASE).
SAVE_QUERIES = 2 if connection.vendor == "postgresql" else 5
# With an Idempotency-Key: also look the key up, then store the result (INSERT in a savepoint).
KEYED_SAVE_QUERIES = SAVE_QUERIES + 4


def questions(client: APIClient, token: str) -> list[dict]:
    questionnaire = client.get(f"/api/v1/survey/{token}/").json()
    return [q for p in questionnaire["pages"] for s in p["sections"] for q in s["questions"] if q["options"]]


def test_every_autosave_takes_the_same_few_queries_and_keeps_each_answer(invited_rep, django_assert_max_num_queries):
    client = APIClient()
    url = f"/api/v1/survey/{invited_rep.token}/answers/"
    asked = questions(client, invited_rep.token)
    client.post(url, {"criterion": asked[0]["key"], "option": asked[0]["options"][0]["key"]})  # starts the response
    sent = {}
    for n, question in enumerate(asked[1:12]):
        option = question["options"][n % len(question["options"])]["key"]
        with django_assert_max_num_queries(SAVE_QUERIES):
            saved = client.post(url, {"criterion": question["key"], "option": option})
        assert saved.status_code == 200
        assert not saved.cookies  # no session, no CSRF cookie: nothing to write
        sent[question["key"]] = option
    stored = {
        a.criterion.key: a.option.key
        for a in Answer.objects.select_related("criterion", "option").filter(criterion__key__in=sent)
    }
    assert stored == sent
    assert not Session.objects.exists()


def test_an_autosave_with_an_idempotency_key_costs_two_queries_more_and_a_replay_fewer(
    invited_rep, django_assert_max_num_queries
):
    client = APIClient()
    url = f"/api/v1/survey/{invited_rep.token}/answers/"
    question = questions(client, invited_rep.token)[0]
    body = {"criterion": question["key"], "option": question["options"][1]["key"]}
    client.post(url, {"criterion": question["key"], "option": question["options"][0]["key"]})
    with django_assert_max_num_queries(KEYED_SAVE_QUERIES):
        first = client.post(url, body, HTTP_IDEMPOTENCY_KEY="save-1")
    with django_assert_max_num_queries(2):
        replayed = client.post(url, body, HTTP_IDEMPOTENCY_KEY="save-1")
    assert first.status_code == replayed.status_code == 200
    # The same answer, as JSON (PostgreSQL keeps the stored body as jsonb, whose keys it orders its own way).
    assert replayed.json() == first.json()
    assert replayed["Idempotent-Replayed"] == "true"
    assert Answer.objects.get(criterion__key=question["key"]).option.key == question["options"][1]["key"]
