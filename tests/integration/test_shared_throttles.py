"""The rate limits hold across processes: two processes counting on one Redis cache (CACHE_URL) let
through exactly the limit between them, as two gunicorn workers or two servers would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CACHE_URL = os.environ.get("CACHE_TEST_URL", "redis://127.0.0.1:6379/14")
LIMIT = 50

# Each process waits for the same moment, then sends 40 requests' worth of counting as fast as it can.
COUNT = """
import time
from organisations import throttles
time.sleep(max(0.0, {start} - time.time()))
allowed = sum(throttles.hit("sign-up", "203.0.113.9") is None for _ in range(40))
print("allowed", allowed)
"""


@pytest.mark.integration
def test_two_processes_on_one_redis_cache_share_one_limit():
    redis.Redis.from_url(CACHE_URL).flushdb()
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
            [sys.executable, "manage.py", "shell", "-c", COUNT.format(start=start)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        allowed.append(int(out.split("allowed")[-1]))
    # 80 requests in all: the limit between them, whichever process sent each.
    assert sum(allowed) == LIMIT
    redis.Redis.from_url(CACHE_URL).flushdb()
