"""Two-factor sign-in in tests: an authenticator with a known key, its current code, and a
`force_login` that stands for a complete sign-in (password and code).

Every test that signs someone in with `client.force_login(user)` means "signed in"; for someone who
must give a second factor, that includes the code. tests/conftest.py installs `verified_force_login`
for every test; a test about the unverified state uses `unverified_force_login`. Production code is
unchanged: a session is verified only by django-otp's own session key, here set as a real code would.
"""

from __future__ import annotations

import time
from binascii import hexlify

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations import two_factor

# A key for tests only (20 bytes, as authenticator apps use).
TEST_KEY = hexlify(b"waypoint-tests-only!").decode()

unverified_force_login = Client.force_login


def give_authenticator(user, key: str = TEST_KEY) -> TOTPDevice:
    """The user's confirmed authenticator (created with `key` if they have none)."""
    device = two_factor.authenticator_of(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", key=key, confirmed=True)
    return device


def code_of(device: TOTPDevice, *, at: float | None = None) -> str:
    """The device's code at a moment (now by default), as the user's app shows it."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def code_from_secret(secret: str, *, at: float | None = None) -> str:
    """The code an app shows for a key typed in as the enrolment page prints it (base32, grouped)."""
    from base64 import b32decode

    text = secret.replace(" ", "").upper()
    key = b32decode(text + "=" * (-len(text) % 8))
    totp = TOTP(key)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def verified_force_login(self, user, backend=None):
    """`Client.force_login`, and for someone who gives a second factor, the session verified by their
    authenticator (given one if they have none), as after typing its code."""
    unverified_force_login(self, user, backend)
    if two_factor.must_verify(user):
        device = give_authenticator(user)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def enrol(client) -> list[str]:
    """Set up an authenticator through the pages, as a person does with their app; returns the recovery
    codes shown once."""
    import re

    from django.urls import reverse

    page = client.get(reverse("two-factor-enrol"))
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)
    done = client.post(reverse("two-factor-enrol"), {"otp": code_from_secret(secret)})
    assert done.status_code == 200, done.content.decode()
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())


def give_recovery_codes(user, count: int = 3) -> list[str]:
    """Recovery codes for the user (as shown after setting up), each good for one sign-in."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device = StaticDevice.objects.create(user=user, name="Test recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
