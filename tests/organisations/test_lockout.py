"""The sign-in lockout (django-axes, organisations/lockout.py): failures counted per (username, address)
and per address across usernames; a locked username still signs in from another address; the address
is taken from TRUSTED_PROXY_COUNT trusted proxies, never from a header a client can set."""

from __future__ import annotations

from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.two_factor import code_of, give_authenticator

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
SPRAYED = "Summer2026!"
LIMITS = {"AXES_FAILURE_LIMIT": 5, "AXES_ADDRESS_FAILURE_LIMIT": 20}


def sign_in(client: APIClient, username: str, password: str, otp: str | None = None):
    body = {"username": username, "password": password} | ({"otp": otp} if otp else {})
    return client.post("/api/v1/auth/token/", body)


@override_settings(**LIMITS)
def test_thirty_usernames_sprayed_from_one_address_lock_that_address(consultant):
    attacker = APIClient(REMOTE_ADDR="203.0.113.9")
    statuses = [sign_in(attacker, f"user{n}", SPRAYED).status_code for n in range(30)]
    assert statuses == [401] * 19 + [429] * 11
    # Locked: even a right password from that address gets no token...
    assert sign_in(attacker, "consultant", PASSWORD).status_code == 429
    assert not Token.objects.filter(user=consultant).exists()
    # ...while the user signs in from anywhere else.
    # (A consultant gives the code of their authenticator too.)
    otp = code_of(give_authenticator(consultant))
    assert sign_in(APIClient(REMOTE_ADDR="198.51.100.4"), "consultant", PASSWORD, otp).status_code == 200


@override_settings(**LIMITS)
def test_spraying_the_sign_in_page_locks_the_address_with_a_429_page(consultant):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        attacker.post(reverse("login"), {"username": f"user{n}", "password": SPRAYED}).status_code for n in range(30)
    ]
    assert statuses == [200] * 19 + [429] * 11
    locked = attacker.post(reverse("login"), {"username": "consultant", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert "_auth_user_id" not in attacker.session
    elsewhere = Client(REMOTE_ADDR="198.51.100.4")
    assert elsewhere.post(reverse("login"), {"username": "consultant", "password": PASSWORD}).status_code == 302


@override_settings(**LIMITS)
def test_a_username_locked_from_one_address_still_signs_in_on_the_page_from_another(consultant):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        attacker.post(reverse("login"), {"username": "consultant", "password": "guess"})
    assert attacker.post(reverse("login"), {"username": "consultant", "password": PASSWORD}).status_code == 429
    owner = Client(REMOTE_ADDR="198.51.100.4")
    assert owner.post(reverse("login"), {"username": "consultant", "password": PASSWORD}).status_code == 302
    assert owner.session["_auth_user_id"] == str(consultant.pk)


@override_settings(**LIMITS)
def test_signing_in_with_an_account_of_one_s_own_does_not_clear_the_address_s_count(consultant):
    own = UserFactory(username="mallory")
    attacker = APIClient(REMOTE_ADDR="203.0.113.9")
    first = [sign_in(attacker, f"user{n}", SPRAYED).status_code for n in range(15)]
    assert sign_in(attacker, "mallory", PASSWORD).status_code == 200
    assert Token.objects.filter(user=own).exists()
    then = [sign_in(attacker, f"user{n}", SPRAYED).status_code for n in range(15, 20)]
    assert first + then == [401] * 19 + [429]


@override_settings(TRUSTED_PROXY_COUNT=0, **LIMITS)
def test_without_a_proxy_a_forged_x_forwarded_for_does_not_escape_the_lockout(consultant):
    statuses = [
        sign_in(APIClient(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), f"user{n}", SPRAYED)
        for n in range(25)
    ]
    assert [s.status_code for s in statuses] == [401] * 19 + [429] * 6
    forged = APIClient(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert sign_in(forged, "consultant", PASSWORD).status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1, **LIMITS)
def test_behind_a_proxy_the_lockout_is_per_client_not_for_everyone_behind_it(consultant):
    """All requests arrive from the proxy (10.0.0.2); the client is the address the proxy appended."""
    attacker = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(5):
        sign_in(attacker, "consultant", "guess")
    assert sign_in(attacker, "consultant", PASSWORD).status_code == 429
    # Writing another address in front of the proxy's does not help the attacker...
    forged = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4, 203.0.113.9")
    assert sign_in(forged, "consultant", PASSWORD).status_code == 429
    # ...and the user, behind the same proxy from their own address, signs in.
    owner = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert sign_in(owner, "consultant", PASSWORD, code_of(give_authenticator(consultant))).status_code == 200


def test_a_sign_in_lasts_twelve_hours_and_ends_with_the_browser(consultant):
    client = Client()
    assert client.post(reverse("login"), {"username": "consultant", "password": PASSWORD}).status_code == 302
    assert client.session.get_expiry_age() == 12 * 3600
    assert client.session.get_expire_at_browser_close()
    cookie = client.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser session cookie
