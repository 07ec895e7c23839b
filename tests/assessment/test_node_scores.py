"""Scores at every depth: each dimension and sub-group rolled up by its own rule, in rubric order.

The three-level rubric of `deep_rubric_document` (a model's function › practice › stream):

    function (weighted_mean)
      practice-a (weighted_mean, weight 2)
        stream-a1 (sum, weight 1): a1 a2 a3 (answers 0 / 0.25 / 0.5 / 1)
        stream-a2 (sum, weight 3): b1, b2 (weight 2)
      practice-b (weighted_mean, weight 1): c1
    evidence (weighted_mean): e1

on a 0–3 scale (a sum may not reach past it: each stream sums to at most 3).
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from assessment import kept
from assessment.rubric import parse_rubric
from assessment.scoring import ResponseAnswers, node_scores, score_assessment

QUARTERS = {"none": 0, "some": 0.25, "half": 0.5, "full": 1}


def deep_rubric_document(key: str = "deep") -> dict:
    levels = {v: f"Level {v} looks like this." for v in range(4)}
    quarters = [{"key": k, "value": v, "label": k.title()} for k, v in QUARTERS.items()]
    zero_to_three = [{"key": str(v), "value": v, "label": f"Option {v}"} for v in range(4)]
    return {
        "key": key,
        "version": 1,
        "name": "Deep rubric",
        "coverage_threshold": 0.5,
        "scale": [{"value": v, "name": n} for v, n in enumerate(["None", "Started", "Practised", "Embedded"])],
        "respondent_groups": [{"key": "leaders", "name": "Leaders"}, {"key": "reps", "name": "Reps"}],
        "answer_sets": [
            {"key": "quarters", "not_applicable": "Don't know", "options": quarters},
            {"key": "zero-to-three", "not_applicable": "Don't know", "options": zero_to_three},
        ],
        "dimensions": [
            {
                "key": "function",
                "name": "Sales function",
                "levels": dict(levels),
                "groups": [
                    {
                        "key": "practice-a",
                        "name": "Practice A",
                        "weight": 2,
                        "groups": [
                            {
                                "key": "stream-a1",
                                "name": "Stream A1",
                                "rollup": "sum",
                                "criteria": [
                                    {"key": k, "text": f"Question {k}.", "answer_set": "quarters"}
                                    for k in ("a1", "a2", "a3")
                                ],
                            },
                            {
                                "key": "stream-a2",
                                "name": "Stream A2",
                                "rollup": "sum",
                                "weight": 3,
                                "criteria": [
                                    {"key": "b1", "text": "Question b1.", "answer_set": "quarters"},
                                    {"key": "b2", "text": "Question b2.", "answer_set": "quarters", "weight": 2},
                                ],
                            },
                        ],
                    },
                    {
                        "key": "practice-b",
                        "name": "Practice B",
                        "criteria": [{"key": "c1", "text": "Question c1.", "answer_set": "zero-to-three"}],
                    },
                ],
            },
            {
                "key": "evidence",
                "name": "Evidence",
                "levels": dict(levels),
                "criteria": [{"key": "e1", "text": "Question e1.", "answer_set": "zero-to-three"}],
            },
        ],
    }


# Five respondents, each answering every criterion (option keys of the answer sets).
DEEP_ANSWERS = [
    {"a1": "full", "a2": "half", "a3": "none", "b1": "some", "b2": "full", "c1": "3", "e1": "2"},
    {"a1": "some", "a2": "half", "a3": "some", "b1": "half", "b2": "half", "c1": "1", "e1": "2"},
    {"a1": "none", "a2": "full", "a3": "half", "b1": "full", "b2": "some", "c1": "2", "e1": "3"},
    {"a1": "half", "a2": "none", "a3": "full", "b1": "none", "b2": "none", "c1": "0", "e1": "1"},
    {"a1": "some", "a2": "some", "a3": "some", "b1": "some", "b2": "full", "c1": "2", "e1": "2"},
]


def option_value(key: str, option: str) -> Fraction:
    return Fraction(int(option)) if key in ("c1", "e1") else Fraction(QUARTERS[option]).limit_denominator(4)


def expected_node_scores(answers: list[dict[str, str]]) -> dict[str, Fraction]:
    """The node scores worked by hand, in exact fractions, from the criterion means."""
    mean = {k: sum(option_value(k, a[k]) for a in answers) / len(answers) for k in answers[0]}
    stream_a1 = mean["a1"] + mean["a2"] + mean["a3"]
    stream_a2 = mean["b1"] + 2 * mean["b2"]
    practice_a = (1 * stream_a1 + 3 * stream_a2) / 4
    practice_b = mean["c1"]
    function = (2 * practice_a + 1 * practice_b) / 3
    return {
        "function": function,
        "practice-a": practice_a,
        "stream-a1": stream_a1,
        "stream-a2": stream_a2,
        "practice-b": practice_b,
        "evidence": mean["e1"],
    }


DEEP = parse_rubric(deep_rubric_document())


def responses(answers: list[dict[str, str]], group: str = "reps") -> list[ResponseAnswers]:
    return [ResponseAnswers(group, {k: float(option_value(k, v)) for k, v in a.items()}) for a in answers]


def test_every_node_is_scored_in_rubric_order_with_its_parent_and_depth():
    scores = score_assessment(DEEP, responses(DEEP_ANSWERS))
    assert [(n.key, n.parent, n.depth) for n in scores.nodes.values()] == [
        ("function", None, 1),
        ("practice-a", "function", 2),
        ("stream-a1", "practice-a", 3),
        ("stream-a2", "practice-a", 3),
        ("practice-b", "function", 2),
        ("evidence", None, 1),
    ]
    expected = expected_node_scores(DEEP_ANSWERS)
    for key, value in expected.items():
        assert scores.nodes[key].score == pytest.approx(float(value), abs=1e-9)
    # A dimension's node is the dimension.
    assert scores.nodes["function"].score == scores.dimensions["function"].score
    assert scores.nodes["function"].level == scores.dimensions["function"].level


def test_each_node_has_the_level_of_its_score_on_the_scale():
    scores = score_assessment(DEEP, responses(DEEP_ANSWERS))
    for node in scores.nodes.values():
        assert node.level == DEEP.level_for(node.score)
        assert node.index == pytest.approx(node.score / 3 * 100)


def test_a_sub_group_below_the_coverage_threshold_is_insufficient_evidence():
    # Two of the three criteria of stream A1 are "don't know" for everyone: a third of its weight answered.
    first = responses(DEEP_ANSWERS)[0]
    scores = score_assessment(DEEP, [ResponseAnswers("reps", {**first.values, "a1": None, "a2": None})])
    stream = scores.nodes["stream-a1"]
    assert stream.coverage == pytest.approx(1 / 3)
    assert (stream.score, stream.insufficient_evidence) == (None, True)
    assert scores.nodes["stream-a2"].insufficient_evidence is False


def test_node_scores_survive_the_kept_form_and_old_rows_without_them_roll_up_again():
    scores = score_assessment(DEEP, responses(DEEP_ANSWERS))
    data = kept.encode_scores(scores)
    assert kept.decode_scores(data) == scores
    old = {k: v for k, v in data.items() if k != "nodes"}
    old["overall"] = data["overall"][:5]
    assert kept.decode_scores(old, DEEP).nodes == scores.nodes == node_scores(DEEP, scores.criteria)


def test_an_old_kept_row_with_an_overall_it_should_have_withheld_is_read_withheld():
    scores = score_assessment(
        DEEP, [ResponseAnswers("reps", {**a.values, "e1": None}) for a in responses(DEEP_ANSWERS)]
    )
    assert scores.overall.withheld == "withheld: Evidence has insufficient evidence"
    data = kept.encode_scores(scores)
    # As kept before the rule: the mean of the scored dimension, and no reason.
    data["overall"] = [1.5, [1, "Started"], 50.0, data["overall"][3], False]
    read = kept.decode_scores(data, DEEP).overall
    assert (read.score, read.level, read.withheld) == (None, None, "withheld: Evidence has insufficient evidence")
