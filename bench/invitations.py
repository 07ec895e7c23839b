"""Invite a list of 2,000 people: the row-by-row path beside the bulk path, in the same run.

Usage:
    DEBUG=1 .venv/bin/python bench/invitations.py                     # SQLite (a temporary file)
    DEBUG=1 .venv/bin/python bench/invitations.py --database-url postgres://postgres@127.0.0.1:5432/waypoint_bench_invite
    DEBUG=1 .venv/bin/python bench/invitations.py --database-url ... --broker-url redis://127.0.0.1:6379/12

A PostgreSQL database named by --database-url is dropped and recreated. Each run invites a list of
--rows new addresses to a fresh open assessment twice, alternating which path goes first:

- row by row: `services.invite` called once per line inside one transaction (what a list cost
  before), each email queued and handed over by itself after commit;
- bulk: `services.invite_many` with the same list as CSV, its emails queued in one insert and
  handed over after commit (a long list: by a worker, see outbox.services.hand_over_many).

Both times include the commit and the after-commit hand-over of every email to Celery. Without
--broker-url nothing is published: Celery's `apply_async` of the email task is replaced by a stub
that only counts (the outbox's own queries are still made), and the hand-over a worker does for a
long list runs here, inside the measured time. With --broker-url (a Redis database of its own,
emptied after each run) the request publishes for real, as in production: the row-by-row path one
message per email, the bulk path one task that a worker would turn into the emails' messages (no
worker runs here; that part is not in the bulk figure). Prints the medians, the query counts of
one list and the load average. Target: 2,000 rows ≤ 1.0 s.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GROUPS = ("sales-leadership", "managers", "reps", "marketing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--broker-url", default="", help="a Redis URL to publish to (emptied after each run)")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ["CELERY_BROKER_URL"] = args.broker_url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from surveys.tasks import send_invitation_email_task

    if connection.vendor == "postgresql":
        _recreate_postgres_database()
    call_command("migrate", verbosity=0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    published = [0]
    if not args.broker_url:

        def counted(*_args: Any, **_options: Any) -> None:
            published[0] += 1

        send_invitation_email_task.apply_async = counted  # type: ignore[method-assign]

    emails = [f"person{i}@bench.example" for i in range(args.rows)]
    csv_text = "email,name,group\n" + "".join(
        f"{email},Person {i},{GROUPS[i % len(GROUPS)]}\n" for i, email in enumerate(emails)
    )
    paths: dict[str, Callable[[Any], None]] = {
        "row by row": lambda assessment: _row_by_row(assessment, emails),
        "bulk": lambda assessment: _bulk(assessment, csv_text),
    }
    times: dict[str, list[float]] = {name: [] for name in paths}
    cpu_times: dict[str, list[float]] = {name: [] for name in paths}
    queries: dict[str, int] = {}
    handed: dict[str, int] = {}
    for run in range(args.runs + 1):  # the first run warms up and counts queries
        order = list(paths) if run % 2 == 0 else list(reversed(paths))
        for name in order:
            assessment = _open_assessment(f"{name} {run}")
            published[0] = 0
            elapsed, cpu, count = _measure(functools.partial(paths[name], assessment), count_queries=run == 0)
            _check(assessment, args.rows, published=bool(args.broker_url))
            if run == 0:
                queries[name], handed[name] = count, published[0]
            else:
                times[name].append(elapsed)
                cpu_times[name].append(cpu)
            if args.broker_url:
                _empty_broker(args.broker_url)

    load = os.getloadavg()
    old, new = statistics.median(times["row by row"]), statistics.median(times["bulk"])
    print(
        f"database: {connection.vendor}, broker: {'redis (published)' if args.broker_url else 'none (counted)'}, "
        f"rows: {args.rows}, runs: {args.runs}"
    )
    for name in paths:
        median, cpu = statistics.median(times[name]), statistics.median(cpu_times[name])
        published_note = f", {handed[name]} emails handed over" if not args.broker_url else ""
        print(
            f"{name:>11}: median {median * 1000:6.0f} ms (CPU of this process {cpu * 1000:6.0f} ms), "
            f"{queries[name]:5d} queries{published_note}"
        )
    print(f"bulk is {old / new:.1f}× faster (target: {args.rows:,} rows ≤ 1.0 s: {'met' if new <= 1.0 else 'missed'})")
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    tmp.cleanup()


def _measure(work: Callable[[], None], *, count_queries: bool) -> tuple[float, float, int]:
    """Seconds the work took (commit and after-commit hand-over included), the CPU seconds of this
    process (the database server's are not in it) and, if asked, its queries."""
    import contextlib

    from django.db import connection

    count = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter) if count_queries else contextlib.nullcontext():
        start, cpu = time.perf_counter(), time.process_time()
        work()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return elapsed, cpu, count[0]


def _row_by_row(assessment: Any, emails: list[str]) -> None:
    """What a list cost before: one `invite` per line, in one transaction."""
    from django.db import transaction

    from surveys import services

    with transaction.atomic():
        for i, email in enumerate(emails):
            services.invite(assessment=assessment, email=email, name=f"Person {i}", group=GROUPS[i % len(GROUPS)])


def _bulk(assessment: Any, csv_text: str) -> None:
    from surveys import services

    services.invite_many(assessment=assessment, csv_text=csv_text)


def _check(assessment: Any, rows: int, *, published: bool) -> None:
    from outbox.models import OutboxMessage, OutboxState
    from surveys.models import Invitation

    invited = Invitation.objects.filter(assessment=assessment).values_list("pk", flat=True)
    assert len(invited) == rows, len(invited)
    messages = OutboxMessage.objects.filter(about_id__in=list(invited))
    if not published:
        # Without a broker the hand-over runs here, worker's part included.
        messages = messages.filter(state=OutboxState.DISPATCHED)
    assert messages.count() == rows, "every email is queued (and without a broker handed over) once"


def _open_assessment(label: str) -> Any:
    from assessment import services as assessment_services
    from organisations.models import Firm, Organisation
    from surveys import services

    version = services.default_rubric_version()
    firm = Firm.objects.first() or Firm.objects.create(name="Bench Advisory")
    organisation = Organisation.objects.create(firm=firm, name=f"Bench {label}")
    assessment = assessment_services.create_assessment(
        organisation=organisation, period="FY2026", rubric_version=version
    )
    return assessment_services.open_assessment(assessment=assessment)


def _empty_broker(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _recreate_postgres_database() -> None:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


if __name__ == "__main__":
    main()
