"""The self-assessment's results page, decided in pure functions: levels, gaps and first actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assessment.charts import RadarChart, keyed_radar_chart
from assessment.roadmap import build_roadmap
from assessment.rubric import Level, Recommendation, Rubric
from assessment.scoring import OverallScore, RespondentScores


@dataclass(frozen=True)
class DimensionResult:
    key: str
    name: str
    score: float | None
    level: Level | None  # None: too few answers to score the dimension
    descriptor: str
    target: int | None


@dataclass(frozen=True)
class Gap:
    """A dimension below its aim: the target, or the top level when no targets are set."""

    key: str
    name: str
    level: Level
    aim: int
    steps: int
    actions: tuple[Recommendation, ...]


@dataclass(frozen=True)
class Results:
    overall: OverallScore
    dimensions: tuple[DimensionResult, ...]
    gaps: tuple[Gap, ...]
    chart: RadarChart
    aims_are_targets: bool


def biggest_gaps(
    rubric: Rubric,
    levels: Mapping[str, int | None],
    aims: Mapping[str, int],
    *,
    count: int = 3,
    actions: int = 2,
) -> tuple[Gap, ...]:
    """The `count` dimensions furthest below their aim (ties: heavier dimension, then rubric order).

    Each with its first `actions` recommendations in roadmap order (PRODUCT.md scoring 7), those
    that take it out of its current level first: the next step before the ones after it.
    """
    roadmap = build_roadmap(rubric, levels, aims)
    order = {d.key: i for i, d in enumerate(rubric.dimensions)}
    below = []
    for dimension in rubric.dimensions:
        level, aim = levels.get(dimension.key), aims.get(dimension.key)
        if level is None or aim is None or aim <= level:
            continue
        below.append((-(aim - level), -dimension.weight, order[dimension.key], dimension))
    gaps = []
    for _, _, _, dimension in sorted(below, key=lambda t: t[:3])[:count]:
        level = levels[dimension.key]
        assert level is not None
        items = [i.recommendation for i in roadmap.items if i.dimension == dimension.key]
        next_step = [r for r in items if r.from_level == level]
        first = tuple([*next_step, *(r for r in items if r.from_level != level)][:actions])
        gaps.append(
            Gap(
                key=dimension.key,
                name=dimension.name,
                level=rubric.level_named(level),
                aim=aims[dimension.key],
                steps=aims[dimension.key] - level,
                actions=first,
            )
        )
    return tuple(gaps)


def self_assessment_results(rubric: Rubric, scores: RespondentScores, targets: Mapping[str, int]) -> Results:
    """Everything the results page shows, from one respondent's scores and the assessment's targets."""
    levels = {key: (d.level.value if d.level else None) for key, d in scores.dimensions.items()}
    aims = dict(targets) if targets else {d.key: rubric.scale_max for d in rubric.dimensions}
    dimensions = []
    for node in rubric.dimensions:
        score = scores.dimensions[node.key]
        descriptor = ""
        if score.level is not None and node.levels:
            position = [lv.value for lv in rubric.scale].index(score.level.value)
            descriptor = node.levels[position] if position < len(node.levels) else ""
        dimensions.append(
            DimensionResult(
                key=node.key,
                name=node.name,
                score=score.score,
                level=score.level,
                descriptor=descriptor,
                target=targets.get(node.key),
            )
        )
    chart = keyed_radar_chart(
        [d.score for d in dimensions],
        [d.target for d in dimensions],
        name="Your answers",
        levels=[(lv.value, lv.name) for lv in rubric.scale],
        title="Your maturity by dimension",
    )
    return Results(
        overall=scores.overall,
        dimensions=tuple(dimensions),
        gaps=biggest_gaps(rubric, levels, aims),
        chart=chart,
        aims_are_targets=bool(targets),
    )
