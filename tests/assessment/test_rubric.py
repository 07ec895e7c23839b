import copy
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from assessment import services
from assessment.models import Assessment, Criterion, Rubric, RubricVersion
from assessment.queries import load_rubric
from assessment.rubric import RubricInvalid, dump_rubric_yaml, load_rubric_yaml, parse_rubric, rubric_to_dict
from organisations.errors import NotFound
from tests.conftest import DEFAULT_RUBRIC
from tests.factories import FirmFactory, rubric_document


def errors_of(document) -> list[str]:
    with pytest.raises(RubricInvalid) as caught:
        parse_rubric(document)
    return caught.value.errors


def test_an_undefined_answer_set_is_reported_with_its_location():
    doc = rubric_document()
    doc["dimensions"][1]["criteria"][0]["answer_set"] = "likert7"
    assert errors_of(doc) == ["dimensions[1].criteria[0].answer_set: 'likert7' is not defined"]


def test_every_problem_is_reported_at_once():
    doc = rubric_document()
    doc["dimensions"][0]["weight"] = -1
    doc["dimensions"][0]["rollup"] = "median"
    del doc["dimensions"][1]["levels"][3]
    doc["dimensions"][1]["groups"][0]["criteria"][1]["key"] = "p1"
    doc["dimensions"][0]["criteria"][1]["audience"] = ["marketing"]
    errors = errors_of(doc)
    assert "dimensions[0].weight: -1 must be greater than 0 and at most 1000" in errors
    assert "dimensions[0].rollup: 'median' is not a roll-up; use one of weighted_mean, sum, gated" in errors
    assert "dimensions[1].levels.3: is required: every level needs a descriptor" in errors
    assert (
        "dimensions[1].groups[0].criteria[1].key: key 'p1' is already used at dimensions[0].criteria[0].key" in errors
    )
    assert "dimensions[0].criteria[1].audience[0]: respondent group 'marketing' is not defined" in errors
    assert len(errors) == 5


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("scale"), "scale: is required"),
        (lambda d: d.update(surprise=1), "surprise: unknown field"),
        (lambda d: d.update(thresholds=[2, 1.5, 3, 4]), "thresholds: must be in strictly ascending order"),
        (lambda d: d.update(coverage_threshold=2), "coverage_threshold: 2 must be at least 0 and at most 1"),
        (
            lambda d: d["answer_sets"][0]["options"].reverse(),
            "answer_sets[0].options[1].value: option values must be strictly ascending",
        ),
        (
            lambda d: d["dimensions"][0]["criteria"][0].update(anchors=["a", "b"]),
            "dimensions[0].criteria[0].anchors: has 2 statements but answer set 'five' has 5 options",
        ),
        (
            lambda d: d["dimensions"][0]["recommendations"][0].update(depends_on=["nope"]),
            "dimensions[0].recommendations[0].depends_on[0]: recommendation 'nope' is not defined",
        ),
        (
            lambda d: d["dimensions"][0]["recommendations"][0].update(from_level=5),
            "dimensions[0].recommendations[0].from_level: 5 is not a level that has a next level",
        ),
        (
            lambda d: d["dimensions"][0]["recommendations"][0].update(horizon="someday"),
            "dimensions[0].recommendations[0].horizon: 'someday' is not a horizon; use one of 0-90d, 3-6m, 6-12m",
        ),
        (
            lambda d: d["dimensions"][0]["recommendations"][0].update(effort=9),
            "dimensions[0].recommendations[0].effort: 9 must be between 1 and 5",
        ),
        (
            lambda d: d["dimensions"][0]["criteria"][0].update(level=2),
            "dimensions[0].criteria[0].level: a level is only meaningful inside a gated node",
        ),
        (
            lambda d: d["dimensions"][1]["groups"][0].update(rollup="gated"),
            "dimensions[1].groups[0].criteria[0].level: is required inside a gated node",
        ),
        (
            lambda d: d["dimensions"][1].update(rollup="sum"),
            "dimensions[1]: the weighted sum of its children can reach 10, above the scale's maximum 5",
        ),
        (lambda d: d.update(dimensions=[]), "dimensions: at least one dimension is required"),
    ],
)
def test_invalid_rubrics_are_refused_with_a_located_message(change, expected):
    doc = rubric_document()
    change(doc)
    assert expected in errors_of(doc)


def test_a_dependency_cycle_is_reported():
    doc = rubric_document()
    doc["dimensions"][0]["recommendations"][0]["depends_on"] = ["s1"]
    errors = errors_of(doc)
    assert any("dependency cycle" in e and "r1" in e and "s1" in e for e in errors)


def test_malformed_yaml_names_the_line():
    with pytest.raises(RubricInvalid) as caught:
        load_rubric_yaml("key: tiny\nscale: [1, 2\n")
    assert caught.value.errors[0].startswith("line 3")


def test_a_document_that_is_not_a_mapping_is_refused():
    assert errors_of(["a", "list"]) == ["expected a mapping, got a list"]


def test_canonical_form_parses_back_to_the_same_rubric():
    rubric = parse_rubric(rubric_document())
    assert parse_rubric(rubric_to_dict(rubric)) == rubric
    assert parse_rubric(yaml.safe_load(dump_rubric_yaml(rubric))) == rubric


def test_default_rubric_round_trips_exactly_through_the_commands(db, tmp_path: Path, capsys):
    call_command("import_rubric", str(DEFAULT_RUBRIC))
    first = tmp_path / "first.yaml"
    call_command("export_rubric", "sales-transformation", "1", "-o", str(first))
    # The export means exactly what the source file means...
    assert load_rubric_yaml(first.read_text()) == load_rubric_yaml(DEFAULT_RUBRIC.read_text())
    # ...and importing it again changes nothing, so a second export is identical to the letter.
    call_command("import_rubric", str(first))
    assert "already holds this content" in capsys.readouterr().out
    second = tmp_path / "second.yaml"
    call_command("export_rubric", "sales-transformation", "1", "-o", str(second))
    assert second.read_text() == first.read_text()
    assert RubricVersion.objects.count() == 1


def test_the_import_command_lists_every_problem_and_imports_nothing(db, tmp_path: Path, capsys):
    doc = rubric_document()
    doc["dimensions"][0]["criteria"][0]["answer_set"] = "likert7"
    doc["dimensions"][1]["weight"] = "heavy"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_rubric", str(path))
    err = capsys.readouterr().err
    assert "dimensions[0].criteria[0].answer_set: 'likert7' is not defined" in err
    assert "dimensions[1].weight: expected a number, got 'heavy'" in err
    assert not Rubric.objects.exists()
    assert not Criterion.objects.exists()


def test_exporting_an_unknown_version_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no rubric 'nope' version 3"):
        call_command("export_rubric", "nope", "3")


def test_a_used_version_is_frozen_and_a_changed_import_makes_a_new_version(organisation):
    first = services.import_rubric(document=rubric_document()).version
    assert not first.is_frozen
    services.create_assessment(organisation=organisation, period="FY2026", rubric_version=first)
    assert first.is_frozen

    changed = rubric_document()
    changed["dimensions"][0]["criteria"][0]["text"] = "Every stage has written exit criteria."
    second = services.import_rubric(document=changed)
    assert second.created and second.version.version == 2
    assert load_rubric(first).rubric.criterion_by_key["p1"].text == "Stages have exit criteria."
    assert load_rubric(second.version).rubric.criterion_by_key["p1"].text == "Every stage has written exit criteria."

    again = services.import_rubric(document=copy.deepcopy(changed))
    assert not again.created and again.version.pk == second.version.pk


def test_a_stored_version_loads_back_as_the_imported_rubric(db):
    rubric = parse_rubric(rubric_document())
    version = services.import_rubric(document=rubric_document()).version
    assert load_rubric(version).rubric == rubric


def test_the_default_rubric_is_complete():
    rubric = load_rubric_yaml(DEFAULT_RUBRIC.read_text())
    assert [d.key for d in rubric.dimensions] == [
        "sales-process",
        "organisation-design",
        "technology",
        "marketing-alignment",
        "strategic-leadership",
    ]
    assert [level.name for level in rubric.scale] == ["Ad hoc", "Emerging", "Defined", "Managed", "Optimising"]
    for dimension in rubric.dimensions:
        scored = [c for c in dimension.walk_criteria() if rubric.answer_set_by_key[c.answer_set].scored]
        assert len(scored) >= 8, dimension.key
        assert all(len(c.anchors) == 5 for c in scored), dimension.key
        assert len(dimension.levels) == 5 and all(text.strip() for text in dimension.levels)
        for step in (1, 2, 3, 4):
            assert sum(r.from_level == step for r in dimension.recommendations) >= 2, (dimension.key, step)


# --- who a rubric belongs to ---------------------------------------------------------------------


def test_the_server_numbers_built_in_versions_in_sequence_whatever_the_document_says(db):
    services.import_rubric(document=rubric_document(version=5))
    second = services.import_rubric(document=rubric_document(version=999, name="Tiny, revised")).version
    assert list(RubricVersion.objects.values_list("version", flat=True)) == [1, 2]
    assert second.version == 2


def test_a_firms_import_of_a_built_in_key_gets_the_firms_own_key_and_leaves_the_built_in_alone(db):
    built_in = services.import_rubric(document=rubric_document()).version
    firm = FirmFactory(name="Acme Consulting")
    changed = rubric_document(version=999)
    changed["dimensions"][0]["criteria"][0]["text"] = "Ours."
    result = services.import_rubric(document=changed, firm=firm)
    family = result.version.rubric
    assert result.created
    assert (family.key, family.firm, family.based_on, result.version.version) == (
        f"acme-consulting-{firm.pk}-tiny",
        firm,
        "tiny v1",
        1,
    )
    assert list(RubricVersion.objects.filter(rubric__key="tiny")) == [built_in]
    assert load_rubric(built_in).rubric.criterion_by_key["p1"].text == "Stages have exit criteria."
    assert RubricVersion.objects.latest_built_in("tiny") == built_in


def test_a_firms_import_of_another_firms_key_never_adds_a_version_to_it(db):
    acme, globex = FirmFactory(name="Acme"), FirmFactory(name="Globex")
    theirs = services.import_rubric(document=rubric_document(), firm=acme).version
    copied = rubric_document(key=theirs.rubric.key)
    result = services.import_rubric(document=copied, firm=globex)
    assert result.created and result.version.rubric.firm == globex
    assert result.version.rubric.key == f"globex-{globex.pk}-acme-{acme.pk}-tiny"
    assert list(theirs.rubric.versions.all()) == [theirs]


def test_the_shipped_rubric_imported_unchanged_by_a_firm_is_the_shipped_version(db):
    built_in = services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version
    result = services.import_rubric(document=DEFAULT_RUBRIC.read_text(), firm=FirmFactory())
    assert (result.created, result.version) == (False, built_in)
    assert list(Rubric.objects.all()) == [built_in.rubric]


def test_a_firms_used_version_stays_frozen_and_a_changed_import_is_its_next_version(organisation):
    first = services.import_rubric(document=rubric_document(), firm=organisation.firm).version
    services.create_assessment(organisation=organisation, period="FY2026", rubric_version=first)
    changed = rubric_document(version=1)
    changed["dimensions"][0]["criteria"][0]["text"] = "Every stage has written exit criteria."
    second = services.import_rubric(document=changed, firm=organisation.firm).version
    assert (second.rubric, second.version) == (first.rubric, 2)
    assert first.is_frozen
    assert load_rubric(first).rubric.criterion_by_key["p1"].text == "Stages have exit criteria."


def test_a_built_in_import_is_refused_under_a_firms_key(db):
    firm = FirmFactory(name="Acme")
    owned = services.import_rubric(document=rubric_document(), firm=firm).version
    with pytest.raises(RubricInvalid) as caught:
        services.import_rubric(document=rubric_document(key=owned.rubric.key, name="Shipped"))
    assert caught.value.errors == [f"key: {owned.rubric.key!r} is a firm's rubric; a built-in rubric needs its own key"]
    assert list(owned.rubric.versions.all()) == [owned]


def test_a_firms_key_fits_the_key_length_and_stays_the_same_for_the_same_document(db):
    firm = FirmFactory(name="A consultancy with a really quite remarkably long name")
    long_key = "k" * 80
    key = services.firm_rubric_key(firm, long_key)
    assert len(key) == 80 and key.startswith(f"a-consultancy-with-a-really-qu-{firm.pk}-kkk")
    first = services.import_rubric(document=rubric_document(key=long_key), firm=firm).version
    again = services.import_rubric(document=rubric_document(key=long_key, name="Changed"), firm=firm).version
    assert (first.rubric.key, again.rubric.key, again.version) == (key, key, 2)


def test_an_assessment_cannot_use_another_firms_rubric_version(organisation, other_organisation):
    theirs = services.import_rubric(document=rubric_document(), firm=other_organisation.firm).version
    with pytest.raises(NotFound, match=f"There is no rubric version {theirs.pk} in your organisations."):
        services.create_assessment(organisation=organisation, period="FY2026", rubric_version=theirs)
    assert not Assessment.objects.exists()
