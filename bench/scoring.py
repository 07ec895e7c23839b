"""Load + score an assessment of 1,000 and of 50,000 submitted respondents × the default rubric, old beside new.

Usage:
    DEBUG=1 .venv/bin/python bench/scoring.py                       # SQLite (a temporary file)
    DEBUG=1 .venv/bin/python bench/scoring.py --database-url postgres://postgres@127.0.0.1:5432/waypoint_bench

In one run, for each size, alternating run by run:
- old: the answers read as they were when Answer and Response had a default ordering (the same query with
  that ordering applied explicitly: three joins and a sort of every answer), then scored;
- answers: every answer read into Python (`load_evidence`: no ORDER BY, no join), then scored
  (`score_assessment`): what scoring did before the database tallied the answers;
- tally: the database counts the answers per group, criterion and option (`load_tally`), then scored
  (`score_tally`): what every scoring of an assessment does now;
- tally+people: `anonymity.score_counted`, the tally with the people behind each figure counted from the
  nodes kept on each response: the whole work of closing an assessment or taking a snapshot.
Every path's scores are checked equal to the `answers` path's.
Prints the medians, the CPU time per respondent of this process and of its database connection's
backend (read from /proc when the database runs on this machine; measured in a separate serial run,
`max_parallel_workers_per_gather = 0`, so that no parallel worker's CPU is missed), and the load average.
Targets: load + score of 50,000 on PostgreSQL ≤ 1.0 s; CPU per respondent at 50,000 within ±10% of 1,000.
The data is written in bulk (not measured).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
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

    from assessment.anonymity import score_counted
    from assessment.queries import load_evidence, load_rubric, load_tally
    from assessment.scoring import score_assessment, score_tally

    load_rubric(version)  # built once per process, as in a running server

    def answers(assessment: Any) -> Any:
        evidence = load_evidence(assessment)
        return score_assessment(evidence.rubric, evidence.responses)

    def old(assessment: Any) -> Any:
        evidence = _old_load(assessment)
        return score_assessment(evidence.rubric, evidence.responses)

    def tally(assessment: Any) -> Any:
        loaded, counted = load_tally(assessment)
        return score_tally(loaded.rubric, counted)

    def tally_people(assessment: Any) -> Any:
        return score_counted(assessment)[1]

    paths: dict[str, Callable[[Any], Any]] = {
        "old": old,
        "answers": answers,
        "tally": tally,
        "tally+people": tally_people,
    }
    backend = _backend_cpu(connection)
    print(f"database: {connection.vendor}; runs: {args.runs}; load average before: {_load()}")
    if backend is None:
        print("(the database's CPU is not read: it does not run on this machine; CPU is this process's alone)")
    print(f"{'respondents':>11} {'path':>12} {'load + score':>13} {'CPU/respondent':>15}")
    results: dict[tuple[int, str], tuple[float, float]] = {}
    for n, assessment in sizes.items():
        tally_people(assessment)  # the nodes of responses written straight to the table, kept once
        expected = answers(assessment)
        wall: dict[str, list[float]] = {p: [] for p in paths}
        for _ in range(args.runs):
            for name, run in paths.items():
                start = time.perf_counter()
                scores = run(assessment)
                wall[name].append(time.perf_counter() - start)
                assert scores.respondents == n
                assert name == "old" or scores == expected, f"{name} scored differently"
        cpu = {
            name: statistics.median(_serial_cpu(connection, run, assessment, backend) for _ in range(args.runs))
            for name, run in paths.items()
        }
        for name in paths:
            results[(n, name)] = (statistics.median(wall[name]), cpu[name] / n)
            w, c = results[(n, name)]
            print(f"{n:>11,} {name:>12} {w * 1000:>10.0f} ms {c * 1e6:>12.1f} µs")
    small, large = args.small, args.respondents
    for name in paths:
        ratio = results[(large, name)][1] / results[(small, name)][1]
        print(f"{name}: CPU per respondent {large:,} ÷ {small:,} = {ratio:.2f} (target 0.90–1.10)")
    for name in ("answers", "tally", "tally+people"):
        speedup = results[(large, "old")][0] / results[(large, name)][0]
        print(f"{name} vs old at {large:,}: {speedup:.2f}× faster ({results[(large, name)][0]:.2f} s; target ≤ 1.0 s)")
    print(f"load average after: {_load()}")
    tmp.cleanup()


def _backend_cpu(connection: Any) -> Callable[[], float] | None:
    """The CPU seconds used so far by this connection's PostgreSQL backend, when it runs on this machine."""
    if connection.vendor != "postgresql":
        return lambda: 0.0  # SQLite runs in this process: its CPU is already in process_time
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return read


def _serial_cpu(
    connection: Any, run: Callable[[Any], Any], assessment: Any, backend: Callable[[], float] | None
) -> float:
    """The CPU of one run, this process's and its backend's, with the database's parallel workers off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    start_cpu, start_backend = time.process_time(), backend() if backend else 0.0
    run(assessment)
    used = time.process_time() - start_cpu + ((backend() - start_backend) if backend else 0.0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("RESET max_parallel_workers_per_gather")
    return used


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


if __name__ == "__main__":
    main()
