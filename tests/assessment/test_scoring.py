"""Scoring worked by hand from PRODUCT.md's formulas on the tiny rubric of tests/factories.py.

process (weight 2): p1 (weight 2), p2 (weight 1, reps only); people (weight 1): sub-group
coaching (c1, c2) and q1. Scale 1–5, equal bands 1.8/2.6/3.4/4.2, coverage threshold 0.5.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.rubric import parse_rubric
from assessment.scoring import ResponseAnswers, consensus_index, score_assessment, score_response
from tests.factories import rubric_document

TINY = parse_rubric(rubric_document())
NA = None


def gated_rubric(pass_mark: float = 0.75):
    doc = rubric_document()
    doc["answer_sets"].append(
        {
            "key": "yes-no",
            "not_applicable": "Don't know",
            "options": [
                {"key": "no", "value": 0, "label": "No"},
                {"key": "partly", "value": 0.5, "label": "Partly"},
                {"key": "yes", "value": 1, "label": "Yes"},
            ],
        }
    )
    doc["dimensions"][1] = {
        "key": "people",
        "name": "People",
        "levels": {v: f"Level {v}" for v in range(1, 6)},
        "rollup": "gated",
        "pass_mark": pass_mark,
        "criteria": [
            {"key": "g2", "text": "Roles are written down.", "answer_set": "yes-no", "level": 2},
            {"key": "g3a", "text": "Managers coach weekly.", "answer_set": "yes-no", "level": 3},
            {"key": "g3b", "text": "Coaching is recorded.", "answer_set": "yes-no", "level": 3},
            {"key": "g4", "text": "Ramp time is measured.", "answer_set": "yes-no", "level": 4},
        ],
    }
    return parse_rubric(doc)


def test_one_respondents_scores_follow_the_weighted_means_and_coverage():
    scores = score_response(TINY, ResponseAnswers("leaders", {"p1": 4, "c1": 2, "c2": 4, "q1": NA}))
    process, people = scores.dimensions["process"], scores.dimensions["people"]
    # p2 is asked of reps only, so a leader's process coverage is complete with p1 alone.
    assert (process.score, process.coverage, process.level.name) == (4, 1.0, "Managed")
    # coaching = (2 + 4) / 2 = 3; q1 is "don't know": excluded, and it halves coverage.
    assert (people.score, people.coverage, people.level.name) == (3, 0.5, "Defined")
    assert scores.overall.score == pytest.approx((2 * 4 + 1 * 3) / 3)
    assert scores.overall.level.name == "Managed"
    assert scores.overall.index == pytest.approx((11 / 3 - 1) / 4 * 100)
    assert scores.overall.coverage == pytest.approx((2 * 1 + 1 * 0.5) / 3)


def test_a_dimension_below_the_coverage_threshold_is_insufficient_evidence_not_a_score():
    scores = score_response(TINY, ResponseAnswers("reps", {"p1": 5, "p2": 5, "c1": 1}))
    people = scores.dimensions["people"]
    assert people.insufficient_evidence and people.score is None and people.level is None
    assert people.coverage == 0.25
    # The mean of the other dimension would pass for the whole: the overall is withheld and says why.
    assert (scores.overall.score, scores.overall.level, scores.overall.index) == (None, None, None)
    assert scores.overall.withheld == "withheld: People has insufficient evidence"
    assert scores.overall.insufficient_evidence
    assert scores.overall.coverage == pytest.approx((2 * 1 + 0.25) / 3)


def test_every_weighted_dimension_without_evidence_is_named():
    scores = score_response(TINY, ResponseAnswers("reps", {}))
    assert scores.overall.score is None
    assert scores.overall.withheld == "withheld: Process and People have insufficient evidence"


THREE = [
    ResponseAnswers("leaders", {"p1": 4, "c1": 2, "c2": 4, "q1": NA}),
    ResponseAnswers("reps", {"p1": 2, "p2": 5, "c1": 3, "c2": 3, "q1": 3}),
    ResponseAnswers("reps", {"p1": 3, "p2": NA, "c1": 4, "q1": 5}),
]


@pytest.mark.parametrize(
    ("key", "mean", "sd", "consensus", "answered", "not_applicable", "addressed"),
    [
        ("p1", 3.0, math.sqrt(2 / 3), 1 - math.sqrt(2 / 3) / 2, 3, 0, 3),
        ("p2", 5.0, 0.0, 1.0, 1, 1, 2),
        ("c1", 3.0, math.sqrt(2 / 3), 1 - math.sqrt(2 / 3) / 2, 3, 0, 3),
        ("c2", 3.5, 0.5, 0.75, 2, 0, 3),
        ("q1", 4.0, 1.0, 0.5, 2, 1, 3),
    ],
)
def test_criterion_aggregates_over_submitted_responses(key, mean, sd, consensus, answered, not_applicable, addressed):
    c = score_assessment(TINY, THREE).criteria[key]
    assert c.mean == pytest.approx(mean)
    assert c.sd == pytest.approx(sd)
    assert c.consensus == pytest.approx(consensus)
    assert (c.answered, c.not_applicable, c.addressed) == (answered, not_applicable, addressed)


def test_assessment_dimensions_roll_up_criterion_means():
    scores = score_assessment(TINY, THREE)
    process, people = scores.dimensions["process"], scores.dimensions["people"]
    assert process.score == pytest.approx((2 * 3 + 1 * 5) / 3)
    # Coverage: (2/3·3 + 1/3·1) answered ÷ (2/3·3 + 1/3·2) addressed.
    assert process.coverage == pytest.approx((2 + 1 / 3) / (2 + 2 / 3))
    assert people.score == pytest.approx(((3 + 3.5) / 2 + 4) / 2)
    assert people.coverage == pytest.approx((3 * 0.25 + 2 * 0.25 + 2 * 0.5) / 3)
    assert scores.overall.score == pytest.approx((2 * 11 / 3 + 3.625) / 3)
    assert scores.overall.level.name == "Managed"
    assert scores.respondents == 3 and scores.respondents_by_group == {"leaders": 1, "reps": 2}


def test_weighting_groups_equally_keeps_ten_reps_from_drowning_two_leaders():
    scores = score_assessment(TINY, THREE, group_weighting=True)
    p1 = scores.criteria["p1"]
    # Leaders' mean 4 and reps' mean 2.5 count equally.
    assert p1.mean == pytest.approx(3.25)
    assert p1.sd == pytest.approx(math.sqrt((16 + 6.5) / 2 - 3.25**2))
    assert scores.dimensions["process"].score == pytest.approx((2 * 3.25 + 5) / 3)


def test_groups_under_three_respondents_are_hidden_and_never_make_a_perception_gap():
    scores = score_assessment(TINY, THREE)
    assert [(g.group, g.respondents, g.hidden, g.dimensions) for g in scores.groups] == [
        ("leaders", 1, True, {}),
        ("reps", 2, True, {}),
    ]
    assert scores.perception_gaps == ()


def test_a_perception_gap_of_a_level_or_more_is_reported():
    leaders = [ResponseAnswers("leaders", {"p1": 5, "c1": 4, "c2": 4, "q1": 4}) for _ in range(3)]
    reps = [ResponseAnswers("reps", {"p1": 3, "p2": 3, "c1": 4, "c2": 3, "q1": 4}) for _ in range(3)]
    gaps = {g.dimension: g for g in score_assessment(TINY, leaders + reps).perception_gaps}
    assert (gaps["process"].spread, gaps["process"].highest_group, gaps["process"].lowest_group) == (
        2,
        "leaders",
        "reps",
    )
    assert gaps["process"].significant
    assert gaps["people"].spread == pytest.approx(0.25) and not gaps["people"].significant


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"g2": 1, "g3a": 1, "g3b": 1, "g4": 1}, 4),
        ({"g2": 1, "g3a": 1, "g3b": 0.5, "g4": 1}, 2),  # level 3 not fully met: level 4 does not count
        ({"g2": 0, "g3a": 1, "g3b": 1, "g4": 1}, 1),
        ({"g3a": 1, "g3b": 1, "g4": 0}, 3),  # an unanswered criterion is not required
        ({"g2": 1, "g3a": NA, "g3b": 1}, 3),
    ],
)
def test_a_gated_dimension_counts_a_level_only_when_every_criterion_up_to_it_is_met(answers, level):
    scores = score_response(gated_rubric(), ResponseAnswers("leaders", answers))
    assert scores.dimensions["people"].score == level


def test_the_pass_mark_of_a_gated_node_decides_what_is_met():
    answers = ResponseAnswers("leaders", {"g2": 0.5, "g3a": 1, "g3b": 1, "g4": 1})
    assert score_response(gated_rubric(pass_mark=0.75), answers).dimensions["people"].score == 1
    assert score_response(gated_rubric(pass_mark=0.5), answers).dimensions["people"].score == 4


def test_a_sum_node_adds_its_weighted_children():
    doc = rubric_document()
    doc["answer_sets"].append(
        {"key": "points", "options": [{"key": str(v), "value": v, "label": str(v)} for v in (0, 1, 2)]}
    )
    doc["dimensions"][1]["groups"][0].update(rollup="sum")
    for c in doc["dimensions"][1]["groups"][0]["criteria"]:
        c["answer_set"] = "points"
    rubric = parse_rubric(doc)
    scores = score_response(rubric, ResponseAnswers("leaders", {"c1": 2, "c2": 1, "q1": 5}))
    # coaching = 2 + 1 = 3; people = mean(coaching 3, q1 5) = 4.
    assert scores.dimensions["people"].score == 4


@pytest.mark.parametrize(
    ("thresholds", "score", "level"),
    [
        (None, 1.79, "Ad hoc"),
        (None, 1.8, "Emerging"),
        (None, 3.4, "Managed"),
        (None, 5, "Optimising"),
        ([2, 3, 4, 4.5], 4.4, "Managed"),
        ([2, 3, 4, 4.5], 4.5, "Optimising"),
        ([2, 3, 4, 4.5], 1.99, "Ad hoc"),
    ],
)
def test_levels_come_from_the_rubrics_thresholds(thresholds, score, level):
    doc = rubric_document() if thresholds is None else rubric_document(thresholds=thresholds)
    assert parse_rubric(doc).level_for(score).name == level


def test_consensus_is_one_for_agreement_and_zero_for_a_split_between_extremes():
    assert consensus_index(0, 1, 5) == 1
    assert consensus_index(2, 1, 5) == 0
    assert consensus_index(1, 1, 5) == 0.5


# --- properties ---------------------------------------------------------------------------

values = st.one_of(st.none(), st.sampled_from([1, 2, 3, 4, 5]))
answer_maps = st.fixed_dictionaries({}, optional=dict.fromkeys(["p1", "p2", "c1", "c2", "q1"], values))
responses = st.lists(
    st.builds(ResponseAnswers, st.sampled_from(["leaders", "reps"]), answer_maps), min_size=1, max_size=12
)


@given(responses, st.booleans())
def test_scores_stay_on_the_scale(batch, weighting):
    scores = score_assessment(TINY, batch, group_weighting=weighting)
    for d in scores.dimensions.values():
        assert 0 <= d.coverage <= 1
        assert d.score is None or 1 - 1e-9 <= d.score <= 5 + 1e-9
        assert d.consensus is None or 0 <= d.consensus <= 1
    assert scores.overall.score is None or 1 - 1e-9 <= scores.overall.score <= 5 + 1e-9
    assert scores.overall.index is None or -1e-7 <= scores.overall.index <= 100 + 1e-7


@given(responses, st.randoms(use_true_random=False))
def test_the_order_of_responses_does_not_matter(batch, rnd):
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    a, b = score_assessment(TINY, batch), score_assessment(TINY, shuffled)
    for key in a.dimensions:
        assert a.dimensions[key].score == pytest.approx(b.dimensions[key].score)
        assert a.dimensions[key].coverage == pytest.approx(b.dimensions[key].coverage)


@given(
    answer_maps,
    st.sampled_from(["p1", "p2", "c1", "c2", "q1"]),
    st.integers(min_value=1, max_value=4),
    st.sampled_from(["leaders", "reps"]),
)
def test_raising_one_answer_never_lowers_its_dimension(answers, key, value, group):
    answers = {**answers, key: value}
    raised = {**answers, key: value + 1}
    dimension = TINY.dimension_of_criterion[key]
    before = score_response(TINY, ResponseAnswers(group, answers)).dimensions[dimension].score
    after = score_response(TINY, ResponseAnswers(group, raised)).dimensions[dimension].score
    # Coverage does not change, so both are scored or neither is.
    assert (before is None) == (after is None)
    if before is not None:
        assert after >= before - 1e-9


@given(
    st.lists(
        st.builds(
            ResponseAnswers,
            st.just("leaders"),
            st.fixed_dictionaries({k: st.sampled_from([0, 0.5, 1]) for k in ["g2", "g3a", "g3b", "g4"]}),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_gated_score_is_always_a_level_of_the_scale(batch):
    rubric = gated_rubric()
    scores = score_assessment(rubric, batch)
    assert scores.dimensions["people"].score in {1, 2, 3, 4, 5}


def test_an_answer_to_a_question_the_group_is_not_asked_is_ignored():
    # p2 is for reps; a leader's stray answer must neither score nor inflate coverage.
    stray = ResponseAnswers("leaders", {"p1": 1, "p2": 5})
    assert score_response(TINY, stray).dimensions["process"].score == 1
    process = score_assessment(TINY, [stray]).dimensions["process"]
    assert (process.score, process.coverage) == (1, 1.0)
