"""The roadmap document of an organisation with ten years of history against one with one year, old beside new.

Usage:
    DEBUG=1 .venv/bin/python bench/history.py                       # SQLite (a temporary file)
    DEBUG=1 .venv/bin/python bench/history.py --database-url postgres://postgres@127.0.0.1:5432/waypoint_bench

Sets up (not measured) one organisation with ten closed yearly assessments of 1,000 respondents each, one
with a single closed year of 1,000, and one with two closed years (for query counts). Then, alternating
run by run:
- new: `reports.document.build_roadmap_document` as it is: last year is read from its complete kept scores,
  the years before it (points on the trend) from the headline kept on their row;
- old: the same build with every year scored again from its answers, read with the default orderings
  answers and responses had (what the document did before scores were kept), by replacing the document's
  two readers of published scores with re-scoring ones in this script only.
Prints the medians, the ratio of 10 years to 1 year for each (target for new ≤ 1.1), the number of queries
of year over year (`published_history`) for 2 and 10 years (target: equal), and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from bench_data import default_rubric, open_assessment, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--respondents", type=int, default=1000, help="respondents per year")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    tmp = setup_django(args.database_url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessment import services
    from assessment.anonymity import published_history
    from assessment.models import Assessment
    from assessment.queries import assessments_with_evidence
    from organisations.models import Role
    from reports import document

    version = default_rubric()

    def organisation(name: str, years: int, respondents: int) -> Any:
        last = None
        for year in range(years):
            period = f"FY{2027 - years + year}"
            last = open_assessment(version, name, period, respondents, seed=year)
            services.close_assessment(assessment=last)
        assert last is not None
        return Assessment.objects.select_related("organisation__firm").get(pk=last.pk)

    many = organisation("Ten years", args.years, args.respondents)
    one = organisation("One year", 1, args.respondents)
    two = organisation("Two years", 2, 50)

    real = (document.published_scores, document.published_many, document.headline_snapshots)
    rescoring = (
        _rescored,
        lambda assessments, *, role: [_rescored(a, role=role) for a in assessments],
        lambda assessments, *, role: [None] * len(assessments),  # no kept headline: every year scored again
    )

    def build(assessment: Any, readers: tuple[Any, Any, Any]) -> float:
        document.published_scores, document.published_many, document.headline_snapshots = readers
        try:
            start = time.perf_counter()
            document.build_roadmap_document(assessment)
            return time.perf_counter() - start
        finally:
            document.published_scores, document.published_many, document.headline_snapshots = real

    for assessment in (many, one):  # warm: rubric cache, templates
        build(assessment, real)
    timings: dict[tuple[str, str], list[float]] = {(p, s): [] for p in ("new", "old") for s in ("10", "1")}
    for _ in range(args.runs):
        for path, readers in (("new", real), ("old", rescoring)):
            timings[(path, "10")].append(build(many, readers))
            timings[(path, "1")].append(build(one, readers))

    print(f"database: {connection.vendor}; {args.respondents:,} respondents a year; runs: {args.runs}")
    print(f"load average: {_load()}")
    for path in ("old", "new"):
        ten, single = statistics.median(timings[(path, "10")]), statistics.median(timings[(path, "1")])
        target = " (target ≤ 1.10)" if path == "new" else ""
        print(
            f"{path}: document build, {args.years} years {ten * 1000:.0f} ms, 1 year {single * 1000:.0f} ms, "
            f"ratio {ten / single:.2f}{target}"
        )

    counts: dict[tuple[str, int], int] = {}
    for years, org in ((2, two), (args.years, many)):
        assessments = assessments_with_evidence(org.organisation_id)
        with CaptureQueriesContext(connection) as new:
            published_history(assessments, role=Role.VIEWER)
        with CaptureQueriesContext(connection) as old:
            [_rescored(a, role=Role.VIEWER) for a in Assessment.objects.filter(pk__in=[a.pk for a in assessments])]
        counts[("new", years)] = len(new.captured_queries)
        counts[("old", years)] = len(old.captured_queries)
    for path in ("old", "new"):
        print(
            f"{path}: year over year queries, 2 years {counts[(path, 2)]}, {args.years} years "
            f"{counts[(path, args.years)]}" + (" (target: equal)" if path == "new" else "")
        )
    print(f"load average after: {_load()}")
    tmp.cleanup()


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _rescored(assessment: Any, *, role: str | None) -> Any:
    """The published scores of a closed assessment as they were worked out before scores were kept: its
    answers read with the old default orderings, scored, and withheld."""
    from scoring import _old_load

    from assessment.anonymity import (
        CLOSED,
        Published,
        count_people,
        min_respondents,
        suppression,
        withhold,
    )
    from assessment.scoring import score_assessment

    minimum = min_respondents()
    evidence = _old_load(assessment)
    rubric = evidence.rubric
    scores = score_assessment(
        rubric, evidence.responses, group_weighting=assessment.group_weighting, min_group_size=minimum
    )
    people = count_people(rubric, evidence.responses)
    hidden = suppression(rubric, scores, people, minimum)
    return Published(
        rubric=rubric,
        scores=withhold(rubric, scores, people, minimum, hidden),
        people=people,
        hidden=hidden,
        source=CLOSED,
        notice="",
        minimum=minimum,
    )


if __name__ == "__main__":
    main()
