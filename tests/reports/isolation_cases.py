"""Tenant-isolation cases of the reports API (see tests/api/isolation_cases.py)."""

from __future__ import annotations

from reports.models import Report
from tests.api.isolation_cases import NOT_FOUND, case
from tests.api.world import World


def our_report(world: World) -> Report:
    return Report.objects.create(assessment=world.closed_assessment, rubric_version=world.rubric_version)


case(
    "/api/v1/assessments/{assessment_id}/reports/",
    "GET",
    NOT_FOUND,
    params=lambda w: {"assessment_id": w.closed_assessment.pk},
)
case(
    "/api/v1/assessments/{assessment_id}/reports/",
    "POST",
    NOT_FOUND,
    params=lambda w: {"assessment_id": w.closed_assessment.pk},
)
case(
    "/api/v1/organisations/{organisation_id}/reports/",
    "GET",
    NOT_FOUND,
    params=lambda w: {"organisation_id": w.organisation.pk},
)
case("/api/v1/reports/{id}/", "GET", NOT_FOUND, params=lambda w: {"id": our_report(w).pk})
case("/api/v1/reports/{id}/pdf/", "GET", NOT_FOUND, params=lambda w: {"id": our_report(w).pk})
