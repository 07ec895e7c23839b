"""Sub-group scores at every depth through the scores API: exact, in rubric order, withheld like dimensions."""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessment import services
from assessment.models import KeptScores
from tests.assessment.test_node_scores import DEEP_ANSWERS, QUARTERS, deep_rubric_document, expected_node_scores


def deep_assessment(organisation, answers: list[tuple[str, dict[str, str | None]]], *, document=None, period="FY2031"):
    version = services.import_rubric(document=document or deep_rubric_document()).version
    assessment = services.create_assessment(
        organisation=organisation, period=period, rubric_version=version, respondent_groups=["leaders", "reps"]
    )
    services.open_assessment(assessment=assessment)
    for group, answered in answers:
        response = services.start_response(assessment=assessment, group=group)
        services.save_answers(
            response=response,
            answers=[
                services.AnswerInput(criterion=k, option=v)
                if v is not None
                else services.AnswerInput(criterion=k, not_applicable=True)
                for k, v in answered.items()
            ],
        )
        services.submit_response(response=response)
    services.close_assessment(assessment=assessment)
    return assessment


def scores(client, assessment) -> dict:
    answered = client.get(f"/api/v1/assessments/{assessment.pk}/scores/")
    assert answered.status_code == 200
    return answered.json()


def test_sub_group_scores_of_a_three_level_rubric_match_the_fractions_worked_by_hand(
    consultant, organisation, api_client
):
    assessment = deep_assessment(organisation, [("reps", a) for a in DEEP_ANSWERS])
    body = scores(api_client(consultant), assessment)
    nodes = body["nodes"]
    assert [(n["key"], n["parent"], n["depth"]) for n in nodes] == [
        ("function", None, 1),
        ("practice-a", "function", 2),
        ("stream-a1", "practice-a", 3),
        ("stream-a2", "practice-a", 3),
        ("practice-b", "function", 2),
        ("evidence", None, 1),
    ]
    expected = expected_node_scores(DEEP_ANSWERS)
    # stream A1 = 0.4 + 0.45 + 0.4 (the criterion means) = 5/4, which one decimal would show as "1.2".
    assert expected["stream-a1"] == Fraction(5, 4)
    for node in nodes:
        assert node["score"] == pytest.approx(float(expected[node["key"]]), abs=1e-9), node["key"]
        assert node["respondents"] == 5 and node["withheld"] is None
        assert (node["coverage"], node["insufficient_evidence"]) == (1.0, False)
    stream = next(n for n in nodes if n["key"] == "stream-a1")
    assert (stream["name"], stream["rollup"], stream["weight"]) == ("Stream A1", "sum", 1.0)
    assert stream["level"] == {"value": 1, "name": "Started"}
    # The overall is the mean of the two dimensions.
    overall = (expected["function"] + expected["evidence"]) / 2
    assert body["overall"]["score"] == pytest.approx(float(overall), abs=1e-9)


def test_a_sub_group_answered_by_fewer_than_the_minimum_is_withheld_and_so_is_its_lone_sibling(
    consultant, organisation, api_client
):
    # Practice B's only question is asked of leaders, and two answer it: withheld. Practice A, its one
    # sibling, would give it away (function = (2·A + B) ÷ 3), so it is withheld too; the streams under it remain.
    document = deep_rubric_document()
    document["dimensions"][0]["groups"][1]["criteria"][0]["audience"] = ["leaders"]
    answers = [
        ("leaders", a) if i < 2 else ("reps", {k: v for k, v in a.items() if k != "c1"})
        for i, a in enumerate(DEEP_ANSWERS)
    ]
    body = scores(api_client(consultant), deep_assessment(organisation, answers, document=document))
    nodes = {n["key"]: n for n in body["nodes"]}
    assert nodes["practice-b"]["respondents"] == 2
    assert nodes["practice-b"]["withheld"] == "fewer than 3 responses"
    assert (nodes["practice-b"]["score"], nodes["practice-b"]["level"], nodes["practice-b"]["coverage"]) == (
        None,
        None,
        None,
    )
    assert nodes["practice-a"]["score"] is None and nodes["practice-a"]["withheld"]
    assert nodes["function"]["score"] is not None
    # Two unknowns under one shown whole cannot be told apart: the streams stay shown.
    assert nodes["stream-a1"]["score"] is not None and nodes["stream-a2"]["score"] is not None


def test_scores_kept_before_sub_groups_were_kept_still_show_them(consultant, organisation, api_client):
    assessment = deep_assessment(organisation, [("reps", a) for a in DEEP_ANSWERS])
    client = api_client(consultant)
    before = scores(client, assessment)
    kept = KeptScores.objects.get(assessment=assessment)
    data = kept.data
    del data["scores"]["nodes"]
    del data["people"]["nodes"]
    data["scores"]["overall"] = data["scores"]["overall"][:5]
    kept.data = data
    kept.save()
    after = scores(client, assessment)
    assert [(n["key"], n["score"]) for n in after["nodes"]] == [(n["key"], n["score"]) for n in before["nodes"]]
    # Without the kept counts, a sub-group's people are its busiest criterion's: never more than it had.
    assert {n["key"]: n["respondents"] for n in after["nodes"]}["practice-a"] == 5
    assert after["overall"] == before["overall"]


def test_the_overall_is_withheld_with_the_reason_when_a_dimension_has_insufficient_evidence(
    consultant, organisation, api_client
):
    # Seven people, three of whom answer the evidence question: coverage 3/7, below the threshold of 1/2.
    seven = [*DEEP_ANSWERS, DEEP_ANSWERS[0], DEEP_ANSWERS[1]]
    answers = [("reps", {**a, "e1": a["e1"] if i < 3 else None}) for i, a in enumerate(seven)]
    body = scores(api_client(consultant), deep_assessment(organisation, answers))
    evidence = next(d for d in body["dimensions"] if d["key"] == "evidence")
    assert (evidence["score"], evidence["insufficient_evidence"]) == (None, True)
    assert body["overall"]["withheld"] == "withheld: Evidence has insufficient evidence"
    assert (body["overall"]["score"], body["overall"]["level"], body["overall"]["index"]) == (None, None, None)
    assert body["overall"]["insufficient_evidence"] is True
    # The other dimension is still scored.
    assert body["dimensions"][0]["score"] is not None


def test_a_year_without_an_overall_has_no_overall_change_but_keeps_its_dimension_changes(
    consultant, organisation, api_client, client
):
    deep_assessment(organisation, [("reps", a) for a in DEEP_ANSWERS], period="FY2030")
    seven = [*DEEP_ANSWERS, DEEP_ANSWERS[0], DEEP_ANSWERS[1]]
    answers = [("reps", {**a, "e1": a["e1"] if i < 3 else None}) for i, a in enumerate(seven)]
    deep_assessment(organisation, answers, period="FY2031")
    api = api_client(consultant)

    body = api.get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()
    assert [(a["period"], a["overall"] is None) for a in body["assessments"]] == [("FY2030", False), ("FY2031", True)]
    [comparison] = body["comparisons"]
    assert comparison["overall"]["current"] is None and comparison["overall"]["change"] is None
    function = next(d for d in comparison["dimensions"] if d["key"] == "function")
    assert function["previous"] is not None and function["current"] is not None and function["change"] is not None

    rows = api.get("/api/v1/portfolio/").json()["results"]
    row = next(r for r in rows if r["organisation"]["id"] == organisation.pk)
    assert (row["latest_period"], row["overall"], row["overall_level"], row["change"]) == ("FY2031", None, None, None)

    client.force_login(consultant)
    page = client.get("/portfolio/").content.decode()
    assert "No overall" in page and "withheld: Evidence has insufficient evidence, FY2031" in page
    overview = client.get(reverse("reports:organisation", kwargs={"organisation_id": organisation.pk}))
    assert overview.status_code == 200
    assert "No overall score: withheld: Evidence has insufficient evidence." in overview.content.decode()


def routed_document() -> dict:
    """The three-level rubric with practice B asked of leaders only and stream A2's b2 of reps only."""
    document = deep_rubric_document()
    function = document["dimensions"][0]
    function["groups"][1]["criteria"][0]["audience"] = ["leaders"]
    function["groups"][0]["groups"][1]["criteria"][1]["audience"] = ["reps"]
    return document


ASKED = {
    "leaders": ["a1", "a2", "a3", "b1", "c1", "e1"],
    "reps": ["a1", "a2", "a3", "b1", "b2", "e1"],
}
respondent = st.tuples(
    st.sampled_from(["leaders", "reps"]),
    st.sampled_from(list(QUARTERS)),
    st.sets(st.integers(0, 5), max_size=6),  # which of the group's questions are left "don't know"
)


@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(respondents=st.lists(respondent, min_size=1, max_size=9))
def test_no_shown_sub_group_comes_from_too_few_people_nor_gives_a_withheld_sibling_away(
    respondents, consultant, organisation, api_client
):
    with transaction.atomic():
        answers = [
            (
                group,
                {
                    key: (None if i in skipped else (option if key[0] in "ab" else "2"))
                    for i, key in enumerate(ASKED[group])
                },
            )
            for group, option, skipped in respondents
        ]
        body = scores(api_client(consultant), deep_assessment(organisation, answers, document=routed_document()))
        nodes = {n["key"]: n for n in body["nodes"]}
        for node in nodes.values():
            if any(node[k] is not None for k in ("score", "level", "index", "coverage", "consensus")):
                assert node["respondents"] >= 3 and node["withheld"] is None, node
        for parent in nodes.values():
            if parent["score"] is None:
                continue
            # Anything answered under a sub-group enters its parent's roll-up, scored on its own or not.
            entering = [n for n in nodes.values() if n["parent"] == parent["key"] and n["respondents"]]
            assert sum(1 for n in entering if n["withheld"]) != 1, (parent["key"], entering)
        transaction.set_rollback(True)
