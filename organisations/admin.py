from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from organisations.models import AuditEvent, Firm, FirmMembership, MemberInvitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class FirmMembershipInline(admin.TabularInline):
    model = FirmMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["name", "colour", "created_at"]
    search_fields = ["name"]
    inlines = [FirmMembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "firm", "benchmark_opt_out", "created_at"]
    list_filter = ["firm"]
    search_fields = ["name", "firm__name"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request: HttpRequest, obj: Organisation | None = None) -> bool:
        # Erasure goes through organisations/custody.py (the organisation's page or the API): it
        # deletes the stored files too and records the deletion in the firm's audit log.
        return False


@admin.register(MemberInvitation)
class MemberInvitationAdmin(admin.ModelAdmin):
    """Invitations are sent, resent and withdrawn through the product, which emails the link; here they are read."""

    list_display = ["email", "firm", "organisation", "role", "created_at", "accepted_at", "withdrawn_at"]
    list_filter = ["firm", "role"]
    search_fields = ["email"]
    readonly_fields = [f.name for f in MemberInvitation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, to read only: nobody adds, changes or deletes an event, not even a superuser."""

    list_display = ["at", "firm", "action", "organisation_name", "actor_label", "summary"]
    list_filter = ["action", "firm"]
    search_fields = ["summary", "actor_label", "organisation_name"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
