"""Load + score an assessment of 1,000 and of 50,000 submitted respondents × the default rubric, old beside new.

Usage:
    DEBUG=1 .venv/bin/python bench/scoring.py                       # SQLite (a temporary file)
    DEBUG=1 .venv/bin/python bench/scoring.py --database-url postgres://postgres@127.0.0.1:5432/waypoint_bench

In one run, for each size, alternating run by run:
- old: the answers read as they were when Answer and Response had a default ordering (the same query with
  that ordering applied explicitly: three joins and a sort of every answer), then scored;
- new: `load_evidence` as it is (no ORDER BY, no join; the answers filtered by a subquery on the counted
  responses), then scored;
- ids: the answers filtered by the list of response ids already fetched instead of the subquery (the
  alternative `load_evidence` could take), then scored.
Prints the medians, the CPU time of this process per respondent (`time.process_time`, a proxy for
instructions: the target is the same figure at both sizes, ±10%), pure scoring, and the load average.
Targets: load + score of 50,000 on PostgreSQL ≤ 1.0 s; CPU per respondent at 50,000 within ±10% of 1,000.
The data is written in bulk (not measured).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench_data import default_rubric, open_assessment, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--respondents", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    tmp = setup_django(args.database_url)
    from django.db import connection

    version = default_rubric()
    sizes = {n: open_assessment(version, f"Bench {n}", "FY2026", n) for n in (args.small, args.respondents)}

    from assessment.queries import load_evidence, load_rubric
    from assessment.scoring import score_assessment

    load_rubric(version)  # built once per process, as in a running server
    paths: dict[str, Callable[[Any], Any]] = {"old": _old_load, "new": load_evidence, "ids": _ids_load}
    print(f"database: {connection.vendor}; runs: {args.runs}; load average before: {_load()}")
    print(f"{'respondents':>11} {'path':>4} {'load + score':>13} {'CPU/respondent':>15} {'answers':>9}")
    results: dict[tuple[int, str], tuple[float, float]] = {}
    for n, assessment in sizes.items():
        wall: dict[str, list[float]] = {p: [] for p in paths}
        cpu: dict[str, list[float]] = {p: [] for p in paths}
        pure = []
        for _ in range(args.runs):
            for name, load in paths.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                evidence = load(assessment)
                scores = score_assessment(evidence.rubric, evidence.responses)
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
                assert scores.respondents == n
            start = time.perf_counter()
            score_assessment(evidence.rubric, evidence.responses)
            pure.append(time.perf_counter() - start)
        answers = sum(len(r.values) for r in evidence.responses)
        for name in paths:
            results[(n, name)] = (statistics.median(wall[name]), statistics.median(cpu[name]) / n)
            w, c = results[(n, name)]
            print(f"{n:>11,} {name:>4} {w * 1000:>10.0f} ms {c * 1e6:>12.1f} µs {answers:>9,}")
        print(f"{n:>11,} pure scoring {statistics.median(pure) * 1000:.0f} ms")
    small, large = args.small, args.respondents
    for name in paths:
        ratio = results[(large, name)][1] / results[(small, name)][1]
        print(f"{name}: CPU per respondent {large:,} ÷ {small:,} = {ratio:.2f} (target 0.90–1.10)")
    for name in ("new", "ids"):
        speedup = results[(large, "old")][0] / results[(large, name)][0]
        print(f"{name} vs old at {large:,}: {speedup:.2f}× faster ({results[(large, name)][0]:.2f} s; target ≤ 1.0 s)")
    print(f"load average after: {_load()}")
    tmp.cleanup()


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _old_load(assessment: Any) -> Any:
    """`load_evidence` as it read before: the same queries with the default orderings Response and Answer
    had (Response: assessment, id; Answer: response, id, each following its parent's ordering)."""
    from assessment import models
    from assessment.queries import Evidence, load_rubric
    from assessment.scoring import ResponseAnswers

    loaded = load_rubric(assessment.rubric_version)
    responses = models.Response.objects.filter(assessment=assessment).counted()
    group_by_response = dict(responses.order_by("assessment", "id").values_list("id", "group"))
    values: dict[int, dict[str, float | None]] = {rid: {} for rid in group_by_response}
    key_of = loaded.criterion_key_by_id
    option_value = {oid: value for oid, (_, _, value) in loaded.option_by_id.items()}
    rows = (
        models.Answer.objects.filter(response__in=responses.order_by())
        .order_by("response__assessment", "response__id", "id")
        .values_list("response_id", "criterion_id", "option_id", "not_applicable")
    )
    for response_id, criterion_id, option_id, not_applicable in rows.iterator(chunk_size=5000):
        if option_id is not None:
            values[response_id][key_of[criterion_id]] = option_value[option_id]
        elif not_applicable:
            values[response_id][key_of[criterion_id]] = None
    return Evidence(
        loaded=loaded,
        responses=tuple(ResponseAnswers(group=group_by_response[rid], values=v) for rid, v in values.items()),
    )


def _ids_load(assessment: Any) -> Any:
    """`load_evidence` with the answers filtered by the ids of the responses already read."""
    from assessment import models
    from assessment.queries import Evidence, load_rubric
    from assessment.scoring import ResponseAnswers

    loaded = load_rubric(assessment.rubric_version)
    group_by_response = dict(models.Response.objects.filter(assessment=assessment).counted().values_list("id", "group"))
    values: dict[int, dict[str, float | None]] = {rid: {} for rid in group_by_response}
    key_of = loaded.criterion_key_by_id
    option_value = {oid: value for oid, (_, _, value) in loaded.option_by_id.items()}
    rows = models.Answer.objects.filter(response_id__in=list(group_by_response)).values_list(
        "response_id", "criterion_id", "option_id", "not_applicable"
    )
    for response_id, criterion_id, option_id, not_applicable in rows.iterator(chunk_size=5000):
        if option_id is not None:
            values[response_id][key_of[criterion_id]] = option_value[option_id]
        elif not_applicable:
            values[response_id][key_of[criterion_id]] = None
    return Evidence(
        loaded=loaded,
        responses=tuple(ResponseAnswers(group=group_by_response[rid], values=v) for rid, v in values.items()),
    )


if __name__ == "__main__":
    main()
