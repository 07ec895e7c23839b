"""Targets and the roadmap (PRODUCT.md scoring 7), as pure functions over frozen dataclasses."""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass

from assessment.rubric import HORIZONS, Recommendation, Rubric


@dataclass(frozen=True, slots=True)
class TargetGap:
    dimension: str
    current_level: int | None
    target_level: int
    gap: int | None


@dataclass(frozen=True, slots=True)
class RoadmapItem:
    recommendation: Recommendation
    dimension: str
    gap: int
    priority: float
    horizon: str
    rank: int


@dataclass(frozen=True, slots=True)
class Horizon:
    key: str
    items: tuple[RoadmapItem, ...]


@dataclass(frozen=True, slots=True)
class Roadmap:
    horizons: tuple[Horizon, ...]
    skipped_dimensions: tuple[str, ...]

    @property
    def items(self) -> tuple[RoadmapItem, ...]:
        return tuple(sorted((i for h in self.horizons for i in h.items), key=lambda i: i.rank))


def target_gaps(levels: Mapping[str, int | None], targets: Mapping[str, int]) -> dict[str, TargetGap]:
    """Gap to target = target level − current level, never below zero; None without a level."""
    return {
        key: TargetGap(
            dimension=key,
            current_level=levels.get(key),
            target_level=target,
            gap=None if levels.get(key) is None else max(0, target - levels[key]),  # type: ignore[operator]
        )
        for key, target in targets.items()
    }


def percent_to_target(gaps: Mapping[str, TargetGap]) -> float | None:
    """1 − Σgap ÷ Σtarget over the dimensions that have both a level and a target."""
    known = [g for g in gaps.values() if g.gap is not None]
    total_target = sum(g.target_level for g in known)
    if not total_target:
        return None
    return 1 - sum(g.gap for g in known) / total_target  # type: ignore[misc]


def progress_to_date(current: float | None, baseline: float | None, target: float) -> float | None:
    """(current − baseline) ÷ (target − baseline); None when undefined (no baseline, or target = baseline)."""
    if current is None or baseline is None or target == baseline:
        return None
    return (current - baseline) / (target - baseline)


def priority(gap: int, dimension_weight: float, impact: int, effort: int) -> float:
    """PRODUCT.md scoring 7: a roadmap item's priority = gap × dimension weight × impact ÷ effort."""
    return gap * dimension_weight * impact / effort


def build_roadmap(rubric: Rubric, levels: Mapping[str, int | None], targets: Mapping[str, int]) -> Roadmap:
    """The recommendations for every step between current and target level, prioritised.

    Ordered by priority (highest first; ties by step, then key), with every recommendation's
    dependencies placed before it, and no item in an earlier horizon than a dependency of it.
    A dependency that is not part of the roadmap counts as already in place.
    """
    skipped = []
    candidates: dict[str, RoadmapItem] = {}
    for dimension in rubric.dimensions:
        target = targets.get(dimension.key)
        if target is None:
            continue
        current = levels.get(dimension.key)
        if current is None:
            skipped.append(dimension.key)
            continue
        gap = target - current
        if gap <= 0:
            continue
        for rec in dimension.recommendations:
            if current <= rec.from_level < target:
                candidates[rec.key] = RoadmapItem(
                    recommendation=rec,
                    dimension=dimension.key,
                    gap=gap,
                    priority=priority(gap, dimension.weight, rec.impact, rec.effort),
                    horizon=rec.horizon,
                    rank=0,
                )

    def sort_key(item: RoadmapItem) -> tuple:
        return (-item.priority, item.recommendation.from_level, item.recommendation.key)

    # Kahn's algorithm with a priority queue: the best ready item goes next.
    waiting = {k: {d for d in i.recommendation.depends_on if d in candidates} for k, i in candidates.items()}
    dependants: dict[str, list[str]] = {k: [] for k in candidates}
    for key, deps in waiting.items():
        for dep in deps:
            dependants[dep].append(key)
    ready = [(sort_key(i), k) for k, i in candidates.items() if not waiting[k]]
    heapq.heapify(ready)
    ordered: list[RoadmapItem] = []
    horizon_of: dict[str, str] = {}
    while ready:
        _, key = heapq.heappop(ready)
        item = candidates[key]
        horizon = max(
            [item.horizon, *(horizon_of[d] for d in item.recommendation.depends_on if d in horizon_of)],
            key=HORIZONS.index,
        )
        horizon_of[key] = horizon
        ordered.append(
            RoadmapItem(
                recommendation=item.recommendation,
                dimension=item.dimension,
                gap=item.gap,
                priority=item.priority,
                horizon=horizon,
                rank=len(ordered) + 1,
            )
        )
        for dependant in dependants[key]:
            waiting[dependant].discard(key)
            if not waiting[dependant]:
                heapq.heappush(ready, (sort_key(candidates[dependant]), dependant))
    return Roadmap(
        horizons=tuple(Horizon(key=h, items=tuple(i for i in ordered if i.horizon == h)) for h in HORIZONS),
        skipped_dimensions=tuple(skipped),
    )
