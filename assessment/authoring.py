"""Rubric authoring: a firm's drafts of its next rubric version, and publishing one.

A draft holds the rubric document (the mapping its YAML holds, docs/rubric-format.md). It starts
as a copy of a built-in or of one of the firm's versions, is edited whole (each edit validated by
the same `parse_rubric` as an import, with the same located messages; an invalid edit is refused
and the stored draft stays as it was), previewed as a respondent group would see it, compared with
the version it would follow, and published through `services.import_rubric`, the import's own
path (numbering, `replaces` checks, audit log). A draft is never a RubricVersion, so no assessment
can use one; a published version is frozen as every version is.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from assessment import models, services
from assessment.rubric import (
    Criterion,
    Node,
    Rubric,
    RubricInvalid,
    load_rubric_yaml,
    parse_rubric,
    replaced_key_problems,
    rubric_to_dict,
)
from organisations.errors import InvalidInput, NotFound, StateConflict
from organisations.models import Firm

MAX_DRAFTS_PER_FIRM = 200


# --- the document ----------------------------------------------------------------------


def normalise(document: Any) -> Any:
    """The document as parse_rubric reads YAML: a dimension's `levels` keyed by level numbers.

    JSON (a stored draft, an API body) can only key a mapping by strings, so {"1": ...} is read
    as {1: ...}. Anything else is left for parse_rubric to judge."""
    if not isinstance(document, Mapping):
        return document
    doc = copy.deepcopy(dict(document))
    dimensions = doc.get("dimensions")
    if isinstance(dimensions, list):
        for dimension in dimensions:
            levels = dimension.get("levels") if isinstance(dimension, dict) else None
            if isinstance(levels, dict):
                dimension["levels"] = {_level_key(k): v for k, v in levels.items()}
    return doc


def _level_key(key: Any) -> Any:
    if isinstance(key, str) and key.strip().lstrip("-").isdigit():
        return int(key)
    return key


def read_document(document: str | Mapping[str, Any]) -> Rubric:
    """Parse YAML text or a mapping (raises RubricInvalid with located messages)."""
    if isinstance(document, str):
        return load_rubric_yaml(document)
    return parse_rubric(normalise(document))


def canonical(rubric: Rubric) -> dict[str, Any]:
    """What a draft stores: the canonical mapping, the same one the YAML export writes."""
    return rubric_to_dict(rubric)


# --- which family, which version ---------------------------------------------------------


def target_family(draft: models.RubricDraft) -> models.Rubric | None:
    """The firm's rubric the draft publishes into, if the firm has it yet.

    As the import decides (services._firm_family): a key the firm owns, else the firm's copy of
    the rubric with this key (its `based_on`). None: a first copy, which publishing creates."""
    if draft.family_id is not None:
        return draft.family
    key = str(draft.document.get("key", ""))
    own = models.Rubric.objects.filter(firm=draft.firm)
    return own.filter(key=key).first() or own.filter(based_on__startswith=f"{key} v").order_by("pk").first()


def follows(draft: models.RubricDraft) -> models.RubricVersion | None:
    """The version the draft would follow: its family's latest, else the version it was copied from."""
    family = target_family(draft)
    if family is not None:
        latest = family.versions.order_by("-version").first()
        if latest is not None:
            return latest
    return draft.source


def _follows_rubric(draft: models.RubricDraft) -> Rubric | None:
    from assessment.queries import load_rubric

    version = follows(draft)
    return load_rubric(version).rubric if version is not None else None


def validate(draft: models.RubricDraft, document: str | Mapping[str, Any]) -> Rubric:
    """The document checked as publishing it would check it: the format, and `replaces` against the
    family's latest version when the family has one (as the import does). Raises RubricInvalid."""
    rubric = read_document(document)
    family = target_family(draft)
    latest = family.versions.order_by("-version").first() if family is not None else None
    if latest is not None and rubric.replacements:
        from assessment.queries import load_rubric

        problems = replaced_key_problems(rubric, load_rubric(latest).rubric)
        if problems:
            raise RubricInvalid(problems)
    return rubric


# --- starting, editing, deleting -----------------------------------------------------------


def _usable_version(firm: Firm, version_id: int) -> models.RubricVersion:
    version = models.RubricVersion.objects.usable_by(firm).select_related("rubric").filter(pk=version_id).first()
    if version is None:
        raise NotFound(f"There is no rubric version {version_id} in your firm's rubrics.")
    return version


def _check_room(firm: Firm) -> None:
    if models.RubricDraft.objects.filter(firm=firm).count() >= MAX_DRAFTS_PER_FIRM:
        raise StateConflict(
            f"{firm.name} has {MAX_DRAFTS_PER_FIRM} drafts open; publish or delete one before starting another."
        )


@transaction.atomic
def start_draft(
    *,
    firm: Firm,
    source: models.RubricVersion | int | None = None,
    document: str | Mapping[str, Any] | None = None,
    created_by: Any = None,
) -> models.RubricDraft:
    """A new draft of the firm's: a copy of a version (a built-in or the firm's own), or a document.

    A copy of a built-in becomes, when published, the firm's own rubric under the firm's key, as an
    import of it would; a copy of the firm's version publishes as that rubric's next version."""
    from assessment.queries import load_rubric

    if (source is None) == (document is None):
        raise InvalidInput("Give either the version to start from or a rubric document.", field="source")
    _check_room(firm)
    family: models.Rubric | None = None
    if document is not None:
        rubric = read_document(document)
        draft = models.RubricDraft(firm=firm, document=canonical(rubric), created_by=created_by)
        family = target_family(draft)
        draft.family = family
        draft.source = follows(draft) or models.RubricVersion.objects.latest_built_in(rubric.key)
        if family is not None and draft.document["key"] != family.key:
            draft.document["key"] = family.key
    else:
        assert source is not None
        version = source if isinstance(source, models.RubricVersion) else _usable_version(firm, int(source))
        if version.rubric.firm_id not in (None, firm.pk):
            raise NotFound(f"There is no rubric version {version.pk} in your firm's rubrics.")
        rubric = load_rubric(version).rubric
        doc = canonical(rubric)
        if version.rubric.firm_id == firm.pk:
            family = version.rubric
        else:
            own = models.Rubric.objects.filter(firm=firm)
            family = own.filter(based_on__startswith=f"{rubric.key} v").order_by("pk").first()
        if family is not None:
            doc["key"] = family.key
        draft = models.RubricDraft(firm=firm, source=version, family=family, document=doc, created_by=created_by)
    draft.save()
    return draft


@transaction.atomic
def edit_draft(draft: models.RubricDraft, document: str | Mapping[str, Any]) -> models.RubricDraft:
    """Replace the draft's whole document. An invalid one raises RubricInvalid and nothing is stored."""
    rubric = validate(draft, document)
    draft.document = canonical(rubric)
    draft.save(update_fields=["document", "updated_at"])
    return draft


def delete_draft(draft: models.RubricDraft) -> None:
    draft.delete()


def draft_rubric(draft: models.RubricDraft) -> Rubric:
    """The stored document, parsed (a stored draft is valid: every edit was validated)."""
    return read_document(draft.document)


# --- preview as a respondent group ---------------------------------------------------------


@dataclass(frozen=True)
class PreviewOption:
    key: str
    label: str
    statement: str


@dataclass(frozen=True)
class PreviewQuestion:
    number: int
    key: str
    text: str
    description: str
    kind: str
    group: str
    options: tuple[PreviewOption, ...]
    not_applicable: str


@dataclass(frozen=True)
class PreviewSection:
    key: str
    name: str
    description: str
    questions: tuple[PreviewQuestion, ...]


@dataclass(frozen=True)
class Preview:
    group_key: str
    group_name: str
    sections: tuple[PreviewSection, ...]

    @property
    def question_count(self) -> int:
        return sum(len(s.questions) for s in self.sections)


def preview(draft: models.RubricDraft, group: str | None) -> Preview:
    """What a respondent of `group` would be asked, in order: by dimension, each question with its
    answer options (the anchors where the criterion has them, as the survey shows them)."""
    rubric = draft_rubric(draft)
    names = {g.key: g.name for g in rubric.respondent_groups}
    if names:
        if not group:
            raise InvalidInput(f"Say which respondent group to preview as: {', '.join(names)}.", field="group")
        if group not in names:
            raise InvalidInput(
                f"Unknown respondent group {group!r}; this rubric has: {', '.join(names)}.", field="group"
            )
    group = group or ""
    number = 0
    sections = []
    for dimension in rubric.dimensions:
        questions = []
        for node, criterion in _criteria_with_nodes(dimension):
            if names and not criterion.addressed_to(group):
                continue
            number += 1
            questions.append(_question(rubric, dimension, node, criterion, number))
        if questions:
            sections.append(PreviewSection(dimension.key, dimension.name, dimension.description, tuple(questions)))
    return Preview(group_key=group, group_name=names.get(group, "Every respondent"), sections=tuple(sections))


def _criteria_with_nodes(node: Node) -> list[tuple[Node, Criterion]]:
    """Each criterion under `node` with the node it stands in, in the survey's order (sub-groups first)."""
    out: list[tuple[Node, Criterion]] = []
    for child in node.groups:
        out.extend(_criteria_with_nodes(child))
    out.extend((node, c) for c in node.criteria)
    return out


def _question(rubric: Rubric, dimension: Node, node: Node, c: Criterion, number: int) -> PreviewQuestion:
    answer_set = rubric.answer_set_by_key[c.answer_set]
    options = tuple(
        PreviewOption(o.key, o.label, statement)
        for o, statement in zip(answer_set.options, rubric.option_statements(c), strict=True)
    )
    return PreviewQuestion(
        number=number,
        key=c.key,
        text=c.text,
        description=c.description,
        kind=answer_set.kind,
        group="" if node is dimension else node.name,
        options=options,
        not_applicable=answer_set.not_applicable or "",
    )


# --- diff against the version it would follow ------------------------------------------------

CRITERION_FIELDS = ("text", "description", "source", "weight", "answer_set", "level", "audience", "anchors")
NODE_FIELDS = ("name", "description", "weight", "rollup", "pass_mark", "level", "levels")
RECOMMENDATION_FIELDS = (
    "from_level",
    "title",
    "description",
    "effort",
    "impact",
    "owner_role",
    "horizon",
    "depends_on",
)
RUBRIC_FIELDS = (
    "name",
    "description",
    "coverage_threshold",
    "rollup",
    "scale",
    "thresholds",
    "respondent_groups",
    "answer_sets",
)


@dataclass(frozen=True)
class Change:
    kind: str  # rubric | dimension | group | criterion | recommendation
    key: str
    change: str  # added | removed | changed | replaced | moved
    fields: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    where: str = ""
    sentence: str = ""


@dataclass(frozen=True)
class Diff:
    follows: models.RubricVersion | None
    changes: tuple[Change, ...] = field(default=())

    def count(self, change: str) -> int:
        return sum(1 for c in self.changes if c.change == change)


def _node_kinds(rubric: Rubric) -> dict[str, tuple[str, Node, str, int]]:
    """Every node by key: (dimension|group, node, parent key, position among siblings)."""
    out: dict[str, tuple[str, Node, str, int]] = {}

    def visit(node: Node, parent: str, position: int) -> None:
        out[node.key] = ("dimension" if not parent else "group", node, parent, position)
        for i, child in enumerate(node.groups):
            visit(child, node.key, i)

    for i, dimension in enumerate(rubric.dimensions):
        visit(dimension, "", i)
    return out


def _criterion_places(rubric: Rubric) -> dict[str, tuple[Criterion, str, int]]:
    out: dict[str, tuple[Criterion, str, int]] = {}
    for node in rubric.nodes:
        for i, c in enumerate(node.criteria):
            out[c.key] = (c, node.key, i)
    return out


def _changed(old: Any, new: Any, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in names if getattr(old, name) != getattr(new, name))


def _fields_phrase(fields: tuple[str, ...]) -> str:
    return ", ".join(f.replace("_", " ") for f in fields)


def diff(draft: models.RubricDraft) -> Diff:
    """What the draft changes against the version it would follow, as a readable list: the rubric's
    own fields, then dimensions and sub-groups, criteria and recommendations, each added, removed,
    changed (naming the fields), moved, or replaced (a new key whose `replaces` names old ones)."""
    old = _follows_rubric(draft)
    new = draft_rubric(draft)
    version = follows(draft)
    if old is None:
        return Diff(follows=None, changes=())
    changes: list[Change] = []

    fields = _changed(old, new, RUBRIC_FIELDS)
    if fields:
        changes.append(Change("rubric", new.key, "changed", fields, sentence=f"The rubric's {_fields_phrase(fields)}"))

    old_nodes, new_nodes = _node_kinds(old), _node_kinds(new)
    changes.extend(_keyed_changes(old_nodes, new_nodes, _node_change))
    old_criteria, new_criteria = _criterion_places(old), _criterion_places(new)
    changes.extend(_keyed_changes(old_criteria, new_criteria, _criterion_change))

    old_recs = {r.key: r for r in old.recommendations}
    new_recs = {r.key: r for r in new.recommendations}
    for key, r in new_recs.items():
        if key not in old_recs:
            changes.append(Change("recommendation", key, "added", where=r.dimension, sentence=f"“{r.title}”"))
        else:
            fields = _changed(old_recs[key], r, RECOMMENDATION_FIELDS)
            if r.dimension != old_recs[key].dimension:
                fields = (*fields, "dimension")
            if fields:
                changes.append(
                    Change("recommendation", key, "changed", fields, where=r.dimension, sentence=f"“{r.title}”")
                )
    for key, r in old_recs.items():
        if key not in new_recs:
            changes.append(Change("recommendation", key, "removed", where=r.dimension, sentence=f"“{r.title}”"))
    return Diff(follows=version, changes=tuple(changes))


def _keyed_changes(old: Mapping[str, Any], new: Mapping[str, Any], describe: Any) -> list[Change]:
    """Added / replaced / changed / moved for the new keys, then removed for old keys nobody took over."""
    taken: set[str] = set()
    out: list[Change] = []
    for key, item in new.items():
        if key in old:
            change = describe(old[key], item)
            if change is not None:
                out.append(change)
            continue
        replaces = tuple(k for k in _replaces_of(item) if k in old)
        taken.update(replaces)
        out.append(describe(None, item, replaces=replaces))
    for key, item in old.items():
        if key not in new and key not in taken:
            out.append(describe(item, None))
    return out


def _replaces_of(item: Any) -> tuple[str, ...]:
    return tuple(item[1].replaces) if len(item) == 4 else tuple(item[0].replaces)


def _node_change(old: Any, new: Any, *, replaces: tuple[str, ...] = ()) -> Change | None:
    if new is None:
        kind, node, parent, _ = old
        return Change(kind, node.key, "removed", where=parent, sentence=node.name)
    kind, node, parent, position = new
    if old is None:
        change = "replaced" if replaces else "added"
        return Change(kind, node.key, change, replaces=replaces, where=parent, sentence=node.name)
    _, before, old_parent, old_position = old
    fields = _changed(before, node, NODE_FIELDS)
    if old_parent != parent:
        fields = (*fields, "parent")
    if fields:
        return Change(kind, node.key, "changed", fields, where=parent, sentence=node.name)
    if old_position != position:
        return Change(kind, node.key, "moved", ("position",), where=parent, sentence=node.name)
    return None


def _criterion_change(old: Any, new: Any, *, replaces: tuple[str, ...] = ()) -> Change | None:
    if new is None:
        criterion, node, _ = old
        return Change("criterion", criterion.key, "removed", where=node, sentence=criterion.text)
    criterion, node, position = new
    if old is None:
        change = "replaced" if replaces else "added"
        return Change("criterion", criterion.key, change, replaces=replaces, where=node, sentence=criterion.text)
    before, old_node, old_position = old
    fields = _changed(before, criterion, CRITERION_FIELDS)
    if old_node != node:
        fields = (*fields, "group")
    if before.replaces != criterion.replaces:
        fields = (*fields, "replaces")
    if fields:
        return Change("criterion", criterion.key, "changed", fields, where=node, sentence=criterion.text)
    if old_position != position:
        return Change("criterion", criterion.key, "moved", ("position",), where=node, sentence=criterion.text)
    return None


# --- publishing --------------------------------------------------------------------------------


@transaction.atomic
def publish(draft: models.RubricDraft, *, published_by: Any = None) -> models.RubricVersion:
    """Import the draft as the next version of its family (services.import_rubric: numbering, the
    `replaces` check, the audit log entry), then delete the draft. Content identical to a stored
    version is refused (nothing new to publish) and the draft stays. Raises RubricInvalid."""
    draft = models.RubricDraft.objects.select_for_update(of=("self",)).select_related("firm", "family").get(pk=draft.pk)
    validate(draft, draft.document)
    document = normalise(draft.document)
    family = target_family(draft)
    if family is not None:
        document["key"] = family.key
    result = services.import_rubric(document=document, firm=draft.firm, imported_by=published_by)
    if not result.created:
        # Raised inside the transaction: the import's audit entry is rolled back with it.
        raise StateConflict(
            f"This draft is identical to {result.version.rubric.key} version {result.version.version}: "
            "there is nothing new to publish."
        )
    draft.delete()
    return result.version
