"""The assessor's scores, worked by hand on the tiny rubric of tests/factories.py.

process (weight 2): p1 (weight 2), p2 (weight 1); people (weight 1): sub-group coaching (c1, c2) and q1.
Scale 1–5, equal bands 1.8/2.6/3.4/4.2.
"""

import pytest

from assessment.assessor import Rating, assessor_scores, basis_levels
from assessment.rubric import parse_rubric
from tests.factories import rubric_document

TINY = parse_rubric(rubric_document())


def test_the_assessors_ratings_roll_up_through_the_rubrics_own_weights():
    scores = assessor_scores(TINY, [Rating("p1", "4", "CRM stage report"), Rating("p2", "2"), Rating("c1", "")])
    process = scores.dimensions["process"]
    # (2 × 4 + 1 × 2) ÷ 3
    assert process.score == pytest.approx(10 / 3)
    assert process.level.name == "Defined"
    # c1 is "not applicable": people has nothing rated and stays unscored, and the overall is process alone.
    assert scores.dimensions["people"].score is None and scores.dimensions["people"].level is None
    assert scores.overall.score == pytest.approx(10 / 3)
    assert scores.criteria["p1"].notes == "CRM stage report"
    assert scores.criteria["c1"].value is None and scores.criteria["c1"].label == "Not applicable"


def test_a_sub_group_enters_its_dimension_as_one_child_and_the_overall_weighs_the_dimensions():
    scores = assessor_scores(
        TINY, [Rating("p1", "4"), Rating("p2", "2"), Rating("c1", "1"), Rating("c2", "2"), Rating("q1", "5")]
    )
    # people = mean(coaching = (1 + 2) ÷ 2, q1 = 5) = 3.25
    assert scores.dimensions["people"].score == pytest.approx(3.25)
    # overall = (2 × 10/3 + 1 × 3.25) ÷ 3
    assert scores.overall.score == pytest.approx((20 / 3 + 3.25) / 3)
    assert scores.overall.level.name == "Defined"


def test_ratings_of_text_criteria_unknown_keys_or_unknown_options_count_for_nothing():
    scores = assessor_scores(TINY, [Rating("p-note", "1"), Rating("nope", "3"), Rating("p1", "9")])
    assert scores.criteria == {}
    assert scores.overall.score is None


def test_the_roadmap_follows_the_assessors_levels_and_falls_back_to_the_teams_where_none():
    team = {"process": 2, "people": 4}
    rated = assessor_scores(TINY, [Rating("p1", "5"), Rating("p2", "5")])
    assert basis_levels(team, rated, "team") == ({"process": 2, "people": 4}, ())
    assert basis_levels(team, rated, "assessor") == ({"process": 5, "people": 4}, ("people",))
