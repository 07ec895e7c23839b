"""Continuity between rubric versions (`replaces`, `source`), the shipped rubrics and their import order,
the content of sales-transformation version 2, and recommendations never scheduled before what they need."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from django.core.management import call_command

from assessment import services
from assessment.models import RubricVersion
from assessment.roadmap import build_roadmap
from assessment.rubric import HORIZONS, RubricInvalid, load_rubric_yaml, parse_rubric, rubric_to_dict
from tests.conftest import DEFAULT_RUBRIC
from tests.factories import rubric_document

SHIPPED = sorted(services.BUILT_IN_RUBRICS.glob("*.yaml"))
VERSION_TWO = services.BUILT_IN_RUBRICS / "sales-transformation-v2.yaml"


def errors_of(document) -> list[str]:
    with pytest.raises(RubricInvalid) as caught:
        parse_rubric(document)
    return caught.value.errors


def renamed(**criterion_changes) -> dict:
    """The tiny rubric with criterion p2 renamed p2-followed (and whatever else is given)."""
    document = copy.deepcopy(rubric_document())
    criteria = document["dimensions"][0]["criteria"]
    criteria[1] = {**criteria[1], "key": "p2-followed", "replaces": ["p2"], **criterion_changes}
    return document


# --- the format ------------------------------------------------------------------------------


def test_replaces_and_source_round_trip_through_the_canonical_form_and_the_database(db, tmp_path: Path):
    document = renamed(source="Published practice: stage exit criteria.")
    document["dimensions"][1]["groups"][0]["replaces"] = ["old-coaching"]
    rubric = parse_rubric(document)
    assert rubric.criterion_by_key["p2-followed"].replaces == ("p2",)
    assert rubric.replacements == {"coaching": ("old-coaching",), "p2-followed": ("p2",)}
    assert parse_rubric(rubric_to_dict(rubric)) == rubric

    services.import_rubric(document=document)
    exported = tmp_path / "tiny.yaml"
    call_command("export_rubric", "tiny", "1", "-o", str(exported))
    assert load_rubric_yaml(exported.read_text()) == rubric
    assert "source: 'Published practice: stage exit criteria.'" in exported.read_text()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["dimensions"][0]["criteria"][0].update(replaces="p0"),
            "dimensions[0].criteria[0].replaces: expected a list, got text",
        ),
        (
            lambda d: d["dimensions"][0]["criteria"][0].update(replaces=["Not A Key"]),
            "dimensions[0].criteria[0].replaces[0]: 'Not A Key' is not a valid key (lower-case letters, digits, "
            "'-' and '_', starting with a letter or digit)",
        ),
        (
            lambda d: d["dimensions"][0]["criteria"][0].update(replaces=["p1"]),
            "dimensions[0].criteria[0].replaces[0]: 'p1' cannot replace itself: a key kept from the previous "
            "version needs no replaces",
        ),
        (
            lambda d: d["dimensions"][0]["criteria"][0].update(replaces=["p2"]),
            "dimensions[0].criteria[0].replaces[0]: 'p2' is still a key of this rubric (at "
            "dimensions[0].criteria[1].key); only a key that is gone can be replaced",
        ),
        (
            lambda d: d["dimensions"][0]["criteria"][0].update(replaces=["old", "old"]),
            "dimensions[0].criteria[0].replaces[1]: 'old' is listed twice",
        ),
        (
            lambda d: (
                d["dimensions"][0]["criteria"][0].update(replaces=["old"]),
                d["dimensions"][1].update(replaces=["old"]),
            ),
            "dimensions[1].replaces[0]: 'old' is already replaced at dimensions[0].criteria[0].replaces[0]",
        ),
        (
            lambda d: d["dimensions"][0]["recommendations"][0].update(replaces=["old"]),
            "dimensions[0].recommendations[0].replaces: unknown field",
        ),
        (
            lambda d: d["dimensions"][0]["criteria"][0].update(source=["a list"]),
            "dimensions[0].criteria[0].source: expected text, got a list",
        ),
    ],
)
def test_a_bad_replaces_or_source_is_reported_where_it_is(change, expected):
    document = rubric_document()
    change(document)
    assert errors_of(document) == [expected]


def test_two_new_keys_cannot_take_over_the_same_old_key():
    document = renamed()
    document["dimensions"][0]["criteria"][0]["replaces"] = ["p2"]
    assert errors_of(document) == [
        "dimensions[0].criteria[1].replaces[0]: 'p2' is already replaced at dimensions[0].criteria[0].replaces[0]"
    ]


def test_a_new_version_may_only_replace_keys_of_the_version_it_follows(db):
    services.import_rubric(document=rubric_document())
    document = renamed()
    document["dimensions"][0]["criteria"][0]["replaces"] = ["nowhere"]
    del document["dimensions"][0]["criteria"][2]  # the free-text p-note is gone
    document["dimensions"][1]["replaces"] = ["p-note"]
    with pytest.raises(RubricInvalid) as caught:
        services.import_rubric(document=document)
    assert caught.value.errors == [
        "dimensions[0].criteria[0].replaces[0]: 'nowhere' is not a key there (version 1)",
        "dimensions[1].replaces[0]: 'p-note' is a criterion there, not a dimension or sub-group (version 1)",
    ]
    assert RubricVersion.objects.count() == 1
    # The first version of a family has nothing to check against; the renamed one is accepted after v1.
    assert services.import_rubric(document=renamed()).version.version == 2


# --- the shipped rubrics ---------------------------------------------------------------------


def test_the_shipped_rubrics_import_in_version_order_and_version_one_stays_as_published(db):
    published = services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version
    latest = services.import_built_in_rubrics()
    assert latest["sales-transformation"].version == 2
    versions = RubricVersion.objects.filter(rubric__key="sales-transformation").order_by("version")
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].pk == published.pk  # version 1 was not changed or stored again
    # Importing again stores nothing new.
    assert services.import_built_in_rubrics()["sales-transformation"].pk == versions[1].pk
    assert RubricVersion.objects.count() == 2


def test_on_a_fresh_install_the_files_become_versions_one_and_two(db, capsys):
    call_command("import_built_in_rubrics")
    assert "sales-transformation: latest version 2." in capsys.readouterr().out
    first, second = RubricVersion.objects.filter(rubric__key="sales-transformation").order_by("version")
    assert first.checksum == services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version.checksum
    assert second.criteria.filter(key="economic-buyer-identified").exists()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_rubric_round_trips_through_import_and_export(db, path: Path, tmp_path: Path):
    services.import_built_in_rubrics()
    rubric = load_rubric_yaml(path.read_text())
    version = RubricVersion.objects.get(rubric__key=rubric.key, version=rubric.version)
    exported = tmp_path / "out.yaml"
    call_command("export_rubric", rubric.key, str(version.version), "-o", str(exported))
    assert load_rubric_yaml(exported.read_text()) == rubric


# --- recommendations and their dependencies ----------------------------------------------------


def _later(a: str, b: str) -> bool:
    return HORIZONS.index(a) > HORIZONS.index(b)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_no_roadmap_of_a_shipped_rubric_places_a_recommendation_before_its_dependency(path: Path):
    rubric = load_rubric_yaml(path.read_text())
    lowest = {d.key: rubric.scale_min for d in rubric.dimensions}
    highest = {d.key: rubric.scale_max for d in rubric.dimensions}
    everything = build_roadmap(rubric, lowest, highest)
    assert len(everything.items) == len(rubric.recommendations)
    placed = {item.recommendation.key: item for item in everything.items}
    for item in everything.items:
        for dependency in item.recommendation.depends_on:
            before = placed[dependency]
            assert not _later(before.horizon, item.horizon), (item.recommendation.key, dependency)
            assert before.rank < item.rank


# Version 1 is published and stays exactly as it is (an edited file would become a new version on every
# install that has it); the roadmap moves these to their dependency's horizon (test above).
VERSION_ONE_SCHEDULED_EARLY = {
    ("set-crm-usage-rules", "consolidate-on-cloud-crm"),
    ("appoint-embedded-crm-admin", "consolidate-on-cloud-crm"),
    ("build-decision-dashboards", "run-data-quality-programme"),
    ("run-joint-shortfall-reviews", "build-shared-funnel-report"),
}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_no_shipped_recommendation_is_scheduled_before_one_it_depends_on(path: Path):
    rubric = load_rubric_yaml(path.read_text())
    horizon = {r.key: r.horizon for r in rubric.recommendations}
    early = {(r.key, d) for r in rubric.recommendations for d in r.depends_on if _later(horizon[d], r.horizon)}
    expected = VERSION_ONE_SCHEDULED_EARLY if path == DEFAULT_RUBRIC else set()
    assert early == expected


# --- sales-transformation version 2 ----------------------------------------------------------


@pytest.fixture(scope="module")
def v1():
    return load_rubric_yaml(DEFAULT_RUBRIC.read_text())


@pytest.fixture(scope="module")
def v2():
    return load_rubric_yaml(VERSION_TWO.read_text())


def test_version_two_carries_every_version_one_key_on_or_replaces_it(v1, v2):
    new_keys = {c.key for c in v2.criteria} | {n.key for n in v2.nodes}
    replaced = {old for olds in v2.replacements.values() for old in olds}
    old_keys = {c.key for c in v1.criteria} | {n.key for n in v1.nodes}
    assert old_keys - new_keys - replaced == set()
    assert v2.replacements["revenue-operations"] == ("technology",)
    assert v2.replacements["qualification-common-criteria"] == ("qualification-standard",)


def test_version_two_has_sub_groups_everywhere_and_the_practices_the_first_one_missed(v2):
    assert all(d.groups for d in v2.dimensions)
    for key in (
        "territories-balanced",
        "quotas-from-capacity",
        "capacity-planned",
        "economic-buyer-identified",
        "decision-process-mapped",
        "decision-criteria-known",
        "champion-tested",
        "compelling-event-known",
        "onboarding-structured",
        "ongoing-enablement",
        "revops-function",
        "crm-data-complete",
        "discount-approval-rules",
        "key-account-plans",
        "expansion-pipeline",
        "renewals-managed",
        "customer-success-handoff",
        "partner-rules-of-engagement",
    ):
        assert key in v2.criterion_by_key, key
    partners = v2.answer_set_by_key[v2.criterion_by_key["partner-strategy"].answer_set]
    assert partners.not_applicable and "partners" in partners.not_applicable


def test_version_two_routes_each_question_to_groups_that_can_answer_it_and_keeps_surveys_short(v2):
    assert "marketing" not in v2.criterion_by_key["stage-exit-criteria"].audience
    assert all(c.audience for c in v2.criteria)
    for group in v2.respondent_groups:
        assert 0 < len(v2.criteria_for_group(group.key)) <= 45, group.key
    for criterion in v2.scored_criteria:
        assert criterion.source, criterion.key


def test_version_two_asks_one_thing_per_question_where_version_one_asked_two(v1, v2):
    double = ["documented-process-used", "messaging-and-content", "lead-follow-up"]
    assert all(key not in v2.criterion_by_key for key in double)
    successors = {old: new for new, olds in v2.replacements.items() for old in olds}
    assert {key: successors[key] for key in double} == {
        "documented-process-used": "process-documented",
        "messaging-and-content": "messaging-built-with-field",
        "lead-follow-up": "leads-followed-up-promptly",
    }
    assert " and " not in v2.criterion_by_key["process-documented"].text
