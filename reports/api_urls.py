from django.urls import path

from reports import api

urlpatterns = [
    path(
        "assessments/<int:assessment_id>/reports/",
        api.AssessmentReportList.as_view(),
        name="api-assessment-reports",
    ),
    path(
        "organisations/<int:organisation_id>/reports/",
        api.OrganisationReportList.as_view(),
        name="api-organisation-reports",
    ),
    path("reports/<int:id>/", api.ReportDetail.as_view(), name="api-report"),
    path("reports/<int:id>/pdf/", api.ReportPdf.as_view(), name="api-report-pdf"),
    path("reports/<int:id>/deck/", api.ReportDeck.as_view(), name="api-report-deck"),
    path("reports/<int:id>/send/", api.ReportSend.as_view(), name="api-report-send"),
    path("reports/<int:id>/links/", api.ReportLinkList.as_view(), name="api-report-links"),
    path("report-batches/", api.ReportBatchCreate.as_view(), name="api-report-batches"),
    path("report-batches/<int:id>/", api.ReportBatchDetail.as_view(), name="api-report-batch"),
    path("report-links/<int:id>/revoke/", api.ReportLinkRevoke.as_view(), name="api-report-link-revoke"),
]
