"""`manage.py check --deploy` refuses a weakened policy: the headers and the log redaction are
settings, and a setting is easy to loosen by accident."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

CSP_MIDDLEWARE = "security.middleware.ContentSecurityPolicyMiddleware"
HEADERS_MIDDLEWARE = "security.middleware.SecurityHeadersMiddleware"
REDACT_FILTER = "security.redaction.RedactSecrets"
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:")
REQUIRED = {"frame-ancestors": ["'none'"], "object-src": ["'none'"], "form-action": ["'self'"]}


def _directives() -> dict[str, Any]:
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    return dict(policy.get("DIRECTIVES") or {})


@register(Tags.security, deploy=True)
def content_security_policy(app_configs: Any, **kwargs: Any) -> list[Warning]:
    problems = []
    directives = _directives()
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE or not directives:
        return [
            Warning(
                "No Content-Security-Policy is sent.",
                hint=f"Add {CSP_MIDDLEWARE} to MIDDLEWARE and set CONTENT_SECURITY_POLICY.",
                id="security.W001",
            )
        ]
    for directive in ("script-src", "style-src"):
        sources = directives.get(directive, directives.get("default-src", []))
        loose = [s for s in sources if s in UNSAFE]
        if not sources or loose:
            problems.append(
                Warning(
                    f"The Content-Security-Policy's {directive} allows {', '.join(loose) or 'anything'}.",
                    hint="Scripts and styles come from our own static files only: no inline code.",
                    id="security.W002",
                )
            )
    for directive, expected in REQUIRED.items():
        if list(directives.get(directive, [])) != expected:
            problems.append(
                Warning(
                    f"The Content-Security-Policy's {directive} is not {' '.join(expected)}.",
                    id="security.W003",
                )
            )
    return problems


@register(Tags.security, deploy=True)
def security_headers(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if HEADERS_MIDDLEWARE not in settings.MIDDLEWARE:
        return [
            Warning(
                "No Permissions-Policy is sent and survey links' pages send a Referer.",
                hint=f"Add {HEADERS_MIDDLEWARE} to MIDDLEWARE.",
                id="security.W004",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def log_redaction(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Every configured log handler drops secret tokens from what it writes."""
    logging = getattr(settings, "LOGGING", {}) or {}
    redacting = {name for name, f in logging.get("filters", {}).items() if f.get("()") == REDACT_FILTER}
    bare = sorted(
        name for name, handler in logging.get("handlers", {}).items() if not redacting & set(handler.get("filters", []))
    )
    if not redacting or bare:
        return [
            Warning(
                f"Log handlers that would write survey tokens: {', '.join(bare) or 'all'}.",
                hint=f"Give every handler in LOGGING a filter made by {REDACT_FILTER}.",
                id="security.W005",
            )
        ]
    return []
