"""The kept form of an assessment's scores: `AssessmentScores` and the people behind each figure, as JSON.

A closed assessment (and each published snapshot of an open one) is scored once and kept in this form;
reading it back gives dataclasses equal to the ones scored, field for field. Floats survive JSON exactly
(Python writes the shortest text that reads back to the same float). Mappings are kept as lists of pairs
because a JSON object's key order is not kept by every database (PostgreSQL's jsonb sorts keys), and
the order of dimensions, criteria and groups is the order pages show them in.

Fields added since (the sub-group scores `nodes`, the overall's withheld reason, the people per node) leave
the format as it was: a row kept without them is read with them worked out from what it kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessment.rubric import Level, Rubric
from assessment.scoring import (
    AssessmentScores,
    CriterionAggregate,
    DimensionScore,
    GroupScores,
    NodeScore,
    OverallScore,
    PerceptionGap,
    node_scores,
    overall_withheld_reason,
)

FORMAT = 1

Pairs = list[list[Any]]


def _pairs(mapping: Mapping[str, Any]) -> Pairs:
    return [[key, value] for key, value in mapping.items()]


def _mapping(pairs: Pairs) -> dict[str, Any]:
    return dict(pairs)


def _level(level: Level | None) -> list[Any] | None:
    return None if level is None else [level.value, level.name]


def _read_level(kept: list[Any] | None) -> Level | None:
    return None if kept is None else Level(value=kept[0], name=kept[1])


def encode_scores(scores: AssessmentScores) -> dict[str, Any]:
    """Scores as plain JSON (see the module's note on order)."""
    overall = scores.overall
    return {
        "respondents": scores.respondents,
        "respondents_by_group": _pairs(scores.respondents_by_group),
        "group_weighting": scores.group_weighting,
        "criteria": [
            [c.key, c.dimension, c.mean, c.sd, c.consensus, c.answered, c.not_applicable, c.addressed]
            for c in scores.criteria.values()
        ],
        "dimensions": [
            [d.key, d.score, _level(d.level), d.index, d.coverage, d.insufficient_evidence, d.consensus]
            for d in scores.dimensions.values()
        ],
        "overall": [
            overall.score,
            _level(overall.level),
            overall.index,
            overall.coverage,
            overall.insufficient_evidence,
            overall.withheld,
        ],
        "nodes": [
            [
                n.key,
                n.parent,
                n.depth,
                n.score,
                _level(n.level),
                n.index,
                n.coverage,
                n.insufficient_evidence,
                n.consensus,
            ]
            for n in scores.nodes.values()
        ],
        "groups": [[g.group, g.respondents, g.hidden, _pairs(g.dimensions), g.overall] for g in scores.groups],
        "perception_gaps": [
            [p.dimension, p.spread, p.highest_group, p.lowest_group, p.significant] for p in scores.perception_gaps
        ],
    }


def decode_scores(kept: Mapping[str, Any], rubric: Rubric | None = None) -> AssessmentScores:
    """The scores `encode_scores` wrote, equal to the ones it was given.

    Rows kept before sub-group scores and the withheld overall were kept have neither: given the rubric,
    the node scores are rolled up again from the kept criterion scores (the same figures scoring gives)
    and an overall a weighted dimension without evidence should have withheld is withheld.
    """
    criteria = {}
    for key, dimension, mean, sd, consensus, answered, not_applicable, addressed in kept["criteria"]:
        criteria[key] = CriterionAggregate(
            key=key,
            dimension=dimension,
            mean=mean,
            sd=sd,
            consensus=consensus,
            answered=answered,
            not_applicable=not_applicable,
            addressed=addressed,
        )
    dimensions = {}
    for key, score, level, index, coverage, insufficient, consensus in kept["dimensions"]:
        dimensions[key] = DimensionScore(
            key=key,
            score=score,
            level=_read_level(level),
            index=index,
            coverage=coverage,
            insufficient_evidence=insufficient,
            consensus=consensus,
        )
    score, level, index, coverage, insufficient, *rest = kept["overall"]
    withheld = rest[0] if rest else None
    if not rest and rubric is not None and (withheld := overall_withheld_reason(rubric, dimensions)):
        score = level = index = None
        insufficient = True
    if "nodes" in kept:
        nodes = {
            row[0]: NodeScore(
                key=row[0],
                parent=row[1],
                depth=row[2],
                score=row[3],
                level=_read_level(row[4]),
                index=row[5],
                coverage=row[6],
                insufficient_evidence=row[7],
                consensus=row[8],
            )
            for row in kept["nodes"]
        }
    else:
        nodes = node_scores(rubric, criteria) if rubric is not None else {}
    return AssessmentScores(
        respondents=kept["respondents"],
        respondents_by_group=_mapping(kept["respondents_by_group"]),
        group_weighting=kept["group_weighting"],
        criteria=criteria,
        dimensions=dimensions,
        overall=OverallScore(
            score=score,
            level=_read_level(level),
            index=index,
            coverage=coverage,
            insufficient_evidence=insufficient,
            withheld=withheld,
        ),
        groups=tuple(
            GroupScores(group=group, respondents=n, hidden=hidden, dimensions=_mapping(values), overall=group_overall)
            for group, n, hidden, values, group_overall in kept["groups"]
        ),
        perception_gaps=tuple(
            PerceptionGap(dimension=d, spread=spread, highest_group=high, lowest_group=low, significant=significant)
            for d, spread, high, low, significant in kept["perception_gaps"]
        ),
        nodes=nodes,
    )


PEOPLE_FIELDS = ("dimensions", "criteria", "groups", "group_overall", "nodes")


def encode_people(people: Any) -> dict[str, Any]:
    """`anonymity.People` as plain JSON."""
    return {
        "overall": people.overall,
        **{name: _pairs(getattr(people, name)) for name in PEOPLE_FIELDS},
        "group_dimensions": [[group, _pairs(counts)] for group, counts in people.group_dimensions.items()],
    }


def decode_people_fields(kept: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `anonymity.People` that `encode_people` wrote."""
    return {
        "overall": kept["overall"],
        **{name: _mapping(kept[name]) for name in PEOPLE_FIELDS if name in kept},
        "group_dimensions": {group: _mapping(counts) for group, counts in kept["group_dimensions"]},
    }


def encode(scores: AssessmentScores, people: Any) -> dict[str, Any]:
    """The kept form of scores (of every group, however small) and their people."""
    return {"format": FORMAT, "scores": encode_scores(scores), "people": encode_people(people)}


def readable(kept: Any) -> bool:
    """Is this a kept form this code can read (not missing, not of another format)?"""
    return isinstance(kept, Mapping) and kept.get("format") == FORMAT
