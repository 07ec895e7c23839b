"""gunicorn's logger, without the tokens of secret addresses (security/redaction.py).

The access log's request line (`%(r)s`), path (`%(U)s`), query (`%(q)s`), Referer (`%(f)s`) and
every other atom are redacted before formatting; the error log's messages ("Error handling
request /s/...") by a filter on its logger. config/gunicorn.py names this class.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from security.redaction import RedactSecrets, redact


class RedactingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactSecrets) for f in log.filters):
                log.addFilter(RedactSecrets())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }
