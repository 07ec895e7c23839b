"""The survey's rate limits counted in Redis, the cache of production, where the three checks of a
request are one round trip (organisations/throttles.py): the same limits as with any other cache."""

from __future__ import annotations

import secrets
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from assessment.models import Answer
from tests.conftest import BROKER_URL, _broker_reachable

START = 1_800_000_000 - 1_800_000_000 % 3600 + 600  # 10 minutes into an hour

pytestmark = pytest.mark.skipif(not _broker_reachable(), reason="needs Redis")


@pytest.fixture(autouse=True)
def redis_cache():
    """A Redis cache of its own (a fresh key prefix), on the clock of START.

    Afterwards only this test's keys are deleted: clearing the cache would empty the whole Redis database,
    and with it the counts of a test running at the same moment on the suite's other worker."""
    prefix = f"throttle-test-{secrets.token_hex(8)}"
    location = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": BROKER_URL,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=location), mock.patch("organisations.throttles.now", return_value=START):
        yield
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


@override_settings(THROTTLE_SURVEY_TOKEN="3/hour")
def test_a_link_is_limited_in_redis_and_a_refused_save_stores_nothing(open_assessment, invite):
    first = invite(open_assessment, email="one@example.com")
    second = invite(open_assessment, email="two@example.com")
    api = APIClient()
    questionnaire = api.get(f"/api/v1/survey/{first.token}/").json()
    keys = [q["key"] for p in questionnaire["pages"] for s in p["sections"] for q in s["questions"] if q["options"]]
    url = f"/api/v1/survey/{first.token}/answers/"
    assert [api.post(url, {"criterion": key, "option": "2"}).status_code for key in keys[:2]] == [200, 200]
    refused = api.post(url, {"criterion": keys[2], "option": "3"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"
    assert refused.json()["code"] == "throttled"
    assert Answer.objects.count() == 2
    assert api.get(f"/api/v1/survey/{second.token}/").status_code == 200


@override_settings(THROTTLE_SURVEY_ADDRESS="4/hour")
def test_an_address_is_limited_across_links_in_redis(open_assessment, invite):
    links = [invite(open_assessment, email=f"rep{i}@example.com") for i in range(3)]
    office = APIClient(REMOTE_ADDR="203.0.113.9")
    statuses = [office.get(f"/api/v1/survey/{link.token}/").status_code for link in links + links[:2]]
    assert statuses == [200] * 4 + [429]
    assert APIClient(REMOTE_ADDR="198.51.100.4").get(f"/api/v1/survey/{links[0].token}/").status_code == 200


@override_settings(THROTTLE_SURVEY_BAD_TOKENS="5/hour")
def test_unknown_links_stop_the_address_in_redis(invited_rep):
    api = APIClient(REMOTE_ADDR="203.0.113.9")
    statuses = [api.get(f"/api/v1/survey/{secrets.token_urlsafe(32)}/").status_code for _ in range(8)]
    assert statuses == [404] * 5 + [429] * 3
    assert api.get(f"/api/v1/survey/{invited_rep.token}/").status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.9").get(invited_rep.url()).status_code == 429
    assert APIClient(REMOTE_ADDR="198.51.100.4").get(f"/api/v1/survey/{invited_rep.token}/").status_code == 200
