"""Idempotency-Key for the respondent API: a retried request returns what the first one got.

The same key with the same request (method, path, canonical JSON body) replays the stored result;
the same key with a different request is refused (409), since the client has mixed up two requests.
Only successful results are stored: a failed request may be retried and succeed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction

from organisations.errors import InvalidInput, StateConflict
from surveys.models import IdempotentRequest, Invitation

MAX_KEY_LENGTH = 200


class IdempotencyKeyReused(StateConflict):
    code = "idempotency_key_reused"


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"An Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters.", field="Idempotency-Key")
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
