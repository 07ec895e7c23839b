"""Tokens of a report's shared download links, made as invitation tokens are (surveys/tokens.py): a random
secret on the row, the link's token HMAC-SHA256(SECRET_KEY, secret), looked up by its SHA-256 digest."""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac

SALT = "waypoint.reports.link"
MAX_TOKEN_LENGTH = 100


def new_secret() -> str:
    return secrets.token_hex(32)


def token_for(secret: str) -> str:
    mac = salted_hmac(SALT, secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_a_token(token: str) -> bool:
    return 0 < len(token) <= MAX_TOKEN_LENGTH
