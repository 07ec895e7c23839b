from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("assessments/<int:assessment_id>/", views.assessment_reports, name="assessment-reports"),
    path("organisations/<int:organisation_id>/", views.organisation_overview, name="organisation"),
    path("<int:report_id>/download/", views.download, name="download"),
    path("<int:report_id>/deck/", views.download_deck, name="download-deck"),
    path("<int:report_id>/send/", views.send, name="send"),
    path("links/<int:link_id>/revoke/", views.revoke_link, name="revoke-link"),
    path("batches/", views.report_batches, name="batches"),
    path("batches/<int:batch_id>/", views.report_batch, name="batch"),
    path("shared/<str:token>/", views.shared, name="shared"),
]
