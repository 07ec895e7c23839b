import os
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponseBase
from django.urls import get_resolver, set_urlconf
from django.utils.log import log_response
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class Handler(WSGIHandler):
    """Django's WSGI handler, with a shorter middleware chain for the paths of LEAN_PATHS.

    Those requests skip the middleware listed in LEAN_PATHS_SKIP: the respondent API is reached by its
    token alone, and has no use for sessions, sign-in, CSRF cookies, messages or static files; each
    autosaved answer is one of its requests. Every other middleware (the security headers among them)
    runs as for any request, and the view middleware (process_view) of the whole list still runs.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)
        self._lean_paths = (
            re.compile("|".join(f"(?:{p})" for p in settings.LEAN_PATHS)) if settings.LEAN_PATHS else None
        )
        chain: Any = convert_exception_to_response(self._get_response)
        for path in reversed(settings.MIDDLEWARE):
            if path in settings.LEAN_PATHS_SKIP:
                continue
            try:
                chain = convert_exception_to_response(import_string(path)(chain))
            except MiddlewareNotUsed:
                continue
        self._lean_chain = chain

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        if self._lean_paths is None or not self._lean_paths.match(request.path_info):
            return super().get_response(request)
        # BaseHandler.get_response, through the shorter chain.
        set_urlconf(settings.ROOT_URLCONF)
        response = self._lean_chain(request)
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        return response


def get_wsgi_application() -> Handler:
    """django.core.wsgi.get_wsgi_application, with our handler."""
    import django

    django.setup(set_prefix=False)
    return Handler()


application = get_wsgi_application()

# Import every URLconf and view now, while the server process starts, rather than in the first
# request it serves: otherwise each new worker's first requests wait for those imports (close to a
# second), which respondents notice as a stall right after a deploy or a worker restart.
get_resolver().url_patterns  # noqa: B018
