"""The one exception handler of the API, and the lockout response: every error has the same shape.

    {"code": "not_found", "message": "A sentence for people.", "fields": {"period": ["..."]}}

`fields` appears only where the error is about fields of the request. Domain errors
(organisations/errors.py) map to 400, 404, 409, 410 and 422; DRF's own errors keep their statuses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from rest_framework import exceptions, renderers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from organisations.errors import DomainError, Gone, InvalidInput, NotFound, StateConflict, Unprocessable

STATUS_OF_DOMAIN_ERROR = (
    (NotFound, 404),
    (StateConflict, 409),
    (Gone, 410),
    (Unprocessable, 422),
    (InvalidInput, 400),
    (DomainError, 400),
)

# Codes and sentences for DRF's errors, whose own details are terse ("Not found.").
MESSAGES = {
    "not_authenticated": ("not_authenticated", "Sign in, or send an API token: Authorization: Token <key>."),
    "authentication_failed": ("authentication_failed", "The API token is not valid, or has been revoked."),
    "permission_denied": ("forbidden", "Your role in this organisation does not allow this."),
    "not_found": ("not_found", "Not found: it does not exist, or it is not in your organisations."),
    "method_not_allowed": ("method_not_allowed", "This endpoint does not accept that method."),
    "not_acceptable": ("not_acceptable", "This endpoint answers in JSON; accept application/json."),
    "unsupported_media_type": ("unsupported_media_type", "Send the request body as application/json."),
    "throttled": ("throttled", "Too many requests; try again later."),
}


class FieldErrors(InvalidInput):
    """Bad input with several messages per field (a rubric document with every problem listed)."""

    def __init__(self, message: str, *, fields: Mapping[str, list[str]]):
        super().__init__(message)
        self.fields = {key: list(messages) for key, messages in fields.items()}


class UnprocessableFields(FieldErrors, Unprocessable):
    """A document (a rubric) or list (invitations) whose content breaks the domain's rules, by field (422)."""


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


def error_body(code: str, message: str, fields: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = dict(fields)
    return body


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: map any known error to its status and the one error shape."""
    if isinstance(exc, DomainError):
        http_status = next(c for kind, c in STATUS_OF_DOMAIN_ERROR if isinstance(exc, kind))
        fields = getattr(exc, "fields", None) or ({exc.field: [exc.message]} if exc.field else None)
        set_rollback()
        return Response(error_body(exc.code, exc.message, fields), status=http_status)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _body_of(exc)
    return response


def _body_of(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, Http404):
        return error_body(*MESSAGES["not_found"])
    if isinstance(exc, PermissionDenied):
        return error_body(*MESSAGES["permission_denied"])
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        general = fields.pop("", [])
        first = (
            general[0] if general else next((f"{k}: {v[0]}" for k, v in fields.items()), "The request is not valid.")
        )
        count = len(general) + sum(len(v) for v in fields.values())
        message = first if count == 1 else f"{first} (and {count - 1} more problem{'s' if count > 2 else ''})"
        return error_body("invalid", message, fields)
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ParseError):
        return error_body("malformed", f"The request body is not valid JSON: {exc.detail}")
    if isinstance(exc, exceptions.Throttled):
        # organisations/throttles.py; the Retry-After header says the same in seconds.
        from organisations.throttles import throttled_message

        return error_body("throttled", throttled_message(max(1, math.ceil(getattr(exc, "wait", None) or 1))))
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    known_code, known_message = MESSAGES.get(code, (code, str(exc.detail)))
    custom = str(exc.detail) != str(type(exc).default_detail)
    return error_body(known_code, str(exc.detail) if custom else known_message)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as {"answers[0].option": ["..."]}; general errors under ""."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "detail") and not prefix else _join(prefix, str(key))
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, Mapping | list) for item in detail):
            out.setdefault(prefix, []).extend(str(item) for item in detail)
        else:
            for i, item in enumerate(detail):
                for k, v in _flatten(item, f"{prefix}[{i}]").items():
                    out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix, []).append(str(detail))
    return out


def _join(prefix: str, key: str) -> str:
    if not prefix:
        return key
    return f"{prefix}[{key}]" if key.isdigit() else f"{prefix}.{key}"


# --- lockout (django-axes) ----------------------------------------------------------------


def lockout_message(cool_off: timedelta | None) -> str:
    if cool_off is None:
        wait = "Ask an administrator to unlock the account."
    else:
        minutes = max(1, round(cool_off.total_seconds() / 60))
        wait = f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    return f"Too many failed sign-in attempts for this username from your address. {wait}"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a JSON 429 in the error shape for the API, a plain 429 page elsewhere."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    message = lockout_message(cool_off)
    headers = {"Retry-After": str(int(cool_off.total_seconds()))} if cool_off else {}
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("locked_out", message), status=429, headers=headers)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too many attempts · Waypoint</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main><h1>Too many failed sign-in attempts</h1><p>{escape(message)}</p></main></body></html>"
    )
    return HttpResponse(page, status=429, headers=headers)


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A URL that matches no route: the error shape under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "There is nothing at this address."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def api_server_error(request: HttpRequest) -> HttpResponse:
    """An unexpected failure: the error shape under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        body = error_body("server_error", "Something went wrong on our side; nothing was changed. Please try again.")
        return JsonResponse(body, status=500)
    from django.views.defaults import server_error

    return server_error(request)


class JsonErrors:
    """For views that answer with a file: errors go out as JSON with their JSON media type, whichever
    file type the client asked for."""

    request: Any

    def handle_exception(self, exc: Exception) -> Any:
        # finalize_response renders with the request's negotiated renderer: make it JSON's.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)  # type: ignore[misc]
