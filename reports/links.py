"""Tokens of a report's shared download links, made as invitation tokens are (surveys/tokens.py) under a
salt of their own: a random secret on the row, the link's token HMAC-SHA256(SECRET_KEY, secret), looked
up by its SHA-256 digest."""

from __future__ import annotations

from surveys.tokens import digest_of, looks_like_a_token, new_secret
from surveys.tokens import token_for as _token_for

SALT = "waypoint.reports.link"

__all__ = ["digest_of", "looks_like_a_token", "new_secret", "token_for"]


def token_for(secret: str) -> str:
    return _token_for(secret, salt=SALT)
