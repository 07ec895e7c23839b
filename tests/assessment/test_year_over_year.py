import pytest

from assessment.year_over_year import AssessmentSnapshot, compare, trends


def snap(period, version, dimensions, criteria, overall=None):
    return AssessmentSnapshot(
        assessment_id=hash(period) % 1000,
        period=period,
        rubric_key="tiny",
        rubric_version=version,
        overall=overall,
        dimensions=dimensions,
        criteria=criteria,
    )


def test_deltas_are_taken_by_key_and_a_rubric_change_is_stated():
    before = snap("FY2025", 1, {"process": 2.0, "people": 3.0}, {"p1": 2.0, "old": 4.0}, overall=2.5)
    after = snap("FY2026", 2, {"process": 2.75, "people": None}, {"p1": 3.0, "new": 1.0}, overall=2.75)
    result = compare(before, after)
    assert result.rubric_changed
    assert result.overall.change == pytest.approx(0.25)
    assert {d.key: d.change for d in result.dimensions} == {"process": 0.75, "people": None}
    assert {d.key: d.change for d in result.criteria} == {"p1": 1.0}
    # Criteria that exist in one version only are listed, never silently dropped.
    assert result.only_in_previous == ("old",)
    assert result.only_in_current == ("new",)


def test_the_same_version_is_not_a_change():
    a = snap("FY2025", 1, {"process": 2.0}, {})
    assert not compare(a, snap("FY2026", 1, {"process": 2.0}, {})).rubric_changed


def test_trends_list_every_dimension_across_every_period_in_order():
    history = [
        snap("FY2024", 1, {"process": 1.5}, {}),
        snap("FY2025", 1, {"process": 2.0, "people": 3.0}, {}),
        snap("FY2026", 1, {"process": 2.5, "people": 2.5}, {}),
    ]
    assert [(t.key, t.points) for t in trends(history)] == [
        ("process", (("FY2024", 1.5), ("FY2025", 2.0), ("FY2026", 2.5))),
        ("people", (("FY2024", None), ("FY2025", 3.0), ("FY2026", 2.5))),
    ]
