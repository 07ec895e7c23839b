"""Rubric authoring services (assessment/authoring.py): a firm's drafts, edited whole with the import's
located messages, previewed as a respondent group, compared with the version they follow, published
as the next version through the import, and never usable by an assessment."""

from __future__ import annotations

import copy

import pytest

from assessment import authoring, services
from assessment.models import Rubric, RubricDraft, RubricVersion
from assessment.queries import load_rubric
from assessment.rubric import RubricInvalid, dump_rubric_yaml, load_rubric_yaml
from organisations.errors import InvalidInput, NotFound, StateConflict
from organisations.models import AuditEvent
from tests.factories import FirmFactory, rubric_document


@pytest.fixture
def tiny(db) -> RubricVersion:
    """The tiny rubric, built in."""
    return services.import_rubric(document=rubric_document()).version


@pytest.fixture
def firm(db):
    return FirmFactory(name="Northwind Partners")


def reworded(draft: RubricDraft) -> dict:
    """The draft's document with p1 reworded and a criterion p3 added to `process`."""
    document = authoring.normalise(draft.document)
    criteria = document["dimensions"][0]["criteria"]
    criteria[0]["text"] = "Every stage has written exit criteria."
    criteria.insert(2, {"key": "p3", "text": "Partners follow the same stages.", "answer_set": "five"})
    return document


def test_a_draft_of_a_built_in_copies_its_document_and_targets_the_firms_own_rubric(firm, tiny):
    draft = authoring.start_draft(firm=firm, source=tiny)

    assert draft.source == tiny
    assert draft.family is None  # the firm has no copy yet: publishing creates it
    assert authoring.draft_rubric(draft) == load_rubric(tiny).rubric
    assert authoring.follows(draft) == tiny


def test_a_draft_of_another_firms_rubric_is_not_found(firm, tiny):
    other = services.import_rubric(document=rubric_document(key="theirs"), firm=FirmFactory()).version

    with pytest.raises(NotFound):
        authoring.start_draft(firm=firm, source=other.pk)
    assert not RubricDraft.objects.exists()


def test_an_edit_replaces_the_whole_document(firm, tiny):
    draft = authoring.start_draft(firm=firm, source=tiny)

    authoring.edit_draft(draft, reworded(draft))

    draft.refresh_from_db()
    rubric = authoring.draft_rubric(draft)
    assert rubric.criterion_by_key["p1"].text == "Every stage has written exit criteria."
    assert [c.key for c in rubric.dimensions[0].criteria] == ["p1", "p2", "p3", "p-note"]


def test_an_invalid_edit_is_refused_with_located_messages_and_the_draft_stays(firm, tiny):
    draft = authoring.start_draft(firm=firm, source=tiny)
    before = copy.deepcopy(RubricDraft.objects.get(pk=draft.pk).document)
    document = reworded(draft)
    document["dimensions"][0]["criteria"][2]["answer_set"] = "likert7"
    document["dimensions"][1]["weight"] = -1

    with pytest.raises(RubricInvalid) as caught:
        authoring.edit_draft(draft, document)

    assert "dimensions[0].criteria[2].answer_set: 'likert7' is not defined" in caught.value.errors
    assert any(e.startswith("dimensions[1].weight:") for e in caught.value.errors)
    assert RubricDraft.objects.get(pk=draft.pk).document == before


def test_an_edit_as_yaml_text_reports_the_line_of_a_syntax_error(firm, tiny):
    draft = authoring.start_draft(firm=firm, source=tiny)

    with pytest.raises(RubricInvalid) as caught:
        authoring.edit_draft(draft, "key: tiny\nname: [unclosed\n")

    assert caught.value.errors[0].startswith("line 3, column 1: not valid YAML")


def test_preview_shows_what_each_group_is_asked_in_order_with_anchors(firm, tiny):
    draft = authoring.start_draft(firm=firm, source=tiny)
    document = reworded(draft)
    document["dimensions"][0]["criteria"][2]["audience"] = ["leaders"]
    document["dimensions"][0]["criteria"][2]["anchors"] = [f"Partners at {n}" for n in range(1, 6)]
    authoring.edit_draft(draft, document)

    leaders = authoring.preview(draft, "leaders")
    reps = authoring.preview(draft, "reps")

    leader_keys = [q.key for s in leaders.sections for q in s.questions]
    rep_keys = [q.key for s in reps.sections for q in s.questions]
    assert leader_keys == ["p1", "p3", "p-note", "c1", "c2", "q1"]
    assert rep_keys == ["p1", "p2", "p-note", "c1", "c2", "q1"]
    partners = leaders.sections[0].questions[1]
    assert [o.statement for o in partners.options] == [f"Partners at {n}" for n in range(1, 6)]
    assert partners.not_applicable == "Don't know"
    assert [q.number for s in leaders.sections for q in s.questions] == [1, 2, 3, 4, 5, 6]
    assert leaders.sections[1].questions[0].group == "Coaching"


def test_preview_of_an_unknown_group_is_refused(firm, tiny):
    draft = authoring.start_draft(firm=firm, source=tiny)

    with pytest.raises(InvalidInput, match="Unknown respondent group 'board'"):
        authoring.preview(draft, "board")


def test_diff_lists_added_removed_changed_and_replaced(firm, tiny):
    draft = authoring.start_draft(firm=firm, source=tiny)
    document = reworded(draft)
    process = document["dimensions"][0]
    process["criteria"][1] = {**process["criteria"][1], "key": "p2-followed", "replaces": ["p2"]}
    process["weight"] = 3
    del document["dimensions"][1]["criteria"][0]  # q1
    process["recommendations"][2]["horizon"] = "3-6m"
    authoring.edit_draft(draft, document)

    changes = {(c.kind, c.key): c for c in authoring.diff(draft).changes}

    assert changes[("criterion", "p1")].change == "changed"
    assert changes[("criterion", "p1")].fields == ("text",)
    assert changes[("criterion", "p3")].change == "added"
    assert changes[("criterion", "p2-followed")].change == "replaced"
    assert changes[("criterion", "p2-followed")].replaces == ("p2",)
    assert ("criterion", "p2") not in changes  # taken over, not removed
    assert changes[("criterion", "q1")].change == "removed"
    assert changes[("dimension", "process")].fields == ("weight",)
    assert changes[("recommendation", "r3")].fields == ("horizon",)
    assert ("criterion", "c1") not in changes


def test_publish_makes_the_next_version_of_the_firms_rubric_and_deletes_the_draft(firm, tiny, consultant):
    first = authoring.start_draft(firm=firm, source=tiny)
    authoring.edit_draft(first, reworded(first))
    v1 = authoring.publish(first, published_by=consultant)

    assert v1.rubric.firm == firm and v1.version == 1 and v1.rubric.based_on == "tiny v1"
    assert not RubricDraft.objects.filter(pk=first.pk).exists()
    assert AuditEvent.objects.filter(firm=firm, details__rubric_version=v1.pk).count() == 1

    second = authoring.start_draft(firm=firm, source=v1)
    document = authoring.normalise(second.document)
    document["name"] = "Tiny rubric, second edition"
    authoring.edit_draft(second, document)
    assert authoring.follows(second) == v1
    v2 = authoring.publish(second, published_by=consultant)

    assert v2.rubric == v1.rubric and v2.version == 2
    assert load_rubric(v1).rubric.name == "Tiny rubric"  # the published version is frozen
    assert RubricVersion.objects.get(pk=tiny.pk).checksum == tiny.checksum  # the built-in never changes


def test_a_second_copy_of_the_built_in_follows_the_firms_published_copy(firm, tiny):
    first = authoring.start_draft(firm=firm, source=tiny)
    authoring.edit_draft(first, reworded(first))
    v1 = authoring.publish(first)

    again = authoring.start_draft(firm=firm, source=tiny)

    assert authoring.follows(again) == v1
    assert again.document["key"] == v1.rubric.key


def test_publishing_an_unchanged_draft_is_refused_and_keeps_the_draft(firm, tiny):
    draft = authoring.start_draft(firm=firm, source=tiny)
    entries = AuditEvent.objects.count()

    with pytest.raises(StateConflict, match="nothing new to publish"):
        authoring.publish(draft)

    assert RubricDraft.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.count() == entries
    assert Rubric.objects.filter(firm=firm).count() == 0


def test_replaces_naming_a_key_the_family_never_had_is_refused_on_edit(firm, tiny):
    first = authoring.start_draft(firm=firm, source=tiny)
    authoring.edit_draft(first, reworded(first))
    v1 = authoring.publish(first)
    draft = authoring.start_draft(firm=firm, source=v1)
    document = authoring.normalise(draft.document)
    document["dimensions"][0]["criteria"][0] = {
        **document["dimensions"][0]["criteria"][0],
        "key": "p1-new",
        "replaces": ["p9"],
    }

    with pytest.raises(RubricInvalid) as caught:
        authoring.edit_draft(draft, document)

    assert caught.value.errors == ["dimensions[0].criteria[0].replaces[0]: 'p9' is not a key there (version 1)"]


def test_an_edited_and_published_rubric_round_trips_through_export_and_import(firm, tiny):
    draft = authoring.start_draft(firm=firm, source=tiny)
    authoring.edit_draft(draft, reworded(draft))
    published = authoring.publish(draft)

    text = dump_rubric_yaml(load_rubric(published).rubric)
    again = services.import_rubric(document=text, firm=firm)

    assert again.created is False and again.version == published
    assert load_rubric_yaml(text).checksum == load_rubric(published).rubric.checksum


def test_a_draft_from_a_document_publishes_into_the_firms_copy(firm, tiny):
    draft = authoring.start_draft(firm=firm, document=dump_rubric_yaml(load_rubric(tiny).rubric))
    authoring.edit_draft(draft, reworded(draft))

    version = authoring.publish(draft)

    assert version.rubric.firm == firm and version.rubric.based_on == "tiny v1"
