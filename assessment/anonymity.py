"""The anonymity rules (PRODUCT.md: Anonymity rules), in one place.

Every score, mean, spread, consensus, distribution, comment and count shown to a person, on a
page, in the API, an export, a chart, the PDF or the benchmark, asks this module whether it may
be shown. A check copied into a view is a leak waiting for the next view.

Two rules:
- publication: a closed assessment publishes the scores of all its counted responses; an open one
  publishes snapshots to its firm's consultants only, each adding at least `min_respondents()`
  submissions to the one before, so two readings never differ by one person;
- withholding: inside what is published, no figure derived from fewer than `min_respondents()`
  people is shown. A criterion's people are those who gave it a scored answer, a dimension's those
  who answered any of its criteria, the overall's those who answered anything.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from assessment import kept as kept_form
from assessment import models
from assessment.queries import (
    LoadedRubric,
    answered_node_counts,
    closing_scores,
    load_rubric,
    load_tally,
)
from assessment.rubric import Rubric
from assessment.scoring import (
    AssessmentScores,
    DimensionScore,
    GroupScores,
    OverallScore,
    ResponseAnswers,
    Tally,
    answered_criteria,
    nodes_answered,
    perception_gaps,
    score_assessment,
    score_tally,
)
from assessment.year_over_year import AssessmentSnapshot, rubric_structure
from organisations.models import Role


def min_respondents() -> int:
    """The fewest people anything shown may be derived from (the MIN_RESPONDENTS setting, never below 3)."""
    return max(3, int(settings.MIN_RESPONDENTS))


def enough(people: int) -> bool:
    """May a figure derived from this many people be shown?"""
    return people >= min_respondents()


def withheld_reason() -> str:
    """What is said where a figure is withheld."""
    return f"fewer than {min_respondents()} responses"


# --- who a figure is derived from --------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """How many respondents each published figure is derived from."""

    overall: int
    dimensions: Mapping[str, int]
    criteria: Mapping[str, int]
    groups: Mapping[str, int]  # respondents per group
    group_overall: Mapping[str, int]
    group_dimensions: Mapping[str, Mapping[str, int]]  # group → dimension → people
    nodes: Mapping[str, int] = field(default_factory=dict)  # every dimension and sub-group → people


def node_people_at_least(rubric: Rubric, people: People) -> dict[str, int]:
    """For people kept before nodes were counted: each node's people as far as the kept counts tell, never
    more than it had (a dimension's own count; a sub-group's busiest criterion), so that withholding from
    them hides at least what the true counts would."""
    counts = {}
    for node in rubric.nodes:
        if node.key in rubric.dimension_by_key:
            counts[node.key] = people.dimensions.get(node.key, 0)
        else:
            counts[node.key] = max((people.criteria.get(c.key, 0) for c in node.walk_criteria()), default=0)
    return counts


def count_people(rubric: Rubric, responses: Iterable[ResponseAnswers]) -> People:
    """Per criterion, dimension and group, the respondents who gave a scored answer there (N/A is none)."""
    groups: Counter[str] = Counter()
    criteria: Counter[str] = Counter()
    answered: Counter[tuple[str, frozenset[str]]] = Counter()
    for response in responses:
        groups[response.group] += 1
        criteria.update(answered_criteria(rubric, response))
        nodes = nodes_answered(rubric, response)
        if nodes:
            answered[(response.group, nodes)] += 1
    return people_answering(rubric, groups, criteria, [(g, keys, n) for (g, keys), n in answered.items()])


def count_people_in_tally(
    rubric: Rubric, counted: Tally, answered: Iterable[tuple[str, frozenset[str], int]]
) -> People:
    """`count_people` from an assessment's tally (each criterion's people: its scored answers from the groups
    it is addressed to) and its respondents by the nodes they answered in (`queries.answered_node_counts`)."""
    criteria: Counter[str] = Counter()
    for criterion in rubric.scored_criteria:
        for group, acc in counted.per_group.items():
            slot = acc.get(criterion.key)
            if slot and slot[0] and criterion.addressed_to(group):
                criteria[criterion.key] += slot[0]
    return people_answering(rubric, counted.counts, criteria, answered)


def people_answering(
    rubric: Rubric,
    groups: Mapping[str, int],
    criteria: Mapping[str, int],
    answered: Iterable[tuple[str, frozenset[str], int]],
) -> People:
    """People from the respondents of each group, each criterion's people, and (group, the nodes answered in,
    respondents) for every respondent who answered a scored criterion addressed to their group: a
    dimension's people answered in it, the overall's anywhere."""
    dimension_keys = set(rubric.dimension_by_key)
    nodes: Counter[str] = Counter()
    dimensions: Counter[str] = Counter()
    group_overall: Counter[str] = Counter()
    group_dimensions: dict[str, Counter[str]] = defaultdict(Counter)
    overall = 0
    for group, keys, n in answered:
        for key in keys:
            nodes[key] += n
        answered_dimensions = keys & dimension_keys
        for dimension in answered_dimensions:
            dimensions[dimension] += n
            group_dimensions[group][dimension] += n
        if answered_dimensions:
            overall += n
            group_overall[group] += n
    return People(
        overall=overall,
        dimensions=dict(dimensions),
        criteria={k: n for k, n in criteria.items() if n},
        groups=dict(groups),
        group_overall=dict(group_overall),
        group_dimensions={g: dict(c) for g, c in group_dimensions.items()},
        nodes=dict(nodes),
    )


def _hidden_groups(groups: Mapping[str, int], minimum: int) -> set[str]:
    """Groups not shown on their own: those under the minimum and, when those together number fewer than
    the minimum, the smallest shown groups too, so that no hidden group is the whole minus the shown ones."""
    hidden = {g for g, n in groups.items() if n < minimum}
    shown = sorted((n, g) for g, n in groups.items() if g not in hidden)
    while hidden and shown and 0 < sum(groups[g] for g in hidden) < minimum:
        hidden.add(shown.pop(0)[1])
    return hidden


def complement(parts: Mapping[str, int], withheld: set[str], *, whole_shown: bool) -> set[str]:
    """Secondary suppression: the shown parts to withhold as well so that no withheld part can be worked
    back from a shown whole and its shown siblings.

    `parts` are the children that enter the whole's roll-up (key → people). When the whole is shown and
    exactly one of them is withheld, the whole minus the others would give it away: the shown sibling
    with the fewest people (then the first key) is withheld too. Two unknowns under one shown whole
    cannot be told apart.
    """
    hidden = withheld & set(parts)
    if not whole_shown or len(hidden) != 1:
        return set()
    shown = sorted((n, key) for key, n in parts.items() if key not in hidden)
    return {shown[0][1]} if shown else set()


@dataclass(frozen=True)
class Suppression:
    """What is withheld: figures from fewer than the minimum, and the siblings hidden to protect them."""

    criteria: frozenset[str]
    dimensions: frozenset[str]
    groups: frozenset[str]  # groups not shown on their own
    group_dimensions: frozenset[tuple[str, str]]  # (group, dimension) of shown groups
    nodes: frozenset[str] = frozenset()  # dimensions and sub-groups


def _node_suppression(
    rubric: Rubric, scores: AssessmentScores, people: People, minimum: int, dimensions: set[str]
) -> set[str]:
    """Sub-groups to withhold: those of fewer than `minimum` people, the withheld dimensions themselves, and
    (see `complement`) under each shown node, a sibling of a lone withheld sub-group; repeated until
    nothing more is hidden, since hiding a sibling can leave one withheld under the node above."""
    hidden = {
        n.key
        for n in rubric.nodes
        if n.key in dimensions or (n.key in scores.nodes and people.nodes.get(n.key, 0) < minimum)
    }
    while True:
        more: set[str] = set()
        for node in rubric.nodes:
            # A sub-group enters its parent's roll-up whenever anything under it is answered, even with too
            # little evidence for a score of its own (unlike a dimension in the overall).
            entering = {g.key: people.nodes.get(g.key, 0) for g in node.groups if people.nodes.get(g.key, 0) > 0}
            more |= complement(entering, hidden, whole_shown=node.key not in hidden)
        if more <= hidden:
            return hidden
        hidden |= more


def suppression(rubric: Rubric, scores: AssessmentScores, people: People, minimum: int) -> Suppression:
    """Every figure to withhold: those derived from fewer than `minimum` people, then (secondary
    suppression, see `complement`) the criteria of each shown dimension, the dimensions under a shown
    overall and, in each shown group, its dimensions under its shown overall, whose hiding keeps a
    withheld figure from being worked back by subtraction."""
    criteria = {key for key in scores.criteria if people.criteria.get(key, 0) < minimum}
    dimensions = {key for key in scores.dimensions if people.dimensions.get(key, 0) < minimum}
    for dimension in rubric.dimensions:
        entering = {
            c.key: people.criteria.get(c.key, 0)
            for c in dimension.walk_criteria()
            if c.key in scores.criteria and scores.criteria[c.key].mean is not None
        }
        criteria |= complement(entering, criteria, whole_shown=dimension.key not in dimensions)
    entering_overall = {
        key: people.dimensions.get(key, 0) for key, d in scores.dimensions.items() if d.score is not None
    }
    dimensions |= complement(entering_overall, dimensions, whole_shown=people.overall >= minimum)
    groups = _hidden_groups(people.groups, minimum)
    group_dimensions: set[tuple[str, str]] = set()
    for g in scores.groups:
        if g.group in groups:
            continue
        own = people.group_dimensions.get(g.group, {})
        few = {k for k in g.dimensions if own.get(k, 0) < minimum}
        entering = {k: own.get(k, 0) for k, v in g.dimensions.items() if v is not None}
        few |= complement(entering, few, whole_shown=people.group_overall.get(g.group, 0) >= minimum)
        group_dimensions |= {(g.group, k) for k in few}
    nodes = _node_suppression(rubric, scores, people, minimum, dimensions)
    return Suppression(
        frozenset(criteria), frozenset(dimensions), frozenset(groups), frozenset(group_dimensions), frozenset(nodes)
    )


def withhold(
    rubric: Rubric, scores: AssessmentScores, people: People, minimum: int, hidden: Suppression
) -> AssessmentScores:
    """The same scores with every withheld figure (`hidden`) set to None.

    Withheld criteria keep their answered count (it is their people count) but no N/A count; withheld
    dimensions and overall keep no coverage (0.0, marked withheld by `Published`). Hidden groups show
    nothing, and the perception gaps are recomputed from what remains shown.
    """
    criteria = {
        key: c if key not in hidden.criteria else replace(c, mean=None, sd=None, consensus=None, not_applicable=0)
        for key, c in scores.criteria.items()
    }
    dimensions = {
        key: d
        if key not in hidden.dimensions
        else DimensionScore(
            key=key, score=None, level=None, index=None, coverage=0.0, insufficient_evidence=True, consensus=None
        )
        for key, d in scores.dimensions.items()
    }
    nodes = {
        key: n
        if key not in hidden.nodes
        else replace(n, score=None, level=None, index=None, coverage=0.0, insufficient_evidence=True, consensus=None)
        for key, n in scores.nodes.items()
    }
    overall = (
        scores.overall
        if people.overall >= minimum
        else OverallScore(score=None, level=None, index=None, coverage=0.0, insufficient_evidence=True)
    )
    groups = []
    for g in scores.groups:
        if g.group in hidden.groups:
            groups.append(
                GroupScores(group=g.group, respondents=g.respondents, hidden=True, dimensions={}, overall=None)
            )
            continue
        groups.append(
            replace(
                g,
                dimensions={
                    k: v if (g.group, k) not in hidden.group_dimensions else None for k, v in g.dimensions.items()
                },
                overall=g.overall if people.group_overall.get(g.group, 0) >= minimum else None,
            )
        )
    return replace(
        scores,
        criteria=criteria,
        dimensions=dimensions,
        nodes=nodes,
        overall=overall,
        groups=tuple(groups),
        perception_gaps=perception_gaps(rubric, groups),
    )


# --- what is published --------------------------------------------------------------------------

CLOSED = "closed"
SNAPSHOT = "snapshot"
NOTHING = "none"


@dataclass(frozen=True)
class Published:
    """The scores a person may see of one assessment, with every withheld figure set to None.

    `source` says where they come from: the closed assessment (`closed`), the latest snapshot of an
    open one (`snapshot`), or nothing yet (`none`, with `notice` saying why).
    """

    rubric: Rubric
    scores: AssessmentScores
    people: People
    source: str
    notice: str
    minimum: int
    hidden: Suppression = Suppression(frozenset(), frozenset(), frozenset(), frozenset())
    taken_at: datetime.datetime | None = None
    response_ids: tuple[int, ...] | None = None  # None: all counted responses (a closed assessment)

    @property
    def shown(self) -> bool:
        return self.source != NOTHING

    @property
    def respondents(self) -> int:
        return self.scores.respondents

    @property
    def reason(self) -> str:
        """Why a figure is missing: the notice when nothing is published, else the rule."""
        return self.notice if not self.shown else f"fewer than {self.minimum} responses"

    def overall_withheld(self) -> bool:
        return self.people.overall < self.minimum

    def dimension_withheld(self, key: str) -> bool:
        return key in self.hidden.dimensions or self.people.dimensions.get(key, 0) < self.minimum

    def node_withheld(self, key: str) -> bool:
        """Is this dimension's or sub-group's score withheld (its people, or a sibling's protection)?"""
        return key in self.hidden.nodes or self.people.nodes.get(key, 0) < self.minimum

    def criterion_withheld(self, key: str) -> bool:
        return key in self.hidden.criteria or self.people.criteria.get(key, 0) < self.minimum

    def group_dimension_withheld(self, group: str, key: str) -> bool:
        return (group, key) in self.hidden.group_dimensions or self.people.group_dimensions.get(group, {}).get(
            key, 0
        ) < self.minimum


def not_published_notice(assessment: models.Assessment, role: str | None) -> str:
    """Why nothing of an assessment is published to this role ("" when something may be)."""
    if assessment.state == models.AssessmentState.DRAFT:
        return "A draft assessment has no answers yet."
    if assessment.state == models.AssessmentState.OPEN and role != Role.CONSULTANT:
        return "Scores are published when the assessment closes."
    return ""


def published_scores(assessment: models.Assessment, *, role: str | None) -> Published:
    """The scores of an assessment a person with this role (as `Organisation.role_of` gives it) may see.

    Closed: all counted responses, for every role. Open: the latest snapshot, for the firm's consultants
    only (taken now if it is due). Within them, figures from fewer than `min_respondents()` are withheld.
    Both are read from the scores kept when the assessment closed or the snapshot was taken: reading
    never scores the answers again (rows kept before the complete form existed are completed once).
    """
    minimum = min_respondents()
    notice = not_published_notice(assessment, role)
    if notice:
        return _nothing(assessment, notice, minimum)
    if assessment.state == models.AssessmentState.CLOSED:
        loaded = load_rubric(assessment.rubric_version)
        scores, people = closed_scores(assessment, loaded)
        return _publish(loaded.rubric, scores, people, CLOSED, minimum)
    snapshot = latest_snapshot(assessment)
    if snapshot is None:
        return _nothing(assessment, f"The first scores are published once {minimum} responses are in.", minimum)
    loaded = load_rubric(assessment.rubric_version)
    scores, people = snapshot_scores(assessment, snapshot, loaded)
    return _publish(
        loaded.rubric,
        scores,
        people,
        SNAPSHOT,
        minimum,
        taken_at=snapshot.created_at,
        response_ids=tuple(snapshot.response_ids),
        notice=f"Scores as published when {snapshot.respondents} responses were in; the assessment is still open.",
    )


def rubric_versions_of(assessments: Sequence[models.Assessment]) -> dict[int, models.RubricVersion]:
    """The rubric versions of assessments by id: those loaded with them (`select_related`, as
    `queries.assessments_with_evidence` loads them) as they are, the others in one query."""
    versions = {
        a.rubric_version_id: a.rubric_version for a in assessments if models.Assessment.rubric_version.is_cached(a)
    }
    missing = {a.rubric_version_id for a in assessments} - versions.keys()
    if missing:
        versions.update(models.RubricVersion.objects.select_related("rubric").in_bulk(missing))
    return versions


def published_many(assessments: Sequence[models.Assessment], *, role: str | None) -> list[Published]:
    """`published_scores` of several assessments, in their order, in a number of queries that does not
    grow with the number of closed ones: their rubric versions as loaded with them, or in one query
    (`rubric_versions_of`; each version's rubric built once per process), and their kept scores in
    another. Open ones are read as `published_scores` reads them.
    """
    minimum = min_respondents()
    closed = [a for a in assessments if a.state == models.AssessmentState.CLOSED and not not_published_notice(a, role)]
    closed_ids = {a.id for a in closed}
    versions = rubric_versions_of(closed)
    kept = dict(models.KeptScores.objects.filter(assessment_id__in=closed_ids).values_list("assessment_id", "data"))
    result = []
    for assessment in assessments:
        if assessment.id not in closed_ids:
            result.append(published_scores(assessment, role=role))
            continue
        loaded = load_rubric(versions[assessment.rubric_version_id])
        scores, people = closed_scores(assessment, loaded, kept=kept.get(assessment.id))
        result.append(_publish(loaded.rubric, scores, people, CLOSED, minimum))
    return result


# --- the kept complete form ----------------------------------------------------------------------


def score_counted(
    assessment: models.Assessment, *, loaded: LoadedRubric | None = None, response_ids: Sequence[int] | None = None
) -> tuple[LoadedRubric, AssessmentScores, People]:
    """Scores of every group of an assessment's counted responses (or of `response_ids`), however small
    (which groups are shown is decided on reading, by the minimum then in force), and the people behind
    each figure: what is kept. The answers are not read one by one: the database tallies them
    (`queries.load_tally`) and counts the respondents by the nodes each answered in, kept on the response
    when it was submitted (`queries.answered_node_counts`)."""
    loaded, counted = load_tally(assessment, response_ids=response_ids, loaded=loaded)
    answered = answered_node_counts(assessment, loaded, response_ids=response_ids)
    scores = score_tally(loaded.rubric, counted, group_weighting=assessment.group_weighting, min_group_size=1)
    return loaded, scores, count_people_in_tally(loaded.rubric, counted, answered)


def _read_kept(kept: Any, rubric: Rubric) -> tuple[AssessmentScores, People]:
    people = People(**kept_form.decode_people_fields(kept["people"]))
    if "nodes" not in kept["people"]:
        people = replace(people, nodes=node_people_at_least(rubric, people))
    return kept_form.decode_scores(kept["scores"], rubric), people


def closed_scores(
    assessment: models.Assessment, loaded: LoadedRubric, *, kept: Any = None
) -> tuple[AssessmentScores, People]:
    """A closed assessment's kept scores and people (`kept`: its row's data when the caller has read it).

    An assessment closed before the complete form was kept is scored once here and the result kept.
    """
    if kept is None:
        kept = models.KeptScores.objects.filter(assessment_id=assessment.pk).values_list("data", flat=True).first()
    if kept_form.readable(kept):
        return _read_kept(kept, loaded.rubric)
    _, scores, people = score_counted(assessment, loaded=loaded)
    data = kept_form.encode(scores, people)
    # Two first readers may both get here: the first row stands, and both computed the same.
    models.KeptScores.objects.bulk_create(
        [models.KeptScores(assessment_id=assessment.pk, data=data)], ignore_conflicts=True
    )
    models.KeptScores.objects.filter(assessment_id=assessment.pk).exclude(data__format=kept_form.FORMAT).update(
        data=data
    )
    return scores, people


def snapshot_scores(
    assessment: models.Assessment, snapshot: models.ScoreSnapshot, loaded: LoadedRubric
) -> tuple[AssessmentScores, People]:
    """A snapshot's kept scores and people; a snapshot taken before the complete form was kept is scored
    once here and completed."""
    if kept_form.readable(snapshot.kept):
        return _read_kept(snapshot.kept, loaded.rubric)
    _, scores, people = score_counted(assessment, loaded=loaded, response_ids=snapshot.response_ids)
    snapshot.kept = kept_form.encode(scores, people)
    models.ScoreSnapshot.objects.filter(pk=snapshot.pk).update(kept=snapshot.kept)
    return scores, people


def _shown_groups(rubric: Rubric, scores: AssessmentScores, minimum: int) -> AssessmentScores:
    """Kept scores as `score_assessment` gives them with `min_group_size=minimum`: smaller groups hidden,
    perception gaps between the others."""
    groups = tuple(
        g
        if g.hidden or g.respondents >= minimum
        else GroupScores(group=g.group, respondents=g.respondents, hidden=True, dimensions={}, overall=None)
        for g in scores.groups
    )
    return replace(scores, groups=groups, perception_gaps=perception_gaps(rubric, groups))


def _publish(
    rubric: Rubric,
    kept: AssessmentScores,
    people: People,
    source: str,
    minimum: int,
    *,
    taken_at: datetime.datetime | None = None,
    response_ids: tuple[int, ...] | None = None,
    notice: str = "",
) -> Published:
    scores = _shown_groups(rubric, kept, minimum)
    hidden = suppression(rubric, scores, people, minimum)
    return Published(
        rubric=rubric,
        scores=withhold(rubric, scores, people, minimum, hidden),
        people=people,
        hidden=hidden,
        source=source,
        notice=notice,
        minimum=minimum,
        taken_at=taken_at,
        response_ids=response_ids,
    )


def _nothing(assessment: models.Assessment, notice: str, minimum: int) -> Published:
    rubric = load_rubric(assessment.rubric_version).rubric
    scores = score_assessment(rubric, (), group_weighting=assessment.group_weighting, min_group_size=minimum)
    return Published(
        rubric=rubric,
        scores=scores,
        people=count_people(rubric, ()),
        source=NOTHING,
        notice=notice,
        minimum=minimum,
    )


def dimension_levels(published: Published) -> dict[str, int | None]:
    """Each dimension's published level (None where withheld or not scored): what a roadmap is built from."""
    return {k: (d.level.value if d.level else None) for k, d in published.scores.dimensions.items()}


def year_snapshot(assessment: models.Assessment, published: Published) -> AssessmentSnapshot:
    """An assessment's published scores for year-over-year comparison."""
    scores = published.scores
    return AssessmentSnapshot(
        assessment_id=assessment.id,
        period=assessment.period,
        rubric_key=published.rubric.key,
        rubric_version=published.rubric.version,
        overall=scores.overall.score,
        dimensions={k: d.score for k, d in scores.dimensions.items()},
        criteria={k: c.mean for k, c in scores.criteria.items()},
        **rubric_structure(published.rubric),
    )


def published_history(assessments: Sequence[models.Assessment], *, role: str | None) -> list[AssessmentSnapshot]:
    """The published scores of several assessments (by period), for year-over-year comparison: read from
    their kept scores, in the same number of queries for two years or ten (see `published_many`)."""
    return [year_snapshot(a, p) for a, p in zip(assessments, published_many(assessments, role=role), strict=True)]


def headline_snapshots(
    assessments: Sequence[models.Assessment], *, role: str | None
) -> list[AssessmentSnapshot | None]:
    """The overall and dimension scores of closed assessments for a trend, read from the headline kept on
    their row (`closing_scores`) and withheld as `published_headline` withholds, which is what the complete
    kept scores give for these figures; no criterion scores. None for an assessment that is not closed, not
    published to `role`, or whose headline was kept before the people behind it and the overall's reason were
    (read those with `published_many`). One query for the rubric versions, whatever the number of years."""
    usable = {
        a.id
        for a in assessments
        if a.state == models.AssessmentState.CLOSED
        and not not_published_notice(a, role)
        and {"overall_respondents", "dimension_respondents", "overall_reason"} <= set(a.closing_scores or {})
    }
    versions = rubric_versions_of([a for a in assessments if a.id in usable])
    snapshots: list[AssessmentSnapshot | None] = []
    for assessment in assessments:
        if assessment.id not in usable:
            snapshots.append(None)
            continue
        rubric = load_rubric(versions[assessment.rubric_version_id]).rubric
        shown = published_headline(assessment.closing_scores)
        snapshots.append(
            AssessmentSnapshot(
                assessment_id=assessment.id,
                period=assessment.period,
                rubric_key=rubric.key,
                rubric_version=rubric.version,
                overall=shown.get("overall"),
                dimensions=dict(shown.get("dimensions") or {}),
                criteria={},
                **rubric_structure(rubric),
            )
        )
    return snapshots


# --- kept headlines: closing scores and snapshots -----------------------------------------------


def kept_scores(rubric: Rubric, scores: AssessmentScores, people: People) -> dict[str, Any]:
    """The headline numbers kept on a closed assessment or a snapshot, with the people behind each, so that
    readers of the kept form (portfolio, overview) can withhold without scoring again."""
    return {
        **closing_scores(rubric, scores),
        "overall_respondents": people.overall,
        "dimension_respondents": {d.key: people.dimensions.get(d.key, 0) for d in rubric.dimensions},
    }


def closing_scores_of(assessment: models.Assessment) -> dict[str, Any]:
    """The headline of all counted responses, as kept when the assessment closes (nothing withheld yet)."""
    return keep_closing_scores(assessment)[0]


def keep_closing_scores(assessment: models.Assessment) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score all counted responses of an assessment that is closing, once: its headline (for
    `Assessment.closing_scores`) and its complete kept form (for `KeptScores`)."""
    loaded, scores, people = score_counted(assessment)
    return kept_scores(loaded.rubric, scores, people), kept_form.encode(scores, people)


def published_headline(kept: Mapping[str, Any] | None) -> dict[str, Any]:
    """A kept headline (closing scores or a snapshot's) with what may not be shown set to None.

    Rows kept before the people were recorded fall back to the number of respondents for every figure.
    """
    kept = dict(kept or {})
    respondents = int(kept.get("respondents") or 0)
    overall_people = int(kept.get("overall_respondents", respondents))
    dimension_people = kept.get("dimension_respondents") or {}
    shown = dict(kept)
    if not enough(overall_people):
        shown["overall"] = shown["overall_level"] = None
    dimensions = kept.get("dimensions") or {}
    people = {key: int(dimension_people.get(key, respondents)) for key in dimensions}
    hidden = {key for key, n in people.items() if not enough(n)}
    entering = {key: people[key] for key, value in dimensions.items() if value is not None}
    hidden |= complement(entering, hidden, whole_shown=enough(overall_people))
    shown["dimensions"] = {key: (None if key in hidden else value) for key, value in dimensions.items()}
    return shown


def published_headline_of(assessment: models.Assessment, *, role: str | None) -> dict[str, Any] | None:
    """The headline a role may see of an assessment: kept closing scores, the latest snapshot's, or None."""
    if not_published_notice(assessment, role):
        return None
    if assessment.state == models.AssessmentState.CLOSED:
        return published_headline(assessment.closing_scores) if assessment.closing_scores else None
    snapshot = latest_snapshot(assessment)
    return published_headline(snapshot.scores) if snapshot else None


# --- snapshots of open assessments ----------------------------------------------------------------


def latest_snapshot(assessment: models.Assessment) -> models.ScoreSnapshot | None:
    """The newest published snapshot of an open assessment, taking a new one first if it is due."""
    take_snapshot_if_due(assessment=assessment)
    return models.ScoreSnapshot.objects.filter(assessment=assessment).order_by("-respondents", "-id").first()


@transaction.atomic
def take_snapshot_if_due(*, assessment: models.Assessment) -> models.ScoreSnapshot | None:
    """Publish a new snapshot of an open assessment when the counted submissions not in the latest one
    number at least `min_respondents()` (the first needs that many); return it, or None when not due.

    Called where a response is submitted (in the same transaction) and before a snapshot is read, so
    submissions made before this rule existed are published too. The assessment row is locked so that
    two submissions never publish snapshots one response apart.
    """
    locked = models.Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
    if locked is None or locked.state != models.AssessmentState.OPEN:
        return None
    counted = list(
        models.Response.objects.filter(assessment=locked).counted().order_by("id").values_list("id", flat=True)
    )
    # Only the latest's ids: its scores and kept forms are not needed to tell whether a new one is due.
    latest = (
        models.ScoreSnapshot.objects.filter(assessment=locked)
        .order_by("-respondents", "-id")
        .values_list("response_ids", flat=True)
        .first()
    )
    taken = set(latest) if latest else set()
    if sum(1 for rid in counted if rid not in taken) < min_respondents():
        return None
    loaded, scores, people = score_counted(locked, response_ids=counted)
    try:
        with transaction.atomic():
            return models.ScoreSnapshot.objects.create(
                assessment=locked,
                respondents=len(counted),
                response_ids=counted,
                scores=kept_scores(loaded.rubric, scores, people),
                kept=kept_form.encode(scores, people),
            )
    except IntegrityError:
        # Another transaction published this very count first: theirs stands.
        return None
