"""Year over year across a rubric version that renames one criterion (with `replaces`) and adds another."""

from __future__ import annotations

import copy

from assessment import services
from tests.api.world import answer_everything
from tests.conftest import DEFAULT_RUBRIC
from tests.factories import rubric_document


def closed_assessment(organisation, version, period: str, option: str):
    assessment = services.create_assessment(organisation=organisation, period=period, rubric_version=version)
    services.open_assessment(assessment=assessment)
    for _ in range(3):
        response = services.start_response(assessment=assessment, group="reps")
        answer_everything(response, option)
        services.submit_response(response=response)
    services.close_assessment(assessment=assessment)
    return assessment


def version_two() -> dict:
    document = copy.deepcopy(rubric_document())
    criteria = document["dimensions"][0]["criteria"]
    criteria[1] = {**criteria[1], "key": "p2-followed", "replaces": ["p2"]}
    criteria.insert(2, {"key": "p3", "text": "Managers inspect the stages.", "answer_set": "five"})
    return document


def test_a_renamed_criterion_keeps_its_history_and_the_added_one_makes_its_dimension_not_like_for_like(
    consultant, organisation, api_client
):
    first = services.import_rubric(document=rubric_document()).version
    second = services.import_rubric(document=version_two()).version
    assert (first.version, second.version) == (1, 2)
    closed_assessment(organisation, first, "FY2025", "1")
    closed_assessment(organisation, second, "FY2026", "3")

    body = api_client(consultant).get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()

    [comparison] = body["comparisons"]
    criteria = {c["key"]: c for c in comparison["criteria"]}
    assert criteria["p2-followed"] == {
        "key": "p2-followed",
        "previous": 1.0,
        "current": 3.0,
        "change": 2.0,
        "previous_keys": ["p2"],
    }
    assert criteria["p1"]["previous_keys"] == ["p1"]
    # The renamed criterion is compared, not listed as gone and new; only the added one is new.
    assert comparison["only_in_previous"] == []
    assert comparison["only_in_current"] == ["p3"]
    assert comparison["like_for_like"] is False
    assert comparison["dimension_changes"] == [
        {"key": "process", "previous_keys": ["process"], "like_for_like": False, "added": ["p3"], "removed": []},
        {"key": "people", "previous_keys": ["people"], "like_for_like": True, "added": [], "removed": []},
    ]
    assert comparison["rubric_change"].endswith(
        "Keys that tiny version 2 says replace older ones are compared with those."
    )


def test_the_same_rubric_in_both_years_is_like_for_like(consultant, organisation, api_client):
    version = services.import_rubric(document=rubric_document()).version
    closed_assessment(organisation, version, "FY2025", "2")
    closed_assessment(organisation, version, "FY2026", "4")

    [comparison] = (
        api_client(consultant).get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()["comparisons"]
    )

    assert comparison["like_for_like"] is True
    assert all(d["like_for_like"] and not d["added"] and not d["removed"] for d in comparison["dimension_changes"])
    assert comparison["rubric_change"] is None


def test_the_shipped_version_two_continues_version_one(consultant, organisation, api_client):
    versions = services.import_built_in_rubrics()
    first = services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version
    second = versions["sales-transformation"]
    for version, period, option in ((first, "FY2025", "2"), (second, "FY2026", "4")):
        assessment = services.create_assessment(organisation=organisation, period=period, rubric_version=version)
        services.open_assessment(assessment=assessment)
        for group in ("sales-leadership", "managers", "reps"):
            for _ in range(3):
                response = services.start_response(assessment=assessment, group=group)
                answer_everything(response, option)
                services.submit_response(response=response)
        services.close_assessment(assessment=assessment)

    body = api_client(consultant).get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()

    [comparison] = body["comparisons"]
    dimensions = {d["key"]: d for d in comparison["dimensions"]}
    assert dimensions["revenue-operations"]["previous_keys"] == ["technology"]
    assert (dimensions["revenue-operations"]["previous"], dimensions["revenue-operations"]["current"]) == (2.0, 4.0)
    criteria = {c["key"]: c for c in comparison["criteria"]}
    assert criteria["process-documented"]["previous_keys"] == ["documented-process-used"]
    assert "technology" not in comparison["only_in_previous"]
    assert "customer-growth" in comparison["only_in_current"]
    assert comparison["like_for_like"] is False
    changes = {d["key"]: d for d in comparison["dimension_changes"]}
    assert "economic-buyer-identified" in changes["sales-process"]["added"]
    assert changes["sales-process"]["removed"] == []
    # The trend of the renamed dimension is one line under its new key.
    trend = next(t for t in body["trends"] if t["key"] == "revenue-operations")
    assert [p["score"] for p in trend["points"]] == [2.0, 4.0]
    assert "technology" not in [t["key"] for t in body["trends"]]


def test_the_rubric_tree_shows_what_each_key_replaces_and_its_source(consultant, api_client):
    version = services.import_built_in_rubrics()["sales-transformation"]
    tree = api_client(consultant).get(f"/api/v1/rubrics/{version.pk}/").json()
    operations = next(d for d in tree["dimensions"] if d["key"] == "revenue-operations")
    assert operations["replaces"] == ["technology"]
    process = tree["dimensions"][0]
    documented = next(c for g in process["groups"] for c in g["criteria"] if c["key"] == "process-documented")
    assert documented["replaces"] == ["documented-process-used"]
    assert documented["source"].startswith("Source article 'The Ultimately Accountable Job'")


def test_a_comparison_that_skips_a_version_follows_the_replacements_of_the_version_between(
    consultant, organisation, api_client
):
    first = services.import_rubric(document=rubric_document()).version
    services.import_rubric(document=version_two())  # p2 → p2-followed; nobody assessed with it
    third = copy.deepcopy(version_two())
    third["dimensions"][0]["criteria"][1] = {
        **third["dimensions"][0]["criteria"][1],
        "key": "stages-followed",
        "replaces": ["p2-followed"],
    }
    third["dimensions"][1]["key"] = "team"
    third["dimensions"][1]["replaces"] = ["people"]
    third = services.import_rubric(document=third).version
    assert third.version == 3
    closed_assessment(organisation, first, "FY2025", "1")
    closed_assessment(organisation, third, "FY2026", "3")

    body = api_client(consultant).get(f"/api/v1/organisations/{organisation.pk}/year-over-year/").json()

    [comparison] = body["comparisons"]
    criteria = {c["key"]: c for c in comparison["criteria"]}
    assert (criteria["stages-followed"]["previous_keys"], criteria["stages-followed"]["change"]) == (["p2"], 2.0)
    assert [(d["key"], d["previous_keys"]) for d in comparison["dimensions"]] == [
        ("process", ["process"]),
        ("team", ["people"]),
    ]
    assert comparison["only_in_previous"] == []
    assert comparison["only_in_current"] == ["p3"]
    assert [t["key"] for t in body["trends"]] == ["process", "team"]
