"""The sweep, on beat: whatever the broker did not take when it was queued is handed over now."""

from __future__ import annotations

from celery import shared_task

from outbox import services


@shared_task
def sweep_outbox_task() -> int:
    """Publish the outbox messages still pending (see outbox.services.sweep)."""
    return len(services.sweep())
