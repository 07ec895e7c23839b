"""The scoring contract of PRODUCT.md, as pure functions over frozen dataclasses.

No ORM, no settings, no clock: everything a score depends on is in the arguments, so every
number in a report can be reproduced from the stored answers and the rubric version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assessment.rubric import Level, Node, Rubric

# The fewest respondents a group breakdown is shown for when the caller passes none; the rule itself
# (PRODUCT.md: Anonymity rules) lives in assessment/anonymity.py, which passes its minimum in.
DEFAULT_MIN_GROUP_SIZE = 3


@dataclass(frozen=True, slots=True)
class ResponseAnswers:
    """One respondent's answers: criterion key → value, or None for "not applicable / don't know".

    Criteria left unanswered are absent; text criteria never appear (they are unscored).
    """

    group: str
    values: Mapping[str, float | None]


@dataclass(frozen=True, slots=True)
class DimensionScore:
    key: str
    score: float | None
    level: Level | None
    index: float | None
    coverage: float
    insufficient_evidence: bool
    consensus: float | None = None


@dataclass(frozen=True, slots=True)
class NodeScore:
    """An inner node's score (a dimension at depth 1, its sub-groups deeper), with its place in the tree.

    `level` and `index` are given where the node's possible values lie within the scale's range (the
    import refuses a `sum` that can leave it, so always for a stored rubric); `score` is None where the
    evidence is insufficient.
    """

    key: str
    parent: str | None
    depth: int
    score: float | None
    level: Level | None
    index: float | None
    coverage: float
    insufficient_evidence: bool
    consensus: float | None = None


@dataclass(frozen=True, slots=True)
class OverallScore:
    score: float | None
    level: Level | None
    index: float | None
    coverage: float
    insufficient_evidence: bool
    withheld: str | None = None  # why there is no overall though dimensions are scored (PRODUCT.md scoring 4)


@dataclass(frozen=True, slots=True)
class RespondentScores:
    dimensions: dict[str, DimensionScore]
    overall: OverallScore


@dataclass(frozen=True, slots=True)
class CriterionAggregate:
    key: str
    dimension: str
    mean: float | None
    sd: float | None
    consensus: float | None
    answered: int
    not_applicable: int
    addressed: int


@dataclass(frozen=True, slots=True)
class GroupScores:
    """A respondent group's dimension scores; `hidden` (and no scores) below the minimum group size."""

    group: str
    respondents: int
    hidden: bool
    dimensions: dict[str, float | None]
    overall: float | None


@dataclass(frozen=True, slots=True)
class PerceptionGap:
    """PRODUCT.md scoring 6: the spread of a dimension's score between respondent groups."""

    dimension: str
    spread: float
    highest_group: str
    lowest_group: str
    significant: bool


@dataclass(frozen=True, slots=True)
class AssessmentScores:
    respondents: int
    respondents_by_group: dict[str, int]
    group_weighting: bool
    criteria: dict[str, CriterionAggregate]
    dimensions: dict[str, DimensionScore]
    overall: OverallScore
    groups: tuple[GroupScores, ...]
    perception_gaps: tuple[PerceptionGap, ...]
    nodes: dict[str, NodeScore] = field(default_factory=dict)  # every dimension and sub-group, in rubric order


# --- roll-ups -------------------------------------------------------------------


def node_value(rubric: Rubric, node: Node, values: Mapping[str, float | None]) -> float | None:
    """A node's value from its children's, by the node's roll-up; None when nothing is answered.

    weighted_mean: Σ wᵢxᵢ ÷ Σ wᵢ over answered children. sum: Σ wᵢxᵢ. gated: the highest
    level L such that every answered child tagged with a level ≤ L is met (its value, normalised
    over its own range, reaches the node's pass mark); the scale's lowest level otherwise.
    """
    items: list[tuple[float, float, Node | None, str, int | None]] = []
    for group in node.groups:
        value = node_value(rubric, group, values)
        if value is not None:
            items.append((group.weight, value, group, group.key, group.level))
    for criterion in node.criteria:
        value = values.get(criterion.key)
        if value is not None and criterion.key in rubric.value_ranges:
            items.append((criterion.weight, value, None, criterion.key, criterion.level))
    if not items:
        return None
    if node.rollup == "sum":
        return sum(w * x for w, x, *_ in items)
    if node.rollup == "gated":
        return _gated(rubric, node, items)
    total = sum(w for w, *_ in items)
    return sum(w * x for w, x, *_ in items) / total


def _gated(rubric: Rubric, node: Node, items: list) -> float:
    met_by_level: dict[int, bool] = {}
    for _, value, _, key, level in items:
        low, high = rubric.value_ranges[key]
        met = high == low or (value - low) / (high - low) + 1e-9 >= node.pass_mark
        met_by_level[level] = met_by_level.get(level, True) and met
    achieved = rubric.scale_min
    for level in sorted(met_by_level):
        if not met_by_level[level]:
            break
        achieved = level
    return float(achieved)


def overall_value(rubric: Rubric, dimension_values: Mapping[str, float | None]) -> float | None:
    """PRODUCT.md scoring 4: overall = the rubric's roll-up of the dimension scores."""
    items: list[tuple[float, float]] = []
    for d in rubric.dimensions:
        value = dimension_values.get(d.key)
        if value is not None:
            items.append((d.weight, value))
    if not items:
        return None
    if rubric.rollup == "sum":
        return sum(w * x for w, x in items)
    return sum(w * x for w, x in items) / sum(w for w, _ in items)


def consensus_index(sd: float, low: float, high: float) -> float:
    """1 − sd ÷ sd_max, where sd_max = (high − low) ÷ 2 is the largest spread the range allows.

    1 means every respondent gave the same answer; 0 means they split between the extremes.
    """
    if high <= low:
        return 1.0
    return max(0.0, 1.0 - sd / ((high - low) / 2))


def _dimension_score(
    rubric: Rubric,
    dimension: Node,
    value: float | None,
    coverage: float,
    consensus: float | None = None,
) -> DimensionScore:
    insufficient = value is None or coverage + 1e-9 < rubric.coverage_threshold
    score = None if insufficient else value
    return DimensionScore(
        key=dimension.key,
        score=score,
        level=rubric.level_for(score) if score is not None else None,
        index=rubric.index(score) if score is not None else None,
        coverage=coverage,
        insufficient_evidence=insufficient,
        consensus=consensus,
    )


def overall_withheld_reason(rubric: Rubric, dimensions: Mapping[str, DimensionScore]) -> str | None:
    """PRODUCT.md scoring 4: why there is no overall, when a weighted dimension has insufficient evidence.

    The mean of the other dimensions would pass off a partial picture as the whole; None when every
    dimension that carries weight is scored.
    """
    missing = [d.name for d in rubric.dimensions if d.weight > 0 and dimensions[d.key].insufficient_evidence]
    if not missing:
        return None
    names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return f"withheld: {names} {'has' if len(missing) == 1 else 'have'} insufficient evidence"


def _overall(rubric: Rubric, dimensions: Mapping[str, DimensionScore]) -> OverallScore:
    total_weight = sum(d.weight for d in rubric.dimensions)
    coverage = sum(d.weight * dimensions[d.key].coverage for d in rubric.dimensions) / total_weight
    reason = overall_withheld_reason(rubric, dimensions)
    score = None if reason else overall_value(rubric, {k: d.score for k, d in dimensions.items()})
    insufficient = score is None or coverage + 1e-9 < rubric.coverage_threshold
    return OverallScore(
        score=score,
        level=rubric.level_for(score) if score is not None else None,
        index=rubric.index(score) if score is not None else None,
        coverage=coverage,
        insufficient_evidence=insufficient,
        withheld=reason,
    )


# --- one respondent ---------------------------------------------------------------


def score_response(rubric: Rubric, answers: ResponseAnswers) -> RespondentScores:
    """PRODUCT.md scoring 2: each dimension's roll-up of one respondent's answered criteria.

    Coverage = answered weight ÷ the weight of the criteria addressed to the respondent's group.
    """
    values = {
        k: v
        for k, v in answers.values.items()
        if k in rubric.criterion_by_key and rubric.criterion_by_key[k].addressed_to(answers.group)
    }
    dimensions = {}
    for dimension in rubric.dimensions:
        shares = rubric.criterion_shares[dimension.key]
        addressed = answered = 0.0
        for key, share in shares.items():
            if rubric.criterion_by_key[key].addressed_to(answers.group):
                addressed += share
                if values.get(key) is not None:
                    answered += share
        coverage = answered / addressed if addressed else 0.0
        dimensions[dimension.key] = _dimension_score(rubric, dimension, node_value(rubric, dimension, values), coverage)
    return RespondentScores(dimensions=dimensions, overall=_overall(rubric, dimensions))


def answered_criteria(rubric: Rubric, answers: ResponseAnswers) -> list[str]:
    """The criteria a respondent gave a scored answer to (not "not applicable") among those addressed to
    their group: whose people they are among (PRODUCT.md: Anonymity rules)."""
    answered = []
    for key, value in answers.values.items():
        criterion = rubric.criterion_by_key.get(key)
        if value is not None and criterion and key in rubric.value_ranges and criterion.addressed_to(answers.group):
            answered.append(key)
    return answered


def nodes_answered(rubric: Rubric, answers: ResponseAnswers) -> frozenset[str]:
    """The keys of the nodes (dimensions and their sub-groups) holding a criterion of `answered_criteria`."""
    return frozenset(node for key in answered_criteria(rubric, answers) for node in rubric.nodes_of_criterion[key])


# --- an assessment --------------------------------------------------------------------

# Per (group, criterion): [answered, Σx, Σx², not applicable]
_Accumulator = dict[str, dict[str, list]]


@dataclass(frozen=True, slots=True)
class Tally:
    """What an assessment's scores depend on: per respondent group and criterion, [answered, Σx, Σx², not
    applicable], and the respondents of each group (those who answered nothing included).

    Built from how many gave each value (`from_value_counts`): from the responses by `tally`, or by the
    database from its grouped counts (`assessment.queries.load_tally`), without reading every answer. The
    sums are exactly rounded (`math.fsum`), so both give the same bits whatever order the answers come in.
    """

    per_group: _Accumulator
    counts: dict[str, int]

    @classmethod
    def from_value_counts(
        cls, value_counts: Mapping[str, Mapping[str, Mapping[float | None, int]]], counts: Mapping[str, int]
    ) -> Tally:
        """`value_counts`: group → criterion → value (None: "not applicable") → how many gave it."""
        per_group: _Accumulator = {}
        for group, criteria in value_counts.items():
            acc = per_group[group] = {}
            for key, given in criteria.items():
                values = [(value, n) for value, n in given.items() if value is not None and n]
                acc[key] = [
                    sum(n for _, n in values),
                    math.fsum(n * value for value, n in values),
                    math.fsum(n * value * value for value, n in values),
                    given.get(None, 0),
                ]
        return cls(per_group=per_group, counts=dict(counts))


def tally(responses: Iterable[ResponseAnswers]) -> Tally:
    value_counts: dict[str, dict[str, dict[float | None, int]]] = {}
    counts: dict[str, int] = {}
    for response in responses:
        group = response.group
        counts[group] = counts.get(group, 0) + 1
        acc = value_counts.get(group)
        if acc is None:
            acc = value_counts[group] = {}
        for key, value in response.values.items():
            given = acc.get(key)
            if given is None:
                given = acc[key] = {}
            given[value] = given.get(value, 0) + 1
    return Tally.from_value_counts(value_counts, counts)


def _aggregate_criteria(
    rubric: Rubric, per_group: _Accumulator, counts: Mapping[str, int], group_weighting: bool
) -> dict[str, CriterionAggregate]:
    result = {}
    dimension_of = rubric.dimension_of_criterion
    for criterion in rubric.scored_criteria:
        key = criterion.key
        # An answer to a question the respondent's group is not asked is ignored.
        slots = [(g, acc[key]) for g, acc in per_group.items() if key in acc and criterion.addressed_to(g)]
        answered = sum(s[0] for _, s in slots)
        not_applicable = sum(s[3] for _, s in slots)
        addressed = sum(n for g, n in counts.items() if criterion.addressed_to(g))
        mean = sd = consensus = None
        # Exactly rounded sums: the groups may come in any order.
        if answered:
            if group_weighting:
                answered_groups = [s for _, s in slots if s[0]]
                mean = math.fsum(s[1] / s[0] for s in answered_groups) / len(answered_groups)
                second = math.fsum(s[2] / s[0] for s in answered_groups) / len(answered_groups)
            else:
                mean = math.fsum(s[1] for _, s in slots) / answered
                second = math.fsum(s[2] for _, s in slots) / answered
            sd = math.sqrt(max(0.0, second - mean * mean))
            consensus = consensus_index(sd, *rubric.value_ranges[key])
        result[key] = CriterionAggregate(
            key=key,
            dimension=dimension_of[key],
            mean=mean,
            sd=sd,
            consensus=consensus,
            answered=answered,
            not_applicable=not_applicable,
            addressed=addressed,
        )
    return result


def _dimensions_from_criteria(rubric: Rubric, criteria: Mapping[str, CriterionAggregate]) -> dict[str, DimensionScore]:
    means = {k: c.mean for k, c in criteria.items()}
    dimensions = {}
    for dimension in rubric.dimensions:
        shares = rubric.criterion_shares[dimension.key]
        addressed = sum(share * criteria[k].addressed for k, share in shares.items())
        answered = sum(share * criteria[k].answered for k, share in shares.items())
        weighted = [(share, c) for k, share in shares.items() if (c := criteria[k].consensus) is not None]
        consensus = sum(s * c for s, c in weighted) / sum(s for s, _ in weighted) if weighted else None
        dimensions[dimension.key] = _dimension_score(
            rubric,
            dimension,
            node_value(rubric, dimension, means),
            answered / addressed if addressed else 0.0,
            consensus,
        )
    return dimensions


def node_scores(rubric: Rubric, criteria: Mapping[str, CriterionAggregate]) -> dict[str, NodeScore]:
    """Every inner node's score from the criterion scores, in rubric order (each dimension, then its
    sub-groups depth first), by the same roll-up, coverage rule and consensus weighting as a dimension's.

    A sub-group's coverage is its answered share of the weight of its own criteria addressed to anyone.
    """
    means = {k: c.mean for k, c in criteria.items()}
    result: dict[str, NodeScore] = {}

    def visit(node: Node, parent: str | None, depth: int, shares: Mapping[str, float]) -> None:
        own = {c.key for c in node.walk_criteria() if c.key in shares}
        addressed = sum(shares[k] * criteria[k].addressed for k in own)
        answered = sum(shares[k] * criteria[k].answered for k in own)
        weighted = [(shares[k], c) for k in own if (c := criteria[k].consensus) is not None]
        consensus = sum(s * c for s, c in weighted) / sum(s for s, _ in weighted) if weighted else None
        coverage = answered / addressed if addressed else 0.0
        value = node_value(rubric, node, means)
        insufficient = value is None or coverage + 1e-9 < rubric.coverage_threshold
        score = None if insufficient else value
        low, high = rubric.value_ranges[node.key]
        on_scale = depth == 1 or (low >= rubric.scale_min - 1e-9 and high <= rubric.scale_max + 1e-9)
        result[node.key] = NodeScore(
            key=node.key,
            parent=parent,
            depth=depth,
            score=score,
            level=rubric.level_for(score) if score is not None and on_scale else None,
            index=rubric.index(score) if score is not None and on_scale else None,
            coverage=coverage,
            insufficient_evidence=insufficient,
            consensus=consensus,
        )
        for group in node.groups:
            visit(group, node.key, depth + 1, shares)

    for dimension in rubric.dimensions:
        visit(dimension, None, 1, rubric.criterion_shares[dimension.key])
    return result


def score_assessment(
    rubric: Rubric,
    responses: Sequence[ResponseAnswers],
    *,
    group_weighting: bool = False,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> AssessmentScores:
    """PRODUCT.md scoring 3–6 over the submitted responses of one assessment (see `score_tally`)."""
    return score_tally(rubric, tally(responses), group_weighting=group_weighting, min_group_size=min_group_size)


def score_tally(
    rubric: Rubric,
    counted: Tally,
    *,
    group_weighting: bool = False,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> AssessmentScores:
    """PRODUCT.md scoring 3–6 from the tally of an assessment's submitted responses.

    Criterion score = mean over responses (or the mean of group means when `group_weighting`),
    with population standard deviation and consensus index; dimensions and overall roll up from
    criterion scores; coverage = answered weight ÷ addressed weight over all responses. Groups of
    fewer than `min_group_size` respondents are hidden.
    """
    per_group, counts = counted.per_group, counted.counts
    criteria = _aggregate_criteria(rubric, per_group, counts, group_weighting)
    dimensions = _dimensions_from_criteria(rubric, criteria)

    groups = []
    for group in [g.key for g in rubric.respondent_groups] + sorted(
        set(counts) - {g.key for g in rubric.respondent_groups}
    ):
        n = counts.get(group, 0)
        if not n:
            continue
        if n < min_group_size:
            groups.append(GroupScores(group=group, respondents=n, hidden=True, dimensions={}, overall=None))
            continue
        own = _aggregate_criteria(rubric, {group: per_group.get(group, {})}, {group: n}, False)
        own_dimensions = _dimensions_from_criteria(rubric, own)
        groups.append(
            GroupScores(
                group=group,
                respondents=n,
                hidden=False,
                dimensions={k: d.score for k, d in own_dimensions.items()},
                overall=_overall(rubric, own_dimensions).score,
            )
        )
    return AssessmentScores(
        respondents=sum(counts.values()),
        respondents_by_group=counts,
        group_weighting=group_weighting,
        criteria=criteria,
        dimensions=dimensions,
        overall=_overall(rubric, dimensions),
        groups=tuple(groups),
        perception_gaps=perception_gaps(rubric, groups),
        nodes=node_scores(rubric, criteria),
    )


def perception_gaps(rubric: Rubric, groups: Sequence[GroupScores]) -> tuple[PerceptionGap, ...]:
    """Per dimension, max − min of the visible groups' scores; significant from one level step up."""
    gaps = []
    for dimension in rubric.dimensions:
        scored = [
            (g.dimensions[dimension.key], g.group)
            for g in groups
            if not g.hidden and g.dimensions.get(dimension.key) is not None
        ]
        if len(scored) < 2:
            continue
        high, low = max(scored), min(scored)
        spread = high[0] - low[0]  # type: ignore[operator]
        gaps.append(
            PerceptionGap(
                dimension=dimension.key,
                spread=spread,
                highest_group=high[1],
                lowest_group=low[1],
                significant=spread + 1e-9 >= rubric.level_step,
            )
        )
    return tuple(gaps)
