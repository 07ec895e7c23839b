"""Read-side assembly: a rubric version and an assessment's evidence, in a constant number of queries."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q

from assessment import models
from assessment.roadmap import Roadmap, build_roadmap
from assessment.rubric import (
    AnswerSet,
    Criterion,
    Level,
    Node,
    Option,
    Recommendation,
    RespondentGroup,
    Rubric,
)
from assessment.scoring import AssessmentScores, ResponseAnswers, Tally, nodes_answered, score_tally
from assessment.year_over_year import AssessmentSnapshot, chain_replacements


@dataclass(frozen=True)
class LoadedRubric:
    """A rubric version as the pure `Rubric`, with the row ids the answers refer to."""

    rubric: Rubric
    version_id: int
    criterion_key_by_id: dict[int, str]
    criterion_id_by_key: dict[str, int]
    option_by_id: dict[int, tuple[str, str, float]]  # id → (criterion-independent) answer set key, option key, value
    option_id_by_key: dict[tuple[str, str], int]  # (answer set key, option key) → id


@dataclass(frozen=True)
class Evidence:
    loaded: LoadedRubric
    responses: tuple[ResponseAnswers, ...]

    @property
    def rubric(self) -> Rubric:
        return self.loaded.rubric


# Rubric versions never change once imported, so a process keeps each one it has built.
# The key includes the import time: a new import (even reusing an id in a fresh test
# database) is always a new entry.
_RUBRIC_CACHE: dict[tuple[int, str, object], LoadedRubric] = {}
_RUBRIC_CACHE_SIZE = 32


def load_rubric(version: models.RubricVersion) -> LoadedRubric:
    """The pure rubric of a version: built from its rows (five queries) once per process."""
    key = (version.pk, version.checksum, version.imported_at)
    loaded = _RUBRIC_CACHE.get(key)
    if loaded is None:
        loaded = _build_rubric(version)
        if len(_RUBRIC_CACHE) >= _RUBRIC_CACHE_SIZE:
            _RUBRIC_CACHE.pop(next(iter(_RUBRIC_CACHE)))
        _RUBRIC_CACHE[key] = loaded
    return loaded


def _build_rubric(version: models.RubricVersion) -> LoadedRubric:
    answer_set_rows = list(models.AnswerSet.objects.filter(rubric_version=version).prefetch_related("options"))
    node_rows = list(models.Dimension.objects.filter(rubric_version=version).order_by("position"))
    criterion_rows = list(models.Criterion.objects.filter(rubric_version=version).order_by("position"))
    recommendation_rows = list(models.Recommendation.objects.filter(rubric_version=version).order_by("position"))

    answer_sets = []
    answer_set_key_by_id = {}
    option_by_id = {}
    option_id_by_key = {}
    for set_row in answer_set_rows:
        answer_set_key_by_id[set_row.id] = set_row.key
        options = []
        for opt in set_row.options.all():
            options.append(Option(key=opt.key, label=opt.label, value=opt.value))
            option_by_id[opt.id] = (set_row.key, opt.key, opt.value)
            option_id_by_key[(set_row.key, opt.key)] = opt.id
        answer_sets.append(
            AnswerSet(
                key=set_row.key,
                kind=set_row.kind,
                options=tuple(options),
                not_applicable=set_row.not_applicable or None,
            )
        )

    criteria_by_node: dict[int, list[Criterion]] = defaultdict(list)
    for row in criterion_rows:
        criteria_by_node[row.dimension_id].append(
            Criterion(
                key=row.key,
                text=row.text,
                description=row.description,
                weight=row.weight,
                answer_set=answer_set_key_by_id[row.answer_set_id],
                audience=tuple(row.audience),
                anchors=tuple(row.anchors),
                level=row.gate_level,
                replaces=tuple(row.replaces),
                source=row.source,
            )
        )
    node_key_by_id = {row.id: row.key for row in node_rows}
    recommendations_by_node: dict[int, list[Recommendation]] = defaultdict(list)
    for rec in recommendation_rows:
        recommendations_by_node[rec.dimension_id].append(
            Recommendation(
                key=rec.key,
                dimension=node_key_by_id[rec.dimension_id],
                from_level=rec.from_level,
                title=rec.title,
                description=rec.description,
                effort=rec.effort,
                impact=rec.impact,
                owner_role=rec.owner_role,
                horizon=rec.horizon,
                depends_on=tuple(rec.depends_on),
            )
        )
    children: dict[int | None, list[models.Dimension]] = defaultdict(list)
    for node_row in node_rows:
        children[node_row.parent_id].append(node_row)

    def build(row: models.Dimension) -> Node:
        return Node(
            key=row.key,
            name=row.name,
            description=row.description,
            weight=row.weight,
            rollup=row.rollup,
            pass_mark=row.pass_mark,
            level=row.gate_level,
            groups=tuple(build(child) for child in children[row.id]),
            criteria=tuple(criteria_by_node[row.id]),
            levels=tuple(row.level_descriptors),
            recommendations=tuple(recommendations_by_node[row.id]),
            replaces=tuple(row.replaces),
        )

    rubric = Rubric(
        key=version.rubric.key,
        version=version.version,
        name=version.name,
        description=version.description,
        coverage_threshold=version.coverage_threshold,
        rollup=version.rollup,
        scale=tuple(Level(value=s["value"], name=s["name"]) for s in version.scale),
        thresholds=tuple(version.thresholds),
        respondent_groups=tuple(RespondentGroup(key=g["key"], name=g["name"]) for g in version.respondent_groups),
        answer_sets=tuple(answer_sets),
        dimensions=tuple(build(top) for top in children[None]),
    )
    return LoadedRubric(
        rubric=rubric,
        version_id=version.id,
        criterion_key_by_id={row.id: row.key for row in criterion_rows},
        criterion_id_by_key={row.key: row.id for row in criterion_rows},
        option_by_id=option_by_id,
        option_id_by_key=option_id_by_key,
    )


def load_evidence(
    assessment: models.Assessment,
    *,
    groups: Sequence[str] | None = None,
    response_ids: Sequence[int] | None = None,
    loaded: LoadedRubric | None = None,
) -> Evidence:
    """The rubric (`loaded` when the caller has it) and every counted (submitted, on time) response of an
    assessment, or only those of `response_ids` (a published snapshot's).

    A constant number of queries whatever the number of respondents: the rubric's five (once per
    process), the responses, and the answers in one pass. Neither query sorts nor joins: the order of
    the responses changes no score.
    """
    loaded = loaded or load_rubric(assessment.rubric_version)
    responses = _counted_responses(assessment, response_ids)
    if groups is not None:
        responses = responses.filter(group__in=list(groups))
    group_by_response = dict(responses.values_list("id", "group"))
    values: dict[int, dict[str, float | None]] = {rid: {} for rid in group_by_response}
    _answer_values(loaded, models.Answer.objects.filter(response__in=responses), values)
    return Evidence(
        loaded=loaded,
        responses=tuple(ResponseAnswers(group=group_by_response[rid], values=v) for rid, v in values.items()),
    )


def _counted_responses(assessment: models.Assessment, response_ids: Sequence[int] | None) -> models.ResponseQuerySet:
    """An assessment's counted responses, or those of `response_ids` among them (a snapshot's)."""
    responses = models.Response.objects.filter(assessment=assessment).counted()
    if response_ids is not None:
        responses = responses.filter(pk__in=list(response_ids))
    return responses


def _counted_answers(assessment: models.Assessment, response_ids: Sequence[int] | None) -> models.AnswerQuerySet:
    """The answers of an assessment's counted responses (or of those of `response_ids` among them), with
    the response joined rather than looked up in a subquery."""
    answers = models.Answer.objects.filter(Q(response__assessment=assessment) & models.counted_q("response__"))
    if response_ids is not None:
        answers = answers.filter(response_id__in=list(response_ids))
    return answers.order_by()


def load_tally(
    assessment: models.Assessment,
    *,
    response_ids: Sequence[int] | None = None,
    loaded: LoadedRubric | None = None,
) -> tuple[LoadedRubric, Tally]:
    """The tally an assessment's scores are computed from (`scoring.Tally`), counted by the database: the
    answers of its counted responses (or of `response_ids`) grouped by respondent group, criterion and
    option, one row for each answer given, whatever the number of respondents; and the respondents of
    each group. `score_tally` of it equals `score_assessment` of `load_evidence`'s responses.
    """
    loaded = loaded or load_rubric(assessment.rubric_version)
    responses = _counted_responses(assessment, response_ids)
    counts = dict(responses.order_by().values_list("group").annotate(n=Count("id")))
    rows = (
        _counted_answers(assessment, response_ids)
        .values_list("response__group", "criterion_id", "option_id")
        .annotate(n=Count("id"), not_applicable=Count("id", filter=Q(not_applicable=True)))
    )
    key_of = loaded.criterion_key_by_id
    value_counts: dict[str, dict[str, dict[float | None, int]]] = {}
    for group, criterion_id, option_id, n, not_applicable in rows:
        if option_id is None and not not_applicable:
            continue  # free text: never scored, as in `scoring.tally`
        given = value_counts.setdefault(group, {}).setdefault(key_of[criterion_id], {})
        value = None if option_id is None else loaded.option_by_id[option_id][2]
        given[value] = given.get(value, 0) + (n if option_id is not None else not_applicable)
    return loaded, Tally.from_value_counts(value_counts, counts)


def _answer_values(
    loaded: LoadedRubric, answers: models.AnswerQuerySet, into: dict[int, dict[str, float | None]]
) -> None:
    """Each response's scored values from its answers (None for "not applicable"), added to `into`."""
    key_of = loaded.criterion_key_by_id
    option_value = {oid: value for oid, (_, _, value) in loaded.option_by_id.items()}
    rows = answers.values_list("response_id", "criterion_id", "option_id", "not_applicable")
    for response_id, criterion_id, option_id, not_applicable in rows.iterator(chunk_size=5000):
        # Free-text answers have neither an option nor "not applicable": they are never scored.
        if option_id is not None:
            into[response_id][key_of[criterion_id]] = option_value[option_id]
        elif not_applicable:
            into[response_id][key_of[criterion_id]] = None


def answered_nodes_of(loaded: LoadedRubric, responses: Sequence[tuple[int, str]]) -> dict[int, list[str]]:
    """For each (response id, group), the sorted keys of the nodes it gave a scored answer in
    (`scoring.nodes_answered`): what `Response.answered_nodes` keeps."""
    values: dict[int, dict[str, float | None]] = {rid: {} for rid, _ in responses}
    _answer_values(loaded, models.Answer.objects.filter(response_id__in=list(values)).order_by(), values)
    return {
        rid: sorted(nodes_answered(loaded.rubric, ResponseAnswers(group=group, values=values[rid])))
        for rid, group in responses
    }


def answered_node_counts(
    assessment: models.Assessment, loaded: LoadedRubric, *, response_ids: Sequence[int] | None = None
) -> list[tuple[str, frozenset[str], int]]:
    """(group, nodes, respondents): how many of an assessment's counted responses (or of `response_ids`)
    gave a scored answer in exactly these nodes, for each group and set of nodes answered in; what the
    anonymity rules count people from. Read from `Response.answered_nodes` in one grouped query; responses
    submitted before it was kept have it computed from their answers and kept first.
    """
    responses = _counted_responses(assessment, response_ids)
    missing = list(responses.filter(answered_nodes__isnull=True).values_list("id", "group"))
    for start in range(0, len(missing), 2000):
        by_nodes: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for rid, keys in answered_nodes_of(loaded, missing[start : start + 2000]).items():
            by_nodes[tuple(keys)].append(rid)
        # Respondents mostly answer in the same nodes: one update per distinct set.
        for node_keys, ids in by_nodes.items():
            models.Response.objects.filter(pk__in=ids).update(answered_nodes=list(node_keys))
    rows = responses.order_by().values_list("group", "answered_nodes").annotate(n=Count("id"))
    return [(group, frozenset(nodes), n) for group, nodes, n in rows if nodes]


def assessment_scores(assessment: models.Assessment) -> tuple[Rubric, AssessmentScores]:
    """Load and score an assessment: the numbers every page, endpoint and report shows."""
    loaded, counted = load_tally(assessment)
    return loaded.rubric, score_tally(loaded.rubric, counted, group_weighting=assessment.group_weighting)


def closing_scores(rubric: Rubric, scores: AssessmentScores) -> dict:
    """The headline numbers kept on a closed assessment (see Assessment.closing_scores)."""
    return {
        "rubric": rubric.key,
        "rubric_version": rubric.version,
        "respondents": scores.respondents,
        "overall": scores.overall.score,
        "overall_level": scores.overall.level.value if scores.overall.level else None,
        "overall_reason": scores.overall.withheld,
        "dimensions": {key: d.score for key, d in scores.dimensions.items()},
    }


def assessment_targets(assessment: models.Assessment) -> dict[str, int]:
    return dict(assessment.targets.values_list("dimension_key", "level"))


def assessment_roadmap(assessment: models.Assessment) -> tuple[Rubric, AssessmentScores, Roadmap]:
    rubric, scores = assessment_scores(assessment)
    levels = {k: (d.level.value if d.level else None) for k, d in scores.dimensions.items()}
    return rubric, scores, build_roadmap(rubric, levels, assessment_targets(assessment))


def assessments_with_evidence(organisation_id: int) -> list[models.Assessment]:
    """An organisation's assessments that have evidence (open or closed), by period, with their rubric
    versions (which every reader of their scores needs: `anonymity.rubric_versions_of`)."""
    return list(
        models.Assessment.objects.filter(organisation_id=organisation_id)
        .exclude(state="draft")
        .select_related("rubric_version__rubric")
        .order_by("period", "id")
    )


@dataclass(frozen=True)
class GroupProgress:
    """How far one respondent group has got: counts only, never what anyone answered."""

    group: str
    name: str
    invited: int
    started: int
    submitted: int

    @property
    def in_progress(self) -> int:
        return self.started - self.submitted

    @property
    def response_rate(self) -> float | None:
        return response_rate(submitted=self.submitted, invited=self.invited)


def response_rate(*, submitted: int, invited: int) -> float | None:
    """Submitted responses per live invitation, as a percentage (None before anyone is invited)."""
    return min(100.0, 100 * submitted / invited) if invited else None


def response_counts(assessment: models.Assessment) -> dict[str, dict[str, int]]:
    """Responses started and submitted per respondent group (one query)."""
    return {
        group: {"started": started, "submitted": submitted}
        for group, started, submitted in models.Response.objects.filter(assessment=assessment)
        .values("group")
        .annotate(started=Count("id"), submitted=Count("id", filter=Q(submitted_at__isnull=False)))
        .values_list("group", "started", "submitted")
    }


def response_progress(assessment: models.Assessment) -> list[GroupProgress]:
    """Invited, started and submitted per respondent group of the assessment (two queries)."""
    counts = response_counts(assessment)
    # Invitations live in the survey app; the reverse relation keeps this module free of it.
    invited = dict(
        assessment.invitations.filter(revoked_at__isnull=True)  # type: ignore[attr-defined]
        .values("group")
        .annotate(n=Count("id"))
        .values_list("group", "n")
    )
    names = {g["key"]: g["name"] for g in assessment.rubric_version.respondent_groups}
    keys = list(assessment.respondent_groups)
    keys += sorted((set(counts) | set(invited)) - set(keys))
    return [
        GroupProgress(
            group=key,
            name=names.get(key, key),
            invited=invited.get(key, 0),
            started=counts.get(key, {}).get("started", 0),
            submitted=counts.get(key, {}).get("submitted", 0),
        )
        for key in keys
    ]


def replacements_between(rubric_key: str, after: int, up_to: int) -> dict[str, tuple[str, ...]]:
    """What version `up_to` of a family replaces of version `after`'s keys, through the versions between
    (see `year_over_year.chain_replacements`); one version's own `replaces` when they are adjacent."""
    versions = (
        models.RubricVersion.objects.filter(rubric__key=rubric_key, version__gt=after, version__lte=up_to)
        .select_related("rubric")
        .order_by("version")
    )
    return chain_replacements([load_rubric(v).rubric.replacements for v in versions])


def across_skipped_versions(previous: AssessmentSnapshot, current: AssessmentSnapshot) -> AssessmentSnapshot:
    """`current` with the `replaces` of every version since `previous`'s when versions were skipped (v1
    against v3), so that a comparison follows keys through the versions between; else `current`."""
    if previous.rubric_key != current.rubric_key or current.rubric_version <= previous.rubric_version + 1:
        return current
    lineage = replacements_between(current.rubric_key, previous.rubric_version, current.rubric_version)
    return dataclasses.replace(current, replaces=lineage)
