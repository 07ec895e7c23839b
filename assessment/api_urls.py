from django.urls import path

from assessment import api, assessor_api, authoring_api

urlpatterns = [
    path("rubrics/", api.RubricList.as_view(), name="api-rubrics"),
    path("rubrics/<int:id>/", api.RubricDetail.as_view(), name="api-rubric"),
    path("rubrics/<int:id>/export/", api.RubricExport.as_view(), name="api-rubric-export"),
    path("rubric-drafts/", authoring_api.RubricDraftList.as_view(), name="api-rubric-drafts"),
    path("rubric-drafts/<int:id>/", authoring_api.RubricDraftDetail.as_view(), name="api-rubric-draft"),
    path(
        "rubric-drafts/<int:id>/preview/", authoring_api.RubricDraftPreview.as_view(), name="api-rubric-draft-preview"
    ),
    path("rubric-drafts/<int:id>/diff/", authoring_api.RubricDraftDiff.as_view(), name="api-rubric-draft-diff"),
    path(
        "rubric-drafts/<int:id>/publish/", authoring_api.RubricDraftPublish.as_view(), name="api-rubric-draft-publish"
    ),
    path("assessments/", api.AssessmentList.as_view(), name="api-assessments"),
    path("assessments/<int:id>/", api.AssessmentDetail.as_view(), name="api-assessment"),
    path("assessments/<int:id>/open/", api.AssessmentOpen.as_view(), name="api-assessment-open"),
    path("assessments/<int:id>/close/", api.AssessmentClose.as_view(), name="api-assessment-close"),
    path("assessments/<int:id>/targets/", api.AssessmentTargets.as_view(), name="api-assessment-targets"),
    path("assessments/<int:id>/progress/", api.AssessmentProgress.as_view(), name="api-assessment-progress"),
    path("assessments/<int:id>/scores/", api.AssessmentScores.as_view(), name="api-assessment-scores"),
    path("assessments/<int:id>/roadmap/", api.AssessmentRoadmap.as_view(), name="api-assessment-roadmap"),
    path("assessments/<int:id>/ratings/", assessor_api.AssessmentRatings.as_view(), name="api-assessment-ratings"),
    path(
        "assessments/<int:id>/ratings/<str:criterion_key>/",
        assessor_api.AssessmentRating.as_view(),
        name="api-assessment-rating",
    ),
    path("assessments/<int:id>/outcomes/", api.AssessmentOutcomes.as_view(), name="api-assessment-outcomes"),
    path("assessments/<int:id>/benchmark/", api.AssessmentBenchmark.as_view(), name="api-assessment-benchmark"),
    path(
        "assessments/<int:id>/export/<str:kind>.<str:fmt>", api.AssessmentExport.as_view(), name="api-assessment-export"
    ),
    path("portfolio/", api.Portfolio.as_view(), name="api-portfolio"),
    path("portfolio/export.xlsx", api.PortfolioExport.as_view(), name="api-portfolio-export"),
    path("initiatives/", api.InitiativeList.as_view(), name="api-initiatives"),
    path("initiatives/<int:id>/", api.InitiativeDetail.as_view(), name="api-initiative"),
    path("organisations/<int:id>/year-over-year/", api.YearOverYear.as_view(), name="api-year-over-year"),
]
