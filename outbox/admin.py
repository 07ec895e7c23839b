from django.contrib import admin

from outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: what is queued, what failed to reach the broker and why. Arguments (which may
    carry a link's token) are not shown."""

    list_display = ("id", "task", "about", "about_id", "state", "attempts", "created_at", "dispatched_at", "done_at")
    list_filter = ("state", "task")
    fields = ("task", "about", "about_id", "state", "attempts", "last_error", "created_at", "dispatched_at", "done_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
