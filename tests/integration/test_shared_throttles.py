"""The rate limits hold across processes: two processes counting on one Redis cache (CACHE_URL) let
through exactly the limit between them, as two gunicorn workers or two servers would.

The requests come from an address of this run's own, and only its counts are deleted afterwards: the
Redis database may be shared with a broker or another run of the suite, whose keys are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from organisations import throttles

ROOT = Path(settings.BASE_DIR)
CACHE_URL = os.environ.get("CACHE_TEST_URL", "redis://127.0.0.1:6379/14")
LIMIT = 50

# Each process waits for the same moment, then sends 40 requests' worth of counting as fast as it can.
COUNT = """
import time
from organisations import throttles
time.sleep(max(0.0, {start} - time.time()))
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
    start = time.time() + 8  # both processes have loaded Django by then
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", COUNT.format(start=start, address=address)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            allowed.append(int(out.split("allowed")[-1]))
    finally:
        cache = redis.Redis.from_url(CACHE_URL)
        of_this_address = throttles._cache_key("sign-up", address, 0).rsplit(":", 1)[0]
        counted = list(cache.scan_iter(match=f"*{of_this_address}:*"))
        if counted:
            cache.delete(*counted)
    # 80 requests in all: the limit between them, whichever process sent each.
    assert sum(allowed) == LIMIT
