"""The rate limits hold across processes: two processes counting on one Redis cache (CACHE_URL) let
through exactly the limit between them, as two gunicorn workers or two servers would.

The requests come from an address of this run's own, and only its counts are deleted afterwards: the
Redis database may be shared with a broker or another run of the suite, whose keys are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from organisations import throttles

ROOT = Path(settings.BASE_DIR)
CACHE_URL = os.environ.get("CACHE_TEST_URL", "redis://127.0.0.1:6379/14")
LIMIT = 50

# Each process says it is ready and waits for the word to go (a line on its input, given to both once
# both are ready), then sends 40 requests' worth of counting as fast as it can.
COUNT = """
import sys
from organisations import throttles
print("ready", flush=True)
sys.stdin.readline()
allowed = sum(throttles.hit("sign-up", "{address}") is None for _ in range(40))
print("allowed", allowed)
"""


@pytest.mark.integration
def test_two_processes_on_one_redis_cache_share_one_limit():
    # An address in the documentation range 2001:db8::/32, new for each run: no count of an earlier run.
    address = f"2001:db8:{uuid.uuid4().hex[:4]}::{uuid.uuid4().hex[:4]}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "CACHE_URL": CACHE_URL,
        "THROTTLE_SIGN_UPS": f"{LIMIT}/hour",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", COUNT.format(address=address)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = []
    # Neither process may hang the suite: both are killed after two minutes, ready or not.
    watchdog = threading.Timer(120, lambda: [process.kill() for process in processes])
    watchdog.start()
    try:
        for process in processes:
            # Django loaded, the count not started (lines it may print before are passed over).
            for line in process.stdout:
                if line == "ready\n":
                    break
            else:
                pytest.fail(f"A counting process ended before it was ready: {process.stderr.read()}")
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            allowed.append(int(out.split("allowed")[-1]))
    finally:
        watchdog.cancel()
        cache = redis.Redis.from_url(CACHE_URL)
        of_this_address = throttles._cache_key("sign-up", address, 0).rsplit(":", 1)[0]
        counted = list(cache.scan_iter(match=f"*{of_this_address}:*"))
        if counted:
            cache.delete(*counted)
    # 80 requests in all: the limit between them, whichever process sent each.
    assert sum(allowed) == LIMIT
