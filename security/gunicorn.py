"""gunicorn's logger, without the tokens of secret addresses (security/redaction.py).

The access log's request line (`%(r)s`), path (`%(U)s`), query (`%(q)s`), Referer (`%(f)s`) and
every other atom are redacted before formatting; the error log's messages ("Error handling
request /s/...") by a filter on its logger. config/gunicorn.py names this class.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger, SafeAtoms

from security.redaction import RedactSecrets, redact


class RedactedAtoms(SafeAtoms):
    """gunicorn's atoms of an access log line, each redacted (then its quotes escaped, as gunicorn does)
    when the format reads it: a line reads a dozen of the fifty or so atoms (every request and response
    header is one), and redacting them all cost more than writing the line."""

    def __init__(self, atoms: dict[str, Any]) -> None:
        dict.__init__(self, atoms)

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        return redact(value).replace('"', '\\"') if isinstance(value, str) else value


class RedactingLogger(Logger):
    atoms_wrapper_class = RedactedAtoms

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactSecrets) for f in log.filters):
                log.addFilter(RedactSecrets())
