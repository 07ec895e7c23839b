"""What one autosaved answer costs the server: a fixed, small number of queries whatever the number
of answers already saved, no session, and every answer stored as sent (bench/survey_load.py
measures the throughput; docs/performance.md, "Answer autosave")."""

from __future__ import annotations

import io
import json

from django.contrib.sessions.models import Session
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from assessment.models import Answer
from config.wsgi import Handler

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


# --- the respondent API's shorter middleware chain (config/wsgi.py, LEAN_PATHS) ----------------


def through(handler, method: str, path: str, body: dict | None = None, **headers: str) -> tuple[str, dict, bytes]:
    """One request through a WSGI handler, as gunicorn hands it over: status, headers, body."""
    payload = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT": "application/json",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(payload)),
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(payload),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    started = {}

    def start_response(status: str, response_headers: list, exc_info=None) -> None:
        started["status"], started["headers"] = status, response_headers

    # As Django's test client does: the test's database connection stays open across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = handler(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    headers_got: dict[str, list[str]] = {}
    for name, value in started["headers"]:
        headers_got.setdefault(name.lower(), []).append(value)
    return started["status"], headers_got, content


def test_the_respondent_api_answers_through_the_short_chain_exactly_as_through_the_whole_one(invited_rep):
    lean, whole = Handler(), WSGIHandler()
    base = f"/api/v1/survey/{invited_rep.token}/"
    asked = questions(APIClient(), invited_rep.token)
    good = {"criterion": asked[0]["key"], "option": asked[0]["options"][0]["key"]}
    through(whole, "POST", base + "answers/", good)  # starts the response
    cases = [
        ("POST", base + "answers/", good),
        ("POST", base + "answers/", {"criterion": asked[1]["key"], "option": "no such option"}),
        ("POST", base + "answers/", {"criterion": asked[1]["key"], "colour": "blue"}),
        ("POST", base + "answers/", {"criterion": asked[1]["key"], "option": 3}),
        ("GET", base + "answers/", None),
        ("POST", "/api/v1/survey/no-such-link/answers/", good),
        ("GET", base, None),
    ]
    for method, path, body in cases:
        status, headers, content = through(lean, method, path, body)
        expected_status, expected_headers, expected_content = through(whole, method, path, body)
        # The whole chain's sign-in middleware reads the (absent) session, hence its "Vary: Cookie"; an
        # answer from this API never depends on a cookie.
        assert expected_headers.pop("vary") == ["Cookie"]
        assert (status, headers, content) == (expected_status, expected_headers, expected_content), (method, path)
    status, headers, content = through(lean, "POST", base + "answers/", good)
    assert status == "200 OK"
    assert json.loads(content)["saved"][0]["option"] == good["option"]
    assert headers["referrer-policy"] == ["no-referrer"]
    assert headers["x-frame-options"] == ["DENY"]
    assert headers["x-content-type-options"] == ["nosniff"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"][0]
    assert "camera=()" in headers["permissions-policy"][0]
    assert headers["content-length"] == [str(len(content))]
    # Refused input changed nothing: the one answer sent is the one stored.
    assert {(a.criterion.key, a.option.key) for a in Answer.objects.select_related("criterion", "option")} == {
        (good["criterion"], good["option"])
    }


def test_the_short_chain_is_the_respondent_apis_alone(invited_rep):
    """The sign-in form still has its CSRF check, and every path its ALLOWED_HOSTS."""
    status, _, _ = through(Handler(), "POST", "/login/", {"username": "x", "password": "y"})
    assert status.startswith("403")
    status, _, _ = through(Handler(), "POST", f"/api/v1/survey/{invited_rep.token}/answers/", {}, Host="evil.example")
    assert status.startswith("400")
    assert not Answer.objects.exists()


def test_a_links_page_autosave_answers_through_the_short_chain_exactly_as_through_the_whole_one(invited_rep):
    """The survey page's own autosave (surveys/views.py `save`), what a browser sends as each answer is chosen."""
    lean, whole = Handler(), WSGIHandler()
    url = invited_rep.url("answers")
    asked = questions(APIClient(), invited_rep.token)
    good = {"answers": [{"criterion": asked[0]["key"], "option": asked[0]["options"][0]["key"]}]}
    through(whole, "POST", url, good)  # starts the response
    cases = [
        ("POST", url, good, {}),
        ("POST", url, {"answers": [{"criterion": asked[1]["key"], "option": "no such option"}]}, {}),
        ("POST", url, {"answers": [{"criterion": asked[1]["key"], "option": 3}]}, {}),
        ("POST", url, {"answers": [{"criterion": asked[1]["key"], "comment": "Two\nlines\x07"}]}, {}),
        ("POST", url, good, {"Content-Type": "text/plain"}),
        ("GET", url, None, {}),
        ("POST", url.replace(invited_rep.token, "no-such-link"), good, {}),
    ]
    for method, path, body, headers in cases:
        got = through(lean, method, path, body, **headers)
        expected = through(whole, method, path, body, **headers)
        for _, sent, _ in (got, expected):
            sent.pop("expires", None)  # never_cache's "now", a second apart at times
        # As for the API: the whole chain's sign-in middleware read the (absent) session.
        assert expected[1].pop("vary", ["Cookie"]) == ["Cookie"]
        assert got == expected, (method, path, body)
    status, headers, content = through(lean, "POST", url, good)
    assert status == "200 OK"
    assert json.loads(content) == {"saved": [asked[0]["key"]], "count": 1}
    assert headers["referrer-policy"] == ["no-referrer"]
    assert headers["x-frame-options"] == ["DENY"]
    assert "no-store" in headers["cache-control"][0]
    assert not Session.objects.exists()
    # The comment with a bell character was kept without it (as the page's form keeps it); nothing else changed.
    stored = {a.criterion.key: (a.option_id is not None, a.comment) for a in Answer.objects.select_related("criterion")}
    assert stored == {asked[0]["key"]: (True, ""), asked[1]["key"]: (False, "Two\nlines")}
