"""`python manage.py totp_code consultant`: the current sign-in code of a demo person's authenticator
(the demo data's fixed key), so that `make run` can be signed in to without a phone. DEBUG only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from organisations import two_factor


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo user's authenticator (DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("totp_code is for the local demo: it runs only with DEBUG on.")
        user = get_user_model().objects.filter(username=options["username"]).first()
        code = two_factor.demo_code(user) if user is not None else None
        if code is None:
            raise CommandError(f"{options['username']!r} has no demo authenticator (python manage.py seed_demo).")
        self.stdout.write(code)
