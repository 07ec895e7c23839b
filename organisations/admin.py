from django.contrib import admin

from organisations.models import Firm, FirmMembership, MemberInvitation, Membership, Organisation


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


@admin.register(MemberInvitation)
class MemberInvitationAdmin(admin.ModelAdmin):
    """Invitations are sent, resent and withdrawn through the product, which emails the link; here they are read."""

    list_display = ["email", "firm", "organisation", "role", "created_at", "accepted_at", "withdrawn_at"]
    list_filter = ["firm", "role"]
    search_fields = ["email"]
    readonly_fields = [f.name for f in MemberInvitation._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
