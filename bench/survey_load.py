"""Load test of the survey: concurrent respondents answering the whole survey, against gunicorn + PostgreSQL.

Usage:
    .venv/bin/python bench/survey_load.py                       # 50 respondents, PostgreSQL on 127.0.0.1
    .venv/bin/python bench/survey_load.py --respondents 50 --rate 330 --workers 4
    .venv/bin/python bench/survey_load.py --rate 0              # as fast as the server answers
    .venv/bin/python bench/survey_load.py --worker-class gthread --workers 2 --threads 4

The script creates its own database (--database-url, dropped and recreated), an open assessment
and one invitation per respondent, starts gunicorn with production settings (DEBUG off; four sync
workers, as behind a buffering reverse proxy), and runs the respondents as asyncio tasks. Each one
fetches its questionnaire, saves its answers one request at a time through the respondent API (the
service the survey pages use), as a page does when each answer is chosen, then submits; it keeps its
connection open when the server allows (gthread workers do; sync workers close it after each
response). `--rate` is the total offered load in answer saves per second (each respondent paces
itself at rate ÷ respondents, with jitter); `--rate 0` sends as fast as answers come back.
Afterwards it reads the database and compares every stored answer with what was sent.

The default offered rate, 420, is above the 300 target because the whole run's average also counts
the ramp and the tail, when the respondents with the longest questionnaires answer on their own;
the line "while all answered" is the load the server sustained with every respondent active.

Sync workers rather than gthread ones: a gthread worker keeps each connection it accepted, and the
first worker to wake took most of the respondents' connections (42 of 50, or all of them), so one
process, one interpreter lock, served nearly every save while the other idled.

Targets: ≥ 300 answer saves/s with p95 ≤ 100 ms, zero errors, zero lost answers. Exit status 1 when
any answer is lost or any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GROUPS = ("sales-leadership", "managers", "reps", "marketing")
COMMENT = "Deals stall after the first demo; we rarely agree next steps with the buyer."


@dataclass
class Respondent:
    token: str
    group: str
    sent: dict[str, dict] = field(default_factory=dict)  # criterion → the last answer sent for it
    latencies: list[float] = field(default_factory=list)
    completed: list[float] = field(default_factory=list)  # perf_counter() when each save's reply came
    errors: list[str] = field(default_factory=list)
    submitted: bool = False


class Connection:
    """One respondent's HTTP/1.1 keep-alive connection, as a browser keeps one open to the site.

    Opened on first use and again whenever the server closed it.
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        payload = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: application/json\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        reused = self.writer is not None
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        try:
            self.writer.write(head + payload)
            await self.writer.drain()
            status_line = await self.reader.readline()
            if not status_line and reused:
                # The server closed the idle connection before reading this request: send it again.
                self.close()
                return await self.request(method, path, body)
            status = int(status_line.split()[1])
            length, keep = None, True
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value == "close":
                    keep = False
            data = await (self.reader.readexactly(length) if length is not None else self.reader.read())
        except BaseException:
            self.close()
            raise
        if not keep or length is None:
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def request(host: str, port: int, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    """One request on a connection of its own."""
    connection = Connection(host, port)
    try:
        return await connection.request(method, path, body)
    finally:
        connection.close()


def answers_for(questionnaire: dict, rng: random.Random) -> list[dict]:
    """What this respondent will answer: every question of their group, as a person might."""
    planned = []
    for page in questionnaire["pages"]:
        for section in page["sections"]:
            for question in section["questions"]:
                if question["kind"] == "text":
                    if rng.random() < 0.3:
                        planned.append({"criterion": question["key"], "text": COMMENT})
                    continue
                if question["not_applicable"] and rng.random() < 0.05:
                    answer = {"criterion": question["key"], "not_applicable": True}
                else:
                    answer = {"criterion": question["key"], "option": rng.choice(question["options"])["key"]}
                if rng.random() < 0.1:
                    answer["comment"] = COMMENT
                planned.append(answer)
    return planned


async def respond(respondent: Respondent, host: str, port: int, interval: float, seed: int, start_gate) -> None:
    rng = random.Random(seed)
    base = f"/api/v1/survey/{respondent.token}/"
    connection = Connection(host, port)
    try:
        await answer_all(respondent, connection, base, interval, rng, start_gate)
    finally:
        connection.close()


async def answer_all(
    respondent: Respondent, connection: Connection, base: str, interval: float, rng: random.Random, start_gate
) -> None:
    status, body = await connection.request("GET", base)
    if status != 200:
        respondent.errors.append(f"GET questionnaire: {status}")
        return
    planned = answers_for(json.loads(body), rng)
    await start_gate.wait()
    # Respondents do not start in lockstep.
    await asyncio.sleep(rng.uniform(0, interval))
    for answer in planned:
        began = time.perf_counter()
        status, body = await connection.request("POST", base + "answers/", answer)
        respondent.latencies.append(time.perf_counter() - began)
        respondent.completed.append(time.perf_counter())
        if status != 200:
            respondent.errors.append(f"save {answer['criterion']}: {status} {body[:200]!r}")
        else:
            respondent.sent[answer["criterion"]] = answer
        if interval:
            await asyncio.sleep(max(0.0, rng.uniform(0.5, 1.5) * interval - (time.perf_counter() - began)))
    status, body = await connection.request("POST", base + "submit/")
    respondent.submitted = status == 200
    if status != 200:
        respondent.errors.append(f"submit: {status} {body[:200]!r}")


async def run_load(respondents: list[Respondent], host: str, port: int, rate: float) -> float:
    interval = len(respondents) / rate if rate else 0.0
    gate = asyncio.Event()
    tasks = [asyncio.create_task(respond(r, host, port, interval, seed, gate)) for seed, r in enumerate(respondents)]
    await asyncio.sleep(0.5)  # every questionnaire fetched
    started = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    return time.perf_counter() - started


def setup_database(url: str, count: int) -> list[Respondent]:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from assessment import services as assessment_services
    from organisations.models import Firm, Organisation
    from surveys import services, tokens

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    call_command("migrate", verbosity=0)
    version = services.default_rubric_version()
    organisation = Organisation.objects.create(firm=Firm.objects.create(name="Bench Advisory"), name="Bench Ltd")
    assessment = assessment_services.create_assessment(
        organisation=organisation, period="FY2026", rubric_version=version
    )
    assessment_services.open_assessment(assessment=assessment)
    found = []
    for i in range(count):
        group = GROUPS[i % len(GROUPS)]
        invitation = services.invite(assessment=assessment, email=f"r{i}@bench.example", group=group)
        found.append(Respondent(token=tokens.token_for(invitation.secret), group=group))
    connection.close()
    return found


def lost_answers(respondents: list[Respondent]) -> list[str]:
    """Every difference between what the respondents sent (and got 200 for) and what is stored."""
    from assessment.models import Answer
    from surveys import services

    problems = []
    for respondent in respondents:
        invitation = services.find_invitation(token=respondent.token)
        stored = {
            a.criterion.key: a
            for a in Answer.objects.filter(response=invitation.response).select_related("criterion", "option")
        }
        if set(stored) != set(respondent.sent):
            problems.append(f"{respondent.token[:8]}: {len(respondent.sent)} sent, {len(stored)} stored")
            continue
        for key, sent in respondent.sent.items():
            row = stored[key]
            got = {
                "option": row.option.key if row.option else None,
                "not_applicable": row.not_applicable,
                "text": row.text,
                "comment": row.comment,
            }
            want = {
                "option": sent.get("option"),
                "not_applicable": sent.get("not_applicable", False),
                "text": sent.get("text", ""),
                "comment": sent.get("comment", ""),
            }
            if got != want:
                problems.append(f"{respondent.token[:8]} {key}: sent {want}, stored {got}")
        if respondent.submitted and invitation.response.submitted_at is None:
            problems.append(f"{respondent.token[:8]}: submitted but not stored as submitted")
    return problems


def start_gunicorn(url: str, port: int, workers: int, threads: int, worker_class: str = "sync") -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,  # connections are kept between requests (CONN_MAX_AGE's default)
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "ERROR",
        # All 50 respondents come from one address: a whole office behind one, far past the default limit.
        "THROTTLE_SURVEY_ADDRESS": "1000000/hour",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            # Used by gthread workers only: threads overlap one request's database round trips with
            # another's Python, and connections are kept alive.
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--backlog",
            "2048",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            status, _ = asyncio.run(request("127.0.0.1", port, "GET", "/login/"))
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def steady_state(respondents: list[Respondent]) -> tuple[int, float, list[float]]:
    """Saves, seconds and latencies while every respondent was answering.

    The whole run's average also counts its ramp and its tail, when the respondents with the
    longest questionnaires answer on their own; this window is the load the server sustained.
    """
    start = max(r.completed[0] for r in respondents)
    end = min(r.completed[-1] for r in respondents)
    inside = [
        latency
        for r in respondents
        for done, latency in zip(r.completed, r.latencies, strict=True)
        if start < done <= end
    ]
    return len(inside), end - start, inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/waypoint_bench_survey")
    parser.add_argument("--respondents", type=int, default=50)
    parser.add_argument("--rate", type=float, default=420.0, help="offered answer saves per second; 0: no pacing")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync", help="gunicorn worker class")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread only)")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()

    respondents = setup_database(args.database_url, args.respondents)
    host = "127.0.0.1"
    threads = args.threads if args.worker_class == "gthread" else 1
    server = start_gunicorn(args.database_url, args.port, args.workers, threads, args.worker_class)
    try:
        elapsed = asyncio.run(run_load(respondents, host, args.port, args.rate))
    finally:
        server.terminate()
        server.wait(timeout=30)

    latencies = [x for r in respondents for x in r.latencies]
    errors = [e for r in respondents for e in r.errors]
    problems = lost_answers(respondents)
    saves = len(latencies)
    print(
        f"respondents: {len(respondents)}, gunicorn: {args.workers} {args.worker_class} workers"
        f"{f' × {threads} threads' if args.worker_class == 'gthread' else ''}, "
        f"offered rate: "
        f"{args.rate or 'unpaced'}{' saves/s' if args.rate else ''}"
    )
    print(f"answer saves: {saves} in {elapsed:.1f} s = {saves / elapsed:.0f} saves/s over the whole run")
    print(
        f"latency of every save: p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms (target ≤ 100), "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    if all(len(r.completed) > 1 for r in respondents):
        count, seconds, inside = steady_state(respondents)
        if seconds > 0 and inside:
            print(
                f"while all {len(respondents)} answered: {count} saves in {seconds:.1f} s = {count / seconds:.0f} "
                f"saves/s (target ≥ 300), p95 {percentile(inside, 0.95) * 1000:.0f} ms"
            )
    print(f"submitted: {sum(r.submitted for r in respondents)} of {len(respondents)}")
    print(f"errors: {len(errors)}; lost or wrong answers: {len(problems)}")
    for line in (errors + problems)[:10]:
        print("  " + line)
    sys.exit(1 if errors or problems else 0)


if __name__ == "__main__":
    main()
