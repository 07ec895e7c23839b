"""Load + score an assessment of 1,000 submitted respondents × the default rubric.

Usage:
    DEBUG=1 .venv/bin/python bench/scoring.py                       # SQLite (a temporary file)
    DEBUG=1 .venv/bin/python bench/scoring.py --database-url postgres://postgres@127.0.0.1:5432/waypoint_bench

Reports the median of several runs of (a) loading the evidence and scoring it, and (b) the pure
scoring alone, in respondents per second. Targets: load + score ≤ 0.5 s; pure scoring ≥ 20,000/s.
The data is set up with bulk inserts (not measured); the measured path is the production one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        _recreate_postgres_database(args.database_url)
    call_command("migrate", verbosity=0)
    assessment = _build(args.respondents)

    from assessment.queries import load_evidence
    from assessment.scoring import score_assessment

    load_and_score = []
    pure = []
    for _ in range(args.runs):
        start = time.perf_counter()
        evidence = load_evidence(assessment)
        scores = score_assessment(evidence.rubric, evidence.responses)
        load_and_score.append(time.perf_counter() - start)
        start = time.perf_counter()
        score_assessment(evidence.rubric, evidence.responses)
        pure.append(time.perf_counter() - start)
    assert scores.respondents == args.respondents
    answers = sum(len(r.values) for r in evidence.responses)
    median_total = statistics.median(load_and_score)
    median_pure = statistics.median(pure)
    print(f"database: {connection.vendor}, respondents: {args.respondents}, answers: {answers}, runs: {args.runs}")
    print(f"load + score: median {median_total * 1000:.0f} ms (target ≤ 500 ms)")
    print(
        f"pure scoring: median {median_pure * 1000:.1f} ms = {args.respondents / median_pure:,.0f} respondents/s "
        "(target ≥ 20,000/s)"
    )
    tmp.cleanup()


def _recreate_postgres_database(url: str) -> None:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def _build(respondents: int):
    from django.utils import timezone

    from assessment import services
    from assessment.models import Answer, Response
    from assessment.queries import load_rubric
    from organisations.models import Firm, Organisation

    version = services.import_rubric(
        document=(ROOT / "assessment/rubrics/sales-transformation.yaml").read_text()
    ).version
    loaded = load_rubric(version)
    rubric = loaded.rubric
    organisation = Organisation.objects.create(firm=Firm.objects.create(name="Bench Advisory"), name="Bench Ltd")
    assessment = services.create_assessment(organisation=organisation, period="FY2026", rubric_version=version)
    services.open_assessment(assessment=assessment)
    rng = random.Random(1)
    groups = [g.key for g in rubric.respondent_groups]
    now = timezone.now()
    responses = Response.objects.bulk_create(
        Response(assessment=assessment, group=groups[i % len(groups)], submitted_at=now) for i in range(respondents)
    )
    batch = []
    for response in responses:
        for criterion in rubric.criteria_for_group(response.group):
            answer_set = rubric.answer_set_by_key[criterion.answer_set]
            if not answer_set.scored:
                continue
            criterion_id = loaded.criterion_id_by_key[criterion.key]
            if rng.random() < 0.05:
                batch.append(Answer(response=response, criterion_id=criterion_id, not_applicable=True))
            else:
                option = rng.choice(answer_set.options)
                option_id = loaded.option_id_by_key[(answer_set.key, option.key)]
                batch.append(Answer(response=response, criterion_id=criterion_id, option_id=option_id))
    Answer.objects.bulk_create(batch, batch_size=5000)
    return assessment


if __name__ == "__main__":
    main()
