"""Link tokens for member invitations and sign-up confirmations: a random secret travels in the
emailed link, and only its SHA-256 digest is stored, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32
# Longer than any token we make, short enough that hashing it costs nothing: refused before hashing.
MAX_TOKEN_LENGTH = 100


def new_token() -> str:
    """A fresh link token: 256 bits from the operating system's CSPRNG, URL-safe (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest_of(token: str) -> str:
    """What the database stores and looks a token up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_a_token(token: str) -> bool:
    return 0 < len(token or "") <= MAX_TOKEN_LENGTH
