"""A password validator Django lacks: a password of spaces (or any whitespace) alone is refused,
whatever its length. Listed in AUTH_PASSWORD_VALIDATORS, so sign-up, accepting an invitation with a
new account and every password change (Django's reset form) apply it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class NotOnlyWhitespaceValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if not password.strip():
            raise ValidationError("This password is only spaces; choose one with letters or digits.", code="blank")

    def get_help_text(self) -> str:
        return "Your password cannot be only spaces."
