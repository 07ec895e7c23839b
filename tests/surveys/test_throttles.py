"""Anonymous survey requests are limited per link and per client address, and an address that sends
unknown links is stopped (THROTTLE_SURVEY_*); sign-ups are limited per address (THROTTLE_SIGN_UPS)."""

from __future__ import annotations

import secrets
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from organisations.models import SignUp
from tests.surveys.test_self_assessment import SIGN_UP, submit_sign_up

START = 1_800_000_000 - 1_800_000_000 % 3600 + 600  # 10 minutes into an hour


@pytest.fixture(autouse=True)
def clock():
    with mock.patch("organisations.throttles.now", return_value=START) as now:
        yield now


def bad_token() -> str:
    return secrets.token_urlsafe(32)


@override_settings(THROTTLE_SURVEY_BAD_TOKENS="60/hour")
def test_an_address_sending_hundreds_of_unknown_links_is_stopped(invited_rep):
    """600 unknown tokens from one address: the first 60 are looked up (404), the rest refused (429), and
    that address's valid link waits too; other addresses are not affected."""
    api = APIClient(REMOTE_ADDR="203.0.113.9")
    statuses = [api.get(f"/api/v1/survey/{bad_token()}/").status_code for _ in range(600)]
    assert statuses[:60] == [404] * 60
    assert set(statuses[60:]) == {429}
    refused = api.get(f"/api/v1/survey/{invited_rep.token}/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"
    assert refused.json()["code"] == "throttled"
    # The pages count the same unknown links and refuse the same address.
    page = Client(REMOTE_ADDR="203.0.113.9").get(invited_rep.url())
    assert page.status_code == 429
    assert page["Retry-After"] == "3000"
    assert APIClient(REMOTE_ADDR="198.51.100.4").get(f"/api/v1/survey/{invited_rep.token}/").status_code == 200
    assert Client(REMOTE_ADDR="198.51.100.4").get(invited_rep.url()).status_code == 200


@override_settings(THROTTLE_SURVEY_BAD_TOKENS="5/hour")
def test_unknown_links_on_the_pages_stop_the_address(invited_rep):
    browser = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [browser.get(reverse("surveys:start", kwargs={"token": bad_token()})).status_code for _ in range(8)]
    assert statuses == [404] * 5 + [429] * 3
    assert browser.get(invited_rep.url()).status_code == 429
    assert "Too many requests" in browser.get(invited_rep.url()).content.decode()


@override_settings(THROTTLE_SURVEY_TOKEN="3/hour")
def test_one_link_is_limited_and_another_link_is_not_affected(open_assessment, invite):
    first = invite(open_assessment, email="one@example.com")
    second = invite(open_assessment, email="two@example.com")
    api = APIClient()
    assert [api.get(f"/api/v1/survey/{first.token}/").status_code for _ in range(3)] == [200] * 3
    refused = api.get(f"/api/v1/survey/{first.token}/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"
    # The page's autosave gets JSON, the pages a page; both count on the same link.
    saved = Client().post(first.url("answers"), "{}", content_type="application/json")
    assert saved.status_code == 429
    assert saved.json()["code"] == "throttled"
    assert api.get(f"/api/v1/survey/{second.token}/").status_code == 200


@override_settings(THROTTLE_SURVEY_ADDRESS="4/hour")
def test_one_address_is_limited_across_links_and_another_address_is_not(open_assessment, invite):
    links = [invite(open_assessment, email=f"rep{i}@example.com") for i in range(3)]
    office = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [office.get(link.url()).status_code for link in links + links[:2]]
    assert statuses == [200] * 4 + [429] * 1
    assert Client(REMOTE_ADDR="198.51.100.4").get(links[0].url()).status_code == 200


@override_settings(THROTTLE_SIGN_UPS="2/hour")
def test_sign_ups_are_limited_per_address_with_a_429_page_and_nothing_stored(client, db, default_rubric):
    for n in range(2):
        assert submit_sign_up(client, email=f"leader{n}@example.com").status_code == 302
    refused = submit_sign_up(client, email="leader3@example.com")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"
    assert "Too many requests" in refused.content.decode()
    assert SignUp.objects.count() == 2
    assert not SignUp.objects.filter(email="leader3@example.com").exists()
    # The form itself is still shown; another address signs up.
    assert client.get(reverse("surveys:sign-up")).status_code == 200
    other = Client(REMOTE_ADDR="198.51.100.4")
    assert other.post(reverse("surveys:sign-up"), {**SIGN_UP, "email": "leader4@example.com"}).status_code == 302
    assert not get_user_model().objects.exists()


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}},
    THROTTLE_SURVEY_TOKEN="1/hour",
)
def test_a_cache_that_is_down_limits_nothing_and_breaks_nothing(invited_rep):
    """Nothing listens where the cache should be: survey requests are answered, none is refused."""
    api = APIClient()
    assert [api.get(f"/api/v1/survey/{invited_rep.token}/").status_code for _ in range(2)] == [200, 200]
    assert api.get(f"/api/v1/survey/{bad_token()}/").status_code == 404
