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
]
