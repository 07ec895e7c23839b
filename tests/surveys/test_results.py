"""The self-assessment's results, decided in pure functions: levels, descriptors, gaps and first actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from assessment.rubric import load_rubric_yaml
from assessment.scoring import ResponseAnswers, score_response
from surveys.results import self_assessment_results

RUBRIC = load_rubric_yaml((Path(settings.BASE_DIR) / "assessment/rubrics/sales-transformation.yaml").read_text())
# One option for every question of a dimension, so each dimension's score is that option's value.
PATTERN = {
    "sales-process": 4.0,
    "organisation-design": 2.0,
    "technology": 3.0,
    "marketing-alignment": 1.0,
    "strategic-leadership": 2.0,
}


def leader_scores(pattern=PATTERN, *, not_applicable: tuple[str, ...] = ()):
    values = {
        c.key: (None if dimension in not_applicable else pattern[dimension])
        for c in RUBRIC.criteria_for_group("sales-leadership")
        if RUBRIC.answer_set_by_key[c.answer_set].scored
        for dimension in [RUBRIC.dimension_of_criterion[c.key]]
    }
    return score_response(RUBRIC, ResponseAnswers(group="sales-leadership", values=values))


def test_each_dimension_gets_its_level_and_the_rubrics_descriptor_of_that_level():
    results = self_assessment_results(RUBRIC, leader_scores(), {})
    assert [(d.key, d.level.value, d.level.name) for d in results.dimensions] == [
        ("sales-process", 4, "Managed"),
        ("organisation-design", 2, "Emerging"),
        ("technology", 3, "Defined"),
        ("marketing-alignment", 1, "Ad hoc"),
        ("strategic-leadership", 2, "Emerging"),
    ]
    assert results.dimensions[0].descriptor.startswith(
        "Stage conversion, deal velocity and win/loss reasons are measured"
    )
    assert results.dimensions[3].descriptor.startswith(RUBRIC.dimension_by_key["marketing-alignment"].levels[0][:40])
    # Overall: the weighted mean of 4, 2, 3, 1, 2 with equal weights = 2.4, level 2 (from 1.8 to 2.6).
    assert results.overall.score == pytest.approx(2.4)
    assert (results.overall.level.value, results.overall.level.name) == (2, "Emerging")


def test_without_targets_the_gaps_are_the_dimensions_furthest_below_the_top_level():
    gaps = self_assessment_results(RUBRIC, leader_scores(), {}).gaps
    # Below level 5: marketing 4 steps; organisation design and strategic leadership 3 (tie: rubric order).
    assert [(g.key, g.level.value, g.aim, g.steps) for g in gaps] == [
        ("marketing-alignment", 1, 5, 4),
        ("organisation-design", 2, 5, 3),
        ("strategic-leadership", 2, 5, 3),
    ]


def test_each_gap_starts_with_the_roadmaps_actions_for_the_next_level():
    gaps = self_assessment_results(RUBRIC, leader_scores(), {}).gaps
    # Priority = gap × weight × impact ÷ effort among each dimension's step out of its level:
    # marketing (level 1): agree-lead-definition 4×4/1 = 16, start-joint-funnel-meeting 4×3/1 = 12;
    # organisation design (2): train-managers-to-coach 3×5/3 = 5, then 4 for both build-onboarding-plan and
    # set-span-of-control (tie broken by key); strategic leadership (2): give-sales-strategic-seat 3×5/2 = 7.5,
    # track-forecast-accuracy 3×4/2 = 6.
    assert [[a.key for a in g.actions] for g in gaps] == [
        ["agree-lead-definition", "start-joint-funnel-meeting"],
        ["train-managers-to-coach", "build-onboarding-plan"],
        ["give-sales-strategic-seat", "track-forecast-accuracy"],
    ]


def test_with_targets_only_dimensions_below_their_target_are_gaps():
    results = self_assessment_results(
        RUBRIC, leader_scores(), {"technology": 5, "sales-process": 5, "marketing-alignment": 1}
    )
    assert [(g.key, g.steps) for g in results.gaps] == [("technology", 2), ("sales-process", 1)]
    assert results.aims_are_targets is True
    assert [d.target for d in results.dimensions] == [5, None, 5, 1, None]


def test_a_dimension_answered_dont_know_throughout_has_no_level_and_is_no_gap():
    results = self_assessment_results(RUBRIC, leader_scores(not_applicable=("marketing-alignment",)), {})
    marketing = results.dimensions[3]
    assert (marketing.level, marketing.descriptor, marketing.score) == (None, "", None)
    assert [g.key for g in results.gaps] == ["organisation-design", "strategic-leadership", "technology"]


def test_the_radar_has_one_axis_per_dimension_and_a_target_series_only_when_targets_exist():
    without = self_assessment_results(RUBRIC, leader_scores(), {}).chart
    assert [a.label for a in without.axes] == ["1", "2", "3", "4", "5"]
    assert [(p.name, p.style) for p in without.polygons] == [("Your answers", "current")]
    with_targets = self_assessment_results(RUBRIC, leader_scores(), {"technology": 4}).chart
    assert [(p.name, p.style) for p in with_targets.polygons] == [("Your answers", "current"), ("Target", "target")]
