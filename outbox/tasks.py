"""The sweep, on beat: whatever the broker did not take when it was queued is handed over now; and
the hand-over of many messages queued together (outbox.services.enqueue_many)."""

from __future__ import annotations

from celery import shared_task

from outbox import services


@shared_task
def sweep_outbox_task() -> int:
    """Publish the outbox messages still pending (see outbox.services.sweep)."""
    return len(services.sweep())


@shared_task
def dispatch_outbox_task(message_ids: list[int]) -> int:
    """Publish a batch of messages queued together, each under its own task id (see
    outbox.services.dispatch_many); those already handed over by the sweep are skipped."""
    return len(services.dispatch_many(message_ids))
