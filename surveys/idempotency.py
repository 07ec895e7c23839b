"""Idempotency-Key for the respondent API: a retried request returns what the first one got.

The same key with the same request (method, path, canonical JSON body) replays the stored result;
the same key with a different request is refused (409), since the client has mixed up two requests.
Only successful results are stored: a failed request may be retried and succeed. Results are kept
for at least KEEP (24 hours, the window clients retry in): `purge` deletes older ones, hourly from
Celery beat, so the table holds a day of saves rather than every save ever made.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from organisations.errors import InvalidInput, StateConflict
from surveys.models import IdempotentRequest, Invitation

MAX_KEY_LENGTH = 200
KEEP = timedelta(hours=24)


class IdempotencyKeyReused(StateConflict):
    code = "idempotency_key_reused"


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# Printable ASCII, spaces only inside: what the API schema states for the header.
KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"


def check_key(key: str) -> str:
    if not re.match(KEY_PATTERN, key) or len(key) > MAX_KEY_LENGTH or key.endswith("\n"):
        raise InvalidInput(
            f"An Idempotency-Key has 1 to {MAX_KEY_LENGTH} printable ASCII characters.", field="Idempotency-Key"
        )
    return key


def replay(*, invitation: Invitation, key: str, fingerprint: str) -> IdempotentRequest | None:
    """The stored result of this key, or None; a different request under the same key is refused."""
    stored = IdempotentRequest.objects.filter(invitation=invitation, key=key).first()
    if stored is not None and stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request; use a new key for new content.",
            field="Idempotency-Key",
        )
    return stored


def remember(*, invitation: Invitation, key: str, fingerprint: str, status_code: int, body: Any) -> None:
    """Store a successful result; a concurrent twin that stored it first wins (both did the same)."""
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                invitation=invitation, key=key, fingerprint=fingerprint, status_code=status_code, body=body
            )
    except IntegrityError:
        pass


def purge(*, now: datetime | None = None) -> int:
    """Delete the results stored more than KEEP ago; the number deleted."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
