from django.urls import path

from assessment import assessor_views, authoring_views, views

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
    path("rubrics/", authoring_views.rubrics_page, name="rubrics"),
    path("rubrics/drafts/", authoring_views.draft_start, name="rubric-draft-start"),
    path("rubrics/drafts/<int:draft_id>/", authoring_views.draft_editor, name="rubric-draft"),
    path("rubrics/drafts/<int:draft_id>/preview/", authoring_views.draft_preview, name="rubric-draft-preview"),
    path("rubrics/drafts/<int:draft_id>/diff/", authoring_views.draft_diff, name="rubric-draft-diff"),
    path("rubrics/drafts/<int:draft_id>/publish/", authoring_views.draft_publish, name="rubric-draft-publish"),
    path("rubrics/drafts/<int:draft_id>/delete/", authoring_views.draft_delete, name="rubric-draft-delete"),
]
