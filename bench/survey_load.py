"""Load test of the answer autosave: concurrent respondents answering the whole survey, against gunicorn + PostgreSQL.

Usage:
    .venv/bin/python bench/survey_load.py                       # 100 respondents, then the 50-respondent peer
    .venv/bin/python bench/survey_load.py --respondents 100 --peer 0 --rate 420
    .venv/bin/python bench/survey_load.py --rate 0              # as fast as the server answers
    .venv/bin/python bench/survey_load.py --worker-class gthread --workers 2 --threads 4
    .venv/bin/python bench/survey_load.py --cache-url locmemcache://   # throttles counted per process
    .venv/bin/python bench/survey_load.py --via page           # the survey page's autosave, as browsers send it

The script creates its own database (--database-url, dropped and recreated), an open assessment
and one invitation per respondent, and starts gunicorn with the production configuration
(`config/gunicorn.py`: its worker class and count unless --workers/--worker-class say otherwise;
DEBUG off; the access log formatted and discarded; the throttles counted in Redis, --cache-url).
Each respondent, an asyncio task, fetches its questionnaire, saves its answers one request at a time
through the respondent API (`--via api`, the default) or through the survey page's own autosave
(`--via page`: /s/<token>/answers/ with {"answers": [...]}, what the page's script sends), one request
as each answer is chosen, then submits. It keeps its connection open when the server allows (gthread workers do;
sync workers close it after each response). `--rate` is the total offered load in answer saves per
second (each respondent paces itself at rate ÷ respondents, with jitter); `--rate 0` sends as fast
as answers come back. Afterwards it reads the database and compares every stored answer with what
was sent.

Two loads run against the same server, one after the other: the peer (--peer respondents, 50 by
default, the load of the earlier measurements) and then the target load (--respondents, 100), at the
same offered rate. The machine may be shared: the peer measured minutes apart on the same server
tells whether a slow figure comes from the code or from the machine, and the load average
(`os.getloadavg()`) is printed before and after each.

The line "while all answered" is the load the server sustained with every respondent active; the
whole run's average also counts the ramp and the tail, when the respondents with the longest
questionnaires answer on their own.

Targets: ≥ 400 answer saves/s while all 100 answer, p95 ≤ 100 ms, zero errors, zero lost answers.
Exit status 1 when any answer is lost or any request failed.
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
    fetched: bool = False  # the questionnaire came back (or failed): ready to answer
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
    respondent.fetched = True
    if status != 200:
        respondent.errors.append(f"GET questionnaire: {status}")
        return
    planned = answers_for(json.loads(body), rng)
    await start_gate.wait()
    # Respondents do not start in lockstep.
    await asyncio.sleep(rng.uniform(0, interval))
    save_path, page = base + "answers/", VIA == "page"
    if page:
        save_path = f"/s/{respondent.token}/answers/"
    for answer in planned:
        began = time.perf_counter()
        status, body = await connection.request("POST", save_path, {"answers": [answer]} if page else answer)
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


async def run_load(respondents: list[Respondent], host: str, port: int, rate: float) -> tuple[float, float, float]:
    """Seconds from the start of answering to the last submission, and the CPU seconds gunicorn's workers
    (WORKERS) and this process (the load generator, on the same machine) used meanwhile: answer saves
    and submissions, no questionnaire fetch."""
    interval = len(respondents) / rate if rate else 0.0
    gate = asyncio.Event()
    tasks = [asyncio.create_task(respond(r, host, port, interval, seed, gate)) for seed, r in enumerate(respondents)]
    while not all(r.fetched for r in respondents):  # every questionnaire fetched
        await asyncio.sleep(0.05)
    cpu, own_cpu = cpu_seconds(WORKERS), time.process_time()
    started = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    return time.perf_counter() - started, cpu_seconds(WORKERS) - cpu, time.process_time() - own_cpu


def setup_database(url: str, count: int) -> list[Respondent]:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ["LOG_LEVEL"] = "ERROR"  # not a line per invitation email sent
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


def start_gunicorn(
    url: str, port: int, cache_url: str, workers: int | None, threads: int, worker_class: str | None
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,  # connections are kept between requests (CONN_MAX_AGE's default)
        "CACHE_URL": cache_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "ERROR",
        # All respondents come from one address: a whole office behind one, far past the default limit.
        "THROTTLE_SURVEY_ADDRESS": "1000000/hour",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        "-c",
        str(ROOT / "config/gunicorn.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--keep-alive",
        "30",
        "--backlog",
        "2048",
        "--log-level",
        "error",
    ]
    if workers is not None:
        command += ["--workers", str(workers)]
    if worker_class is not None:
        command += ["--worker-class", worker_class]
    if worker_class == "gthread":
        # Threads overlap one request's database round trips with another's Python.
        command += ["--threads", str(threads)]
    # The access log is written as in production (formatted, tokens redacted), then discarded.
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
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


WORKERS: list[int] = []  # gunicorn's worker processes, once started
VIA = "api"  # which autosave the respondents use (--via)


def worker_pids(server: subprocess.Popen) -> list[int]:
    """gunicorn's worker processes (the children of its arbiter); none where /proc does not tell."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used: a figure that the machine's other work
    disturbs far less than latencies do."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


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


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@dataclass
class Outcome:
    respondents: int
    saves: int
    elapsed: float
    latencies: list[float]
    steady_rate: float | None
    steady_p95: float | None
    submitted: int
    errors: list[str]
    problems: list[str]
    load_before: str
    load_after: str
    server_cpu: float  # seconds of CPU the gunicorn workers used in the phase
    client_cpu: float  # seconds of CPU the load generator used in the phase


def run_phase(respondents: list[Respondent], host: str, port: int, rate: float) -> Outcome:
    before = load_average()
    elapsed, server_cpu, client_cpu = asyncio.run(run_load(respondents, host, port, rate))
    after = load_average()
    latencies = [x for r in respondents for x in r.latencies]
    steady_rate = steady_p95 = None
    if all(len(r.completed) > 1 for r in respondents):
        count, seconds, inside = steady_state(respondents)
        if seconds > 0 and inside:
            steady_rate, steady_p95 = count / seconds, percentile(inside, 0.95)
    return Outcome(
        respondents=len(respondents),
        saves=len(latencies),
        elapsed=elapsed,
        latencies=latencies,
        steady_rate=steady_rate,
        steady_p95=steady_p95,
        submitted=sum(r.submitted for r in respondents),
        errors=[e for r in respondents for e in r.errors],
        problems=lost_answers(respondents),
        load_before=before,
        load_after=after,
        server_cpu=server_cpu,
        client_cpu=client_cpu,
    )


def report(name: str, outcome: Outcome) -> None:
    ms = [x * 1000 for x in outcome.latencies]
    loads = f"load average before {outcome.load_before}, after {outcome.load_after}"
    print(f"{name}: {outcome.respondents} respondents ({loads})")
    print(
        f"  answer saves: {outcome.saves} in {outcome.elapsed:.1f} s = {outcome.saves / outcome.elapsed:.0f} saves/s "
        "over the whole run"
    )
    if outcome.steady_rate is not None and outcome.steady_p95 is not None:
        print(
            f"  while all {outcome.respondents} answered: {outcome.steady_rate:.0f} saves/s, "
            f"p95 {outcome.steady_p95 * 1000:.0f} ms"
        )
    if ms:
        print(
            f"  latency of every save: p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
            f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms"
        )
    if outcome.server_cpu and outcome.saves:
        print(
            f"  gunicorn workers' CPU: {outcome.server_cpu * 1000 / outcome.saves:.2f} ms per save (submits included)"
        )
    if outcome.saves:
        print(f"  load generator's CPU: {outcome.client_cpu * 1000 / outcome.saves:.2f} ms per save (same machine)")
    print(f"  submitted: {outcome.submitted} of {outcome.respondents}")
    print(f"  errors: {len(outcome.errors)}; lost or wrong answers: {len(outcome.problems)}")
    for line in (outcome.errors + outcome.problems)[:10]:
        print("    " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/waypoint_bench_survey")
    parser.add_argument(
        "--cache-url", default="redis://127.0.0.1:6379/13", help="where the throttles count (production: Redis)"
    )
    parser.add_argument("--respondents", type=int, default=100)
    parser.add_argument("--peer", type=int, default=50, help="respondents of the peer load run first; 0: none")
    parser.add_argument("--rate", type=float, default=420.0, help="offered answer saves per second; 0: no pacing")
    parser.add_argument(
        "--worker-class", choices=("sync", "gthread"), default=None, help="gunicorn worker class (default: config)"
    )
    parser.add_argument("--workers", type=int, default=None, help="gunicorn worker processes (default: config)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread only)")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument(
        "--via", choices=("api", "page"), default="api", help="the respondent API, or the survey page's autosave"
    )
    args = parser.parse_args()
    global VIA
    VIA = args.via

    everyone = setup_database(args.database_url, args.peer + args.respondents)
    peer, target = everyone[: args.peer], everyone[args.peer :]
    host = "127.0.0.1"
    server = start_gunicorn(args.database_url, args.port, args.cache_url, args.workers, args.threads, args.worker_class)
    try:
        WORKERS[:] = worker_pids(server)
        peer_outcome = run_phase(peer, host, args.port, args.rate) if peer else None
        outcome = run_phase(target, host, args.port, args.rate)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"gunicorn: {len(WORKERS) or '?'} workers ({args.worker_class or 'config/gunicorn.py'}"
        f"{f' × {args.threads} threads' if args.worker_class == 'gthread' else ''}), "
        f"offered rate: {args.rate or 'unpaced'}{' saves/s' if args.rate else ''}, "
        f"cache: {args.cache_url.split(':')[0]}, answers saved through the {'survey page' if VIA == 'page' else 'API'}"
    )
    if peer_outcome is not None:
        report("peer", peer_outcome)
    report("target", outcome)
    if outcome.steady_rate is not None and outcome.steady_p95 is not None:
        met = outcome.steady_rate >= 400 and outcome.steady_p95 <= 0.1 and not outcome.errors and not outcome.problems
        print(
            f"target (≥ 400 saves/s while all {outcome.respondents} answer, p95 ≤ 100 ms, 0 errors, 0 lost): "
            f"{'met' if met else 'missed'}"
        )
    if peer_outcome is not None and peer_outcome.latencies and outcome.latencies:
        p95, peer_p95 = percentile(outcome.latencies, 0.95), percentile(peer_outcome.latencies, 0.95)
        print(
            f"{outcome.respondents} against {peer_outcome.respondents} respondents, same server and rate: "
            f"p95 × {p95 / peer_p95:.2f}, p50 × "
            f"{statistics.median(outcome.latencies) / statistics.median(peer_outcome.latencies):.2f}"
        )
    failed = outcome.errors or outcome.problems or (peer_outcome and (peer_outcome.errors or peer_outcome.problems))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
