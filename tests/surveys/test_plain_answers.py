"""The plain autosave (surveys/api.py `RespondentAnswers.as_view`, surveys/serializers.py `read_plain_answers`):
the common answer save, read and saved without the REST framework's machinery, must answer exactly as
the view does, and leave everything else to it.

Generated bodies: whatever the plain reading accepts, the API's JSON parser and `AnswersSerializer`
read as the same answers. Requests: the same request sent to the plain path and to the view alone
gives the same status, headers and body, and stores the same rows (each inside a savepoint rolled back
before the other runs).
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError, ValidationError

from assessment import services as assessment_services
from assessment.models import Answer, Response
from assessment.services import MAX_COMMENT, AnswerInput
from organisations.parsers import JSONParser
from surveys import api
from surveys import services as survey_services
from surveys.serializers import MAX_ANSWERS, AnswersSerializer, read_plain_answers


def serializer_reads(body: bytes) -> list[AnswerInput] | None:
    """The answers the view reads from a JSON body (its parser, then its serializer), or None if it refuses."""
    try:
        data = JSONParser().parse(io.BytesIO(body), "application/json", {})
    except (ParseError, ValidationError):
        return None
    given = AnswersSerializer(data=data)
    return given.answer_inputs() if given.is_valid() else None


# --- the reading, on generated bodies ------------------------------------------------------------

PLAIN_KEYS = st.one_of(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,12}", fullmatch=True), st.just("a" * 80))
PLAIN_TEXTS = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=40).map(str.strip)
# Values one step from a plain one: of another type, trimmed by the serializer, too long, refused.
NEAR_KEYS = st.sampled_from(["", " x", "x ", "a b", "a" * 81, "é", "x\n", "x\x00", "-x", 3, 3.0, True, None, ["x"], {}])
NEAR_TEXTS = st.one_of(
    st.sampled_from([" Fine.", "Fine. ", "two\nlines", "tab\there", "nul\x00", "\u2028", "\ud800", "\u3000x", "x\xa0"]),
    st.sampled_from(["a" * (MAX_COMMENT + 1), "a" * (MAX_COMMENT + 1), 5, 0.5, False, None, ["x"], {"x": 1}]),
    st.text(max_size=20),
)
NEAR = {
    "criterion": NEAR_KEYS,
    "option": NEAR_KEYS,
    "not_applicable": st.sampled_from([0, 1, 1.0, "true", "false", None, [], {}]),
    "text": NEAR_TEXTS,
    "comment": NEAR_TEXTS,
}
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), NEAR_KEYS, NEAR_TEXTS)


@st.composite
def answers(draw) -> dict:
    """An answer as a client sends one, and half the time one thing about it changed: a field of a
    value one step from a plain one, a field missing, or one the serializer does not know."""
    answer = draw(
        st.fixed_dictionaries(
            {"criterion": PLAIN_KEYS},
            optional={
                "option": st.one_of(st.none(), PLAIN_KEYS),
                "not_applicable": st.booleans(),
                "text": PLAIN_TEXTS,
                "comment": PLAIN_TEXTS,
            },
        )
    )
    change = draw(st.integers(0, 5))
    if change in (1, 2):
        name = draw(st.sampled_from(list(NEAR)))
        answer[name] = draw(NEAR[name])
    elif change == 3:
        answer.pop(draw(st.sampled_from(sorted(answer))))
    elif change == 4:
        answer[draw(st.sampled_from(["answers", "extra", "Criterion", ""]))] = draw(VALUES)
    return answer


BODIES = st.one_of(
    answers(),
    answers(),
    st.builds(lambda items: {"answers": items}, st.lists(answers(), max_size=4)),
    st.builds(lambda items: {"answers": items}, st.lists(answers(), min_size=1, max_size=2)),
    st.builds(lambda items, extra: {"answers": items, **extra}, st.lists(answers(), max_size=2), answers()),
    st.builds(
        lambda items, key, value: {"answers": items, key: value},
        st.lists(answers(), min_size=1, max_size=2),
        st.sampled_from(["comment", "option", "not_applicable", "extra"]),
        VALUES,
    ),
    VALUES,
    st.lists(answers(), max_size=2),
)


def encoded(body: object, how: str) -> bytes:
    text = json.dumps(body, ensure_ascii=how == "ascii")  # NaN and Infinity written as JavaScript writes them
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES, how=st.sampled_from(["utf-8"] * 6 + ["ascii", "ascii", "utf-16", "bom"]))
@example(body={"criterion": "pipeline-stages", "option": "3"}, how="utf-8")
@example(
    body={"answers": [{"criterion": "a", "not_applicable": True}, {"criterion": "b", "text": "Fine."}]}, how="utf-8"
)
@example(body={"criterion": "pipeline-stages", "option": float("nan")}, how="utf-8")
@example(body={"criterion": "pipeline-stages", "comment": "x" * MAX_COMMENT}, how="utf-8")
def test_whatever_the_plain_reading_accepts_the_view_reads_as_the_same_answers(body, how):
    raw = encoded(body, how)
    plain = read_plain_answers(raw)
    event("read plainly" if plain is not None else "left to the serializer")
    if plain is not None:
        assert plain == serializer_reads(raw)


@pytest.mark.parametrize(
    "body",
    [
        {"criterion": "pipeline-stages", "option": "3"},
        {"criterion": "pipeline-stages", "option": None, "not_applicable": True, "comment": "We sell one product."},
        {"criterion": "biggest-obstacle", "text": "Deals stall after the first demo; nobody agrees next steps."},
        {"answers": [{"criterion": "a", "option": "1"}, {"criterion": "b", "option": "2", "comment": "Mostly."}]},
        {"answers": [{"criterion": f"c{i}", "option": "1"} for i in range(MAX_ANSWERS)]},
    ],
)
def test_the_autosaves_a_page_or_a_client_sends_are_read_plainly(body):
    raw = json.dumps(body).encode()
    assert read_plain_answers(raw) == serializer_reads(raw) is not None


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"null",
        b'{"criterion": "a", "option": 3}',  # a number: the serializer refuses it (Expected text)
        b'{"criterion": "a", "not_applicable": "yes"}',
        b'{"criterion": "a", "not_applicable": 1}',
        b'{"criterion": "a", "comment": "Fine. "}',  # the serializer would trim it
        b'{"criterion": "a", "comment": "two\\nlines"}',  # the parser refuses control characters
        b'{"criterion": "a", "option": NaN}',
        b'{"criterion": "a", "colour": "red"}',
        b'{"criterion": "a", "answers": []}',
        b'{"answers": []}',
        b'{"answers": [{"criterion": "a"}], "comment": "x"}',
        json.dumps({"answers": [{"criterion": "a"}] * (MAX_ANSWERS + 1)}).encode(),
        json.dumps({"criterion": "a", "comment": "x" * (MAX_COMMENT + 1)}).encode(),
        json.dumps({"criterion": "a"}).encode("utf-16"),
        b"\xef\xbb\xbf" + json.dumps({"criterion": "a"}).encode(),
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_anything_unusual_is_left_to_the_serializer(raw):
    assert read_plain_answers(raw) is None


# --- the two paths, request by request -------------------------------------------------------------


def full_view():
    """The view alone: DRF's as_view, without the plain path."""
    return super(api.RespondentAnswers, api.RespondentAnswers).as_view()


def stored_rows() -> list[tuple]:
    """Every answer and response, responses by their rank (PostgreSQL's sequences are not rolled back)."""
    rank = {pk: n for n, pk in enumerate(Response.objects.order_by("pk").values_list("pk", flat=True))}
    answers = Answer.objects.order_by("response_id", "criterion_id")
    rows = [
        ("answer", rank[a.response_id], a.criterion_id, a.option_id, a.not_applicable, a.text, a.comment)
        for a in answers
    ]
    rows += [("response", rank[r.pk], r.group, r.submitted_at is not None) for r in Response.objects.order_by("pk")]
    return rows


class Rollback(Exception):
    pass


def answered(view, request, token: str) -> tuple[int, dict, bytes, list[tuple]]:
    """Status, headers, body and the rows stored after `view` answered; then nothing of it is kept."""
    outcome = None
    try:
        with transaction.atomic():
            response = view(request, token=token)
            response = response.render() if hasattr(response, "render") else response
            outcome = (response.status_code, dict(response.items()), response.content, stored_rows())
            raise Rollback
    except Rollback:
        pass
    assert outcome is not None
    return outcome


def post(token: str, body: object, **headers: str):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    factory = RequestFactory(REMOTE_ADDR="198.51.100.20")
    return lambda: factory.post(f"/api/v1/survey/{token}/answers/", raw, content_type="application/json", **headers)


@pytest.fixture
def questions(invited_rep):
    from rest_framework.test import APIClient

    questionnaire = APIClient().get(f"/api/v1/survey/{invited_rep.token}/").json()
    asked = [q for p in questionnaire["pages"] for s in p["sections"] for q in s["questions"]]
    return {
        "choice": next(q for q in asked if q["options"]),
        "other_choice": [q for q in asked if q["options"]][1],
        "n/a": next(q for q in asked if q["options"] and q["not_applicable"]),
        "text": next(q for q in asked if q["kind"] == "text"),
    }


def same_both_ways(token: str, body: object, *, plain: bool = True, **headers: str):
    make = post(token, body, **headers)
    full = answered(full_view(), make(), token)
    with mock.patch.object(api, "_save_plain", wraps=api._save_plain) as saved_plainly:
        fast = answered(api.RespondentAnswers.as_view(), make(), token)
    # The plain path really ran (and did not hand the request to the view), or really did not.
    assert saved_plainly.called is plain
    assert fast == full
    return fast


def test_a_plain_answer_saved_either_way_answers_and_stores_the_same(invited_rep, questions):
    choice = questions["choice"]
    status, headers, body, rows = same_both_ways(
        invited_rep.token, {"criterion": choice["key"], "option": choice["options"][1]["key"], "comment": "Mostly."}
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Allow"] == "POST, OPTIONS"
    assert json.loads(body) == {
        "saved": [
            {
                "criterion": choice["key"],
                "option": choice["options"][1]["key"],
                "not_applicable": False,
                "text": "",
                "comment": "Mostly.",
            }
        ],
        "response_started": True,
    }
    assert next(r for r in rows if r[0] == "answer")[6] == "Mostly."


def test_a_list_and_a_second_save_of_a_started_response_answer_the_same(invited_rep, questions):
    first, second = questions["choice"], questions["other_choice"]
    body = {
        "answers": [
            {"criterion": first["key"], "option": first["options"][0]["key"]},
            {"criterion": second["key"], "option": second["options"][-1]["key"]},
        ]
    }
    assert same_both_ways(invited_rep.token, body)[0] == 200
    survey_services.begin_response(invitation=invited_rep.refresh())
    status, _, saved, _ = same_both_ways(invited_rep.token, body)
    assert status == 200
    assert json.loads(saved)["response_started"] is False


def test_not_applicable_and_free_text_answer_the_same(invited_rep, questions):
    not_applicable = {"criterion": questions["n/a"]["key"], "not_applicable": True}
    assert same_both_ways(invited_rep.token, not_applicable)[0] == 200
    choice = questions["choice"]
    both = {"criterion": choice["key"], "option": choice["options"][0]["key"], "not_applicable": True}
    assert same_both_ways(invited_rep.token, both)[0] == 422  # an option and "not applicable"
    assert same_both_ways(invited_rep.token, {"criterion": choice["key"], "text": "Some text."})[0] == 422
    text = {"criterion": questions["text"]["key"], "text": "Deals stall after the first demo."}
    assert same_both_ways(invited_rep.token, text)[0] == 200


@pytest.mark.parametrize(
    "body, status",
    [
        ({"criterion": "no-such-criterion", "option": "1"}, 422),
        ({"criterion": "CHOICE", "option": "no-such-option"}, 422),
        ({"answers": [{"criterion": "CHOICE", "option": "OPTION"}, {"criterion": "CHOICE", "option": "OPTION"}]}, 422),
    ],
)
def test_answers_the_rubric_refuses_get_the_same_error_either_way(invited_rep, questions, body, status):
    choice = questions["choice"]
    text = json.dumps(body).replace("CHOICE", choice["key"]).replace("OPTION", choice["options"][0]["key"])
    got, _, content, rows = same_both_ways(invited_rep.token, text.encode())
    assert got == status
    assert json.loads(content)["code"] == "invalid"
    assert not [r for r in rows if r[0] == "answer"]  # all or none: nothing stored


def test_bodies_the_plain_path_does_not_read_go_to_the_view_and_get_its_message(invited_rep, questions):
    choice = questions["choice"]
    for body in (
        {"criterion": choice["key"], "option": 1},
        {"criterion": choice["key"], "option": choice["options"][0]["key"], "comment": "Trailing space "},
        {"criterion": choice["key"], "colour": "red"},
        b"{not json",
    ):
        assert same_both_ways(invited_rep.token, body, plain=False)[0] in (200, 400)
    keyed = {"criterion": choice["key"], "option": choice["options"][0]["key"]}
    assert same_both_ways(invited_rep.token, keyed, plain=False, HTTP_IDEMPOTENCY_KEY="k-1")[0] == 200
    assert same_both_ways(invited_rep.token, keyed, plain=False, HTTP_ACCEPT="text/html")[0] == 406


def test_links_that_cannot_answer_get_the_same_error_either_way(invited_rep, invite, open_assessment, questions):
    choice = questions["choice"]
    body = {"criterion": choice["key"], "option": choice["options"][0]["key"]}
    assert same_both_ways("x" * 43, body)[0] == 404  # unknown

    revoked = invite(open_assessment, email="revoked@example.com")
    survey_services.revoke_invitation(invitation=revoked.invitation)
    assert same_both_ways(revoked.token, body)[0] == 410

    expired = invite(open_assessment, email="expired@example.com")
    expired.invitation.expires_at = timezone.now() - timedelta(days=1)
    expired.invitation.save(update_fields=["expires_at"])
    assert same_both_ways(expired.token, body)[0] == 410

    submitted = invite(open_assessment, email="submitted@example.com")
    response = survey_services.begin_response(invitation=submitted.invitation)
    assessment_services.save_answer(response=response, answer=AnswerInput(**body))
    assessment_services.submit_response(response=response)
    assert same_both_ways(submitted.token, body)[0] == 409

    assessment_services.close_assessment(assessment=open_assessment)
    assert same_both_ways(invited_rep.token, body)[0] == 409  # closed before this respondent began


@override_settings(THROTTLE_SURVEY_TOKEN="3/hour")
def test_a_link_over_its_limit_gets_the_same_429_either_way(invited_rep, questions):
    choice = questions["choice"]
    body = {"criterion": choice["key"], "option": choice["options"][0]["key"]}
    same_both_ways(invited_rep.token, body)  # with the questionnaire's, the link's 3 requests
    status, headers, content, rows = same_both_ways(invited_rep.token, body)
    assert status == 429
    assert int(headers["Retry-After"]) > 0
    assert json.loads(content)["code"] == "throttled"
    assert not rows


@override_settings(THROTTLE_SURVEY_BAD_TOKENS="2/hour")
def test_each_way_counts_an_unknown_link_against_its_address(invited_rep, questions):
    choice = questions["choice"]
    body = {"criterion": choice["key"], "option": choice["options"][0]["key"]}
    assert same_both_ways("x" * 43, body)[0] == 404  # one unknown link sent each way: the address's two
    status, _, content, rows = same_both_ways(invited_rep.token, body)
    assert status == 429  # its own valid link now waits, whichever way it goes
    assert json.loads(content)["code"] == "throttled"
    assert not rows
