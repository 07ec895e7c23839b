"""Loaded by pytest before Django: the settings refuse to load without a secret and hosts."""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# The suite sends many requests from one address and for one organisation (Schemathesis: up to 200
# generated requests per operation); tests of the rate limits set their own low limits
# (organisations/throttles.py).
for _name in (
    "THROTTLE_REPORT_RENDERS",
    "THROTTLE_SIGN_UPS",
    "THROTTLE_PASSWORD_RESETS",
    "THROTTLE_MEMBER_INVITATIONS",
    "THROTTLE_SURVEY_TOKEN",
    "THROTTLE_SURVEY_ADDRESS",
    "THROTTLE_SURVEY_BAD_TOKENS",
):
    os.environ.setdefault(_name, "100000/hour")
