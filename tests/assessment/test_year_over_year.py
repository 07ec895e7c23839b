import pytest

from assessment.year_over_year import AssessmentSnapshot, chain_replacements, compare, trends


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


def structured(period, version, dimensions, criteria, *, replaces=None, layout=None):
    return AssessmentSnapshot(
        assessment_id=hash(period) % 1000,
        period=period,
        rubric_key="tiny",
        rubric_version=version,
        overall=None,
        dimensions=dimensions,
        criteria=criteria,
        replaces=replaces or {},
        dimension_criteria=layout or {},
    )


V1 = structured(
    "FY2025",
    1,
    {"process": 2.0, "people": 3.0},
    {"p1": 2.0, "p2": 1.0, "q1": 3.0},
    layout={"process": ("p1", "p2"), "people": ("q1",)},
)


def test_a_renamed_criterion_is_compared_with_its_old_key_and_an_added_one_is_named():
    v2 = structured(
        "FY2026",
        2,
        {"process": 3.0, "people": 3.5},
        {"p1": 3.0, "p2-followed": 2.5, "p3": 4.0, "q1": 3.5},
        replaces={"p2-followed": ("p2",)},
        layout={"process": ("p1", "p2-followed", "p3"), "people": ("q1",)},
    )
    result = compare(V1, v2)
    renamed = next(d for d in result.criteria if d.key == "p2-followed")
    assert (renamed.previous, renamed.current, renamed.change, renamed.previous_keys) == (1.0, 2.5, 1.5, ("p2",))
    assert result.only_in_previous == ()
    assert result.only_in_current == ("p3",)
    process, people = result.dimension_changes
    assert (process.key, process.like_for_like, process.added, process.removed) == ("process", False, ("p3",), ())
    assert people.like_for_like
    assert not result.like_for_like


def test_a_removed_criterion_is_named_and_a_replaced_dimension_keeps_its_trend():
    v2 = structured(
        "FY2026",
        2,
        {"way-of-selling": 2.5, "people": 3.0},
        {"p1": 2.5, "q1": 3.0},
        replaces={"way-of-selling": ("process",)},
        layout={"way-of-selling": ("p1",), "people": ("q1",)},
    )
    result = compare(V1, v2)
    assert [(d.key, d.previous, d.previous_keys) for d in result.dimensions] == [
        ("way-of-selling", 2.0, ("process",)),
        ("people", 3.0, ("people",)),
    ]
    [selling, _] = result.dimension_changes
    assert (selling.added, selling.removed) == ((), ("p2",))
    assert result.only_in_previous == ("p2",)
    assert [(t.key, t.points) for t in trends([V1, v2])] == [
        ("way-of-selling", (("FY2025", 2.0), ("FY2026", 2.5))),
        ("people", (("FY2025", 3.0), ("FY2026", 3.0))),
    ]


def test_a_merge_is_compared_with_the_mean_of_the_keys_it_replaces():
    v2 = structured(
        "FY2026",
        2,
        {"process": 3.0},
        {"p-all": 3.0},
        replaces={"p-all": ("p1", "p2")},
        layout={"process": ("p-all",)},
    )
    [merged] = compare(V1, v2).criteria
    assert (merged.previous, merged.previous_keys) == (1.5, ("p1", "p2"))
    assert [d.like_for_like for d in compare(V1, v2).dimension_changes] == [True]


def test_without_a_rubric_layout_nothing_is_marked_not_like_for_like():
    before = snap("FY2025", 1, {"process": 2.0}, {"p1": 2.0})
    after = snap("FY2026", 2, {"process": 3.0}, {"p1": 3.0, "new": 1.0})
    assert compare(before, after).dimension_changes == ()


def test_replacements_of_consecutive_versions_compose_into_the_latest():
    v2 = {"b": ("a",), "merged": ("x", "y")}
    v3 = {"c": ("b",), "z": ("merged",)}
    assert chain_replacements([v2, v3]) == {"c": ("b", "a"), "z": ("merged", "x", "y")}
    # A key kept from v2 to v3 keeps what it replaced in v2.
    assert chain_replacements([v2, {"new": ("other",)}]) == {**v2, "new": ("other",)}
    assert chain_replacements([]) == {}
