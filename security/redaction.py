"""Secret tokens in addresses, and their removal from log lines.

An invitation link (`/s/<token>/`, the respondent API's `/api/v1/survey/<token>/`), a sign-up
confirmation (`/start/confirm/<token>/`), a member invitation (`/join/<token>/`), a report sent to an
outside address (`/reports/shared/<token>/`) and a password
reset (`/password-reset/<uid>/<token>/`) carry the only credential their holder needs. Whoever
reads a log must not be able to answer someone's survey or take over an account, so every log
line, Django's and gunicorn's, has them replaced with REDACTED.

This module imports nothing from Django: gunicorn's master process loads it before Django is set up.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# A slash, also percent-encoded (an address inside a `?next=` parameter).
_SLASH = r"(?:/|%2[fF])"
# A path segment: up to the next slash (plain or encoded), query, fragment, space or quote.
_SEGMENT = r"(?:(?!%2[fF])[^/?#&\s\"'])+"
_PREFIXES = (
    "s",
    f"api{_SLASH}v1{_SLASH}survey",
    f"start{_SLASH}confirm",
    "join",
    f"reports{_SLASH}shared",
)
_SECRET = re.compile(
    rf"(?P<prefix>{_SLASH}(?:{'|'.join(_PREFIXES)}){_SLASH})(?P<token>{_SEGMENT})"
    # A password reset: /password-reset/<uid>/<token>/, but not /password-reset/<uid>/set-password/.
    rf"|(?P<reset>{_SLASH}password-reset{_SLASH}{_SEGMENT}{_SLASH})(?!set-password(?:{_SLASH}|$))(?P<reset_token>{_SEGMENT})"
)


def redact(text: str) -> str:
    """`text` with every secret token of an address replaced by REDACTED."""
    return _SECRET.sub(lambda m: (m.group("prefix") or m.group("reset")) + REDACTED, text)


class RedactSecrets(logging.Filter):
    """A logging filter (on handlers, so that records propagated from any logger pass through it)
    that rewrites a record's message, and its traceback, without the tokens of secret addresses."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's own problem to report
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
