"""Invitation tokens: unguessable links whose secret never sits in the database on its own.

Each invitation stores a random 256-bit `secret` (from `secrets`) and the SHA-256 `digest` of its
token. The token is HMAC-SHA256(SECRET_KEY, secret): a copy of the database alone can rebuild no
link (it lacks the key) and cannot reverse the digest, while a reminder can still send the same
link as the first email, so a respondent's earlier email keeps working.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac

SECRET_BYTES = 32
SALT = "waypoint.surveys.invitation"
# Longer than any token we make, shorter than anything that could hurt: refused before hashing.
MAX_TOKEN_LENGTH = 100


def new_secret() -> str:
    """A fresh invitation secret: 256 bits from the operating system's CSPRNG."""
    return secrets.token_hex(SECRET_BYTES)


def token_for(secret: str, *, salt: str = SALT) -> str:
    """The link token of a secret: URL-safe, 43 characters (256 bits); another salt for another kind of link."""
    mac = salted_hmac(salt, secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def digest_of(token: str) -> str:
    """What the database stores and looks a token up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_a_token(token: str) -> bool:
    return 0 < len(token) <= MAX_TOKEN_LENGTH
