from django.urls import path

from assessment import assessor_views, views

app_name = "assessment"

urlpatterns = [
    path("portfolio/", views.portfolio_page, name="portfolio"),
    path("organisations/new/", views.organisation_new, name="organisation-new"),
    path("organisations/<int:organisation_id>/", views.organisation_page, name="organisation"),
    path("organisations/<int:organisation_id>/assessments/new/", views.assessment_new, name="assessment-new"),
    path("organisations/<int:organisation_id>/benchmark/", views.organisation_benchmark, name="organisation-benchmark"),
    path("assessments/<int:assessment_id>/", views.assessment_page, name="assessment"),
    path("assessments/<int:assessment_id>/open/", views.assessment_open, name="assessment-open"),
    path("assessments/<int:assessment_id>/close/", views.assessment_close, name="assessment-close"),
    path("assessments/<int:assessment_id>/initiatives/", views.initiative_create, name="initiative-create"),
    path("assessments/<int:assessment_id>/ratings/", assessor_views.ratings_page, name="ratings"),
    path("assessments/<int:assessment_id>/outcomes/", views.outcomes_update, name="outcomes"),
    path("initiatives/<int:initiative_id>/", views.initiative_update, name="initiative-update"),
]
