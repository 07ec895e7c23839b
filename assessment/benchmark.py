"""The portfolio benchmark: where an organisation stands among a consultant's other clients.

Pure functions: the peers' scores come in as plain numbers, already anonymous.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Fewer peers than this and a percentile would all but name them: it is not shown.
MIN_PEERS = 5


@dataclass(frozen=True, slots=True)
class DimensionBenchmark:
    dimension: str
    score: float | None
    peers: int
    percentile: float | None
    peer_median: float | None


def percentile_rank(value: float, peers: Sequence[float]) -> float:
    """100 × (peers below + ½ × peers equal) ÷ peers: ties count half, so equal scores meet at the middle."""
    below = sum(1 for p in peers if p < value - 1e-9)
    equal = sum(1 for p in peers if abs(p - value) <= 1e-9)
    return 100 * (below + 0.5 * equal) / len(peers)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def benchmark(
    own: Mapping[str, float | None], peers: Sequence[Mapping[str, float | None]], dimensions: Sequence[str]
) -> tuple[DimensionBenchmark, ...]:
    """Each dimension's percentile rank among the peers that have a score for it.

    Withheld (percentile None) when the organisation has no score or fewer than MIN_PEERS peers do.
    """
    result = []
    for key in dimensions:
        values = [v for p in peers if (v := p.get(key)) is not None]
        score = own.get(key)
        shown = score is not None and len(values) >= MIN_PEERS
        result.append(
            DimensionBenchmark(
                dimension=key,
                score=score,
                peers=len(values),
                percentile=percentile_rank(score, values) if shown and score is not None else None,
                peer_median=median(values) if len(values) >= MIN_PEERS else None,
            )
        )
    return tuple(result)
