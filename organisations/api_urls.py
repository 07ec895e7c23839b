from django.urls import path

from organisations import api, audit_api

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("organisations/", api.OrganisationList.as_view(), name="api-organisations"),
    path("organisations/<int:id>/", api.OrganisationDetail.as_view(), name="api-organisation"),
    path("organisations/<int:organisation_id>/members/", api.MemberList.as_view(), name="api-members"),
    path("organisations/<int:organisation_id>/members/<int:id>/", api.MemberDetail.as_view(), name="api-member"),
    path("organisations/<int:id>/export/", audit_api.OrganisationExport.as_view(), name="api-organisation-export"),
    path("firms/<int:id>/audit/", audit_api.FirmAuditLog.as_view(), name="api-firm-audit"),
    path(
        "organisations/<int:organisation_id>/invitations/",
        api.OrganisationInvitationList.as_view(),
        name="api-organisation-invitations",
    ),
    path(
        "organisations/<int:organisation_id>/invitations/<int:id>/",
        api.OrganisationInvitationDetail.as_view(),
        name="api-organisation-invitation",
    ),
    path(
        "organisations/<int:organisation_id>/invitations/<int:id>/resend/",
        api.OrganisationInvitationResend.as_view(),
        name="api-organisation-invitation-resend",
    ),
    path("firms/", api.FirmList.as_view(), name="api-firms"),
    path("firms/<int:id>/", api.FirmDetail.as_view(), name="api-firm"),
    path("firms/<int:firm_id>/members/", api.FirmMemberList.as_view(), name="api-firm-members"),
    path("firms/<int:firm_id>/members/<int:id>/", api.FirmMemberDetail.as_view(), name="api-firm-member"),
    path("firms/<int:firm_id>/invitations/", api.FirmInvitationList.as_view(), name="api-firm-invitations"),
    path("firms/<int:firm_id>/invitations/<int:id>/", api.FirmInvitationDetail.as_view(), name="api-firm-invitation"),
    path(
        "firms/<int:firm_id>/invitations/<int:id>/resend/",
        api.FirmInvitationResend.as_view(),
        name="api-firm-invitation-resend",
    ),
]
