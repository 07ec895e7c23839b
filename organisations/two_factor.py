"""Two-factor sign-in: an authenticator app's time-based codes (TOTP), with single-use recovery codes,
on django-otp.

Who must give a code: every member of a firm (admins and consultants), staff (the admin site), and
the client leaders and viewers of a firm that requires it (`Firm.require_two_factor_for_clients`).
Anyone else may set an authenticator up from their account page, and then gives a code at each
sign-in too. Wrong codes are throttled by django-otp (the next try waits 1, 2, 4, 8... seconds,
`OTP_THROTTLE_FACTOR`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from organisations import audit
from organisations.errors import DomainError, StateConflict
from organisations.models import Firm, FirmMembership, Membership

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class WrongCode(DomainError):
    code = "otp_invalid"


class TooManyWrongCodes(DomainError):
    """Verification is paused after wrong codes; `retry_after` is in seconds."""

    code = "otp_throttled"

    def __init__(self, retry_after: int):
        self.retry_after = max(1, retry_after)
        super().__init__(f"Too many wrong codes: try again in {self.retry_after} seconds.", field="otp")


# --- who must, who has -----------------------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_required_for(user: Any) -> bool:
    """Must this person sign in with a second factor (firm members, staff, clients of a firm that requires it)?"""
    if not _signed_in(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    if FirmMembership.objects.filter(user=user).exists():
        return True
    return Membership.objects.filter(user=user, organisation__firm__require_two_factor_for_clients=True).exists()


def authenticator_of(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they set one up."""
    if not _signed_in(user):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def must_verify(user: Any) -> bool:
    """Does this person give a code at sign-in (because they must, or because they chose to)?"""
    return _signed_in(user) and (authenticator_of(user) is not None or is_required_for(user))


def is_verified(user: Any) -> bool:
    """Has this session been verified with a second factor (django-otp's middleware tells)?"""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _firms_of(user: Any) -> list[Firm]:
    """The firms whose audit log records this person's two-factor changes."""
    return list(Firm.objects.filter(Q(memberships__user=user) | Q(organisations__memberships__user=user)).distinct())


def _record(user: Any, action: str, summary: str, details: dict[str, Any] | None = None) -> None:
    audit.record_in_firms(firms=_firms_of(user), action=action, summary=summary, actor=user, details=details)


# --- enrolment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice

    @property
    def secret(self) -> str:
        """The key as authenticator apps take it typed in: base32, in groups of four."""
        from base64 import b32encode

        text = b32encode(self.device.bin_key).decode().rstrip("=")
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))

    @property
    def url(self) -> str:
        return str(self.device.config_url)

    def qr_svg(self) -> str:
        """The otpauth:// link as an inline SVG QR code (no script, no style attribute)."""
        import segno

        return str(segno.make(self.url, error="m").svg_inline(scale=5, dark="#111", light="#fff", omitsize=False))


def pending_enrolment(user: Any) -> Enrolment:
    """The authenticator being set up (created on first call; the same secret until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return Enrolment(device)


def _normalised(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _check(device: Device, code: str) -> bool:
    """The device's verdict on the code; raises TooManyWrongCodes while it is throttled."""
    allowed, data = device.verify_is_allowed()
    if not allowed:
        locked_until = (data or {}).get("locked_until")
        wait = int((locked_until - timezone.now()).total_seconds()) + 1 if locked_until else 1
        raise TooManyWrongCodes(wait)
    return bool(device.verify_token(code))


def confirm_enrolment(*, user: Any, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with its current code; returns it and fresh recovery codes
    (shown once: only their use is stored)."""
    refused: DomainError | None = None
    with transaction.atomic():
        if authenticator_of(user) is not None:
            raise StateConflict("Two-factor sign-in is already set up for your account.")
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            raise StateConflict("Start the set-up again: there is no authenticator waiting to be confirmed.")
        try:
            accepted = _check(device, _normalised(code))
        except TooManyWrongCodes as error:
            refused = error
            accepted = False
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _new_recovery_codes(user)
            _record(user, audit.Action.TWO_FACTOR_ENABLED, "Set up two-factor sign-in")
            return device, codes
    # Outside the transaction: the failure count django-otp saved stays saved.
    raise refused or WrongCode("That code is not right: type the 6 digits your app shows now.", field="otp")


def _new_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def regenerate_recovery_codes(*, user: Any) -> list[str]:
    """New recovery codes for someone who set up an authenticator; the old ones stop working."""
    with transaction.atomic():
        if authenticator_of(user) is None:
            raise StateConflict("Set up two-factor sign-in first.")
        codes = _new_recovery_codes(user)
        _record(user, audit.Action.RECOVERY_CODES_REGENERATED, "Made new two-factor recovery codes")
    return codes


# --- signing in --------------------------------------------------------------------------------


def verify(*, user: Any, code: str) -> Device:
    """The device that accepts the code: the authenticator's current 6 digits, or an unused recovery
    code (then used up). Raises WrongCode or TooManyWrongCodes."""
    code = _normalised(code)
    refused: DomainError | None = None
    with transaction.atomic():
        if re.fullmatch(r"\d{6}", code):
            device: Device | None = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("id").first()
            )
        else:
            device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None:
            try:
                if _check(device, code):
                    if isinstance(device, StaticDevice):
                        left = device.token_set.count()
                        _record(
                            user,
                            audit.Action.RECOVERY_CODE_USED,
                            f"Signed in with a recovery code ({left} left)",
                            {"left": left},
                        )
                    return device
            except TooManyWrongCodes as error:
                refused = error
    raise refused or WrongCode(
        "That code is not right: type the 6 digits your authenticator app shows now, or one of your recovery codes.",
        field="otp",
    )


def disable(*, user: Any, code: str) -> None:
    """Remove the authenticator and recovery codes, for someone who is not required to have them."""
    if is_required_for(user):
        raise StateConflict("Your role requires two-factor sign-in: it cannot be turned off.")
    if authenticator_of(user) is None:
        raise StateConflict("Two-factor sign-in is not set up for your account.")
    verify(user=user, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _record(user, audit.Action.TWO_FACTOR_DISABLED, "Turned two-factor sign-in off")


def mark_verified(request: HttpRequest, device: Device) -> None:
    """The session has given its second factor (a new session key, so an old one cannot ride along)."""
    from django_otp import login as otp_login

    request.session.cycle_key()
    otp_login(request, device)


# --- enforcement -------------------------------------------------------------------------------


EXEMPT_PREFIXES = ("/static/", "/api/", "/admin/", "/account/two-factor/verify/", "/account/two-factor/enrol/")
EXEMPT_PATHS = ("/logout/",)


def _next_query(request: HttpRequest) -> str:
    return "?" + urlencode({"next": request.get_full_path()})


class TwoFactorMiddleware:
    """Pages: a signed-in person who must give a code and has not is sent to the code page (or, with no
    authenticator yet, to set one up) before any other page. The API refuses such sessions itself
    (VerifiedSessionAuthentication); the admin site asks for the code on its own sign-in form."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path
        if (
            _signed_in(user)
            and not path.startswith(EXEMPT_PREFIXES)
            and path not in EXEMPT_PATHS
            and not is_verified(user)
            and must_verify(user)
        ):
            if authenticator_of(user) is not None:
                return redirect(reverse("two-factor-verify") + _next_query(request))
            return redirect(reverse("two-factor-enrol") + _next_query(request))
        return self.get_response(request)


class TwoFactorRequired(exceptions.PermissionDenied):
    default_code = "two_factor_required"
    default_detail = (
        "This session has not given its second factor yet: finish signing in on the web "
        "(the code from your authenticator app), or use an API token."
    )


class VerifiedSessionAuthentication(SessionAuthentication):
    """Django's session for the API, refused (403) while a second factor the user must give is missing."""

    def authenticate(self, request: Any) -> Any:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if not is_verified(user) and must_verify(user):
            raise TwoFactorRequired()
        return result


# --- the demo (`make run`) ----------------------------------------------------------------------

# A fixed key, public in this file: only the demo data's people get it, and `manage.py totp_code`
# prints codes only for devices with this key and name, and only with DEBUG on.
DEMO_KEY = "576179706f696e742d64656d6f2d6f6e6c792121"  # b"Waypoint-demo-only!!"
DEMO_DEVICE_NAME = "Demo authenticator"
# The same key as authenticator apps take it typed in (base32).
DEMO_SECRET = "K5QXS4DPNFXHILLEMVWW6LLPNZWHSIJB"


def give_demo_authenticator(user: Any) -> TOTPDevice:
    """The demo person's authenticator, with the demo key (kept if they have one already)."""
    device = authenticator_of(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=DEMO_KEY, confirmed=True)
    return device


def demo_code(user: Any) -> str | None:
    """The current code of the user's demo authenticator; None if they have none."""
    import time

    from django_otp.oath import TOTP

    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME, key=DEMO_KEY, confirmed=True).first()
    if device is None:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


class VerifiedSessionScheme(SessionScheme):
    """The schema names it as the session cookie it is (drf-spectacular's extension of DRF's)."""

    target_class = "organisations.two_factor.VerifiedSessionAuthentication"
