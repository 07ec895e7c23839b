"""Workflows that change assessment data. Every interface (API, pages, admin, commands) calls these."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from assessment import models
from assessment.models import AssessmentState
from assessment.outcomes import OUTCOMES
from assessment.rubric import Node, Rubric, RubricInvalid, load_rubric_yaml, parse_rubric, replaced_key_problems
from organisations import audit, sql
from organisations.errors import AlreadySubmitted, InvalidInput, NotFound, StateConflict, Unprocessable
from organisations.models import Firm, Organisation
from organisations.text import require_single_line

MAX_COMMENT = 5000


# --- rubrics --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    version: models.RubricVersion
    created: bool


@transaction.atomic
def import_rubric(
    *, document: str | Mapping[str, Any], firm: Firm | None = None, imported_by: Any = None
) -> ImportResult:
    """Validate a rubric document (YAML text or a mapping) and store it as a version.

    Without a firm it is a built-in rubric (deployment: `manage.py import_rubric`, migrations, seed
    code); with one it becomes that firm's own rubric (see `_firm_family`). Content identical to a
    stored version the importer may use returns that version; changed content becomes the next
    version of the family (PRODUCT.md: Rubric). The document's `version` is ignored: the server
    numbers versions in sequence, so a version an assessment uses never changes. Raises RubricInvalid.
    """
    rubric = load_rubric_yaml(document) if isinstance(document, str) else parse_rubric(document)
    result = None
    if firm is not None:
        # The shipped rubric imported unchanged is the shipped rubric: nothing to copy.
        built_in = models.RubricVersion.objects.built_in().filter(rubric__key=rubric.key)
        shipped = built_in.filter(checksum=_content_checksum(rubric, key=rubric.key)).order_by("version").first()
        if shipped is not None:
            result = ImportResult(version=shipped, created=False)
    if result is None:
        family = _built_in_family(rubric) if firm is None else _firm_family(rubric, firm)
        # The family row is locked: two imports at once cannot both store the same content or number.
        models.Rubric.objects.select_for_update().filter(pk=family.pk).first()
        checksum = _content_checksum(rubric, key=family.key)
        existing = family.versions.filter(checksum=checksum).order_by("version").first()
        if existing is not None:
            result = ImportResult(version=existing, created=False)
        else:
            _check_replaced_keys(family, rubric)
            result = ImportResult(version=_store_version(family, rubric, checksum), created=True)
    if firm is not None:
        _record_import(result, firm=firm, document_key=rubric.key, imported_by=imported_by)
    return result


# The rubrics shipped with the product. A family's later versions are files beside its first
# (sales-transformation.yaml, sales-transformation-v2.yaml), each naming its `version`.
BUILT_IN_RUBRICS = Path(settings.BASE_DIR) / "assessment" / "rubrics"


def built_in_documents() -> list[tuple[Path, Rubric]]:
    """Every shipped rubric file, parsed, in the order it must be imported: by key, then by the version
    the file names, so that a family's files become its versions 1, 2... on a fresh install."""
    documents = [(path, load_rubric_yaml(path.read_text(encoding="utf-8"))) for path in BUILT_IN_RUBRICS.glob("*.yaml")]
    return sorted(documents, key=lambda item: (item[1].key, item[1].version, item[0].name))


def import_built_in_rubrics() -> dict[str, models.RubricVersion]:
    """Import every shipped rubric in order (content already stored maps to its version) and return the
    latest built-in version of each family."""
    for path, _ in built_in_documents():
        import_rubric(document=path.read_text(encoding="utf-8"))
    return {
        key: version
        for key in {rubric.key for _, rubric in built_in_documents()}
        if (version := models.RubricVersion.objects.latest_built_in(key)) is not None
    }


def _check_replaced_keys(family: models.Rubric, rubric: Rubric) -> None:
    """A new version's `replaces` name keys of the version it follows (nothing to check for a first one)."""
    if not rubric.replacements:
        return
    previous = family.versions.order_by("-version").first()
    if previous is None:
        return
    from assessment.queries import load_rubric

    problems = replaced_key_problems(rubric, load_rubric(previous).rubric)
    if problems:
        raise RubricInvalid(problems)


def _built_in_family(rubric: Rubric) -> models.Rubric:
    family, _ = models.Rubric.objects.get_or_create(key=rubric.key, defaults={"name": rubric.name})
    if family.firm_id is not None:
        # Firm keys always carry the firm's prefix; a shipped file that collides must be renamed.
        raise RubricInvalid([f"key: {rubric.key!r} is a firm's rubric; a built-in rubric needs its own key"])
    return family


def firm_rubric_key(firm: Firm, key: str) -> str:
    """The key a firm's import of `key` is stored under: the firm's name and id, then the key.

    Deterministic, so importing the same document again lands in the same family; the id keeps
    two firms of the same name apart. Cut to the 80 characters a key may have.
    """
    prefix = f"{slugify(firm.name)[:30].strip('-_') or 'firm'}-{firm.pk}"
    full = f"{prefix}-{key}"
    if len(full) <= 80:
        return full
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"{prefix}-{key[: 80 - len(prefix) - 10].rstrip('-_')}-{digest}"


def _firm_family(rubric: Rubric, firm: Firm) -> models.Rubric:
    """The firm's own family for this document, created on first import.

    A key the firm owns is used as it is (an export of the firm's rubric, edited). Any other key,
    built-in, another firm's or new, maps to the firm's own key, recording what it was based on:
    a firm's import never adds a version to a rubric it does not own. Only the firm's rubrics and
    the built-ins are looked at, so the answer never depends on what another firm holds.
    """
    own = models.Rubric.objects.filter(firm=firm)
    family = own.filter(key=rubric.key).first()
    if family is None:
        family = own.filter(based_on__startswith=f"{rubric.key} v").order_by("pk").first()
    if family is not None:
        return family
    key, n = firm_rubric_key(firm, rubric.key), 1
    while models.Rubric.objects.filter(key=key).exists():
        # Only when another family's key spells the same (a firm whose name ends in digits).
        n += 1
        key = firm_rubric_key(firm, f"{rubric.key}-{n}")
    return models.Rubric.objects.create(key=key, name=rubric.name, firm=firm, based_on=_based_on(rubric))


def _based_on(rubric: Rubric) -> str:
    """'key vN': the built-in version the document came from (the one it names, else the newest
    before it), or the document's own key and version when it is no built-in."""
    built_in = models.RubricVersion.objects.built_in().filter(rubric__key=rubric.key)
    source = built_in.filter(version__lte=rubric.version).order_by("-version").first()
    number = source.version if source is not None else rubric.version
    return f"{rubric.key} v{number}"


def _store_version(family: models.Rubric, rubric: Rubric, checksum: str) -> models.RubricVersion:
    latest = family.versions.aggregate(n=Max("version"))["n"] or 0
    if family.name != rubric.name:
        family.name = rubric.name
        family.save(update_fields=["name"])
    version = models.RubricVersion.objects.create(
        rubric=family,
        version=latest + 1,
        name=rubric.name,
        description=rubric.description,
        coverage_threshold=rubric.coverage_threshold,
        rollup=rubric.rollup,
        scale=[{"value": level.value, "name": level.name} for level in rubric.scale],
        thresholds=list(rubric.thresholds),
        respondent_groups=[{"key": g.key, "name": g.name} for g in rubric.respondent_groups],
        checksum=checksum,
    )
    _store_tree(version, rubric)
    return version


def _record_import(result: ImportResult, *, firm: Firm, document_key: str, imported_by: Any) -> None:
    version = result.version
    label = f"{version.rubric.key} v{version.version}"
    summary = (
        f"Imported rubric {label} from a {document_key!r} document"
        if result.created
        else f"Imported a {document_key!r} document identical to {label}: nothing new was stored"
    )
    audit.record(
        action=audit.Action.RUBRIC_IMPORTED,
        summary=summary,
        actor=imported_by,
        firm=firm,
        details={
            "rubric_version": version.pk,
            "key": version.rubric.key,
            "version": version.version,
            "created": result.created,
            "based_on": version.rubric.based_on,
        },
    )


def _content_checksum(rubric: Rubric, *, key: str) -> str:
    """Identity is the content under the family's key, without its version number: a firm's
    rubric exported and imported again maps to the same version."""
    return replace(rubric, key=key, version=1).checksum


def _store_tree(version: models.RubricVersion, rubric: Rubric) -> None:
    answer_sets = {}
    for i, a in enumerate(rubric.answer_sets):
        row = models.AnswerSet.objects.create(
            rubric_version=version, key=a.key, kind=a.kind, not_applicable=a.not_applicable or "", position=i
        )
        models.AnswerOption.objects.bulk_create(
            models.AnswerOption(answer_set=row, key=o.key, label=o.label, value=o.value, position=j)
            for j, o in enumerate(a.options)
        )
        answer_sets[a.key] = row
    counter = {"node": 0, "criterion": 0, "recommendation": 0}

    def store(node: Node, parent: models.Dimension | None) -> None:
        row = models.Dimension.objects.create(
            rubric_version=version,
            parent=parent,
            key=node.key,
            name=node.name,
            description=node.description,
            weight=node.weight,
            rollup=node.rollup,
            pass_mark=node.pass_mark,
            gate_level=node.level,
            level_descriptors=list(node.levels),
            replaces=list(node.replaces),
            position=counter["node"],
        )
        counter["node"] += 1
        for group in node.groups:
            store(group, row)
        criteria = []
        for c in node.criteria:
            criteria.append(
                models.Criterion(
                    rubric_version=version,
                    dimension=row,
                    key=c.key,
                    text=c.text,
                    description=c.description,
                    weight=c.weight,
                    answer_set=answer_sets[c.answer_set],
                    audience=list(c.audience),
                    anchors=list(c.anchors),
                    gate_level=c.level,
                    replaces=list(c.replaces),
                    source=c.source,
                    position=counter["criterion"],
                )
            )
            counter["criterion"] += 1
        models.Criterion.objects.bulk_create(criteria)
        recommendations = []
        for r in node.recommendations:
            recommendations.append(
                models.Recommendation(
                    rubric_version=version,
                    dimension=row,
                    key=r.key,
                    from_level=r.from_level,
                    title=r.title,
                    description=r.description,
                    effort=r.effort,
                    impact=r.impact,
                    owner_role=r.owner_role,
                    horizon=r.horizon,
                    depends_on=list(r.depends_on),
                    position=counter["recommendation"],
                )
            )
            counter["recommendation"] += 1
        models.Recommendation.objects.bulk_create(recommendations)

    for dimension in rubric.dimensions:
        store(dimension, None)


# --- assessments ------------------------------------------------------------------------


def _rubric_of(assessment: models.Assessment) -> Rubric:
    from assessment.queries import load_rubric

    return load_rubric(assessment.rubric_version).rubric


def _check_groups(rubric_groups: Sequence[dict], groups: Sequence[str]) -> list[str]:
    known = [g["key"] for g in rubric_groups]
    unknown = [g for g in groups if g not in known]
    if unknown:
        raise Unprocessable(
            f"Unknown respondent group {unknown[0]!r}; this rubric has: {', '.join(known)}.", field="respondent_groups"
        )
    if len(set(groups)) != len(groups):
        raise InvalidInput("A respondent group is listed twice.", field="respondent_groups")
    return list(groups)


def _check_targets(rubric: Rubric, targets: Mapping[str, Any]) -> dict[str, int]:
    clean = {}
    for key, level in targets.items():
        if key not in rubric.dimension_by_key:
            raise Unprocessable(f"{key!r} is not a dimension of this rubric.", field="targets")
        if isinstance(level, bool) or not isinstance(level, int) or level not in {lv.value for lv in rubric.scale}:
            raise Unprocessable(
                f"The target for {key!r} must be a level from {rubric.scale_min} to {rubric.scale_max}.",
                field="targets",
            )
        clean[key] = level
    return clean


@transaction.atomic
def create_assessment(
    *,
    organisation: Organisation,
    period: str,
    rubric_version: models.RubricVersion,
    respondent_groups: Sequence[str] | None = None,
    targets: Mapping[str, int] | None = None,
    title: str = "",
    group_weighting: bool = False,
    created_by: Any = None,
) -> models.Assessment:
    """Create a draft assessment; the rubric version it uses is frozen from now on.

    The version is a built-in one or one of the organisation's firm; another firm's is not found.
    """
    if not models.RubricVersion.objects.usable_by(organisation.firm_id).filter(pk=rubric_version.pk).exists():
        raise NotFound(f"There is no rubric version {rubric_version.pk} in your organisations.", field="rubric")
    period = require_single_line(period.strip(), field="period", label="The period")
    require_single_line(title, field="title", label="The title")
    if not period or len(period) > 40:
        raise InvalidInput("The period needs a label of 1 to 40 characters, such as FY2026.", field="period")
    if models.Assessment.objects.filter(organisation=organisation, period=period).exists():
        raise StateConflict(f"{organisation.name} already has an assessment for {period}.", field="period")
    groups = (
        respondent_groups if respondent_groups is not None else [g["key"] for g in rubric_version.respondent_groups]
    )
    assessment = models.Assessment.objects.create(
        organisation=organisation,
        period=period,
        title=title,
        rubric_version=rubric_version,
        respondent_groups=_check_groups(rubric_version.respondent_groups, groups),
        group_weighting=group_weighting,
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    if targets:
        _store_targets(assessment, targets)
    audit.record(
        action=audit.Action.ASSESSMENT_CREATED,
        summary=f"Created the assessment {assessment.period} of {organisation.name}",
        actor=created_by,
        organisation=organisation,
        details={"assessment": assessment.pk, "period": assessment.period},
    )
    return assessment


def _require_state(assessment: models.Assessment, *states: str, action: str) -> None:
    if assessment.state not in states:
        raise StateConflict(f"Cannot {action}: the assessment is {assessment.state}.")


@transaction.atomic
def update_assessment(
    *,
    assessment: models.Assessment,
    period: str | None = None,
    title: str | None = None,
    respondent_groups: Sequence[str] | None = None,
    group_weighting: bool | None = None,
) -> models.Assessment:
    """Change a draft assessment's settings; an open or closed one keeps them."""
    models.Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
    assessment.refresh_from_db()
    _require_state(assessment, AssessmentState.DRAFT, action="edit it")
    if period is not None:
        period = require_single_line(period.strip(), field="period", label="The period")
        if not period or len(period) > 40:
            raise InvalidInput("The period needs a label of 1 to 40 characters, such as FY2026.", field="period")
        clash = models.Assessment.objects.filter(organisation_id=assessment.organisation_id, period=period)
        if clash.exclude(pk=assessment.pk).exists():
            raise StateConflict(f"This organisation already has an assessment for {period}.", field="period")
        assessment.period = period
    if title is not None:
        assessment.title = require_single_line(title, field="title", label="The title")
    if respondent_groups is not None:
        assessment.respondent_groups = _check_groups(assessment.rubric_version.respondent_groups, respondent_groups)
    if group_weighting is not None:
        assessment.group_weighting = group_weighting
    assessment.save()
    return assessment


def _store_targets(assessment: models.Assessment, targets: Mapping[str, Any]) -> dict[str, int]:
    _require_state(assessment, AssessmentState.DRAFT, AssessmentState.OPEN, action="change targets")
    clean = _check_targets(_rubric_of(assessment), targets)
    for key, level in clean.items():
        models.Target.objects.update_or_create(assessment=assessment, dimension_key=key, defaults={"level": level})
    return clean


@transaction.atomic
def set_targets(*, assessment: models.Assessment, targets: Mapping[str, Any], actor: Any = None) -> dict[str, int]:
    """Set target levels per dimension (replacing those given); refused once the assessment is closed."""
    clean = _store_targets(assessment, targets)
    audit.record(
        action=audit.Action.TARGETS_CHANGED,
        summary=f"Changed the targets of {assessment.period} of {assessment.organisation.name}",
        actor=actor,
        organisation=assessment.organisation,
        details={"assessment": assessment.pk, "targets": clean},
    )
    return dict(assessment.targets.values_list("dimension_key", "level"))


@transaction.atomic
def open_assessment(*, assessment: models.Assessment, actor: Any = None) -> models.Assessment:
    """draft → open: respondents can answer from now on."""
    locked = models.Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_state(locked, AssessmentState.DRAFT, action="open it")
    if not locked.respondent_groups:
        raise InvalidInput("Choose at least one respondent group before opening.", field="respondent_groups")
    locked.state = AssessmentState.OPEN
    locked.opened_at = timezone.now()
    locked.save(update_fields=["state", "opened_at"])
    _record_state(locked, audit.Action.ASSESSMENT_OPENED, "Opened", actor)
    assessment.refresh_from_db()
    return assessment


def _record_state(assessment: models.Assessment, action: str, verb: str, actor: Any) -> None:
    organisation = Organisation.objects.select_related("firm").get(pk=assessment.organisation_id)
    audit.record(
        action=action,
        summary=f"{verb} the assessment {assessment.period} of {organisation.name}",
        actor=actor,
        organisation=organisation,
        details={"assessment": assessment.pk, "period": assessment.period},
    )


@transaction.atomic
def close_assessment(*, assessment: models.Assessment, actor: Any = None) -> models.Assessment:
    """open → closed: its scores are final; later submissions are kept and marked late."""
    locked = models.Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_state(locked, AssessmentState.OPEN, action="close it")
    from assessment.anonymity import keep_closing_scores

    locked.state = AssessmentState.CLOSED
    locked.closed_at = timezone.now()
    # Scored once, here: every later read of a closed assessment reads what is kept.
    locked.closing_scores, complete = keep_closing_scores(locked)
    locked.save(update_fields=["state", "closed_at", "closing_scores"])
    models.KeptScores.objects.update_or_create(assessment=locked, defaults={"data": complete})
    _record_state(locked, audit.Action.ASSESSMENT_CLOSED, "Closed", actor)
    assessment.refresh_from_db()
    return assessment


# --- responses and answers ------------------------------------------------------------


def start_response(*, assessment: models.Assessment, group: str, user: Any = None) -> models.Response:
    """A new, empty response of one respondent group to an open assessment."""
    _require_state(assessment, AssessmentState.OPEN, action="start a response")
    if group not in assessment.respondent_groups:
        raise Unprocessable(f"{group!r} is not a respondent group of this assessment.", field="group")
    return models.Response.objects.create(
        assessment=assessment, group=group, user=user if getattr(user, "is_authenticated", False) else None
    )


@dataclass(frozen=True)
class AnswerInput:
    """One answer as an interface receives it: an option key, "not applicable", or free text."""

    criterion: str
    option: str | None = None
    not_applicable: bool = False
    text: str = ""
    comment: str = ""


def _answer_fields(rubric: Rubric, loaded: Any, response: models.Response, item: AnswerInput) -> dict[str, Any]:
    criterion = rubric.criterion_by_key.get(item.criterion)
    if criterion is None:
        raise Unprocessable(f"{item.criterion!r} is not a criterion of this assessment's rubric.", field="criterion")
    if not criterion.addressed_to(response.group):
        raise Unprocessable(f"{item.criterion!r} is not asked of the {response.group!r} group.", field="criterion")
    answer_set = rubric.answer_set_by_key[criterion.answer_set]
    if len(item.comment) > MAX_COMMENT or len(item.text) > MAX_COMMENT:
        raise InvalidInput(f"Comments are limited to {MAX_COMMENT} characters.", field="comment")
    fields: dict[str, Any] = {"option_id": None, "not_applicable": False, "text": "", "comment": item.comment.strip()}
    if answer_set.kind == "text":
        if item.option is not None or item.not_applicable:
            raise Unprocessable(f"{item.criterion!r} takes a text answer, not an option.", field="option")
        fields["text"] = item.text.strip()
    elif item.not_applicable:
        if item.option is not None:
            raise Unprocessable("Choose an option or 'not applicable', not both.", field="option")
        if not answer_set.not_applicable:
            raise Unprocessable(f"{item.criterion!r} has no 'not applicable' answer.", field="not_applicable")
        fields["not_applicable"] = True
    elif item.option is not None:
        option_id = loaded.option_id_by_key.get((answer_set.key, str(item.option)))
        if option_id is None:
            allowed = ", ".join(o.key for o in answer_set.options)
            raise Unprocessable(
                f"{item.option!r} is not an answer to {item.criterion!r}; choose one of {allowed}.", field="option"
            )
        fields["option_id"] = option_id
    elif item.text:
        raise Unprocessable(f"{item.criterion!r} takes an option, not text.", field="text")
    return fields


ANSWER_COLUMNS = ("response", "criterion", "option", "not_applicable", "text", "comment", "updated_at")
# What an answer save returns for each answer: what the caller reports back.
ANSWER_ROWS_FIELDS = ("id", *ANSWER_COLUMNS)


@functools.cache
def _answer_rows() -> sql.ModelRows[models.Answer]:
    return sql.ModelRows(models.Answer, ANSWER_ROWS_FIELDS)


@functools.cache
def _upsert_sql(rows: int, in_one_statement: bool) -> str:
    """Insert answers, or update them in place; an unchanged answer keeps its updated_at.

    Plain SQL because the ORM's upsert (bulk_create with update_conflicts) cannot leave
    updated_at alone when nothing changed. ON CONFLICT ... RETURNING reads the same in
    PostgreSQL and SQLite (3.35+).

    `in_one_statement` (PostgreSQL) writes the answers only if the same statement could mark
    the response as saved while it is not submitted: its first parameters are the response's
    updated_at and id. No transaction round trips, and the response stays locked until the
    answers are written, so a submission either comes after them or refuses them. SQLite
    allows no UPDATE inside WITH: there the caller runs that UPDATE first, in a transaction.
    """
    q = sql.quote
    answer_table = sql.table(models.Answer)
    fields = [sql.field(models.Answer, name) for name in ANSWER_COLUMNS]
    columns = [q(str(field.column)) for field in fields]
    changed = " OR ".join(
        [
            f"COALESCE({answer_table}.{q('option_id')}, 0) <> COALESCE(excluded.{q('option_id')}, 0)",
            *(f"{answer_table}.{q(c)} <> excluded.{q(c)}" for c in ("not_applicable", "text", "comment")),
        ]
    )
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in ("option_id", "not_applicable", "text", "comment"))
    conflict = (
        f"ON CONFLICT ({q('response_id')}, {q('criterion_id')}) DO UPDATE SET {updates}, "
        f"{q('updated_at')} = CASE WHEN {changed} THEN excluded.{q('updated_at')} "
        f"ELSE {answer_table}.{q('updated_at')} END "
        f"RETURNING {_answer_rows().select(answer_table)}"
    )
    if not in_one_statement:
        values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * rows)
        return f"INSERT INTO {answer_table} ({', '.join(columns)}) VALUES {values} {conflict}"
    # The VALUES list stands alone in a SELECT, so each parameter says its column's type.
    typed = ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields)
    values = ", ".join([f"({typed})"] * rows)
    response_table = sql.table(models.Response)
    return (
        f"WITH saved AS (UPDATE {response_table} SET {q('updated_at')} = %s "
        f"WHERE {q('id')} = %s AND {q('submitted_at')} IS NULL RETURNING {q('id')}) "
        f"INSERT INTO {answer_table} ({', '.join(columns)}) "
        f"SELECT given.* FROM (VALUES {values}) AS given ({', '.join(columns)}) "
        f"WHERE EXISTS (SELECT 1 FROM saved) {conflict}"
    )


def _write_answers(statement: str, params: list[Any]) -> dict[int, models.Answer]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return {answer.criterion_id: answer for answer in _answer_rows().build_all(cursor.fetchall())}


def save_answers(*, response: models.Response, answers: Sequence[AnswerInput]) -> list[models.Answer]:
    """Upsert answers of one response, all or none: saving the same answer twice leaves it as it was.

    Refused once the response is submitted. Allowed after the assessment closed: the
    response will be marked late when submitted. The response's updated_at records the
    last save. One statement on PostgreSQL (two in a transaction elsewhere) locks the response,
    checks it is not submitted and writes every answer; the assessment and its rubric version
    are read from the response as the caller loaded it (the survey loads them with the invitation).
    """
    from assessment.queries import load_rubric

    if response.is_submitted:
        raise AlreadySubmitted("This response has been submitted and can no longer be changed.")
    assessment = response.assessment
    if assessment.state == AssessmentState.DRAFT:
        raise StateConflict("The assessment is not open yet.")
    if not answers:
        raise InvalidInput("Send at least one answer.", field="answers")
    loaded = load_rubric(assessment.rubric_version)
    seen: set[str] = set()
    planned = []
    for item in answers:
        if item.criterion in seen:
            raise Unprocessable(f"{item.criterion!r} is answered twice in one request.", field="criterion")
        seen.add(item.criterion)
        fields = _answer_fields(loaded.rubric, loaded, response, item)  # validates the criterion key
        planned.append((loaded.criterion_id_by_key[item.criterion], fields))
    now = timezone.now()
    stamp = models.Answer._meta.get_field("updated_at").get_db_prep_value(now, connection)
    params: list[Any] = []
    for criterion_id, fields in planned:
        params += [
            response.pk,
            criterion_id,
            fields["option_id"],
            fields["not_applicable"],
            fields["text"],
            fields["comment"],
            stamp,
        ]
    if connection.vendor == "postgresql":
        stored = _write_answers(_upsert_sql(len(planned), True), [stamp, response.pk, *params])
    else:
        with transaction.atomic():
            # Locks the response until the answers are written and checks that it is still open: a
            # submission either waits for this save or is seen by it, and then the save is refused.
            if not models.Response.objects.filter(pk=response.pk, submitted_at__isnull=True).update(updated_at=now):
                raise AlreadySubmitted("This response has been submitted and can no longer be changed.")
            stored = _write_answers(_upsert_sql(len(planned), False), params)
    if not stored:
        # Only the one statement can come back empty: the response was submitted meanwhile.
        raise AlreadySubmitted("This response has been submitted and can no longer be changed.")
    result = []
    for criterion_id, _ in planned:
        answer = stored[criterion_id]
        answer.response = response
        result.append(answer)
    return result


def save_answer(*, response: models.Response, answer: AnswerInput) -> models.Answer:
    """Upsert one answer (see save_answers)."""
    return save_answers(response=response, answers=[answer])[0]


@transaction.atomic
def submit_response(*, response: models.Response) -> models.Response:
    """Submit once; afterwards the response is read-only. Late if the assessment has closed.

    While the assessment is open, a new snapshot of its scores is published when enough submissions
    have come in since the last one (assessment/anonymity.py).
    """
    from assessment.anonymity import take_snapshot_if_due
    from assessment.queries import answered_nodes_of, load_rubric

    response = models.Response.objects.select_for_update().select_related("assessment").get(pk=response.pk)
    if response.is_submitted:
        raise AlreadySubmitted("This response has already been submitted.")
    if response.assessment.state == AssessmentState.DRAFT:
        raise StateConflict("The assessment is not open yet.")
    response.submitted_at = timezone.now()
    response.late = response.assessment.state == AssessmentState.CLOSED
    loaded = load_rubric(response.assessment.rubric_version)
    response.answered_nodes = answered_nodes_of(loaded, [(response.pk, response.group)])[response.pk]
    response.save(update_fields=["submitted_at", "late", "answered_nodes", "updated_at"])
    if not response.late:
        take_snapshot_if_due(assessment=response.assessment)
    return response


# --- initiatives --------------------------------------------------------------------------


@transaction.atomic
def create_initiative(
    *,
    assessment: models.Assessment,
    recommendation_key: str,
    owner: str = "",
    due_date: Any = None,
    title: str | None = None,
    role: str = "consultant",
) -> models.Initiative:
    """Turn one of the assessment's roadmap recommendations into a tracked initiative (once).

    The roadmap is the one `role` may see (assessment/anonymity.py), so a refusal tells nothing more.
    """
    from assessment.anonymity import published_scores
    from assessment.assessor import roadmap_levels
    from assessment.queries import assessment_targets
    from assessment.roadmap import build_roadmap

    published = published_scores(assessment, role=role)
    levels = roadmap_levels(assessment, published, role=role).levels
    roadmap = build_roadmap(published.rubric, levels, assessment_targets(assessment))
    item = next((i for i in roadmap.items if i.recommendation.key == recommendation_key), None)
    if item is None:
        raise Unprocessable(f"{recommendation_key!r} is not on this assessment's roadmap.", field="recommendation_key")
    if assessment.initiatives.filter(recommendation_key=recommendation_key).exists():
        raise StateConflict(f"{recommendation_key!r} is already an initiative.", field="recommendation_key")
    rec = item.recommendation
    return models.Initiative.objects.create(
        assessment=assessment,
        recommendation_key=rec.key,
        dimension_key=item.dimension,
        title=(title or rec.title).strip()[:300],
        description=rec.description,
        owner=owner.strip()[:200],
        due_date=due_date,
        horizon=item.horizon,
        effort=rec.effort,
        impact=rec.impact,
    )


@transaction.atomic
def update_initiative(
    *,
    initiative: models.Initiative,
    owner: str | None = None,
    status: str | None = None,
    due_date: Any = ...,
    title: str | None = None,
) -> models.Initiative:
    """Change an initiative's owner, status, due date or title through the year."""
    if status is not None:
        if status not in models.InitiativeStatus.values:
            raise InvalidInput(
                f"{status!r} is not a status; use one of {', '.join(models.InitiativeStatus.values)}.", field="status"
            )
        initiative.status = status
    if owner is not None:
        initiative.owner = owner.strip()[:200]
    if title is not None:
        if not title.strip():
            raise InvalidInput("An initiative needs a title.", field="title")
        initiative.title = title.strip()[:300]
    if due_date is not ...:
        initiative.due_date = due_date
    initiative.save()
    return initiative


# --- outcome KPIs -----------------------------------------------------------------------


@transaction.atomic
def set_outcomes(*, assessment: models.Assessment, values: Mapping[str, Any]) -> models.Outcome:
    """Record the client's outcome KPIs for the period; None clears one. All or nothing."""
    clean: dict[str, float | None] = {}
    for name, value in values.items():
        kpi = OUTCOMES.get(name)
        if kpi is None:
            raise InvalidInput(f"{name!r} is not an outcome; use {', '.join(OUTCOMES)}.", field=name)
        if value is None or value == "":
            clean[name] = None
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{kpi.label} must be {kpi.allowed}.", field=name) from None
        if isinstance(value, bool) or not 0 <= number <= kpi.maximum:
            raise InvalidInput(f"{kpi.label} must be {kpi.allowed}.", field=name)
        clean[name] = number
    outcome, _ = models.Outcome.objects.update_or_create(assessment=assessment, defaults=clean)
    return outcome
