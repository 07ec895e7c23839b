"""Render a consultant's portfolio page of 200 client organisations through the Django test client.

Usage:
    DEBUG=1 .venv/bin/python bench/portfolio.py                      # 200 clients, 30 renders
    DEBUG=1 .venv/bin/python bench/portfolio.py --clients 200 --runs 30

Creates a throwaway SQLite database (a temporary file) and one consultant with `--clients` client
organisations, each with 2 or 3 closed assessments (closing scores kept on the row, as
close_assessment leaves them) and one open assessment with invitations and a few submitted
responses. Then it requests /portfolio/ as that consultant `--runs` times (after one warm-up) and
reports the number of queries of one render and the median and p95 render time. Targets: a bounded
number of queries (the same for 2 clients as for 200) and a median under 300 ms.
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
DIMENSIONS = ("sales-process", "organisation-design", "technology", "marketing-alignment", "strategic-leadership")
GROUPS = ("sales-leadership", "managers", "reps", "marketing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one render first")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # Not setup_test_environment(): its instrumented template rendering (which copies every
    # context for the test client) is not what production pays.
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    consultant = _build(args.clients)

    client = Client()
    client.force_login(consultant)
    response = client.get("/portfolio/")  # warm-up: templates compiled, caches filled
    assert response.status_code == 200, response.status_code
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(client.get, "/portfolio/")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    rows = response.content.decode().count('class="rate"')
    with CaptureQueriesContext(connection) as captured:
        client.get("/portfolio/")
    # Counted at once: the next request empties the connection's query log.
    query_count = len(captured)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        response = client.get("/portfolio/")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    median = statistics.median(times)
    print(f"portfolio of {args.clients} client organisations ({rows} rows with an open assessment)")
    print(f"queries per render: {query_count}")
    print(
        f"render time over {args.runs} runs: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (target < 300 ms)"
    )
    print(f"page size: {len(response.content) / 1024:.0f} KiB")


def _build(count: int):
    """The consultant and their clients, set up with bulk inserts (not measured)."""
    from django.utils import timezone

    from assessment import services
    from assessment.models import Assessment, AssessmentState, Response
    from organisations.models import Firm, FirmMembership, FirmRole, Organisation, SizeBand
    from surveys.models import Invitation
    from tests.factories import UserFactory

    rng = random.Random(6)
    version = services.import_rubric(
        document=(ROOT / "assessment" / "rubrics" / "sales-transformation.yaml").read_text()
    ).version
    consultant = UserFactory(username="consultant")
    firm = Firm.objects.create(name="Bench Advisory")
    FirmMembership.objects.create(user=consultant, firm=firm, role=FirmRole.CONSULTANT)
    organisations = Organisation.objects.bulk_create(
        Organisation(
            firm=firm,
            name=f"Client {i:03d}",
            industry=rng.choice(["Software", "Manufacturing", "Retail", "Logistics"]),
            size_band=rng.choice(SizeBand.values),
        )
        for i in range(count)
    )
    now = timezone.now()
    closed = []
    current = []
    for organisation in organisations:
        years = rng.choice((2, 3))
        for year in range(2026 - years, 2026):
            dims = {key: round(rng.uniform(1, 5), 2) for key in DIMENSIONS}
            overall = round(sum(dims.values()) / len(dims), 2)
            closed.append(
                Assessment(
                    organisation=organisation,
                    period=f"FY{year}",
                    rubric_version=version,
                    state=AssessmentState.CLOSED,
                    respondent_groups=list(GROUPS),
                    opened_at=now,
                    closed_at=now,
                    closing_scores={
                        "rubric": "sales-transformation",
                        "rubric_version": version.version,
                        "respondents": 12,
                        "overall": overall,
                        "overall_level": int(overall),
                        "dimensions": dims,
                    },
                )
            )
        current.append(
            Assessment(
                organisation=organisation,
                period="FY2026",
                rubric_version=version,
                state=AssessmentState.OPEN,
                respondent_groups=list(GROUPS),
                opened_at=now,
            )
        )
    Assessment.objects.bulk_create(closed)
    current = Assessment.objects.bulk_create(current)
    invitations = []
    responses = []
    for assessment in current:
        invited = rng.randint(5, 15)
        for i in range(invited):
            invitations.append(
                Invitation(
                    assessment=assessment,
                    email=f"person{i}@client{assessment.organisation_id}.example",
                    group=GROUPS[i % len(GROUPS)],
                    secret=f"{assessment.pk}-{i}",
                    digest=f"{assessment.pk}-{i}",
                    expires_at=now,
                )
            )
        for i in range(rng.randint(0, invited)):
            responses.append(Response(assessment=assessment, group=GROUPS[i % len(GROUPS)], submitted_at=now))
    Invitation.objects.bulk_create(invitations)
    Response.objects.bulk_create(responses)
    return consultant


if __name__ == "__main__":
    main()
