from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("assessments/<int:assessment_id>/", views.assessment_reports, name="assessment-reports"),
    path("organisations/<int:organisation_id>/", views.organisation_overview, name="organisation"),
    path("<int:report_id>/download/", views.download, name="download"),
]
