"""Rate limits for the API and the pages, counted in the shared cache, and the client's address.

One counting rule serves both: a limit is a setting such as "30/hour"; requests are counted per key
(an organisation, a client address, a survey link) in fixed windows of that length in
CACHES["default"] (Redis in production, so that every web process counts together). Over the limit
the API answers 429 in its error shape and the pages a 429 page, both with `Retry-After`: the
seconds until the window ends.

| scope               | setting                      | counted per     | what                                        |
| report-render       | THROTTLE_REPORT_RENDERS      | organisation    | report requests (API and page)              |
| sign-up             | THROTTLE_SIGN_UPS            | client address  | sign-ups posted at /start/                  |
| password-reset      | THROTTLE_PASSWORD_RESETS     | client address  | password reset emails asked for             |
| member-invitation   | THROTTLE_MEMBER_INVITATIONS  | client address  | member invitations sent or resent           |
| survey-token        | THROTTLE_SURVEY_TOKEN        | survey link     | survey pages and survey API requests        |
| survey-address      | THROTTLE_SURVEY_ADDRESS      | client address  | survey pages and survey API requests        |
| survey-bad-token    | THROTTLE_SURVEY_BAD_TOKENS   | client address  | survey requests with a token that is no one's |

Survey requests are stopped once an address has sent too many unknown tokens, before the next
token is even looked up.

Every survey request (each autosaved answer) checks three counters. With Redis, the cache of
production, that is one round trip: a small server-side script reads and counts them with the same
rules as the generic path (a refused request counts on no further limit). Other caches (the
in-process default, tests) take the generic path, a few calls.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import time
import weakref
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

SETTING_OF_SCOPE = {
    "report-render": "THROTTLE_REPORT_RENDERS",
    "sign-up": "THROTTLE_SIGN_UPS",
    "password-reset": "THROTTLE_PASSWORD_RESETS",
    "member-invitation": "THROTTLE_MEMBER_INVITATIONS",
    "survey-token": "THROTTLE_SURVEY_TOKEN",
    "survey-address": "THROTTLE_SURVEY_ADDRESS",
    "survey-bad-token": "THROTTLE_SURVEY_BAD_TOKENS",
}
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'30/hour' -> (30, 3600): a number of requests per second, minute, hour or day."""
    count, _, period = rate.partition("/")
    period = period.strip().lower()
    if not count.strip().isdigit() or not period or period[0] not in SECONDS:
        raise ValueError(f"A rate is written <count>/<second|minute|hour|day>, not {rate!r}.")
    return int(count), SECONDS[period[0]]


def now() -> float:
    return time.time()


def _cache_key(scope: str, key: str, window: int) -> str:
    # Tokens and addresses are hashed: the cache holds neither.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}:{window}"


def _window(scope: str) -> tuple[int, int, float]:
    limit, seconds = parse_rate(getattr(settings, SETTING_OF_SCOPE[scope]))
    moment = now()
    return limit, seconds, moment


def throttled_message(wait: int) -> str:
    """What a 429 says, in the API and on the pages."""
    after = f"{wait} second{'s' if wait != 1 else ''}" if wait < 120 else f"{math.ceil(wait / 60)} minutes"
    return f"Too many requests; try again in {after}."


def _wait(seconds: int, moment: float) -> int:
    """Seconds until the current window ends (at least 1)."""
    return max(1, math.ceil(seconds - moment % seconds))


def hit(scope: str, key: str) -> int | None:
    """Count one request; None while within the limit, else the seconds to wait."""
    limit, seconds, moment = _window(scope)
    name = _cache_key(scope, key, int(moment // seconds))
    try:
        cache.add(name, 0, timeout=seconds + 1)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.add(name, 1, timeout=seconds + 1)
            count = 1
    except Exception:
        # A cache that is down must not take the site down with it: nothing is limited meanwhile.
        logger.exception("Rate limit %s not counted: the cache is not answering", scope)
        return None
    return _wait(seconds, moment) if count > limit else None


def exceeded(scope: str, key: str) -> int | None:
    """Without counting: the seconds to wait if the key has already used up its limit, else None."""
    limit, seconds, moment = _window(scope)
    try:
        count = cache.get(_cache_key(scope, key, int(moment // seconds)), 0)
    except Exception:
        logger.exception("Rate limit %s not checked: the cache is not answering", scope)
        return None
    return _wait(seconds, moment) if count >= limit else None


def client_address(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies the address the
    outermost one saw (each proxy appends the address it was reached from to X-Forwarded-For, so the
    N-th entry from the right; anything further left was written by the client and is ignored).

    Also django-axes' AXES_CLIENT_IP_CALLABLE, so the lockout and the throttles agree."""
    meta = getattr(request, "META", {})
    # Always an IP address (the lockout stores it in an address column): without one (a Unix
    # socket with no proxy configured), every such client shares NO_ADDRESS.
    remote = _ip_address(meta.get("REMOTE_ADDR", "")) or NO_ADDRESS
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        # Not through every proxy we trust: nothing in the header can be believed.
        return remote
    return _ip_address(forwarded[-proxies]) or remote


NO_ADDRESS = "0.0.0.0"


def _ip_address(text: str) -> str | None:
    """`text` as an IP address in its normal spelling, or None if it is not one."""
    try:
        return str(ipaddress.ip_address(text.strip()[:100]))
    except ValueError:
        return None


# --- pages ------------------------------------------------------------------------------------


def too_many_requests_page(request: HttpRequest, wait: int) -> HttpResponse:
    """The 429 page: how long to wait, with Retry-After."""
    body = render_to_string("429.html", {"message": throttled_message(wait)}, request=request)
    return HttpResponse(body, status=429, headers={"Retry-After": str(wait)})


def survey_wait(request: HttpRequest, token: str) -> int | None:
    """Anonymous survey requests: the seconds to wait if this one is over a limit (and counted if not)."""
    address = client_address(request)
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _survey_wait_redis(backend, address, token)
    wait = exceeded("survey-bad-token", address)
    if wait is None:
        wait = hit("survey-address", address)
    return wait if wait is not None else hit("survey-token", token)


# survey_wait's three checks in one round trip: stopped if the address sent too many unknown tokens
# (read, not counted); else the address counted, and stopped over its limit; else the link counted,
# and stopped over its limit. A counter's first count sets its expiry, as cache.add does.
# KEYS: bad tokens, address, link. ARGV: their limits, then the address's and the link's expiry.
# Returns which limit stopped the request (1, 2, 3), or 0.
SURVEY_SCRIPT = """
local bad = tonumber(redis.call('GET', KEYS[1]) or '0')
if bad >= tonumber(ARGV[1]) then return 1 end
for i = 2, 3 do
    local count = redis.call('INCR', KEYS[i])
    if count == 1 then redis.call('EXPIRE', KEYS[i], ARGV[i + 2]) end
    if count > tonumber(ARGV[i]) then return i end
end
return 0
"""
_SURVEY_SCOPES = ("survey-bad-token", "survey-address", "survey-token")
# The script ready to run, per connection pool: Django's Redis cache builds a new client object (with
# its table of a few hundred reply parsers) for every call, which cost more than the round trip, and
# EVAL sends the whole script each time where EVALSHA sends its digest (loaded again if Redis forgot it).
_survey_scripts: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _survey_script(backend: RedisCache) -> Any:
    pool = backend._cache._get_connection_pool(True)  # type: ignore[attr-defined]  # get_client(write=True)'s
    script = _survey_scripts.get(pool)
    if script is None:
        client = backend._cache.get_client(write=True)
        script = _survey_scripts[pool] = client.register_script(SURVEY_SCRIPT)
    return script


def _survey_wait_redis(backend: RedisCache, address: str, token: str) -> int | None:
    windows = [_window(scope) for scope in _SURVEY_SCOPES]
    keys = [
        backend.make_and_validate_key(_cache_key(scope, key, int(moment // seconds)))
        for scope, key, (_, seconds, moment) in zip(_SURVEY_SCOPES, (address, address, token), windows, strict=True)
    ]
    limits = [limit for limit, _, _ in windows]
    expiries = [seconds + 1 for _, seconds, _ in windows[1:]]
    try:
        stopped = int(_survey_script(backend)(keys=keys, args=[*limits, *expiries]))
    except Exception:
        logger.exception("Rate limits of the survey not counted: the cache is not answering")
        return None
    if not stopped:
        return None
    _, seconds, moment = windows[stopped - 1]
    return _wait(seconds, moment)


def record_bad_token(request: Any) -> None:
    """An unknown survey token was sent from this address."""
    hit("survey-bad-token", client_address(request))


# --- the API (DRF throttles) --------------------------------------------------------------------


class RateThrottle(BaseThrottle):
    """A DRF throttle on one scope; `key()` says what is counted (None: this request is not)."""

    scope = ""
    _seconds: int | None = None

    def key(self, request: Any, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        key = self.key(request, view)
        self._seconds = None if key is None else hit(self.scope, key)
        return self._seconds is None

    def wait(self) -> float | None:
        return self._seconds


class PostsPerAddressThrottle(RateThrottle):
    """POSTs counted per client address (reads are not)."""

    def key(self, request: Any, view: Any) -> str | None:
        return client_address(request) if request.method == "POST" else None


class MemberInvitationThrottle(PostsPerAddressThrottle):
    scope = "member-invitation"


class SurveyThrottle(BaseThrottle):
    """The respondent API: per link and per address, and stopped for an address that sent too many unknown
    tokens."""

    _seconds: int | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        self._seconds = survey_wait(request, str(view.kwargs.get("token", "")))
        return self._seconds is None

    def wait(self) -> float | None:
        return self._seconds


class ReportRenderThrottle(RateThrottle):
    """Report requests per organisation, counted only for those who may request one (anyone else gets
    their 403 or 404 from the view, and spends nobody's allowance)."""

    scope = "report-render"

    def key(self, request: Any, view: Any) -> str | None:
        if request.method != "POST":
            return None
        from assessment.models import Assessment
        from organisations.errors import NotFound
        from organisations.permissions import RUN, visible_object

        try:
            assessment = visible_object(
                Assessment.objects.select_related("organisation"),
                request.user,
                view.kwargs.get("assessment_id"),
                name="assessment",
            )
        except NotFound:
            return None
        if assessment.organisation.role_of(request.user) not in RUN:
            return None
        return f"organisation:{assessment.organisation_id}"


def limit_posts(scope: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page's POSTs counted per client address on `scope`; over the limit, the 429 page."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                wait = hit(scope, client_address(request))
                if wait is not None:
                    return too_many_requests_page(request, wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
