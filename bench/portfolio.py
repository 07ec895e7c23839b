"""The portfolio page and API for a firm of 2,000 clients, beside a firm of 10 measured in the same run.

Usage:
    DEBUG=1 .venv/bin/python bench/portfolio.py                   # SQLite (a temporary file), smaller
    DEBUG=1 .venv/bin/python bench/portfolio.py --database-url postgres://postgres@127.0.0.1:5432/waypoint_bench_portfolio

Sets up (with bulk inserts, not measured) two firms in one database: one of `--clients` client
organisations and one of `--peer-clients`, each client with two or three closed assessments (their
scores kept on the row, as closing an assessment leaves them) and one open assessment with
`--invited` invitations and as many responses, most of them submitted. A PostgreSQL database named
in `--database-url` is dropped and created afresh.

Then, for each firm, it requests `/portfolio/` and `/api/v1/portfolio/` as the firm's consultant: the
first page, a sorted and filtered page, and the page sorted by response rate (whose figure is read for
every client). It prints the queries of one request and the median and p95 over `--runs` requests
(after a warm-up), alternating the two firms so that both meet the same load. Targets: p95 ≤ 300 ms
for each page of the large firm, and the same number of queries as for the small one.

With `--old-join N` (default 20) it also times, once each, the count query the portfolio used
before (open assessments joined with their invitations and their responses, counted distinct) and
the two grouped counts that replaced it, over N of the large firm's open assessments; then, over all of
them (what ordering by response rate reads), the grouped counts beside the counts the database keeps
beside each assessment (models.AssessmentCounts), which the portfolio reads now.
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
INDUSTRIES = ("Software", "Manufacturing", "Retail", "Logistics")
PAGES = (
    ("first page", ""),
    ("sorted + filtered", "?sort=-level&industry=Software&state=open"),
    ("by response rate", "?sort=-rate"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--peer-clients", type=int, default=10)
    parser.add_argument("--invited", type=int, default=400, help="invitations and responses per open assessment")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the firms an earlier run left in --database-url again"
    )
    parser.add_argument("--old-join", type=int, default=20, help="open assessments to time the old count on (0: skip)")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from tests.two_factor import verified_force_login

    settings.ALLOWED_HOSTS = ["testserver"]
    if args.reuse and args.database_url:
        firms = _existing()
        args.clients, args.peer_clients = (_client_count(firms[name]) for name in ("large", "peer"))
        print(f"database: {connection.vendor}; reusing {args.clients} + {args.peer_clients} clients")
    else:
        if connection.vendor == "postgresql":
            _recreate_postgres_database()
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        rng = random.Random(6)
        version = _rubric_version()
        with transaction.atomic():
            firms = {
                "large": _build("Large Advisory", args.clients, args.invited, version, rng),
                "peer": _build("Small Advisory", args.peer_clients, args.invited, version, rng),
            }
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(
            f"database: {connection.vendor}; set up {args.clients} + {args.peer_clients} clients, {args.invited} "
            f"invitations and {args.invited} responses per open assessment in {time.perf_counter() - started:.0f} s"
        )

    # Measured as production runs: no query log kept per request (CaptureQueriesContext counts anyway).
    settings.DEBUG = False
    browsers = {}
    for name, consultant in firms.items():
        browser = Client()
        verified_force_login(browser, consultant)  # signed in with a password and an authenticator's code
        token = Token.objects.get_or_create(user=consultant)[0].key
        browsers[name] = (browser, {"HTTP_AUTHORIZATION": f"Token {token}"})

    urls = [(f"page {label}", f"/portfolio/{query}", False) for label, query in PAGES]
    urls += [(f"API {label}", f"/api/v1/portfolio/{query}", True) for label, query in PAGES]
    results: dict[tuple[str, str], dict] = {}
    for label, url, api in urls:
        for name, (browser, headers) in browsers.items():
            response = browser.get(url, **(headers if api else {}))  # warm-up: templates compiled, caches filled
            assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as captured:
                browser.get(url, **(headers if api else {}))
            rows = len(response.json()["results"]) if api else response.content.decode().count('class="row-title"')
            results[label, name] = {"queries": len(captured), "times": [], "rows": rows, "bytes": len(response.content)}
        for _ in range(args.runs):
            for name, (browser, headers) in browsers.items():  # alternated: both firms meet the same load
                start = time.perf_counter()
                response = browser.get(url, **(headers if api else {}))
                results[label, name]["times"].append(time.perf_counter() - start)
                assert response.status_code == 200

    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.runs} requests each; times in ms; target p95 ≤ 300 ms and the same queries for both firms")
    header = f"{'request':34} {'clients':>7} {'rows':>4} {'queries':>7} {'median':>7} {'p95':>6} {'KiB':>5}"
    print(header)
    for label, _url, _api in urls:
        for name, clients in (("large", args.clients), ("peer", args.peer_clients)):
            r = results[label, name]
            print(
                f"{label:34} {clients:7} {r['rows']:4} {r['queries']:7} {statistics.median(r['times']) * 1000:7.0f} "
                f"{_p95(r['times']) * 1000:6.0f} {r['bytes'] / 1024:5.0f}"
            )
        large, peer = results[label, "large"], results[label, "peer"]
        print(
            f"{'':34} ratio {statistics.median(large['times']) / statistics.median(peer['times']):.2f}× the peer's "
            f"median; queries {'equal' if large['queries'] == peer['queries'] else 'DIFFER'}"
        )
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.old_join:
        _compare_counts(firms["large"], args.old_join, args.invited)
    tmp.cleanup()


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _compare_counts(consultant, count: int, invited: int) -> None:
    """The old join-based count and the grouped counts, once each, over `count` open assessments."""
    from django.db.models import Count, Q

    from assessment.models import Assessment, AssessmentCounts, Response
    from organisations.models import Organisation
    from surveys.models import Invitation

    ids = list(
        Assessment.objects.open()
        .filter(organisation__in=Organisation.objects.of_firms_of(consultant))
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    start = time.perf_counter()
    old = {
        pk: (i, s)
        for pk, i, s in Assessment.objects.filter(id__in=ids)
        .annotate(
            invited=Count("invitations", filter=Q(invitations__revoked_at__isnull=True), distinct=True),
            submitted=Count("responses", filter=Q(responses__submitted_at__isnull=False), distinct=True),
        )
        .order_by()
        .values_list("id", "invited", "submitted")
    }
    old_time = time.perf_counter() - start
    start = time.perf_counter()
    invitations = dict(
        Invitation.objects.filter(assessment_id__in=ids, revoked_at__isnull=True)
        .order_by()
        .values("assessment_id")
        .annotate(n=Count("id"))
        .values_list("assessment_id", "n")
    )
    submitted = dict(
        Response.objects.filter(assessment_id__in=ids, submitted_at__isnull=False)
        .order_by()
        .values("assessment_id")
        .annotate(n=Count("id"))
        .values_list("assessment_id", "n")
    )
    new_time = time.perf_counter() - start
    assert old == {pk: (invitations.get(pk, 0), submitted.get(pk, 0)) for pk in ids}
    print(
        f"counts of {len(ids)} open assessments ({invited} invitations × {invited} responses each), once: "
        f"join of invitations with responses {old_time * 1000:.0f} ms, two grouped queries {new_time * 1000:.0f} ms"
    )
    # What ordering by response rate reads: the counts of every open assessment of the firm, grouped from
    # the invitations and responses (as before) or kept beside each assessment by the database (now).
    every = list(
        Assessment.objects.open()
        .filter(organisation__in=Organisation.objects.of_firms_of(consultant))
        .values_list("id", flat=True)
    )
    start = time.perf_counter()
    grouped = (
        dict(
            Invitation.objects.filter(assessment_id__in=every, revoked_at__isnull=True)
            .order_by()
            .values("assessment_id")
            .annotate(n=Count("id"))
            .values_list("assessment_id", "n")
        ),
        dict(
            Response.objects.filter(assessment_id__in=every, submitted_at__isnull=False)
            .order_by()
            .values("assessment_id")
            .annotate(n=Count("id"))
            .values_list("assessment_id", "n")
        ),
    )
    grouped_time = time.perf_counter() - start
    start = time.perf_counter()
    kept = {
        pk: (i, s)
        for pk, i, s in AssessmentCounts.objects.filter(assessment_id__in=every).values_list(
            "assessment_id", "live_invitations", "submitted_responses"
        )
    }
    kept_time = time.perf_counter() - start
    assert kept == {pk: (grouped[0].get(pk, 0), grouped[1].get(pk, 0)) for pk in every}
    print(
        f"counts of all {len(every)} open assessments, once: grouped from invitations and responses "
        f"{grouped_time * 1000:.0f} ms, kept beside each assessment {kept_time * 1000:.0f} ms (equal)"
    )


def _existing() -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return {"large": users.get(username="consultant-large"), "peer": users.get(username="consultant-small")}


def _client_count(consultant) -> int:
    from organisations.models import Organisation

    return Organisation.objects.of_firms_of(consultant).count()


def _recreate_postgres_database() -> None:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def _rubric_version():
    from assessment import services

    document = (ROOT / "assessment" / "rubrics" / "sales-transformation.yaml").read_text()
    return services.import_rubric(document=document).version


def _build(firm_name: str, count: int, invited: int, version, rng: random.Random):
    """A firm, its consultant and `count` clients, set up with bulk inserts (not measured)."""
    from datetime import timedelta

    from django.utils import timezone

    from assessment.models import Assessment, AssessmentState, Response
    from organisations.models import Firm, FirmMembership, FirmRole, Organisation, SizeBand
    from surveys.models import Invitation
    from tests.factories import UserFactory

    consultant = UserFactory(username=f"consultant-{firm_name.split()[0].lower()}")
    firm = Firm.objects.create(name=firm_name)
    FirmMembership.objects.create(user=consultant, firm=firm, role=FirmRole.CONSULTANT)
    organisations = Organisation.objects.bulk_create(
        Organisation(
            firm=firm,
            name=f"Client {i:04d}",
            industry=rng.choice(INDUSTRIES),
            size_band=rng.choice(SizeBand.values),
        )
        for i in range(count)
    )
    now = timezone.now()
    closed = []
    for organisation in organisations:
        years = rng.choice((2, 3))
        for year in range(2026 - years, 2026):
            dims = {key: round(rng.uniform(1, 5), 2) for key in DIMENSIONS}
            overall = round(sum(dims.values()) / len(dims), 2)
            # One client in twenty kept scores from two people: withheld, sorted last.
            respondents = 2 if rng.random() < 0.05 else 12
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
                        "respondents": respondents,
                        "overall": overall,
                        "overall_level": int(overall),
                        "dimensions": dims,
                    },
                )
            )
    Assessment.objects.bulk_create(closed, batch_size=2000)
    current = Assessment.objects.bulk_create(
        (
            Assessment(
                organisation=organisation,
                period="FY2026",
                rubric_version=version,
                state=AssessmentState.OPEN,
                respondent_groups=list(GROUPS),
                opened_at=now,
            )
            for organisation in organisations
        ),
        batch_size=2000,
    )
    expires = now + timedelta(days=30)
    for assessment in current:
        Invitation.objects.bulk_create(
            (
                Invitation(
                    assessment=assessment,
                    email=f"person{i}@client{assessment.organisation_id}.example",
                    group=GROUPS[i % len(GROUPS)],
                    secret=f"{assessment.pk}-{i}",
                    digest=f"{assessment.pk}-{i}",
                    expires_at=expires,
                    revoked_at=now if i % 40 == 0 else None,
                )
                for i in range(invited)
            ),
            batch_size=5000,
        )
        submitted = rng.randint(invited // 4, invited)
        Response.objects.bulk_create(
            (
                Response(
                    assessment=assessment, group=GROUPS[i % len(GROUPS)], submitted_at=now if i < submitted else None
                )
                for i in range(invited)
            ),
            batch_size=5000,
        )
    return consultant


if __name__ == "__main__":
    main()
