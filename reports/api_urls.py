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
]
