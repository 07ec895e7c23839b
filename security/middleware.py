"""Headers on every response: Permissions-Policy, and no Referer at all from a survey link's pages."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
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
