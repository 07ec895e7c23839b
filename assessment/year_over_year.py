"""Year over year (PRODUCT.md scoring 8): an organisation's assessments compared by stable keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AssessmentSnapshot:
    """What a comparison needs of one assessment: its period, rubric version and scores by key."""

    assessment_id: int
    period: str
    rubric_key: str
    rubric_version: int
    overall: float | None
    dimensions: Mapping[str, float | None]
    criteria: Mapping[str, float | None]


@dataclass(frozen=True, slots=True)
class Delta:
    key: str
    previous: float | None
    current: float | None

    @property
    def change(self) -> float | None:
        if self.previous is None or self.current is None:
            return None
        return self.current - self.previous


@dataclass(frozen=True, slots=True)
class Comparison:
    previous: AssessmentSnapshot
    current: AssessmentSnapshot
    overall: Delta
    dimensions: tuple[Delta, ...]
    criteria: tuple[Delta, ...]
    rubric_changed: bool
    only_in_previous: tuple[str, ...]
    only_in_current: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Trend:
    """One dimension's score in every period, oldest first (None where it was not scored)."""

    key: str
    points: tuple[tuple[str, float | None], ...]


def compare(previous: AssessmentSnapshot, current: AssessmentSnapshot) -> Comparison:
    """Deltas by dimension and criterion key; keys that exist on one side only are listed, not dropped."""

    def deltas(before: Mapping[str, float | None], after: Mapping[str, float | None]) -> tuple[Delta, ...]:
        keys = [k for k in after if k in before]
        return tuple(Delta(key=k, previous=before[k], current=after[k]) for k in keys)

    only_before = [
        k
        for k in (*previous.dimensions, *previous.criteria)
        if k not in current.dimensions and k not in current.criteria
    ]
    only_after = [
        k
        for k in (*current.dimensions, *current.criteria)
        if k not in previous.dimensions and k not in previous.criteria
    ]
    return Comparison(
        previous=previous,
        current=current,
        overall=Delta(key="overall", previous=previous.overall, current=current.overall),
        dimensions=deltas(previous.dimensions, current.dimensions),
        criteria=deltas(previous.criteria, current.criteria),
        rubric_changed=(previous.rubric_key, previous.rubric_version) != (current.rubric_key, current.rubric_version),
        only_in_previous=tuple(only_before),
        only_in_current=tuple(only_after),
    )


def trends(snapshots: Sequence[AssessmentSnapshot]) -> tuple[Trend, ...]:
    """Every dimension key seen in any period, with its score per period in period order."""
    keys: list[str] = []
    for snapshot in snapshots:
        keys.extend(k for k in snapshot.dimensions if k not in keys)
    return tuple(Trend(key=key, points=tuple((s.period, s.dimensions.get(key)) for s in snapshots)) for key in keys)
