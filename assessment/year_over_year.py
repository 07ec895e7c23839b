"""Year over year (PRODUCT.md scoring 8): an organisation's assessments compared by stable keys.

A key of a later rubric version that declares `replaces: [old keys]` carries those keys' history: it is
compared with their scores, not listed as new. A dimension whose criteria were added or removed (beyond
such replacements) is compared, but marked "not like for like" with the criteria that changed.
Readers (API, PDF, overview) call `compare` on two snapshots built with `rubric_structure`, or
`counterparts` for the mapping alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assessment.rubric import Rubric


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
    # What the rubric version says (see `rubric_structure`): the keys each key replaces, and each
    # dimension's scored criteria. Empty when unknown: keys are then compared as they are.
    replaces: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dimension_criteria: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def rubric_structure(rubric: Rubric) -> dict[str, Any]:
    """The keyword arguments of `AssessmentSnapshot` that describe a rubric version's structure."""
    dimension_of = rubric.dimension_of_criterion
    criteria: dict[str, list[str]] = {d.key: [] for d in rubric.dimensions}
    for c in rubric.scored_criteria:
        criteria[dimension_of[c.key]].append(c.key)
    return {
        "replaces": dict(rubric.replacements),
        "dimension_criteria": {key: tuple(keys) for key, keys in criteria.items()},
    }


@dataclass(frozen=True, slots=True)
class Delta:
    key: str
    previous: float | None
    current: float | None
    # The previous assessment's keys this key is compared with: itself, or the keys it replaces.
    previous_keys: tuple[str, ...] = ()

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
    dimension_changes: tuple[DimensionChange, ...] = ()

    @property
    def like_for_like(self) -> bool:
        """False when any dimension's criteria changed, or a dimension exists on one side only."""
        dimension_keys = {*self.previous.dimensions, *self.current.dimensions}
        one_sided = any(k in dimension_keys for k in (*self.only_in_previous, *self.only_in_current))
        return not one_sided and all(d.like_for_like for d in self.dimension_changes)


@dataclass(frozen=True, slots=True)
class DimensionChange:
    """A compared dimension's criteria, previous against current: `added` are criteria of the current
    dimension with no counterpart in the previous one, `removed` criteria of the previous one that
    nothing in the current one carries on."""

    key: str
    previous_keys: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def like_for_like(self) -> bool:
        return not self.added and not self.removed


@dataclass(frozen=True, slots=True)
class Trend:
    """One dimension's score in every period, oldest first (None where it was not scored)."""

    key: str
    points: tuple[tuple[str, float | None], ...]


def chain_replacements(steps: Sequence[Mapping[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    """The `replaces` of several consecutive versions (oldest step first) composed into one: each key of
    the last version with every older key it descends from, nearest first. For a comparison that skips
    versions (v1 against v3, where v3 replaces v2's keys and v2 replaced v1's)."""
    composed: dict[str, tuple[str, ...]] = {}
    for step in steps:
        taken_over = {old for olds in step.values() for old in olds}
        following: dict[str, tuple[str, ...]] = {
            key: ancestors for key, ancestors in composed.items() if key not in taken_over
        }
        for key, olds in step.items():
            chain = list(olds)
            for old in olds:
                chain.extend(k for k in composed.get(old, ()) if k not in chain)
            following[key] = tuple(chain)
        composed = following
    return composed


def counterparts(previous: AssessmentSnapshot, current: AssessmentSnapshot) -> dict[str, tuple[str, ...]]:
    """Each current dimension or criterion key that has a history in `previous`, with the previous keys
    it is compared with: the same key, or else those of the keys it `replaces` that `previous` has."""
    before = {*previous.dimensions, *previous.criteria}
    result: dict[str, tuple[str, ...]] = {}
    for key in (*current.dimensions, *current.criteria):
        if key in before:
            result[key] = (key,)
        elif old := tuple(k for k in current.replaces.get(key, ()) if k in before):
            result[key] = old
    return result


def compare(previous: AssessmentSnapshot, current: AssessmentSnapshot) -> Comparison:
    """Deltas by dimension and criterion key, following replaced keys; keys that exist on one side only are
    listed, not dropped. A key that replaces several (a merge) is compared with the mean of their scores."""
    mapping = counterparts(previous, current)

    def deltas(before: Mapping[str, float | None], after: Mapping[str, float | None]) -> tuple[Delta, ...]:
        result = []
        for key, value in after.items():
            old = tuple(k for k in mapping.get(key, ()) if k in before)
            if not old:
                continue
            scores = [before[k] for k in old if before[k] is not None]
            earlier = None if not scores else scores[0] if len(old) == 1 else fmean(scores)  # type: ignore[arg-type]
            result.append(Delta(key=key, previous=earlier, current=value, previous_keys=old))
        return tuple(result)

    carried = {old for keys in mapping.values() for old in keys}
    only_before = [k for k in (*previous.dimensions, *previous.criteria) if k not in carried]
    only_after = [k for k in (*current.dimensions, *current.criteria) if k not in mapping]
    return Comparison(
        previous=previous,
        current=current,
        overall=Delta(key="overall", previous=previous.overall, current=current.overall),
        dimensions=deltas(previous.dimensions, current.dimensions),
        criteria=deltas(previous.criteria, current.criteria),
        rubric_changed=(previous.rubric_key, previous.rubric_version) != (current.rubric_key, current.rubric_version),
        only_in_previous=tuple(only_before),
        only_in_current=tuple(only_after),
        dimension_changes=_dimension_changes(previous, current, mapping),
    )


def _dimension_changes(
    previous: AssessmentSnapshot, current: AssessmentSnapshot, mapping: Mapping[str, tuple[str, ...]]
) -> tuple[DimensionChange, ...]:
    if not previous.dimension_criteria or not current.dimension_criteria:
        return ()
    changes = []
    for key in current.dimensions:
        old_dimensions = tuple(k for k in mapping.get(key, ()) if k in previous.dimension_criteria)
        if not old_dimensions:
            continue
        before = [c for d in old_dimensions for c in previous.dimension_criteria[d]]
        after = current.dimension_criteria.get(key, ())
        carried = {old for c in after for old in mapping.get(c, ()) if old in before}
        changes.append(
            DimensionChange(
                key=key,
                previous_keys=old_dimensions,
                added=tuple(c for c in after if not any(old in before for old in mapping.get(c, ()))),
                removed=tuple(c for c in before if c not in carried),
            )
        )
    return tuple(changes)


def trends(snapshots: Sequence[AssessmentSnapshot]) -> tuple[Trend, ...]:
    """Every dimension key seen in any period, with its score per period in period order. A dimension
    that a later period's rubric says `replaces` an earlier key is one line under its latest key."""
    successor: dict[str, str] = {}
    for snapshot in snapshots:
        for key in snapshot.dimensions:
            for old in snapshot.replaces.get(key, ()):
                if old != key:
                    successor.setdefault(old, key)

    def latest(key: str) -> str:
        seen = {key}
        while key in successor and successor[key] not in seen:
            key = successor[key]
            seen.add(key)
        return key

    keys: list[str] = []
    for snapshot in snapshots:
        keys.extend(latest(k) for k in snapshot.dimensions if latest(k) not in keys)

    def score(snapshot: AssessmentSnapshot, key: str) -> float | None:
        values = [v for k, v in snapshot.dimensions.items() if latest(k) == key and v is not None]
        return values[0] if len(values) == 1 else fmean(values) if values else None

    return tuple(Trend(key=key, points=tuple((s.period, score(s, key)) for s in snapshots)) for key in keys)


def in_current_keys(previous: AssessmentSnapshot, current: AssessmentSnapshot) -> AssessmentSnapshot:
    """`previous` with its scores under `current`'s keys, following `replaces` (a merge: the mean of the
    keys merged), for pages that look each key of this year up in last year's scores. Keys with no
    counterpart are left out: `compare` lists them."""
    mapping = counterparts(previous, current)

    def rekeyed(before: Mapping[str, float | None], keys: Iterable[str]) -> dict[str, float | None]:
        result: dict[str, float | None] = {}
        for key in keys:
            old = [k for k in mapping.get(key, ()) if k in before]
            if not old:
                continue
            scores = [score for k in old if (score := before[k]) is not None]
            result[key] = None if not scores else scores[0] if len(old) == 1 else fmean(scores)
        return result

    return dataclasses.replace(
        previous,
        dimensions=rekeyed(previous.dimensions, current.dimensions),
        criteria=rekeyed(previous.criteria, current.criteria),
    )
