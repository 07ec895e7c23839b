"""The pages of two-factor sign-in: the code asked after the password, setting an authenticator up,
and the account page (recovery codes, turning it off where allowed). Thin: each form calls
organisations/two_factor.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from organisations import two_factor
from organisations.errors import DomainError

T = TypeVar("T")


class CodeForm(forms.Form):
    otp = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _checked(form: CodeForm, check: Callable[[str], T]) -> tuple[T | None, int]:
    """`check(code)` for a valid form: (its result, 200), or (None, 400), or (None, 429) after too
    many wrong codes, with the refusal shown on the form."""
    if not form.is_valid():
        return None, 400
    try:
        return check(form.cleaned_data["otp"]), 200
    except two_factor.TooManyWrongCodes as error:
        form.add_error("otp", error.message)
        return None, 429
    except DomainError as error:
        form.add_error("otp", error.message)
        return None, 400


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: the authenticator's code, or a recovery code."""
    if two_factor.is_verified(request.user) or two_factor.authenticator_of(request.user) is None:
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        device, status = _checked(form, lambda code: two_factor.verify(user=request.user, code=code))
        if device is not None:
            two_factor.mark_verified(request, device)
            if isinstance(device, two_factor.StaticDevice):
                left = two_factor.recovery_codes_left(request.user)
                messages.warning(
                    request, f"You signed in with a recovery code: {left} left. Make new ones on your account page."
                )
            return redirect(_next(request))
    return render(
        request, "organisations/two_factor/verify.html", {"form": form, "next": _next(request)}, status=status
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set an authenticator up: scan the QR code (or type the secret), then confirm with a code."""
    if two_factor.authenticator_of(request.user) is not None:
        return redirect("two-factor")
    enrolment = two_factor.pending_enrolment(request.user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        enrolled, status = _checked(form, lambda code: two_factor.confirm_enrolment(user=request.user, code=code))
        if enrolled is not None:
            device, codes = enrolled
            two_factor.mark_verified(request, device)
            return _show_codes(request, codes, first=True)
    context: dict[str, Any] = {
        "form": form,
        "enrolment": enrolment,
        "required": two_factor.is_required_for(request.user),
        "next": _next(request),
    }
    return render(request, "organisations/two_factor/enrol.html", context, status=status)


def _show_codes(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    return render(
        request,
        "organisations/two_factor/recovery_codes.html",
        {"codes": codes, "first": first, "next": _next(request)},
    )


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Your account's two-factor sign-in: on or off, recovery codes left, the actions."""
    return _account_page(request, CodeForm())


def _account_page(request: HttpRequest, form: CodeForm, *, status: int = 200) -> HttpResponse:
    context = {
        "enabled": two_factor.authenticator_of(request.user) is not None,
        "required": two_factor.is_required_for(request.user),
        "codes_left": two_factor.recovery_codes_left(request.user),
        "form": form,
    }
    return render(request, "organisations/two_factor/account.html", context, status=status)


@never_cache
@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    try:
        codes = two_factor.regenerate_recovery_codes(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("two-factor")
    return _show_codes(request, codes, first=False)


@never_cache
@login_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off (with a current code), for those who are not required to use it."""
    form = CodeForm(request.POST)
    turned_off, status = _checked(form, lambda code: two_factor.disable(user=request.user, code=code) or True)
    if turned_off:
        messages.success(request, "Two-factor sign-in is off.")
        return redirect("two-factor")
    return _account_page(request, form, status=status)
