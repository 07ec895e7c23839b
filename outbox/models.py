"""One row per piece of queued work (an email, a render), committed with the change that asks for it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxState(models.TextChoices):
    PENDING = "pending", "Waiting to be handed to the broker"
    DISPATCHED = "dispatched", "Handed to the broker"
    DONE = "done", "Done by a worker"


class OutboxMessage(models.Model):
    """A Celery task to run once: its name and JSON arguments, and how far it got.

    `about` and `about_id` name the row the work is for (e.g. "surveys.invitation", 12), so pages
    can show that its email is still queued."""

    task = models.CharField(max_length=200, help_text="Dotted name of the Celery task")
    args = models.JSONField(default=list, blank=True, help_text="Positional arguments; emptied once done")
    about = models.CharField(max_length=100, blank=True)
    about_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Times it was handed to the broker or run")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "created_at"], name="outbox_state_created"),
            models.Index(fields=["about", "about_id"], name="outbox_about"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.state})"

    @property
    def celery_task_id(self) -> str:
        return f"outbox-{self.pk}"
