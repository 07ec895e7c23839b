import pytest

from assessment.roadmap import build_roadmap, percent_to_target, priority, progress_to_date, target_gaps
from assessment.rubric import parse_rubric
from tests.factories import rubric_document

TINY = parse_rubric(rubric_document())


def test_gap_percent_and_progress_follow_the_contract():
    gaps = target_gaps({"process": 2, "people": 4}, {"process": 4, "people": 3})
    assert (gaps["process"].gap, gaps["people"].gap) == (2, 0)
    # 1 − Σgap ÷ Σtarget = 1 − 2 / 7
    assert percent_to_target(gaps) == pytest.approx(5 / 7)
    assert progress_to_date(current=3.0, baseline=2.0, target=4) == 0.5
    assert progress_to_date(current=1.5, baseline=2.0, target=4) == -0.25


@pytest.mark.parametrize(("current", "baseline", "target"), [(3.0, None, 4), (None, 2.0, 4), (3.0, 4.0, 4)])
def test_progress_is_undefined_without_a_baseline_or_a_distance_to_cover(current, baseline, target):
    assert progress_to_date(current=current, baseline=baseline, target=target) is None


def test_a_dimension_without_a_level_has_no_gap_and_is_left_out_of_percent_to_target():
    gaps = target_gaps({"process": None, "people": 2}, {"process": 4, "people": 3})
    assert gaps["process"].gap is None
    assert percent_to_target(gaps) == pytest.approx(1 - 1 / 3)


def test_priority_is_gap_times_weight_times_impact_over_effort():
    assert priority(2, 2.0, 4, 1) == 16
    assert priority(3, 1.0, 5, 2) == 7.5


def test_the_roadmap_takes_every_step_between_level_and_target_in_priority_order():
    roadmap = build_roadmap(TINY, {"process": 1, "people": 1}, {"process": 4, "people": 2})
    items = roadmap.items
    # process gap 3 × weight 2: r1 = 6·4/1 = 24, r2 = 6·4/2 = 12, r3 = 6·2/4 = 3; people gap 1: s1 = 1·5/2 = 2.5.
    assert [(i.recommendation.key, i.priority) for i in items] == [("r1", 24), ("r2", 12), ("r3", 3), ("s1", 2.5)]
    assert [i.rank for i in items] == [1, 2, 3, 4]
    assert {h.key: [i.recommendation.key for i in h.items] for h in roadmap.horizons} == {
        "0-90d": ["r1", "r2"],
        "3-6m": ["s1"],
        "6-12m": ["r3"],
    }


def test_dependencies_come_first_even_when_their_priority_is_lower():
    doc = rubric_document()
    # Make r1 expensive so that, on priority alone, r2 (which depends on it) would go first.
    doc["dimensions"][0]["recommendations"][0].update(effort=5, horizon="3-6m")
    roadmap = build_roadmap(parse_rubric(doc), {"process": 1, "people": 1}, {"process": 3})
    assert [i.recommendation.key for i in roadmap.items] == ["r1", "r2"]
    # r2 cannot start before the horizon of r1, which it depends on.
    assert [i.horizon for i in roadmap.items] == ["3-6m", "3-6m"]


def test_a_dependency_outside_the_roadmap_counts_as_in_place():
    # s1 depends on r2, but process is already at its target.
    roadmap = build_roadmap(TINY, {"process": 4, "people": 1}, {"process": 4, "people": 2})
    assert [i.recommendation.key for i in roadmap.items] == ["s1"]


def test_steps_already_reached_and_dimensions_without_evidence_are_left_out():
    roadmap = build_roadmap(TINY, {"process": 3, "people": None}, {"process": 4, "people": 3})
    assert [i.recommendation.key for i in roadmap.items] == ["r3"]
    assert roadmap.skipped_dimensions == ("people",)
