"""Headers on every response: Content-Security-Policy, Permissions-Policy, and no Referer at all from a
survey link's pages."""

from __future__ import annotations

import functools
import http
import re
from collections.abc import Callable
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# A respondent's survey, reached by the invitation link's token (the pages and the respondent API), and a
# report sent to an outside address.
SURVEY_LINK = re.compile(r"^/(?:s|api/v1/survey|reports/shared)/[^/]+/")


def permissions_policy(features: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` -> `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in features.items())


class SecurityHeadersMiddleware:
    """Permissions-Policy (settings.PERMISSIONS_POLICY) on every response, and
    `Referrer-Policy: no-referrer` on a survey link's pages, whose address is the respondent's
    only credential: not even our own pages see it in a Referer. Elsewhere Django's
    SECURE_REFERRER_POLICY (same-origin) applies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.permissions_policy = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if SURVEY_LINK.match(request.path_info):
            response.headers["Referrer-Policy"] = "no-referrer"
        return response


# What a response (or its view's decorator) sets to change the policy for itself: csp.decorators.
_OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


@functools.cache
def site_policy(*, report_only: bool) -> str:
    """The header of CONTENT_SECURITY_POLICY (or ..._REPORT_ONLY) as settings state it: "" when unset."""
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def _forget_site_policy(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        site_policy.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site's policy built once per process.

    The library builds the header anew for every response, which cost more than every other header
    together on an autosaved answer. A response whose view changes the policy (csp_update and its
    kin, the API docs page) or whose page used a nonce still goes through the library's own code.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        debug_page = settings.DEBUG and response.status_code in (
            http.HTTPStatus.INTERNAL_SERVER_ERROR,
            http.HTTPStatus.NOT_FOUND,
        )
        if (
            debug_page
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _OWN_POLICY)
        ):
            return super().process_response(request, response)
        for header, setting, exempt, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
        ):
            policy = site_policy(report_only=report_only)
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            if not request.path_info.startswith(tuple(excluded)):
                response[header] = policy
        # As the library does: a nonce asked for after the header was written would be in no policy.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
