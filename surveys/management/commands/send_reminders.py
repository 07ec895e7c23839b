"""Queue reminder emails to invited respondents who have not submitted yet (run daily, e.g. from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from surveys import services


class Command(BaseCommand):
    help = "Queue a reminder to every invitation of an open assessment that is due one."

    def handle(self, *args, **options) -> None:
        queued = services.send_reminders()
        self.stdout.write(f"{len(queued)} reminder{'s' if len(queued) != 1 else ''} queued.")
